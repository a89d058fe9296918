//! Plain data mirrors of what a run file holds.
//!
//! These types carry no behaviour beyond small conversions; [`crate::write_run`] stores
//! them and [`crate::read_run`] gives them back ([`RunRecord::same_as`] the record
//! written: see the crate documentation, "Round trip"). All matrices are flat `Vec<f64>` in
//! row-major order with the shape stated on each field (the same order as the HDF5
//! datasets, so `z[t * n_out + k]` is output `k` at row `t`).

use cnn_core::{
    CoreError, Csr, FeedbackNetwork, FeedbackSpec, GeneratorSpec, InitialWeights, Network, Phase,
};

use crate::IoError;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// All phases ran to their end.
    Complete,
    /// The state became NaN or infinite and the run stopped early.
    Diverged {
        /// What diverged and when, for the user.
        message: String,
    },
    /// The run was stopped from outside (a cancellation) before its end. `cnn run` does
    /// not write such a run (it writes a checkpoint instead); a program that assembles a
    /// record from a stopped trainer records it with this status, never as diverged.
    Interrupted {
        /// When, for the user.
        message: String,
    },
}

impl RunStatus {
    /// The value of the root attribute `status`: `"complete"`, `"diverged"` or
    /// `"interrupted"`.
    pub fn name(&self) -> &'static str {
        match self {
            RunStatus::Complete => "complete",
            RunStatus::Diverged { .. } => "diverged",
            RunStatus::Interrupted { .. } => "interrupted",
        }
    }

    /// The value of the root attribute `status_message` (empty when complete).
    pub fn message(&self) -> &str {
        match self {
            RunStatus::Complete => "",
            RunStatus::Diverged { message } | RunStatus::Interrupted { message } => message,
        }
    }
}

/// Provenance of a run: which program, which configuration, which seed, how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeta {
    /// Version of the cnn program that wrote the file.
    pub cnn_version: String,
    /// The complete, validated configuration as TOML (everything needed to rerun).
    pub config_toml: String,
    /// The master seed.
    pub seed: u64,
    /// How the run ended.
    pub status: RunStatus,
}

/// The generator network: parameters, connectivity, readout units and weights.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRecord {
    /// Number of generator units N_G.
    pub n_g: usize,
    /// Number of readouts N_out.
    pub n_out: usize,
    /// Scalar parameters stored as attributes on `/network`, in the order of
    /// [`NetworkRecord::PARAM_NAMES`] (then any others, sorted by name).
    pub params: Vec<(String, f64)>,
    /// J^GG without the gain g_GG; row = postsynaptic unit.
    pub j_gg: Csr,
    /// J^Gz, N_G x N_out row-major.
    pub j_gz: Vec<f64>,
    /// Units with trainable readout weights (strictly increasing).
    pub readout_units: Vec<u32>,
    /// x at t = 0 (length N_G).
    pub x_initial: Vec<f64>,
    /// z at t = 0 (length N_out).
    pub z_initial: Vec<f64>,
    /// Readout weights at t = 0, N_G x N_out row-major.
    pub w_initial: Vec<f64>,
    /// Readout weights at the end of the run, N_G x N_out row-major.
    pub w_final: Vec<f64>,
    /// Number of external input lines N_I (0 without inputs; attribute `n_in`, absent
    /// when 0).
    pub n_in: usize,
    /// Input weights onto the generator J^GI, N_G x N_I (`/network/J_GI`), if any.
    pub j_gi: Option<Csr>,
    /// Architecture B's feedback network (`/network/feedback`), if any.
    pub feedback: Option<FeedbackRecord>,
    /// Units whose incoming J^GG row is trained (architecture C), strictly increasing;
    /// empty when J^GG is not trained (dataset `trained_units`, absent when empty).
    pub trained_units: Vec<u32>,
    /// J^GG (without the gain) at the end of the run (`/network/J_GG_final`); `Some`
    /// exactly when `trained_units` is non-empty. `j_gg` stays the initial matrix.
    pub j_gg_final: Option<Csr>,
}

