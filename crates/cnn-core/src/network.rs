//! The generator network (architecture A): parameters, seeded construction and the
//! forward-Euler step.

use crate::csr::{HotCsr, PAD16};
use crate::extensions::{draw_input_matrix, FeedbackNetwork, FeedbackSpec, InputSpec};
// Re-exported so that `cnn_core::network::FLUSH_BELOW` and `flush_tiny` keep their path.
pub use crate::flush::{flush_tiny, FLUSH_BELOW};
use crate::seeds::{stream_rng, Stream};
use crate::tanh::{tanh_into, tanh_slice};
use crate::{CoreError, Csr};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// How the readout weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialWeights {
    /// w = 0 (the paper's default).
    Zero,
    /// Nonzero entries ~ Normal(0, 1/(p_z N_G)).
    Gaussian,
}

/// Parameters of the generator network and its readouts.
///
/// Names follow Sussillo & Abbott (2009); the paper's values are in
/// [`GeneratorSpec::paper`]. Nothing here has a silent default: callers name every value.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSpec {
    /// Number of generator units N_G (>= 1).
    pub n_g: usize,
    /// Connection probability of J^GG, in (0, 1].
    pub p_gg: f64,
    /// Recurrent gain g_GG (>= 0; chaotic above 1).
    pub g_gg: f64,
    /// Readout feedback gain g_Gz (>= 0).
    pub g_gz: f64,
    /// Fraction of units with trainable readout weights, in (0, 1].
    pub p_z: f64,
    /// Number of readouts z_k (>= 1).
    pub n_out: usize,
    /// Membrane time constant tau in ms (> 0).
    pub tau_ms: f64,
    /// Integration step in ms, 0 < dt < tau.
    pub dt_ms: f64,
    /// Initial readout weights.
    pub w_init: InitialWeights,
}

/// The largest generator a spec may ask for: N_G <= 50,000 (one P over all units alone is
/// 10 GB there).
pub const MAX_N_G: usize = 50_000;

impl GeneratorSpec {
    /// The paper's defaults (Figs 2-5) with one output: N_G = 1000, p_GG = 0.1,
    /// g_GG = 1.5, g_Gz = 1, p_z = 1, tau = 10 ms, and the notebook's dt = 0.1 ms,
    /// w(0) = 0. The config's defaults are these values (`cnn_experiment::config::defaults`).
    pub const PAPER: GeneratorSpec = GeneratorSpec {
        n_g: 1000,
        p_gg: 0.1,
        g_gg: 1.5,
        g_gz: 1.0,
        p_z: 1.0,
        n_out: 1,
        tau_ms: 10.0,
        dt_ms: 0.1,
        w_init: InitialWeights::Zero,
    };

    /// [`GeneratorSpec::PAPER`] with `n_out` outputs.
    pub fn paper(n_out: usize) -> Self {
        Self {
            n_out,
            ..Self::PAPER
        }
    }

    /// Checks every range, in the order n_g, n_out, p_gg, g_gg, g_gz, p_z, tau_ms,
    /// dt_ms; the error names the first parameter out of range and its allowed range.
    /// This is the one place these ranges are written: the config validator maps the
    /// error to its key, file and line.
    pub fn validate(&self) -> Result<(), CoreError> {
        fn range(name: &'static str, v: f64, ok: bool, allowed: &str) -> Result<(), CoreError> {
            if ok && v.is_finite() {
                Ok(())
            } else {
                Err(CoreError::OutOfRange {
                    name,
                    value: format!("{v}"),
                    allowed: allowed.to_string(),
                })
            }
        }
        if self.n_g == 0 || self.n_g > MAX_N_G {
            return Err(CoreError::OutOfRange {
                name: "n_g",
                value: self.n_g.to_string(),
                allowed: format!("1 <= n_g <= {MAX_N_G}"),
            });
        }
        if self.n_out == 0 {
            return Err(CoreError::OutOfRange {
                name: "n_out",
                value: "0".into(),
                allowed: "at least one output".into(),
            });
        }
        range(
            "p_gg",
            self.p_gg,
            self.p_gg > 0.0 && self.p_gg <= 1.0,
            "0 < p_gg <= 1",
        )?;
        range("g_gg", self.g_gg, self.g_gg >= 0.0, "g_gg >= 0")?;
        range("g_gz", self.g_gz, self.g_gz >= 0.0, "g_gz >= 0")?;
        range(
            "p_z",
            self.p_z,
            self.p_z > 0.0 && self.p_z <= 1.0,
            "0 < p_z <= 1",
        )?;
        range("tau_ms", self.tau_ms, self.tau_ms > 0.0, "tau_ms > 0")?;
        range(
            "dt_ms",
            self.dt_ms,
            self.dt_ms > 0.0 && self.dt_ms < self.tau_ms,
            &format!("0 < dt_ms < tau_ms = {}", self.tau_ms),
        )?;
        Ok(())
    }
}

