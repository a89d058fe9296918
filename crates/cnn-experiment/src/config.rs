//! Experiment configs: TOML in two stages.
//!
//! Stage 1 ([`crate::raw::RawConfig`]): serde with unknown keys refused; every key optional. Stage 2
//! ([`Experiment`]): defaults filled in from [`defaults`] (the paper's values, in this one
//! place), every range checked, durations converted to steps, CSV files loaded. The
//! simulation only ever sees an [`Experiment`]. Errors name the key, the file and line
//! (or the `--set` override it came from) and the allowed range.

use crate::locate::{apply_override, finite, non_negative, steps_of, toml_error};
use crate::locate::{ConfigError, KeyPath, Locator, Override, Source};
use crate::raw::{RawConfig, RawNetwork, RawRecord, RawSimulation, RawTraining};
use crate::targets::{build_targets, check_target_keys};
use cnn_core::{GeneratorSpec, InitialWeights, Target};
use cnn_train::{Protocol, Steps, SuccessCriterion};

/// The paper's values (spec section 2) and the notebook protocol: the defaults of every
/// key. The generator's come from [`GeneratorSpec::PAPER`], so they are written once.
pub mod defaults {
    use cnn_core::GeneratorSpec;
    const P: GeneratorSpec = GeneratorSpec::PAPER;
    /// N_G.
    pub const N_G: i64 = P.n_g as i64;
    /// p_GG.
    pub const P_GG: f64 = P.p_gg;
    /// g_GG.
    pub const G_GG: f64 = P.g_gg;
    /// g_Gz.
    pub const G_GZ: f64 = P.g_gz;
    /// p_z.
    pub const P_Z: f64 = P.p_z;
    /// tau in ms.
    pub const TAU_MS: f64 = P.tau_ms;
    /// dt in ms (the notebook's; the MATLAB demo uses 1 ms).
    pub const DT_MS: f64 = P.dt_ms;
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

/// A validated experiment: the only thing [`crate::run()`] accepts. Built by
/// [`crate::ConfigText::experiment`] (or [`load`]); its fields are private, so every
/// `Experiment` passed every check.
pub struct Experiment {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) spec: GeneratorSpec,
    pub(crate) protocol: Protocol,
    pub(crate) steps: Steps,
    pub(crate) target: Box<dyn Target>,
    pub(crate) arch: crate::arch::Architecture,
    pub(crate) rates_index: Vec<u32>,
    pub(crate) decimate: usize,
    pub(crate) criterion: SuccessCriterion,
    pub(crate) rls_update: cnn_train::RlsUpdate,
    pub(crate) resolved_toml: String,
    pub(crate) description: String,
    pub(crate) expect: String,
    pub(crate) ensemble: Option<toml::Table>,
    pub(crate) sweep: Option<toml::Table>,
}

impl std::fmt::Debug for Experiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Experiment")
            .field("name", &self.name)
            .field("seed", &self.seed)
            .field("spec", &self.spec)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl Experiment {
    /// Name of the config (file stem or preset name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The network seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Generator parameters (N_G, p_GG, g_GG, ..., dt).
    pub fn spec(&self) -> &GeneratorSpec {
        &self.spec
    }
    /// Phase durations, learning interval and alpha.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
    /// The phases and the learning interval in steps.
    pub fn steps(&self) -> Steps {
        self.steps
    }
    /// The target (all outputs stacked).
    pub fn target(&self) -> &dyn Target {
        self.target.as_ref()
    }
    /// The success criterion.
    pub fn criterion(&self) -> SuccessCriterion {
        self.criterion
    }
    /// `"A"`, `"B"` or `"C"`.
    pub fn architecture(&self) -> &'static str {
        self.arch.kind.name()
    }
    /// What is beyond architecture A (feedback network, trained units and the memory of
    /// their P matrices, inputs, feedback variant), each part prefixed by `", "`; empty
    /// for plain A.
    pub fn describe_architecture(&self) -> String {
        self.arch.describe(&self.spec)
    }
    /// Expected bytes of the recurrent learners' P matrices (B's J^FG rows, C's trained
    /// rows; 0 for A).
    pub fn expected_p_bytes(&self) -> f64 {
        self.arch.expected_p_bytes(&self.spec)
    }
    /// The recorded units.
    pub fn rates_index(&self) -> &[u32] {
        &self.rates_index
    }
    /// One recorded row every this many steps.
    pub fn decimate(&self) -> usize {
        self.decimate
    }
    /// The resolved config (every key, defaults filled) as TOML: what the run file
    /// stores, and what loads back into the same experiment.
    pub fn resolved_toml(&self) -> &str {
        &self.resolved_toml
    }
    /// The config's one-line description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The config's expected-outcome line.
    pub fn expect(&self) -> &str {
        &self.expect
    }
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
    let loc = Locator::new(source, text, overrides);
    validate(raw, &loc)
}

