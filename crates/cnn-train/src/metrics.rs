//! Per-phase, per-output performance metrics and the success criterion.
//!
//! Definitions (e = z - f over every step of the phase, z is the recorded pre-update
//! output):
//! - `mae`: mean |e|; `rms`: sqrt(mean e^2); `rms_norm`: rms / std(f) (NaN if f is constant);
//! - `best_corr`, `best_lag_ms`: the phase-tolerant score, the largest Pearson correlation
//!   between z(t + lag) and f(t) over lags |lag| <= period/2 of the target (lag 0 only for
//!   aperiodic targets), on the traces sampled every `corr_sample_ms` (1 ms by default);
//! - `mae_first_period`: mean |e| over the phase's first target period (first 1000 ms for
//!   aperiodic targets);
//! - `amp_ratio`: std(z) / std(f);
//! - `w_norm`: |w_k| at the end of the phase; `dw_norm`: |dw_k/dt| (1/ms) at the phase's
//!   last update (0 without updates).

use cnn_core::Phase;

/// Metric values of one output in one phase. See the module docs for definitions.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub struct OutputMetrics {
    pub mae: f64,
    pub rms: f64,
    pub rms_norm: f64,
    pub best_corr: f64,
    pub best_lag_ms: f64,
    pub mae_first_period: f64,
    pub amp_ratio: f64,
    pub w_norm: f64,
    pub dw_norm: f64,
}

impl OutputMetrics {
    /// Metric names in file order.
    pub const NAMES: [&'static str; 9] = [
        "mae",
        "rms",
        "rms_norm",
        "best_corr",
        "best_lag_ms",
        "mae_first_period",
        "amp_ratio",
        "w_norm",
        "dw_norm",
    ];

    /// Values in the order of [`OutputMetrics::NAMES`].
    pub fn values(&self) -> [f64; 9] {
        [
            self.mae,
            self.rms,
            self.rms_norm,
            self.best_corr,
            self.best_lag_ms,
            self.mae_first_period,
            self.amp_ratio,
            self.w_norm,
            self.dw_norm,
        ]
    }
}

/// Metrics of one phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseMetrics {
    /// The phase.
    pub phase: Phase,
    /// Number of steps the phase ran.
    pub steps: u64,
    /// Duration in ms.
    pub duration_ms: f64,
    /// One entry per output.
    pub outputs: Vec<OutputMetrics>,
}

impl PhaseMetrics {
    /// `(name, one value per output)` pairs, for writers.
    pub fn named(&self) -> Vec<(&'static str, Vec<f64>)> {
        OutputMetrics::NAMES
            .iter()
            .enumerate()
            .map(|(m, name)| (*name, self.outputs.iter().map(|o| o.values()[m]).collect()))
            .collect()
    }
}

/// When a run counts as a success.
///
/// A run succeeds when it did not diverge and, for every output, the **test** phase has
/// `best_corr >= min_corr` and `min_amp_ratio <= amp_ratio <= max_amp_ratio` (the output
/// keeps the target's shape and size once learning is off, allowing a slow phase drift).
/// Without a test phase the train phase must have `rms_norm <= max_train_rms_norm`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuccessCriterion {
    /// Smallest accepted phase-tolerant correlation in the test phase.
    pub min_corr: f64,
    /// Smallest accepted std(z)/std(f) in the test phase.
    pub min_amp_ratio: f64,
    /// Largest accepted std(z)/std(f) in the test phase.
    pub max_amp_ratio: f64,
    /// Largest accepted rms/std(f) in training when there is no test phase.
    pub max_train_rms_norm: f64,
}

impl SuccessCriterion {
    /// The documented default: correlation >= 0.9, amplitude ratio in [0.8, 1.25],
    /// training rms_norm <= 0.1 when there is no test phase.
    pub const DEFAULT: SuccessCriterion = SuccessCriterion {
        min_corr: 0.9,
        min_amp_ratio: 0.8,
        max_amp_ratio: 1.25,
        max_train_rms_norm: 0.1,
    };

    /// The phase the criterion judges: the test phase when it ran at least one step,
    /// else the training phase when it did; `None` when neither did.
    pub fn judged_phase(phases: &[PhaseMetrics]) -> Option<Phase> {
        [Phase::Test, Phase::Train]
            .into_iter()
            .find(|&q| phases.iter().any(|p| p.phase == q && p.steps > 0))
    }