/// A generator network with its readouts: connectivity, weights and state.
///
/// `J^GG` is stored without the gain `g_GG`. Readout weights are stored output-major:
/// `w()[k * n_g + i]` is the weight from unit `i` to output `k`; entries of units outside
/// [`Network::readout_units`] stay 0. All outputs share the same readout units, so one
/// RLS matrix P serves all of them.
#[derive(Debug, Clone)]
pub struct Network {
    spec: GeneratorSpec,
    j_gg: Csr,
    /// The narrow copy of `j_gg` the step reads (16-bit indices, f32 values).
    hot: HotCsr,
    /// Row-major N_G x N_out.
    j_gz: Vec<f64>,
    readout_units: Vec<u32>,
    w: Vec<f64>,
    x: Vec<f64>,
    /// Rates; length `n_g`, or [`PAD16`] on the 16-bit path (entries past `n_g` stay 0).
    r: Vec<f64>,
    /// The previous step's rates (double buffer, same length as `r`).
    r_prev: Vec<f64>,
    z: Vec<f64>,
    finite: bool,
    arch: pulp::Arch,
    /// Architecture B's feedback network.
    feedback: Option<FeedbackNetwork>,
    /// Input weights onto the generator (N_G x N_I).
    j_gi: Option<Csr>,
    /// Number of input lines (0 without inputs).
    n_in: usize,
    /// The current input values I (set by the caller before each step).
    input: Vec<f64>,
    /// Per-unit drive besides `J^GG r` and `J^Gz z` (feedback network, inputs, trained
    /// rows), computed before the fused step; empty when there is none.
    extra: Vec<f64>,
    /// Units whose incoming J^GG weights are trained (architecture C), increasing.
    trained_rows: Vec<u32>,
    /// `J^GG` without the trained rows, when there are any (the hot copy mirrors it).
    fixed: Option<Csr>,
}

/// Runs a function over blocks of work, possibly in parallel. cnn-core has no threads of
/// its own: a caller that wants them (e.g. `cnn-train` with a rayon pool) implements this
/// and passes it to [`Network::step_in`]; [`Serial`] runs everything on the calling
/// thread. Results never depend on the executor.
pub trait Executor: Sync {
    /// Into how many blocks a pass should be split (1 for a serial executor).
    fn blocks(&self) -> usize;
    /// Calls `f` once on every element of `items`, in any order, possibly concurrently.
    fn for_each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(&mut T) + Sync));
}

/// The executor that runs every block on the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Serial;

impl Executor for Serial {
    fn blocks(&self) -> usize {
        1
    }
    fn for_each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        items.iter_mut().for_each(f);
    }
}

/// Most blocks one step is split into.
const MAX_BLOCKS: usize = 32;

/// Rows per chunk of the fused step (matvec into a stack buffer, then Euler and tanh).
const CHUNK: usize = 64;

/// One row block of the step.
#[derive(Debug, Default)]
struct RowBlock<'a> {
    first_row: usize,
    x: &'a mut [f64],
    r: &'a mut [f64],
    finite: bool,
}

/// Everything one step reads.
struct StepKernel<'a> {
    j_gg: &'a Csr,
    hot: &'a HotCsr,
    j_gz: &'a [f64],
    r_old: &'a [f64],
    feedback: &'a [f64],
    /// Extra drive per unit (empty when there is none).
    extra: &'a [f64],
    a: f64,
    g_gg: f64,
    g_gz: f64,
}

