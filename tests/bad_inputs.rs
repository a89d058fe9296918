//! Broken configs, arguments and files: every one must exit with code 2, name the key
//! (and the `bad.toml:LINE` where the key is in the file), not panic, and leave no output
//! file behind. One table, one test.

use crate::harness::{self, Output};

/// A valid, tiny config; the cases below break one thing in it. Keep every key on its
/// own line: the cases replace whole lines.
const BASE: &str = r#"description = "bad-input test base"
seed = 1

[network]
n_g = 20
p_gg = 0.1
g_gg = 1.5
p_z = 1.0
tau_ms = 10.0

[simulation]
dt_ms = 1.0
spontaneous_ms = 10.0
train_ms = 20.0
test_ms = 10.0

[training]
alpha = 1.0
learn_every_ms = 2.0

[record]
rates = 5
decimate = 1

[[targets]]
kind = "four_sine"
"#;

/// `BASE` with the line `old` replaced by `new` (which may span several lines).
fn with(old: &str, new: &str) -> String {
    let mut found = 0;
    let text: Vec<String> = BASE
        .lines()
        .map(|l| {
            if l == old {
                found += 1;
                new.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_eq!(found, 1, "the base config has no line `{old}`");
    text.join("\n") + "\n"
}

/// `BASE` with `lines` appended (they land in the `[[targets]]` table).
fn append(lines: &str) -> String {
    format!("{BASE}{lines}\n")
}

#[derive(Default)]
struct Case {
    name: &'static str,
    /// Written to `bad.toml` in the case's directory.
    config: Option<String>,
    /// Other files to write first: (name, contents).
    files: Vec<(&'static str, &'static str)>,
    /// Directories to create first.
    dirs: Vec<&'static str>,
    /// The command lines to run; `{cfg}` is the path of `bad.toml`, `{dir}` the case's
    /// directory. Empty: `validate {cfg}` and `run {cfg} --out {dir}/out.h5 --quiet`.
    args: Vec<Vec<&'static str>>,
    /// Must appear in stderr (the key's name).
    key: &'static str,
    /// The line of `bad.toml` holding this text must appear as `bad.toml:LINE:`.
    line_of: Option<&'static str>,
    /// Further texts that must appear in stderr.
    also: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        // --- stage 1: TOML syntax, unknown keys, types ---
        Case {
            name: "unknown top-level key",
            config: Some(with("seed = 1", "seed = 1\ncolour = \"red\"")),
            key: "colour",
            line_of: Some("colour ="),
            ..Case::default()
        },
        Case {
            name: "unknown key in [network]",
            config: Some(with("g_gg = 1.5", "g_gg = 1.5\ngain = 2.0")),
            key: "gain",
            line_of: Some("gain ="),
            ..Case::default()
        },
        Case {
            name: "unknown key in [[targets]]",
            config: Some(append("wobble = 1.0")),
            key: "wobble",
            line_of: Some("wobble ="),
            ..Case::default()
        },
        Case {
            name: "key not valid for the target kind (period_ms for lorenz)",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"lorenz\"\nperiod_ms = 100.0",
            )),
            key: "targets[0].period_ms",
            line_of: Some("period_ms ="),
            also: vec!["lorenz"],
            ..Case::default()
        },
        Case {
            name: "bad key in the second of two targets",
            config: Some(append(
                "\n[[targets]]\nkind = \"sine\"\namplitude = 1.0\ncoefs = [1.0]",
            )),
            key: "targets[1].coefs",
            line_of: Some("coefs ="),
            ..Case::default()
        },
        Case {
            name: "wrong type (string for n_g)",
            config: Some(with("n_g = 20", "n_g = \"many\"")),
            key: "n_g",
            line_of: Some("n_g ="),
            ..Case::default()
        },
        Case {
            name: "wrong type in a target (string for amplitude)",
            config: Some(append("amplitude = \"big\"")),
            key: "amplitude",
            line_of: Some("amplitude ="),
            ..Case::default()
        },
        Case {
            name: "unknown target kind",
            config: Some(with("kind = \"four_sine\"", "kind = \"wiggle\"")),
            key: "kind",
            line_of: Some("kind ="),
            also: vec!["wiggle"],
            ..Case::default()
        },
        Case {
            name: "invalid TOML syntax",
            config: Some(with("p_gg = 0.1", "p_gg = = 0.1")),
            key: "",
            line_of: Some("p_gg = = 0.1"),
            ..Case::default()
        },
        Case {
            name: "duplicate key",
            config: Some(with("tau_ms = 10.0", "tau_ms = 10.0\ntau_ms = 20.0")),
            key: "tau_ms",
            line_of: Some("tau_ms = 20.0"),
            ..Case::default()
        },
        // --- stage 2: ranges ---
        Case {
            name: "p_gg = 0",
            config: Some(with("p_gg = 0.1", "p_gg = 0.0")),
            key: "network.p_gg",
            line_of: Some("p_gg ="),
            ..Case::default()
        },
        Case {
            name: "p_gg = 1.5",
            config: Some(with("p_gg = 0.1", "p_gg = 1.5")),
            key: "network.p_gg",
            line_of: Some("p_gg ="),
            ..Case::default()
        },
        Case {
            name: "p_z = 0",
            config: Some(with("p_z = 1.0", "p_z = 0.0")),
            key: "network.p_z",
            line_of: Some("p_z ="),
            ..Case::default()
        },
        Case {
            name: "n_g = 0",
            config: Some(with("n_g = 20", "n_g = 0")),
            key: "network.n_g",
            line_of: Some("n_g ="),
            ..Case::default()
        },
        Case {
            name: "nan value (g_gg = nan)",
            config: Some(with("g_gg = 1.5", "g_gg = nan")),
            key: "network.g_gg",
            line_of: Some("g_gg ="),
            ..Case::default()
        },
        Case {
            name: "infinite value (tau_ms = inf)",
            config: Some(with("tau_ms = 10.0", "tau_ms = inf")),
            key: "network.tau_ms",
            line_of: Some("tau_ms ="),
            ..Case::default()
        },
        Case {
            name: "w_init not zero/gaussian",
            config: Some(with("tau_ms = 10.0", "tau_ms = 10.0\nw_init = \"ones\"")),
            key: "network.w_init",
            line_of: Some("w_init ="),
            ..Case::default()
        },
        Case {
            name: "negative seed",
            config: Some(with("seed = 1", "seed = -1")),
            key: "seed",
            line_of: Some("seed = -1"),
            ..Case::default()
        },
        Case {
            name: "dt_ms = tau_ms",
            config: Some(with("dt_ms = 1.0", "dt_ms = 10.0")),
            key: "simulation.dt_ms",
            line_of: Some("dt_ms ="),
            ..Case::default()
        },
        Case {
            name: "dt_ms > tau_ms",
            config: Some(with("dt_ms = 1.0", "dt_ms = 25.0")),
            key: "simulation.dt_ms",
            line_of: Some("dt_ms ="),
            ..Case::default()
        },
        Case {
            name: "dt_ms = 0",
            config: Some(with("dt_ms = 1.0", "dt_ms = 0.0")),
            key: "simulation.dt_ms",
            line_of: Some("dt_ms ="),
            ..Case::default()
        },
        Case {
            name: "negative train_ms",
            config: Some(with("train_ms = 20.0", "train_ms = -100.0")),
            key: "simulation.train_ms",
            line_of: Some("train_ms ="),
            ..Case::default()
        },
        Case {
            name: "test_ms not a multiple of dt_ms",
            config: Some(with("test_ms = 10.0", "test_ms = 10.5")),
            key: "simulation.test_ms",
            line_of: Some("test_ms ="),
            ..Case::default()
        },
        Case {
            name: "learn_every_ms not a multiple of dt_ms (0.25 with dt 0.1)",
            config: Some(
                with("learn_every_ms = 2.0", "learn_every_ms = 0.25")
                    .replace("dt_ms = 1.0", "dt_ms = 0.1"),
            ),
            key: "training.learn_every_ms",
            line_of: Some("learn_every_ms ="),
            ..Case::default()
        },
        Case {
            name: "learn_every_ms = 0",
            config: Some(with("learn_every_ms = 2.0", "learn_every_ms = 0.0")),
            key: "training.learn_every_ms",
            line_of: Some("learn_every_ms ="),
            ..Case::default()
        },
        Case {
            name: "alpha = 0",
            config: Some(with("alpha = 1.0", "alpha = 0.0")),
            key: "training.alpha",
            line_of: Some("alpha ="),
            ..Case::default()
        },
        Case {
            name: "success_min_corr > 1",
            config: Some(with("alpha = 1.0", "alpha = 1.0\nsuccess_min_corr = 2.0")),
            key: "training.success_min_corr",
            line_of: Some("success_min_corr ="),
            ..Case::default()
        },
        Case {
            name: "rates larger than n_g",
            config: Some(with("rates = 5", "rates = 50")),
            key: "record.rates",
            line_of: Some("rates ="),
            ..Case::default()
        },
        Case {
            name: "negative rates",
            config: Some(with("rates = 5", "rates = -1")),
            key: "record.rates",
            line_of: Some("rates ="),
            ..Case::default()
        },
        Case {
            name: "rates_index out of range",
            config: Some(with("rates = 5", "rates_index = [0, 3, 20]")),
            key: "record.rates_index",
            line_of: Some("rates_index ="),
            ..Case::default()
        },
        Case {
            name: "rates and rates_index together",
            config: Some(with("rates = 5", "rates = 5\nrates_index = [0, 1]")),
            key: "record.rates_index",
            line_of: Some("rates_index ="),
            ..Case::default()
        },
        Case {
            name: "decimate = 0",
            config: Some(with("decimate = 1", "decimate = 0")),
            key: "record.decimate",
            line_of: Some("decimate ="),
            ..Case::default()
        },
        // --- targets ---
        Case {
            name: "no [[targets]]",
            config: Some(BASE.replace("[[targets]]\nkind = \"four_sine\"\n", "")),
            key: "targets",
            also: vec!["[[targets]]"],
            ..Case::default()
        },
        Case {
            name: "target without kind",
            config: Some(with("kind = \"four_sine\"", "amplitude = 1.0")),
            key: "targets[0].kind",
            line_of: Some("[[targets]]"),
            ..Case::default()
        },
        Case {
            name: "negative noise_sigma",
            config: Some(append("noise_sigma = -0.5")),
            key: "targets[0].noise_sigma",
            line_of: Some("noise_sigma ="),
            ..Case::default()
        },
        Case {
            name: "lorenz component out of range",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"lorenz\"\ncomponent = 3",
            )),
            key: "targets[0].component",
            line_of: Some("component ="),
            ..Case::default()
        },
        Case {
            name: "missing CSV file",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"csv\"\npath = \"nosuch.csv\"\nsample_interval_ms = 1.0",
            )),
            key: "targets[0].path",
            line_of: Some("path ="),
            also: vec!["nosuch.csv"],
            ..Case::default()
        },
        Case {
            name: "CSV with a ragged row",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"csv\"\npath = \"data.csv\"\ntime_column = \"t\"",
            )),
            files: vec![("data.csv", "t,a,b\n0,1,2\n1,3,4\n2,5\n3,7,8\n")],
            key: "targets[0].path",
            line_of: Some("path ="),
            also: vec!["data.csv:4"],
            ..Case::default()
        },
        Case {
            name: "CSV with a non-numeric value",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"csv\"\npath = \"data.csv\"\nsample_interval_ms = 1.0",
            )),
            files: vec![("data.csv", "a\n1.0\n2.0\nabc\n4.0\n")],
            key: "targets[0].path",
            line_of: Some("path ="),
            also: vec!["data.csv:4", "abc"],
            ..Case::default()
        },
        Case {
            name: "CSV without time_column or sample_interval_ms",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"csv\"\npath = \"data.csv\"",
            )),
            files: vec![("data.csv", "a\n1.0\n2.0\n3.0\n")],
            key: "targets[0]",
            line_of: Some("path ="),
            also: vec!["time_column", "sample_interval_ms"],
            ..Case::default()
        },
        Case {
            name: "CSV with both time_column and sample_interval_ms",
            config: Some(with(
                "kind = \"four_sine\"",
                "kind = \"csv\"\npath = \"data.csv\"\ntime_column = \"t\"\nsample_interval_ms = 1.0",
            )),
            files: vec![("data.csv", "t,a\n0,1.0\n1,2.0\n2,3.0\n")],
            key: "targets[0]",
            also: vec!["time_column", "sample_interval_ms"],
            ..Case::default()
        },
        // --- --set overrides ---
        Case {
            name: "--set with a bad value",
            config: Some(BASE.to_string()),
            args: vec![
                vec!["validate", "{cfg}", "--set", "network.g_gg=abc"],
                vec!["run", "{cfg}", "--out", "{dir}/out.h5", "-q", "--set", "network.g_gg=abc"],
            ],
            key: "g_gg",
            also: vec!["--set network.g_gg=abc"],
            ..Case::default()
        },
        Case {
            name: "--set with an out-of-range value",
            config: Some(BASE.to_string()),
            args: vec![
                vec!["validate", "{cfg}", "--set", "network.p_gg=0"],
                vec!["run", "{cfg}", "--out", "{dir}/out.h5", "-q", "--set", "network.p_gg=0"],
            ],
            key: "network.p_gg",
            also: vec!["--set network.p_gg=0"],
            ..Case::default()
        },
        Case {
            name: "--set without =",
            config: Some(BASE.to_string()),
            args: vec![
                vec!["validate", "{cfg}", "--set", "network.g_gg"],
                vec!["run", "{cfg}", "--out", "{dir}/out.h5", "-q", "--set", "network.g_gg"],
            ],
            key: "network.g_gg",
            also: vec!["KEY=VALUE"],
            ..Case::default()
        },
        Case {
            name: "--set to an unknown key",
            config: Some(BASE.to_string()),
            args: vec![
                vec!["validate", "{cfg}", "--set", "network.bogus=1"],
                vec!["run", "{cfg}", "--out", "{dir}/out.h5", "-q", "--set", "network.bogus=1"],
            ],
            key: "bogus",
            ..Case::default()
        },
        Case {
            name: "--set into a missing target",
            config: Some(BASE.to_string()),
            args: vec![vec!["validate", "{cfg}", "--set", "targets.3.amplitude=1"]],
            key: "targets",
            also: vec!["out of range"],
            ..Case::default()
        },
        // --- output files ---
        Case {
            name: "unwritable output (missing directory)",
            config: Some(BASE.to_string()),
            args: vec![vec!["run", "{cfg}", "-q", "--out", "/nonexistent-dir/x.h5"]],
            key: "--out",
            also: vec!["/nonexistent-dir"],
            ..Case::default()
        },
        Case {
            name: "output is a directory",
            config: Some(BASE.to_string()),
            dirs: vec!["out.h5"],
            args: vec![vec!["run", "{cfg}", "-q", "--out", "{dir}/out.h5"]],
            key: "--out",
            also: vec!["directory"],
            ..Case::default()
        },
        Case {
            name: "existing output without --force",
            config: Some(BASE.to_string()),
            files: vec![("precious.h5", "not to be overwritten")],
            args: vec![vec!["run", "{cfg}", "-q", "--out", "{dir}/precious.h5"]],
            key: "precious.h5",
            also: vec!["--force"],
            ..Case::default()
        },
        // --- config names and files ---
        Case {
            name: "missing config file",
            args: vec![
                vec!["run", "{dir}/nosuch.toml", "-q", "--out", "{dir}/out.h5"],
                vec!["validate", "{dir}/nosuch.toml"],
            ],
            key: "nosuch.toml",
            ..Case::default()
        },
        Case {
            name: "config is a directory",
            dirs: vec!["confdir.toml"],
            args: vec![vec!["validate", "{dir}/confdir.toml"]],
            key: "confdir.toml",
            also: vec!["directory"],
            ..Case::default()
        },
        Case {
            name: "unknown preset name",
            args: vec![
                vec!["run", "no-such-preset", "-q", "--out", "{dir}/out.h5"],
                vec!["validate", "no-such-preset"],
            ],
            key: "no-such-preset",
            also: vec!["fig2-periodic"],
            ..Case::default()
        },
        Case {
            name: "presets show nosuch",
            args: vec![vec!["presets", "show", "nosuch"]],
            key: "nosuch",
            also: vec!["fig2-periodic"],
            ..Case::default()
        },
        // --- cnn info ---
        Case {
            name: "info on a text file",
            files: vec![("notes.h5", "just some text\n")],
            args: vec![vec!["info", "{dir}/notes.h5"]],
            key: "notes.h5",
            also: vec!["HDF5"],
            ..Case::default()
        },
        Case {
            name: "info on a missing file",
            args: vec![vec!["info", "{dir}/missing.h5"]],
            key: "missing.h5",
            ..Case::default()
        },
        Case {
            name: "info on a directory",
            dirs: vec!["adir.h5"],
            args: vec![vec!["info", "{dir}/adir.h5"]],
            key: "adir.h5",
            also: vec!["directory"],
            ..Case::default()
        },
        // --- clap ---
        Case {
            name: "unknown option",
            args: vec![vec!["run", "--bogus-flag"]],
            key: "--bogus-flag",
            ..Case::default()
        },
    ]
}

