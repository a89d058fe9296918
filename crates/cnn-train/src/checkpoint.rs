//! Checkpoints: everything needed to continue a run bit for bit.
//!
//! A [`Checkpoint`] is taken between two steps by [`crate::Trainer::run_segment`] when a
//! pause is requested (a flag, a step count or a wall-clock deadline). It holds the
//! trainer's own state (step, phase, RLS learners with their pending rank-1 terms, the
//! delayed-feedback z history, the metric accumulators, the health record) and the
//! network's changing state ([`NetworkState`]: x, z, the feedback network's y, the
//! readout weights, the trained rows of `J^GG` and `J^FG`). The rest of the network
//! (connectivity, gains) is rebuilt from the config and seed; inputs, targets and noise
//! are pure functions of time and step. Observers (recorders, analyses) are restored by
//! their owner.
//!
//! These are plain structs: cnn-train writes no files. The `cnn` command stores them
//! (cnn-cli's `checkpoint` module).

use crate::health::LearnerHealth;
use crate::metrics::{PhaseAccumulator, PhaseMetrics};
use crate::{RlsState, TrainError};
use cnn_core::Network;

/// The state of a [`Network`] that a run changes.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkState {
    /// Membrane potentials x (N_G); r = tanh(x) is recomputed.
    pub x: Vec<f64>,
    /// Readouts z (N_out).
    pub z: Vec<f64>,
    /// Readout weights, output-major (N_out x N_G).
    pub w: Vec<f64>,
    /// The feedback network's y (architecture B).
    pub y: Option<Vec<f64>>,
    /// The trained rows of `J^GG`, concatenated in [`Network::trained_rows`] order.
    pub trained_jgg: Vec<f64>,
    /// All values of `J^FG` (CSR order), when there is a feedback network.
    pub j_fg: Option<Vec<f64>>,
}

impl NetworkState {
    /// Copies the changing state of `net`.
    pub fn capture(net: &Network) -> Self {
        let trained_jgg = net
            .trained_rows()
            .iter()
            .flat_map(|&i| net.j_gg().row(i as usize).1.iter().copied())
            .collect();
        Self {
            x: net.x().to_vec(),
            z: net.z().to_vec(),
            w: net.w().to_vec(),
            y: net.feedback_network().map(|f| f.y().to_vec()),
            trained_jgg,
            j_fg: net.feedback_network().map(|f| f.j_fg().data().to_vec()),
        }
    }

    /// Writes the state into `net`, a network rebuilt from the same config and seed.
    pub fn restore(&self, net: &mut Network) -> Result<(), TrainError> {
        let dim = |what, expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(TrainError::Dimension {
                    what,
                    expected,
                    got,
                })
            }
        };
        dim("w", net.w().len(), self.w.len())?;
        net.set_state(&self.x, &self.z)
            .map_err(|e| TrainError::Numerical(e.to_string()))?;
        net.w_mut().copy_from_slice(&self.w);
        match (&self.y, net.feedback_network().is_some()) {
            (Some(y), true) => net
                .set_feedback_state(y)
                .map_err(|e| TrainError::Numerical(e.to_string()))?,
            (None, false) => {}
            (y, _) => dim(
                "feedback state y",
                net.feedback_network().map_or(0, |f| f.y().len()),
                y.as_ref().map_or(0, Vec::len),
            )?,
        }
        let rows = net.trained_rows().to_vec();
        let total: usize = rows
            .iter()
            .map(|&i| net.j_gg().row(i as usize).0.len())
            .sum();
        dim("trained J_GG rows", total, self.trained_jgg.len())?;
        let mut at = 0;
        for i in rows {
            if let Some(row) = net.trained_row_mut(i) {
                let len = row.len();
                row.copy_from_slice(&self.trained_jgg[at..at + len]);
                at += len;
            }
        }
        match (&self.j_fg, net.j_fg_mut()) {
            (Some(v), Some(m)) => {
                dim("J_FG values", m.data().len(), v.len())?;
                m.data_mut().copy_from_slice(v);
            }
            (None, None) => {}
            (v, m) => dim(
                "J_FG values",
                m.map_or(0, |m| m.data().len()),
                v.as_ref().map_or(0, Vec::len),
            )?,
        }
        Ok(())
    }
}

/// Everything [`crate::Trainer::resume_from`] needs besides the config (see the module
/// docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Steps run so far (the state is the one at `t = step * dt`).
    pub step: u64,
    /// Index of the current phase in spontaneous, train, test (0, 1, 2); its
    /// `phase_start` has been reported, its `phase_end` not yet.
    pub phase_index: usize,
    /// The network's changing state.
    pub network: NetworkState,
    /// The readout's RLS learner.
    pub readout: RlsState,
    /// The per-row learners of `J^FG` / `J^GG`, in the trainer's order.
    pub per_row: Vec<RlsState>,
    /// The shared P of the trained `J^GG` rows, when it is not the readout's.
    pub shared: Option<RlsState>,
    /// Delayed feedback: the ring buffer of past z (slot `m % len` holds z(t_m)).
    pub z_history: Vec<f64>,
    /// Metrics of the finished phases.
    pub metrics: Vec<PhaseMetrics>,
    /// The current phase's metric accumulator.
    pub accumulator: PhaseAccumulator,
    /// Numerical health of P so far.
    pub health: Vec<LearnerHealth>,
}
