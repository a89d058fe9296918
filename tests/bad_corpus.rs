//! The bad-input corpus (`tests/bad_inputs/cases.toml` and the files beside it): broken
//! configs, arguments, CSV targets, HDF5 inputs and unwritable outputs, each run against
//! the `cnn` binary. Every case must exit with its code, name what is wrong (key, file,
//! `file:line`), not panic, and leave no file behind. The manifest's header says how a
//! case is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::harness;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Vec<String>,
    code: i32,
    expect: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    fixtures: Vec<String>,
    #[serde(default)]
    dirs: Vec<String>,
    sandbox: Option<String>,
    known_bug: Option<String>,
}

fn corpus_dir() -> PathBuf {
    harness::workspace_root().join("tests/bad_inputs")
}

/// The generated fixtures, made once: run.h5, shard.h5, truncated.h5, foreign.h5.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = harness::tempdir();
        let dir = tmp.path();
        for name in ["tiny.toml", "tiny-ensemble.toml"] {
            std::fs::copy(corpus_dir().join(name), dir.join(name))
                .unwrap_or_else(|e| panic!("copy {name}: {e}"));
        }
        // The tiny net fails the success criterion (exit 1); the file is complete.
        let out = harness::cnn(dir, &["run", "tiny.toml", "-q", "--out", "run.h5"]);
        assert!(dir.join("run.h5").is_file(), "no run.h5\n{}", out.dump());
        harness::cnn(
            dir,
            &[
                "run",
                "tiny-ensemble.toml",
                "-q",
                "--shard",
                "0/1",
                "--out",
                "shard.h5",
            ],
        )
        .expect_code(0);
        let run = std::fs::read(dir.join("run.h5")).unwrap_or_else(|e| panic!("run.h5: {e}"));
        assert!(run.len() > 20000, "run.h5 is only {} bytes", run.len());
        std::fs::write(dir.join("truncated.h5"), &run[..20000])
            .unwrap_or_else(|e| panic!("truncated.h5: {e}"));
        let f = harness::create_h5(&dir.join("foreign.h5"));
        f.create_group("data").expect("group");
        f.new_dataset::<f64>()
            .shape(3)
            .create("data/x")
            .and_then(|d| d.write(&[1.0, 2.0, 3.0]))
            .expect("dataset");
        f.close().expect("close foreign.h5");
        tmp
    })
    .path()
}

