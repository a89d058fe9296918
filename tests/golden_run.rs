//! Golden run: a short fixed-seed run through the CLI, read back with `cnn_io::read_run`
//! and compared with `tests/golden/run_small.txt` (lines `name value`) to 1e-12
//! relative. `CNN_BLESS=1` rewrites the file from the current program instead.

use crate::harness::{self, Tiny};
use std::collections::BTreeMap;
use std::path::PathBuf;

const REL_TOL: f64 = 1e-12;
const GOLDEN: &str = "tests/golden/run_small.txt";

fn golden_path() -> PathBuf {
    harness::workspace_root().join(GOLDEN)
}

/// The values pinned by the golden file, by name, from a run file.
fn pinned(run: &cnn_io::RunRecord) -> Vec<(String, f64)> {
    let mut v = Vec::new();
    let net = &run.network;
    let k_out = net.n_out;
    v.push(("network.n_g".into(), net.n_g as f64));
    v.push(("network.nnz".into(), net.j_gg.nnz() as f64));
    v.push(("network.j_gg.data_sum".into(), net.j_gg.data().iter().sum()));
    for i in [0, 17, 49] {
        v.push((format!("network.x_initial.{i}"), net.x_initial[i]));
        v.push((format!("network.j_gz.{i}"), net.j_gz[i * k_out]));
    }
    for i in [0, 7, 25, 49] {
        v.push((format!("network.w_final.{i}.0"), net.w_final[i * k_out]));
    }
    for p in &run.phases {
        let name = p.phase.name();
        let rows = p.rows();
        v.push((format!("phases.{name}.rows"), rows as f64));
        let mut picks = vec![0, 1, rows / 2, rows - 1];
        picks.dedup();
        for j in picks {
            v.push((format!("phases.{name}.t_ms.{j}"), p.t_ms[j]));
            v.push((format!("phases.{name}.z.{j}.0"), p.z[j * k_out]));
            v.push((format!("phases.{name}.f.{j}.0"), p.f[j * k_out]));
        }
        let r = p.rates_index.len();
        v.push((
            format!("phases.{name}.rates.last.{}", r - 1),
            p.rates[(rows - 1) * r + r - 1],
        ));
        if !p.w_norm.is_empty() {
            v.push((format!("phases.{name}.updates"), p.update_t_ms.len() as f64));
            v.push((
                format!("phases.{name}.w_norm.last.0"),
                p.w_norm[p.w_norm.len() - k_out],
            ));
            v.push((format!("phases.{name}.dw_norm.0.0"), p.dw_norm[0]));
        }
    }
    for m in &run.metrics {
        for (metric, values) in &m.values {
            for (k, x) in values.iter().enumerate() {
                v.push((format!("metrics.{}.{metric}.{k}", m.phase.name()), *x));
            }
        }
    }
    v
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= REL_TOL * a.abs().max(b.abs())
}

#[test]
fn golden_run_small() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let tiny = Tiny {
        n_g: 50,
        seed: 7,
        spontaneous_ms: 50.0,
        train_ms: 300.0,
        test_ms: 100.0,
        learn_every_ms: 2.0,
        rates: 5,
        decimate: 1,
    };
    let cfg = harness::write(dir, "golden.toml", &tiny.toml());
    let out_path = dir.join("golden.h5");
    let out = harness::cnn(
        dir,
        &["run", &cfg, "-q", "--out", &out_path.to_string_lossy()],
    );
    assert!(out.code == 0 || out.code == 1, "{}", out.dump());
    let run = cnn_io::read_run(&out_path).unwrap_or_else(|e| panic!("read_run: {e}"));
    assert_eq!(run.meta.status, cnn_io::RunStatus::Complete);
    assert_eq!(run.meta.seed, 7);
    assert_eq!(run.phases.len(), 3);
    let values = pinned(&run);

    let path = golden_path();
    if std::env::var("CNN_BLESS").is_ok_and(|v| v == "1") {
        let mut text = String::from(
            "# Golden values of tests/golden_run.rs (N_G = 50, seed 7, four_sine, dt 1 ms,\n\
             # 50 + 300 + 100 ms, learning every 2 ms). Regenerate with\n\
             # CNN_BLESS=1 cargo test -p cnn-cli --test cli golden\n",
        );
        for (name, x) in &values {
            text.push_str(&format!("{name} {x:?}\n"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!(
            "CNN_BLESS=1: rewrote {} ({} values)",
            path.display(),
            values.len()
        );
        return;
    }

    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the golden file {} cannot be read ({e}); create it from the current program with\n\
             CNN_BLESS=1 cargo test -p cnn-cli --test cli golden\n\
             and check the values before committing it",
            path.display()
        )
    });
    let mut expected = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("{GOLDEN}:{}: expected `name value`", i + 1));
        let value: f64 = value
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{GOLDEN}:{}: {e}", i + 1));
        expected.insert(name.to_string(), value);
    }
    let mut problems = Vec::new();
    let got: BTreeMap<String, f64> = values.into_iter().collect();
    for (name, want) in &expected {
        match got.get(name) {
            None => problems.push(format!("{name}: in the golden file but not produced")),
            Some(&x) if !same(x, *want) => problems.push(format!(
                "{name}: got {x:?}, golden {want:?} (relative difference {:.3e})",
                (x - want).abs() / want.abs().max(x.abs())
            )),
            Some(_) => {}
        }
    }
    for name in got.keys() {
        if !expected.contains_key(name) {
            problems.push(format!("{name}: produced but not in the golden file"));
        }
    }
    assert!(
        problems.is_empty(),
        "the golden run differs from {GOLDEN} (tolerance {REL_TOL:e} relative); if the change \
         is intended, rerun with CNN_BLESS=1:\n{}",
        problems.join("\n")
    );
}
