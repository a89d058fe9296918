//! The architecture keys of a config: `[network] architecture`, `[feedback_network]`
//! (B), `[internal]` (C), `[feedback]` (mixture, delayed nonlinear feedback, noise),
//! `[inputs]` (input weights and `[[inputs.signals]]`) and `[task]` (the paper's
//! input-driven tasks, which supply both the inputs and the targets).
//!
//! Stage 1 is the `Raw*` structs (serde, unknown keys refused; fields of
//! [`crate::raw::RawConfig`]); stage 2 is
//! [`validate`], which fills in defaults, checks every range against the rest of the
//! config and returns an [`Architecture`] plus the resolved tables.

use crate::locate::{finite, non_negative, ConfigError, KeyPath, Locator};
use crate::raw::{RawConfig, RawFeedback, RawFeedbackNetwork, RawInputs, RawInternal, RawTask};
use crate::targets::{build_targets, check_target_keys};
use cnn_core::{FeedbackSpec, GeneratorSpec, InputSpec, InputWeights, Network, Target};
use cnn_train::{Feedback, FeedbackMode, SharedP};

/// Which of the paper's three architectures (Fig. 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Readout feedback into the generator; train w.
    A,
    /// Feedback through a feedback network; train w and J^FG.
    B,
    /// No external feedback needed; train w and J^GG.
    C,
}

impl Kind {
    /// `"A"`, `"B"` or `"C"`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::A => "A",
            Kind::B => "B",
            Kind::C => "C",
        }
    }
}

/// The validated architecture of an experiment.
pub struct Architecture {
    /// A, B or C.
    pub kind: Kind,
    /// The feedback network (B).
    pub feedback_network: Option<FeedbackSpec>,
    /// Units 0..trained_units have trained incoming J^GG weights (C); 0 otherwise.
    pub trained_units: usize,
    /// Whether the trained rows (B's J^FG, C's J^GG) share one P.
    pub shared_p: SharedP,
    /// The readout feedback loop.
    pub feedback: Feedback,
    /// Input weights and signals.
    pub inputs: Option<(InputSpec, Box<dyn Target>)>,
    /// The target supplied by `[task]`, if any (replaces `[[targets]]`).
    pub task_target: Option<Box<dyn Target>>,
}

impl Architecture {
    /// Draws the network of `spec` from `seed` and adds the feedback network, inputs and
    /// trained rows.
    pub fn build_network(
        &self,
        spec: &GeneratorSpec,
        seed: u64,
    ) -> Result<Network, cnn_core::CoreError> {
        let mut net = Network::build(spec.clone(), seed)?;
        if let Some(fb) = &self.feedback_network {
            net = net.with_feedback_network(fb.clone(), seed)?;
        }
        if let Some((ispec, _)) = &self.inputs {
            net = net.with_inputs(ispec.clone(), seed)?;
        }
        if self.trained_units > 0 {
            let units: Vec<u32> = (0..self.trained_units as u32).collect();
            net.set_trained_rows(&units)?;
        }
        Ok(net)
    }

    /// A short description of what is beyond architecture A (empty for plain A): the
    /// feedback network, trained units and the memory of their P matrices, inputs and the
    /// feedback variant, each prefixed by `", "`.
    pub fn describe(&self, spec: &GeneratorSpec) -> String {
        let mut s = String::new();
        if let Some(fb) = &self.feedback_network {
            s += &format!(", N_F = {} feedback units", fb.n_f);
        }
        if self.trained_units > 0 {
            s += &format!(", {} trained units", self.trained_units);
        }
        let p = self.expected_p_bytes(spec);
        if p > 0.0 {
            s += &format!(", recurrent P matrices about {:.1} MB", p / 1e6);
        }
        if let Some((ispec, _)) = &self.inputs {
            s += &format!(", {} input line(s)", ispec.n_in);
        }
        match self.feedback.mode {
            FeedbackMode::Readout => {}
            FeedbackMode::Mixture { gamma } => {
                s += &format!(", feedback gamma f + (1 - gamma) z with gamma = {gamma}")
            }
            FeedbackMode::DelayedNonlinear { delay_ms, gain } => {
                s += &format!(", feedback {gain} tanh(sin(pi z(t - {delay_ms} ms)))")
            }
        }
        if self.feedback.noise_sd > 0.0 {
            s += &format!(", feedback noise sd {}", self.feedback.noise_sd);
        }
        s
    }

