//! The engine's move into `cnn-experiment` changed no result: `cnn run` on shortened
//! presets of architectures A, B and C (all-to-all and sparse per-unit) gives the same
//! datasets, bit for bit, as the `cnn` before the move. Each run file is read back and
//! hashed over everything it holds (network, traces, metrics, health, PCA, config,
//! status), leaving out only what the move changed on purpose or what differs between
//! machines: the cnn version, the per-phase success flags (`/metrics/<phase>@success`,
//! new) and the metrics' order (older files read back sorted by name).
//!
//! The pinned hashes were taken from the `cnn` binary of commit 17d22e1 (before the
//! move): `CNN_HASH_BIN=/path/to/old/cnn cargo test -p cnn-cli --test cli preset_hash --
//! --nocapture` prints the hashes a given binary produces.

use crate::harness;
use std::process::Command;

/// (preset, overrides, FNV-1a hash of the canonical record).
const CASES: &[(&str, &[&str], &str)] = &[
    (
        "fig2-matlab",
        &[
            "network.n_g=300",
            "simulation.spontaneous_ms=240",
            "simulation.train_ms=2400",
            "simulation.test_ms=1200",
        ],
        "7ff18c91cde9901f",
    ),
    (
        "fig6c-all-to-all",
        &[
            "network.n_g=200",
            "simulation.spontaneous_ms=240",
            "simulation.train_ms=2400",
            "simulation.test_ms=1200",
        ],
        "fab318eec696fbb7",
    ),
    (
        "fig6c-internal",
        &[
            "network.n_g=120",
            "internal.trained_units=120",
            "simulation.spontaneous_ms=120",
            "simulation.train_ms=1200",
            "simulation.test_ms=600",
        ],
        "85ea5d2c7e605a06",
    ),
    (
        "fig6b-all-to-all",
        &[
            "network.n_g=200",
            "simulation.spontaneous_ms=120",
            "simulation.train_ms=1200",
            "simulation.test_ms=600",
        ],
        "71c313a0b4179d3d",
    ),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The record with the parts the move changed on purpose normalised (see the module
/// docs), printed with `{:?}` (floats print exactly) and hashed.
fn canonical_hash(mut rec: cnn_io::RunRecord) -> String {
    rec.meta.cnn_version.clear();
    for m in &mut rec.metrics {
        m.success = None;
        m.values.sort_by(|a, b| a.0.cmp(&b.0));
    }
    format!("{:016x}", fnv1a(format!("{rec:?}").as_bytes()))
}

#[test]
fn preset_outputs_are_unchanged_by_the_engine_move() {
    let bin = std::env::var("CNN_HASH_BIN").unwrap_or_else(|_| harness::cnn_bin().to_string());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (preset, set, pinned) in CASES {
        let out = dir.path().join(format!("{preset}.h5"));
        let mut cmd = Command::new(&bin);
        cmd.args(["run", preset, "--quiet", "--out"]).arg(&out);
        for s in *set {
            cmd.args(["--set", s]);
        }
        let status = cmd.status().expect("cannot start cnn");
        assert!(
            matches!(status.code(), Some(0 | 1)),
            "{preset}: cnn run exited {status}"
        );
        let rec = cnn_io::read_run(&out).expect("read the run file back");
        let hash = canonical_hash(rec);
        println!("{preset}: {hash}");
        if hash != *pinned {
            wrong.push(format!("{preset}: {hash}, pinned {pinned}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "preset outputs changed:\n{}",
        wrong.join("\n")
    );
}
