//! Presets: the TOML files of `configs/`, compiled into the binary.

/// `(name, TOML text)` of every preset, default first.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "fig2-periodic",
        include_str!("../../../configs/fig2-periodic.toml"),
    ),
    (
        "fig2-triangle",
        include_str!("../../../configs/fig2-triangle.toml"),
    ),
    (
        "fig2-matlab",
        include_str!("../../../configs/fig2-matlab.toml"),
    ),
    (
        "fig2-three-outputs",
        include_str!("../../../configs/fig2-three-outputs.toml"),
    ),
    (
        "fig5-g-sweep",
        include_str!("../../../configs/fig5-g-sweep.toml"),
    ),
    (
        "alpha-sweep",
        include_str!("../../../configs/alpha-sweep.toml"),
    ),
    (
        "smoke-ensemble",
        include_str!("../../../configs/smoke-ensemble.toml"),
    ),
];

/// The preset `cnn run` uses without a config.
pub const DEFAULT: &str = "fig2-periodic";

/// The text of a preset.
pub fn get(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The value of a top-level string key (`description`, `expect`) of a preset.
pub fn field(text: &str, key: &str) -> String {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get(key).and_then(|v| v.as_str().map(str::to_string)))
        .unwrap_or_default()
}
