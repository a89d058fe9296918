//! The FORCE executor: runs the spontaneous, train and test phases of one network.

use crate::checkpoint::{Checkpoint, NetworkState};
use crate::health::LearnerHealth;
use crate::learners::{apply_shared, Learners, SharedP};
use crate::metrics::{PhaseAccumulator, PhaseMetrics, SuccessCriterion};
use crate::{Rls, RlsUpdate, TrainError};
use cnn_core::{Network, Observer, Phase, StepView, Target, UpdateView};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The timing and learning parameters of a run (the network's `dt_ms` sets the grid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Duration of the spontaneous phase in ms (learning off), >= 0.
    pub spontaneous_ms: f64,
    /// Duration of the training phase in ms (learning on), >= 0.
    pub train_ms: f64,
    /// Duration of the test phase in ms (learning off), >= 0.
    pub test_ms: f64,
    /// Learning interval Delta t in ms: a positive multiple of dt.
    pub learn_every_ms: f64,
    /// RLS regulariser: P(0) = I / alpha, alpha > 0.
    pub alpha: f64,
}

/// A [`Protocol`] converted to whole numbers of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    /// Steps of the spontaneous phase.
    pub spontaneous: u64,
    /// Steps of the training phase.
    pub train: u64,
    /// Steps of the test phase.
    pub test: u64,
    /// Steps between weight updates.
    pub learn_every: u64,
}

impl Steps {
    /// Total number of steps.
    pub fn total(&self) -> u64 {
        self.spontaneous + self.train + self.test
    }
}

/// Why a duration is not a whole number of steps ([`duration_steps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepsProblem {
    /// Not finite, or negative.
    OutOfRange,
    /// Zero steps where at least one is needed.
    ShorterThanOneStep,
    /// Not a whole multiple of dt (beyond a relative 1e-9).
    NotMultiple,
    /// More than 9e15 steps (beyond exact integers in f64).
    TooMany,
}

/// `value_ms / dt_ms` as a whole number of steps: `value_ms` finite and >= 0, a whole
/// multiple of `dt_ms` within a relative 1e-9, fewer than 9e15 steps, and at least one
/// step when `positive`. The one definition of a duration in steps: the trainer's
/// [`Protocol::steps`] and the config validator (which words each problem with the key
/// and its file and line) both use it.
pub fn duration_steps(value_ms: f64, dt_ms: f64, positive: bool) -> Result<u64, StepsProblem> {
    if !(value_ms.is_finite() && value_ms >= 0.0) || (positive && value_ms <= 0.0) {
        return Err(StepsProblem::OutOfRange);
    }
    let q = value_ms / dt_ms;
    let rounded = q.round();
    if rounded >= 9.0e15 {
        return Err(StepsProblem::TooMany);
    }
    if (q - rounded).abs() > 1e-9 * rounded.max(1.0) {
        return Err(StepsProblem::NotMultiple);
    }
    if positive && rounded < 1.0 {
        return Err(StepsProblem::ShorterThanOneStep);
    }
    Ok(rounded as u64)
}

/// [`duration_steps`] with the error as a [`TrainError`] naming the duration.
pub fn whole_steps(
    name: &'static str,
    value_ms: f64,
    dt_ms: f64,
    positive: bool,
) -> Result<u64, TrainError> {
    duration_steps(value_ms, dt_ms, positive).map_err(|_| TrainError::OutOfRange {
        name,
        value: format!("{value_ms}"),
        allowed: format!(
            "a {} multiple of dt_ms = {dt_ms}",
            if positive { "positive" } else { "non-negative" }
        ),
    })
}

impl Protocol {
    /// Converts durations to steps, checking that each is a multiple of `dt_ms`.
    pub fn steps(&self, dt_ms: f64) -> Result<Steps, TrainError> {
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(TrainError::OutOfRange {
                name: "alpha",
                value: format!("{}", self.alpha),
                allowed: "alpha > 0 (finite)".into(),
            });
        }
        Ok(Steps {
            spontaneous: whole_steps("spontaneous_ms", self.spontaneous_ms, dt_ms, false)?,
            train: whole_steps("train_ms", self.train_ms, dt_ms, false)?,
            test: whole_steps("test_ms", self.test_ms, dt_ms, false)?,
            learn_every: whole_steps("learn_every_ms", self.learn_every_ms, dt_ms, true)?,
        })
    }
}

