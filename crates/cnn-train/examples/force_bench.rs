//! Times one simulated second of FORCE training (architecture A) and prints one line
//! `force_bench n=N threads=T sim_s=S wall_s=W wall_per_sim_s=R`.
//!
//! The protocol `cargo xtask bench` compares with `bench/reference/force_numpy.py`:
//! the paper's network (p_GG = 0.1, g_GG = 1.5, g_Gz = 1, p_z = 1, tau = 10 ms,
//! dt = 0.1 ms), the MATLAB four-sine target, no spontaneous phase, `--seconds` of
//! training with an RLS update every 1 ms (alpha = 1), no test phase. Building the
//! network is not timed.
//!
//! `cargo run --release -p cnn-train --example force_bench -- --n 1000 [--seconds 1]
//! [--threads 1] [--seed 1] [--repeat 1]` (with `--repeat`, the best of the repeats).
//!
//! `--kernels` instead times the parts (best of many, microseconds) and prints
//! `force_kernels n=N threads=T step_us=.. rls_us=.. stream_us=.. p_bytes=..`: one
//! integration step, one RLS update (`Rls::update_in`), and the bytes-moved bound of that
//! update: one in-place read and write of a buffer as large as the stored triangle of P
//! (`p_bytes`), streamed with the same vector instructions.

use cnn_core::{GeneratorSpec, Network};
use cnn_targets::Harmonics;
use cnn_train::{Protocol, Rls, Termination, Trainer};
use std::time::Instant;

fn parse<T: std::str::FromStr>(name: &str, v: &str) -> T {
    v.parse().unwrap_or_else(|_| {
        eprintln!("force_bench: bad value `{v}` for {name}");
        std::process::exit(2)
    })
}

fn main() {
    let mut n = 1000usize;
    let mut seconds = 1.0f64;
    let mut threads = 1usize;
    let mut seed = 1u64;
    let mut repeat = 1usize;
    let mut kernels_only = false;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--kernels" {
            kernels_only = true;
            continue;
        }
        let v = it.next().unwrap_or_else(|| {
            eprintln!("force_bench: {a} needs a value");
            std::process::exit(2)
        });
        match a.as_str() {
            "--n" => n = parse(a, v),
            "--seconds" => seconds = parse(a, v),
            "--threads" => threads = parse(a, v),
            "--seed" => seed = parse(a, v),
            "--repeat" => repeat = parse(a, v),
            other => {
                eprintln!("force_bench: unknown argument `{other}`");
                std::process::exit(2)
            }
        }
    }
    let spec = GeneratorSpec {
        n_g: n,
        ..GeneratorSpec::paper(1)
    };
    if kernels_only {
        kernels(spec, seed, threads);
        return;
    }
    let target = Harmonics::matlab_four_sine();
    let protocol = Protocol {
        spontaneous_ms: 0.0,
        train_ms: seconds * 1000.0,
        test_ms: 0.0,
        learn_every_ms: 1.0,
        alpha: 1.0,
    };
    let mut best = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let mut net = Network::build(spec.clone(), seed).expect("valid spec");
        let trainer = Trainer::new(&mut net, &target, protocol)
            .expect("valid protocol")
            .threads(threads)
            .expect("thread pool");
        let t = Instant::now();
        let out = trainer.run().expect("runs");
        let wall = t.elapsed().as_secs_f64();
        assert_eq!(out.termination, Termination::Finished, "run did not finish");
        best = best.min(wall);
    }
    println!(
        "force_bench n={n} threads={threads} sim_s={seconds} wall_s={best:.4} wall_per_sim_s={:.4}",
        best / seconds
    );
}

/// Best time of `f` in microseconds over `reps` calls after `reps / 4` warm-up calls.
fn best_us(reps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..reps / 4 {
        f();
    }
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64() * 1e6);
    }
    best
}

struct Stream<'a>(&'a mut [f64]);

impl pulp::WithSimd for Stream<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        let (head, tail) = S::as_mut_simd_f64s(self.0);
        let (a, b) = (simd.splat_f64s(0.999_999), simd.splat_f64s(1e-9));
        for v in head {
            *v = simd.add_f64s(simd.mul_f64s(*v, a), b);
        }
        for v in tail {
            *v = *v * 0.999_999 + 1e-9;
        }
    }
}

/// Runs a step (`None`) or an RLS update on the given rates.
type Exec = dyn Fn(&mut Network, Option<(&mut Rls, &[f64])>);

fn kernels(spec: GeneratorSpec, seed: u64, threads: usize) {
    let n = spec.n_g;
    let exec: Box<Exec> = if threads > 1 {
        let pool = cnn_train::Pool::new(threads).expect("thread pool");
        Box::new(move |net, rls| match rls {
            Some((rls, r)) => {
                rls.update_in(r, &pool);
            }
            None => net.step_in(&pool),
        })
    } else {
        Box::new(|net, rls| match rls {
            Some((rls, r)) => {
                rls.update(r);
            }
            None => net.step(),
        })
    };
    let mut net = Network::build(spec, seed).expect("valid spec");
    let mut dummy = Network::build(
        GeneratorSpec {
            n_g: 2,
            ..GeneratorSpec::paper(1)
        },
        0,
    )
    .expect("valid spec");
    let reps = (2e9 / (n * n) as f64).clamp(20.0, 2000.0) as usize;
    let step_us = best_us(reps * 10, || exec(&mut net, None));
    let mut rates = Vec::new();
    for _ in 0..16 {
        for _ in 0..10 {
            net.step();
        }
        rates.push(net.r().to_vec());
    }
    let mut rls = Rls::new(n, 1.0).expect("alpha > 0");
    let mut i = 0;
    let rls_us = best_us(reps, || {
        exec(&mut dummy, Some((&mut rls, &rates[i % rates.len()])));
        i += 1;
    });
    let mut buf = vec![1.0f64; n * (n + 1) / 2];
    let arch = pulp::Arch::new();
    let stream_us = best_us(reps, || arch.dispatch(Stream(&mut buf)));
    println!(
        "force_kernels n={n} threads={threads} step_us={step_us:.2} rls_us={rls_us:.2} stream_us={stream_us:.2} p_bytes={}",
        rls.p_bytes()
    );
}
