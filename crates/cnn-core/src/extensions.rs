//! Architecture B's feedback network and the external inputs `I_mu` (Sussillo & Abbott
//! 2009, Fig. 1B and Fig. 7): their parameters, seeded construction and state.
//!
//! The generator receives `g_GF J^GF s + J^GI I` on top of its recurrent and readout
//! feedback; the feedback network (units `a`, rates `s_a = tanh(y_a)`) integrates
//! `tau dy/dt = -y + g_FF J^FF s + g_FG J^FG r + J^FI I`. [`crate::Network`] holds both and
//! steps them together (see [`crate::Network::with_feedback_network`] and
//! [`crate::Network::with_inputs`]). The code here does not use the `network` module,
//! which builds on this one (the step's shared `flush_tiny` lives in a module below both).

use crate::flush::flush_tiny;
use crate::seeds::{stream_rng, Stream};
use crate::tanh::tanh;
use crate::{CoreError, Csr};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Parameters of the feedback network of architecture B. Connectivities are drawn like
/// `J^GG`: entries kept with probability `p`, values Normal(0, 1/(p N_pre)) with `N_pre`
/// the presynaptic population (N_F for J^FF and J^GF, N_G for J^FG).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackSpec {
    /// Number of feedback units N_F (>= 1).
    pub n_f: usize,
    /// Connection probability of J^FF (feedback -> feedback), in (0, 1].
    pub p_ff: f64,
    /// Connection probability of J^FG (generator -> feedback, the trained weights), in (0, 1].
    pub p_fg: f64,
    /// Connection probability of J^GF (feedback -> generator), in (0, 1].
    pub p_gf: f64,
    /// Gain g_FF (>= 0).
    pub g_ff: f64,
    /// Gain g_FG (> 0: the trained weights are scaled by it).
    pub g_fg: f64,
    /// Gain g_GF (>= 0).
    pub g_gf: f64,
}

impl FeedbackSpec {
    /// The paper's Fig. 6B values: N_F = 95, p_FF = 0.25, p_FG = 0.025, p_GF = 0.25,
    /// g_FF = 1.2, g_FG = 1, g_GF = 1.
    pub fn fig6b() -> Self {
        Self {
            n_f: 95,
            p_ff: 0.25,
            p_fg: 0.025,
            p_gf: 0.25,
            g_ff: 1.2,
            g_fg: 1.0,
            g_gf: 1.0,
        }
    }

    /// Checks every range; the error names the parameter.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.n_f == 0 || self.n_f > u32::MAX as usize {
            return Err(CoreError::OutOfRange {
                name: "n_f",
                value: self.n_f.to_string(),
                allowed: "an integer >= 1 (architecture B needs a feedback network)".into(),
            });
        }
        for (name, p) in [
            ("p_ff", self.p_ff),
            ("p_fg", self.p_fg),
            ("p_gf", self.p_gf),
        ] {
            if !(p > 0.0 && p <= 1.0) {
                return Err(CoreError::OutOfRange {
                    name,
                    value: format!("{p}"),
                    allowed: "0 < p <= 1".into(),
                });
            }
        }
        for (name, g) in [("g_ff", self.g_ff), ("g_gf", self.g_gf)] {
            if !(g >= 0.0 && g.is_finite()) {
                return Err(CoreError::OutOfRange {
                    name,
                    value: format!("{g}"),
                    allowed: "g >= 0 (finite)".into(),
                });
            }
        }
        if !(self.g_fg > 0.0 && self.g_fg.is_finite()) {
            return Err(CoreError::OutOfRange {
                name: "g_fg",
                value: format!("{}", self.g_fg),
                allowed: "g_fg > 0 (finite): the trained J^FG is scaled by it".into(),
            });
        }
        Ok(())
    }
}

/// How an input matrix (`J^GI` or `J^FI`, one row per unit, one column per input) is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum InputWeights {
    /// Each row has exactly one nonzero entry, in a uniformly chosen column, drawn from
    /// Normal(0, sd^2) (the paper's default, sd = 1).
    OneHot {
        /// Standard deviation of the nonzero entry (> 0).
        sd: f64,
    },
    /// Dense: entry `(i, mu)` ~ Uniform(lo_mu, hi_mu), one range per input column (the
    /// Fig. 7 experiments: U(-2, 2) for initialisation inputs, U(-0.5, 0.5) for control
    /// inputs).
    Uniform {
        /// `(lo, hi)` per input column, `lo <= hi`.
        ranges: Vec<(f64, f64)>,
    },
    /// No connection.
    Disconnected,
}