/// Architecture B's feedback network as stored under `/network/feedback`: parameters,
/// connectivity (without the gains), the trained J^FG at the start and end of the run,
/// and the initial state.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRecord {
    /// Parameters (N_F, connection probabilities, gains), the group's attributes.
    pub spec: FeedbackSpec,
    /// J^FF, N_F x N_F.
    pub j_ff: Csr,
    /// J^GF, N_G x N_F.
    pub j_gf: Csr,
    /// J^FG at t = 0, N_F x N_G.
    pub j_fg_initial: Csr,
    /// J^FG at the end of the run (trained), N_F x N_G.
    pub j_fg_final: Csr,
    /// J^FI, N_F x N_I, if the feedback network receives the inputs.
    pub j_fi: Option<Csr>,
    /// y at t = 0 (length N_F).
    pub y_initial: Vec<f64>,
}

/// Which connectivity [`NetworkRecord::network_with`] rebuilds a network with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    /// The matrices at t = 0: `J_GG` and `J_FG_initial` (the state of the spontaneous and
    /// train phases' start).
    Initial,
    /// The matrices at the end of the run: `J_GG_final` (architecture C) and
    /// `J_FG_final` (architecture B); the state of the test phase's start.
    Final,
}

/// What a run changes, captured from the network before the run: the state x, z, y, the
/// readout weights, and the trained parts of the connectivity (J^FG of architecture B,
/// the trained rows of J^GG of architecture C). Small next to the connectivity, so a
/// caller can hold it during the run and build the [`NetworkRecord`] afterwards with
/// [`NetworkRecord::from_run`], without ever copying the fixed connectivity twice.
#[derive(Debug, Clone, PartialEq)]
pub struct InitialState {
    x: Vec<f64>,
    z: Vec<f64>,
    /// N_G x N_out row-major.
    w: Vec<f64>,
    y: Option<Vec<f64>>,
    j_fg: Option<Csr>,
    trained_units: Vec<u32>,
    /// The values of the trained rows of J^GG, concatenated in `trained_units` order.
    trained_values: Vec<f64>,
}

impl InitialState {
    /// Captures `net` as it is now (call it after the network is fully assembled, i.e.
    /// after adding the feedback network, the inputs and the trained rows, and before
    /// the first step).
    pub fn capture(net: &Network) -> Self {
        let s = net.spec();
        let j_gg = net.j_gg();
        let trained_units = net.trained_rows().to_vec();
        let trained_values = trained_units
            .iter()
            .flat_map(|&i| j_gg.row(i as usize).1.iter().copied())
            .collect();
        Self {
            x: net.x().to_vec(),
            z: net.z().to_vec(),
            w: w_to_row_major(net.w(), s.n_g, s.n_out),
            y: net.feedback_network().map(|fb| fb.y().to_vec()),
            j_fg: net.feedback_network().map(|fb| fb.j_fg().clone()),
            trained_units,
            trained_values,
        }
    }
}

/// An [`IoError`] for a record that does not fit a network.
fn inconsistent(reason: String) -> IoError {
    IoError::Network(CoreError::Inconsistent(reason))
}