impl StepKernel<'_> {
    /// The fused step for one block: `J^GG r` of a chunk of rows into a stack buffer, then
    /// forward Euler on the chunk, then `r = tanh(x)` of the chunk in one SIMD pass
    /// ([`crate::tanh`]). Same operations, in the same order, as the unfused `matvec`,
    /// Euler and [`crate::tanh::tanh`].
    #[inline(always)]
    fn run<S: pulp::Simd>(&self, simd: S, block: &mut RowBlock<'_>) {
        let n_out = self.feedback.len();
        let mut s = [0.0f64; CHUNK];
        let mut finite = true;
        let len = block.x.len();
        let mut c = 0;
        while c < len {
            let m = CHUNK.min(len - c);
            let first = block.first_row + c;
            self.hot
                .rows_into(self.j_gg, first, self.r_old, &mut s[..m]);
            let xs = &mut block.x[c..c + m];
            for (o, xi) in xs.iter_mut().enumerate() {
                let i = first + o;
                let fb_row = &self.j_gz[i * n_out..(i + 1) * n_out];
                let mut fb = 0.0;
                for (jk, zk) in fb_row.iter().zip(self.feedback) {
                    fb += jk * zk;
                }
                let x0 = *xi;
                let inner = -x0 + self.g_gg * s[o] + self.g_gz * fb;
                let xn = if self.extra.is_empty() {
                    x0 + self.a * inner
                } else {
                    x0 + self.a * (inner + self.extra[i])
                };
                let xn = flush_tiny(xn);
                finite &= xn.is_finite();
                *xi = xn;
            }
            tanh_into(simd, xs, &mut block.r[c..c + m]);
            c += m;
        }
        block.finite = finite;
    }
}

/// [`StepKernel::run`] as a pulp operation, compiled for the detected instruction set.
struct StepOp<'a, 'b, 'c> {
    kernel: &'a StepKernel<'b>,
    block: &'a mut RowBlock<'c>,
}

impl pulp::WithSimd for StepOp<'_, '_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        self.kernel.run(simd, self.block);
    }
}

impl Network {
    /// Draws a network from `seed` (see [`crate::seeds`] for which stream draws what).
    /// The values of `J^GG` are rounded to the nearest `f32` (kept as `f64`), so the
    /// integration step can read them in 4 bytes.
    pub fn build(spec: GeneratorSpec, seed: u64) -> Result<Self, CoreError> {
        spec.validate()?;
        let n = spec.n_g;
        let n_out = spec.n_out;

        // Values rounded to f32: the step reads 4-byte values, and the stored (and
        // reported) f64 values are exactly the ones it uses.
        let j_gg = Csr::random(
            n,
            n,
            spec.p_gg,
            1.0 / (spec.p_gg * n as f64).sqrt(),
            true,
            &mut stream_rng(seed, Stream::Jgg),
        )?;

        let mut rng = stream_rng(seed, Stream::Jgz);
        let j_gz: Vec<f64> = (0..n * n_out)
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();

        let mut rng = stream_rng(seed, Stream::ReadoutMask);
        let readout_units: Vec<u32> = (0..n as u32)
            .filter(|_| {
                let u: f64 = rng.random();
                u < spec.p_z
            })
            .collect();
        if readout_units.is_empty() {
            return Err(CoreError::Inconsistent(format!(
                "p_z = {} with n_g = {} selected no readout unit; raise p_z or n_g",
                spec.p_z, spec.n_g
            )));
        }

        let mut w = vec![0.0; n * n_out];
        if spec.w_init == InitialWeights::Gaussian {
            let mut rng = stream_rng(seed, Stream::InitialW);
            let sd = 1.0 / (spec.p_z * n as f64).sqrt();
            for k in 0..n_out {
                for &i in &readout_units {
                    let v: f64 = StandardNormal.sample(&mut rng);
                    w[k * n + i as usize] = v * sd;
                }
            }
        }

        let mut rng = stream_rng(seed, Stream::InitialX);
        let x: Vec<f64> = (0..n)
            .map(|_| {
                let v: f64 = StandardNormal.sample(&mut rng);
                0.5 * v
            })
            .collect();
        let mut rng = stream_rng(seed, Stream::InitialZ);
        let z: Vec<f64> = (0..n_out)
            .map(|_| {
                let v: f64 = StandardNormal.sample(&mut rng);
                0.5 * v
            })
            .collect();
        Self::from_parts(spec, j_gg, j_gz, readout_units, w, x, z)
    }