/// The 1-based line of `text` that holds `needle`, which must occur exactly once.
fn line_holding(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "`{needle}` must be on exactly one line of\n{text}"
    );
    lines[0]
}

/// Runs one case; returns the failures (empty if it behaved).
fn check(case: &Case) -> Vec<String> {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    for d in &case.dirs {
        std::fs::create_dir(dir.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    for (name, text) in &case.files {
        harness::write(dir, name, text);
    }
    let cfg = match &case.config {
        Some(text) => harness::write(dir, "bad.toml", text),
        None => dir.join("bad.toml").to_string_lossy().into_owned(),
    };
    let dir_s = dir.to_string_lossy().into_owned();
    let arg_lists: Vec<Vec<&str>> = if case.args.is_empty() {
        vec![
            vec!["validate", "{cfg}"],
            vec!["run", "{cfg}", "--out", "{dir}/out.h5", "--quiet"],
        ]
    } else {
        case.args.clone()
    };
    let before = harness::run_outputs(dir);
    let mut failures = Vec::new();
    for args in arg_lists {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{cfg}", &cfg).replace("{dir}", &dir_s))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out: Output = harness::cnn(dir, &args);
        let mut problems = Vec::new();
        if out.code != 2 {
            problems.push(format!("exit code {} (expected 2)", out.code));
        }
        if !case.key.is_empty() && !out.stderr.contains(case.key) {
            problems.push(format!("stderr does not name the key `{}`", case.key));
        }
        if let (Some(needle), Some(text)) = (case.line_of, &case.config) {
            let at = format!("bad.toml:{}:", line_holding(text, needle));
            if !out.stderr.contains(&at) {
                problems.push(format!("stderr does not give the location `{at}`"));
            }
        }
        for text in &case.also {
            if !out.stderr.contains(text) {
                problems.push(format!("stderr does not contain `{text}`"));
            }
        }
        if !out.stderr.starts_with("error") {
            problems.push("stderr does not start with `error`".into());
        }
        let after = harness::run_outputs(dir);
        if after != before {
            problems.push(format!(
                "output files appeared: {after:?} (before: {before:?})"
            ));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "[{}] `{}`:\n  - {}\n{}",
                case.name,
                out.cmdline,
                problems.join("\n  - "),
                out.dump()
            ));
        }
    }
    for (name, text) in &case.files {
        let now = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if now != *text {
            failures.push(format!("[{}] {name} was changed", case.name));
        }
    }
    failures
}

