//! NaN-aware comparison of records: [`RunRecord::same_as`] and friends.
//!
//! The derived [`PartialEq`] of the records compares `f64` with IEEE `==`, under which a
//! NaN is unequal to itself; but NaN is an ordinary value of a run file (undefined
//! metrics, targets of another width), stored and read back by HDF5 like any other
//! float64. `same_as` is `==` field by field, except that two NaNs are the same. It does
//! not compare bits: `0.0` and `-0.0` stay equal, as under `==`, and the NaN payload and
//! sign carry no meaning (they depend on the operation and processor that made the
//! NaN). A run file keeps every bit anyway, so a round trip is the same under either.

use cnn_core::{Csr, FeedbackSpec, Phase};

use crate::record::{
    FeedbackRecord, HealthRecord, LearnerHealthRecord, NetworkRecord, PcaRecord, PhaseMetrics,
    PhaseRecord, PhaseSummary, RunMeta, RunRecord, RunStatus, RunSummary,
};

/// Equality with NaN equal to NaN.
trait SameAs {
    fn same_as(&self, other: &Self) -> bool;
}

impl SameAs for f64 {
    fn same_as(&self, other: &Self) -> bool {
        self == other || (self.is_nan() && other.is_nan())
    }
}

/// Types without floating point: plain `==`.
macro_rules! by_eq {
    ($($t:ty),* $(,)?) => {
        $(impl SameAs for $t {
            fn same_as(&self, other: &Self) -> bool {
                self == other
            }
        })*
    };
}

by_eq!(u32, u64, usize, bool, String, Phase, RunStatus);

impl<T: SameAs> SameAs for [T] {
    fn same_as(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same_as(b))
    }
}

impl<T: SameAs> SameAs for Vec<T> {
    fn same_as(&self, other: &Self) -> bool {
        self.as_slice().same_as(other.as_slice())
    }
}

impl<T: SameAs> SameAs for Option<T> {
    fn same_as(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same_as(b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<A: SameAs, B: SameAs> SameAs for (A, B) {
    fn same_as(&self, other: &Self) -> bool {
        self.0.same_as(&other.0) && self.1.same_as(&other.1)
    }
}

impl SameAs for Csr {
    fn same_as(&self, other: &Self) -> bool {
        self.n_rows() == other.n_rows()
            && self.n_cols() == other.n_cols()
            && self.indptr() == other.indptr()
            && self.indices() == other.indices()
            && self.data().same_as(other.data())
    }
}

/// Field by field. The destructuring names every field without `..`, so a field added
/// to one of these structs fails to compile here until it is compared too.
macro_rules! by_fields {
    ($($t:ident { $($f:ident),* $(,)? })*) => {
        $(impl SameAs for $t {
            fn same_as(&self, other: &Self) -> bool {
                let $t { $($f),* } = self;
                $($f.same_as(&other.$f))&&*
            }
        })*
    };
}

by_fields! {
    FeedbackSpec { n_f, p_ff, p_fg, p_gf, g_ff, g_fg, g_gf }
    RunMeta { cnn_version, config_toml, seed, status }
    FeedbackRecord { spec, j_ff, j_gf, j_fg_initial, j_fg_final, j_fi, y_initial }
    NetworkRecord {
        n_g, n_out, params, j_gg, j_gz, readout_units, x_initial, z_initial, w_initial,
        w_final, n_in, j_gi, feedback, trained_units, j_gg_final,
    }
    PhaseRecord {
        phase, first_step, last_step, t_start_ms, t_end_ms, decimate, t_ms, z, f, x_start,
        z_start, w_start, rates_index, rates, update_t_ms, w_norm, dw_norm, inputs,
        feedback_rates, y_start,
    }
    PhaseMetrics { phase, values, success }
    LearnerHealthRecord {
        learner, matrices, updates, skipped_updates, min_p_diagonal, min_denominator,
        symmetry_drift,
    }
    HealthRecord { groups }
    PcaRecord {
        phase, sample_every_steps, n_95, eigenvalues, explained_fraction, n_keep,
        eigenvectors, mean, t_ms, projections, z, f, recon_k, recon_z, recon_rms_vs_f,
        recon_rms_vs_z,
    }
    RunRecord { meta, network, phases, metrics, success, pca, health }
    PhaseSummary {
        phase, first_step, last_step, t_start_ms, t_end_ms, decimate, rows, n_rates, updates,
    }
    RunSummary {
        meta, n_g, n_out, params, nnz, architecture, n_in, n_f, n_trained, phases, metrics,
        success, health,
    }
}

/// The public `same_as` of each record type, documented once.
macro_rules! public_same_as {
    ($($t:ident),* $(,)?) => {
        $(impl $t {
            /// Whether `self` and `other` hold the same values: `==` field by field,
            /// except that a NaN equals a NaN (see the crate documentation, "Round
            /// trip"). A record written by [`crate::write_run`] and read back by
            /// [`crate::read_run`] is the same as the original.
            pub fn same_as(&self, other: &Self) -> bool {
                SameAs::same_as(self, other)
            }
        })*
    };
}

public_same_as!(
    RunRecord,
    RunSummary,
    NetworkRecord,
    PhaseRecord,
    PhaseMetrics,
    PcaRecord,
    HealthRecord
);