/// What the generator receives as readout feedback (the `g_Gz J^Gz (.)` term).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FeedbackMode {
    /// The readout `z` of the previous step (the paper's default).
    Readout,
    /// During training `gamma f + (1 - gamma) z` (target and readout of the previous
    /// step; Fig. 4, `gamma = 1` is echo-state teacher forcing); `z` in the other phases.
    /// `gamma = 0` is plain FORCE, bit for bit.
    Mixture {
        /// Weight of the target, in [0, 1].
        gamma: f64,
    },
    /// `gain * tanh(sin(pi z(t - delay)))` (Fig. 6A: gain 1.3, delay 100 ms). Before the
    /// run has lasted `delay_ms`, `z(0)` stands in for the missing past.
    DelayedNonlinear {
        /// Delay in ms, a non-negative multiple of dt.
        delay_ms: f64,
        /// Amplitude of the nonlinearity.
        gain: f64,
    },
}

/// The feedback loop: its mode and optional Gaussian noise added to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Feedback {
    /// What is fed back.
    pub mode: FeedbackMode,
    /// Standard deviation of white noise added to every fed-back value at every step
    /// (all phases), >= 0. The noise is `noise_sd * hashed_normal(noise_seed, n, k)` at
    /// step `n` for output `k`, a pure function of the step (reproducible, resumable).
    pub noise_sd: f64,
    /// Seed of the noise.
    pub noise_seed: u64,
}

impl Feedback {
    /// Plain readout feedback without noise.
    pub const PLAIN: Feedback = Feedback {
        mode: FeedbackMode::Readout,
        noise_sd: 0.0,
        noise_seed: 0,
    };
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Termination {
    /// Every phase ran to its end.
    Finished,
    /// A quantity became non-finite or the RLS denominator lost positivity.
    Diverged {
        /// Step at which it was detected.
        step: u64,
        /// Time in ms.
        t_ms: f64,
        /// Which quantity (`x`, `z`, `w`, `1 + r.Pr`, ...), with its value.
        quantity: String,
    },
    /// The stop flag was raised.
    Interrupted {
        /// Step at which the run stopped.
        step: u64,
        /// Time in ms.
        t_ms: f64,
    },
}

/// The result of [`Trainer::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Why the run stopped.
    pub termination: Termination,
    /// Metrics of each phase that started (partial phases included).
    pub metrics: Vec<PhaseMetrics>,
    /// The success flag (false unless the run finished and the criterion holds).
    pub success: bool,
    /// Steps run.
    pub steps: u64,
    /// Numerical health of every group of RLS learners (readout first).
    pub health: Vec<LearnerHealth>,
}

impl Outcome {
    /// The metrics of `phase`, if it started (`outcome.phase(Phase::Train)`: the position
    /// in [`Outcome::metrics`] depends on which phases are non-empty).
    pub fn phase(&self, phase: cnn_core::Phase) -> Option<&PhaseMetrics> {
        self.metrics.iter().find(|m| m.phase == phase)
    }
}

/// The result of [`Trainer::run_segment`]: the run ended (finished, diverged or
/// stopped by the stop flag), or it paused between two steps and can continue from the
/// checkpoint.
#[derive(Debug)]
pub enum Segment {
    /// The run ended.
    Ended(Outcome),
    /// A pause was requested; `phase_end` was not reported for the current phase.
    Paused(Box<Checkpoint>),
}

/// Runs FORCE on one network: `Trainer::new(&mut net, &target, protocol)?
/// .observe(&mut recorder).run()`.
pub struct Trainer<'a> {
    network: &'a mut Network,
    target: &'a dyn Target,
    steps: Steps,
    alpha: f64,
    observers: Vec<&'a mut dyn Observer>,
    stop: Option<&'a AtomicBool>,
    criterion: SuccessCriterion,
    corr_sample_ms: f64,
    exec: Exec,
    feedback: Feedback,
    inputs: Option<&'a dyn Target>,
    shared_p: SharedP,
    rls_update: RlsUpdate,
    pause: Pause<'a>,
    resume: Option<Box<Checkpoint>>,
}