    /// Bytes of the P matrices of the recurrent learners (B's J^FG rows, C's trained
    /// rows), expected values from the connection probabilities.
    pub fn expected_p_bytes(&self, spec: &GeneratorSpec) -> f64 {
        let tri = |k: f64| k * (k + 1.0) / 2.0 * 8.0;
        let n = spec.n_g as f64;
        // `m` trained rows of connection probability `p`: one shared triangle when the
        // rows are full and sharing is allowed, else one per row.
        let rows = |m: f64, p: f64| {
            if p >= 1.0 && self.shared_p != SharedP::Never {
                tri(n)
            } else {
                m * tri(p * n)
            }
        };
        let mut b = 0.0;
        if let Some(fb) = &self.feedback_network {
            b += rows(fb.n_f as f64, fb.p_fg);
        }
        if self.trained_units > 0 {
            b += rows(self.trained_units as f64, spec.p_gg);
        }
        b
    }
}

/// The resolved tables (every default filled) for the resolved config.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// `[network] architecture`.
    pub architecture: String,
    /// `[feedback_network]`.
    pub feedback_network: Option<RawFeedbackNetwork>,
    /// `[internal]`.
    pub internal: Option<RawInternal>,
    /// `[feedback]`.
    pub feedback: Option<RawFeedback>,
    /// `[inputs]`.
    pub inputs: Option<RawInputs>,
    /// `[task]`.
    pub task: Option<RawTask>,
}

fn key(parts: &[&str]) -> KeyPath {
    KeyPath::of(parts)
}

fn count(loc: &Locator, k: &[&str], v: i64, lo: i64, hi: i64) -> Result<usize, ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(v as usize)
    } else {
        Err(loc.err(
            &key(k),
            format!("{v} is out of range; allowed: {lo} <= value <= {hi}"),
        ))
    }
}

/// Stage 2 for the architecture sections, table by table in this order: `[network]
/// architecture`, `[feedback_network]`, `[internal]`, `[feedback]`, `[task]`, `[inputs]`.
/// `n_g`, `p_gg`, `g_gg`, `dt_ms`, the run length, the config seed and whether the config
/// has `[[targets]]` come from the rest of the config.
#[allow(clippy::too_many_arguments)]
pub fn validate(
    raw: &RawConfig,
    loc: &Locator,
    n_g: usize,
    p_gg: f64,
    g_gg: f64,
    dt_ms: f64,
    total_ms: f64,
    seed: u64,
    has_targets: bool,
) -> Result<(Architecture, Resolved), ConfigError> {
    let kind = architecture_kind(raw, loc)?;
    let (feedback_network, fb_shared, feedback_network_res) =
        match feedback_network(raw.feedback_network.as_ref(), kind, loc)? {
            Some((spec, shared, r)) => (Some(spec), shared, Some(r)),
            None => (None, SharedP::Auto, None),
        };
    let (trained_units, shared_p, internal_res) =
        match internal(raw.internal.as_ref(), kind, loc, n_g, p_gg, g_gg)? {
            Some((m, shared, r)) => (m, shared, Some(r)),
            None => (0, fb_shared, None),
        };
    let (feedback, feedback_res) = feedback(raw.feedback.as_ref(), loc, dt_ms, seed)?;
    let (task_inputs, task_target, task_res) =
        match task(raw.task.as_ref(), loc, total_ms, seed, has_targets)? {
            Some(t) => (Some(t.inputs), Some(t.target), Some(t.resolved)),
            None => (None, None, None),
        };
    let (inputs, inputs_res) = inputs(raw.inputs.as_ref(), task_inputs, loc, dt_ms, total_ms)?;

    Ok((
        Architecture {
            kind,
            feedback_network,
            trained_units,
            shared_p,
            feedback,
            inputs,
            task_target,
        },
        Resolved {
            architecture: kind.name().into(),
            feedback_network: feedback_network_res,
            internal: internal_res,
            feedback: feedback_res,
            inputs: inputs_res,
            task: task_res,
        },
    ))
}

/// `[network] architecture`: `"A"`, `"B"` or `"C"` (either case; default A).
fn architecture_kind(raw: &RawConfig, loc: &Locator) -> Result<Kind, ConfigError> {
    match raw.network.architecture.as_deref().unwrap_or("A") {
        "A" | "a" => Ok(Kind::A),
        "B" | "b" => Ok(Kind::B),
        "C" | "c" => Ok(Kind::C),
        other => Err(loc.err(
            &key(&["network", "architecture"]),
            format!(
                "\"{other}\" is not allowed; allowed: \"A\" (readout feedback), \"B\" \
                 (feedback network) or \"C\" (trained recurrent weights)"
            ),
        )),
    }
}

