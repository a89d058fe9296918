//! Recursive least squares, the learning rule of FORCE.
//!
//! At each learning time, after integrating to r(t) (spec section 3, order matters):
//! 1. `e_minus = w(t - Delta t) . r(t) - f(t)` (error with the old weights, computed by
//!    the caller),
//! 2. `k = P r`, `c = 1 / (1 + r . k)`,
//! 3. `P <- P - c k k^T` (O(N^2)),
//! 4. `w <- w - c e_minus k` (`P_new r = c k`: c is applied once).
//!
//! After n updates from `P(0) = I / alpha`, `P = (sum_t r_t r_t^T + alpha I)^-1` and `w`
//! is the ridge-regularised least-squares fit of the targets (tested against a direct
//! solve).
//!
//! # Storage and the delayed update
//! P is symmetric, so only its upper triangle is stored, packed row by row (`n (n + 1) / 2`
//! values): P is exactly symmetric by construction. Step 3 of one update is not applied
//! at once: it stays *pending* (`c`, `k`) and is applied by the next update in the same
//! pass over memory that computes `P r` for it, so each update reads and writes the
//! triangle once (the straightforward order reads P for `P r` and then reads and writes it
//! again for the rank-1 update). Every stored entry is updated as
//! `P_ij - c * (k_i * k_j)`, exactly as the straightforward update does; only the
//! summation order of `P r` differs (tested: weights agree with the straightforward
//! update to a relative 1e-10 after hundreds of updates).
//!
//! The pass over the triangle is split into a fixed number of row blocks ([`BLOCKS`],
//! balanced by area) whose partial sums of `P r` are added in a fixed order, so the result
//! does not depend on how many threads run the blocks ([`Rls::update_in`] with a
//! [`cnn_core::Executor`]).
//!
//! Within a block the pass goes over column panels of [`PANEL`] columns, so that the
//! segments of `k`, `r` and the partial sum stay in L1 while the rows of P stream.
//! The inner loop is written with pulp's portable SIMD ([`pulp::Arch`] picks AVX2 where
//! the processor has it; no `unsafe` here). Element `j` of a row always adds into
//! accumulator lane `j % 8`, and multiplications and additions are never fused, so every
//! instruction set gives the same bits.
//!
//! # Guarded updates
//! With [`RlsUpdate::Guarded`] an update is *skipped* (P and the weights stay as they
//! are for that step; [`Gain::skipped`] says so) when `1 + r.P r` is not positive and
//! finite, or when a diagonal entry of the updated P, `P_ii - c k_i^2`, would not be
//! positive. The check is O(N) and uses the values the pending term will produce (the
//! same expression, `P_ii - c * (k_i * k_i)`, as the next pass computes). Positive
//! diagonals are necessary, not sufficient, for P to be positive definite. With
//! [`RlsUpdate::Standard`] (the default) nothing is checked and every result is the same,
//! bit for bit, as before the option existed.

use crate::TrainError;
use cnn_core::{Executor, Serial};

/// Which form of the RLS update a learner uses (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RlsUpdate {
    /// The plain update (spec section 3).
    #[default]
    Standard,
    /// The plain update, skipped at a step where it would make `1 + r.P r` or a diagonal
    /// entry of P non-positive.
    Guarded,
}

/// Number of row blocks of the triangle (the unit of work of one thread).
pub const BLOCKS: usize = 8;

/// The state of one RLS learner: the upper triangle of P over `n` presynaptic rates, the
/// pending rank-1 term and work vectors.
#[derive(Debug, Clone)]
pub struct Rls {
    n: usize,
    /// Upper triangle of P without the pending term, packed by rows: row `i` holds
    /// `P[i][i..n]` from offset [`row_offset`]`(n, i)`.
    p: Vec<f64>,
    /// `k = P_old r` of the last update; it is also the pending term's vector.
    k: Vec<f64>,
    /// Coefficient of the pending term `P -= c k k^T` (0 when none).
    pending_c: f64,
    /// `BLOCKS` partial sums of `P r`, each of length n.
    partial: Vec<f64>,
    /// First row of each block, then n.
    block_rows: [usize; BLOCKS + 1],
    arch: pulp::Arch,
    mode: RlsUpdate,
}

