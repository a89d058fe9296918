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

    /// `y = A x`. Allocation-free; `x.len()` must equal `n_cols` and `y.len()` `n_rows`.
    pub fn matvec(&self, x: &[f64], y: &mut [f64]) {
        assert_eq!(x.len(), self.n_cols, "matvec: x has wrong length");
        assert_eq!(y.len(), self.n_rows, "matvec: y has wrong length");
        for (i, yi) in y.iter_mut().enumerate() {
            let (a, b) = (self.indptr[i], self.indptr[i + 1]);
            let idx = &self.indices[a..b];
            let val = &self.data[a..b];
            // Four independent accumulators let the compiler overlap the gathers.
            let mut acc = [0.0f64; 4];
            let chunks = idx.len() / 4;
            for c in 0..chunks {
                let o = 4 * c;
                acc[0] += val[o] * x[idx[o] as usize];
                acc[1] += val[o + 1] * x[idx[o + 1] as usize];
                acc[2] += val[o + 2] * x[idx[o + 2] as usize];
                acc[3] += val[o + 3] * x[idx[o + 3] as usize];
            }
            for o in 4 * chunks..idx.len() {
                acc[0] += val[o] * x[idx[o] as usize];
            }
            *yi = (acc[0] + acc[1]) + (acc[2] + acc[3]);
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
    fn rejects_bad_parts() {
        assert!(Csr::from_parts(2, 2, vec![0, 1], vec![0], vec![1.0]).is_err());
        assert!(Csr::from_parts(1, 2, vec![0, 1], vec![5], vec![1.0]).is_err());
        assert!(Csr::from_parts(1, 2, vec![0, 2], vec![0], vec![1.0]).is_err());
    }
}