    /// Assembles a network from stored parts (e.g. read back from a run file).
    /// `r` is set to `tanh(x)`; `z` is taken as given.
    pub fn from_parts(
        spec: GeneratorSpec,
        j_gg: Csr,
        j_gz: Vec<f64>,
        readout_units: Vec<u32>,
        w: Vec<f64>,
        x: Vec<f64>,
        z: Vec<f64>,
    ) -> Result<Self, CoreError> {
        spec.validate()?;
        let n = spec.n_g;
        let n_out = spec.n_out;
        if j_gg.n_rows() != n || j_gg.n_cols() != n {
            return Err(CoreError::Dimension {
                what: "J_GG rows",
                expected: n,
                got: j_gg.n_rows(),
            });
        }
        check_len("J_Gz", n * n_out, j_gz.len())?;
        check_len("w", n * n_out, w.len())?;
        check_len("x", n, x.len())?;
        check_len("z", n_out, z.len())?;
        if readout_units.windows(2).any(|p| p[0] >= p[1])
            || readout_units.iter().any(|&i| i as usize >= n)
        {
            return Err(CoreError::Inconsistent(
                "readout units must be strictly increasing unit indices below n_g".into(),
            ));
        }
        let hot = HotCsr::new(&j_gg);
        let len = if hot.needs_pad() { PAD16 } else { n };
        let mut r = vec![0.0; len];
        tanh_slice(&x, &mut r[..n]);
        let finite = x.iter().chain(&z).chain(&w).all(|v| v.is_finite());
        Ok(Self {
            spec,
            j_gg,
            hot,
            j_gz,
            readout_units,
            w,
            x,
            r_prev: vec![0.0; len],
            r,
            z,
            finite,
            arch: pulp::Arch::new(),
            feedback: None,
            j_gi: None,
            n_in: 0,
            input: Vec::new(),
            extra: Vec::new(),
            trained_rows: Vec::new(),
            fixed: None,
        })
    }

    /// Adds architecture B's feedback network, drawn from `seed` (streams 7-10 of
    /// [`crate::seeds`], so the generator's own draws do not change). Call before
    /// [`Network::with_inputs`] so that the feedback network can receive the inputs.
    pub fn with_feedback_network(
        mut self,
        spec: FeedbackSpec,
        seed: u64,
    ) -> Result<Self, CoreError> {
        if self.n_in > 0 {
            return Err(CoreError::Inconsistent(
                "add the feedback network before the inputs".into(),
            ));
        }
        self.set_feedback_network(FeedbackNetwork::build(spec, self.spec.n_g, seed)?)?;
        Ok(self)
    }

    /// Installs a feedback network (e.g. read back from a file).
    pub fn set_feedback_network(&mut self, fb: FeedbackNetwork) -> Result<(), CoreError> {
        let n = self.spec.n_g;
        if fb.j_fg.n_cols() != n || fb.j_gf.n_rows() != n {
            return Err(CoreError::Dimension {
                what: "feedback network J_FG columns / J_GF rows",
                expected: n,
                got: fb.j_fg.n_cols(),
            });
        }
        self.finite &= fb.y.iter().all(|v| v.is_finite());
        self.feedback = Some(fb);
        self.extra = vec![0.0; n];
        Ok(())
    }

    /// Adds `spec.n_in` input lines, with `J^GI` (and `J^FI` when there is a feedback
    /// network) drawn from `seed` (streams 11 and 12). The input values start at 0; set
    /// them with [`Network::set_input`] before each step.
    pub fn with_inputs(mut self, spec: InputSpec, seed: u64) -> Result<Self, CoreError> {
        spec.validate()?;
        let n = self.spec.n_g;
        let j_gi = draw_input_matrix(
            &spec.to_generator,
            n,
            spec.n_in,
            &mut stream_rng(seed, Stream::Jgi),
        )?;
        let j_fi = match &self.feedback {
            Some(fb) => draw_input_matrix(
                &spec.to_feedback,
                fb.spec.n_f,
                spec.n_in,
                &mut stream_rng(seed, Stream::Jfi),
            )?,
            None => None,
        };
        self.set_input_weights(spec.n_in, j_gi, j_fi)?;
        Ok(self)
    }

