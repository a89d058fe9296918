//! Recursive least squares, the learning rule of FORCE.
//!
//! At each learning time, after integrating to r(t) (spec section 3, order matters):
//! 1. `e_minus = w(t - Delta t) . r(t) - f(t)` (error with the old weights, computed by
//!    the caller),
//! 2. `k = P r`, `c = 1 / (1 + r . k)`,
//! 3. `P <- P - c k k^T` (O(N^2); P stays exactly symmetric because every entry is
//!    updated as `c * (k_i * k_j)`, a product that does not depend on the order of i, j),
//! 4. `w <- w - c e_minus k` (`P_new r = c k`: c is applied once).
//!
//! After n updates from `P(0) = I / alpha`, `P = (sum_t r_t r_t^T + alpha I)^-1` and `w`
//! is the ridge-regularised least-squares fit of the targets (tested against a direct
//! solve).

use crate::TrainError;

/// The state of one RLS learner: P over `n` presynaptic rates, and the work vector k.
#[derive(Debug, Clone)]
pub struct Rls {
    n: usize,
    p: Vec<f64>,
    k: Vec<f64>,
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
        let mut p = vec![0.0; n * n];
        for i in 0..n {
            p[i * n + i] = 1.0 / alpha;
        }
        Ok(Self {
            n,
            p,
            k: vec![0.0; n],
        })
    }

    /// Number of rates P is defined over.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false (an RLS learner has at least one rate).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// P, row-major n x n.
    pub fn p(&self) -> &[f64] {
        &self.p
    }

    /// The vector `k = P_old r` of the last update (so `P_new r = c k`).
    pub fn k(&self) -> &[f64] {
        &self.k
    }

    /// Steps 2 and 3: `k = P r`, `c = 1/(1 + r.k)`, `P -= c k k^T`. Allocation-free.
    ///
    /// The caller applies step 4 to each weight vector: `w -= c e k` (see
    /// [`Rls::apply`]). If the denominator is not positive and finite, P is left unchanged
    /// and the returned gain reports it; the caller decides (the trainer stops the run).
    pub fn update(&mut self, r: &[f64]) -> Gain {
        assert_eq!(r.len(), self.n, "Rls::update: r has the wrong length");
        let n = self.n;
        for (i, ki) in self.k.iter_mut().enumerate() {
            *ki = cnn_core::dot(&self.p[i * n..(i + 1) * n], r);
        }
        let denominator = 1.0 + cnn_core::dot(r, &self.k);
        let k_norm = cnn_core::dot(&self.k, &self.k).sqrt();
        if !(denominator > 0.0 && denominator.is_finite()) {
            return Gain {
                c: f64::NAN,
                denominator,
                k_norm,
            };
        }
        let c = 1.0 / denominator;
        for i in 0..n {
            let ki = self.k[i];
            let row = &mut self.p[i * n..(i + 1) * n];
            for (pij, kj) in row.iter_mut().zip(&self.k) {
                *pij -= c * (ki * kj);
            }
        }
        Gain {
            c,
            denominator,
            k_norm,
        }
    }

    /// Step 4 for one weight vector over the same rates: `w -= c e k`.
    pub fn apply(&self, gain: Gain, error: f64, w: &mut [f64]) {
        assert_eq!(w.len(), self.n, "Rls::apply: w has the wrong length");
        let s = gain.c * error;
        for (wi, ki) in w.iter_mut().zip(&self.k) {
            *wi -= s * ki;
        }
    }

    /// Largest |P_ij - P_ji| (0 for the exact update; a health indicator).
    pub fn symmetry_drift(&self) -> f64 {
        let n = self.n;
        let mut worst: f64 = 0.0;
        for i in 0..n {
            for j in 0..i {
                worst = worst.max((self.p[i * n + j] - self.p[j * n + i]).abs());
            }
        }
        worst
    }

    /// Smallest diagonal entry of P (must stay positive).
    pub fn min_diagonal(&self) -> f64 {
        (0..self.n)
            .map(|i| self.p[i * self.n + i])
            .fold(f64::INFINITY, f64::min)
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
            n in 1usize..12,
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
            prop_assert!(rel_err(rls.p(), &p_direct) < 1e-9, "P err {}", rel_err(rls.p(), &p_direct));
            prop_assert!(rel_err(&w, &w_direct) < 1e-9, "w err {}", rel_err(&w, &w_direct));
            prop_assert_eq!(rls.symmetry_drift(), 0.0);
            prop_assert!(rls.min_diagonal() > 0.0);
        }
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
        for i in 0..n {
            let pr = cnn_core::dot(&rls.p()[i * n..(i + 1) * n], &r);
            assert!((pr - g.c * rls.k()[i]).abs() < 1e-14);
        }
    }
}