/// The key path of `parts` (for errors).
fn key(parts: &[&str]) -> KeyPath {
    KeyPath::of(parts)
}

/// Stage 2: every table validated and defaulted, the architecture and the targets
/// built, and the resolved config written back as TOML.
fn validate(raw: RawConfig, loc: &Locator) -> Result<Experiment, ConfigError> {
    let seed = raw.seed.unwrap_or(defaults::SEED);
    non_negative(loc, &key(&["seed"]), seed)?;
    let (n_g, net) = network(&raw, loc)?;
    let dt_ms = net.dt_ms;
    let sim = simulation(&raw.simulation, loc, dt_ms)?;
    let training = training(&raw.training, loc, dt_ms)?;
    let r = &raw.record;
    let (rates_index, decimate) = record(r, loc, n_g)?;

    let total_ms = (sim.spontaneous + sim.train + sim.test) as f64 * dt_ms;
    let (mut arch, arch_res) = crate::arch::validate(
        &raw,
        loc,
        n_g as usize,
        net.p_gg,
        net.g_gg,
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
        n_out,
        ..net
    };
    spec.validate()
        .map_err(|e| loc.err(&key(&["network"]), e.to_string()))?;
    let protocol = Protocol {
        spontaneous_ms: sim.spontaneous_ms,
        train_ms: sim.train_ms,
        test_ms: sim.test_ms,
        learn_every_ms: training.learn_every_ms,
        alpha: training.alpha,
    };
    let steps = Steps {
        spontaneous: sim.spontaneous,
        train: sim.train,
        test: sim.test,
        learn_every: training.learn_every,
    };

    let resolved = RawConfig {
        description: raw.description.clone(),
        expect: raw.expect.clone(),
        seed: Some(seed),
        network: resolved_network(&arch_res.architecture, n_g, &spec),
        simulation: sim.resolved(dt_ms),
        training: training.resolved(),
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
        criterion: training.criterion,
        rls_update: training.rls_update,
        resolved_toml,
        description: raw.description.unwrap_or_default(),
        expect: raw.expect.unwrap_or_default(),
        ensemble: raw.ensemble,
        sweep: raw.sweep,
    })
}

/// `[network]` and `simulation.dt_ms`: `n_g` as given and the generator, with one
/// output until the targets are known, checked by `GeneratorSpec::validate`.
fn network(raw: &RawConfig, loc: &Locator) -> Result<(i64, GeneratorSpec), ConfigError> {
    use defaults as d;
    let n = &raw.network;
    let n_g = n.n_g.unwrap_or(d::N_G);
    let p_gg = n.p_gg.unwrap_or(d::P_GG);
    let g_gg = n.g_gg.unwrap_or(d::G_GG);
    // Architectures B and C have no readout feedback unless asked for (Fig. 1B, 1C).
    let arch_name = n.architecture.as_deref().unwrap_or("A");
    let g_gz = n
        .g_gz
        .unwrap_or(if matches!(arch_name, "B" | "b" | "C" | "c") {
            0.0
        } else {
            d::G_GZ
        });
    let p_z = n.p_z.unwrap_or(d::P_Z);
    let tau_ms = n.tau_ms.unwrap_or(d::TAU_MS);
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
    let dt_ms = raw.simulation.dt_ms.unwrap_or(d::DT_MS);
    // The generator's ranges are cnn-core's (`GeneratorSpec::validate`), located here.
    let spec = GeneratorSpec {
        n_g: usize::try_from(n_g).unwrap_or(0),
        p_gg,
        g_gg,
        g_gz,
        p_z,
        n_out: 1,
        tau_ms,
        dt_ms,
        w_init,
    };
    spec.validate().map_err(|e| match e {
        cnn_core::CoreError::OutOfRange {
            name,
            value,
            allowed,
        } => {
            let value = if name == "n_g" {
                n_g.to_string()
            } else {
                value
            };
            let table = if name == "dt_ms" {
                "simulation"
            } else {
                "network"
            };
            loc.err(
                &key(&[table, name]),
                format!("{value} is out of range; allowed: {allowed}"),
            )
        }
        other => loc.err(&key(&["network"]), other.to_string()),
    })?;
    Ok((n_g, spec))
}