/// The complete state of an [`Rls`] learner, for checkpoints: restoring it with
/// [`Rls::from_state`] continues the same sequence of updates bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct RlsState {
    /// Number of rates P is defined over.
    pub n: usize,
    /// Upper triangle of P *without* the pending term, packed by rows
    /// (`n (n + 1) / 2` values, row `i` from [`row_offset`]`(n, i)`).
    pub p: Vec<f64>,
    /// `k = P_old r` of the last update (the pending term's vector), length n.
    pub k: Vec<f64>,
    /// Coefficient of the pending term `P -= c k k^T` (0 when none).
    pub pending_c: f64,
}

/// What one [`Rls::update`] computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gain {
    /// `c = 1 / (1 + r . P r)`.
    pub c: f64,
    /// `1 + r . P r` (must stay > 0; its loss signals numerical trouble).
    pub denominator: f64,
    /// `|k| = |P_old r|`.
    pub k_norm: f64,
    /// True when a guarded update was skipped (P unchanged; [`Rls::apply`] does nothing).
    /// Always false with [`RlsUpdate::Standard`].
    pub skipped: bool,
}

/// Offset of row `i` in the packed upper triangle of an `n x n` matrix.
pub fn row_offset(n: usize, i: usize) -> usize {
    i * n - i * i.saturating_sub(1) / 2
}

/// One row block of the fused pass.
#[derive(Debug, Default)]
struct Block<'a> {
    first_row: usize,
    end_row: usize,
    /// The packed rows of this block.
    p: &'a mut [f64],
    /// This block's partial sum of `P r` (length n).
    y: &'a mut [f64],
}

