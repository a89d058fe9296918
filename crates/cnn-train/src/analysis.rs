//! Principal components of the network's activity (paper Fig 3).
//!
//! The PCA is computed without storing an N x T matrix of rates:
//!
//! 1. [`CovarianceObserver`] watches one phase (the test phase, where learning is off) and
//!    accumulates the sum and the scatter matrix of the rates of **all** units, sampled
//!    every `sample_every` steps. Samples are buffered ([`BATCH`] at a time) and folded in
//!    with one faer matrix product `C += X X^T` (lower triangle only), so the cost per
//!    sample is a copy of r. It also keeps a copy of the network as the phase started.
//! 2. [`Pca::from_covariance`] diagonalises the covariance (faer's self-adjoint
//!    eigendecomposition), sorts the eigenvalues in descending order and keeps the leading
//!    eigenvectors, the cumulative fraction of variance explained and `n_95`, the number
//!    of components that reach 95 % of the variance.
//! 3. [`PcaTrajectory::replay`] re-runs the phase from the stored start state (outside
//!    training w is fixed, so the trajectory is reproduced bit for bit) and projects
//!    `r(t) - mean` onto the leading components at the same sample times. It also
//!    reconstructs the readout from the leading k components,
//!    `z_k(t) = w . (mean + sum_{i<k} p_i(t) v_i)`, and reports its RMS error against the
//!    target f and against the actual z.
//!
//! The covariance is the population covariance (divided by the number of samples S).
//!
//! ```
//! use cnn_core::{FnTarget, GeneratorSpec, Network, Observer, Phase, StepView, Target};
//! use cnn_train::analysis::{analyse, CovarianceObserver};
//!
//! let spec = GeneratorSpec { n_g: 60, dt_ms: 1.0, ..GeneratorSpec::paper(1) };
//! let mut net = Network::build(spec, 3)?;
//! let target = FnTarget::new(1, Some(100.0), |t, out| out[0] = (t / 16.0).sin());
//! let mut obs = CovarianceObserver::new(60, 1);
//! obs.phase_start(Phase::Test, 0, 0.0, &net);
//! let mut f = [0.0];
//! for n in 1..=200u64 {
//!     net.step();
//!     target.eval(n as f64, &mut f);
//!     obs.step(&StepView { step: n, t_ms: n as f64, phase: Phase::Test, network: &net, f: &f });
//! }
//! obs.phase_end(Phase::Test, 200, 200.0, &net);
//! let activity = obs.finish().expect("the test phase was watched");
//! let result = analyse(&activity, &target, 8, &[1, 2, 4, 8])?;
//! assert_eq!(result.pca.eigenvalues.len(), 60);
//! assert_eq!(result.trajectory.t_ms.len(), 200);
//! assert!(result.pca.n_95 >= 1 && result.pca.n_95 <= 60);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use cnn_core::{Network, Observer, Phase, StepView, Target};
use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::TrainError;

/// Samples buffered before they are folded into the scatter matrix with one product.
pub const BATCH: usize = 64;

/// Default number of leading eigenvectors kept ([`Pca::from_covariance`]).
pub const DEFAULT_N_KEEP: usize = 20;

/// Default numbers of leading components for the readout reconstruction.
pub const DEFAULT_RECON_K: [usize; 5] = [1, 2, 4, 8, 16];

/// Fraction of the variance that defines [`Pca::n_95`].
pub const VARIANCE_TARGET: f64 = 0.95;

/// The sampling stride giving one sample per millisecond of simulated time (at least 1).
pub fn steps_per_ms(dt_ms: f64) -> u64 {
    ((1.0 / dt_ms).round() as u64).max(1)
}

/// An [`Observer`] that accumulates the mean and covariance of the rates of all units
/// during one phase (by default the test phase), sampled every `sample_every` steps.
///
/// Memory: one N x N matrix plus N x [`BATCH`] samples, allocated when the phase starts.
#[derive(Debug)]
pub struct CovarianceObserver {
    n: usize,
    sample_every: u64,
    phase: Phase,
    state: Option<Watch>,
}