/// The external inputs: how many, and how they reach the generator and the feedback
/// network.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// Number of input lines N_I (>= 1).
    pub n_in: usize,
    /// How `J^GI` is drawn.
    pub to_generator: InputWeights,
    /// How `J^FI` is drawn (ignored without a feedback network).
    pub to_feedback: InputWeights,
}

impl InputSpec {
    /// Checks every range; the error names the parameter.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.n_in == 0 || self.n_in > u32::MAX as usize {
            return Err(CoreError::OutOfRange {
                name: "n_in",
                value: self.n_in.to_string(),
                allowed: "an integer >= 1".into(),
            });
        }
        for w in [&self.to_generator, &self.to_feedback] {
            match w {
                InputWeights::OneHot { sd } => {
                    if !(*sd > 0.0 && sd.is_finite()) {
                        return Err(CoreError::OutOfRange {
                            name: "input sd",
                            value: format!("{sd}"),
                            allowed: "sd > 0 (finite)".into(),
                        });
                    }
                }
                InputWeights::Uniform { ranges } => {
                    if ranges.len() != self.n_in {
                        return Err(CoreError::Dimension {
                            what: "input weight ranges (one per input line)",
                            expected: self.n_in,
                            got: ranges.len(),
                        });
                    }
                    if let Some((lo, hi)) = ranges
                        .iter()
                        .find(|(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo <= hi))
                    {
                        return Err(CoreError::OutOfRange {
                            name: "input weight range",
                            value: format!("[{lo}, {hi}]"),
                            allowed: "finite lo <= hi".into(),
                        });
                    }
                }
                InputWeights::Disconnected => {}
            }
        }
        Ok(())
    }
}

/// Draws an input matrix with `n_rows` rows and `n_in` columns.
pub(crate) fn draw_input_matrix<R: Rng>(
    weights: &InputWeights,
    n_rows: usize,
    n_in: usize,
    rng: &mut R,
) -> Result<Option<Csr>, CoreError> {
    match weights {
        InputWeights::Disconnected => Ok(None),
        InputWeights::OneHot { sd } => {
            let mut indices = Vec::with_capacity(n_rows);
            let mut data = Vec::with_capacity(n_rows);
            for _ in 0..n_rows {
                indices.push(rng.random_range(0..n_in) as u32);
                let v: f64 = StandardNormal.sample(rng);
                data.push(v * sd);
            }
            Csr::from_parts(n_rows, n_in, (0..=n_rows).collect(), indices, data).map(Some)
        }
        InputWeights::Uniform { ranges } => {
            let mut indices = Vec::with_capacity(n_rows * n_in);
            let mut data = Vec::with_capacity(n_rows * n_in);
            for _ in 0..n_rows {
                for (mu, &(lo, hi)) in ranges.iter().enumerate() {
                    let u: f64 = rng.random();
                    indices.push(mu as u32);
                    data.push(lo + (hi - lo) * u);
                }
            }
            let indptr = (0..=n_rows).map(|i| i * n_in).collect();
            Csr::from_parts(n_rows, n_in, indptr, indices, data).map(Some)
        }
    }
}

/// The feedback network of architecture B: connectivity and state.
#[derive(Debug, Clone)]
pub struct FeedbackNetwork {
    pub(crate) spec: FeedbackSpec,
    pub(crate) j_ff: Csr,
    pub(crate) j_fg: Csr,
    pub(crate) j_gf: Csr,
    pub(crate) j_fi: Option<Csr>,
    pub(crate) y: Vec<f64>,
    pub(crate) s: Vec<f64>,
    pub(crate) s_prev: Vec<f64>,
}

impl FeedbackNetwork {
    /// Draws the feedback network of a generator of `n_g` units from `seed` (streams 7-10,
    /// see [`crate::seeds`]).
    pub(crate) fn build(spec: FeedbackSpec, n_g: usize, seed: u64) -> Result<Self, CoreError> {
        spec.validate()?;
        let n_f = spec.n_f;
        let j_ff = Csr::random(
            n_f,
            n_f,
            spec.p_ff,
            1.0 / (spec.p_ff * n_f as f64).sqrt(),
            false,
            &mut stream_rng(seed, Stream::Jff),
        )?;
        let j_fg = Csr::random(
            n_f,
            n_g,
            spec.p_fg,
            1.0 / (spec.p_fg * n_g as f64).sqrt(),
            false,
            &mut stream_rng(seed, Stream::Jfg),
        )?;
        let j_gf = Csr::random(
            n_g,
            n_f,
            spec.p_gf,
            1.0 / (spec.p_gf * n_f as f64).sqrt(),
            false,
            &mut stream_rng(seed, Stream::Jgf),
        )?;
        let mut rng = stream_rng(seed, Stream::InitialY);
        let y: Vec<f64> = (0..n_f)
            .map(|_| {
                let v: f64 = StandardNormal.sample(&mut rng);
                0.5 * v
            })
            .collect();
        let s: Vec<f64> = y.iter().map(|v| tanh(*v)).collect();
        Ok(Self {
            spec,
            j_ff,
            j_fg,
            j_gf,
            j_fi: None,
            s_prev: vec![0.0; n_f],
            y,
            s,
        })
    }