impl Rls {
    /// `P(0) = I / alpha` over `n` rates; `alpha > 0`.
    pub fn new(n: usize, alpha: f64) -> Result<Self, TrainError> {
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(TrainError::OutOfRange {
                name: "alpha",
                value: format!("{alpha}"),
                allowed: "alpha > 0 (finite); the paper uses 1 to 100".into(),
            });
        }
        if n == 0 {
            return Err(TrainError::OutOfRange {
                name: "n",
                value: "0".into(),
                allowed: "at least one presynaptic rate".into(),
            });
        }
        let mut p = vec![0.0; n * (n + 1) / 2];
        for i in 0..n {
            p[row_offset(n, i)] = 1.0 / alpha;
        }
        Ok(Self {
            n,
            p,
            k: vec![0.0; n],
            pending_c: 0.0,
            partial: vec![0.0; BLOCKS * n],
            block_rows: balanced_blocks(n),
            arch: pulp::Arch::new(),
            mode: RlsUpdate::Standard,
        })
    }

    /// A copy of the learner's state (allocates `n (n + 1) / 2 + n` doubles; for
    /// checkpoints, not the hot loop). The pending term is kept as it is, not applied.
    pub fn state(&self) -> RlsState {
        RlsState {
            n: self.n,
            p: self.p.clone(),
            k: self.k.clone(),
            pending_c: self.pending_c,
        }
    }

    /// The learner [`Rls::state`] captured, with fresh work vectors.
    pub fn from_state(state: RlsState) -> Result<Self, TrainError> {
        let n = state.n;
        if n == 0 {
            return Err(TrainError::OutOfRange {
                name: "n",
                value: "0".into(),
                allowed: "at least one presynaptic rate".into(),
            });
        }
        let tri = n * (n + 1) / 2;
        if state.p.len() != tri {
            return Err(TrainError::Dimension {
                what: "packed triangle of P",
                expected: tri,
                got: state.p.len(),
            });
        }
        if state.k.len() != n {
            return Err(TrainError::Dimension {
                what: "k of the pending term",
                expected: n,
                got: state.k.len(),
            });
        }
        Ok(Self {
            n,
            p: state.p,
            k: state.k,
            pending_c: state.pending_c,
            partial: vec![0.0; BLOCKS * n],
            block_rows: balanced_blocks(n),
            arch: pulp::Arch::new(),
            mode: RlsUpdate::Standard,
        })
    }

    /// The same learner with the given form of the update.
    pub fn with_update(mut self, mode: RlsUpdate) -> Self {
        self.mode = mode;
        self
    }

    /// The form of the update this learner uses.
    pub fn update_mode(&self) -> RlsUpdate {
        self.mode
    }

    /// Number of rates P is defined over.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false (an RLS learner has at least one rate).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Entry `P_ij` of the current P (pending term included); `P_ij == P_ji` exactly.
    pub fn p_entry(&self, i: usize, j: usize) -> f64 {
        let (a, b) = if i <= j { (i, j) } else { (j, i) };
        self.p[row_offset(self.n, a) + (b - a)] - self.pending_c * (self.k[a] * self.k[b])
    }

    /// A full row-major `n x n` copy of the current P (allocates; for tests, checks and
    /// files, not for the hot loop).
    pub fn p(&self) -> Vec<f64> {
        let n = self.n;
        let mut full = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let v = self.p_entry(i, j);
                full[i * n + j] = v;
                full[j * n + i] = v;
            }
        }
        full
    }

    /// Bytes of the stored triangle of P.
    pub fn p_bytes(&self) -> usize {
        self.p.len() * std::mem::size_of::<f64>()
    }

    /// The vector `k = P_old r` of the last update (so `P_new r = c k`).
    pub fn k(&self) -> &[f64] {
        &self.k
    }

    /// Applies the pending rank-1 term to the stored triangle now (the next update would
    /// otherwise do it). Changes no value that [`Rls::p_entry`] reports.
    pub fn flush(&mut self) {
        let (n, c) = (self.n, self.pending_c);
        if c == 0.0 {
            return;
        }
        for i in 0..n {
            let ki = self.k[i];
            let row = &mut self.p[row_offset(n, i)..row_offset(n, i + 1)];
            for (pij, kj) in row.iter_mut().zip(&self.k[i..]) {
                *pij -= c * (ki * kj);
            }
        }
        self.pending_c = 0.0;
    }

    /// Steps 2 and 3: `k = P r`, `c = 1/(1 + r.k)`, `P -= c k k^T`. Allocation-free.
    ///
    /// The caller applies step 4 to each weight vector: `w -= c e k` (see
    /// [`Rls::apply`]). If the denominator is not positive and finite, P is left unchanged
    /// (the update is not recorded) and the returned gain reports it; the caller decides
    /// (the trainer stops the run). With [`RlsUpdate::Guarded`] such an update, or one
    /// that would make a diagonal entry of P non-positive, is skipped instead
    /// ([`Gain::skipped`]).
    pub fn update(&mut self, r: &[f64]) -> Gain {
        self.update_in(r, &Serial)
    }

    /// [`Rls::update`] with the row blocks run by `exec` (e.g. a thread pool). The result
    /// is the same, bit for bit, for every executor.
    pub fn update_in<E: Executor>(&mut self, r: &[f64], exec: &E) -> Gain {
        assert_eq!(r.len(), self.n, "Rls::update: r has the wrong length");
        let n = self.n;
        let c_old = self.pending_c;
        let arch = self.arch;
        {
            let mut blocks: [Block<'_>; BLOCKS] = Default::default();
            let mut rest_p: &mut [f64] = &mut self.p;
            let mut rest_y: &mut [f64] = &mut self.partial;
            for (b, block) in blocks.iter_mut().enumerate() {
                let (a, e) = (self.block_rows[b], self.block_rows[b + 1]);
                let len = row_offset(n, e) - row_offset(n, a);
                let (p, tail) = std::mem::take(&mut rest_p).split_at_mut(len);
                rest_p = tail;
                let (y, tail) = std::mem::take(&mut rest_y).split_at_mut(n);
                rest_y = tail;
                *block = Block {
                    first_row: a,
                    end_row: e,
                    p,
                    y,
                };
            }
            let k_old = &self.k;
            exec.for_each(&mut blocks, &|block: &mut Block<'_>| {
                arch.dispatch(FusedRows {
                    n,
                    block,
                    k: k_old,
                    c: c_old,
                    r,
                });
            });
        }
        // k = sum of the partial sums, in block order.
        let (first, others) = self.partial.split_at(n);
        self.k.copy_from_slice(first);
        for y in others.chunks_exact(n) {
            for (ki, yi) in self.k.iter_mut().zip(y) {
                *ki += yi;
            }
        }
        self.pending_c = 0.0;
        let denominator = 1.0 + cnn_core::dot(r, &self.k);
        let k_norm = cnn_core::dot(&self.k, &self.k).sqrt();
        let guarded = self.mode == RlsUpdate::Guarded;
        if !(denominator > 0.0 && denominator.is_finite()) {
            return Gain {
                c: if guarded { 0.0 } else { f64::NAN },
                denominator,
                k_norm,
                skipped: guarded,
            };
        }
        let c = 1.0 / denominator;
        if guarded && !self.diagonal_stays_positive(c) {
            // The stored triangle already holds the previous pending term: with no new
            // pending term, P is what it was before this update.
            return Gain {
                c: 0.0,
                denominator,
                k_norm,
                skipped: true,
            };
        }
        self.pending_c = c;
        Gain {
            c,
            denominator,
            k_norm,
            skipped: false,
        }
    }

    /// True when every `P_ii - c k_i^2` (the diagonal the pending term `c`, `k` would
    /// leave, computed as the next pass will) is positive. Call with no pending term.
    fn diagonal_stays_positive(&self, c: f64) -> bool {
        let n = self.n;
        (0..n).all(|i| {
            let ki = self.k[i];
            self.p[row_offset(n, i)] - c * (ki * ki) > 0.0
        })
    }

    /// Step 4 for one weight vector over the same rates: `w -= c e k` (nothing when the
    /// update was skipped).
    pub fn apply(&self, gain: Gain, error: f64, w: &mut [f64]) {
        assert_eq!(w.len(), self.n, "Rls::apply: w has the wrong length");
        if gain.skipped {
            return;
        }
        let s = gain.c * error;
        for (wi, ki) in w.iter_mut().zip(&self.k) {
            *wi -= s * ki;
        }
    }

    /// Largest |P_ij - P_ji|: always 0, since one triangle is stored (kept as a health
    /// indicator for callers).
    pub fn symmetry_drift(&self) -> f64 {
        0.0
    }

    /// Smallest diagonal entry of P (must stay positive).
    pub fn min_diagonal(&self) -> f64 {
        (0..self.n)
            .map(|i| self.p_entry(i, i))
            .fold(f64::INFINITY, f64::min)
    }
}