#[derive(Debug)]
struct Watch {
    start: Network,
    first_step: u64,
    last_step: u64,
    /// The first sample, subtracted from all samples for numerical accuracy.
    shift: Option<Vec<f64>>,
    /// N x BATCH, column-major: one column per buffered sample (minus `shift`).
    buf: Vec<f64>,
    filled: usize,
    samples: u64,
    /// Sum of the shifted samples.
    sum: Vec<f64>,
    /// Lower triangle of the sum of outer products of the shifted samples.
    scatter: Mat<f64>,
    finite: bool,
}

impl Watch {
    fn flush(&mut self, n: usize) {
        if self.filled == 0 {
            return;
        }
        let x = MatRef::from_column_major_slice(&self.buf[..n * self.filled], n, self.filled);
        matmul(
            self.scatter.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Add,
            x,
            BlockStructure::Rectangular,
            x.transpose(),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        self.filled = 0;
    }
}

impl CovarianceObserver {
    /// Watches the test phase of a network of `n` units, sampling every `sample_every`
    /// steps (0 is treated as 1); see [`steps_per_ms`] for the usual choice.
    pub fn new(n: usize, sample_every: u64) -> Self {
        Self::for_phase(n, sample_every, Phase::Test)
    }

    /// Like [`CovarianceObserver::new`] for another phase (e.g. the spontaneous activity).
    pub fn for_phase(n: usize, sample_every: u64, phase: Phase) -> Self {
        Self {
            n,
            sample_every: sample_every.max(1),
            phase,
            state: None,
        }
    }

    /// The sampling stride in steps.
    pub fn sample_every(&self) -> u64 {
        self.sample_every
    }

    /// The mean and covariance of the watched phase, with the network as it started, or
    /// `None` if the phase never started, took no sample, or its rates were not finite.
    pub fn finish(self) -> Option<PhaseActivity> {
        let n = self.n;
        let mut w = self.state?;
        w.flush(n);
        if w.samples == 0 || !w.finite {
            return None;
        }
        let s = w.samples as f64;
        let shift = w.shift.unwrap_or_else(|| vec![0.0; n]);
        let m: Vec<f64> = w.sum.iter().map(|v| v / s).collect();
        let mut cov = vec![0.0; n * n];
        for j in 0..n {
            for i in j..n {
                let c = w.scatter[(i, j)] / s - m[i] * m[j];
                cov[i * n + j] = c;
                cov[j * n + i] = c;
            }
        }
        let mean = shift.iter().zip(&m).map(|(a, b)| a + b).collect();
        Some(PhaseActivity {
            covariance: Covariance {
                n,
                samples: w.samples,
                mean,
                cov,
            },
            start: w.start,
            phase: self.phase,
            first_step: w.first_step,
            last_step: w.last_step,
            sample_every: self.sample_every,
        })
    }
}

/// The accumulated state of a [`CovarianceObserver`] while its phase runs, for
/// checkpoints (the network at the phase start is not included: the caller rebuilds it).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct CovarianceState {
    pub first_step: u64,
    pub last_step: u64,
    pub shift: Option<Vec<f64>>,
    /// The buffered samples not yet folded into `scatter` (`filled` columns of N).
    pub buf: Vec<f64>,
    pub samples: u64,
    pub sum: Vec<f64>,
    /// The N x N scatter matrix, column-major (only the lower triangle is meaningful).
    pub scatter: Vec<f64>,
    pub finite: bool,
}

impl CovarianceObserver {
    /// The accumulated state, `None` before the watched phase started.
    pub fn state(&self) -> Option<CovarianceState> {
        let n = self.n;
        let w = self.state.as_ref()?;
        let mut scatter = Vec::with_capacity(n * n);
        for j in 0..n {
            for i in 0..n {
                scatter.push(w.scatter[(i, j)]);
            }
        }
        Some(CovarianceState {
            first_step: w.first_step,
            last_step: w.last_step,
            shift: w.shift.clone(),
            buf: w.buf[..w.filled * n].to_vec(),
            samples: w.samples,
            sum: w.sum.clone(),
            scatter,
            finite: w.finite,
        })
    }