/// `[feedback_network]` (architecture B only; defaults of Fig. 6B): the feedback
/// network, whether its trained J^FG rows share one P, and the resolved table; `None`
/// for A and C.
fn feedback_network(
    f: Option<&RawFeedbackNetwork>,
    kind: Kind,
    loc: &Locator,
) -> Result<Option<(FeedbackSpec, SharedP, RawFeedbackNetwork)>, ConfigError> {
    let f = match (f, kind) {
        (Some(_), Kind::A | Kind::C) => {
            return Err(loc.err(
                &key(&["feedback_network"]),
                format!(
                    "a feedback network belongs to architecture B, but network.architecture \
                     = \"{}\"; set network.architecture = \"B\" or remove [feedback_network]",
                    kind.name()
                ),
            ))
        }
        (f, Kind::B) => f.cloned().unwrap_or_default(),
        (None, _) => return Ok(None),
    };
    let d = FeedbackSpec::fig6b();
    let n_f = count(
        loc,
        &["feedback_network", "n_f"],
        f.n_f.unwrap_or(d.n_f as i64),
        1,
        100_000,
    )?;
    let prob = |name: &str, v: Option<f64>, dv: f64| {
        let v = v.unwrap_or(dv);
        finite(
            loc,
            &key(&["feedback_network", name]),
            v,
            v > 0.0 && v <= 1.0,
            &format!("0 < {name} <= 1"),
        )
    };
    let gain = |name: &str, v: Option<f64>, dv: f64, positive: bool| {
        let v = v.unwrap_or(dv);
        let allowed = if positive {
            format!("{name} > 0 (the trained weights are scaled by it)")
        } else {
            format!("{name} >= 0")
        };
        finite(
            loc,
            &key(&["feedback_network", name]),
            v,
            if positive { v > 0.0 } else { v >= 0.0 },
            &allowed,
        )
    };
    let spec = FeedbackSpec {
        n_f,
        p_ff: prob("p_ff", f.p_ff, d.p_ff)?,
        p_fg: prob("p_fg", f.p_fg, d.p_fg)?,
        p_gf: prob("p_gf", f.p_gf, d.p_gf)?,
        g_ff: gain("g_ff", f.g_ff, d.g_ff, false)?,
        g_fg: gain("g_fg", f.g_fg, d.g_fg, true)?,
        g_gf: gain("g_gf", f.g_gf, d.g_gf, false)?,
    };
    let shared = shared_p(
        loc,
        "feedback_network",
        "p_fg",
        spec.p_fg,
        f.shared_p.as_deref(),
    )?;
    let resolved = RawFeedbackNetwork {
        n_f: Some(n_f as i64),
        p_ff: Some(spec.p_ff),
        p_fg: Some(spec.p_fg),
        p_gf: Some(spec.p_gf),
        g_ff: Some(spec.g_ff),
        g_fg: Some(spec.g_fg),
        g_gf: Some(spec.g_gf),
        shared_p: Some(f.shared_p.unwrap_or_else(|| "auto".into())),
    };
    Ok(Some((spec, shared, resolved)))
}

/// `[internal]` (architecture C only): the number of trained generator units, whether
/// their rows share one P, and the resolved table; `None` for A and B.
fn internal(
    i: Option<&RawInternal>,
    kind: Kind,
    loc: &Locator,
    n_g: usize,
    p_gg: f64,
    g_gg: f64,
) -> Result<Option<(usize, SharedP, RawInternal)>, ConfigError> {
    let i = match (i, kind) {
        (Some(_), Kind::A | Kind::B) => {
            return Err(loc.err(
                &key(&["internal"]),
                format!(
                    "trained recurrent weights belong to architecture C, but \
                     network.architecture = \"{}\"; set network.architecture = \"C\" or \
                     remove [internal]",
                    kind.name()
                ),
            ))
        }
        (i, Kind::C) => i.cloned().unwrap_or_default(),
        (None, _) => return Ok(None),
    };
    let m = i.trained_units.unwrap_or(n_g as i64);
    if !(1..=n_g as i64).contains(&m) {
        return Err(loc.err(
            &key(&["internal", "trained_units"]),
            format!("{m} is out of range; allowed: 1 <= trained_units <= n_g = {n_g}"),
        ));
    }
    if g_gg <= 0.0 {
        return Err(loc.err(
            &key(&["network", "g_gg"]),
            "must be > 0 in architecture C (the trained J^GG is scaled by it)",
        ));
    }
    let shared = shared_p(loc, "internal", "p_gg", p_gg, i.shared_p.as_deref())?;
    let resolved = RawInternal {
        trained_units: Some(m),
        shared_p: Some(i.shared_p.unwrap_or_else(|| "auto".into())),
    };
    Ok(Some((m as usize, shared, resolved)))
}

