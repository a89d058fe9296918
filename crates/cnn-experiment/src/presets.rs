//! Presets: the TOML files of `configs/`, compiled in: list them, describe them, load one
//! by name ([`crate::ConfigText::preset`]).

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
        "fig2-sixteen-sines",
        include_str!("../../../configs/fig2-sixteen-sines.toml"),
    ),
    (
        "fig2-noisy-teacher",
        include_str!("../../../configs/fig2-noisy-teacher.toml"),
    ),
    (
        "fig2-square",
        include_str!("../../../configs/fig2-square.toml"),
    ),
    (
        "fig2-lorenz",
        include_str!("../../../configs/fig2-lorenz.toml"),
    ),
    (
        "fig2-fast-sine",
        include_str!("../../../configs/fig2-fast-sine.toml"),
    ),
    (
        "fig2-slow-sine",
        include_str!("../../../configs/fig2-slow-sine.toml"),
    ),
    (
        "fig2-low-amplitude",
        include_str!("../../../configs/fig2-low-amplitude.toml"),
    ),
    (
        "fig4-gamma",
        include_str!("../../../configs/fig4-gamma.toml"),
    ),
    (
        "fig5-g-sweep",
        include_str!("../../../configs/fig5-g-sweep.toml"),
    ),
    (
        "fig6a-delayed-feedback",
        include_str!("../../../configs/fig6a-delayed-feedback.toml"),
    ),
    (
        "fig6b-feedback-network",
        include_str!("../../../configs/fig6b-feedback-network.toml"),
    ),
    (
        "fig6b-all-to-all",
        include_str!("../../../configs/fig6b-all-to-all.toml"),
    ),
    (
        "fig6b-full",
        include_str!("../../../configs/fig6b-full.toml"),
    ),
    (
        "fig6c-internal",
        include_str!("../../../configs/fig6c-internal.toml"),
    ),
    (
        "fig6c-all-to-all",
        include_str!("../../../configs/fig6c-all-to-all.toml"),
    ),
    (
        "fig7b-pattern-select",
        include_str!("../../../configs/fig7b-pattern-select.toml"),
    ),
    (
        "fig7b-pattern-select-c",
        include_str!("../../../configs/fig7b-pattern-select-c.toml"),
    ),
    (
        "fig7b-pattern-select-full",
        include_str!("../../../configs/fig7b-pattern-select-full.toml"),
    ),
    (
        "fig7d-memory",
        include_str!("../../../configs/fig7d-memory.toml"),
    ),
    (
        "fig7d-memory-c",
        include_str!("../../../configs/fig7d-memory-c.toml"),
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

/// One preset: its name, its description and expected outcome (the config's
/// `description` and `expect` lines), and its TOML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The name `cnn run NAME` takes.
    pub name: &'static str,
    /// The TOML text.
    pub toml: &'static str,
}

impl Preset {
    /// What the experiment is (the config's `description`).
    pub fn description(&self) -> String {
        field(self.toml, "description")
    }
    /// What the paper reports and what the run should show (the config's `expect`).
    pub fn expect(&self) -> String {
        field(self.toml, "expect")
    }
    /// Whether this is the preset `cnn run` uses without a config.
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT
    }
}

/// Every preset, the default first.
pub fn all() -> impl Iterator<Item = Preset> {
    PRESETS.iter().map(|&(name, toml)| Preset { name, toml })
}

/// The preset called `name`.
pub fn find(name: &str) -> Option<Preset> {
    all().find(|p| p.name == name)
}

/// The names of every preset, comma-separated (for error messages).
pub fn names() -> String {
    PRESETS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value of a top-level string key (`description`, `expect`) of a preset.
pub fn field(text: &str, key: &str) -> String {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get(key).and_then(|v| v.as_str().map(str::to_string)))
        .unwrap_or_default()
}