/// When [`Trainer::run_segment`] pauses.
#[derive(Default)]
struct Pause<'a> {
    flag: Option<&'a AtomicBool>,
    every_steps: Option<u64>,
    at: Option<Instant>,
}

impl Pause<'_> {
    /// Whether to pause after `step` (the segment started at `start_step`): the flag is
    /// set, the segment has run its steps, or the deadline has passed.
    #[inline]
    fn due(&self, step: u64, start_step: u64) -> bool {
        self.flag.is_some_and(|f| f.load(Ordering::Relaxed))
            || self.every_steps.is_some_and(|k| step - start_step >= k)
            || self.at.is_some_and(|d| Instant::now() >= d)
    }
}

/// The readout's learner and the scratch buffers of its updates.
struct Readout {
    /// The readout units (indices into the generator).
    units: Vec<usize>,
    /// Whether every generator unit is a readout unit (no gathering and scattering).
    all_units: bool,
    /// One P for every output.
    rls: Rls,
    /// The rates of the readout units (gathered unless `all_units`).
    r_sub: Vec<f64>,
    /// One output's weights from the readout units (gathered unless `all_units`).
    w_sub: Vec<f64>,
    /// The error `z - f` of each output, with the weights before the update.
    err: Vec<f64>,
    /// |w| of each output.
    w_norm: Vec<f64>,
    /// |dw/dt| of each output at the last update.
    dw_norm: Vec<f64>,
    /// The learning interval in ms.
    learn_dt_ms: f64,
}

/// The fed-back values `fb` of the step from `t_step` when the feedback is not the plain
/// fast path: the readout `z`, the mixture with the target `f` (f(t_step)) during
/// training (`train`), or the delayed nonlinear loop (which writes z(t_step) into the
/// history `z_hist` of `delay_slots` slots); noise added last.
#[inline]
#[allow(clippy::too_many_arguments)]
fn feedback_values(
    fbk: &Feedback,
    train: bool,
    step: u64,
    z: &[f64],
    f: &[f64],
    z_hist: &mut [f64],
    delay_slots: usize,
    fb: &mut [f64],
) {
    let n_out = fb.len();
    match fbk.mode {
        FeedbackMode::Readout => fb.copy_from_slice(z),
        FeedbackMode::Mixture { gamma } => {
            if train {
                for k in 0..n_out {
                    fb[k] = gamma * f[k] + (1.0 - gamma) * z[k];
                }
            } else {
                fb.copy_from_slice(z);
            }
        }
        FeedbackMode::DelayedNonlinear { gain, .. } => {
            let m = step as usize;
            let w = (m % delay_slots) * n_out;
            z_hist[w..w + n_out].copy_from_slice(z);
            let rd = ((m + 1) % delay_slots) * n_out;
            for k in 0..n_out {
                let zd = z_hist[rd + k];
                fb[k] = gain * (std::f64::consts::PI * zd).sin().tanh();
            }
        }
    }
    if fbk.noise_sd > 0.0 {
        for (k, v) in fb.iter_mut().enumerate() {
            *v += fbk.noise_sd * cnn_core::seeds::hashed_normal(fbk.noise_seed, step, k as u64);
        }
    }
}

/// Where the hot loops run.
enum Exec {
    Serial,
    Pool(crate::pool::Pool),
}

impl cnn_core::Executor for Exec {
    fn blocks(&self) -> usize {
        match self {
            Exec::Serial => 1,
            Exec::Pool(p) => p.blocks(),
        }
    }
    fn for_each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        match self {
            Exec::Serial => cnn_core::Serial.for_each(items, f),
            Exec::Pool(p) => p.for_each(items, f),
        }
    }
}

impl<'a> Trainer<'a> {
    /// Checks the protocol against the network and the target.
    pub fn new(
        network: &'a mut Network,
        target: &'a dyn Target,
        protocol: Protocol,
    ) -> Result<Self, TrainError> {
        let steps = protocol.steps(network.spec().dt_ms)?;
        if target.dim() != network.spec().n_out {
            return Err(TrainError::TargetDimension {
                target: target.dim(),
                outputs: network.spec().n_out,
            });
        }
        Ok(Self {
            network,
            target,
            steps,
            alpha: protocol.alpha,
            observers: Vec::new(),
            stop: None,
            criterion: SuccessCriterion::DEFAULT,
            corr_sample_ms: 1.0,
            exec: Exec::Serial,
            feedback: Feedback::PLAIN,
            inputs: None,
            shared_p: SharedP::Auto,
            rls_update: RlsUpdate::Standard,
            pause: Pause::default(),
            resume: None,
        })
    }

