//! Observers: how recording, progress and metrics plug into a run.
//!
//! The trainer (in `cnn-train`) calls an [`Observer`] at phase boundaries, after every
//! integration step and after every weight update. Recorders (in `cnn-io`) and progress
//! bars (in the CLI) implement it; the trainer knows nothing about files or terminals.

use crate::Network;

/// The three phases of a FORCE experiment, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Learning off, before training: the spontaneous (chaotic) activity.
    Spontaneous,
    /// Learning on.
    Train,
    /// Learning off, after training.
    Test,
}

impl Phase {
    /// All phases in time order.
    pub const ALL: [Phase; 3] = [Phase::Spontaneous, Phase::Train, Phase::Test];

    /// The lower-case name used in files and configs (`spontaneous`, `train`, `test`).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Spontaneous => "spontaneous",
            Phase::Train => "train",
            Phase::Test => "test",
        }
    }
}

/// What an observer sees after one integration step.
#[derive(Debug, Clone, Copy)]
pub struct StepView<'a> {
    /// Global step index n (t_n = n dt).
    pub step: u64,
    /// Absolute time t_n in ms.
    pub t_ms: f64,
    /// Current phase.
    pub phase: Phase,
    /// The network after the step (rates, outputs, weights).
    pub network: &'a Network,
    /// The target f(t_n).
    pub f: &'a [f64],
}

/// What an observer sees after one weight update.
#[derive(Debug, Clone, Copy)]
pub struct UpdateView<'a> {
    /// Global step index of the update.
    pub step: u64,
    /// Absolute time in ms.
    pub t_ms: f64,
    /// Readout error before the update, e_minus = z - f, per output.
    pub error: &'a [f64],
    /// |w_k| after the update, per output.
    pub w_norm: &'a [f64],
    /// |dw_k/dt| = |w_k(t) - w_k(t - Delta t)| / Delta t, per output, in 1/ms.
    pub dw_norm: &'a [f64],
}

/// Receives the events of a run. Every method has an empty default.
pub trait Observer {
    /// A phase starts at `t_ms`; `network` holds the state at that instant.
    fn phase_start(&mut self, _phase: Phase, _step: u64, _t_ms: f64, _network: &Network) {}
    /// One integration step finished.
    fn step(&mut self, _view: &StepView<'_>) {}
    /// One weight update finished.
    fn update(&mut self, _view: &UpdateView<'_>) {}
    /// A phase ended at `t_ms` (after its last step).
    fn phase_end(&mut self, _phase: Phase, _step: u64, _t_ms: f64, _network: &Network) {}
}
