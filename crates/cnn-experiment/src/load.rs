//! Loading: config text from a file, a preset or a string, plus `--set`-style overrides,
//! into a validated [`Experiment`] or an ensemble [`Plan`].

use crate::config::{self, Experiment};
use crate::ensemble::plan::{load_plan, Plan};
use crate::error::Error;
use crate::locate::{ConfigError, Override, Source};
use crate::presets;
use std::path::{Path, PathBuf};

/// The text of a config and where it came from (for error locations and relative
/// paths in it).
#[derive(Debug, Clone)]
pub struct ConfigText {
    text: String,
    source: Source,
}

/// A loaded config: one experiment, or an ensemble (a config with `[ensemble]` or
/// `[sweep]`).
#[derive(Debug)]
pub enum Loaded {
    /// A single run.
    Single(Box<Experiment>),
    /// An ensemble, every member validated.
    Ensemble(Box<Plan>),
}

impl ConfigText {
    /// A config file. A missing or unreadable file is an input error naming it.
    pub fn file(path: &Path) -> Result<Self, Error> {
        if path.is_dir() {
            return Err(Error::input(format!(
                "{} is a directory, not a config file",
                path.display()
            )));
        }
        let (text, source) = crate::locate::read_file(path)?;
        Ok(Self { text, source })
    }

    /// A preset by name (see [`presets::all`]).
    pub fn preset(name: &str) -> Result<Self, Error> {
        let p = presets::find(name).ok_or_else(|| {
            Error::input(format!(
                "no preset named `{name}`; presets: {}",
                presets::names()
            ))
        })?;
        Ok(Self::preset_text(p))
    }

    fn preset_text(p: presets::Preset) -> Self {
        Self {
            text: p.toml.to_string(),
            source: Source {
                display: format!("preset {}", p.name),
                name: p.name.to_string(),
                base_dir: PathBuf::from("."),
            },
        }
    }

    /// TOML text. `name` names the experiment (and its default output file); relative
    /// paths in it (CSV targets) are resolved against `base_dir`.
    pub fn toml(text: impl Into<String>, name: &str, base_dir: &Path) -> Self {
        Self {
            text: text.into(),
            source: Source {
                display: name.to_string(),
                name: name.to_string(),
                base_dir: base_dir.to_path_buf(),
            },
        }
    }

    /// What `cnn run [CONFIG]` takes: a file when `name` exists or ends in `.toml`, else a
    /// preset of that name; `None` is the default preset.
    pub fn resolve(name: Option<&str>) -> Result<Self, Error> {
        let n = name.unwrap_or(presets::DEFAULT);
        let path = Path::new(n);
        if path.exists() || n.ends_with(".toml") {
            return Self::file(path);
        }
        match presets::find(n) {
            Some(p) => Ok(Self::preset_text(p)),
            None => Err(Error::input(format!(
                "{n}: no such config file, and no preset of that name (presets: {})",
                presets::names()
            ))),
        }
    }

    /// The config text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where it came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The config's name (file stem or preset name).
    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// Validates a single-run config with `overrides` applied (an ensemble config
    /// validates as its base experiment).
    pub fn experiment(&self, overrides: &[Override]) -> Result<Experiment, Error> {
        Ok(config::load(&self.text, &self.source, overrides)?)
    }

    /// Validates an ensemble config (every member); `None` for a single-run config.
    pub fn plan(&self, overrides: &[Override]) -> Result<Option<Plan>, Error> {
        Ok(load_plan(&self.text, &self.source, overrides)?)
    }

    /// Validates the config as what it is: an ensemble or a single run.
    pub fn load(&self, overrides: &[Override]) -> Result<Loaded, Error> {
        Ok(match self.plan(overrides)? {
            Some(plan) => Loaded::Ensemble(Box::new(plan)),
            None => Loaded::Single(Box::new(self.experiment(overrides)?)),
        })
    }
}

/// Parses `KEY=VALUE` overrides (`--set` arguments).
pub fn parse_overrides<S: AsRef<str>>(set: &[S]) -> Result<Vec<Override>, ConfigError> {
    set.iter().map(|s| Override::parse(s.as_ref())).collect()
}
