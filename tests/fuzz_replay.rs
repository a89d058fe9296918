//! Fuzzing on stable, for CI: the committed fuzz corpus (`fuzz/corpus/<target>/`), the
//! crashes found so far (`fuzz/regressions/<target>/`) and seeded mutations of the corpus
//! go through the same entry functions as the libFuzzer targets (`cnn_experiment::fuzz`). No
//! input may panic. `CNN_FUZZ_MUTATIONS` sets the mutations per target (default 20000),
//! `CNN_FUZZ_SECONDS` a time instead; `cargo xtask fuzz` runs the real fuzzers.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

use crate::harness;

/// The files of `fuzz/<kind>/<target>/`, sorted (missing directory: none).
fn inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = harness::workspace_root()
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            let path = e.path();
            let bytes =
                std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// Runs `entry` on `data`; a panic becomes an error naming the input (bytes escaped).
fn run_one(entry: fn(&[u8]), name: &str, data: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| entry(data))).map_err(|e| {
        let why = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!(
            "{name} panicked: {why}\n  input: \"{}\"",
            data.escape_ascii()
        )
    })
}

/// How long to mutate: `CNN_FUZZ_SECONDS` (set by `cargo xtask fuzz` without nightly)
/// or `CNN_FUZZ_MUTATIONS` inputs (default 20000).
enum Budget {
    Mutations(u64),
    Seconds(f64),
}

fn budget() -> Budget {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<f64>().ok());
    match (var("CNN_FUZZ_SECONDS"), var("CNN_FUZZ_MUTATIONS")) {
        (Some(s), _) => Budget::Seconds(s),
        (None, Some(n)) => Budget::Mutations(n as u64),
        (None, None) => Budget::Mutations(20_000),
    }
}

/// Replays corpus, regressions and mutations of `target` through `entry`.
fn replay(target: &str, entry: fn(&[u8]), min_corpus: usize) {
    let corpus = inputs("corpus", target);
    assert!(
        corpus.len() >= min_corpus,
        "fuzz/corpus/{target} has {} files, expected at least {min_corpus}",
        corpus.len()
    );
    let mut failures = Vec::new();
    let mut executions = 0u64;
    for (name, data) in corpus.iter().chain(&inputs("regressions", target)) {
        failures.extend(run_one(entry, name, data).err());
        executions += 1;
    }
    let started = Instant::now();
    let budget = budget();
    for i in 0.. {
        let more = match budget {
            Budget::Mutations(n) => i < n,
            Budget::Seconds(s) => started.elapsed().as_secs_f64() < s,
        };
        if !more || failures.len() >= 10 {
            break;
        }
        let (name, seed_input) = &corpus[(i as usize) % corpus.len()];
        let data = cnn_experiment::fuzz::mutate(seed_input, i);
        failures.extend(run_one(entry, &format!("mutation {i} of {name}"), &data).err());
        executions += 1;
    }
    println!("{target}: fuzz executions: {executions}");
    println!("{target}: fuzz crashes: {}", failures.len());
    assert!(
        failures.is_empty(),
        "{target}: {} input(s) panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fuzz_corpus_and_mutations_config() {
    replay("config", cnn_experiment::fuzz::config_bytes, 8);
}

#[test]
fn fuzz_corpus_and_mutations_csv() {
    replay("csv", cnn_experiment::fuzz::csv_bytes, 8);
}

/// The entry functions must check something: the presets in the corpus are accepted
/// (so the accepted-config invariants run), and a CSV seed too.
#[test]
fn fuzz_seeds_reach_the_accepting_paths() {
    let root = harness::workspace_root();
    for preset in ["fig2-periodic", "fig2-three-outputs", "smoke-ensemble"] {
        let path = root
            .join("fuzz/corpus/config")
            .join(format!("{preset}.toml"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let source = cnn_experiment::Source {
            display: "fuzz.toml".into(),
            name: preset.into(),
            base_dir: Path::new("/nonexistent").into(),
        };
        if let Err(e) = cnn_experiment::config::load(&text, &source, &[]) {
            panic!("{preset} is refused: {e}");
        }
    }
    let csv = b"a,b\n1,2\n3,4\n";
    let parsed = cnn_targets::CsvTarget::parse(
        std::str::from_utf8(csv).unwrap_or_default(),
        "x.csv",
        &cnn_targets::CsvOptions::interval(1.0),
    );
    assert!(parsed.is_ok(), "{parsed:?}");
    // A panic inside the entry is reported, not swallowed.
    assert!(run_one(|_| panic!("boom"), "probe", b"").is_err());
}
