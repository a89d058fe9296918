//! Where a config error is: the key path, the file and line (or the `--set` override it
//! came from), and the error type every config check returns. The base of the config
//! modules (`raw`, `targets`, `arch`, `config` and `ensemble` use it; it uses none of
//! them).

use std::fmt;
use std::path::{Path, PathBuf};

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

    pub(crate) fn key(&self) -> String {
        self.path.join(".")
    }
}

pub(crate) fn apply_override(root: &mut toml::Value, ov: &Override) -> Result<(), ConfigError> {
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

pub(crate) fn line_at(text: &str, byte: usize) -> usize {
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
    pub(crate) fn dotted(&self) -> String {
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

pub(crate) fn toml_error(display: &str, text: &str, e: &toml::de::Error) -> ConfigError {
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

pub(crate) fn steps_of(
    loc: &Locator,
    key: &KeyPath,
    ms: f64,
    dt: f64,
    positive: bool,
) -> Result<u64, ConfigError> {
    use cnn_train::StepsProblem as P;
    cnn_train::duration_steps(ms, dt, positive).map_err(|problem| {
        let message = match problem {
            P::OutOfRange => format!(
                "{ms} is out of range; allowed: a duration {} in ms",
                if positive { "> 0" } else { ">= 0" }
            ),
            P::TooMany => format!(
                "{ms} ms is more than 9e15 steps of dt_ms = {dt}; allowed: a shorter duration or a larger dt_ms"
            ),
            P::NotMultiple => format!("{ms} ms is not a whole multiple of dt_ms = {dt}"),
            P::ShorterThanOneStep => format!(
                "{ms} ms is shorter than one step (dt_ms = {dt}); allowed: a positive multiple of dt_ms"
            ),
        };
        loc.err(key, message)
    })
}