    /// Applies the criterion to the metrics of a finished run: on the test phase,
    /// every output's best correlation and amplitude ratio; without a test phase, every
    /// output's training RMS / std (see [`SuccessCriterion::judged_phase`]).
    pub fn judge(&self, phases: &[PhaseMetrics]) -> bool {
        let judged = Self::judged_phase(phases);
        let Some(m) = judged.and_then(|q| phases.iter().find(|p| p.phase == q && p.steps > 0))
        else {
            return false;
        };
        if m.phase == Phase::Test {
            m.outputs.iter().all(|o| {
                o.best_corr >= self.min_corr
                    && o.amp_ratio >= self.min_amp_ratio
                    && o.amp_ratio <= self.max_amp_ratio
            })
        } else {
            m.outputs
                .iter()
                .all(|o| o.rms_norm <= self.max_train_rms_norm)
        }
    }
}

/// Accumulates the metrics of one phase, step by step (allocation only when the sampled
/// traces grow; capacity is reserved up front).
///
/// The fields are public so that a checkpoint can store and restore the accumulator
/// exactly (running sums per output, the sampled z and f traces for the correlation, the
/// last |dw/dt|); nothing else should write them.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct PhaseAccumulator {
    pub phase: Phase,
    pub n_out: usize,
    pub steps: u64,
    pub sum_abs: Vec<f64>,
    pub sum_sq: Vec<f64>,
    pub first_period_abs: Vec<f64>,
    pub first_period_n: u64,
    pub first_period_steps: u64,
    pub stride: u64,
    pub z_samples: Vec<f64>,
    pub f_samples: Vec<f64>,
    pub sum_f: Vec<f64>,
    pub sum_f2: Vec<f64>,
    pub sum_z: Vec<f64>,
    pub sum_z2: Vec<f64>,
    pub last_dw: Vec<f64>,
}

impl PhaseAccumulator {
    pub(crate) fn new(
        phase: Phase,
        n_out: usize,
        stride: u64,
        first_period_steps: u64,
        expected_steps: u64,
    ) -> Self {
        let samples = (expected_steps / stride.max(1)) as usize + 1;
        Self {
            phase,
            n_out,
            steps: 0,
            sum_abs: vec![0.0; n_out],
            sum_sq: vec![0.0; n_out],
            first_period_abs: vec![0.0; n_out],
            first_period_n: 0,
            first_period_steps,
            stride: stride.max(1),
            z_samples: Vec::with_capacity(samples * n_out),
            f_samples: Vec::with_capacity(samples * n_out),
            sum_f: vec![0.0; n_out],
            sum_f2: vec![0.0; n_out],
            sum_z: vec![0.0; n_out],
            sum_z2: vec![0.0; n_out],
            last_dw: vec![0.0; n_out],
        }
    }

    pub(crate) fn step(&mut self, z: &[f64], f: &[f64]) {
        self.steps += 1;
        let in_first = self.steps <= self.first_period_steps;
        for k in 0..self.n_out {
            let e = z[k] - f[k];
            self.sum_abs[k] += e.abs();
            self.sum_sq[k] += e * e;
            self.sum_f[k] += f[k];
            self.sum_f2[k] += f[k] * f[k];
            self.sum_z[k] += z[k];
            self.sum_z2[k] += z[k] * z[k];
            if in_first {
                self.first_period_abs[k] += e.abs();
            }
        }
        if in_first {
            self.first_period_n += 1;
        }
        if self.steps % self.stride == 0 {
            self.z_samples.extend_from_slice(z);
            self.f_samples.extend_from_slice(f);
        }
    }

    pub(crate) fn update(&mut self, dw_norm: &[f64]) {
        self.last_dw.copy_from_slice(dw_norm);
    }

    pub(crate) fn finish(
        &self,
        dt_ms: f64,
        period_ms: Option<f64>,
        w_norm: &[f64],
    ) -> PhaseMetrics {
        let n = self.steps as f64;
        let sample_ms = self.stride as f64 * dt_ms;
        let n_samples = self.z_samples.len() / self.n_out.max(1);
        let max_lag = match period_ms {
            Some(p) => ((p / 2.0 / sample_ms).round() as usize).min(n_samples / 2),
            None => 0,
        };
        let outputs = (0..self.n_out)
            .map(|k| {
                let var = |s: f64, s2: f64| (s2 / n - (s / n) * (s / n)).max(0.0);
                let std_f = var(self.sum_f[k], self.sum_f2[k]).sqrt();
                let std_z = var(self.sum_z[k], self.sum_z2[k]).sqrt();
                let rms = (self.sum_sq[k] / n).sqrt();
                let zk: Vec<f64> = (0..n_samples)
                    .map(|t| self.z_samples[t * self.n_out + k])
                    .collect();
                let fk: Vec<f64> = (0..n_samples)
                    .map(|t| self.f_samples[t * self.n_out + k])
                    .collect();
                let (best_corr, best_lag) = best_lagged_correlation(&zk, &fk, max_lag);
                OutputMetrics {
                    mae: self.sum_abs[k] / n,
                    rms,
                    rms_norm: if std_f > 0.0 { rms / std_f } else { f64::NAN },
                    best_corr,
                    best_lag_ms: best_lag as f64 * sample_ms,
                    mae_first_period: self.first_period_abs[k] / self.first_period_n as f64,
                    amp_ratio: if std_f > 0.0 { std_z / std_f } else { f64::NAN },
                    w_norm: w_norm[k],
                    dw_norm: self.last_dw[k],
                }
            })
            .collect();
        PhaseMetrics {
            phase: self.phase,
            steps: self.steps,
            duration_ms: n * dt_ms,
            outputs,
        }
    }
}

