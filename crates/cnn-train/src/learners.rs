//! RLS learners for the trained recurrent weights of architectures B and C.
//!
//! Spec section 3: every trained neuron is treated as if it were a readout. Trained
//! neuron `i` has its own P_i over the rates of its presynaptic units (`K_i` of them, the
//! nonzero entries of its row) and its incoming weights take the update with the readout
//! error `e_minus` of the output it is assigned to:
//!
//! - architecture B: the rows of `J^FG` (feedback unit `a` over the generator units it
//!   receives from);
//! - architecture C: the trained rows of `J^GG` ([`cnn_core::Network::set_trained_rows`]).
//!
//! With several outputs, the trained neurons are split into contiguous, disjoint blocks
//! in index order: the `j`-th of `m` trained neurons serves output `j * n_out / m`.
//!
//! The update changes the *effective* weights (gain included) by `-c e k`, exactly as a
//! readout's; since matrices are stored without their gain, the stored row changes by
//! `-c e k / g` (`g = g_FG` for B, `g_GG` for C).
//!
//! Memory: `sum_i K_i (K_i + 1) / 2` doubles for the packed triangles (plus `9 K_i` work
//! doubles each), so for `m` trained neurons of about `K` inputs each about `4 m K^2`
//! bytes: 800 neurons with K = 960 (Fig. 7) take 2.9 GB, 750 neurons with K = 375
//! (Fig. 6C) 0.42 GB. With all-to-all connectivity every trained neuron sees the same
//! rates, so one shared P serves all of them ([`SharedP`], as the MATLAB demo
//! `force_internal_all2all.m` does): it gives the same weights as the per-neuron form, and
//! costs one triangle instead of `m`.

use crate::health::LearnerHealth;
use crate::{Gain, Rls, RlsState, RlsUpdate, TrainError};
use cnn_core::{Executor, Serial};

/// Whether the trained rows (architecture B's `J^FG`, architecture C's `J^GG`) share one P.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SharedP {
    /// Share one P when every trained row receives from all `N_G` units (and the readout
    /// too when it reads all units); otherwise one P per trained row.
    #[default]
    Auto,
    /// Always one P per trained row.
    Never,
    /// One shared P; an error unless every trained row receives from all units.
    Always,
}

/// Which matrix a learner's row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matrix {
    /// `J^FG` (architecture B).
    Jfg,
    /// `J^GG` (architecture C).
    Jgg,
}

/// One trained neuron with its own P.
#[derive(Debug)]
pub(crate) struct RowLearner {
    pub(crate) matrix: Matrix,
    /// Row index (feedback unit for J^FG, generator unit for J^GG).
    pub(crate) row: u32,
    /// Output whose error it takes.
    pub(crate) output: usize,
    /// Presynaptic generator units (the row's column indices).
    cols: Vec<u32>,
    rls: Rls,
    r_sub: Vec<f64>,
    pub(crate) gain: Option<Gain>,
}

impl RowLearner {
    fn update(&mut self, r: &[f64]) {
        for (dst, &j) in self.r_sub.iter_mut().zip(&self.cols) {
            *dst = r[j as usize];
        }
        self.gain = Some(self.rls.update_in(&self.r_sub, &Serial));
    }
}

/// Rows (of J^FG and J^GG) that share one P (all-to-all connectivity).
#[derive(Debug)]
pub(crate) struct SharedRows {
    pub(crate) rows: Vec<(Matrix, u32)>,
    pub(crate) outputs: Vec<usize>,
    /// None when the readout's P is the same matrix (readout over all units).
    pub(crate) rls: Option<Rls>,
    /// The last update of `rls` (for the health record).
    pub(crate) gain: Option<Gain>,
}

/// All recurrent learners of one run.
#[derive(Debug, Default)]
pub(crate) struct Learners {
    pub(crate) per_row: Vec<RowLearner>,
    pub(crate) shared: Option<SharedRows>,
    /// The form of the update of every learner (kept for [`Learners::restore`]).
    mode: RlsUpdate,
}

/// Output served by the `j`-th of `m` trained neurons.
pub fn output_of(j: usize, m: usize, n_out: usize) -> usize {
    j * n_out / m.max(1)
}