/// `[feedback]`: the feedback loop (mode and noise; plain readout feedback without the
/// table) and, when the table is given, its resolved form.
fn feedback(
    raw: Option<&RawFeedback>,
    loc: &Locator,
    dt_ms: f64,
    seed: u64,
) -> Result<(Feedback, Option<RawFeedback>), ConfigError> {
    let fbr = raw.cloned().unwrap_or_default();
    let mode_name = fbr.mode.clone().unwrap_or_else(|| "readout".into());
    let only = |name: &str, present: bool, mode: &str| -> Result<(), ConfigError> {
        if present && mode_name != mode {
            Err(loc.err(
                &key(&["feedback", name]),
                format!("is a key of feedback.mode = \"{mode}\", but the mode is \"{mode_name}\""),
            ))
        } else {
            Ok(())
        }
    };
    only("gamma", fbr.gamma.is_some(), "mixture")?;
    only("delay_ms", fbr.delay_ms.is_some(), "delayed_nonlinear")?;
    only("gain", fbr.gain.is_some(), "delayed_nonlinear")?;
    let mode = feedback_mode(&fbr, &mode_name, loc, dt_ms)?;
    let noise_sd = fbr.noise_sd.unwrap_or(0.0);
    finite(
        loc,
        &key(&["feedback", "noise_sd"]),
        noise_sd,
        noise_sd >= 0.0,
        "noise_sd >= 0",
    )?;
    let noise_seed = non_negative(
        loc,
        &key(&["feedback", "noise_seed"]),
        fbr.noise_seed.unwrap_or(seed as i64),
    )?;
    let feedback = Feedback {
        mode,
        noise_sd,
        noise_seed,
    };
    let resolved = raw.map(|_| RawFeedback {
        mode: Some(mode_name.clone()),
        gamma: match mode {
            FeedbackMode::Mixture { gamma } => Some(gamma),
            _ => None,
        },
        delay_ms: match mode {
            FeedbackMode::DelayedNonlinear { delay_ms, .. } => Some(delay_ms),
            _ => None,
        },
        gain: match mode {
            FeedbackMode::DelayedNonlinear { gain, .. } => Some(gain),
            _ => None,
        },
        noise_sd: Some(noise_sd),
        noise_seed: Some(noise_seed as i64),
    });
    Ok((feedback, resolved))
}

/// `feedback.mode` (named `mode_name`) with its keys: readout, mixture (`gamma`) or
/// delayed nonlinear feedback (`delay_ms`, a whole multiple of `dt_ms`, and `gain`).
fn feedback_mode(
    fbr: &RawFeedback,
    mode_name: &str,
    loc: &Locator,
    dt_ms: f64,
) -> Result<FeedbackMode, ConfigError> {
    match mode_name {
        "readout" => Ok(FeedbackMode::Readout),
        "mixture" => {
            let gamma = fbr.gamma.unwrap_or(0.0);
            finite(
                loc,
                &key(&["feedback", "gamma"]),
                gamma,
                (0.0..=1.0).contains(&gamma),
                "0 <= gamma <= 1 (1 is echo-state teacher forcing)",
            )?;
            Ok(FeedbackMode::Mixture { gamma })
        }
        "delayed_nonlinear" => {
            let delay_ms = fbr.delay_ms.unwrap_or(100.0);
            finite(
                loc,
                &key(&["feedback", "delay_ms"]),
                delay_ms,
                delay_ms >= 0.0,
                "delay_ms >= 0",
            )?;
            let q = delay_ms / dt_ms;
            if (q - q.round()).abs() > 1e-9 * q.round().max(1.0) || q > 1e8 {
                return Err(loc.err(
                    &key(&["feedback", "delay_ms"]),
                    format!("{delay_ms} ms is not a whole multiple of dt_ms = {dt_ms}"),
                ));
            }
            let gain = fbr.gain.unwrap_or(1.3);
            finite(
                loc,
                &key(&["feedback", "gain"]),
                gain,
                true,
                "a finite number",
            )?;
            Ok(FeedbackMode::DelayedNonlinear { delay_ms, gain })
        }
        other => Err(loc.err(
            &key(&["feedback", "mode"]),
            format!(
                "\"{other}\" is not allowed; allowed: \"readout\", \"mixture\" or \
                 \"delayed_nonlinear\""
            ),
        )),
    }
}