impl NetworkRecord {
    /// The parameters [`NetworkRecord::from_network`] stores, in this order.
    pub const PARAM_NAMES: [&'static str; 6] = ["p_gg", "g_gg", "g_gz", "p_z", "tau_ms", "dt_ms"];

    /// Attributes of `/network` that are not model parameters (no parameter may take
    /// these names).
    pub const RESERVED_ATTRS: [&'static str; 4] = ["n_g", "n_out", "n_in", "architecture"];

    /// Captures a network as it is now: parameters, connectivity, and the current x, z,
    /// y and w as the initial values. The final parts (`w_final`, `J_FG_final`,
    /// `J_GG_final`) equal the initial ones until [`NetworkRecord::set_final`] is called
    /// with the network after the run.
    ///
    /// With the feedback network, inputs and trained rows of `net` (see the fields).
    pub fn from_network(net: &Network) -> Self {
        let s = net.spec();
        let w = w_to_row_major(net.w(), s.n_g, s.n_out);
        let params = Self::PARAM_NAMES
            .iter()
            .zip([s.p_gg, s.g_gg, s.g_gz, s.p_z, s.tau_ms, s.dt_ms])
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        let trained_units = net.trained_rows().to_vec();
        Self {
            n_g: s.n_g,
            n_out: s.n_out,
            params,
            j_gg: net.j_gg().clone(),
            j_gz: net.j_gz().to_vec(),
            readout_units: net.readout_units().to_vec(),
            x_initial: net.x().to_vec(),
            z_initial: net.z().to_vec(),
            w_initial: w.clone(),
            w_final: w,
            n_in: net.n_in(),
            j_gi: net.j_gi().cloned(),
            feedback: net.feedback_network().map(|fb| FeedbackRecord {
                spec: fb.spec().clone(),
                j_ff: fb.j_ff().clone(),
                j_gf: fb.j_gf().clone(),
                j_fg_initial: fb.j_fg().clone(),
                j_fg_final: fb.j_fg().clone(),
                j_fi: fb.j_fi().cloned(),
                y_initial: fb.y().to_vec(),
            }),
            j_gg_final: (!trained_units.is_empty()).then(|| net.j_gg().clone()),
            trained_units,
        }
    }

    /// Sets the final parts from `net` after the run: `w_final`, and `J_FG_final`
    /// (architecture B) and `J_GG_final` (trained rows) when the record has them.
    pub fn set_final(&mut self, net: &Network) {
        let s = net.spec();
        self.w_final = w_to_row_major(net.w(), s.n_g, s.n_out);
        if let (Some(rec), Some(fb)) = (self.feedback.as_mut(), net.feedback_network()) {
            rec.j_fg_final = fb.j_fg().clone();
        }
        if !self.trained_units.is_empty() {
            self.j_gg_final = Some(net.j_gg().clone());
        }
    }

    /// The record of a finished run, from the `initial` state captured before it and
    /// the network after it: the fixed connectivity and the final parts come from `net`,
    /// the initial state, weights, J^FG and trained J^GG rows from `initial`.
    ///
    /// Fails if `initial` was captured from another network (other sizes, another
    /// feedback network or other trained rows).
    pub fn from_run(initial: InitialState, net: &Network) -> Result<Self, IoError> {
        let s = net.spec();
        let (n, k) = (s.n_g, s.n_out);
        if initial.x.len() != n
            || initial.z.len() != k
            || initial.w.len() != n * k
            || initial.trained_units != net.trained_rows()
            || initial.y.is_some() != net.feedback_network().is_some()
        {
            return Err(inconsistent(
                "the initial state was captured from another network".into(),
            ));
        }
        let mut rec = Self::from_network(net);
        rec.x_initial = initial.x;
        rec.z_initial = initial.z;
        rec.w_initial = initial.w;
        if let (Some(fb), Some(y), Some(j_fg)) = (rec.feedback.as_mut(), initial.y, initial.j_fg) {
            if j_fg.n_rows() != fb.j_fg_final.n_rows() || j_fg.n_cols() != n {
                return Err(inconsistent(
                    "the initial J^FG does not fit the network's feedback network".into(),
                ));
            }
            fb.y_initial = y;
            fb.j_fg_initial = j_fg;
        }
        if !initial.trained_units.is_empty() {
            // J_GG_final is the current matrix (from_network); J_GG is it with the
            // trained rows put back to their initial values.
            let mut values = initial.trained_values.as_slice();
            for &i in &initial.trained_units {
                let row = rec.j_gg.row_data_mut(i as usize);
                if values.len() < row.len() {
                    return Err(inconsistent(
                        "the initial trained J^GG rows do not fit the network".into(),
                    ));
                }
                let (head, rest) = values.split_at(row.len());
                row.copy_from_slice(head);
                values = rest;
            }
            if !values.is_empty() {
                return Err(inconsistent(
                    "the initial trained J^GG rows do not fit the network".into(),
                ));
            }
        }
        Ok(rec)
    }

    /// The architecture stored in the attribute `architecture`: `"B"` with a feedback
    /// network, `"C"` with trained J^GG rows and no feedback network, `"A"` otherwise.
    pub fn architecture(&self) -> &'static str {
        if self.feedback.is_some() {
            "B"
        } else if !self.trained_units.is_empty() {
            "C"
        } else {
            "A"
        }
    }

    /// The value of parameter `name`, if stored.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }

    /// Rebuilds the network with the given state and weights (`w` N_G x N_out row-major)
    /// and the initial connectivity, e.g. a phase's `x_start`, `z_start`, `w_start` to
    /// re-simulate a phase that starts before any training. The feedback network (if
    /// any) starts from `y_initial`; the inputs are 0 until set. Same as
    /// [`NetworkRecord::network_with`] with [`Connectivity::Initial`] and no `y`.
    ///
    /// Fails if a parameter of [`NetworkRecord::PARAM_NAMES`] is absent or a part has the
    /// wrong size.
    pub fn network_at(&self, x: &[f64], z: &[f64], w: &[f64]) -> Result<Network, IoError> {
        self.network_with(x, z, w, None, Connectivity::Initial)
    }

    /// Rebuilds the network at the start of `phase` (its `x_start`, `z_start`,
    /// `w_start`, `y_start`): with the initial connectivity for the spontaneous and
    /// train phases, with the final one (trained J^FG, J^GG) for the test phase. Stepping
    /// it outside training (setting the recorded `inputs` row by row before each step)
    /// reproduces the phase's traces.
    pub fn network_at_phase(&self, phase: &PhaseRecord) -> Result<Network, IoError> {
        let connectivity = match phase.phase {
            Phase::Spontaneous | Phase::Train => Connectivity::Initial,
            Phase::Test => Connectivity::Final,
        };
        if self.feedback.is_some() && phase.y_start.is_none() {
            return Err(inconsistent(format!(
                "phase {} has no y_start for the feedback network",
                phase.phase.name()
            )));
        }
        self.network_with(
            &phase.x_start,
            &phase.z_start,
            &phase.w_start,
            phase.y_start.as_deref(),
            connectivity,
        )
    }

    /// Rebuilds the network with state `x`, `z`, `y` (the feedback network's state;
    /// `None`: `y_initial`), readout weights `w` (N_G x N_out row-major) and the chosen
    /// connectivity, with the feedback network, input weights and trained rows of the
    /// record. The input values start at 0.
    pub fn network_with(
        &self,
        x: &[f64],
        z: &[f64],
        w: &[f64],
        y: Option<&[f64]>,
        connectivity: Connectivity,
    ) -> Result<Network, IoError> {
        let get = |name: &'static str| {
            self.param(name).ok_or_else(|| {
                inconsistent(format!(
                    "parameter {name} is missing from the network record"
                ))
            })
        };
        let spec = GeneratorSpec {
            n_g: self.n_g,
            p_gg: get("p_gg")?,
            g_gg: get("g_gg")?,
            g_gz: get("g_gz")?,
            p_z: get("p_z")?,
            n_out: self.n_out,
            tau_ms: get("tau_ms")?,
            dt_ms: get("dt_ms")?,
            // Irrelevant here: the weights are given.
            w_init: InitialWeights::Zero,
        };
        if w.len() != self.n_g * self.n_out {
            return Err(IoError::Network(CoreError::Dimension {
                what: "w",
                expected: self.n_g * self.n_out,
                got: w.len(),
            }));
        }
        let w = w_to_output_major(w, self.n_g, self.n_out);
        let j_gg = match (connectivity, &self.j_gg_final) {
            (Connectivity::Final, Some(m)) => m,
            _ => &self.j_gg,
        };
        let mut net = Network::from_parts(
            spec,
            j_gg.clone(),
            self.j_gz.clone(),
            self.readout_units.clone(),
            w,
            x.to_vec(),
            z.to_vec(),
        )?;
        let mut j_fi = None;
        if let Some(fb) = &self.feedback {
            let j_fg = match connectivity {
                Connectivity::Initial => &fb.j_fg_initial,
                Connectivity::Final => &fb.j_fg_final,
            };
            let y = y.unwrap_or(&fb.y_initial).to_vec();
            net.set_feedback_network(FeedbackNetwork::from_parts(
                fb.spec.clone(),
                fb.j_ff.clone(),
                j_fg.clone(),
                fb.j_gf.clone(),
                None,
                y,
            )?)?;
            j_fi = fb.j_fi.clone();
        } else if y.is_some() {
            return Err(inconsistent(
                "a feedback state y was given but the record has no feedback network".into(),
            ));
        }
        if self.n_in > 0 {
            net.set_input_weights(self.n_in, self.j_gi.clone(), j_fi)?;
        } else if self.j_gi.is_some() || j_fi.is_some() {
            return Err(inconsistent(
                "input weights are stored but n_in is 0".into(),
            ));
        }
        if !self.trained_units.is_empty() {
            net.set_trained_rows(&self.trained_units)?;
        }
        Ok(net)
    }
}