impl Learners {
    /// Learners for the feedback network's `J^FG` and the network's trained `J^GG` rows.
    pub(crate) fn new(
        net: &cnn_core::Network,
        alpha: f64,
        shared: SharedP,
        mode: RlsUpdate,
    ) -> Result<Self, TrainError> {
        let n = net.spec().n_g;
        let n_out = net.spec().n_out;
        let mut per_row = Vec::new();
        let mut add = |matrix, row: u32, output, cols: &[u32]| -> Result<(), TrainError> {
            if cols.is_empty() {
                return Ok(());
            }
            per_row.push(RowLearner {
                matrix,
                row,
                output,
                cols: cols.to_vec(),
                rls: Rls::new(cols.len(), alpha)?.with_update(mode),
                r_sub: vec![0.0; cols.len()],
                gain: None,
            });
            Ok(())
        };
        let trained = net.trained_rows();
        if !trained.is_empty() && net.spec().g_gg <= 0.0 {
            return Err(TrainError::OutOfRange {
                name: "g_gg",
                value: format!("{}", net.spec().g_gg),
                allowed: "g_gg > 0 when J^GG is trained (the update is scaled by 1/g_gg)".into(),
            });
        }
        // Every trained row with its output: B's J^FG rows, then C's J^GG rows.
        let mut rows: Vec<(Matrix, u32, usize, &[u32])> = Vec::new();
        if let Some(fb) = net.feedback_network() {
            let m = fb.j_fg();
            for a in 0..m.n_rows() {
                let out = output_of(a, m.n_rows(), n_out);
                rows.push((Matrix::Jfg, a as u32, out, m.row(a).0));
            }
        }
        let m = trained.len();
        for (j, &i) in trained.iter().enumerate() {
            let cols = net.j_gg().row(i as usize).0;
            rows.push((Matrix::Jgg, i, output_of(j, m, n_out), cols));
        }
        let all_full = rows.iter().all(|r| r.3.len() == n);
        let use_shared = match shared {
            SharedP::Never => false,
            SharedP::Auto => all_full && !rows.is_empty(),
            SharedP::Always => {
                if !all_full {
                    return Err(TrainError::OutOfRange {
                        name: "shared_p",
                        value: "true".into(),
                        allowed: "a shared P needs every trained unit to receive from all \
                                  N_G units (p_gg = 1 for trained generator units, p_fg = 1 \
                                  for feedback units); use per-unit P (shared_p = false)"
                            .into(),
                    });
                }
                !rows.is_empty()
            }
        };
        if use_shared {
            let readout_all = net.readout_units().len() == n;
            Ok(Self {
                per_row,
                shared: Some(SharedRows {
                    outputs: rows.iter().map(|r| r.2).collect(),
                    rows: rows.iter().map(|r| (r.0, r.1)).collect(),
                    rls: if readout_all {
                        None
                    } else {
                        Some(Rls::new(n, alpha)?.with_update(mode))
                    },
                    gain: None,
                }),
                mode,
            })
        } else {
            for &(matrix, row, output, cols) in &rows {
                add(matrix, row, output, cols)?;
            }
            Ok(Self {
                per_row,
                shared: None,
                mode,
            })
        }
    }

    /// The health groups of these learners, in a fixed order: per-row `J_FG`, per-row
    /// `J_GG`, shared `J_GG` (only those present; a shared P that is the readout's is
    /// reported as the readout).
    pub(crate) fn health_groups(&self) -> Vec<LearnerHealth> {
        let count = |m| self.per_row.iter().filter(|l| l.matrix == m).count() as u64;
        let mut groups = Vec::new();
        for (m, name) in [(Matrix::Jfg, "J_FG rows"), (Matrix::Jgg, "J_GG rows")] {
            if count(m) > 0 {
                groups.push(LearnerHealth::new(name, count(m)));
            }
        }
        if let Some(s) = self.shared.as_ref().filter(|s| s.rls.is_some()) {
            let has = |m| s.rows.iter().any(|r| r.0 == m);
            let name = match (has(Matrix::Jfg), has(Matrix::Jgg)) {
                (true, false) => "J_FG shared",
                (true, true) => "J_FG+J_GG shared",
                _ => "J_GG shared",
            };
            groups.push(LearnerHealth::new(name, 1));
        }
        groups
    }

    /// Folds this learning step's gains into `groups` (as made by
    /// [`Learners::health_groups`]). O(sum K_i).
    pub(crate) fn observe_health(&self, groups: &mut [LearnerHealth]) {
        for g in groups.iter_mut() {
            let matrix = match g.learner.as_str() {
                "J_FG rows" => Matrix::Jfg,
                "J_GG rows" => Matrix::Jgg,
                _ => {
                    if let Some(s) = &self.shared {
                        if let (Some(rls), Some(gain)) = (&s.rls, s.gain) {
                            g.count_update();
                            g.observe(gain.denominator, rls.min_diagonal(), gain.skipped);
                        }
                    }
                    continue;
                }
            };
            g.count_update();
            for l in self.per_row.iter().filter(|l| l.matrix == matrix) {
                if let Some(gain) = l.gain {
                    g.observe(gain.denominator, l.rls.min_diagonal(), gain.skipped);
                }
            }
        }
    }

