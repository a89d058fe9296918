//! Criterion benchmarks of the FORCE hot paths at N = 500, 1000, 2000, 4000 (paper
//! network: p_GG = 0.1, dt = 0.1 ms; fixed seeds; the size is in each benchmark id):
//! - `step/N`: one integration step (`Network::step`);
//! - `rls_update/N`: one RLS update (`Rls::update` + `Rls::apply`) on rates of the network;
//! - `train_second/N`: one simulated second of training (10 000 steps, 1000 updates);
//! - `stream_triangle/N`: the memory bound of one RLS update: one in-place read and write
//!   of a buffer as large as the stored triangle of P;
//! - `tanh/libm/1000`, `tanh/cnn/1000`: `r = tanh(x)` of the 1000 potentials of a network
//!   after 20 ms, with libm's scalar `f64::tanh` and with `cnn_core::tanh::tanh_slice`
//!   (the step's vectorised tanh).
//!
//! `cargo bench -p cnn-train --bench force` (add a filter such as `rls_update/1000`).

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use cnn_core::{GeneratorSpec, Network};
use cnn_targets::Harmonics;
use cnn_train::{Protocol, Rls, Trainer};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 4] = [500, 1000, 2000, 4000];
const SEED: u64 = 7;

fn spec(n: usize) -> GeneratorSpec {
    GeneratorSpec {
        n_g: n,
        ..GeneratorSpec::paper(1)
    }
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    for n in SIZES {
        let mut net = Network::build(spec(n), SEED).expect("valid");
        for _ in 0..200 {
            net.step();
        }
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                net.step();
                black_box(net.z()[0]);
            })
        });
    }
    g.finish();
}

fn rls_update(c: &mut Criterion) {
    let mut g = c.benchmark_group("rls_update");
    for n in SIZES {
        let mut net = Network::build(spec(n), SEED).expect("valid");
        // 32 rate vectors 1 ms apart, cycled.
        let mut rates = Vec::new();
        for _ in 0..32 {
            for _ in 0..10 {
                net.step();
            }
            rates.push(net.r().to_vec());
        }
        let mut rls = Rls::new(n, 1.0).expect("alpha > 0");
        let mut w = vec![0.0; n];
        let mut i = 0;
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let r = &rates[i % rates.len()];
                i += 1;
                let gain = rls.update(r);
                rls.apply(gain, 0.01, &mut w);
                black_box(gain.c);
            })
        });
    }
    g.finish();
}

/// The bytes-moved bound of one RLS update: one read and one write of a buffer the size
/// of the stored triangle of P (`n (n + 1) / 2` f64), streamed in place.
fn stream(c: &mut Criterion) {
    let mut g = c.benchmark_group("stream_triangle");
    for n in SIZES {
        let mut buf = vec![1.0f64; n * (n + 1) / 2];
        let arch = pulp::Arch::new();
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                arch.dispatch(|| {
                    for v in buf.iter_mut() {
                        *v = *v * 0.999_999 + 1e-9;
                    }
                });
                black_box(buf[0]);
            })
        });
    }
    g.finish();
}

fn tanh(c: &mut Criterion) {
    let mut g = c.benchmark_group("tanh");
    let n = 1000;
    let mut net = Network::build(spec(n), SEED).expect("valid");
    for _ in 0..200 {
        net.step();
    }
    let x = net.x().to_vec();
    let mut r = vec![0.0; n];
    g.bench_function(BenchmarkId::new("libm", n), |b| {
        b.iter(|| {
            for (ri, xi) in r.iter_mut().zip(black_box(&x)) {
                *ri = xi.tanh();
            }
            black_box(r[0]);
        })
    });
    g.bench_function(BenchmarkId::new("cnn", n), |b| {
        b.iter(|| {
            cnn_core::tanh::tanh_slice(black_box(&x), &mut r);
            black_box(r[0]);
        })
    });
    g.finish();
}

fn train_second(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_second");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(5));
    g.sampling_mode(criterion::SamplingMode::Flat);
    let target = Harmonics::matlab_four_sine();
    let protocol = Protocol {
        spontaneous_ms: 0.0,
        train_ms: 1000.0,
        test_ms: 0.0,
        learn_every_ms: 1.0,
        alpha: 1.0,
    };
    for n in SIZES {
        let base = Network::build(spec(n), SEED).expect("valid");
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut net = base.clone();
                let out = Trainer::new(&mut net, &target, protocol)
                    .expect("valid")
                    .run()
                    .expect("runs");
                black_box(out.steps);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, step, rls_update, stream, tanh, train_second);
criterion_main!(benches);