#[test]
fn bad_inputs_exit_2_naming_key_and_line() {
    let cases = cases();
    assert!(
        cases.len() >= 25,
        "the table shrank to {} cases",
        cases.len()
    );
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
    }
    let failures: Vec<String> = cases.iter().flat_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad-input checks misbehaved:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// `cnn info` on an HDF5 file that `cnn` did not write: refused, exit 2.
#[test]
fn info_refuses_foreign_hdf5_files() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let plain = dir.join("plain.h5");
    {
        let f = harness::create_h5(&plain);
        f.create_group("data").expect("group");
        f.close().expect("close plain.h5");
    }
    let out = harness::cnn(dir, &["info", &plain.to_string_lossy()]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("plain.h5") && out.stderr.contains("format"),
        "{}",
        out.dump()
    );

    let future = dir.join("future.h5");
    {
        let f = harness::create_h5(&future);
        let v: hdf5::types::VarLenUnicode = "cnn-run".parse().expect("string");
        f.new_attr::<hdf5::types::VarLenUnicode>()
            .create("format")
            .and_then(|a| a.write_scalar(&v))
            .expect("format attr");
        f.new_attr::<u32>()
            .create("format_version")
            .and_then(|a| a.write_scalar(&99u32))
            .expect("format_version attr");
        f.close().expect("close future.h5");
    }
    let out = harness::cnn(dir, &["info", &future.to_string_lossy()]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("future.h5") && out.stderr.contains("99"),
        "{}",
        out.dump()
    );
}