/// Pearson correlation of `z(t + lag)` with `f(t)`, maximised over `|lag| <= max_lag`
/// samples. Returns `(correlation, lag)`; NaN when every lag has a constant series.
pub fn best_lagged_correlation(z: &[f64], f: &[f64], max_lag: usize) -> (f64, i64) {
    let n = z.len().min(f.len());
    let mut best = (f64::NAN, 0i64);
    for lag in -(max_lag as i64)..=(max_lag as i64) {
        let (zs, fs) = if lag >= 0 {
            let l = lag as usize;
            if l >= n {
                continue;
            }
            (&z[l..n], &f[..n - l])
        } else {
            let l = (-lag) as usize;
            if l >= n {
                continue;
            }
            (&z[..n - l], &f[l..n])
        };
        let c = pearson(zs, fs);
        if c.is_finite() && (best.0.is_nan() || c > best.0) {
            best = (c, lag);
        }
    }
    best
}

/// Pearson correlation (NaN if either series is constant or empty).
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return f64::NAN;
    }
    let ma = a[..n].iter().sum::<f64>() / n as f64;
    let mb = b[..n].iter().sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (da, db) = (a[i] - ma, b[i] - mb);
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        return f64::NAN;
    }
    sab / (saa * sbb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lagged_correlation_finds_the_shift() {
        let f: Vec<f64> = (0..400).map(|t| (t as f64 * 0.05).sin()).collect();
        let z: Vec<f64> = (0..400).map(|t| ((t as f64 - 7.0) * 0.05).sin()).collect();
        let (c, lag) = best_lagged_correlation(&z, &f, 30);
        assert_eq!(lag, 7);
        assert!(c > 0.9999);
        assert!(pearson(&z, &f) < c);
    }

    #[test]
    fn accumulator_basic_metrics() {
        let mut acc = PhaseAccumulator::new(Phase::Test, 1, 1, 2, 4);
        for (z, f) in [(1.0, 0.0), (0.0, 0.0), (2.0, 1.0), (1.0, 1.0)] {
            acc.step(&[z], &[f]);
        }
        let m = acc.finish(1.0, None, &[0.5]);
        let o = m.outputs[0];
        assert_eq!(o.mae, 0.5);
        assert_eq!(o.rms, 0.5f64.sqrt());
        assert_eq!(o.mae_first_period, 0.5);
        assert_eq!(o.w_norm, 0.5);
        assert!((o.rms_norm - 0.5f64.sqrt() / 0.5).abs() < 1e-12);
        assert_eq!(m.duration_ms, 4.0);
    }

    #[test]
    fn criterion_uses_test_then_train() {
        let good = OutputMetrics {
            mae: 0.01,
            rms: 0.01,
            rms_norm: 0.01,
            best_corr: 0.99,
            best_lag_ms: 0.0,
            mae_first_period: 0.01,
            amp_ratio: 1.0,
            w_norm: 0.2,
            dw_norm: 0.0,
        };
        let bad = OutputMetrics {
            best_corr: 0.3,
            ..good
        };
        let ph = |phase, o| PhaseMetrics {
            phase,
            steps: 10,
            duration_ms: 1.0,
            outputs: vec![o],
        };
        let c = SuccessCriterion::DEFAULT;
        assert!(c.judge(&[ph(Phase::Train, good), ph(Phase::Test, good)]));
        assert!(!c.judge(&[ph(Phase::Train, good), ph(Phase::Test, bad)]));
        assert!(c.judge(&[ph(Phase::Train, good)]));
        assert!(!c.judge(&[ph(
            Phase::Train,
            OutputMetrics {
                rms_norm: 0.5,
                ..good
            }
        )]));
    }
}
