//! The input-driven tasks end to end: a 4-bit memory (Fig. 7D) trained through `cnn run`
//! holds its bits and flips the addressed one with little crosstalk; the pattern-selection
//! task (Fig. 7B) records its control inputs and targets as scheduled. The memory test
//! prints what it measured (`cargo test -p cnn-cli --test cli tasks -- --nocapture`).

use crate::harness;

/// Scores the flip-flop test phase: (bit-intervals held, their count, flips that ended
/// right, flips, mean |dz| of unaddressed bits, mean |dz| of flipped bits).
fn score(
    u: &[f64],
    z: &[f64],
    f: &[f64],
    rows: usize,
    bits: usize,
) -> (usize, usize, usize, usize, f64, f64) {
    let lines = 2 * bits;
    let active = |i: usize| (0..lines).any(|l| u[i * lines + l] != 0.0);
    let mut onsets: Vec<usize> = (1..rows).filter(|&i| active(i) && !active(i - 1)).collect();
    if active(0) {
        onsets.insert(0, 0);
    }
    let mut ends = onsets[1..].to_vec();
    ends.push(rows);
    let (mut held, mut total, mut flips_ok, mut flips) = (0, 0, 0, 0);
    let (mut cross, mut own) = (Vec::new(), Vec::new());
    for (&a, &b) in onsets.iter().zip(&ends) {
        if b - a < 5 {
            continue;
        }
        let line = (0..lines)
            .find(|&l| u[a * lines + l] != 0.0)
            .expect("a pulse row has an active line");
        let bit = line / 2;
        let tail = a + (b - a) * 4 / 5;
        for k in 0..bits {
            let ok = (tail..b).all(|i| z[i * bits + k].signum() == f[i * bits + k].signum());
            held += ok as usize;
            total += 1;
            let change = (z[(b - 1) * bits + k] - z[a * bits + k]).abs();
            if k == bit {
                if a > 0 && f[(a - 1) * bits + k].signum() != f[(b - 1) * bits + k].signum() {
                    flips += 1;
                    flips_ok += ok as usize;
                    own.push(change);
                }
            } else {
                cross.push(change);
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    (held, total, flips_ok, flips, mean(&cross), mean(&own))
}

/// Runs `configs/CONFIG.toml` with the `--set` overrides `sets` in `dir` and reads the
/// run file back (exit 0 or 1: a task is not judged by the periodic success criterion).
fn run_config(dir: &std::path::Path, config: &str, sets: &[&str]) -> cnn_io::RunRecord {
    let path = harness::workspace_root().join(format!("configs/{config}.toml"));
    let out = dir.join(format!("{config}.h5"));
    let (path, out_s) = (path.to_string_lossy(), out.to_string_lossy());
    let mut args = vec!["run", &*path, "-q", "--out", &*out_s];
    for s in sets {
        args.extend(["--set", s]);
    }
    let run = harness::cnn(dir, &args);
    assert!(out.exists(), "{}", run.dump());
    cnn_io::read_run(&out).expect("run file")
}

fn test_phase(rec: &cnn_io::RunRecord) -> &cnn_io::PhaseRecord {
    rec.phases
        .iter()
        .find(|p| p.phase == cnn_core::Phase::Test)
        .expect("test phase")
}

#[test]
fn four_bit_memory_holds_and_flips_its_bits() {
    let dir = harness::tempdir();
    // The preset at a size that trains in well under a minute: N_G 800, p_GG 0.2, 100 s.
    let rec = run_config(
        dir.path(),
        "fig7d-memory",
        &[
            "network.n_g=800",
            "network.p_gg=0.2",
            "simulation.train_ms=100000",
            "simulation.test_ms=20000",
        ],
    );
    let test = test_phase(&rec);
    let u = test.inputs.as_ref().expect("recorded inputs");
    let rows = test.t_ms.len();
    assert_eq!(u.len(), rows * 8, "8 input lines");
    let (held, total, flips_ok, flips, cross, own) = score(u, &test.z, &test.f, rows, 4);
    println!(
        "4-bit memory, test phase: held {held}/{total} bit-intervals, {flips_ok}/{flips} flips \
         right, crosstalk mean |dz| {cross:.3} (unaddressed bits) vs {own:.3} (flipped bit)"
    );
    assert!(total >= 80, "only {total} bit-intervals in the test phase");
    assert!(held * 10 >= total * 8, "held {held} of {total}");
    assert!(
        flips_ok * 10 >= flips * 7,
        "{flips_ok} of {flips} flips right"
    );
    assert!(cross < 0.1 * own, "crosstalk {cross} vs {own}");
}

#[test]
fn pattern_selection_records_its_schedule() {
    let dir = harness::tempdir();
    let rec = run_config(
        dir.path(),
        "fig7b-pattern-select",
        &[
            "network.n_g=100",
            "simulation.train_ms=4000",
            "simulation.test_ms=4000",
        ],
    );
    let spec = cnn_targets::PatternSelectSpec {
        patterns: 5,
        n_inputs: 5,
        segment_ms: 2000.0,
        duration_ms: 8000.0,
        seed: 5,
    };
    let task = cnn_targets::PatternSelect::new(spec).expect("task");
    for phase in &rec.phases {
        let u = phase.inputs.as_ref().expect("recorded inputs");
        for (row, &t) in phase.t_ms.iter().enumerate() {
            // The row of step n holds I(t_{n-1}); the target is f(t_n).
            let seg = task
                .segments()
                .iter()
                .find(|s| s.start_ms <= t - 1.0 && t - 1.0 < s.end_ms)
                .expect("a selection covers every time");
            for line in 0..5 {
                let want = if line == seg.pattern { 1.0 } else { 0.0 };
                assert_eq!(u[row * 5 + line], want, "input line {line} at t = {t}");
            }
            let mut f = [0.0];
            cnn_core::Target::eval(&task, t, &mut f);
            assert_eq!(phase.f[row], f[0]);
        }
    }
}

/// The short presets run end to end as shipped, with the outcome docs/experiments.md
/// records; every other single-run preset runs end to end shrunk (N_G 300, 100 ms per
/// phase), so that each architecture, input, task and feedback variant goes through the
/// whole path: config, network, trainer, run file, `cnn info`.
#[test]
fn presets_run_end_to_end() {
    let dir = harness::tempdir();
    // (preset, expected success flag) for presets that take seconds.
    for (name, success) in [
        ("fig2-noisy-teacher", true),
        ("fig2-square", true),
        ("fig2-low-amplitude", false),
        ("fig6a-delayed-feedback", true),
        ("fig6b-all-to-all", true),
    ] {
        let out = dir.path().join(format!("{name}.h5"));
        let run = harness::cnn(
            dir.path(),
            &["run", name, "-q", "--out", &out.to_string_lossy()],
        );
        run.expect_code(if success { 0 } else { 1 });
        let rec = cnn_io::read_run(&out).expect("run file");
        assert_eq!(rec.success, Some(success), "{name}");
    }
    for name in [
        "fig2-sixteen-sines",
        "fig2-lorenz",
        "fig2-fast-sine",
        "fig2-slow-sine",
        "fig6b-feedback-network",
        "fig6b-full",
        "fig6c-internal",
        "fig6c-all-to-all",
        "fig7b-pattern-select",
        "fig7b-pattern-select-c",
        "fig7b-pattern-select-full",
        "fig7d-memory",
        "fig7d-memory-c",
    ] {
        let out = dir.path().join(format!("{name}-small.h5"));
        let mut args = vec!["run", name, "-q", "--out"];
        let out_s = out.to_string_lossy().into_owned();
        args.push(&out_s);
        let sets = [
            "network.n_g=300",
            "simulation.spontaneous_ms=100",
            "simulation.train_ms=100",
            "simulation.test_ms=100",
        ];
        for s in &sets {
            args.push("--set");
            args.push(s);
        }
        let trained = "internal.trained_units=200";
        if name.starts_with("fig6c") || name == "fig7b-pattern-select-full" {
            args.push("--set");
            args.push(trained);
        }
        let run = harness::cnn(dir.path(), &args);
        assert!(run.code == 0 || run.code == 1, "{name}: {}", run.dump());
        let info = harness::cnn(dir.path(), &["info", &out_s]);
        info.expect_code(0);
        assert!(
            info.stdout.contains("status: complete"),
            "{name}: {}",
            info.dump()
        );
    }
}

/// Fig. 7B as shipped (scaled: architecture A, N_G 1000, 5 control lines, 300 s of
/// training): in the test phase every selection produces its pattern. Prints the
/// correlation of z with the selected pattern for each selection.
#[test]
fn each_static_input_produces_its_pattern() {
    let dir = harness::tempdir();
    let rec = run_config(dir.path(), "fig7b-pattern-select", &[]);
    let test = test_phase(&rec);
    let u = test.inputs.as_ref().expect("recorded inputs");
    let rows = test.t_ms.len();
    let selected: Vec<usize> = (0..rows)
        .map(|i| {
            (0..5)
                .find(|&l| u[i * 5 + l] != 0.0)
                .expect("one line is on")
        })
        .collect();
    let mut start = 0;
    let mut per_pattern = vec![Vec::new(); 5];
    for i in 1..=rows {
        if i == rows || selected[i] != selected[start] {
            let (z, f) = (&test.z[start..i], &test.f[start..i]);
            per_pattern[selected[start]].push(corr(z, f));
            start = i;
        }
    }
    println!(
        "pattern selection, test phase: correlation per selection, by pattern: {per_pattern:.3?}"
    );
    let seen = per_pattern.iter().filter(|v| !v.is_empty()).count();
    assert!(
        seen >= 4,
        "only {seen} patterns were selected in the test phase"
    );
    for (k, v) in per_pattern.iter().enumerate() {
        for c in v {
            assert!(*c > 0.9, "pattern {k}: correlation {c}");
        }
    }
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}