    /// Sets the feedback loop (mixture, delayed nonlinear feedback, noise).
    pub fn feedback(mut self, feedback: Feedback) -> Result<Self, TrainError> {
        let dt = self.network.spec().dt_ms;
        match feedback.mode {
            FeedbackMode::Readout => {}
            FeedbackMode::Mixture { gamma } => {
                if !(0.0..=1.0).contains(&gamma) {
                    return Err(TrainError::OutOfRange {
                        name: "gamma",
                        value: format!("{gamma}"),
                        allowed: "0 <= gamma <= 1".into(),
                    });
                }
            }
            FeedbackMode::DelayedNonlinear { delay_ms, gain } => {
                whole_steps("delay_ms", delay_ms, dt, false)?;
                if !gain.is_finite() {
                    return Err(TrainError::OutOfRange {
                        name: "gain",
                        value: format!("{gain}"),
                        allowed: "a finite number".into(),
                    });
                }
            }
        }
        if !(feedback.noise_sd >= 0.0 && feedback.noise_sd.is_finite()) {
            return Err(TrainError::OutOfRange {
                name: "noise_sd",
                value: format!("{}", feedback.noise_sd),
                allowed: "noise_sd >= 0 (finite)".into(),
            });
        }
        self.feedback = feedback;
        Ok(self)
    }

    /// The input signals `I(t)` (one component per input line of the network). The step
    /// from `t_{n-1}` to `t_n` uses `I(t_{n-1})`.
    pub fn inputs(mut self, inputs: &'a dyn Target) -> Result<Self, TrainError> {
        if inputs.dim() != self.network.n_in() {
            return Err(TrainError::Dimension {
                what: "input signals (one per input line)",
                expected: self.network.n_in(),
                got: inputs.dim(),
            });
        }
        self.inputs = Some(inputs);
        Ok(self)
    }

    /// Whether the trained rows (B's `J^FG`, C's `J^GG`) share one P (see [`SharedP`]).
    pub fn shared_p(mut self, shared: SharedP) -> Self {
        self.shared_p = shared;
        self
    }

    /// The form of the RLS update of every learner, readout and recurrent alike (see
    /// [`RlsUpdate`]; default [`RlsUpdate::Standard`]).
    pub fn rls_update(mut self, mode: RlsUpdate) -> Self {
        self.rls_update = mode;
        self
    }

    /// Adds an observer (recorder, progress bar, ...).
    pub fn observe(mut self, observer: &'a mut dyn Observer) -> Self {
        self.observers.push(observer);
        self
    }

    /// A flag that, once set, stops the run after the current step.
    pub fn stop_flag(mut self, flag: &'a AtomicBool) -> Self {
        self.stop = Some(flag);
        self
    }

    /// A flag that, once set, pauses [`Trainer::run_segment`] after the current step
    /// (e.g. Ctrl-C when the caller writes a checkpoint).
    pub fn pause_flag(mut self, flag: &'a AtomicBool) -> Self {
        self.pause.flag = Some(flag);
        self
    }

    /// Pauses [`Trainer::run_segment`] once this segment has run `steps` steps (>= 1).
    pub fn pause_every_steps(mut self, steps: u64) -> Self {
        self.pause.every_steps = Some(steps.max(1));
        self
    }

    /// Pauses [`Trainer::run_segment`] after the first step that ends past `deadline`
    /// (wall clock; checked once per step, which costs a clock read).
    pub fn pause_at(mut self, deadline: Instant) -> Self {
        self.pause.at = Some(deadline);
        self
    }