    /// Installs input weights (e.g. read back from a file): `J^GI` (N_G x n_in) and
    /// `J^FI` (N_F x n_in, only with a feedback network); either may be absent.
    pub fn set_input_weights(
        &mut self,
        n_in: usize,
        j_gi: Option<Csr>,
        j_fi: Option<Csr>,
    ) -> Result<(), CoreError> {
        let n = self.spec.n_g;
        if let Some(m) = &j_gi {
            if m.n_rows() != n || m.n_cols() != n_in {
                return Err(CoreError::Dimension {
                    what: "J_GI rows",
                    expected: n,
                    got: m.n_rows(),
                });
            }
        }
        match (&mut self.feedback, j_fi) {
            (Some(fb), Some(m)) => {
                if m.n_rows() != fb.spec.n_f || m.n_cols() != n_in {
                    return Err(CoreError::Dimension {
                        what: "J_FI rows",
                        expected: fb.spec.n_f,
                        got: m.n_rows(),
                    });
                }
                fb.j_fi = Some(m);
            }
            (None, Some(_)) => {
                return Err(CoreError::Inconsistent(
                    "J_FI given but the network has no feedback network".into(),
                ))
            }
            (_, None) => {}
        }
        self.j_gi = j_gi;
        self.n_in = n_in;
        self.input = vec![0.0; n_in];
        self.extra = vec![0.0; n];
        Ok(())
    }

    /// Marks the units whose incoming `J^GG` weights are trained (architecture C):
    /// strictly increasing indices below `n_g`. Their rows are then read from the `f64`
    /// matrix at every step (so updates take effect at once), the other rows from the
    /// narrow copy. An empty list restores the untrained network.
    pub fn set_trained_rows(&mut self, units: &[u32]) -> Result<(), CoreError> {
        let n = self.spec.n_g;
        if units.windows(2).any(|p| p[0] >= p[1]) || units.iter().any(|&i| i as usize >= n) {
            return Err(CoreError::Inconsistent(format!(
                "trained units must be strictly increasing unit indices below n_g = {n}"
            )));
        }
        self.trained_rows = units.to_vec();
        if units.is_empty() {
            self.fixed = None;
            self.hot = HotCsr::new(&self.j_gg);
        } else {
            let fixed = self.j_gg.without_rows(units);
            self.hot = HotCsr::new(&fixed);
            self.fixed = Some(fixed);
            self.extra = vec![0.0; n];
        }
        Ok(())
    }

    /// The units whose incoming `J^GG` weights are trained (empty unless set).
    pub fn trained_rows(&self) -> &[u32] {
        &self.trained_rows
    }

    /// The incoming `J^GG` weights of trained unit `unit` (without the gain), to be
    /// updated in place; `None` if the unit is not in [`Network::trained_rows`].
    pub fn trained_row_mut(&mut self, unit: u32) -> Option<&mut [f64]> {
        self.trained_rows.binary_search(&unit).ok()?;
        Some(self.j_gg.row_data_mut(unit as usize))
    }

    /// The feedback network (architecture B), if any.
    pub fn feedback_network(&self) -> Option<&FeedbackNetwork> {
        self.feedback.as_ref()
    }

    /// The trained weights `J^FG` of the feedback network (without the gain), to be
    /// updated in place; `None` without a feedback network.
    pub fn j_fg_mut(&mut self) -> Option<&mut Csr> {
        self.feedback.as_mut().map(|f| &mut f.j_fg)
    }

    /// Input weights onto the generator `J^GI` (N_G x N_I), if any.
    pub fn j_gi(&self) -> Option<&Csr> {
        self.j_gi.as_ref()
    }

    /// Number of input lines N_I (0 without inputs).
    pub fn n_in(&self) -> usize {
        self.n_in
    }

    /// The current input values I (length N_I).
    pub fn input(&self) -> &[f64] {
        &self.input
    }

    /// Sets the input values that the next steps use (the input at the start of the step,
    /// `I(t_{n-1})`, as forward Euler reads every right-hand-side term there).
    pub fn set_input(&mut self, input: &[f64]) {
        assert_eq!(input.len(), self.n_in, "input has wrong length");
        self.input.copy_from_slice(input);
    }

