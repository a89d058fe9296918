//! `examples/analyze_run.py` reads a run file with h5py/NumPy and recomputes the MAE;
//! `examples/analyze_learned_current.py` recomputes the learned currents of a C run.
//! Without h5py and numpy the test is skipped with a notice, unless
//! `CNN_REQUIRE_PYTHON=1`, in which case it fails.

use crate::harness::{self, Tiny};
use std::process::Command;

fn python_ready() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import h5py, numpy"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => Err(format!("cannot start python3: {e}")),
    }
}

/// False (with a notice) when python3 with h5py and numpy is missing and
/// `CNN_REQUIRE_PYTHON` is not 1; a failure when it is.
fn python_or_skip(script: &str) -> bool {
    let Err(why) = python_ready() else {
        return true;
    };
    let required = std::env::var("CNN_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CNN_REQUIRE_PYTHON=1 but python3 with h5py and numpy is not usable: {why}"
    );
    eprintln!("skipped: {script} needs python3 with h5py and numpy ({why}); set CNN_REQUIRE_PYTHON=1 to make this a failure");
    false
}

/// Runs `examples/<script>` with `args`: (exit code, stdout, stderr).
fn python(script: &str, args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out = Command::new("python3")
        .arg(harness::workspace_root().join("examples").join(script))
        .args(args)
        .output()
        .expect("run python3");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn analyze_run_py_agrees_with_the_file() {
    if !python_or_skip("analyze_run.py") {
        return;
    }
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let tiny = Tiny {
        spontaneous_ms: 50.0,
        train_ms: 500.0,
        test_ms: 200.0,
        ..Tiny::default()
    };
    let run_file = run_config(dir, "py", &tiny.toml());

    let (code, stdout, stderr) = python("analyze_run.py", &[run_file.as_os_str()]);
    assert_eq!(
        code,
        Some(0),
        "analyze_run.py failed\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
    );
    assert!(stdout.contains("checks: ok"), "{stdout}");
    assert!(stdout.contains("status: complete"), "{stdout}");
    assert!(
        stdout.contains("mae: recorded"),
        "the MAE was not recomputed:\n{stdout}"
    );

    // The judged phase (test) carries its success flag, the same as the run's; the
    // other phases carry none (docs/hdf5-layout.md, `/metrics/<phase>@success`).
    let flags = Command::new("python3")
        .args([
            "-c",
            "import h5py, sys\n\
             f = h5py.File(sys.argv[1], 'r')\n\
             print(int(f.attrs['success']), \
             [(p, int(f['metrics'][p].attrs['success']) if 'success' in f['metrics'][p].attrs else None) \
             for p in ('spontaneous', 'train', 'test')])",
        ])
        .arg(&run_file)
        .output()
        .expect("run python3");
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let overall = flags.split_whitespace().next().unwrap_or("?").to_string();
    assert_eq!(
        flags.trim(),
        format!("{overall} [('spontaneous', None), ('train', None), ('test', {overall})]"),
        "per-phase success flags read with h5py"
    );

    // A recorded MAE that does not match the traces is caught (exit 1).
    {
        let f = harness::open_rw_h5(&run_file);
        let ds = f.dataset("metrics/test/mae").expect("/metrics/test/mae");
        let mae: Vec<f64> = ds.read_raw().expect("read mae");
        let off: Vec<f64> = mae.iter().map(|m| m * (1.0 + 1e-6)).collect();
        ds.write_raw(&off).expect("write mae");
        drop(ds);
        f.close().expect("close the run file");
    }
    let (code, _, stderr) = python("analyze_run.py", &[run_file.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("metrics/test/mae"), "{stderr}");

    // It must also notice a file that is not a run file.
    let text = harness::write(dir, "text.h5", "not hdf5\n");
    let (code, _, stderr) = python("analyze_run.py", &[std::ffi::OsStr::new(&text)]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// Writes `toml` as `<name>.toml` in `dir`, runs it (exit 0 or 1: trained, success or
/// not) and returns the run file's path.
fn run_config(dir: &std::path::Path, name: &str, toml: &str) -> std::path::PathBuf {
    let cfg = harness::write(dir, &format!("{name}.toml"), toml);
    let run_file = dir.join(format!("{name}.h5"));
    let out = harness::cnn(
        dir,
        &["run", &cfg, "-q", "--out", &run_file.to_string_lossy()],
    );
    assert!(out.code == 0 || out.code == 1, "{}", out.dump());
    run_file
}

/// All-to-all C with one shared P that is also the readout's (p_z = 1, w(0) = 0): every
/// row of J^GG takes the readout's increment, so each unit's learned current
/// g_GG (J(end) - J(0))_i . r equals z exactly; the script must find that.
#[test]
fn analyze_learned_current_py_finds_z_in_all_to_all_c() {
    if !python_or_skip("analyze_learned_current.py") {
        return;
    }
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let c = "seed = 3\n\
             [network]\narchitecture = \"C\"\nn_g = 60\np_gg = 1.0\n\
             [simulation]\ndt_ms = 1.0\nspontaneous_ms = 0.0\ntrain_ms = 600.0\ntest_ms = 200.0\n\
             [training]\nlearn_every_ms = 2.0\n\
             [record]\nrates = 60\n\
             [[targets]]\nkind = \"four_sine\"\n";
    let run_file = run_config(dir, "c", c);
    let (code, stdout, stderr) = python("analyze_learned_current.py", &[run_file.as_os_str()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("learned current u_i of 60 units"),
        "{stdout}"
    );
    let gap: f64 = stdout
        .split("max |u_i - z| ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no max |u_i - z| in\n{stdout}"));
    assert!(
        gap < 1e-9,
        "learned current differs from z by {gap}\n{stdout}"
    );

    // Without the presynaptic rates, or on an architecture-A file: exit 2.
    for (file, message) in [
        (
            run_config(dir, "few", &c.replace("rates = 60", "rates = 5")),
            "record.rates",
        ),
        (
            run_config(dir, "a", &Tiny::default().toml()),
            "architecture-C",
        ),
    ] {
        let (code, _, stderr) = python("analyze_learned_current.py", &[file.as_os_str()]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
}