    /// Assembles a feedback network from stored parts; `s = tanh(y)`.
    pub fn from_parts(
        spec: FeedbackSpec,
        j_ff: Csr,
        j_fg: Csr,
        j_gf: Csr,
        j_fi: Option<Csr>,
        y: Vec<f64>,
    ) -> Result<Self, CoreError> {
        spec.validate()?;
        let n_f = spec.n_f;
        let dims = [
            ("J_FF rows", j_ff.n_rows(), n_f),
            ("J_FF columns", j_ff.n_cols(), n_f),
            ("J_FG rows", j_fg.n_rows(), n_f),
            ("J_GF columns", j_gf.n_cols(), n_f),
            ("y", y.len(), n_f),
        ];
        for (what, got, expected) in dims {
            if got != expected {
                return Err(CoreError::Dimension {
                    what,
                    expected,
                    got,
                });
            }
        }
        if let Some(m) = &j_fi {
            if m.n_rows() != n_f {
                return Err(CoreError::Dimension {
                    what: "J_FI rows",
                    expected: n_f,
                    got: m.n_rows(),
                });
            }
        }
        let s = y.iter().map(|v| tanh(*v)).collect();
        Ok(Self {
            spec,
            j_ff,
            j_fg,
            j_gf,
            j_fi,
            s_prev: vec![0.0; n_f],
            y,
            s,
        })
    }

    /// The parameters.
    pub fn spec(&self) -> &FeedbackSpec {
        &self.spec
    }
    /// J^FF (N_F x N_F), without the gain.
    pub fn j_ff(&self) -> &Csr {
        &self.j_ff
    }
    /// J^FG (N_F x N_G, the trained weights), without the gain.
    pub fn j_fg(&self) -> &Csr {
        &self.j_fg
    }
    /// J^GF (N_G x N_F), without the gain.
    pub fn j_gf(&self) -> &Csr {
        &self.j_gf
    }
    /// J^FI (N_F x N_I), if the feedback network receives the inputs.
    pub fn j_fi(&self) -> Option<&Csr> {
        self.j_fi.as_ref()
    }
    /// Membrane potentials y.
    pub fn y(&self) -> &[f64] {
        &self.y
    }
    /// Rates s = tanh(y).
    pub fn s(&self) -> &[f64] {
        &self.s
    }

    /// One forward-Euler step with `a = dt / tau`, the generator's previous rates `r_prev`
    /// and the inputs `input`: `y <- y + a (-y + g_FF J^FF s + g_FG J^FG r + J^FI I)` with
    /// the previous `s`, then `s = tanh(y)`. Returns false if `y` became non-finite.
    pub(crate) fn step(&mut self, a: f64, r_prev: &[f64], input: &[f64]) -> bool {
        std::mem::swap(&mut self.s, &mut self.s_prev);
        let sp = &self.spec;
        let mut finite = true;
        for (i, (yi, si)) in self.y.iter_mut().zip(self.s.iter_mut()).enumerate() {
            let mut drive = sp.g_ff * self.j_ff.row_dot(i, &self.s_prev)
                + sp.g_fg * self.j_fg.row_dot(i, r_prev);
            if let Some(m) = &self.j_fi {
                drive += m.row_dot(i, input);
            }
            let y0 = *yi;
            let yn = flush_tiny(y0 + a * (-y0 + drive));
            finite &= yn.is_finite();
            *yi = yn;
            *si = tanh(yn);
        }
        finite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GeneratorSpec, Network};

    fn fb_spec() -> FeedbackSpec {
        FeedbackSpec {
            n_f: 7,
            p_ff: 0.5,
            p_fg: 0.3,
            p_gf: 0.4,
            g_ff: 1.2,
            g_fg: 0.9,
            g_gf: 1.1,
        }
    }