/// Row blocks of equal area of the triangle: `BLOCKS + 1` boundaries from 0 to n.
fn balanced_blocks(n: usize) -> [usize; BLOCKS + 1] {
    let total = (n * (n + 1) / 2) as f64;
    let mut rows = [n; BLOCKS + 1];
    rows[0] = 0;
    let mut i = 0;
    for (b, row) in rows.iter_mut().enumerate().take(BLOCKS).skip(1) {
        let want = total * b as f64 / BLOCKS as f64;
        while i < n && (row_offset(n, i) as f64) < want {
            i += 1;
        }
        *row = i;
    }
    rows
}

/// [`fused_rows`] as a [`pulp::WithSimd`] operation: `with_simd` and `fused_rows` are
/// always inlined into pulp's copy compiled for the detected instruction set, so the plain
/// loops are vectorised for it. (A closure would be compiled on its own, without it.)
struct FusedRows<'a, 'b> {
    n: usize,
    block: &'a mut Block<'b>,
    k: &'a [f64],
    c: f64,
    r: &'a [f64],
}

impl pulp::WithSimd for FusedRows<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        fused_rows(simd, self.n, self.block, self.k, self.c, self.r);
    }
}

/// Logical accumulator lanes of [`row_pass`]: element `j` of a row adds into lane
/// `j % LANES` whatever the vector width, so every instruction set sums in one order.
const LANES: usize = 8;

/// Columns per panel of the fused pass (k, r and y segments of 3 x 8 KB).
pub const PANEL: usize = 1024;