/// Converts readout weights from the network's output-major layout (`w[k * n_g + i]`)
/// to the file's N_G x N_out row-major layout (`w[i * n_out + k]`).
///
/// # Panics
/// If `w_output_major.len() != n_g * n_out`.
pub fn w_to_row_major(w_output_major: &[f64], n_g: usize, n_out: usize) -> Vec<f64> {
    assert_eq!(w_output_major.len(), n_g * n_out, "w has wrong length");
    let mut out = vec![0.0; n_g * n_out];
    for k in 0..n_out {
        for i in 0..n_g {
            out[i * n_out + k] = w_output_major[k * n_g + i];
        }
    }
    out
}

/// The inverse of [`w_to_row_major`]: N_G x N_out row-major to output-major.
///
/// # Panics
/// If `w_row_major.len() != n_g * n_out`.
pub fn w_to_output_major(w_row_major: &[f64], n_g: usize, n_out: usize) -> Vec<f64> {
    assert_eq!(w_row_major.len(), n_g * n_out, "w has wrong length");
    let mut out = vec![0.0; n_g * n_out];
    for i in 0..n_g {
        for k in 0..n_out {
            out[k * n_g + i] = w_row_major[i * n_out + k];
        }
    }
    out
}

/// The traces of one phase.
///
/// Row `j` of the step traces (`t_ms`, `z`, `f`, `rates`, `inputs`, `feedback_rates`)
/// is the state after global step
/// `first_step + (j + 1) * decimate`; the update traces have one row per weight update.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRecord {
    /// Which phase.
    pub phase: Phase,
    /// Global step index n0 of the state the phase starts from (`t_start_ms = n0 dt`);
    /// the phase's first integration step reaches n0 + 1.
    pub first_step: u64,
    /// Global step index of the last state reached in the phase.
    pub last_step: u64,
    /// Time of the starting state in ms.
    pub t_start_ms: f64,
    /// Time of the last state reached in ms.
    pub t_end_ms: f64,
    /// One row is recorded every `decimate` steps (>= 1).
    pub decimate: u64,
    /// Time of each recorded row in ms (length T).
    pub t_ms: Vec<f64>,
    /// Readouts after the step (pre-update values during training), T x N_out.
    pub z: Vec<f64>,
    /// Target f(t) at the same times, T x N_out (NaN where the target had another width).
    pub f: Vec<f64>,
    /// x at the start of the phase (length N_G).
    pub x_start: Vec<f64>,
    /// z at the start of the phase (length N_out).
    pub z_start: Vec<f64>,
    /// Readout weights at the start of the phase, N_G x N_out row-major.
    pub w_start: Vec<f64>,
    /// Units whose rates are recorded.
    pub rates_index: Vec<u32>,
    /// Rates r = tanh(x) of those units, T x `rates_index.len()`.
    pub rates: Vec<f64>,
    /// Time of each weight update in ms (length U; empty outside training).
    pub update_t_ms: Vec<f64>,
    /// |w_k| after each update, U x N_out.
    pub w_norm: Vec<f64>,
    /// |dw_k/dt| at each update in 1/ms, U x N_out.
    pub dw_norm: Vec<f64>,
    /// The input values I each recorded step used, T x N_I (`Some` when the network has
    /// inputs): the row of the state after step n holds I(t_{n-1}), the value set
    /// before that step (forward Euler reads the input at the start of the step).
    pub inputs: Option<Vec<f64>>,
    /// Rates s = tanh(y) of all feedback units after the step, T x N_F (`Some` for
    /// architecture B).
    pub feedback_rates: Option<Vec<f64>>,
    /// y of the feedback network at the start of the phase (length N_F; `Some` for
    /// architecture B).
    pub y_start: Option<Vec<f64>>,
}

