//! Experiment configs: TOML in two stages.
//!
//! Stage 1 ([`RawConfig`]): serde with unknown keys refused; every key optional. Stage 2
//! ([`Experiment`]): defaults filled in from [`defaults`] (the paper's values, in this one
//! place), every range checked, durations converted to steps, CSV files loaded. The
//! simulation only ever sees an [`Experiment`]. Errors name the key, the file and line
//! (or the `--set` override it came from) and the allowed range.

use crate::targets::{build_targets, check_target_keys, RawTarget};
use cnn_core::{GeneratorSpec, InitialWeights, Target};
use cnn_train::{Protocol, Steps, SuccessCriterion};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The paper's values (spec section 2) and the notebook protocol: the defaults of every key.
pub mod defaults {
    /// N_G.
    pub const N_G: i64 = 1000;
    /// p_GG.
    pub const P_GG: f64 = 0.1;
    /// g_GG.
    pub const G_GG: f64 = 1.5;
    /// g_Gz.
    pub const G_GZ: f64 = 1.0;
    /// p_z.
    pub const P_Z: f64 = 1.0;
    /// tau in ms.
    pub const TAU_MS: f64 = 10.0;
    /// dt in ms (the notebook's; the MATLAB demo uses 1 ms).
    pub const DT_MS: f64 = 0.1;
    /// Learning interval in ms (the notebook's; the MATLAB demo uses 2 ms).
    pub const LEARN_EVERY_MS: f64 = 1.0;
    /// alpha (P(0) = I/alpha).
    pub const ALPHA: f64 = 1.0;
    /// Spontaneous phase in ms.
    pub const SPONTANEOUS_MS: f64 = 1000.0;
    /// Training phase in ms (spec section 6: about 12 periods are needed).
    pub const TRAIN_MS: f64 = 14400.0;
    /// Test phase in ms.
    pub const TEST_MS: f64 = 4800.0;
    /// Recorded units (the first ones).
    pub const RECORD_RATES: i64 = 10;
    /// Record every step.
    pub const DECIMATE: i64 = 1;
    /// Seed.
    pub const SEED: i64 = 1;
}

/// A config error: which key, where, and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// Where: `file:line`, `--set KEY=VALUE`, or the config name.
    pub location: String,
    /// The key path (`network.p_gg`, `targets[1].path`), empty if not about one key.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.location, self.message)
        } else {
            write!(f, "{}: {}: {}", self.location, self.key, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// `[network]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawNetwork {
    /// `"A"` (default), `"B"` or `"C"`.
    pub architecture: Option<String>,
    pub n_g: Option<i64>,
    pub p_gg: Option<f64>,
    pub g_gg: Option<f64>,
    pub g_gz: Option<f64>,
    pub p_z: Option<f64>,
    pub tau_ms: Option<f64>,
    /// `"zero"` or `"gaussian"`.
    pub w_init: Option<String>,
}

/// `[simulation]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSimulation {
    pub dt_ms: Option<f64>,
    pub spontaneous_ms: Option<f64>,
    pub train_ms: Option<f64>,
    pub test_ms: Option<f64>,
}

/// `[training]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTraining {
    pub alpha: Option<f64>,
    pub learn_every_ms: Option<f64>,
    pub success_min_corr: Option<f64>,
    pub success_min_amp_ratio: Option<f64>,
    pub success_max_amp_ratio: Option<f64>,
    pub success_max_train_rms_norm: Option<f64>,
    /// `"standard"` (default) or `"guarded"` (see [`cnn_train::RlsUpdate`]).
    pub rls_update: Option<String>,
}

/// `[record]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawRecord {
    /// Record the rates of the first `rates` units.
    pub rates: Option<i64>,
    /// Or of these units (exclusive with `rates`).
    pub rates_index: Option<Vec<i64>>,
    /// Keep one row every `decimate` steps.
    pub decimate: Option<i64>,
}