/// One row of the triangle right of the diagonal: `p_j <- p_j - c (k_i k_j)`,
/// `y_j += p_j r_i`, and returns `sum_j p_j r_j` ([`LANES`] lanes added in a fixed tree,
/// then the scalar tail). Explicit SIMD through pulp (the compiler would not vectorise
/// the plain loop); multiplications and additions stay separate (no FMA).
#[inline(always)]
fn row_pass<S: pulp::Simd>(
    simd: S,
    p: &mut [f64],
    k: &[f64],
    r: &[f64],
    y: &mut [f64],
    (c, ki, ri): (f64, f64, f64),
) -> f64 {
    let len = p.len();
    let m = len - len % LANES;
    let (pm, pt) = p.split_at_mut(m);
    let (km, kt) = k[..len].split_at(m);
    let (rm, rt) = r[..len].split_at(m);
    let (ym, yt) = y[..len].split_at_mut(m);
    let (pv, _) = S::as_mut_simd_f64s(pm);
    let (kv, _) = S::as_simd_f64s(km);
    let (rv, _) = S::as_simd_f64s(rm);
    let (yv, _) = S::as_mut_simd_f64s(ym);
    let group = LANES / S::F64_LANES;
    let (vc, vki, vri) = (simd.splat_f64s(c), simd.splat_f64s(ki), simd.splat_f64s(ri));
    let mut acc = [simd.splat_f64s(0.0); LANES];
    for (((pg, kg), rg), yg) in pv
        .chunks_exact_mut(group)
        .zip(kv.chunks_exact(group))
        .zip(rv.chunks_exact(group))
        .zip(yv.chunks_exact_mut(group))
    {
        for l in 0..group {
            let v = simd.sub_f64s(pg[l], simd.mul_f64s(vc, simd.mul_f64s(vki, kg[l])));
            pg[l] = v;
            acc[l] = simd.add_f64s(acc[l], simd.mul_f64s(v, rg[l]));
            yg[l] = simd.add_f64s(yg[l], simd.mul_f64s(v, vri));
        }
    }
    let a: &[f64] = pulp::bytemuck::cast_slice(&acc[..group]);
    let mut tail = 0.0;
    for (((p, kk), rr), yy) in pt.iter_mut().zip(kt).zip(rt).zip(yt) {
        let v = *p - c * (ki * kk);
        *p = v;
        tail += v * rr;
        *yy += v * ri;
    }
    (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) + tail
}