    /// Advances one step of forward Euler using the current readouts as feedback.
    ///
    /// `x <- x + (dt/tau)(-x + g_GG J^GG r + g_Gz J^Gz z)` with the previous `r` and `z`,
    /// then `r = tanh(x)`, then `z = w . r`. Allocation-free.
    pub fn step(&mut self) {
        self.step_in(&Serial);
    }

    /// [`Network::step`] with the rows split into blocks that `exec` runs (e.g. on a
    /// thread pool). The result is the same, bit for bit, for every executor.
    /// Allocation-free.
    pub fn step_in<E: Executor>(&mut self, exec: &E) {
        // Move z out so the same code path serves both step variants without copying.
        let z = std::mem::take(&mut self.z);
        self.integrate(&z, exec);
        self.z = z;
        self.compute_readouts();
    }

    /// Like [`Network::step`] but feeds back `feedback` (one value per output) instead of
    /// `z`, e.g. teacher forcing or a mixture of target and output.
    pub fn step_with_feedback(&mut self, feedback: &[f64]) {
        self.step_with_feedback_in(feedback, &Serial);
    }

    /// [`Network::step_with_feedback`] with an executor (see [`Network::step_in`]).
    pub fn step_with_feedback_in<E: Executor>(&mut self, feedback: &[f64], exec: &E) {
        assert_eq!(feedback.len(), self.spec.n_out, "feedback has wrong length");
        self.integrate(feedback, exec);
        self.compute_readouts();
    }

    fn integrate<E: Executor>(&mut self, feedback: &[f64], exec: &E) {
        let n = self.spec.n_g;
        std::mem::swap(&mut self.r, &mut self.r_prev);
        if !self.extra.is_empty() {
            self.compute_extra();
        }
        let kernel = StepKernel {
            j_gg: self.fixed.as_ref().unwrap_or(&self.j_gg),
            hot: &self.hot,
            j_gz: &self.j_gz,
            r_old: &self.r_prev,
            feedback,
            extra: &self.extra,
            a: self.spec.dt_ms / self.spec.tau_ms,
            g_gg: self.spec.g_gg,
            g_gz: self.spec.g_gz,
        };
        let n_blocks = exec.blocks().clamp(1, MAX_BLOCKS).min(n);
        let mut blocks: [RowBlock<'_>; MAX_BLOCKS] = Default::default();
        let indptr = kernel.j_gg.indptr();
        let nnz = indptr[n];
        let mut rest_x: &mut [f64] = &mut self.x;
        let mut rest_r: &mut [f64] = &mut self.r[..n];
        let mut start = 0;
        for (b, block) in blocks.iter_mut().enumerate().take(n_blocks) {
            // Rows balanced by stored entries.
            let end = if b + 1 == n_blocks {
                n
            } else {
                let want = nnz * (b + 1) / n_blocks;
                start + indptr[start..n].partition_point(|&p| p < want)
            };
            let (x, tx) = std::mem::take(&mut rest_x).split_at_mut(end - start);
            let (r, tr) = std::mem::take(&mut rest_r).split_at_mut(end - start);
            rest_x = tx;
            rest_r = tr;
            *block = RowBlock {
                first_row: start,
                x,
                r,
                finite: true,
            };
            start = end;
        }
        let arch = self.arch;
        exec.for_each(&mut blocks[..n_blocks], &|block: &mut RowBlock<'_>| {
            arch.dispatch(StepOp {
                kernel: &kernel,
                block,
            });
        });
        self.finite = blocks[..n_blocks].iter().all(|b| b.finite);
        if let Some(fb) = &mut self.feedback {
            let a = self.spec.dt_ms / self.spec.tau_ms;
            self.finite &= fb.step(a, &self.r_prev[..n], &self.input);
        }
    }

    /// The drive besides `J^GG r` and `J^Gz z`, from the previous rates:
    /// `g_GF J^GF s + J^GI I`, plus `g_GG (J^GG r)_i` for trained rows.
    fn compute_extra(&mut self) {
        let n = self.spec.n_g;
        let r_old = &self.r_prev[..n];
        match (&self.feedback, &self.j_gi) {
            (None, None) => self.extra.fill(0.0),
            (fb, gi) => {
                for (i, e) in self.extra.iter_mut().enumerate() {
                    let mut v = 0.0;
                    if let Some(fb) = fb {
                        v += fb.spec.g_gf * fb.j_gf.row_dot(i, &fb.s);
                    }
                    if let Some(m) = gi {
                        v += m.row_dot(i, &self.input);
                    }
                    *e = v;
                }
            }
        }
        let g = self.spec.g_gg;
        for &i in &self.trained_rows {
            let i = i as usize;
            self.extra[i] += g * self.j_gg.row_dot(i, r_old);
        }
    }

