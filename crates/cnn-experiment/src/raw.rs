//! Stage 1 of a config: the `Raw*` structs, one per table, as serde reads them (every key
//! optional, unknown keys refused). Stage 2 ([`crate::config`], [`crate::arch`],
//! [`crate::targets`]) fills in defaults and checks ranges; the resolved config is written
//! back through these same structs.

use serde::{Deserialize, Serialize};

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
    pub feedback_network: Option<RawFeedbackNetwork>,
    /// `[internal]` (architecture C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<RawInternal>,
    /// `[feedback]`: readout feedback variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<RawFeedback>,
    /// `[inputs]`: input weights and signals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<RawInputs>,
    /// `[task]`: an input-driven task (supplies targets and inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<RawTask>,
    /// `[ensemble]`: the seeds of an ensemble run; checked by `crate::ensemble`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<toml::Table>,
    /// `[sweep]`: swept keys and the sweep mode; checked by `crate::ensemble`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<toml::Table>,
}

/// `[feedback_network]` (architecture B); defaults are the paper's Fig. 6B values.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFeedbackNetwork {
    pub n_f: Option<i64>,
    pub p_ff: Option<f64>,
    pub p_fg: Option<f64>,
    pub p_gf: Option<f64>,
    pub g_ff: Option<f64>,
    pub g_fg: Option<f64>,
    pub g_gf: Option<f64>,
    /// `"auto"`, `"always"` or `"never"`.
    pub shared_p: Option<String>,
}

/// `[internal]` (architecture C).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawInternal {
    /// How many units have trained incoming weights (units 0..m); default all.
    pub trained_units: Option<i64>,
    /// `"auto"`, `"always"` or `"never"`.
    pub shared_p: Option<String>,
}

/// `[feedback]`: what the generator receives through J^Gz.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawFeedback {
    /// `"readout"`, `"mixture"` or `"delayed_nonlinear"`.
    pub mode: Option<String>,
    pub gamma: Option<f64>,
    pub delay_ms: Option<f64>,
    pub gain: Option<f64>,
    pub noise_sd: Option<f64>,
    pub noise_seed: Option<i64>,
}

/// `[inputs]`: input weights and signals.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawInputs {
    /// `"one_hot"` (default) or `"uniform"`.
    pub weights: Option<String>,
    /// Standard deviation of the one-hot weights.
    pub sd: Option<f64>,
    /// `[lo, hi]` of uniform weights, for every input line.
    pub range: Option<Vec<f64>>,
    /// `[[lo, hi], ...]`, one per input line (instead of `range`).
    pub ranges: Option<Vec<Vec<f64>>>,
    /// `[[inputs.signals]]`: input signals, any target kind; stacked into input lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<RawTarget>,
}

/// `[task]`: an input-driven task of the paper.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTask {
    /// `"flip_flop"` (Fig. 7D) or `"pattern_select"` (Fig. 7B).
    pub kind: Option<String>,
    pub bits: Option<i64>,
    pub pulse_height: Option<f64>,
    pub pulse_width_ms: Option<f64>,
    pub mean_interval_ms: Option<f64>,
    pub min_interval_ms: Option<f64>,
    pub patterns: Option<i64>,
    pub n_inputs: Option<i64>,
    pub segment_ms: Option<f64>,
    pub seed: Option<i64>,
}

/// The kinds of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// `A sin(2 pi t / T + phase)`; defaults A = 3, T = 600 ms.
    Sine,
    /// `A cos(2 pi t / T + phase)`; defaults A = 3, T = 300 ms (the notebook's cos).
    Cosine,
    /// `A sum_k c_k sin(k pi f t)`: defaults are the notebook's `periodic` (A = 3,
    /// f = 1/300 per ms, c = 1, 1/2, 1/3, 1/4; period 600 ms).
    Periodic,
    /// The same formula with the MATLAB demo's defaults (A = 1.3/1.5, f = 1/600 per ms,
    /// c = 1, 1/2, 1/6, 1/3; period 1200 ms).
    FourSine,
    /// The same formula; `amplitude`, `freq_per_ms` and `coefs` default to `periodic`'s.
    Harmonics,
    /// Triangle wave in [-A, A]; defaults A = 3, T = 600 ms.
    Triangle,
    /// Square wave in {-A, A}; defaults A = 3, T = 600 ms.
    Square,
    /// Sawtooth in [-A, A]; defaults A = 3, T = 600 ms.
    Sawtooth,
    /// Seeded random sum of `n` sines (the notebook's "complicated periodic");
    /// defaults n = 6, A = 3, base period 1200 ms, seed 1.
    RandomSines,
    /// One component of the Lorenz attractor (sigma 10, beta 8/3, rho 28), RK4;
    /// defaults component 0 (x), scale of the state 0.1 (x/10), 200 ms per time unit.
    Lorenz,
    /// Columns of a CSV file (one output per column).
    Csv,
    /// Piecewise-constant levels on `channels` outputs: `segments` (`{channel, start_ms,
    /// end_ms, level}`, active on `[start, end)`) and `pulses` (`{channel, at_ms,
    /// width_ms, height}`); 0 elsewhere. Segments of one channel may not overlap, and none
    /// may end after the run. Mostly used as network inputs (`[[inputs.signals]]`).
    Schedule,
    /// Samples given in the config itself (`values`: one number per sample, or one list
    /// per sample with a value per output), `sample_interval_ms` apart from t = 0, with
    /// `end` as a CSV target has it: the same target as a CSV file of those rows. The
    /// Python package fills `values` from a numpy array.
    Array,
}

/// One sample of an `array` target: a number (one output) or a list (one per output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawSample {
    /// One output.
    One(f64),
    /// One value per output.
    Row(Vec<f64>),
}

/// One `segments` entry of a `schedule`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSegment {
    pub channel: i64,
    pub start_ms: f64,
    pub end_ms: f64,
    pub level: f64,
}

/// One `pulses` entry of a `schedule`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawPulse {
    pub channel: i64,
    pub at_ms: f64,
    pub width_ms: f64,
    pub height: f64,
}

/// One `[[targets]]` table (stage 1). Which keys a kind accepts is checked in stage 2.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawTarget {
    pub kind: Option<TargetKind>,
    pub amplitude: Option<f64>,
    pub period_ms: Option<f64>,
    pub phase_rad: Option<f64>,
    pub freq_per_ms: Option<f64>,
    pub coefs: Option<Vec<f64>>,
    pub n: Option<i64>,
    pub base_period_ms: Option<f64>,
    pub seed: Option<i64>,
    pub component: Option<i64>,
    pub state_scale: Option<f64>,
    pub ms_per_unit: Option<f64>,
    pub path: Option<String>,
    pub time_column: Option<String>,
    pub sample_interval_ms: Option<f64>,
    pub columns: Option<Vec<String>>,
    /// `"repeat"` or `"hold"`.
    pub end: Option<String>,
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    pub noise_sigma: Option<f64>,
    pub noise_seed: Option<i64>,
    pub channels: Option<i64>,
    pub segments: Option<Vec<RawSegment>>,
    pub pulses: Option<Vec<RawPulse>>,
    /// The samples of an `array` target.
    pub values: Option<Vec<RawSample>>,
}