impl PhaseRecord {
    /// An empty record for `phase` starting at global step `first_step`, time
    /// `t_start_ms`, with no state yet.
    pub fn empty(phase: Phase, first_step: u64, t_start_ms: f64) -> Self {
        Self {
            phase,
            first_step,
            last_step: first_step,
            t_start_ms,
            t_end_ms: t_start_ms,
            decimate: 1,
            t_ms: Vec::new(),
            z: Vec::new(),
            f: Vec::new(),
            x_start: Vec::new(),
            z_start: Vec::new(),
            w_start: Vec::new(),
            rates_index: Vec::new(),
            rates: Vec::new(),
            update_t_ms: Vec::new(),
            w_norm: Vec::new(),
            dw_norm: Vec::new(),
            inputs: None,
            feedback_rates: None,
            y_start: None,
        }
    }

    /// Number of recorded rows T.
    pub fn rows(&self) -> usize {
        self.t_ms.len()
    }

    /// Removes every trace (the step traces `t_ms`, `z`, `f`, `rates`, `inputs`,
    /// `feedback_rates` and the update traces), keeping the attributes, the start state
    /// and `rates_index`: the recording level `summary` of ensemble files.
    pub fn clear_traces(&mut self) {
        for v in [
            &mut self.t_ms,
            &mut self.z,
            &mut self.f,
            &mut self.rates,
            &mut self.update_t_ms,
            &mut self.w_norm,
            &mut self.dw_norm,
        ] {
            *v = Vec::new();
        }
        for v in [&mut self.inputs, &mut self.feedback_rates]
            .into_iter()
            .flatten()
        {
            *v = Vec::new();
        }
    }
}