    /// Continues from `checkpoint` (taken by [`Trainer::run_segment`] of a trainer built
    /// from the same network config, target, protocol and options). The network must be
    /// the freshly built one: its changing state is overwritten from the checkpoint.
    /// Observers are not told the current phase's start again (restore them yourself).
    pub fn resume_from(mut self, checkpoint: Checkpoint) -> Result<Self, TrainError> {
        let total = self.steps.total();
        if checkpoint.step > total || checkpoint.phase_index > 2 {
            return Err(TrainError::OutOfRange {
                name: "checkpoint step",
                value: format!("{} (phase {})", checkpoint.step, checkpoint.phase_index),
                allowed: format!("at most the run's {total} steps"),
            });
        }
        checkpoint.network.restore(self.network)?;
        self.resume = Some(Box::new(checkpoint));
        Ok(self)
    }

    /// Replaces the success criterion.
    pub fn criterion(mut self, criterion: SuccessCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Worker threads for this one network: `threads > 1` runs the integration step (row
    /// blocks) and the RLS update (triangle blocks) on a rayon pool of that size; 1 (the
    /// default) runs everything on the calling thread. Results are the same, bit for bit,
    /// for every thread count. Worth it for large networks (N >= 2000 on 2 cores, see
    /// BENCHMARKS.md); an ensemble should rather run one member per thread.
    pub fn threads(mut self, threads: usize) -> Result<Self, TrainError> {
        self.exec = if threads > 1 {
            Exec::Pool(crate::pool::Pool::new(threads)?)
        } else {
            Exec::Serial
        };
        Ok(self)
    }

    /// The step counts this trainer will run.
    pub fn steps(&self) -> Steps {
        self.steps
    }

    /// Updates the trained recurrent weights (architectures B and C) with the readout
    /// errors `err`; `readout` and `gain` are the readout's learner and its update at this
    /// step (a shared P over all units reuses them). Returns the quantity that lost
    /// positivity, if one did.
    fn learn_recurrent(
        &mut self,
        learners: &mut Learners,
        readout: &Rls,
        gain: crate::Gain,
        err: &[f64],
    ) -> Option<String> {
        learners.update(self.network.r(), &self.exec);
        if let Err(quantity) = learners.apply(self.network, err) {
            return Some(quantity);
        }
        if let Some(shared) = &mut learners.shared {
            let (rows, outputs) = (&shared.rows, &shared.outputs);
            match &mut shared.rls {
                None => apply_shared(rows, outputs, readout, gain, self.network, err),
                Some(rls) => {
                    let g = rls.update_in(self.network.r(), &self.exec);
                    shared.gain = Some(g);
                    if !(g.skipped || (g.denominator > 0.0 && g.denominator.is_finite())) {
                        return Some(format!(
                            "1 + r.Pr of the shared P of the trained units = {} (must be > 0)",
                            g.denominator
                        ));
                    }
                    apply_shared(rows, outputs, rls, g, self.network, err);
                }
            }
        }
        None
    }

    /// Runs every phase. Returns `Err` only for set-up errors; divergence and
    /// interruption are reported in [`Outcome::termination`]. A pause (see
    /// [`Trainer::pause_flag`]) is reported as an interruption.
    pub fn run(self) -> Result<Outcome, TrainError> {
        let dt = self.network.spec().dt_ms;
        match self.run_segment()? {
            Segment::Ended(outcome) => Ok(outcome),
            Segment::Paused(c) => Ok(Outcome {
                termination: Termination::Interrupted {
                    step: c.step,
                    t_ms: c.step as f64 * dt,
                },
                metrics: c.metrics,
                success: false,
                steps: c.step,
                health: c.health,
            }),
        }
    }

    /// The learners of a segment, new or restored from `resume`: the readout's (with its
    /// scratch buffers), the recurrent ones (architectures B and C) and their health so
    /// far. Also refuses a network with input lines but no input signals (checked after
    /// the readout's learner is made, before the recurrent ones).
    fn set_up_learners(
        &mut self,
        resume: Option<&Checkpoint>,
    ) -> Result<(Readout, Learners, Vec<LearnerHealth>), TrainError> {
        let spec = self.network.spec();
        let (n, n_out, dt) = (spec.n_g, spec.n_out, spec.dt_ms);
        let units: Vec<usize> = self
            .network
            .readout_units()
            .iter()
            .map(|&i| i as usize)
            .collect();
        let all_units = units.len() == n;
        let mut rls = Rls::new(units.len(), self.alpha)?.with_update(self.rls_update);
        let n_in = self.network.n_in();
        if n_in > 0 && self.inputs.is_none() {
            return Err(TrainError::Dimension {
                what: "input signals (the network has input lines; pass them with .inputs())",
                expected: n_in,
                got: 0,
            });
        }
        let mut learners = Learners::new(self.network, self.alpha, self.shared_p, self.rls_update)?;
        if let Some(c) = resume {
            rls = Rls::from_state(c.readout.clone())?.with_update(self.rls_update);
            learners.restore(&c.per_row, c.shared.as_ref())?;
        }
        let health = match resume {
            Some(c) => c.health.clone(),
            None => {
                let mut h = vec![LearnerHealth::new("readout", 1)];
                h.extend(learners.health_groups());
                h
            }
        };
        let readout = Readout {
            r_sub: vec![0.0; units.len()],
            w_sub: vec![0.0; units.len()],
            units,
            all_units,
            rls,
            err: vec![0.0; n_out],
            w_norm: vec![0.0; n_out],
            dw_norm: vec![0.0; n_out],
            learn_dt_ms: self.steps.learn_every as f64 * dt,
        };
        Ok((readout, learners, health))
    }

    /// The feedback path of a segment: whether it is the plain fast path (readout
    /// feedback, or a mixture with gamma = 0, without noise), the number of slots of the
    /// delayed-feedback history, and the history (slot `m % slots` holds z(t_m); from
    /// `resume`, else z(0) in every slot).
    fn set_up_feedback(
        &self,
        resume: Option<&Checkpoint>,
    ) -> Result<(bool, usize, Vec<f64>), TrainError> {
        let spec = self.network.spec();
        let (n_out, dt) = (spec.n_out, spec.dt_ms);
        let fbk = self.feedback;
        let plain = fbk.noise_sd == 0.0
            && match fbk.mode {
                FeedbackMode::Readout => true,
                FeedbackMode::Mixture { gamma } => gamma == 0.0,
                FeedbackMode::DelayedNonlinear { .. } => false,
            };
        let delay_slots = match fbk.mode {
            FeedbackMode::DelayedNonlinear { delay_ms, .. } => {
                whole_steps("delay_ms", delay_ms, dt, false)? as usize + 1
            }
            _ => 1,
        };
        // Slots not yet written hold z(0).
        let z_hist: Vec<f64> = match resume {
            Some(c) => {
                if c.z_history.len() != delay_slots * n_out {
                    return Err(TrainError::Dimension {
                        what: "delayed-feedback history in the checkpoint",
                        expected: delay_slots * n_out,
                        got: c.z_history.len(),
                    });
                }
                c.z_history.clone()
            }
            None => (0..delay_slots)
                .flat_map(|_| self.network.z().iter().copied())
                .collect(),
        };
        Ok((plain, delay_slots, z_hist))
    }

    /// The accumulator of `phase` (`n_steps` steps), entered at `step`: the checkpoint's
    /// (`resumed`, with room for the samples still to come), or a new one once the
    /// observers are told that the phase starts.
    #[inline]
    fn begin_phase(
        &mut self,
        resumed: Option<PhaseAccumulator>,
        phase: Phase,
        n_steps: u64,
        step: u64,
        stride: u64,
        first_period_steps: u64,
    ) -> PhaseAccumulator {
        let (n_out, dt) = (self.network.spec().n_out, self.network.spec().dt_ms);
        match resumed {
            Some(mut acc) => {
                let more = (n_steps.saturating_sub(acc.steps) / acc.stride.max(1)) as usize;
                acc.z_samples.reserve((more + 1) * n_out);
                acc.f_samples.reserve((more + 1) * n_out);
                acc
            }
            None => {
                let t0 = step as f64 * dt;
                for o in self.observers.iter_mut() {
                    o.phase_start(phase, step, t0, self.network);
                }
                PhaseAccumulator::new(phase, n_out, stride, first_period_steps, n_steps)
            }
        }
    }

    /// One learning update with `f`, the target of the current step: the readout's RLS
    /// update and every output's weights (errors with the old weights; errors, norms and
    /// |dw/dt| into `ro`), then the recurrent learners. Returns the readout's gain, or
    /// the quantity that diverged.
    #[inline]
    fn learn(
        &mut self,
        ro: &mut Readout,
        learners: &mut Learners,
        f: &[f64],
    ) -> Result<crate::Gain, String> {
        let (n, n_out) = (self.network.spec().n_g, self.network.spec().n_out);
        let Readout {
            units,
            all_units,
            rls,
            r_sub,
            w_sub,
            err,
            w_norm,
            dw_norm,
            learn_dt_ms,
        } = ro;
        for k in 0..n_out {
            err[k] = self.network.z()[k] - f[k];
        }
        let gain = if *all_units {
            rls.update_in(self.network.r(), &self.exec)
        } else {
            let r = self.network.r();
            for (dst, &i) in r_sub.iter_mut().zip(units.iter()) {
                *dst = r[i];
            }
            rls.update_in(r_sub, &self.exec)
        };
        if !(gain.skipped || (gain.denominator > 0.0 && gain.denominator.is_finite())) {
            return Err(format!("1 + r.Pr = {} (must be > 0)", gain.denominator));
        }
        let w = self.network.w_mut();
        let mut w_ok = true;
        for k in 0..n_out {
            let wk = &mut w[k * n..(k + 1) * n];
            if *all_units {
                rls.apply(gain, err[k], wk);
            } else {
                for (dst, &i) in w_sub.iter_mut().zip(units.iter()) {
                    *dst = wk[i];
                }
                rls.apply(gain, err[k], w_sub);
                for (src, &i) in w_sub.iter().zip(units.iter()) {
                    wk[i] = *src;
                }
            }
            let sq = cnn_core::dot(wk, wk);
            w_norm[k] = sq.sqrt();
            w_ok &= sq.is_finite() || wk.iter().all(|v| v.is_finite());
            dw_norm[k] = (gain.c * err[k]).abs() * gain.k_norm / *learn_dt_ms;
        }
        if !w_ok {
            return Err("w became non-finite".into());
        }
        if !learners.is_empty() {
            if let Some(quantity) = self.learn_recurrent(learners, rls, gain, err) {
                return Err(quantity);
            }
        }
        Ok(gain)
    }

    /// Ends `phase` at `step`: its metrics (with the final norms of the readout weights,
    /// written to `w_norm`) go to `metrics`, and the observers are told.
    #[inline]
    fn end_phase(
        &mut self,
        phase: Phase,
        step: u64,
        acc: &PhaseAccumulator,
        period: Option<f64>,
        w_norm: &mut [f64],
        metrics: &mut Vec<PhaseMetrics>,
    ) {
        let dt = self.network.spec().dt_ms;
        for (k, wn) in w_norm.iter_mut().enumerate() {
            *wn = self
                .network
                .w_output(k)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
        }
        metrics.push(acc.finish(dt, period, w_norm));
        let t_end = step as f64 * dt;
        for o in self.observers.iter_mut() {
            o.phase_end(phase, step, t_end, self.network);
        }
    }

    /// Runs from the start (or from [`Trainer::resume_from`]'s checkpoint) until the run
    /// ends or a pause is requested between two steps. Results do not depend on where
    /// pauses happen: continuing a checkpoint gives the uninterrupted run bit for bit.
    pub fn run_segment(mut self) -> Result<Segment, TrainError> {
        let dt = self.network.spec().dt_ms;
        let n_out = self.network.spec().n_out;
        let resume = self.resume.take();
        let (mut ro, mut learners, mut health) = self.set_up_learners(resume.as_deref())?;
        let mut input = vec![0.0; self.network.n_in()];
        let mut fb = vec![0.0; n_out];
        let fbk = self.feedback;
        let (plain, delay_slots, mut z_hist) = self.set_up_feedback(resume.as_deref())?;
        let mut f = vec![0.0; n_out];
        // Before each step `f` holds f(t_{n-1}) (the mixture feedback reads it).
        let start_step = resume.as_ref().map_or(0, |c| c.step);
        self.target.eval(start_step as f64 * dt, &mut f);
        let period = self.target.period_ms();
        let stride = ((self.corr_sample_ms / dt).round() as u64).max(1);
        let first_period_steps = ((period.unwrap_or(1000.0) / dt).round() as u64).max(1);

        let (mut metrics, resume_phase, mut resume_acc) = match resume {
            Some(c) => (c.metrics, c.phase_index, Some(c.accumulator)),
            None => (Vec::new(), 0, None),
        };
        let mut step: u64 = start_step;
        let mut termination = Termination::Finished;
        let phases = [
            (Phase::Spontaneous, self.steps.spontaneous),
            (Phase::Train, self.steps.train),
            (Phase::Test, self.steps.test),
        ];
        let pause = std::mem::take(&mut self.pause);
        let mut phase_first = 0;
        'phases: for (phase_index, (phase, n_steps)) in phases.into_iter().enumerate() {
            let first = phase_first;
            phase_first += n_steps;
            if phase_index < resume_phase {
                continue;
            }
            let mut acc = self.begin_phase(
                resume_acc.take(),
                phase,
                n_steps,
                step,
                stride,
                first_period_steps,
            );
            let mut stopped = false;
            while step < first + n_steps {
                if let Some(inputs) = self.inputs {
                    inputs.eval(step as f64 * dt, &mut input);
                    self.network.set_input(&input);
                }
                if plain {
                    self.network.step_in(&self.exec);
                } else {
                    let train = phase == Phase::Train;
                    let z = self.network.z();
                    feedback_values(&fbk, train, step, z, &f, &mut z_hist, delay_slots, &mut fb);
                    self.network.step_with_feedback_in(&fb, &self.exec);
                }
                step += 1;
                let t = step as f64 * dt;
                self.target.eval(t, &mut f);
                if !self.network.is_finite() {
                    let quantity = if self.network.x().iter().all(|v| v.is_finite()) {
                        "z"
                    } else {
                        "x"
                    };
                    termination = Termination::Diverged {
                        step,
                        t_ms: t,
                        quantity: format!("{quantity} became non-finite"),
                    };
                    stopped = true;
                    break;
                }
                acc.step(self.network.z(), &f);
                let view = StepView {
                    step,
                    t_ms: t,
                    phase,
                    network: self.network,
                    f: &f,
                };
                for o in self.observers.iter_mut() {
                    o.step(&view);
                }
                if phase == Phase::Train && (step - first) % self.steps.learn_every == 0 {
                    let gain = match self.learn(&mut ro, &mut learners, &f) {
                        Ok(gain) => gain,
                        Err(quantity) => {
                            termination = Termination::Diverged {
                                step,
                                t_ms: t,
                                quantity,
                            };
                            stopped = true;
                            break;
                        }
                    };
                    acc.update(&ro.dw_norm);
                    health[0].count_update();
                    health[0].observe(gain.denominator, ro.rls.min_diagonal(), gain.skipped);
                    if !learners.is_empty() {
                        learners.observe_health(&mut health[1..]);
                    }
                    let view = UpdateView {
                        step,
                        t_ms: t,
                        error: &ro.err,
                        w_norm: &ro.w_norm,
                        dw_norm: &ro.dw_norm,
                    };
                    for o in self.observers.iter_mut() {
                        o.update(&view);
                    }
                }
                if let Some(flag) = self.stop {
                    if flag.load(Ordering::Relaxed) {
                        termination = Termination::Interrupted { step, t_ms: t };
                        stopped = true;
                        break;
                    }
                }
                if pause.due(step, start_step) && step < self.steps.total() {
                    let (per_row, shared) = learners.states();
                    return Ok(Segment::Paused(Box::new(Checkpoint {
                        step,
                        phase_index,
                        network: NetworkState::capture(self.network),
                        readout: ro.rls.state(),
                        per_row,
                        shared,
                        z_history: z_hist,
                        metrics,
                        accumulator: acc,
                        health,
                    })));
                }
            }
            self.end_phase(phase, step, &acc, period, &mut ro.w_norm, &mut metrics);
            if stopped {
                break 'phases;
            }
        }
        let success = termination == Termination::Finished && self.criterion.judge(&metrics);
        Ok(Segment::Ended(Outcome {
            termination,
            metrics,
            success,
            steps: step,
            health,
        }))
    }
}
