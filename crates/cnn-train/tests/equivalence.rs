//! The fast kernels against the straightforward ones (issue 6).
//!
//! - `fast_rls_matches_straightforward_update`: the packed-triangle, delayed-update RLS
//!   against the straightforward full-matrix update (`k = P r`, `c = 1/(1 + r.k)`,
//!   `P -= c k k^T`, `w -= c e k`) on the rates of a fixed-seed network:
//!   weights and P agree to a relative 1e-10 and P stays exactly symmetric.
//! - `fused_step_equals_unfused_step`: the fused step (narrow connectivity, matvec, Euler
//!   and the vectorised tanh in one pass) equals `Csr::matvec` followed by the Euler
//!   formula and the scalar `cnn_core::tanh::tanh`, bit for bit (N = 150: the last chunk
//!   of 22 rows ends in a partial vector).
//! - `thread_count_does_not_change_results`: training with 2 threads gives the same
//!   weights, bit for bit, as with 1.

use cnn_core::tanh::tanh;
use cnn_core::{FnTarget, GeneratorSpec, Network};
use cnn_train::{Protocol, Rls, Trainer};

/// The straightforward O(N^2) RLS of spec section 3 on a full row-major P.
struct ReferenceRls {
    n: usize,
    p: Vec<f64>,
    k: Vec<f64>,
}

impl ReferenceRls {
    fn new(n: usize, alpha: f64) -> Self {
        let mut p = vec![0.0; n * n];
        for i in 0..n {
            p[i * n + i] = 1.0 / alpha;
        }
        Self {
            n,
            p,
            k: vec![0.0; n],
        }
    }

    fn update(&mut self, r: &[f64], e: f64, w: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            self.k[i] = (0..n).map(|j| self.p[i * n + j] * r[j]).sum();
        }
        let c = 1.0 / (1.0 + (0..n).map(|j| r[j] * self.k[j]).sum::<f64>());
        for i in 0..n {
            for j in 0..n {
                self.p[i * n + j] -= c * (self.k[i] * self.k[j]);
            }
        }
        for (wi, ki) in w.iter_mut().zip(&self.k) {
            *wi -= c * e * ki;
        }
    }
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    let den: f64 = b.iter().map(|y| y * y).sum::<f64>();
    (num / den.max(1e-300)).sqrt()
}

fn spec(n: usize) -> GeneratorSpec {
    GeneratorSpec {
        n_g: n,
        dt_ms: 1.0,
        ..GeneratorSpec::paper(1)
    }
}

#[test]
fn fast_rls_matches_straightforward_update() {
    // 203: not a multiple of the vector width or the block count; 1100: more than one
    // column panel.
    for (n, updates) in [(203, 400), (1100, 60)] {
        check_rls(n, updates);
    }
}

fn check_rls(n: usize, updates: usize) {
    const TOL: f64 = 1e-10;
    let mut net = Network::build(spec(n), 11).expect("valid");
    let mut fast = Rls::new(n, 1.0).expect("alpha > 0");
    let mut reference = ReferenceRls::new(n, 1.0);
    let (mut w_fast, mut w_ref) = (vec![0.0; n], vec![0.0; n]);
    for update in 0..updates {
        for _ in 0..2 {
            net.step();
        }
        let r = net.r();
        let f = (update as f64 * 0.05).sin();
        let e_fast = cnn_core::dot(&w_fast, r) - f;
        let e_ref = cnn_core::dot(&w_ref, r) - f;
        let g = fast.update(r);
        fast.apply(g, e_fast, &mut w_fast);
        reference.update(r, e_ref, &mut w_ref);
    }
    let w_err = rel(&w_fast, &w_ref);
    let p = fast.p();
    let p_err = rel(&p, &reference.p);
    assert!(w_err < TOL, "N = {n}: w differs by {w_err:e} (relative)");
    assert!(p_err < TOL, "N = {n}: P differs by {p_err:e} (relative)");
    for i in 0..n {
        for j in 0..i {
            assert_eq!(p[i * n + j], p[j * n + i]);
        }
    }
    assert!(fast.min_diagonal() > 0.0);
}

#[test]
fn fused_step_equals_unfused_step() {
    for n_out in [1, 3] {
        let s = GeneratorSpec {
            n_g: 150,
            ..GeneratorSpec::paper(n_out)
        };
        let mut net = Network::build(s.clone(), 5).expect("valid");
        for _ in 0..20 {
            net.step();
        }
        let (x0, r0, z0) = (net.x().to_vec(), net.r().to_vec(), net.z().to_vec());
        net.step();
        let mut jr = vec![0.0; 150];
        net.j_gg().matvec(&r0, &mut jr);
        let a = s.dt_ms / s.tau_ms;
        for i in 0..150 {
            let mut fb = 0.0;
            for (jk, zk) in net.j_gz()[i * n_out..(i + 1) * n_out].iter().zip(&z0) {
                fb += jk * zk;
            }
            let want = x0[i] + a * (-x0[i] + s.g_gg * jr[i] + s.g_gz * fb);
            assert_eq!(net.x()[i], want, "unit {i}");
            assert_eq!(net.r()[i], tanh(want));
        }
    }
}

#[test]
fn thread_count_does_not_change_results() {
    let target = FnTarget::new(1, Some(600.0), |t, out| {
        out[0] = (2.0 * std::f64::consts::PI * t / 600.0).sin();
    });
    let protocol = Protocol {
        spontaneous_ms: 50.0,
        train_ms: 300.0,
        test_ms: 50.0,
        learn_every_ms: 2.0,
        alpha: 1.0,
    };
    let base = Network::build(spec(257), 3).expect("valid");
    let mut results = Vec::new();
    for threads in [1, 2, 3] {
        let mut net = base.clone();
        let out = Trainer::new(&mut net, &target, protocol)
            .expect("valid")
            .threads(threads)
            .expect("pool")
            .run()
            .expect("runs");
        // Debug text compares NaN metrics (no correlation in the spontaneous phase) as equal.
        results.push((
            net.w().to_vec(),
            net.x().to_vec(),
            format!("{:?}", out.metrics),
        ));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}