    #[test]
    fn both_networks_step_as_the_equations() {
        let spec = GeneratorSpec {
            n_g: 30,
            ..GeneratorSpec::paper(1)
        };
        let ispec = InputSpec {
            n_in: 3,
            to_generator: InputWeights::OneHot { sd: 1.0 },
            to_feedback: InputWeights::Uniform {
                ranges: vec![(-0.5, 0.5); 3],
            },
        };
        let mut net = Network::build(spec, 2)
            .expect("build")
            .with_feedback_network(fb_spec(), 2)
            .expect("fb")
            .with_inputs(ispec, 2)
            .expect("inputs");
        let input = [0.3, -1.0, 2.0];
        net.set_input(&input);
        let fb = net.feedback_network().expect("fb").clone();
        let (jgg, jgz) = (net.j_gg().to_dense(), net.j_gz().to_vec());
        let (jgf, jfg, jff) = (
            fb.j_gf().to_dense(),
            fb.j_fg().to_dense(),
            fb.j_ff().to_dense(),
        );
        let jgi = net.j_gi().expect("J_GI").to_dense();
        let jfi = fb.j_fi().expect("J_FI").to_dense();
        let (x0, r0, z0, y0, s0) = (
            net.x().to_vec(),
            net.r().to_vec(),
            net.z().to_vec(),
            fb.y().to_vec(),
            fb.s().to_vec(),
        );
        net.step();
        let s = net.spec().clone();
        let a = s.dt_ms / s.tau_ms;
        let (n, nf) = (30, 7);
        for i in 0..n {
            let rec: f64 = (0..n).map(|j| jgg[i * n + j] * r0[j]).sum();
            let gf: f64 = (0..nf).map(|b| jgf[i * nf + b] * s0[b]).sum();
            let inp: f64 = (0..3).map(|m| jgi[i * 3 + m] * input[m]).sum();
            let want =
                x0[i] + a * (-x0[i] + s.g_gg * rec + s.g_gz * jgz[i] * z0[0] + 1.1 * gf + inp);
            assert!((net.x()[i] - want).abs() < 1e-12);
        }
        let fb1 = net.feedback_network().expect("fb");
        for b in 0..nf {
            let ff: f64 = (0..nf).map(|c| jff[b * nf + c] * s0[c]).sum();
            let fg: f64 = (0..n).map(|j| jfg[b * n + j] * r0[j]).sum();
            let inp: f64 = (0..3).map(|m| jfi[b * 3 + m] * input[m]).sum();
            let want = y0[b] + a * (-y0[b] + 1.2 * ff + 0.9 * fg + inp);
            assert!((fb1.y()[b] - want).abs() < 1e-12);
            assert_eq!(fb1.s()[b], tanh(fb1.y()[b]));
        }
        // One-hot: exactly one nonzero per row; uniform: dense within its range.
        let gi = net.j_gi().expect("J_GI");
        assert!((0..n).all(|i| gi.row(i).0.len() == 1));
        assert!(jfi.iter().all(|v| (-0.5..0.5).contains(v)));
    }

    #[test]
    fn trained_rows_read_the_f64_matrix_and_match_the_plain_step() {
        let spec = GeneratorSpec {
            n_g: 50,
            ..GeneratorSpec::paper(1)
        };
        let mut plain = Network::build(spec, 4).expect("build");
        let mut trained = plain.clone();
        trained.set_trained_rows(&[3, 10, 49]).expect("rows");
        for _ in 0..20 {
            plain.step();
            trained.step();
        }
        for (p, t) in plain.x().iter().zip(trained.x()) {
            assert!((p - t).abs() < 1e-12);
        }
        // A change to a trained row takes effect at the next step; other rows refuse.
        trained.trained_row_mut(10).expect("trained")[0] += 1.0;
        assert!(trained.trained_row_mut(11).is_none());
        let mut copy = trained.clone();
        copy.trained_row_mut(10).expect("trained")[0] -= 1.0;
        trained.step();
        copy.step();
        assert_ne!(trained.x()[10], copy.x()[10]);
        assert_eq!(trained.x()[11], copy.x()[11]);
    }

    #[test]
    fn specs_are_validated() {
        let mut f = fb_spec();
        f.n_f = 0;
        assert!(f.validate().expect_err("n_f").to_string().contains("n_f"));
        let mut f = fb_spec();
        f.p_fg = 1.5;
        assert!(f.validate().expect_err("p").to_string().contains("p_fg"));
        let i = InputSpec {
            n_in: 2,
            to_generator: InputWeights::Uniform {
                ranges: vec![(0.0, 1.0)],
            },
            to_feedback: InputWeights::Disconnected,
        };
        assert!(i.validate().is_err());
    }
}