/// What a `[task]` supplies: its input signals, its target and its resolved table.
struct TaskParts {
    /// The input signals (one per input line).
    inputs: Box<dyn Target>,
    /// The target (replaces `[[targets]]`).
    target: Box<dyn Target>,
    /// `[task]` with every default filled.
    resolved: RawTask,
}

/// `[task]`: the paper's input-driven tasks, which refuse `[[targets]]` and the keys of
/// the other kind; `None` without the table.
fn task(
    t: Option<&RawTask>,
    loc: &Locator,
    total_ms: f64,
    seed: u64,
    has_targets: bool,
) -> Result<Option<TaskParts>, ConfigError> {
    let Some(t) = t else {
        return Ok(None);
    };
    if has_targets {
        return Err(loc.err(
            &key(&["task"]),
            "a [task] supplies its own targets and inputs; remove the [[targets]] tables",
        ));
    }
    let tseed = non_negative(loc, &key(&["task", "seed"]), t.seed.unwrap_or(seed as i64))?;
    let only_task = |name: &str, present: bool, kind: &str, tk: &str| {
        if present && tk != kind {
            Err(loc.err(
                &key(&["task", name]),
                format!("is a key of task.kind = \"{kind}\", not of \"{tk}\""),
            ))
        } else {
            Ok(())
        }
    };
    let tk = t.kind.clone().unwrap_or_default();
    for (name, present) in [
        ("bits", t.bits.is_some()),
        ("pulse_height", t.pulse_height.is_some()),
        ("pulse_width_ms", t.pulse_width_ms.is_some()),
        ("mean_interval_ms", t.mean_interval_ms.is_some()),
        ("min_interval_ms", t.min_interval_ms.is_some()),
    ] {
        only_task(name, present, "flip_flop", &tk)?;
    }
    for (name, present) in [
        ("patterns", t.patterns.is_some()),
        ("n_inputs", t.n_inputs.is_some()),
        ("segment_ms", t.segment_ms.is_some()),
    ] {
        only_task(name, present, "pattern_select", &tk)?;
    }
    match tk.as_str() {
        "flip_flop" => flip_flop_task(t, loc, total_ms, tseed).map(Some),
        "pattern_select" => pattern_select_task(t, loc, total_ms, tseed).map(Some),
        other => Err(loc.err(
            &key(&["task", "kind"]),
            format!(
                "\"{other}\" is not allowed; allowed: \"flip_flop\" (Fig. 7D) or \
                 \"pattern_select\" (Fig. 7B)"
            ),
        )),
    }
}

/// `task.kind = "flip_flop"` (Fig. 7D memory; defaults from `FlipFlopSpec::fig7d`).
fn flip_flop_task(
    t: &RawTask,
    loc: &Locator,
    total_ms: f64,
    tseed: u64,
) -> Result<TaskParts, ConfigError> {
    let d = cnn_targets::FlipFlopSpec::fig7d(total_ms, tseed);
    let bits = count(
        loc,
        &["task", "bits"],
        t.bits.unwrap_or(d.bits as i64),
        1,
        64,
    )?;
    let spec = cnn_targets::FlipFlopSpec {
        bits,
        pulse_height: t.pulse_height.unwrap_or(d.pulse_height),
        pulse_width_ms: t.pulse_width_ms.unwrap_or(d.pulse_width_ms),
        mean_interval_ms: t.mean_interval_ms.unwrap_or(d.mean_interval_ms),
        min_interval_ms: t.min_interval_ms.unwrap_or(d.min_interval_ms),
        duration_ms: total_ms,
        seed: tseed,
    };
    let ff = cnn_targets::FlipFlop::new(spec.clone())
        .map_err(|e| loc.err(&key(&["task", "pulse_width_ms"]), e.to_string()))?;
    Ok(TaskParts {
        inputs: Box::new(ff.inputs().clone()),
        target: Box::new(ff),
        resolved: RawTask {
            kind: Some("flip_flop".into()),
            bits: Some(bits as i64),
            pulse_height: Some(spec.pulse_height),
            pulse_width_ms: Some(spec.pulse_width_ms),
            mean_interval_ms: Some(spec.mean_interval_ms),
            min_interval_ms: Some(spec.min_interval_ms),
            seed: Some(tseed as i64),
            ..RawTask::default()
        },
    })
}

