//! A run whose state overflows stops as diverged: exit 1, the file is written, and
//! `cnn info` reports the status with the quantity and the time.

use crate::harness::{self, Tiny};

#[test]
fn overflowing_network_is_reported_as_diverged() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let tiny = Tiny {
        spontaneous_ms: 100.0,
        train_ms: 200.0,
        test_ms: 100.0,
        ..Tiny::default()
    };
    let cfg = harness::write(dir, "boom.toml", &tiny.toml());
    let out_path = dir.join("boom.h5");
    let out_s = out_path.to_string_lossy().into_owned();
    // g_GG = 1e308: g_GG J r overflows to infinity on the first steps.
    let out = harness::cnn(
        dir,
        &["run", &cfg, "--out", &out_s, "--set", "network.g_gg=1e308"],
    );
    out.expect_code(1);
    assert!(out_path.is_file(), "no run file\n{}", out.dump());
    assert_eq!(harness::run_outputs(dir), vec!["boom.h5".to_string()]);
    assert!(out.stdout.contains("DIVERGED"), "{}", out.dump());
    assert!(out.stderr.contains("stopped early"), "{}", out.dump());

    let info = harness::cnn(dir, &["info", &out_s]);
    info.expect_code(0);
    let status = info
        .stdout
        .lines()
        .find(|l| l.starts_with("status: "))
        .unwrap_or_else(|| panic!("{}", info.dump()));
    assert!(status.starts_with("status: diverged ("), "{status}");
    assert!(status.contains("x became non-finite"), "{status}");
    assert!(
        status.contains(" at t = ") && status.contains(" ms"),
        "{status}"
    );
    assert!(info.stdout.contains("success: no"), "{}", info.dump());
    assert!(info.stdout.contains("g_gg = 1e308"), "{}", info.dump());

    let run = cnn_io::read_run(&out_path).unwrap_or_else(|e| panic!("read_run: {e}"));
    let cnn_io::RunStatus::Diverged { message } = &run.meta.status else {
        panic!("status {:?}", run.meta.status);
    };
    // It diverged in the spontaneous phase: only that phase is in the file, and the
    // time in the message is that of its last state.
    assert_eq!(run.phases.len(), 1, "{message}");
    let p = &run.phases[0];
    assert_eq!(p.phase.name(), "spontaneous");
    assert!(p.last_step < 100, "diverged only at step {}", p.last_step);
    assert!(
        message.contains(&format!("at t = {} ms", p.t_end_ms)),
        "{message} vs t_end_ms = {}",
        p.t_end_ms
    );
    assert_eq!(run.success, Some(false));
}
