//! Numerical health of the RLS matrices P over a run.
//!
//! For every group of learners (the readout's P; the per-row P of `J^FG` or of the
//! trained `J^GG` rows; a shared P of the trained rows) the trainer keeps, over every
//! update of the run:
//!
//! - `min_diagonal`: the smallest diagonal entry of P after an update (P is positive
//!   definite only if every diagonal entry is positive; O(N) per update, next to the
//!   O(N^2) update itself);
//! - `min_denominator`: the smallest `1 + r.P r` (must stay > 0; a non-positive value
//!   stops the run as diverged);
//! - `symmetry_drift`: the largest `|P_ij - P_ji|`, 0 by construction since only one
//!   triangle of P is stored (reported so that files say so);
//! - `skipped_updates`: matrix updates a guarded update ([`crate::RlsUpdate::Guarded`])
//!   skipped (always 0 with the standard update).

/// Health of one group of RLS learners over a run (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerHealth {
    /// Which learners: `readout`, `J_FG rows`, `J_GG rows`, `J_GG shared`, `J_FG shared`
    /// or `J_FG+J_GG shared`.
    pub learner: String,
    /// Number of P matrices in the group.
    pub matrices: u64,
    /// Updates of the group so far (one per learning step).
    pub updates: u64,
    /// Smallest diagonal entry of any P after any update (`+inf` before the first).
    pub min_diagonal: f64,
    /// Smallest `1 + r.P r` of any update (`+inf` before the first).
    pub min_denominator: f64,
    /// Largest `|P_ij - P_ji|`: always 0 (one stored triangle).
    pub symmetry_drift: f64,
    /// Matrix updates skipped by the guarded update (summed over the group's matrices;
    /// always 0 with [`crate::RlsUpdate::Standard`]).
    pub skipped_updates: u64,
}

impl LearnerHealth {
    /// A group with no update yet.
    pub fn new(learner: &str, matrices: u64) -> Self {
        Self {
            learner: learner.to_string(),
            matrices,
            updates: 0,
            min_diagonal: f64::INFINITY,
            min_denominator: f64::INFINITY,
            symmetry_drift: 0.0,
            skipped_updates: 0,
        }
    }

    /// Takes one matrix's update into account (`updates` counts learning steps, see
    /// [`LearnerHealth::count_update`]). NaN values are kept (they are what went wrong).
    /// A skipped update is counted; its denominator is still recorded (it is what the
    /// guard saw), and `min_diagonal` is that of the unchanged P.
    pub(crate) fn observe(&mut self, denominator: f64, min_diagonal: f64, skipped: bool) {
        if skipped {
            self.skipped_updates += 1;
        }
        self.min_denominator = nan_min(self.min_denominator, denominator);
        self.min_diagonal = nan_min(self.min_diagonal, min_diagonal);
    }

    /// Counts one learning step of the group.
    pub(crate) fn count_update(&mut self) {
        self.updates += 1;
    }
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}
