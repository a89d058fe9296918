//! Compressed sparse row matrices for the fixed random connectivity.
//!
//! Row `i` holds the incoming weights of postsynaptic unit `i`; column `j` is the
//! presynaptic unit. Values are stored without any gain factor.

use crate::CoreError;

/// A sparse matrix in CSR form (`indptr`, `indices`, `data`), the layout scipy uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    n_rows: usize,
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

impl Csr {
    /// Builds a matrix from its raw parts, checking that they are consistent.
    pub fn from_parts(
        n_rows: usize,
        n_cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<f64>,
    ) -> Result<Self, CoreError> {
        if indptr.len() != n_rows + 1 {
            return Err(CoreError::Sparse(format!(
                "indptr has length {}, expected n_rows + 1 = {}",
                indptr.len(),
                n_rows + 1
            )));
        }
        if indptr[0] != 0 || indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(CoreError::Sparse(
                "indptr must start at 0 and be non-decreasing".into(),
            ));
        }
        let nnz = indptr[n_rows];
        if indices.len() != nnz || data.len() != nnz {
            return Err(CoreError::Sparse(format!(
                "indptr ends at {nnz} but indices has {} and data has {} entries",
                indices.len(),
                data.len()
            )));
        }
        if let Some(bad) = indices.iter().find(|&&j| j as usize >= n_cols) {
            return Err(CoreError::Sparse(format!(
                "column index {bad} >= n_cols = {n_cols}"
            )));
        }
        Ok(Self {
            n_rows,
            n_cols,
            indptr,
            indices,
            data,
        })
    }

    /// Number of rows (postsynaptic units).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }
    /// Number of columns (presynaptic units).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }
    /// Row pointers (length `n_rows + 1`).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }
    /// Column index of each stored entry.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// Value of each stored entry.
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// Mutable values (the sparsity pattern is fixed; internal learning changes values).
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
    /// The column indices and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// The mutable values of row `i` (the pattern is fixed).
    pub fn row_data_mut(&mut self, i: usize) -> &mut [f64] {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        &mut self.data[a..b]
    }

    /// `(A x)_i` for one row: four independent accumulators (so the gathers overlap),
    /// the remainder into the first, summed as `(a0 + a1) + (a2 + a3)`.
    pub fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        let (idx, val) = self.row(i);
        let mut acc = [0.0f64; 4];
        let mut ic = idx.chunks_exact(4);
        let mut vc = val.chunks_exact(4);
        for (ii, vv) in (&mut ic).zip(&mut vc) {
            for l in 0..4 {
                acc[l] += vv[l] * x[ii[l] as usize];
            }
        }
        for (ii, vv) in ic.remainder().iter().zip(vc.remainder()) {
            acc[0] += vv * x[*ii as usize];
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3])
    }

    /// A random sparse matrix: each entry kept independently with probability `p`, kept
    /// values `sd *` standard normal, drawn row by row then column by column (one
    /// uniform per entry, then one normal if kept); with `round_f32` each value is
    /// rounded to the nearest `f32` (kept as `f64`).
    pub fn random<R: rand::Rng>(
        n_rows: usize,
        n_cols: usize,
        p: f64,
        sd: f64,
        round_f32: bool,
        rng: &mut R,
    ) -> Result<Self, CoreError> {
        use rand_distr::{Distribution, StandardNormal};
        let expected = ((p * (n_rows * n_cols) as f64) * 1.05) as usize + 16;
        let mut indptr = Vec::with_capacity(n_rows + 1);
        let mut indices = Vec::with_capacity(expected);
        let mut data = Vec::with_capacity(expected);
        indptr.push(0);
        for _i in 0..n_rows {
            for j in 0..n_cols {
                let u: f64 = rng.random();
                if u < p {
                    let v: f64 = StandardNormal.sample(rng);
                    indices.push(j as u32);
                    let v = v * sd;
                    data.push(if round_f32 { v as f32 as f64 } else { v });
                }
            }
            indptr.push(indices.len());
        }
        Self::from_parts(n_rows, n_cols, indptr, indices, data)
    }

    /// A copy with the entries of `rows` removed (those rows become empty).
    pub fn without_rows(&self, rows: &[u32]) -> Self {
        let mut drop = vec![false; self.n_rows];
        for &i in rows {
            if let Some(d) = drop.get_mut(i as usize) {
                *d = true;
            }
        }
        let mut indptr = Vec::with_capacity(self.n_rows + 1);
        let mut indices = Vec::with_capacity(self.nnz());
        let mut data = Vec::with_capacity(self.nnz());
        indptr.push(0);
        for (i, &d) in drop.iter().enumerate() {
            if !d {
                let (idx, val) = self.row(i);
                indices.extend_from_slice(idx);
                data.extend_from_slice(val);
            }
            indptr.push(indices.len());
        }
        Self {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            indptr,
            indices,
            data,
        }
    }

    /// `y = A x`. Allocation-free; `x.len()` must equal `n_cols` and `y.len()` `n_rows`.
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        assert_eq!(x.len(), self.n_cols, "matvec: x has wrong length");
        assert_eq!(y.len(), self.n_rows, "matvec: y has wrong length");
        for (i, yi) in y.iter_mut().enumerate() {
            *yi = self.row_dot(i, x);
        }
    }

    /// Dense copy, row-major (for tests and small matrices).
    pub fn to_dense(&self) -> Vec<f64> {
        let mut d = vec![0.0; self.n_rows * self.n_cols];
        for i in 0..self.n_rows {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                d[i * self.n_cols + j as usize] += v;
            }
        }
        d
    }
}