    /// The states of the per-row learners (in order) and of the shared P, for checkpoints.
    pub(crate) fn states(&self) -> (Vec<RlsState>, Option<RlsState>) {
        (
            self.per_row.iter().map(|l| l.rls.state()).collect(),
            self.shared
                .as_ref()
                .and_then(|s| s.rls.as_ref())
                .map(Rls::state),
        )
    }

    /// Replaces the learners' states with checkpointed ones.
    pub(crate) fn restore(
        &mut self,
        per_row: &[RlsState],
        shared: Option<&RlsState>,
    ) -> Result<(), TrainError> {
        if per_row.len() != self.per_row.len() {
            return Err(TrainError::Dimension {
                what: "per-row RLS learners in the checkpoint",
                expected: self.per_row.len(),
                got: per_row.len(),
            });
        }
        for (l, st) in self.per_row.iter_mut().zip(per_row) {
            if st.n != l.rls.len() {
                return Err(TrainError::Dimension {
                    what: "size of a per-row P in the checkpoint",
                    expected: l.rls.len(),
                    got: st.n,
                });
            }
            l.rls = Rls::from_state(st.clone())?.with_update(self.mode);
        }
        let mine = self.shared.as_mut().and_then(|s| s.rls.as_mut());
        match (mine, shared) {
            (None, None) => Ok(()),
            (Some(rls), Some(st)) if st.n == rls.len() => {
                *rls = Rls::from_state(st.clone())?.with_update(self.mode);
                Ok(())
            }
            (mine, st) => Err(TrainError::Dimension {
                what: "shared P of the trained rows in the checkpoint",
                expected: mine.map_or(0, |r| r.len()),
                got: st.map_or(0, |s| s.n),
            }),
        }
    }

    /// True when nothing besides the readout is trained.
    pub(crate) fn is_empty(&self) -> bool {
        self.per_row.is_empty() && self.shared.is_none()
    }

    /// Steps 2-3 for every per-row learner (possibly in parallel; each learner is
    /// independent, so the result does not depend on the executor).
    pub(crate) fn update<E: Executor>(&mut self, r: &[f64], exec: &E) {
        exec.for_each(&mut self.per_row, &|l: &mut RowLearner| l.update(r));
    }

    /// Step 4 for every per-row learner: its row takes `-c e k / g` (nothing for a skipped
    /// guarded update). Returns the first learner whose denominator is not positive and
    /// finite.
    pub(crate) fn apply(&mut self, net: &mut cnn_core::Network, err: &[f64]) -> Result<(), String> {
        let g_gg = net.spec().g_gg;
        let g_fg = net.feedback_network().map_or(1.0, |f| f.spec().g_fg);
        for l in &self.per_row {
            let Some(gain) = l.gain else { continue };
            if gain.skipped {
                continue;
            }
            if !(gain.denominator > 0.0 && gain.denominator.is_finite()) {
                let what = match l.matrix {
                    Matrix::Jfg => "feedback unit",
                    Matrix::Jgg => "trained generator unit",
                };
                return Err(format!(
                    "1 + r.P r of {what} {} = {} (must be > 0)",
                    l.row, gain.denominator
                ));
            }
            let (row, g) = match l.matrix {
                Matrix::Jfg => match net.j_fg_mut() {
                    Some(m) => (m.row_data_mut(l.row as usize), g_fg),
                    None => continue,
                },
                Matrix::Jgg => match net.trained_row_mut(l.row) {
                    Some(row) => (row, g_gg),
                    None => continue,
                },
            };
            l.rls.apply(gain, err[l.output] / g, row);
        }
        Ok(())
    }
}

/// Applies a shared P's gain to every shared row: row `i` takes `-c e_k k / g` (`g_FG`
/// for a feedback unit, `g_GG` for a generator unit).
pub(crate) fn apply_shared(
    rows: &[(Matrix, u32)],
    outputs: &[usize],
    rls: &Rls,
    gain: Gain,
    net: &mut cnn_core::Network,
    err: &[f64],
) {
    let g_gg = net.spec().g_gg;
    let g_fg = net.feedback_network().map_or(1.0, |f| f.spec().g_fg);
    for (&(matrix, i), &k) in rows.iter().zip(outputs) {
        let (row, g) = match matrix {
            Matrix::Jfg => match net.j_fg_mut() {
                Some(m) => (m.row_data_mut(i as usize), g_fg),
                None => continue,
            },
            Matrix::Jgg => match net.trained_row_mut(i) {
                Some(row) => (row, g_gg),
                None => continue,
            },
        };
        rls.apply(gain, err[k] / g, row);
    }
}