/// A whole config file (stage 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// One line: what the experiment is.
    pub description: Option<String>,
    /// One line: what the paper reports and what success means.
    pub expect: Option<String>,
    /// Network seed (>= 0).
    pub seed: Option<i64>,
    /// `[network]`.
    #[serde(default)]
    pub network: RawNetwork,
    /// `[simulation]`.
    #[serde(default)]
    pub simulation: RawSimulation,
    /// `[training]`.
    #[serde(default)]
    pub training: RawTraining,
    /// `[record]`.
    #[serde(default)]
    pub record: RawRecord,
    /// `[[targets]]`: one entry per target; their components are stacked into outputs.
    #[serde(default)]
    pub targets: Vec<RawTarget>,
    /// `[feedback_network]` (architecture B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_network: Option<crate::arch::RawFeedbackNetwork>,
    /// `[internal]` (architecture C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<crate::arch::RawInternal>,
    /// `[feedback]`: readout feedback variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<crate::arch::RawFeedback>,
    /// `[inputs]`: input weights and signals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<crate::arch::RawInputs>,
    /// `[task]`: an input-driven task (supplies targets and inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<crate::arch::RawTask>,
    /// `[ensemble]`: the seeds of an ensemble run; checked by `crate::ensemble`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<toml::Table>,
    /// `[sweep]`: swept keys and the sweep mode; checked by `crate::ensemble`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<toml::Table>,
}

/// A validated experiment: the only thing the run command accepts.
pub struct Experiment {
    /// Name of the config (file stem or preset name).
    pub name: String,
    /// The network seed.
    pub seed: u64,
    /// Generator parameters.
    pub spec: GeneratorSpec,
    /// Phases and learning.
    pub protocol: Protocol,
    /// The same in steps.
    pub steps: Steps,
    /// The target (all outputs stacked).
    pub target: Box<dyn Target>,
    /// Architecture, feedback loop and inputs.
    pub arch: crate::arch::Architecture,
    /// Recorded units.
    pub rates_index: Vec<u32>,
    /// Recording decimation.
    pub decimate: usize,
    /// Success criterion.
    pub criterion: SuccessCriterion,
    /// The form of the RLS update (`[training] rls_update`).
    pub rls_update: cnn_train::RlsUpdate,
    /// The resolved config (every key, defaults filled) as TOML.
    pub resolved_toml: String,
    /// Description line.
    pub description: String,
    /// Expected-outcome line.
    pub expect: String,
    /// The `[ensemble]` table, if any (not part of `resolved_toml`).
    pub ensemble: Option<toml::Table>,
    /// The `[sweep]` table, if any (not part of `resolved_toml`).
    pub sweep: Option<toml::Table>,
}

/// Where config text came from, for error messages and relative paths.
#[derive(Debug, Clone)]
pub struct Source {
    /// Display name (the file path or `preset:NAME`).
    pub display: String,
    /// Short name (file stem or preset name).
    pub name: String,
    /// Directory relative paths in the config are resolved against.
    pub base_dir: PathBuf,
}

/// One `--set KEY=VALUE` override.
#[derive(Debug, Clone)]
pub struct Override {
    /// The dotted path, e.g. `network.g_gg` or `targets.0.amplitude`.
    pub path: Vec<String>,
    /// The raw text as typed.
    pub text: String,
    value: toml::Value,
    /// Where it came from in error messages, when not `--set TEXT` (ensemble members).
    origin: Option<String>,
}