    /// Recomputes `z = w . r` for every output.
    pub fn compute_readouts(&mut self) {
        let n = self.spec.n_g;
        for k in 0..self.spec.n_out {
            self.z[k] = dot(&self.w[k * n..(k + 1) * n], &self.r[..n]);
        }
        self.finite &= self.z.iter().all(|v| v.is_finite());
    }

    /// False once the state or an output became NaN or infinite.
    pub fn is_finite(&self) -> bool {
        self.finite
    }

    /// The parameters.
    pub fn spec(&self) -> &GeneratorSpec {
        &self.spec
    }
    /// J^GG without the gain.
    pub fn j_gg(&self) -> &Csr {
        &self.j_gg
    }
    /// J^Gz, row-major N_G x N_out.
    pub fn j_gz(&self) -> &[f64] {
        &self.j_gz
    }
    /// Units with trainable readout weights (strictly increasing).
    pub fn readout_units(&self) -> &[u32] {
        &self.readout_units
    }
    /// Readout weights, output-major (`w[k * n_g + i]`).
    pub fn w(&self) -> &[f64] {
        &self.w
    }
    /// Mutable readout weights (learning rules write here).
    pub fn w_mut(&mut self) -> &mut [f64] {
        &mut self.w
    }
    /// The weights of output `k`.
    pub fn w_output(&self, k: usize) -> &[f64] {
        let n = self.spec.n_g;
        &self.w[k * n..(k + 1) * n]
    }
    /// Membrane potentials x.
    pub fn x(&self) -> &[f64] {
        &self.x
    }
    /// Rates r = tanh(x).
    pub fn r(&self) -> &[f64] {
        &self.r[..self.spec.n_g]
    }

    /// Bytes of the connectivity as the step reads it: `J^GG` (CSR, f64 values, u32
    /// indices, row pointers), its narrow copy and `J^Gz`.
    pub fn connectivity_bytes(&self) -> usize {
        let csr = |m: &Csr| m.nnz() * (8 + 4) + m.indptr().len() * 8;
        let mut bytes = csr(&self.j_gg) + self.hot.bytes() + self.j_gz.len() * 8;
        bytes += self.fixed.as_ref().map_or(0, csr) + self.j_gi.as_ref().map_or(0, csr);
        if let Some(fb) = &self.feedback {
            bytes += csr(&fb.j_ff) + csr(&fb.j_fg) + csr(&fb.j_gf);
            bytes += fb.j_fi.as_ref().map_or(0, csr);
        }
        bytes
    }
    /// Readouts z.
    pub fn z(&self) -> &[f64] {
        &self.z
    }
    /// Replaces the state (x and z); r is recomputed.
    pub fn set_state(&mut self, x: &[f64], z: &[f64]) -> Result<(), CoreError> {
        check_len("x", self.x.len(), x.len())?;
        check_len("z", self.z.len(), z.len())?;
        self.x.copy_from_slice(x);
        self.z.copy_from_slice(z);
        tanh_slice(&self.x, &mut self.r[..self.spec.n_g]);
        self.finite = self.x.iter().chain(&self.z).all(|v| v.is_finite());
        Ok(())
    }

    /// Replaces the feedback network's state y (s is recomputed).
    pub fn set_feedback_state(&mut self, y: &[f64]) -> Result<(), CoreError> {
        let Some(fb) = &mut self.feedback else {
            return Err(CoreError::Inconsistent(
                "the network has no feedback network".into(),
            ));
        };
        check_len("y", fb.y.len(), y.len())?;
        fb.y.copy_from_slice(y);
        tanh_slice(&fb.y, &mut fb.s);
        self.finite &= y.iter().all(|v| v.is_finite());
        Ok(())
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), CoreError> {
    if expected == got {
        Ok(())
    } else {
        Err(CoreError::Dimension {
            what,
            expected,
            got,
        })
    }
}

/// Dot product with four accumulators (a plain `.sum()` does not vectorise).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    for (x, y) in ra.iter().zip(rb) {
        acc[0] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tanh::tanh;