/// Length of the padded rate buffer that the 16-bit index path gathers from: a `u16`
/// index into `&[f64; PAD16]` needs no bounds check.
pub(crate) const PAD16: usize = 1 << 16;

/// Column indices of the hot copy.
#[derive(Debug, Clone, PartialEq)]
enum HotIndices {
    /// `n_cols <= 65536`: 2 bytes per entry.
    U16(Vec<u16>),
    /// Wider matrices use the `u32` indices of the [`Csr`] itself.
    Wide,
}

/// Values of the hot copy.
#[derive(Debug, Clone, PartialEq)]
enum HotValues {
    /// Every value is exactly an `f32` (networks drawn by `Network::build` are): 4 bytes.
    F32(Vec<f32>),
    /// Some value is not: the `f64` values of the [`Csr`] itself.
    Wide,
}

/// The narrow copy of a fixed [`Csr`] that the integration step reads: `u16` column
/// indices when the matrix has at most 65 536 columns and `f32` values when every value
/// is exactly representable as one, so the products (in `f64`) are the same as with the
/// `f64` matrix. Built once; it must be rebuilt if the values change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HotCsr {
    indices: HotIndices,
    values: HotValues,
}

impl HotCsr {
    pub(crate) fn new(m: &Csr) -> Self {
        let indices = if m.n_cols <= PAD16 {
            HotIndices::U16(m.indices.iter().map(|&j| j as u16).collect())
        } else {
            HotIndices::Wide
        };
        let values = if m.data.iter().all(|&v| (v as f32) as f64 == v) {
            HotValues::F32(m.data.iter().map(|&v| v as f32).collect())
        } else {
            HotValues::Wide
        };
        Self { indices, values }
    }

    /// True when the 16-bit path is used: the rate buffer passed to
    /// [`HotCsr::rows_into`] must then have length [`PAD16`].
    pub(crate) fn needs_pad(&self) -> bool {
        matches!(self.indices, HotIndices::U16(_))
    }

    /// Bytes of the narrow copy (indices and values it holds itself).
    pub(crate) fn bytes(&self) -> usize {
        let i = match &self.indices {
            HotIndices::U16(v) => v.len() * 2,
            HotIndices::Wide => 0,
        };
        let v = match &self.values {
            HotValues::F32(v) => v.len() * 4,
            HotValues::Wide => 0,
        };
        i + v
    }

    /// `out[k] = (A x)[first + k]` for `k < out.len()`, each row summed with 4
    /// accumulators in a fixed order (the same on every instruction set).
    #[inline(always)]
    pub(crate) fn rows_into(&self, m: &Csr, first: usize, x: &[f64], out: &mut [f64]) {
        match (&self.indices, &self.values) {
            (HotIndices::U16(idx), HotValues::F32(val)) => {
                rows16(&m.indptr, idx, val, first, pad(x), out)
            }
            (HotIndices::U16(idx), HotValues::Wide) => {
                rows16(&m.indptr, idx, &m.data, first, pad(x), out)
            }
            (HotIndices::Wide, HotValues::F32(val)) => {
                rows32(&m.indptr, &m.indices, val, first, x, out)
            }
            (HotIndices::Wide, HotValues::Wide) => {
                rows32(&m.indptr, &m.indices, &m.data, first, x, out)
            }
        }
    }
}

