//! Fuzz entry points: arbitrary bytes into the config loader and the CSV target loader.
//!
//! [`config_bytes`] and [`csv_bytes`] are what the libFuzzer targets in `fuzz/` call, and
//! what the stable replay test (`tests/fuzz_replay.rs`) runs on the committed corpus and on
//! seeded mutations of it ([`mutate`]), so CI fuzzes a little without a nightly toolchain.
//! Each returns normally whether the input is accepted or refused; a panic is a bug: a
//! crash in the loader, or a broken invariant of an accepted input (checked here).

use crate::config;
use crate::locate::Source;
use cnn_core::Target;
use cnn_targets::{ColumnRef, CsvOptions, CsvTarget, EndMode, HeaderMode, Timing};
use std::path::PathBuf;

/// Where relative paths (CSV targets) in a fuzzed config are resolved: a directory that
/// does not exist, so that no fuzzed config reads a file by a relative path.
const NO_DIR: &str = "/nonexistent-cnn-fuzz-dir";

/// Times at which an accepted target is evaluated (ms).
const PROBE_TIMES_MS: [f64; 9] = [-5.0, 0.0, 0.05, 0.7, 3.0, 999.5, 1e4, 1e7, f64::NAN];

/// Config text (any bytes; not UTF-8 is refused as a config error would be) into the
/// loader `cnn validate` uses, without overrides. Accepted configs must give a target of
/// the declared number of outputs with finite values, positive step counts and a
/// resolved config that loads again.
pub fn config_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Absolute paths to devices would read forever (`/dev/zero`) or block
    // (`/dev/stdin`): not a loader bug, so not fuzzed.
    if ["/dev", "/proc", "/sys"].iter().any(|p| text.contains(p)) {
        return;
    }
    let source = Source {
        display: "fuzz.toml".into(),
        name: "fuzz".into(),
        base_dir: PathBuf::from(NO_DIR),
    };
    let exp = match config::load(text, &source, &[]) {
        Ok(exp) => exp,
        Err(e) => {
            assert!(
                e.location.starts_with("fuzz.toml"),
                "error without the file name: {e}"
            );
            assert!(!e.message.is_empty(), "error without a message: {e:?}");
            return;
        }
    };
    assert_eq!(exp.target.dim(), exp.spec.n_out, "target dim != n_out");
    // Within the run: analytic targets are not defined at NaN and need not be far beyond.
    let total_ms = exp.steps.total() as f64 * exp.spec.dt_ms;
    let mut out = vec![0.0; exp.target.dim()];
    for t in [0.0, 0.25, 0.5, 0.999, 1.0].map(|f| f * total_ms) {
        exp.target.eval(t, &mut out);
        assert!(
            out.iter().all(|v| v.is_finite()),
            "target value {out:?} at t = {t} ms is not finite"
        );
    }
    assert!(exp.steps.learn_every > 0, "learn_every = 0 accepted");
    if let Err(e) = config::load(&exp.resolved_toml, &source, &[]) {
        panic!(
            "the resolved config does not load again: {e}\n{}",
            exp.resolved_toml
        );
    }
}

/// The first byte chooses the CSV options (timing, header mode, end mode, scale, column
/// selection); the rest is the file. Accepted files must have at least two rows, one name
/// per output, a positive finite period when repeating, and finite values at any time.
pub fn csv_bytes(data: &[u8]) {
    let Some((&opt, body)) = data.split_first() else {
        return;
    };
    let timing = if opt & 1 == 0 {
        Timing::Interval {
            dt_ms: [1.0, 0.1, 1e-300, 1e300][usize::from(opt >> 6)],
        }
    } else {
        Timing::Column(if opt & 2 == 0 {
            ColumnRef::Index(0)
        } else {
            ColumnRef::Name("t".into())
        })
    };
    let options = CsvOptions {
        timing,
        columns: match (opt >> 2) & 3 {
            0 => None,
            1 => Some(vec![ColumnRef::Index(1)]),
            2 => Some(vec![ColumnRef::Name("a".into()), ColumnRef::Index(0)]),
            _ => Some(vec![]),
        },
        header: [HeaderMode::Auto, HeaderMode::Present, HeaderMode::Absent]
            [usize::from(opt >> 4) % 3],
        end: if opt & 0x20 == 0 {
            EndMode::Repeat
        } else {
            EndMode::Hold
        },
        scale: if opt & 0x80 == 0 { 1.0 } else { 1e10 },
    };
    let Ok(csv) = CsvTarget::from_reader(body, "fuzz.csv", &options) else {
        return;
    };
    assert!(csv.n_samples() >= 2, "{} rows accepted", csv.n_samples());
    assert_eq!(csv.names().len(), csv.dim(), "one name per output");
    if let Some(p) = csv.period_ms() {
        assert!(p.is_finite() && p > 0.0, "period {p} ms");
    }
    let mut out = vec![0.0; csv.dim()];
    for t in PROBE_TIMES_MS {
        csv.eval(t, &mut out);
        assert!(
            out.iter().all(|v| v.is_finite()),
            "value {out:?} at t = {t} ms is not finite"
        );
    }
}

/// Tokens a mutation may insert: the values and punctuation that break configs and CSVs.
const TOKENS: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e-320",
    "18446744073709551616",
    "9223372036854775807",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\n",
    "#",
    "[[targets]]",
    "kind = \"csv\"",
    "kind = \"lorenz\"",
    "kind = \"random_sines\"",
    "[ensemble]",
    "[sweep]",
    "\"\"\"",
    "true",
    "1979-05-27",
    "\u{0}",
    "\u{feff}",
    "é",
];

/// A deterministic mutation of `data` (splitmix64 from `seed`): 1 to 4 edits among byte
/// flips, deletions, duplications and insertions of tokens that break configs and CSVs.
pub fn mutate(data: &[u8], seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = data.to_vec();
    let edits = 1 + next() % 4;
    for _ in 0..edits {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            (next() % len as u64) as usize
        };
        match next() % 5 {
            0 if len > 0 => out[at] ^= 1 << (next() % 8),
            1 if len > 0 => {
                let n = 1 + (next() % 16) as usize;
                out.drain(at..(at + n).min(len));
            }
            2 if len > 0 => {
                let n = 1 + (next() % 64) as usize;
                let piece = out[at..(at + n).min(len)].to_vec();
                out.splice(at..at, piece);
            }
            _ => {
                let token = TOKENS[(next() % TOKENS.len() as u64) as usize];
                out.splice(at..at, token.bytes());
            }
        }
    }
    out
}