/// `task.kind = "pattern_select"` (Fig. 7B; defaults from `PatternSelectSpec::fig7b`).
fn pattern_select_task(
    t: &RawTask,
    loc: &Locator,
    total_ms: f64,
    tseed: u64,
) -> Result<TaskParts, ConfigError> {
    let d = cnn_targets::PatternSelectSpec::fig7b(total_ms, tseed);
    let patterns = count(
        loc,
        &["task", "patterns"],
        t.patterns.unwrap_or(d.patterns as i64),
        1,
        1000,
    )?;
    let n_inputs = count(
        loc,
        &["task", "n_inputs"],
        t.n_inputs.unwrap_or(patterns as i64),
        patterns as i64,
        100_000,
    )?;
    let spec = cnn_targets::PatternSelectSpec {
        patterns,
        n_inputs,
        segment_ms: t.segment_ms.unwrap_or(d.segment_ms),
        duration_ms: total_ms,
        seed: tseed,
    };
    let ps = cnn_targets::PatternSelect::new(spec.clone())
        .map_err(|e| loc.err(&key(&["task", "segment_ms"]), e.to_string()))?;
    Ok(TaskParts {
        inputs: Box::new(ps.inputs().clone()),
        target: Box::new(ps),
        resolved: RawTask {
            kind: Some("pattern_select".into()),
            patterns: Some(patterns as i64),
            n_inputs: Some(n_inputs as i64),
            segment_ms: Some(spec.segment_ms),
            seed: Some(tseed as i64),
            ..RawTask::default()
        },
    })
}

/// `[inputs]`: the input weights and the input signals (`[[inputs.signals]]`, or the
/// `[task]`'s `task_inputs`), and the resolved table; `None` without input signals.
#[allow(clippy::type_complexity)]
fn inputs(
    raw: Option<&RawInputs>,
    task_inputs: Option<Box<dyn Target>>,
    loc: &Locator,
    dt_ms: f64,
    total_ms: f64,
) -> Result<(Option<(InputSpec, Box<dyn Target>)>, Option<RawInputs>), ConfigError> {
    let ri = raw.cloned().unwrap_or_default();
    let mut resolved: Option<RawInputs> = None;
    let signals: Option<Box<dyn Target>> = match (task_inputs, ri.signals.is_empty()) {
        (Some(_), false) => {
            return Err(loc.err(
                &key(&["inputs", "signals"]),
                "the [task] supplies the input signals; remove [[inputs.signals]]",
            ))
        }
        (Some(t), true) => Some(t),
        (None, false) => {
            let list = ["inputs", "signals"];
            for (i, s) in ri.signals.iter().enumerate() {
                check_target_keys(&list, i, s, loc)?;
            }
            let (t, resolved_signals) = build_targets(&list, &ri.signals, loc, dt_ms, total_ms)?;
            resolved = Some(RawInputs {
                signals: resolved_signals,
                ..RawInputs::default()
            });
            Some(t)
        }
        (None, true) => None,
    };
    let Some(sig) = signals else {
        if raw.is_some() {
            return Err(loc.err(
                &key(&["inputs"]),
                "input weights without input signals: add [[inputs.signals]] or a [task]",
            ));
        }
        return Ok((None, resolved));
    };
    let n_in = sig.dim();
    let (weights, w) = input_weights(&ri, loc, n_in)?;
    let spec = InputSpec {
        n_in,
        to_generator: w.clone(),
        to_feedback: w.clone(),
    };
    let mut r = resolved.unwrap_or_default();
    r.weights = Some(weights);
    match &w {
        InputWeights::OneHot { sd } => r.sd = Some(*sd),
        InputWeights::Uniform { ranges } => {
            r.ranges = Some(ranges.iter().map(|&(a, b)| vec![a, b]).collect())
        }
        InputWeights::Disconnected => {}
    }
    Ok((Some((spec, sig)), Some(r)))
}