/// Summary measures of one phase (e.g. MAE, correlation), one value per output.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseMetrics {
    /// Which phase.
    pub phase: Phase,
    /// Metric name -> one value per output, in any order (kept in the file by the
    /// attribute `order`; files written before it read back sorted by name). Names must
    /// be valid HDF5 link names (non-empty, no `/`, not `.`, no NUL) and distinct. Values
    /// may be NaN (an undefined metric); compare records with [`PhaseMetrics::same_as`].
    pub values: Vec<(String, Vec<f64>)>,
    /// Whether the phase met its success criterion, if assessed.
    pub success: Option<bool>,
}

/// Everything a run file holds.
///
/// The derived `==` compares floats with IEEE `==` (NaN unequal to itself);
/// [`RunRecord::same_as`] treats NaN as equal to NaN, which is what a round trip through a
/// file preserves.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Provenance and status.
    pub meta: RunMeta,
    /// The network.
    pub network: NetworkRecord,
    /// The recorded phases, in time order (at most one per [`Phase`]).
    pub phases: Vec<PhaseRecord>,
    /// Metrics per phase, in time order (at most one entry per [`Phase`]; read back in
    /// time order).
    pub metrics: Vec<PhaseMetrics>,
    /// Whether the experiment succeeded overall, if assessed.
    pub success: Option<bool>,
    /// Principal components of the test-phase activity (`/analysis/pca`), if computed.
    pub pca: Option<PcaRecord>,
    /// Numerical health of the RLS matrices P (`/health`); `None` in files without it.
    pub health: Option<HealthRecord>,
}