    fn small(n: usize) -> GeneratorSpec {
        GeneratorSpec {
            n_g: n,
            ..GeneratorSpec::paper(2)
        }
    }

    #[test]
    fn same_seed_same_network() {
        let a = Network::build(small(50), 3).expect("build");
        let b = Network::build(small(50), 3).expect("build");
        let c = Network::build(small(50), 4).expect("build");
        assert_eq!(a.j_gg(), b.j_gg());
        assert_eq!(a.x(), b.x());
        assert_ne!(a.x(), c.x());
    }

    #[test]
    fn connectivity_statistics() {
        let net = Network::build(small(400), 1).expect("build");
        let nnz = net.j_gg().nnz() as f64;
        let expected = 0.1 * 400.0 * 400.0;
        assert!((nnz - expected).abs() < 4.0 * expected.sqrt(), "nnz {nnz}");
        let var: f64 = net.j_gg().data().iter().map(|v| v * v).sum::<f64>() / nnz;
        assert!((var * 0.1 * 400.0 - 1.0).abs() < 0.05, "variance {var}");
        assert!(net.j_gz().iter().all(|v| (-1.0..1.0).contains(v)));
    }

    #[test]
    fn euler_step_matches_formula() {
        let mut net = Network::build(small(30), 9).expect("build");
        let dense = net.j_gg().to_dense();
        let (x0, r0, z0) = (net.x().to_vec(), net.r().to_vec(), net.z().to_vec());
        net.w_mut()[5] = 0.3;
        net.step();
        let s = net.spec().clone();
        for i in 0..30 {
            let rec: f64 = (0..30).map(|j| dense[i * 30 + j] * r0[j]).sum();
            let fb: f64 = (0..2).map(|k| net.j_gz()[i * 2 + k] * z0[k]).sum();
            let want = x0[i] + s.dt_ms / s.tau_ms * (-x0[i] + s.g_gg * rec + s.g_gz * fb);
            assert!((net.x()[i] - want).abs() < 1e-12);
            assert_eq!(net.r()[i], tanh(net.x()[i]));
        }
        assert!((net.z()[0] - 0.3 * net.r()[5]).abs() < 1e-15);
        assert_eq!(net.z()[1], 0.0);
    }

    #[test]
    fn validation_names_the_parameter() {
        let mut s = small(10);
        s.dt_ms = 10.0;
        let e = s.validate().expect_err("dt >= tau");
        assert!(e.to_string().contains("dt_ms"));
        let mut s = small(10);
        s.p_gg = 0.0;
        assert!(s.validate().expect_err("p").to_string().contains("p_gg"));
        let mut s = small(10);
        s.n_g = 0;
        assert!(s.validate().is_err());
    }

    #[test]
    fn sparse_readout_selects_a_subset() {
        let s = GeneratorSpec {
            p_z: 0.3,
            w_init: InitialWeights::Gaussian,
            ..small(200)
        };
        let net = Network::build(s, 2).expect("build");
        let k = net.readout_units().len();
        assert!(k > 30 && k < 90, "{k}");
        let nonzero = net.w_output(0).iter().filter(|v| **v != 0.0).count();
        assert_eq!(nonzero, k);
    }

    #[test]
    fn a_silent_network_decays_to_exact_zero_without_subnormals() {
        let s = GeneratorSpec {
            g_gg: 0.0,
            g_gz: 0.0,
            ..small(20)
        };
        let mut net = Network::build(s, 1).expect("build");
        // x shrinks by 1 - dt/tau = 0.99 a step: below 1e-250 after about 57 300 steps.
        for _ in 0..70_000 {
            net.step();
            assert!(net.x().iter().all(|v| *v == 0.0 || v.abs() >= FLUSH_BELOW));
            assert!(net.r().iter().all(|v| !v.is_subnormal()));
        }
        assert!(net.x().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f64> = (0..13).map(|i| i as f64 * 0.5).collect();
        let b: Vec<f64> = (0..13).map(|i| 1.0 - i as f64).collect();
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-12);
    }
}
