//! Measures `cnn_core::tanh` against the platform's libm over many points and prints one
//! summary line per region, e.g. `all n=12000000 max_ulp=1 equal=0.90 ...`.
//!
//! Points (fixed seed, random signs): `--n` (default 10^7) magnitudes log-uniform in
//! [1e-300, 30] (most of them below 2^-28, where tanh(x) = x), `--n` more log-uniform in
//! [2^-30, 20] (where the approximations work), plus 1000 doubles each side of every region boundary of the algorithm
//! (2^-28, 0.625, 19.1, 27.5 ln 2 and `(k + 1/2) ln 2 / 2`). Also checks that the
//! vectorised slice gives the scalar bits.
//!
//! `cargo run --release -p cnn-core --example tanh_accuracy [-- --n 10000000]
//! [--dump FILE --every K]`: `--dump` writes `x ours libm` (hex bits) of every K-th point
//! and of every point where the two differ by 2 ulp or more, for a check against a
//! correctly rounded reference (`tests/data/tanh_check.py`).

use cnn_core::tanh::{tanh, tanh_slice, ulp_distance as ulps};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;

#[derive(Default)]
struct Stats {
    n: usize,
    hist: [usize; 4],
    worst: (u64, f64),
}

impl Stats {
    fn add(&mut self, x: f64, d: u64) {
        self.n += 1;
        self.hist[(d as usize).min(3)] += 1;
        if d > self.worst.0 {
            self.worst = (d, x);
        }
    }
    fn print(&self, name: &str) {
        let f = |k: usize| self.hist[k] as f64 / self.n.max(1) as f64;
        println!(
            "{name:<10} n={:<9} max_ulp={} (x = {:e})  equal={:.4} 1ulp={:.4} 2ulp={:.2e} >2ulp={}",
            self.n,
            self.worst.0,
            self.worst.1,
            f(0),
            f(1),
            f(2),
            self.hist[3]
        );
    }
}

fn main() {
    let mut n = 10_000_000usize;
    let mut dump: Option<String> = None;
    let mut every = 100usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| {
            eprintln!("tanh_accuracy: {a} needs a value");
            std::process::exit(2)
        });
        let bad = |_| {
            eprintln!("tanh_accuracy: bad value `{v}` for {a}");
            std::process::exit(2)
        };
        match a.as_str() {
            "--n" => n = v.parse().unwrap_or_else(bad),
            "--every" => every = v.parse().unwrap_or_else(bad),
            "--dump" => dump = Some(v.clone()),
            other => {
                eprintln!("tanh_accuracy: unknown argument `{other}`");
                std::process::exit(2)
            }
        }
    }

    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut xs: Vec<f64> = Vec::with_capacity(2 * n);
    for (lo, hi) in [(1e-300f64, 30f64), (2f64.powi(-30), 20.0)] {
        let (lo, hi) = (lo.ln(), hi.ln());
        xs.extend((0..n).map(|_| {
            let m = rng.random_range(lo..hi).exp();
            if rng.random::<bool>() {
                m
            } else {
                -m
            }
        }));
    }
    let ln2 = std::f64::consts::LN_2;
    let mut centres = vec![2f64.powi(-28), 0.625, 19.1, 27.5 * ln2];
    centres.extend((1..56).map(|k| (k as f64 + 0.5) * ln2 / 2.0));
    for c in centres {
        let start = f64::from_bits(c.to_bits() - 1000);
        for i in 0..2001u64 {
            let v = f64::from_bits(start.to_bits() + i);
            xs.push(v);
            xs.push(-v);
        }
    }

    let mut ours = vec![0.0; xs.len()];
    tanh_slice(&xs, &mut ours);
    let mut mismatch = 0usize;
    let mut out = dump
        .map(|p| std::io::BufWriter::new(std::fs::File::create(p).expect("create the dump file")));
    let regions: [(&str, f64, f64); 4] = [
        ("tiny", 0.0, 3.725290298461914e-9),
        ("rational", 3.725290298461914e-9, 0.625),
        ("exp", 0.625, 19.1),
        ("one", 19.1, f64::INFINITY),
    ];
    let mut all = Stats::default();
    let mut per: Vec<Stats> = regions.iter().map(|_| Stats::default()).collect();
    for (i, (&x, &t)) in xs.iter().zip(&ours).enumerate() {
        if tanh(x).to_bits() != t.to_bits() {
            mismatch += 1;
        }
        let l = x.tanh();
        let d = ulps(t, l);
        all.add(x, d);
        let a = x.abs();
        for (s, r) in per.iter_mut().zip(&regions) {
            if a >= r.1 && a < r.2 {
                s.add(x, d);
            }
        }
        if let Some(w) = out.as_mut() {
            if i % every == 0 || d >= 2 {
                writeln!(
                    w,
                    "{:016x} {:016x} {:016x}",
                    x.to_bits(),
                    t.to_bits(),
                    l.to_bits()
                )
                .expect("write");
            }
        }
    }
    println!("cnn_core::tanh against libm tanh (ulps apart)");
    all.print("all");
    for (s, r) in per.iter().zip(&regions) {
        s.print(r.0);
    }
    println!("vectorised slice != scalar: {mismatch}");
    assert_eq!(mismatch, 0);
}