/// `[network]` resolved: `architecture` and every generator key of `spec`.
fn resolved_network(architecture: &str, n_g: i64, spec: &GeneratorSpec) -> RawNetwork {
    RawNetwork {
        architecture: Some(architecture.to_string()),
        n_g: Some(n_g),
        p_gg: Some(spec.p_gg),
        g_gg: Some(spec.g_gg),
        g_gz: Some(spec.g_gz),
        p_z: Some(spec.p_z),
        tau_ms: Some(spec.tau_ms),
        w_init: Some(
            if spec.w_init == InitialWeights::Zero {
                "zero"
            } else {
                "gaussian"
            }
            .into(),
        ),
    }
}

/// `[simulation]`'s phases, validated: durations in ms and in steps of `dt_ms`.
struct Simulation {
    /// Spontaneous phase in ms.
    spontaneous_ms: f64,
    /// Training phase in ms.
    train_ms: f64,
    /// Test phase in ms.
    test_ms: f64,
    /// Steps of the spontaneous phase.
    spontaneous: u64,
    /// Steps of the training phase.
    train: u64,
    /// Steps of the test phase.
    test: u64,
}

impl Simulation {
    /// `[simulation]` resolved.
    fn resolved(&self, dt_ms: f64) -> RawSimulation {
        RawSimulation {
            dt_ms: Some(dt_ms),
            spontaneous_ms: Some(self.spontaneous_ms),
            train_ms: Some(self.train_ms),
            test_ms: Some(self.test_ms),
        }
    }
}

/// `[simulation]`: the phase durations, whole multiples of `dt_ms`, not all empty.
fn simulation(s: &RawSimulation, loc: &Locator, dt_ms: f64) -> Result<Simulation, ConfigError> {
    use defaults as d;
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
    Ok(Simulation {
        spontaneous_ms,
        train_ms,
        test_ms,
        spontaneous: n_sp,
        train: n_tr,
        test: n_te,
    })
}

/// `[training]`, validated.
struct Training {
    /// alpha (P(0) = I/alpha).
    alpha: f64,
    /// Learning interval in ms.
    learn_every_ms: f64,
    /// Learning interval in steps.
    learn_every: u64,
    /// The form of the RLS update.
    rls_update: cnn_train::RlsUpdate,
    /// The success criterion.
    criterion: SuccessCriterion,
}

impl Training {
    /// `[training]` resolved.
    fn resolved(&self) -> RawTraining {
        RawTraining {
            alpha: Some(self.alpha),
            learn_every_ms: Some(self.learn_every_ms),
            success_min_corr: Some(self.criterion.min_corr),
            success_min_amp_ratio: Some(self.criterion.min_amp_ratio),
            success_max_amp_ratio: Some(self.criterion.max_amp_ratio),
            success_max_train_rms_norm: Some(self.criterion.max_train_rms_norm),
            rls_update: Some(
                match self.rls_update {
                    cnn_train::RlsUpdate::Standard => "standard",
                    cnn_train::RlsUpdate::Guarded => "guarded",
                }
                .into(),
            ),
        }
    }
}

/// `[training]`: alpha, the learning interval (a positive multiple of `dt_ms`), the RLS
/// update and the success criterion.
fn training(t: &RawTraining, loc: &Locator, dt_ms: f64) -> Result<Training, ConfigError> {
    use defaults as d;
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
    Ok(Training {
        alpha,
        learn_every_ms,
        learn_every: n_learn,
        rls_update,
        criterion: success_criterion(t, loc)?,
    })
}

/// The `training.success_*` keys (defaults [`SuccessCriterion::DEFAULT`]).
fn success_criterion(t: &RawTraining, loc: &Locator) -> Result<SuccessCriterion, ConfigError> {
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
    Ok(SuccessCriterion {
        min_corr,
        min_amp_ratio: min_amp,
        max_amp_ratio: max_amp,
        max_train_rms_norm: max_rms,
    })
}

/// `[record]`: the recorded units (`rates`, a count, or `rates_index`, a list, of units
/// below `n_g`) and `decimate`.
fn record(r: &RawRecord, loc: &Locator, n_g: i64) -> Result<(Vec<u32>, i64), ConfigError> {
    use defaults as d;
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
    Ok((rates_index, decimate))
}