/// Numerical health of the RLS matrices P over a run, as stored under `/health` (see
/// `docs/hdf5-layout.md`): one entry per group of learners, readout first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthRecord {
    /// The learner groups, in the order the trainer reports them.
    pub groups: Vec<LearnerHealthRecord>,
}

/// The health of one group of RLS learners (one row of `/health`).
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerHealthRecord {
    /// Which learners: `readout`, `J_FG rows`, `J_GG rows`, `J_GG shared`, `J_FG shared`
    /// or `J_FG+J_GG shared` (dataset `learner`).
    pub learner: String,
    /// Number of P matrices in the group (dataset `matrices`).
    pub matrices: u64,
    /// Updates of the group (one per learning step; dataset `updates`).
    pub updates: u64,
    /// Updates the guarded update (`[training] rls_update = "guarded"`) skipped because
    /// they would have made P lose positive definiteness; always 0 with the standard
    /// update (dataset `skipped_updates`).
    pub skipped_updates: u64,
    /// Smallest diagonal entry of any P after any update, `+inf` without updates
    /// (dataset `min_p_diagonal`).
    pub min_p_diagonal: f64,
    /// Smallest `1 + r.P r` of any update, `+inf` without updates (dataset
    /// `min_denominator`).
    pub min_denominator: f64,
    /// Largest `|P_ij - P_ji|` (0: one triangle of P is stored; dataset
    /// `symmetry_drift`).
    pub symmetry_drift: f64,
}

/// Principal components of the rates of all units during one phase (the test phase), as
/// stored under `/analysis/pca` (see `docs/hdf5-layout.md`).
///
/// N = N_G variables, `n_keep` kept components, S samples, L reconstructions, K outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaRecord {
    /// The phase whose activity was analysed (the test phase).
    pub phase: Phase,
    /// One sample every this many steps.
    pub sample_every_steps: u64,
    /// The smallest number of components explaining at least 95 % of the variance.
    pub n_95: u64,
    /// All N eigenvalues of the covariance, descending.
    pub eigenvalues: Vec<f64>,
    /// Cumulative fraction of the variance explained by the leading 1..=N components.
    pub explained_fraction: Vec<f64>,
    /// Number of kept eigenvectors.
    pub n_keep: usize,
    /// Leading eigenvectors, N x `n_keep` row-major (column j is component j).
    pub eigenvectors: Vec<f64>,
    /// Mean rate of each unit over the samples (length N).
    pub mean: Vec<f64>,
    /// Sample times in ms (length S).
    pub t_ms: Vec<f64>,
    /// Projections of r(t) - mean onto the kept components, S x `n_keep`.
    pub projections: Vec<f64>,
    /// Actual readouts at the sample times, S x K.
    pub z: Vec<f64>,
    /// Target at the sample times, S x K.
    pub f: Vec<f64>,
    /// Numbers of leading components used for the reconstructions (length L).
    pub recon_k: Vec<u64>,
    /// Readouts reconstructed from the leading k components, S x L x K.
    pub recon_z: Vec<f64>,
    /// RMS error of each reconstruction against f, L x K.
    pub recon_rms_vs_f: Vec<f64>,
    /// RMS error of each reconstruction against the actual z, L x K.
    pub recon_rms_vs_z: Vec<f64>,
}