    /// Continues from `state`, with `start` the network as the watched phase started.
    pub fn restore(&mut self, state: CovarianceState, start: Network) -> Result<(), TrainError> {
        let n = self.n;
        let filled = state.buf.len() / n.max(1);
        if state.scatter.len() != n * n
            || state.sum.len() != n
            || state.buf.len() != filled * n
            || filled >= BATCH
        {
            return Err(TrainError::Dimension {
                what: "covariance state in the checkpoint",
                expected: n * n,
                got: state.scatter.len(),
            });
        }
        let mut buf = state.buf;
        buf.resize(n * BATCH, 0.0);
        let sc = &state.scatter;
        self.state = Some(Watch {
            start,
            first_step: state.first_step,
            last_step: state.last_step,
            shift: state.shift,
            buf,
            filled,
            samples: state.samples,
            sum: state.sum,
            scatter: Mat::from_fn(n, n, |i, j| sc[j * n + i]),
            finite: state.finite,
        });
        Ok(())
    }
}

impl Observer for CovarianceObserver {
    fn phase_start(&mut self, phase: Phase, step: u64, _t_ms: f64, network: &Network) {
        if phase != self.phase || network.spec().n_g != self.n {
            return;
        }
        let n = self.n;
        self.state = Some(Watch {
            start: network.clone(),
            first_step: step,
            last_step: step,
            shift: None,
            buf: vec![0.0; n * BATCH],
            filled: 0,
            samples: 0,
            sum: vec![0.0; n],
            scatter: Mat::zeros(n, n),
            finite: true,
        });
    }

    fn step(&mut self, view: &StepView<'_>) {
        if view.phase != self.phase {
            return;
        }
        let n = self.n;
        let Some(w) = self.state.as_mut() else {
            return;
        };
        w.last_step = view.step;
        if (view.step - w.first_step) % self.sample_every != 0 {
            return;
        }
        let r = view.network.r();
        let shift = w.shift.get_or_insert_with(|| r.to_vec());
        let col = &mut w.buf[w.filled * n..(w.filled + 1) * n];
        let mut finite = true;
        for ((c, s), (&ri, &si)) in col
            .iter_mut()
            .zip(w.sum.iter_mut())
            .zip(r.iter().zip(shift.iter()))
        {
            let d = ri - si;
            finite &= d.is_finite();
            *c = d;
            *s += d;
        }
        w.finite &= finite;
        w.filled += 1;
        w.samples += 1;
        if w.filled == BATCH {
            w.flush(n);
        }
    }

    fn phase_end(&mut self, phase: Phase, step: u64, _t_ms: f64, _network: &Network) {
        if phase != self.phase {
            return;
        }
        if let Some(w) = self.state.as_mut() {
            w.last_step = step;
            w.flush(self.n);
        }
    }
}

/// Mean and covariance of N variables over S samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    /// Number of variables N.
    pub n: usize,
    /// Number of samples S.
    pub samples: u64,
    /// Mean, length N.
    pub mean: Vec<f64>,
    /// Population covariance (divided by S), N x N row-major, exactly symmetric.
    pub cov: Vec<f64>,
}

impl Covariance {
    /// The covariance of the rows of `data` (S x N row-major), computed directly (two
    /// passes); a reference for tests and small problems.
    ///
    /// # Panics
    /// If `data.len()` is not a multiple of `n`.
    pub fn from_rows(data: &[f64], n: usize) -> Self {
        assert!(n > 0 && data.len() % n == 0, "data is not S x N");
        let s = data.len() / n;
        let mut mean = vec![0.0; n];
        for row in data.chunks_exact(n) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= s.max(1) as f64);
        let mut cov = vec![0.0; n * n];
        for row in data.chunks_exact(n) {
            for i in 0..n {
                let di = row[i] - mean[i];
                for j in 0..=i {
                    cov[i * n + j] += di * (row[j] - mean[j]);
                }
            }
        }
        for i in 0..n {
            for j in 0..=i {
                let c = cov[i * n + j] / s.max(1) as f64;
                cov[i * n + j] = c;
                cov[j * n + i] = c;
            }
        }
        Self {
            n,
            samples: s as u64,
            mean,
            cov,
        }
    }
}