/// `inputs.weights` (its name, default `"one_hot"`) and the weights of `n_in` input
/// lines: one-hot with `sd`, or uniform with `range` or `ranges`.
fn input_weights(
    ri: &RawInputs,
    loc: &Locator,
    n_in: usize,
) -> Result<(String, InputWeights), ConfigError> {
    let weights = ri.weights.clone().unwrap_or_else(|| "one_hot".into());
    let w = match weights.as_str() {
        "one_hot" => {
            if ri.range.is_some() || ri.ranges.is_some() {
                return Err(loc.err(
                    &key(&[
                        "inputs",
                        if ri.range.is_some() {
                            "range"
                        } else {
                            "ranges"
                        },
                    ]),
                    "is a key of inputs.weights = \"uniform\", not of \"one_hot\"",
                ));
            }
            let sd = ri.sd.unwrap_or(1.0);
            finite(loc, &key(&["inputs", "sd"]), sd, sd > 0.0, "sd > 0")?;
            InputWeights::OneHot { sd }
        }
        "uniform" => {
            if ri.sd.is_some() {
                return Err(loc.err(
                    &key(&["inputs", "sd"]),
                    "is a key of inputs.weights = \"one_hot\", not of \"uniform\"",
                ));
            }
            InputWeights::Uniform {
                ranges: uniform_ranges(ri, loc, n_in)?,
            }
        }
        other => {
            return Err(loc.err(
                &key(&["inputs", "weights"]),
                format!(
                    "\"{other}\" is not allowed; allowed: \"one_hot\" (one N(0, sd^2) \
                     entry per row, the paper's) or \"uniform\""
                ),
            ))
        }
    };
    Ok((weights, w))
}

/// The `[lo, hi]` of each of `n_in` uniform input lines: `range` for all, `ranges` one
/// per line, or `[-1, 1]`.
fn uniform_ranges(
    ri: &RawInputs,
    loc: &Locator,
    n_in: usize,
) -> Result<Vec<(f64, f64)>, ConfigError> {
    let pair = |k: &str, v: &[f64]| -> Result<(f64, f64), ConfigError> {
        if v.len() == 2 && v[0].is_finite() && v[1].is_finite() && v[0] <= v[1] {
            Ok((v[0], v[1]))
        } else {
            Err(loc.err(
                &key(&["inputs", k]),
                format!("{v:?} is not allowed; allowed: [lo, hi] with finite lo <= hi"),
            ))
        }
    };
    match (&ri.range, &ri.ranges) {
        (Some(_), Some(_)) => Err(loc.err(
            &key(&["inputs", "ranges"]),
            "give either range (all lines) or ranges (one per line), not both",
        )),
        (Some(r), None) => Ok(vec![pair("range", r)?; n_in]),
        (None, Some(rs)) => {
            if rs.len() != n_in {
                return Err(loc.err(
                    &key(&["inputs", "ranges"]),
                    format!(
                        "has {} entries but there are {n_in} input lines; allowed: one \
                         [lo, hi] per line",
                        rs.len()
                    ),
                ));
            }
            rs.iter().map(|r| pair("ranges", r)).collect()
        }
        (None, None) => Ok(vec![(-1.0, 1.0); n_in]),
    }
}

/// `TABLE.shared_p`: whether the trained rows share one P; `"always"` needs full rows
/// (`PROB` = `p` = 1).
fn shared_p(
    loc: &Locator,
    table: &str,
    prob: &str,
    p: f64,
    value: Option<&str>,
) -> Result<SharedP, ConfigError> {
    let k = key(&[table, "shared_p"]);
    match value.unwrap_or("auto") {
        "auto" => Ok(SharedP::Auto),
        "always" if p < 1.0 => Err(loc.err(
            &k,
            format!(
                "\"always\" needs every trained unit to receive from all generator units, \
                 but {prob} = {p}; allowed: \"always\" only with {prob} = 1, else \"auto\" \
                 or \"never\""
            ),
        )),
        "always" => Ok(SharedP::Always),
        "never" => Ok(SharedP::Never),
        other => Err(loc.err(
            &k,
            format!(
                "\"{other}\" is not allowed; allowed: \"auto\" (one P when {prob} = 1), \
                 \"always\" or \"never\""
            ),
        )),
    }
}