impl Override {
    /// Parses `KEY=VALUE`; VALUE is TOML (`1.2`, `true`, `[1, 2]`, `"s"`) or a bare string.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bad = |m: &str| ConfigError {
            location: format!("--set {text}"),
            key: String::new(),
            message: m.into(),
        };
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. network.g_gg=1.2"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad(
                "the key is empty; expected KEY=VALUE, e.g. network.g_gg=1.2",
            ));
        }
        let path: Vec<String> = key.split('.').map(|s| s.trim().to_string()).collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(bad("the key has an empty component"));
        }
        let value = value.trim();
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        Ok(Self {
            path,
            text: text.to_string(),
            value: parsed,
            origin: None,
        })
    }

    /// An override set by the program (an ensemble member's seed or swept value); errors
    /// about it are located at `origin` (e.g. `config.toml: [sweep] member 3`).
    pub fn generated(key: &str, value: toml::Value, origin: String) -> Self {
        Self {
            path: key.split('.').map(str::to_string).collect(),
            text: format!("{key}={value}"),
            value,
            origin: Some(origin),
        }
    }

    /// Where errors about this override point: `--set KEY=VALUE` or its origin.
    pub fn location(&self) -> String {
        match &self.origin {
            Some(o) => format!("{o} ({})", self.text),
            None => format!("--set {}", self.text),
        }
    }

    fn key(&self) -> String {
        self.path.join(".")
    }
}

