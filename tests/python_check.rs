//! `examples/analyze_run.py` reads a run file with h5py/NumPy and recomputes the MAE.
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

#[test]
fn analyze_run_py_agrees_with_the_file() {
    if let Err(why) = python_ready() {
        let required = std::env::var("CNN_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "CNN_REQUIRE_PYTHON=1 but python3 with h5py and numpy is not usable: {why}"
        );
        eprintln!("skipped: analyze_run.py needs python3 with h5py and numpy ({why}); set CNN_REQUIRE_PYTHON=1 to make this a failure");
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
    let cfg = harness::write(dir, "py.toml", &tiny.toml());
    let run_file = dir.join("py.h5");
    let out = harness::cnn(
        dir,
        &["run", &cfg, "-q", "--out", &run_file.to_string_lossy()],
    );
    assert!(out.code == 0 || out.code == 1, "{}", out.dump());

    let script = harness::workspace_root().join("examples/analyze_run.py");
    let py = Command::new("python3")
        .arg(&script)
        .arg(&run_file)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&py.stdout);
    let stderr = String::from_utf8_lossy(&py.stderr);
    assert!(
        py.status.success(),
        "analyze_run.py failed ({})\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
        py.status
    );
    assert!(stdout.contains("checks: ok"), "{stdout}");
    assert!(stdout.contains("status: complete"), "{stdout}");
    assert!(
        stdout.contains("mae: recorded"),
        "the MAE was not recomputed:\n{stdout}"
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
    let tampered = Command::new("python3")
        .arg(&script)
        .arg(&run_file)
        .output()
        .expect("run python3");
    let stderr = String::from_utf8_lossy(&tampered.stderr);
    assert_eq!(tampered.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("metrics/test/mae"), "{stderr}");

    // It must also notice a file that is not a run file.
    let text = harness::write(dir, "text.h5", "not hdf5\n");
    let bad = Command::new("python3")
        .arg(&script)
        .arg(&text)
        .output()
        .expect("run python3");
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