/// What [`CovarianceObserver::finish`] returns: the statistics of the watched phase and
/// what is needed to replay it.
#[derive(Debug, Clone)]
pub struct PhaseActivity {
    /// Mean and covariance of the rates of all units.
    pub covariance: Covariance,
    /// The network (state and weights) as the phase started.
    pub start: Network,
    /// Which phase was watched.
    pub phase: Phase,
    /// Global step index of the phase's starting state.
    pub first_step: u64,
    /// Global step index of the last state reached in the phase.
    pub last_step: u64,
    /// Samples were taken every this many steps, counted from `first_step`.
    pub sample_every: u64,
}

/// Principal components of a covariance matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Number of variables N.
    pub n: usize,
    /// All N eigenvalues (variances along the components), in descending order.
    pub eigenvalues: Vec<f64>,
    /// Cumulative fraction of the total variance explained by the leading 1, 2, ..., N
    /// components (length N; the last entry is 1 unless the total variance is 0).
    pub explained_fraction: Vec<f64>,
    /// Number of eigenvectors kept.
    pub n_keep: usize,
    /// Leading eigenvectors, N x `n_keep` row-major: column j is component j (unit norm).
    /// Each is signed so that its largest-magnitude entry is positive.
    pub eigenvectors: Vec<f64>,
    /// The mean the components are centred on, length N.
    pub mean: Vec<f64>,
    /// The smallest number of components that explain at least 95 % of the variance.
    pub n_95: usize,
}