/// The fused pass over the rows of one block: applies the pending term `P -= c k k^T` to each
/// stored entry and accumulates `P_new r` into `block.y` (row part `sum_j>=i P_ij r_j` into
/// `y_i`, column part `P_ij r_i` into `y_j` for `j > i`).
#[inline(always)]
fn fused_rows<S: pulp::Simd>(
    simd: S,
    n: usize,
    block: &mut Block<'_>,
    k: &[f64],
    c: f64,
    r: &[f64],
) {
    let y = &mut *block.y;
    y.fill(0.0);
    let (first, end) = (block.first_row, block.end_row);
    let base = row_offset(n, first);
    // Column panels: the segments of k, r and y that one panel touches stay in L1
    // while the rows of P stream through.
    let mut j0 = first;
    while j0 < n {
        let j1 = (j0 + PANEL).min(n);
        for i in first..end.min(j1) {
            let start = row_offset(n, i) - base;
            let (ki, ri) = (k[i], r[i]);
            let c0 = i.max(j0);
            let seg = &mut block.p[start + (c0 - i)..start + (j1 - i)];
            let (seg, from) = if c0 == i {
                let diag = seg[0] - c * (ki * ki);
                seg[0] = diag;
                y[i] += diag * ri;
                (&mut seg[1..], i + 1)
            } else {
                (seg, c0)
            };
            let s = row_pass(
                simd,
                seg,
                &k[from..j1],
                &r[from..j1],
                &mut y[from..j1],
                (c, ki, ri),
            );
            y[i] += s;
        }
        j0 = j1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Solves A X = B by Gauss-Jordan with partial pivoting (A is n x n, B n x m).
    fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize, m: usize) -> Vec<f64> {
        for col in 0..n {
            let piv = (col..n)
                .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
                .expect("non-empty");
            for c in 0..n {
                a.swap(col * n + c, piv * n + c);
            }
            for c in 0..m {
                b.swap(col * m + c, piv * m + c);
            }
            let d = a[col * n + col];
            for row in 0..n {
                if row != col {
                    let f = a[row * n + col] / d;
                    for c in 0..n {
                        a[row * n + c] -= f * a[col * n + c];
                    }
                    for c in 0..m {
                        b[row * m + c] -= f * b[col * m + c];
                    }
                }
            }
        }
        for row in 0..n {
            let d = a[row * n + row];
            for c in 0..m {
                b[row * m + c] /= d;
            }
        }
        b
    }

    fn rel_err(a: &[f64], b: &[f64]) -> f64 {
        let num: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        let den: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt().max(1e-300);
        num / den
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// After n updates from P(0) = I/alpha: P = (sum r r^T + alpha I)^-1 and w is the
        /// regularised least-squares solution (sum r r^T + alpha I)^-1 sum r f.
        #[test]
        fn rls_equals_direct_regularised_solve(
            n in 1usize..40,
            steps in 1usize..40,
            alpha in 0.5f64..50.0,
            seed in any::<u64>(),
        ) {
            let mut s = seed;
            let mut next = || {
                s = cnn_core::seeds::splitmix64(s);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            };
            let mut rls = Rls::new(n, alpha).expect("alpha > 0");
            let mut w = vec![0.0; n];
            let mut a = vec![0.0; n * n];
            for i in 0..n { a[i * n + i] = alpha; }
            let mut b = vec![0.0; n];
            for _ in 0..steps {
                let r: Vec<f64> = (0..n).map(|_| next()).collect();
                let f = next() * 2.0;
                let e = cnn_core::dot(&w, &r) - f;
                let g = rls.update(&r);
                prop_assert!(g.denominator > 1.0 - 1e-12);
                rls.apply(g, e, &mut w);
                for i in 0..n {
                    b[i] += r[i] * f;
                    for j in 0..n { a[i * n + j] += r[i] * r[j]; }
                }
            }
            let mut eye = vec![0.0; n * n];
            for i in 0..n { eye[i * n + i] = 1.0; }
            let p_direct = solve(a.clone(), eye, n, n);
            let w_direct = solve(a, b, n, 1);
            let p = rls.p();
            prop_assert!(rel_err(&p, &p_direct) < 1e-9, "P err {}", rel_err(&p, &p_direct));
            prop_assert!(rel_err(&w, &w_direct) < 1e-9, "w err {}", rel_err(&w, &w_direct));
            for i in 0..n {
                for j in 0..n {
                    prop_assert_eq!(p[i * n + j], p[j * n + i]);
                }
            }
            prop_assert!(rls.min_diagonal() > 0.0);
            // Flushing the pending term changes no entry.
            let mut flushed = rls.clone();
            flushed.flush();
            prop_assert_eq!(flushed.p(), p);
        }
    }

    #[test]
    fn state_round_trip_continues_bit_for_bit() {
        let n = 37;
        let rs: Vec<Vec<f64>> = (0..20)
            .map(|t| (0..n).map(|i| ((t * n + i) as f64 * 0.37).sin()).collect())
            .collect();
        let mut a = Rls::new(n, 2.0).expect("ok");
        for r in &rs[..10] {
            a.update(r);
        }
        let mut b = Rls::from_state(a.state()).expect("same sizes");
        for r in &rs[10..] {
            let (ga, gb) = (a.update(r), b.update(r));
            assert_eq!(ga.c.to_bits(), gb.c.to_bits());
        }
        assert_eq!(a.state(), b.state());
        let mut bad = a.state();
        bad.k.pop();
        assert!(Rls::from_state(bad).is_err());
    }

    #[test]
    fn rejects_bad_alpha() {
        assert!(Rls::new(3, 0.0).is_err());
        assert!(Rls::new(3, f64::NAN).is_err());
        assert!(Rls::new(0, 1.0).is_err());
    }

    #[test]
    fn p_new_r_equals_c_k() {
        let mut rls = Rls::new(4, 2.0).expect("ok");
        let r = [0.3, -0.2, 0.9, 0.1];
        rls.update(&[0.5, 0.5, -0.1, 0.2]);
        let g = rls.update(&r);
        let n = 4;
        let p = rls.p();
        for i in 0..n {
            let pr = cnn_core::dot(&p[i * n..(i + 1) * n], &r);
            assert!((pr - g.c * rls.k()[i]).abs() < 1e-14);
        }
    }

    #[test]
    fn blocks_cover_the_rows_in_order() {
        for n in [1, 2, 7, 8, 9, 100, 1001] {
            let b = balanced_blocks(n);
            assert_eq!((b[0], b[BLOCKS]), (0, n));
            assert!(b.windows(2).all(|w| w[0] <= w[1]), "{n}: {b:?}");
        }
        assert_eq!(row_offset(5, 0), 0);
        assert_eq!(row_offset(5, 1), 5);
        assert_eq!(row_offset(5, 2), 9);
        assert_eq!(row_offset(5, 5), 15);
    }
}