#[inline(always)]
fn pad(x: &[f64]) -> &[f64; PAD16] {
    x.try_into()
        .expect("the 16-bit path gathers from a rate buffer of length 65536")
}

#[inline(always)]
fn rows16<V: Copy + Into<f64>>(
    indptr: &[usize],
    idx: &[u16],
    val: &[V],
    first: usize,
    x: &[f64; PAD16],
    out: &mut [f64],
) {
    for (o, yi) in out.iter_mut().enumerate() {
        let (a, b) = (indptr[first + o], indptr[first + o + 1]);
        let (idx, val) = (&idx[a..b], &val[a..b]);
        let mut acc = [0.0f64; 4];
        let mut ic = idx.chunks_exact(4);
        let mut vc = val.chunks_exact(4);
        for (ii, vv) in (&mut ic).zip(&mut vc) {
            for l in 0..4 {
                acc[l] += vv[l].into() * x[ii[l] as usize];
            }
        }
        for (ii, vv) in ic.remainder().iter().zip(vc.remainder()) {
            acc[0] += (*vv).into() * x[*ii as usize];
        }
        *yi = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
}

#[inline(always)]
fn rows32<V: Copy + Into<f64>>(
    indptr: &[usize],
    idx: &[u32],
    val: &[V],
    first: usize,
    x: &[f64],
    out: &mut [f64],
) {
    for (o, yi) in out.iter_mut().enumerate() {
        let (a, b) = (indptr[first + o], indptr[first + o + 1]);
        let (idx, val) = (&idx[a..b], &val[a..b]);
        let mut acc = [0.0f64; 4];
        let mut ic = idx.chunks_exact(4);
        let mut vc = val.chunks_exact(4);
        for (ii, vv) in (&mut ic).zip(&mut vc) {
            for l in 0..4 {
                acc[l] += vv[l].into() * x[ii[l] as usize];
            }
        }
        for (ii, vv) in ic.remainder().iter().zip(vc.remainder()) {
            acc[0] += (*vv).into() * x[*ii as usize];
        }
        *yi = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matvec_matches_dense() {
        let m = Csr::from_parts(
            3,
            4,
            vec![0, 2, 2, 7],
            vec![0, 3, 0, 1, 2, 3, 1],
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        )
        .expect("valid");
        let x = [1.0, -1.0, 0.5, 2.0];
        let mut y = [0.0; 3];
        m.matvec(&x, &mut y);
        let d = m.to_dense();
        for i in 0..3 {
            let e: f64 = (0..4).map(|j| d[i * 4 + j] * x[j]).sum();
            assert!((y[i] - e).abs() < 1e-12);
        }
        assert_eq!(y, [5.0, 0.0, 3.0 - 4.0 + 2.5 + 12.0 - 7.0]);
    }

    #[test]
    fn hot_copy_matches_matvec() {
        // f32-exact values use the narrow path, others keep f64; both equal `matvec`.
        for data in [
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            vec![0.1, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        ] {
            let m = Csr::from_parts(3, 4, vec![0, 2, 2, 7], vec![0, 3, 0, 1, 2, 3, 1], data)
                .expect("valid");
            let hot = HotCsr::new(&m);
            let x = [1.0, -1.0, 0.5, 2.0];
            let mut want = [0.0; 3];
            m.matvec(&x, &mut want);
            let mut xp = vec![0.0; PAD16];
            xp[..4].copy_from_slice(&x);
            let mut got = [0.0; 3];
            hot.rows_into(&m, 0, &xp, &mut got);
            assert_eq!(got, want);
            let mut tail = [0.0; 2];
            hot.rows_into(&m, 1, &xp, &mut tail);
            assert_eq!(tail, want[1..]);
        }
    }

    #[test]
    fn rejects_bad_parts() {
        assert!(Csr::from_parts(2, 2, vec![0, 1], vec![0], vec![1.0]).is_err());
        assert!(Csr::from_parts(1, 2, vec![0, 1], vec![5], vec![1.0]).is_err());
        assert!(Csr::from_parts(1, 2, vec![0, 2], vec![0], vec![1.0]).is_err());
    }
}