impl Pca {
    /// Diagonalises `c` (faer's self-adjoint eigendecomposition) and keeps the leading
    /// `n_keep` eigenvectors (at most N).
    pub fn from_covariance(c: &Covariance, n_keep: usize) -> Result<Self, TrainError> {
        let n = c.n;
        if c.cov.len() != n * n || c.mean.len() != n || n == 0 {
            return Err(TrainError::Dimension {
                what: "covariance matrix",
                expected: n * n,
                got: c.cov.len(),
            });
        }
        let a = MatRef::from_row_major_slice(&c.cov, n, n);
        let evd = a
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| TrainError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
        let s = evd.S().column_vector();
        let u = evd.U();
        // faer sorts in nondecreasing order: reverse.
        let eigenvalues: Vec<f64> = (0..n).rev().map(|i| s[i]).collect();
        if eigenvalues.iter().any(|v| !v.is_finite()) {
            return Err(TrainError::Numerical(
                "the covariance has non-finite eigenvalues".into(),
            ));
        }
        let total: f64 = eigenvalues.iter().map(|v| v.max(0.0)).sum();
        let mut acc = 0.0;
        let explained_fraction: Vec<f64> = eigenvalues
            .iter()
            .map(|v| {
                acc += v.max(0.0);
                if total > 0.0 {
                    (acc / total).min(1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let n_95 = explained_fraction
            .iter()
            .position(|&f| f >= VARIANCE_TARGET - 1e-12)
            .map_or(n, |p| p + 1);
        let n_keep = n_keep.min(n);
        let mut eigenvectors = vec![0.0; n * n_keep];
        for j in 0..n_keep {
            let col = u.col(n - 1 - j);
            let mut big = 0.0f64;
            for i in 0..n {
                if col[i].abs() > big.abs() {
                    big = col[i];
                }
            }
            let sign = if big < 0.0 { -1.0 } else { 1.0 };
            for i in 0..n {
                eigenvectors[i * n_keep + j] = sign * col[i];
            }
        }
        Ok(Self {
            n,
            eigenvalues,
            explained_fraction,
            n_keep,
            eigenvectors,
            mean: c.mean.clone(),
            n_95,
        })
    }

    /// Projections of one state `r` onto the kept components, `p_j = v_j . (r - mean)`.
    pub fn project(&self, r: &[f64], out: &mut [f64]) {
        let (n, m) = (self.n, self.n_keep);
        out.iter_mut().for_each(|p| *p = 0.0);
        let rows = self.eigenvectors.chunks_exact(m.max(1));
        for ((ri, mi), row) in r.iter().zip(&self.mean).zip(rows).take(n) {
            let d = ri - mi;
            for (p, v) in out.iter_mut().zip(row) {
                *p += v * d;
            }
        }
    }
}

/// The watched phase replayed and projected onto the leading components.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaTrajectory {
    /// Sample times in ms (length S).
    pub t_ms: Vec<f64>,
    /// Projections onto the kept components, S x `n_keep` row-major.
    pub projections: Vec<f64>,
    /// Number of outputs K.
    pub n_out: usize,
    /// The actual readouts at the sample times, S x K.
    pub z: Vec<f64>,
    /// The target at the sample times, S x K.
    pub f: Vec<f64>,
    /// Numbers of leading components used for the reconstructions (length L, each at
    /// most `n_keep`).
    pub recon_k: Vec<usize>,
    /// Readouts reconstructed from the leading k components, S x L x K row-major:
    /// `recon_z[(s * L + l) * K + k]`.
    pub recon_z: Vec<f64>,
    /// RMS of `z_k - f` over the samples, L x K.
    pub recon_rms_vs_f: Vec<f64>,
    /// RMS of `z_k - z` over the samples, L x K.
    pub recon_rms_vs_z: Vec<f64>,
}

impl PcaTrajectory {
    /// Replays `activity`'s phase from its start state (w fixed, so the trajectory is the
    /// one the covariance was taken from), projects onto `pca`'s components at the same
    /// sample times and reconstructs the readouts from the leading k components for each
    /// k of `recon_k` (values above `pca.n_keep` or 0 are dropped).
    pub fn replay(
        activity: &PhaseActivity,
        pca: &Pca,
        target: &dyn Target,
        recon_k: &[usize],
    ) -> Result<Self, TrainError> {
        let mut net = activity.start.clone();
        let n = net.spec().n_g;
        let n_out = net.spec().n_out;
        let dt = net.spec().dt_ms;
        if n != pca.n {
            return Err(TrainError::Dimension {
                what: "PCA variables (network units)",
                expected: n,
                got: pca.n,
            });
        }
        if target.dim() != n_out {
            return Err(TrainError::TargetDimension {
                target: target.dim(),
                outputs: n_out,
            });
        }
        let m = pca.n_keep;
        let mut ks: Vec<usize> = recon_k
            .iter()
            .copied()
            .filter(|&k| k >= 1 && k <= m)
            .collect();
        ks.sort_unstable();
        ks.dedup();
        let l = ks.len();
        // Per output: w . mean and w . v_j.
        let w = net.w().to_vec();
        let mut w_mean = vec![0.0; n_out];
        let mut w_v = vec![0.0; n_out * m];
        for k in 0..n_out {
            let wk = &w[k * n..(k + 1) * n];
            w_mean[k] = cnn_core::dot(wk, &pca.mean);
            let wv = &mut w_v[k * m..(k + 1) * m];
            for (wi, row) in wk.iter().zip(pca.eigenvectors.chunks_exact(m.max(1))) {
                for (acc, v) in wv.iter_mut().zip(row) {
                    *acc += wi * v;
                }
            }
        }
        let steps = activity.last_step.saturating_sub(activity.first_step);
        let every = activity.sample_every.max(1);
        let s_count = (steps / every) as usize;
        let mut t_ms = Vec::with_capacity(s_count);
        let mut projections = Vec::with_capacity(s_count * m);
        let mut z = Vec::with_capacity(s_count * n_out);
        let mut f = Vec::with_capacity(s_count * n_out);
        let mut recon_z = Vec::with_capacity(s_count * l * n_out);
        let mut p = vec![0.0; m];
        let mut fv = vec![0.0; n_out];
        for s in 1..=steps {
            net.step();
            if s % every != 0 {
                continue;
            }
            let t = (activity.first_step + s) as f64 * dt;
            target.eval(t, &mut fv);
            pca.project(net.r(), &mut p);
            t_ms.push(t);
            projections.extend_from_slice(&p);
            z.extend_from_slice(net.z());
            f.extend_from_slice(&fv);
            for &kk in &ks {
                for k in 0..n_out {
                    let mut v = w_mean[k];
                    for j in 0..kk {
                        v += p[j] * w_v[k * m + j];
                    }
                    recon_z.push(v);
                }
            }
        }
        let rows = t_ms.len();
        let mut vs_f = vec![0.0; l * n_out];
        let mut vs_z = vec![0.0; l * n_out];
        for srow in 0..rows {
            for li in 0..l {
                for k in 0..n_out {
                    let v = recon_z[(srow * l + li) * n_out + k];
                    vs_f[li * n_out + k] += (v - f[srow * n_out + k]).powi(2);
                    vs_z[li * n_out + k] += (v - z[srow * n_out + k]).powi(2);
                }
            }
        }
        let denom = rows.max(1) as f64;
        vs_f.iter_mut().for_each(|v| *v = (*v / denom).sqrt());
        vs_z.iter_mut().for_each(|v| *v = (*v / denom).sqrt());
        Ok(Self {
            t_ms,
            projections,
            n_out,
            z,
            f,
            recon_k: ks,
            recon_z,
            recon_rms_vs_f: vs_f,
            recon_rms_vs_z: vs_z,
        })
    }
}

/// A PCA of one phase with its projections and reconstructions.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaAnalysis {
    /// The components.
    pub pca: Pca,
    /// The replayed phase projected onto them.
    pub trajectory: PcaTrajectory,
    /// Samples were taken every this many steps.
    pub sample_every: u64,
}

/// [`Pca::from_covariance`] followed by [`PcaTrajectory::replay`].
pub fn analyse(
    activity: &PhaseActivity,
    target: &dyn Target,
    n_keep: usize,
    recon_k: &[usize],
) -> Result<PcaAnalysis, TrainError> {
    let pca = Pca::from_covariance(&activity.covariance, n_keep)?;
    let trajectory = PcaTrajectory::replay(activity, &pca, target, recon_k)?;
    Ok(PcaAnalysis {
        pca,
        trajectory,
        sample_every: activity.sample_every,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnn_core::{FnTarget, GeneratorSpec};

    /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (reference).
    fn jacobi_eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
        let mut a = a.to_vec();
        for _sweep in 0..100 {
            let off: f64 = (0..n)
                .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
                .map(|(i, j)| a[i * n + j].powi(2))
                .sum();
            if off < 1e-26 {
                break;
            }
            for p in 0..n {
                for q in p + 1..n {
                    let apq = a[p * n + q];
                    if apq.abs() < 1e-300 {
                        continue;
                    }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for k in 0..n {
                        let akp = a[k * n + p];
                        let akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for k in 0..n {
                        let apk = a[p * n + k];
                        let aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
            }
        }
        let mut ev: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
        ev.sort_by(|x, y| y.total_cmp(x));
        ev
    }

    /// xorshift64* uniform in [-1, 1).
    struct Gen(u64);
    impl Gen {
        fn f(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (v >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        }
    }

    /// S x N samples with variances `scales^2` along a random rotation, plus an offset.
    fn synthetic(s: usize, n: usize, scales: &[f64], seed: u64) -> Vec<f64> {
        let mut g = Gen(seed | 1);
        // A random orthogonal matrix by Gram-Schmidt.
        let mut q = vec![0.0; n * n];
        for j in 0..n {
            let mut v: Vec<f64> = (0..n).map(|_| g.f()).collect();
            for k in 0..j {
                let d: f64 = (0..n).map(|i| v[i] * q[i * n + k]).sum();
                (0..n).for_each(|i| v[i] -= d * q[i * n + k]);
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            (0..n).for_each(|i| q[i * n + j] = v[i] / norm);
        }
        let mut out = Vec::with_capacity(s * n);
        for _ in 0..s {
            let a: Vec<f64> = scales.iter().map(|sc| sc * g.f() * 3f64.sqrt()).collect();
            for i in 0..n {
                out.push(0.3 + (0..n).map(|j| q[i * n + j] * a[j]).sum::<f64>());
            }
        }
        out
    }

    /// Feeds rows through the observer as if they were network rates.
    fn observe_rows(rows: &[f64], n: usize, every: u64) -> Covariance {
        let spec = GeneratorSpec {
            n_g: n,
            ..GeneratorSpec::paper(1)
        };
        let mut net = Network::build(spec, 1).expect("build");
        let mut obs = CovarianceObserver::new(n, every);
        obs.phase_start(Phase::Test, 10, 1.0, &net);
        let s = rows.len() / n;
        let mut step = 10;
        for row in rows.chunks_exact(n) {
            for _ in 0..every {
                step += 1;
                // Only the sampled step carries the row; the others carry junk.
                let x: Vec<f64> = row.iter().map(|&r| r.atanh()).collect();
                net.set_state(&x, &[0.0]).expect("state");
                // set_state recomputes r = tanh(x); make it exact:
                let view = StepView {
                    step,
                    t_ms: step as f64,
                    phase: Phase::Test,
                    network: &net,
                    f: &[0.0],
                };
                obs.step(&view);
            }
        }
        assert_eq!(s as u64 * every, step - 10);
        obs.phase_end(Phase::Test, step, step as f64, &net);
        obs.finish().expect("samples").covariance
    }

    #[test]
    fn observer_matches_direct_covariance_across_batches() {
        let n = 7;
        let scales = [0.15, 0.1, 0.07, 0.04, 0.02, 0.01, 0.005];
        let rows = synthetic(3 * BATCH + 5, n, &scales, 9);
        let direct = Covariance::from_rows(
            &rows
                .iter()
                .map(|r: &f64| r.atanh().tanh())
                .collect::<Vec<_>>(),
            n,
        );
        let got = observe_rows(&rows, n, 3);
        assert_eq!(got.samples, direct.samples);
        for (a, b) in got.mean.iter().zip(&direct.mean) {
            assert!((a - b).abs() < 1e-12, "mean {a} vs {b}");
        }
        for (a, b) in got.cov.iter().zip(&direct.cov) {
            assert!((a - b).abs() < 1e-12, "cov {a} vs {b}");
        }
    }

    #[test]
    fn eigenvalues_match_jacobi_and_known_spectrum() {
        let n = 12;
        let scales: Vec<f64> = (0..n).map(|i| 0.6 * 0.6f64.powi(i as i32)).collect();
        let rows = synthetic(4000, n, &scales, 4);
        let c = Covariance::from_rows(&rows, n);
        let pca = Pca::from_covariance(&c, 5).expect("pca");
        let reference = jacobi_eigenvalues(&c.cov, n);
        for (a, b) in pca.eigenvalues.iter().zip(&reference) {
            assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
        assert!(pca.eigenvalues.windows(2).all(|w| w[0] >= w[1]));
        // The sample spectrum is close to the one drawn (within sampling error).
        for (ev, sc) in pca.eigenvalues.iter().zip(&scales) {
            assert!((ev / (sc * sc) - 1.0).abs() < 0.2, "{ev} vs {}", sc * sc);
        }
        let trace: f64 = (0..n).map(|i| c.cov[i * n + i]).sum();
        assert!((pca.eigenvalues.iter().sum::<f64>() - trace).abs() < 1e-12);
        assert!((pca.explained_fraction[n - 1] - 1.0).abs() < 1e-12);
        let k95 = pca.n_95;
        assert!(pca.explained_fraction[k95 - 1] >= 0.95);
        assert!(k95 == 1 || pca.explained_fraction[k95 - 2] < 0.95);
        // Eigenvectors: unit norm, orthogonal, and C v = lambda v.
        let m = pca.n_keep;
        for a in 0..m {
            let va: Vec<f64> = (0..n).map(|i| pca.eigenvectors[i * m + a]).collect();
            for b in 0..m {
                let d: f64 = (0..n).map(|i| va[i] * pca.eigenvectors[i * m + b]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-10);
            }
            for i in 0..n {
                let cv: f64 = (0..n).map(|j| c.cov[i * n + j] * va[j]).sum();
                assert!((cv - pca.eigenvalues[a] * va[i]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn diagonal_covariance_gives_its_diagonal() {
        let n = 5;
        let diag = [0.1, 4.0, 0.5, 2.0, 0.0];
        let mut cov = vec![0.0; n * n];
        for i in 0..n {
            cov[i * n + i] = diag[i];
        }
        let c = Covariance {
            n,
            samples: 10,
            mean: vec![0.0; n],
            cov,
        };
        let pca = Pca::from_covariance(&c, 2).expect("pca");
        assert_eq!(pca.eigenvalues, vec![4.0, 2.0, 0.5, 0.1, 0.0]);
        // Leading eigenvectors are the unit vectors e_1 and e_3 (signed positive).
        assert_eq!(pca.eigenvectors[2], 1.0);
        assert_eq!(pca.eigenvectors[3 * 2 + 1], 1.0);
        assert_eq!(pca.n_95, 3); // (4 + 2) / 6.6 = 0.909 < 0.95 <= 6.5 / 6.6
    }

    /// On a real network's test phase: the k-PC reconstruction of the rates and of z
    /// improves as k grows, and with all components z is reproduced exactly.
    #[test]
    fn reconstruction_error_falls_with_k() {
        let n = 80;
        let spec = GeneratorSpec {
            n_g: n,
            dt_ms: 1.0,
            w_init: cnn_core::InitialWeights::Gaussian,
            ..GeneratorSpec::paper(1)
        };
        let mut net = Network::build(spec, 17).expect("build");
        for _ in 0..50 {
            net.step();
        }
        let target = FnTarget::new(1, None, |t, out| out[0] = (t / 30.0).sin());
        let mut obs = CovarianceObserver::new(n, 2);
        obs.phase_start(Phase::Test, 50, 50.0, &net);
        let mut f = [0.0];
        for step in 51..=650u64 {
            net.step();
            target.eval(step as f64, &mut f);
            obs.step(&StepView {
                step,
                t_ms: step as f64,
                phase: Phase::Test,
                network: &net,
                f: &f,
            });
        }
        obs.phase_end(Phase::Test, 650, 650.0, &net);
        let act = obs.finish().expect("activity");
        assert_eq!(act.covariance.samples, 300);
        let ks: Vec<usize> = vec![1, 2, 4, 8, 16, 32, 80];
        let res = analyse(&act, &target, n, &ks).expect("analyse");
        let tr = &res.trajectory;
        assert_eq!(tr.t_ms.len(), 300);
        assert_eq!(tr.t_ms[0], 52.0);
        // The replay reproduces the watched trajectory: the actual z at the last sample
        // equals the network's.
        assert_eq!(tr.z[299], net.z()[0]);
        // Residual variance of the rates = sum of the dropped eigenvalues: falls with k.
        let ev = &res.pca.eigenvalues;
        let resid: Vec<f64> = ks.iter().map(|&k| ev[k..].iter().sum()).collect();
        assert!(resid.windows(2).all(|w| w[1] <= w[0]));
        // Projections have the eigenvalues as variances (population, centred).
        let m = res.pca.n_keep;
        for (j, &evj) in ev.iter().enumerate().take(4) {
            let var: f64 = (0..300)
                .map(|s| tr.projections[s * m + j].powi(2))
                .sum::<f64>()
                / 300.0;
            assert!((var - evj).abs() < 1e-9 * (1.0 + evj), "{var} vs {evj}");
        }
        // z error: large with 1 PC, small with 32, zero with all.
        let e = &tr.recon_rms_vs_z;
        assert!(e[0] > e[5], "{e:?}");
        assert!(e[5] < e[1] && e[5] < e[2], "{e:?}");
        assert!(e[6] < 1e-9, "{e:?}");
        let zrms = (tr.z.iter().map(|v| v * v).sum::<f64>() / 300.0).sqrt();
        assert!(e[6] < 1e-9 * (1.0 + zrms));
    }

    #[test]
    fn unwatched_or_empty_phase_gives_none() {
        let obs = CovarianceObserver::new(10, 1);
        assert!(obs.finish().is_none());
        let spec = GeneratorSpec {
            n_g: 10,
            ..GeneratorSpec::paper(1)
        };
        let net = Network::build(spec, 1).expect("build");
        let mut obs = CovarianceObserver::new(10, 1);
        obs.phase_start(Phase::Test, 0, 0.0, &net);
        obs.phase_end(Phase::Test, 0, 0.0, &net);
        assert!(obs.finish().is_none());
        assert_eq!(steps_per_ms(0.1), 10);
        assert_eq!(steps_per_ms(2.0), 1);
    }
}