impl PcaRecord {
    /// Number of samples S.
    pub fn samples(&self) -> usize {
        self.t_ms.len()
    }
}

/// What `cnn info` shows, read without loading the large arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Provenance and status.
    pub meta: RunMeta,
    /// Number of generator units N_G.
    pub n_g: usize,
    /// Number of readouts N_out.
    pub n_out: usize,
    /// The network's scalar parameters (as in [`NetworkRecord::params`]).
    pub params: Vec<(String, f64)>,
    /// Number of stored J^GG entries.
    pub nnz: usize,
    /// `"A"`, `"B"` or `"C"` (see [`NetworkRecord::architecture`]; `"A"` in a version-1
    /// file).
    pub architecture: String,
    /// Number of input lines N_I (0 without inputs).
    pub n_in: usize,
    /// Number of feedback units N_F (0 without a feedback network).
    pub n_f: usize,
    /// Number of units whose incoming J^GG row is trained.
    pub n_trained: usize,
    /// Per-phase extents, in time order.
    pub phases: Vec<PhaseSummary>,
    /// Metrics per phase, in time order.
    pub metrics: Vec<PhaseMetrics>,
    /// Overall success, if assessed.
    pub success: Option<bool>,
    /// Numerical health of the RLS matrices P (`/health`), if stored.
    pub health: Option<HealthRecord>,
}

/// The extent of one recorded phase.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSummary {
    /// Which phase.
    pub phase: Phase,
    /// Global step index of the starting state.
    pub first_step: u64,
    /// Global step index of the last state reached.
    pub last_step: u64,
    /// Start time in ms.
    pub t_start_ms: f64,
    /// Time of the last state reached in ms.
    pub t_end_ms: f64,
    /// Rows recorded every this many steps.
    pub decimate: u64,
    /// Number of recorded rows T.
    pub rows: usize,
    /// Number of recorded units.
    pub n_rates: usize,
    /// Number of weight updates U.
    pub updates: usize,
}

impl PhaseSummary {
    /// Duration of the phase in ms.
    pub fn duration_ms(&self) -> f64 {
        self.t_end_ms - self.t_start_ms
    }
    /// Number of integration steps taken in the phase.
    pub fn steps(&self) -> u64 {
        self.last_step - self.first_step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w_layout_roundtrip() {
        let (n, k) = (5, 3);
        let om: Vec<f64> = (0..n * k).map(|v| v as f64).collect();
        let rm = w_to_row_major(&om, n, k);
        // unit 2, output 1 is om[1 * 5 + 2] = 7.
        assert_eq!(rm[2 * k + 1], 7.0);
        assert_eq!(w_to_output_major(&rm, n, k), om);
    }

    #[test]
    fn from_network_copies_state_and_rebuilds() {
        let spec = GeneratorSpec {
            n_g: 40,
            w_init: InitialWeights::Gaussian,
            ..GeneratorSpec::paper(2)
        };
        let net = Network::build(spec, 5).expect("build");
        let rec = NetworkRecord::from_network(&net);
        assert_eq!(rec.x_initial, net.x());
        assert_eq!(rec.w_final, rec.w_initial);
        assert_eq!(rec.param("g_gg"), Some(1.5));
        let back = rec
            .network_at(&rec.x_initial, &rec.z_initial, &rec.w_initial)
            .expect("rebuild");
        assert_eq!(back.w(), net.w());
        assert_eq!(back.j_gg(), net.j_gg());
        assert_eq!(back.spec().dt_ms, net.spec().dt_ms);
    }
}