/// Every file and directory under `dir` with its size (directories: `None`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<u64>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<u64>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            match e.metadata() {
                Ok(m) if m.is_dir() => {
                    out.insert(rel, None);
                    walk(root, &path, out);
                }
                Ok(m) => {
                    out.insert(rel, Some(m.len()));
                }
                Err(_) => {
                    out.insert(rel, None);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The outcome of one case.
enum Verdict {
    Pass,
    Skipped(String),
    Fail(String),
}

/// Runs `cnn ARGS` in `dir` inside a user and mount namespace with a tmpfs (`opts`) at
/// `dir/mount`; returns (code, stdout, stderr, what the tmpfs held afterwards), or the
/// reason the namespace could not be had.
fn run_in_namespace(
    dir: &Path,
    mount: &str,
    opts: &str,
    args: &[String],
) -> Result<(i32, String, String, String), String> {
    const SCRIPT: &str = r#"mount -t tmpfs -o "$1" none "$2" || { echo "@@nomount" >&2; exit 97; }
d=$2; shift 2; "$@"; rc=$?; printf '@@left:%s\n' "$(ls -A "$d" | tr '\n' ' ')"; exit $rc"#;
    let out = Command::new("unshare")
        .args([
            "-r",
            "-m",
            "sh",
            "-c",
            SCRIPT,
            "sh",
            opts,
            mount,
            harness::cnn_bin(),
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .map_err(|e| format!("cannot start unshare: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if stderr.contains("@@nomount") || !stdout.contains("@@left:") {
        return Err(format!(
            "cannot mount a tmpfs in a user namespace (unshare -r -m): {}",
            stderr.trim()
        ));
    }
    let (before, left) = stdout.split_once("@@left:").unwrap_or((&stdout, ""));
    Ok((
        out.status.code().unwrap_or(-1),
        before.to_string(),
        stderr,
        left.trim().to_string(),
    ))
}

fn check(case: &Case) -> Verdict {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    for d in &case.dirs {
        std::fs::create_dir(dir.join(d)).unwrap_or_else(|e| panic!("mkdir {d}: {e}"));
    }
    for f in &case.files {
        std::fs::copy(corpus_dir().join(f), dir.join(f))
            .unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    for f in &case.fixtures {
        std::fs::copy(fixtures().join(f), dir.join(f))
            .unwrap_or_else(|e| panic!("fixture {f}: {e}"));
    }
    let mut skip = None;
    match case.sandbox.as_deref() {
        None => {}
        Some("full") => std::fs::create_dir(dir.join("full")).expect("mkdir full"),
        Some("readonly") => std::fs::create_dir(dir.join("ro")).expect("mkdir ro"),
        Some("chmod-readonly") => {
            use std::os::unix::fs::PermissionsExt;
            let ro = dir.join("ro");
            std::fs::create_dir(&ro).expect("mkdir ro");
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
            if std::fs::write(ro.join("probe"), "x").is_ok() {
                skip = Some("a mode 0555 directory is writable here (running as root); the read-only mount and /proc cases cover this".to_string());
                let _ = std::fs::remove_file(ro.join("probe"));
            }
        }
        Some(other) => return Verdict::Fail(format!("unknown sandbox `{other}`")),
    }
    if let Some(why) = skip {
        return Verdict::Skipped(why);
    }
    let before = snapshot(dir);
    let contents: Vec<(String, Vec<u8>)> = case
        .files
        .iter()
        .chain(&case.fixtures)
        .map(|f| (f.clone(), std::fs::read(dir.join(f)).unwrap_or_default()))
        .collect();
    let cmdline = format!("cnn {}", case.args.join(" "));
    let (code, stdout, stderr, left) = match case.sandbox.as_deref() {
        Some("full") | Some("readonly") => {
            let (mount, opts) = if case.sandbox.as_deref() == Some("full") {
                ("full", "size=16k")
            } else {
                ("ro", "ro,size=16k")
            };
            match run_in_namespace(dir, mount, opts, &case.args) {
                Ok(r) => r,
                Err(why) => return Verdict::Skipped(why),
            }
        }
        _ => {
            let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
            let out = harness::cnn(dir, &args);
            (out.code, out.stdout, out.stderr, String::new())
        }
    };
    let mut problems = Vec::new();
    if code != case.code {
        problems.push(format!("exit code {code} (expected {})", case.code));
    }
    for text in &case.expect {
        if !stderr.contains(text.as_str()) {
            problems.push(format!("stderr does not contain `{text}`"));
        }
    }
    if case.code == 2 && !stderr.starts_with("error") {
        problems.push("stderr does not start with `error`".into());
    }
    for bad in ["panicked", "RUST_BACKTRACE"] {
        if stderr.contains(bad) || stdout.contains(bad) {
            problems.push(format!("the output holds `{bad}`"));
        }
    }
    let after = snapshot(dir);
    if after != before {
        let new: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        problems.push(format!("files appeared or changed size: {new:?}"));
    }
    if !left.is_empty() {
        problems.push(format!("left on the mounted filesystem: {left}"));
    }
    for (name, bytes) in &contents {
        if std::fs::read(dir.join(name)).unwrap_or_default() != *bytes {
            problems.push(format!("{name} was changed"));
        }
    }
    if problems.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(format!(
            "[{}] `{cmdline}`:\n  - {}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
            case.name,
            problems.join("\n  - ")
        ))
    }
}

#[test]
fn bad_input_corpus() {
    let path = corpus_dir().join("cases.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: Manifest =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut names = std::collections::HashSet::new();
    for c in &manifest.case {
        assert!(
            names.insert(c.name.as_str()),
            "duplicate case name {}",
            c.name
        );
        assert!(
            !c.expect.is_empty(),
            "[{}] expects nothing in the message",
            c.name
        );
    }
    let counted = manifest
        .case
        .iter()
        .filter(|c| c.known_bug.is_none())
        .count();
    assert!(counted >= 40, "the corpus shrank to {counted} cases");
    let (mut failures, mut skipped, mut passed) = (Vec::new(), 0, 0);
    for case in &manifest.case {
        if let Some(bug) = &case.known_bug {
            println!("not run, known bug [{}]: {bug}", case.name);
            continue;
        }
        match check(case) {
            Verdict::Pass => passed += 1,
            Verdict::Skipped(why) => {
                skipped += 1;
                println!("skipped [{}]: {why}", case.name);
            }
            Verdict::Fail(f) => failures.push(f),
        }
    }
    println!(
        "bad-input corpus: {passed} passed, {skipped} skipped, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases misbehaved:\n\n{}",
        failures.len(),
        manifest.case.len(),
        failures.join("\n\n")
    );
}