fn apply_override(root: &mut toml::Value, ov: &Override) -> Result<(), ConfigError> {
    let err = |m: String| ConfigError {
        location: ov.location(),
        key: ov.key(),
        message: m,
    };
    let mut cur: &mut toml::Value = root;
    for (i, seg) in ov.path.iter().enumerate() {
        let last = i + 1 == ov.path.len();
        cur = match cur {
            toml::Value::Table(t) => {
                if last {
                    t.insert(seg.clone(), ov.value.clone());
                    return Ok(());
                }
                t.entry(seg.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            toml::Value::Array(a) => {
                let idx: usize = seg
                    .parse()
                    .map_err(|_| err(format!("`{seg}` is not an index into an array")))?;
                let len = a.len();
                let slot = a.get_mut(idx).ok_or_else(|| {
                    err(format!(
                        "index {idx} is out of range (the array has {len} entries)"
                    ))
                })?;
                if last {
                    *slot = ov.value.clone();
                    return Ok(());
                }
                slot
            }
            _ => {
                return Err(err(format!(
                    "`{seg}` is inside a value that is not a table"
                )))
            }
        };
    }
    Ok(())
}

/// Finds the line of a key path in TOML text (1-based). A key that is not written falls
/// back to the line of the nearest enclosing table that is.
fn line_of(text: &str, path: &[PathSeg]) -> Option<usize> {
    let doc = toml_edit::Document::parse(text.to_string()).ok()?;
    let span = find_span(doc.as_table(), path, None)?;
    Some(line_at(text, span.start))
}

type Span = std::ops::Range<usize>;

fn find_span(table: &toml_edit::Table, path: &[PathSeg], best: Option<Span>) -> Option<Span> {
    let Some((PathSeg::Key(k), rest)) = path.split_first() else {
        return best;
    };
    let Some(item) = table.get(k) else {
        return best;
    };
    let here = table.key(k).and_then(|key| key.span()).or(best);
    match (rest.first(), item) {
        (None, _) => here,
        (Some(PathSeg::Index(i)), toml_edit::Item::ArrayOfTables(a)) => match a.get(*i) {
            Some(t) => {
                let s = t.span().or(here);
                find_span(t, &rest[1..], s)
            }
            None => here,
        },
        (Some(PathSeg::Key(_)), toml_edit::Item::Table(t)) => find_span(t, rest, here),
        _ => here,
    }
}

fn line_at(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSeg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A key path plus helpers to print it and to locate it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPath(pub Vec<PathSeg>);

impl KeyPath {
    /// `network.p_gg`-style path.
    pub fn of(parts: &[&str]) -> Self {
        KeyPath(
            parts
                .iter()
                .map(|p| PathSeg::Key((*p).to_string()))
                .collect(),
        )
    }
    /// `LIST[i].key` for an array of tables at the dotted path `list` (e.g.
    /// `["inputs", "signals"]`).
    pub fn item(list: &[&str], i: usize, key: &str) -> Self {
        let mut v: Vec<PathSeg> = list
            .iter()
            .map(|p| PathSeg::Key((*p).to_string()))
            .collect();
        v.push(PathSeg::Index(i));
        v.push(PathSeg::Key(key.into()));
        KeyPath(v)
    }
    fn dotted(&self) -> String {
        let mut s = String::new();
        for seg in &self.0 {
            match seg {
                PathSeg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
    fn matches_override(&self, ov: &Override) -> bool {
        let mine: Vec<String> = self
            .0
            .iter()
            .map(|s| match s {
                PathSeg::Key(k) => k.clone(),
                PathSeg::Index(i) => i.to_string(),
            })
            .collect();
        mine.len() >= ov.path.len() && mine[..ov.path.len()] == ov.path[..]
    }
}

/// Builds located errors for one config.
pub struct Locator<'a> {
    source: &'a Source,
    text: &'a str,
    overrides: &'a [Override],
}

impl<'a> Locator<'a> {
    /// A locator for errors about `text` (from `source`) with `overrides` applied.
    pub fn new(source: &'a Source, text: &'a str, overrides: &'a [Override]) -> Self {
        Self {
            source,
            text,
            overrides,
        }
    }

    /// An error about `key`, located in the file, in an override, or as a default.
    pub fn err(&self, key: &KeyPath, message: impl Into<String>) -> ConfigError {
        let location = if let Some(ov) = self
            .overrides
            .iter()
            .rev()
            .find(|ov| key.matches_override(ov))
        {
            ov.location()
        } else if let Some(line) = line_of(self.text, &key.0) {
            format!("{}:{line}", self.source.display)
        } else {
            format!("{} (default value)", self.source.display)
        };
        ConfigError {
            location,
            key: key.dotted(),
            message: message.into(),
        }
    }
    /// The config's source.
    pub fn source(&self) -> &Source {
        self.source
    }
}

/// Reads a config file; a missing or unreadable file is a [`ConfigError`].
pub fn read_file(path: &Path) -> Result<(String, Source), ConfigError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        location: display.clone(),
        key: String::new(),
        message: format!("cannot read the config file: {e}"),
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((
        text,
        Source {
            display,
            name,
            base_dir,
        },
    ))
}

/// Parses, overrides, resolves and validates a config.
pub fn load(
    text: &str,
    source: &Source,
    overrides: &[Override],
) -> Result<Experiment, ConfigError> {
    // Stage 1a: the file alone, so that syntax and type errors carry its line numbers.
    let _: RawConfig = toml::from_str(text).map_err(|e| toml_error(&source.display, text, &e))?;
    // Stage 1b: with the overrides applied.
    let table: toml::Table =
        toml::from_str(text).map_err(|e| toml_error(&source.display, text, &e))?;
    let mut root = toml::Value::Table(table);
    for ov in overrides {
        apply_override(&mut root, ov)?;
        // One override at a time, so that a type error names the override and key.
        if let Err(e) = root.clone().try_into::<RawConfig>() {
            return Err(ConfigError {
                location: ov.location(),
                key: ov.key(),
                message: e.message().trim().to_string(),
            });
        }
    }
    let raw: RawConfig = root.try_into().map_err(|e: toml::de::Error| ConfigError {
        location: overrides
            .iter()
            .map(Override::location)
            .collect::<Vec<_>>()
            .join(", "),
        key: String::new(),
        message: e.message().trim().to_string(),
    })?;
    let loc = Locator {
        source,
        text,
        overrides,
    };
    validate(raw, &loc)
}

fn toml_error(display: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let (location, key) = match e.span() {
        Some(span) => (
            format!("{display}:{}", line_at(text, span.start)),
            key_at(text, span.start)
                .or_else(|| line_key_at(text, span.start))
                .or_else(|| bare_key_at(text, span))
                .unwrap_or_default(),
        ),
        None => (display.to_string(), String::new()),
    };
    ConfigError {
        location,
        key,
        message: e.message().trim().to_string(),
    }
}

/// The dotted key of the `key = value` line holding byte `pos`, with the `[table]` header
/// above it: for values the TOML parser itself refuses (an integer that overflows i64),
/// where the document cannot be walked.
fn line_key_at(text: &str, pos: usize) -> Option<String> {
    let before = text.get(..pos.min(text.len()))?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let bare = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !bare(key) {
        return None;
    }
    let table = text[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(['[', ']']).trim().to_string())
    });
    Some(match table {
        Some(t) if bare(&t) => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

/// The text under `span` if it is a bare key: for parse errors such as `duplicate key`,
/// where the document cannot be walked.
fn bare_key_at(text: &str, span: Span) -> Option<String> {
    let s = text.get(span)?.trim();
    let bare = !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    bare.then(|| s.to_string())
}

/// The dotted path of the key whose key or value covers byte `pos` (for serde errors,
/// which carry a span but not the key's full path).
fn key_at(text: &str, pos: usize) -> Option<String> {
    let doc = toml_edit::Document::parse(text.to_string()).ok()?;
    let mut path = Vec::new();
    key_in_table(doc.as_table(), pos, &mut path).then(|| path.join("."))
}

fn covers(span: Option<Span>, pos: usize) -> bool {
    span.is_some_and(|s| s.start <= pos && pos < s.end.max(s.start + 1))
}

fn key_in_table(table: &toml_edit::Table, pos: usize, path: &mut Vec<String>) -> bool {
    for (k, item) in table.iter() {
        let key_span = table.key(k).and_then(|key| key.span());
        match item {
            toml_edit::Item::Table(t) => {
                path.push(k.to_string());
                if key_in_table(t, pos, path) || covers(key_span, pos) {
                    return true;
                }
                path.pop();
            }
            toml_edit::Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    path.push(format!("{k}[{i}]"));
                    if key_in_table(t, pos, path) {
                        return true;
                    }
                    path.pop();
                }
            }
            other => {
                if covers(key_span, pos) || covers(other.span(), pos) {
                    path.push(k.to_string());
                    return true;
                }
            }
        }
    }
    false
}

/// `v` if it is finite and `ok`; otherwise an out-of-range error naming `key`.
pub(crate) fn finite(
    loc: &Locator,
    key: &KeyPath,
    v: f64,
    ok: bool,
    allowed: &str,
) -> Result<f64, ConfigError> {
    if v.is_finite() && ok {
        Ok(v)
    } else {
        Err(loc.err(key, format!("{v} is out of range; allowed: {allowed}")))
    }
}

/// `v` as a `u64` if it is >= 0 (seeds); otherwise an out-of-range error naming `key`.
pub(crate) fn non_negative(loc: &Locator, key: &KeyPath, v: i64) -> Result<u64, ConfigError> {
    u64::try_from(v).map_err(|_| {
        loc.err(
            key,
            format!("{v} is out of range; allowed: an integer >= 0"),
        )
    })
}

fn steps_of(
    loc: &Locator,
    key: &KeyPath,
    ms: f64,
    dt: f64,
    positive: bool,
) -> Result<u64, ConfigError> {
    let what = if positive { "> 0" } else { ">= 0" };
    finite(
        loc,
        key,
        ms,
        if positive { ms > 0.0 } else { ms >= 0.0 },
        &format!("a duration {what} in ms"),
    )?;
    let q = ms / dt;
    if q.round() >= 9.0e15 {
        return Err(loc.err(
            key,
            format!("{ms} ms is more than 9e15 steps of dt_ms = {dt}; allowed: a shorter duration or a larger dt_ms"),
        ));
    }
    if (q - q.round()).abs() > 1e-9 * q.round().max(1.0) {
        return Err(loc.err(
            key,
            format!("{ms} ms is not a whole multiple of dt_ms = {dt}"),
        ));
    }
    if positive && q.round() < 1.0 {
        return Err(loc.err(
            key,
            format!("{ms} ms is shorter than one step (dt_ms = {dt}); allowed: a positive multiple of dt_ms"),
        ));
    }
    Ok(q.round() as u64)
}

fn validate(raw: RawConfig, loc: &Locator) -> Result<Experiment, ConfigError> {
    use defaults as d;
    let key = |parts: &[&str]| KeyPath::of(parts);
    let seed = raw.seed.unwrap_or(d::SEED);
    non_negative(loc, &key(&["seed"]), seed)?;
    let n = &raw.network;
    let n_g = n.n_g.unwrap_or(d::N_G);
    if !(1..=50_000).contains(&n_g) {
        return Err(loc.err(
            &key(&["network", "n_g"]),
            format!("{n_g} is out of range; allowed: 1 <= n_g <= 50000"),
        ));
    }
    let p_gg = n.p_gg.unwrap_or(d::P_GG);
    finite(
        loc,
        &key(&["network", "p_gg"]),
        p_gg,
        p_gg > 0.0 && p_gg <= 1.0,
        "0 < p_gg <= 1",
    )?;
    let g_gg = n.g_gg.unwrap_or(d::G_GG);
    finite(
        loc,
        &key(&["network", "g_gg"]),
        g_gg,
        g_gg >= 0.0,
        "g_gg >= 0",
    )?;
    // Architectures B and C have no readout feedback unless asked for (Fig. 1B, 1C).
    let arch_name = n.architecture.as_deref().unwrap_or("A");
    let g_gz = n
        .g_gz
        .unwrap_or(if matches!(arch_name, "B" | "b" | "C" | "c") {
            0.0
        } else {
            d::G_GZ
        });
    finite(
        loc,
        &key(&["network", "g_gz"]),
        g_gz,
        g_gz >= 0.0,
        "g_gz >= 0",
    )?;
    let p_z = n.p_z.unwrap_or(d::P_Z);
    finite(
        loc,
        &key(&["network", "p_z"]),
        p_z,
        p_z > 0.0 && p_z <= 1.0,
        "0 < p_z <= 1",
    )?;
    let tau_ms = n.tau_ms.unwrap_or(d::TAU_MS);
    finite(
        loc,
        &key(&["network", "tau_ms"]),
        tau_ms,
        tau_ms > 0.0,
        "tau_ms > 0",
    )?;
    let w_init = match n.w_init.as_deref().unwrap_or("zero") {
        "zero" => InitialWeights::Zero,
        "gaussian" => InitialWeights::Gaussian,
        other => {
            return Err(loc.err(
                &key(&["network", "w_init"]),
                format!("\"{other}\" is not allowed; allowed: \"zero\" or \"gaussian\""),
            ))
        }
    };

    let s = &raw.simulation;
    let dt_ms = s.dt_ms.unwrap_or(d::DT_MS);
    finite(
        loc,
        &key(&["simulation", "dt_ms"]),
        dt_ms,
        dt_ms > 0.0 && dt_ms < tau_ms,
        &format!("0 < dt_ms < tau_ms = {tau_ms}"),
    )?;
    let spontaneous_ms = s.spontaneous_ms.unwrap_or(d::SPONTANEOUS_MS);
    let train_ms = s.train_ms.unwrap_or(d::TRAIN_MS);
    let test_ms = s.test_ms.unwrap_or(d::TEST_MS);
    let n_sp = steps_of(
        loc,
        &key(&["simulation", "spontaneous_ms"]),
        spontaneous_ms,
        dt_ms,
        false,
    )?;
    let n_tr = steps_of(
        loc,
        &key(&["simulation", "train_ms"]),
        train_ms,
        dt_ms,
        false,
    )?;
    let n_te = steps_of(loc, &key(&["simulation", "test_ms"]), test_ms, dt_ms, false)?;
    if n_sp + n_tr + n_te == 0 {
        return Err(loc.err(
            &key(&["simulation", "train_ms"]),
            "every phase is empty; give at least one positive duration",
        ));
    }

    let t = &raw.training;
    let alpha = t.alpha.unwrap_or(d::ALPHA);
    finite(
        loc,
        &key(&["training", "alpha"]),
        alpha,
        alpha > 0.0,
        "alpha > 0 (the paper uses 1 to 100)",
    )?;
    let learn_every_ms = t.learn_every_ms.unwrap_or(d::LEARN_EVERY_MS);
    let n_learn = steps_of(
        loc,
        &key(&["training", "learn_every_ms"]),
        learn_every_ms,
        dt_ms,
        true,
    )?;
    let rls_update = match t.rls_update.as_deref().unwrap_or("standard") {
        "standard" => cnn_train::RlsUpdate::Standard,
        "guarded" => cnn_train::RlsUpdate::Guarded,
        other => {
            return Err(loc.err(
                &key(&["training", "rls_update"]),
                format!("\"{other}\" is not allowed; allowed: \"standard\" or \"guarded\""),
            ))
        }
    };
    let c = SuccessCriterion::DEFAULT;
    let min_corr = t.success_min_corr.unwrap_or(c.min_corr);
    finite(
        loc,
        &key(&["training", "success_min_corr"]),
        min_corr,
        (-1.0..=1.0).contains(&min_corr),
        "-1 <= success_min_corr <= 1",
    )?;
    let min_amp = t.success_min_amp_ratio.unwrap_or(c.min_amp_ratio);
    finite(
        loc,
        &key(&["training", "success_min_amp_ratio"]),
        min_amp,
        min_amp >= 0.0,
        "success_min_amp_ratio >= 0",
    )?;
    let max_amp = t.success_max_amp_ratio.unwrap_or(c.max_amp_ratio);
    finite(
        loc,
        &key(&["training", "success_max_amp_ratio"]),
        max_amp,
        max_amp >= min_amp,
        "success_max_amp_ratio >= success_min_amp_ratio",
    )?;
    let max_rms = t.success_max_train_rms_norm.unwrap_or(c.max_train_rms_norm);
    finite(
        loc,
        &key(&["training", "success_max_train_rms_norm"]),
        max_rms,
        max_rms > 0.0,
        "success_max_train_rms_norm > 0",
    )?;
    let criterion = SuccessCriterion {
        min_corr,
        min_amp_ratio: min_amp,
        max_amp_ratio: max_amp,
        max_train_rms_norm: max_rms,
    };

    let r = &raw.record;
    let rates_index: Vec<u32> = match (&r.rates, &r.rates_index) {
        (Some(_), Some(_)) => {
            return Err(loc.err(
                &key(&["record", "rates_index"]),
                "give either record.rates (a count) or record.rates_index (a list), not both",
            ))
        }
        (_, Some(list)) => {
            let mut out = Vec::with_capacity(list.len());
            for &i in list {
                if i < 0 || i >= n_g {
                    return Err(loc.err(
                        &key(&["record", "rates_index"]),
                        format!("unit {i} does not exist; allowed: 0 <= index < n_g = {n_g}"),
                    ));
                }
                out.push(i as u32);
            }
            out
        }
        (count, None) => {
            let count = count.unwrap_or(d::RECORD_RATES.min(n_g));
            if count < 0 || count > n_g {
                return Err(loc.err(
                    &key(&["record", "rates"]),
                    format!("{count} is out of range; allowed: 0 <= rates <= n_g = {n_g}"),
                ));
            }
            (0..count as u32).collect()
        }
    };
    let decimate = r.decimate.unwrap_or(d::DECIMATE);
    if decimate < 1 {
        return Err(loc.err(
            &key(&["record", "decimate"]),
            format!("{decimate} is out of range; allowed: an integer >= 1"),
        ));
    }

    let total_ms = (n_sp + n_tr + n_te) as f64 * dt_ms;
    let (mut arch, arch_res) = crate::arch::validate(
        &raw,
        loc,
        n_g as usize,
        p_gg,
        g_gg,
        dt_ms,
        total_ms,
        seed as u64,
        !raw.targets.is_empty(),
    )?;
    if raw.targets.is_empty() && arch.task_target.is_none() {
        return Err(ConfigError {
            location: loc.source().display.clone(),
            key: "targets".into(),
            message: "no target: add at least one [[targets]] table, e.g. kind = \"periodic\""
                .into(),
        });
    }
    for (i, tgt) in raw.targets.iter().enumerate() {
        check_target_keys(&["targets"], i, tgt, loc)?;
    }
    let (target, resolved_targets) = match arch.task_target.take() {
        Some(t) => (t, Vec::new()),
        None => build_targets(&["targets"], &raw.targets, loc, dt_ms, total_ms)?,
    };
    let n_out = target.dim();

    let spec = GeneratorSpec {
        n_g: n_g as usize,
        p_gg,
        g_gg,
        g_gz,
        p_z,
        n_out,
        tau_ms,
        dt_ms,
        w_init,
    };
    spec.validate()
        .map_err(|e| loc.err(&key(&["network"]), e.to_string()))?;
    let protocol = Protocol {
        spontaneous_ms,
        train_ms,
        test_ms,
        learn_every_ms,
        alpha,
    };
    let steps = Steps {
        spontaneous: n_sp,
        train: n_tr,
        test: n_te,
        learn_every: n_learn,
    };

    let resolved = RawConfig {
        description: raw.description.clone(),
        expect: raw.expect.clone(),
        seed: Some(seed),
        network: RawNetwork {
            architecture: Some(arch_res.architecture.clone()),
            n_g: Some(n_g),
            p_gg: Some(p_gg),
            g_gg: Some(g_gg),
            g_gz: Some(g_gz),
            p_z: Some(p_z),
            tau_ms: Some(tau_ms),
            w_init: Some(
                if w_init == InitialWeights::Zero {
                    "zero"
                } else {
                    "gaussian"
                }
                .into(),
            ),
        },
        simulation: RawSimulation {
            dt_ms: Some(dt_ms),
            spontaneous_ms: Some(spontaneous_ms),
            train_ms: Some(train_ms),
            test_ms: Some(test_ms),
        },
        training: RawTraining {
            alpha: Some(alpha),
            learn_every_ms: Some(learn_every_ms),
            success_min_corr: Some(min_corr),
            success_min_amp_ratio: Some(min_amp),
            success_max_amp_ratio: Some(max_amp),
            success_max_train_rms_norm: Some(max_rms),
            rls_update: Some(
                match rls_update {
                    cnn_train::RlsUpdate::Standard => "standard",
                    cnn_train::RlsUpdate::Guarded => "guarded",
                }
                .into(),
            ),
        },
        record: RawRecord {
            rates: if r.rates_index.is_some() {
                None
            } else {
                Some(rates_index.len() as i64)
            },
            rates_index: r.rates_index.clone(),
            decimate: Some(decimate),
        },
        targets: resolved_targets,
        feedback_network: arch_res.feedback_network,
        internal: arch_res.internal,
        feedback: arch_res.feedback,
        inputs: arch_res.inputs,
        task: arch_res.task,
        ensemble: None,
        sweep: None,
    };
    let resolved_toml = toml::to_string(&resolved).map_err(|e| ConfigError {
        location: loc.source().display.clone(),
        key: String::new(),
        message: format!("cannot write the resolved config: {e}"),
    })?;
    Ok(Experiment {
        name: loc.source().name.clone(),
        seed: seed as u64,
        spec,
        protocol,
        steps,
        target,
        arch,
        rates_index,
        decimate: decimate as usize,
        criterion,
        rls_update,
        resolved_toml,
        description: raw.description.unwrap_or_default(),
        expect: raw.expect.unwrap_or_default(),
        ensemble: raw.ensemble,
        sweep: raw.sweep,
    })
}
