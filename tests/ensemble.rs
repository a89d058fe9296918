//! Ensembles and sweeps (issue 5): thread-count independence, kill and resume, shards
//! and merge, bad input, the Fig 5 trend on a reduced sweep, and (with `CNN_SLURM=1`)
//! a job array on a real single-node Slurm cluster.
//!
//! `CNN_SCIENCE=1` runs the larger Fig 5 sweep (N_G = 500, 5 seeds per g).

use crate::harness::{self, kill, s};
use cnn_io::{Column, EnsembleReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small ensemble: N_G = `n_g`, MATLAB protocol shortened, g_GG x seeds.
fn small(n_g: usize, train_ms: f64, g: &[f64], seeds: &[u64], record: &str) -> String {
    let g: Vec<String> = g.iter().map(|v| format!("{v:?}")).collect();
    let seeds: Vec<String> = seeds.iter().map(u64::to_string).collect();
    format!(
        "description = \"e2e ensemble\"\nseed = 1\n\n\
         [network]\nn_g = {n_g}\n\n\
         [simulation]\ndt_ms = 1.0\nspontaneous_ms = 100.0\ntrain_ms = {train_ms:?}\ntest_ms = 600.0\n\n\
         [training]\nlearn_every_ms = 2.0\n\n\
         [record]\nrates = 3\n\n\
         [[targets]]\nkind = \"four_sine\"\n\n\
         [ensemble]\nseeds = [{}]\nrecord = \"{record}\"\n\n\
         [sweep]\n\"network.g_gg\" = [{}]\n",
        seeds.join(", "),
        g.join(", ")
    )
}

/// Asserts that two ensemble files hold the same members (bit for bit) and the same
/// summary (every column but the wall time).
#[track_caller]
fn assert_same_ensemble(a: &Path, b: &Path) {
    let ra = EnsembleReader::open(a).unwrap_or_else(|e| panic!("{e}"));
    let rb = EnsembleReader::open(b).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ra.meta().config_hash, rb.meta().config_hash);
    assert_eq!(ra.meta().n_members, rb.meta().n_members);
    let ia = ra.member_indices().unwrap_or_else(|e| panic!("{e}"));
    let ib = rb.member_indices().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ia,
        ib,
        "member indices of {} and {}",
        a.display(),
        b.display()
    );
    for i in ia {
        let (ma, ref_a) = ra.read_member(i).unwrap_or_else(|e| panic!("{e}"));
        let (mb, ref_b) = rb.read_member(i).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ma.index, mb.index);
        // Debug text: bit-exact for finite values, and NaN (a metric without data) equals
        // itself.
        assert!(
            format!("{ref_a:?}") == format!("{ref_b:?}"),
            "member {i} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    let sa = ra.summary().unwrap_or_else(|e| panic!("{e}"));
    let sb = rb.summary().unwrap_or_else(|e| panic!("{e}"));
    let names =
        |t: &cnn_io::SummaryTable| t.columns.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&sa), names(&sb));
    for ((name, ca), (_, cb)) in sa.columns.iter().zip(&sb.columns) {
        if name == "wall_s" {
            continue;
        }
        let bits = |c: &Column| c.as_f64().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(ca), bits(cb), "summary column {name}");
    }
}

#[test]
fn jobs_shards_merge_and_plot() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(
        dir,
        "ens.toml",
        &small(100, 1200.0, &[1.2, 1.5], &[1, 2, 3], "full"),
    );

    let one = dir.join("one.h5");
    harness::cnn(
        dir,
        &["run", &cfg, "--out", &s(&one), "--jobs", "1", "--quiet"],
    )
    .expect_code(0);
    let two = dir.join("two.h5");
    let out = harness::cnn(dir, &["run", &cfg, "--out", &s(&two), "--jobs", "2"]);
    out.expect_code(0);
    assert!(out.stdout.contains("network.g_gg"), "{}", out.dump());
    assert!(
        !dir.join("two.h5.parts").exists(),
        "the parts directory is removed"
    );
    assert_same_ensemble(&one, &two);

    // The summary has one row per member, in index order, with the swept values.
    let r = EnsembleReader::open(&one).unwrap_or_else(|e| panic!("{e}"));
    let sum = r.summary().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sum.rows(), 6);
    assert_eq!(sum.get("member"), Some(&Column::U64((0..6).collect())));
    assert_eq!(sum.get("seed"), Some(&Column::U64(vec![1, 2, 3, 1, 2, 3])));
    assert_eq!(
        sum.get("network.g_gg"),
        Some(&Column::F64(vec![1.2, 1.2, 1.2, 1.5, 1.5, 1.5]))
    );
    for col in [
        "success",
        "wall_s",
        "train.mae",
        "test.best_corr",
        "train.w_norm",
        "health.min_denominator",
        "health.min_p_diagonal",
        "health.skipped_updates",
    ] {
        assert!(sum.get(col).is_some(), "no summary column {col}");
    }
    // The P-health columns come from each member's /health: 1 + r.P r >= 1 and a positive
    // diagonal for a positive definite P, and the standard update skips nothing.
    let col = |name: &str| sum.get(name).map(Column::as_f64).unwrap_or_default();
    assert!(col("health.min_denominator").iter().all(|&d| d >= 1.0));
    assert!(col("health.min_p_diagonal")
        .iter()
        .all(|&d| d > 0.0 && d <= 1.0));
    assert!(col("health.skipped_updates").iter().all(|&n| n == 0.0));
    // A member is the single run of its config, bit for bit.
    let plain_cfg = harness::write(
        dir,
        "plain.toml",
        &small(100, 1200.0, &[1.5], &[2], "full")
            .split("[ensemble]")
            .next()
            .unwrap_or_default()
            .replace("seed = 1\n", "seed = 2\n")
            .replace(
                "[network]\nn_g = 100\n",
                "[network]\nn_g = 100\ng_gg = 1.5\n",
            ),
    );
    let plain = dir.join("plain.h5");
    let p = harness::cnn(dir, &["run", &plain_cfg, "--out", &s(&plain), "--quiet"]);
    assert!(p.code == 0 || p.code == 1, "{}", p.dump());
    let run = cnn_io::read_run(&plain).unwrap_or_else(|e| panic!("{e}"));
    let (_, member) = r.read_member(4).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.network, member.network);
    assert_eq!(run.phases, member.phases);
    assert_eq!(
        format!("{:?}", run.metrics),
        format!("{:?}", member.metrics)
    );

    // cnn info
    let info = harness::cnn(dir, &["info", &s(&one)]);
    info.expect_code(0);
    assert!(info.stdout.contains("cnn ensemble file"), "{}", info.dump());
    assert!(info.stdout.contains("6 of 6"), "{}", info.dump());
    assert!(
        info.stdout.contains("health: min 1 + r.Pr ") && info.stdout.contains("skipped updates 0"),
        "{}",
        info.dump()
    );

    // Shards 0/3, 1/3, 2/3 merged equal the unsharded run.
    let mut shards = Vec::new();
    for k in 0..3 {
        let p = dir.join(format!("shard{k}.h5"));
        harness::cnn(
            dir,
            &[
                "run",
                &cfg,
                "--shard",
                &format!("{k}/3"),
                "--out",
                &s(&p),
                "--quiet",
            ],
        )
        .expect_code(0);
        let rs = EnsembleReader::open(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rs.meta().shard, Some((k, 3)));
        assert_eq!(
            rs.member_indices().unwrap_or_default(),
            (0..6).filter(|i| i % 3 == k).collect::<Vec<u64>>()
        );
        shards.push(s(&p));
    }
    let merged = dir.join("merged.h5");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().cloned());
    args.extend(["-o".into(), s(&merged)]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    harness::cnn(dir, &a).expect_code(0);
    assert_same_ensemble(&one, &merged);
    assert_eq!(
        EnsembleReader::open(&merged).map(|r| r.meta().shard).ok(),
        Some(None)
    );

    // Merge refuses duplicates, gaps, and shards of another config.
    let dup = harness::cnn(
        dir,
        &[
            "merge",
            &shards[0],
            &shards[0],
            &shards[1],
            &shards[2],
            "-o",
            &s(&dir.join("dup.h5")),
        ],
    );
    dup.expect_code(2);
    assert!(dup.stderr.contains("member 0 is in both"), "{}", dup.dump());
    let gap = harness::cnn(
        dir,
        &[
            "merge",
            &shards[0],
            &shards[2],
            "-o",
            &s(&dir.join("gap.h5")),
        ],
    );
    gap.expect_code(2);
    assert!(
        gap.stderr.contains("missing (1, 4)") && gap.stderr.contains("--allow-partial"),
        "{}",
        gap.dump()
    );
    assert!(!dir.join("gap.h5").exists());
    let partial = dir.join("partial.h5");
    harness::cnn(
        dir,
        &[
            "merge",
            &shards[0],
            &shards[2],
            "-o",
            &s(&partial),
            "--allow-partial",
        ],
    )
    .expect_code(0);
    let rp = EnsembleReader::open(&partial).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rp.member_indices().unwrap_or_default(), vec![0, 2, 3, 5]);
    let other = dir.join("other.h5");
    harness::cnn(
        dir,
        &[
            "run",
            &cfg,
            "--shard",
            "1/3",
            "--set",
            "network.p_gg=0.2",
            "--out",
            &s(&other),
            "--quiet",
        ],
    )
    .expect_code(0);
    let mism = harness::cnn(
        dir,
        &[
            "merge",
            &shards[0],
            &s(&other),
            &shards[2],
            "-o",
            &s(&dir.join("mism.h5")),
        ],
    );
    mism.expect_code(2);
    assert!(mism.stderr.contains("different config"), "{}", mism.dump());

    // examples/analyze_ensemble.py reads the summary (when h5py is installed).
    let has_h5py = Command::new("python3")
        .args(["-c", "import h5py, numpy"])
        .status()
        .is_ok_and(|st| st.success());
    if has_h5py {
        let script = harness::workspace_root().join("examples/analyze_ensemble.py");
        let py = Command::new("python3")
            .arg(&script)
            .arg(&one)
            .output()
            .unwrap_or_else(|e| panic!("python3: {e}"));
        let text = String::from_utf8_lossy(&py.stdout);
        assert!(
            py.status.success() && text.contains("6 of 6 members") && text.contains("network.g_gg"),
            "{text}\n{}",
            String::from_utf8_lossy(&py.stderr)
        );
    } else {
        eprintln!("skipped the analyze_ensemble.py check: python3 with h5py and numpy not found");
    }

    // The summary figure, PNG and SVG.
    let plot = harness::cnn(dir, &["plot", &s(&one)]);
    plot.expect_code(0);
    for f in ["one-summary.png", "one-summary.svg"] {
        let len = std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 1000, "{f}: {len} bytes\n{}", plot.dump());
    }
}

#[test]
fn kill_and_resume_gives_the_uninterrupted_result() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(
        dir,
        "ens.toml",
        &small(
            400,
            7200.0,
            &[1.3, 1.5],
            &[1, 2, 3, 4, 5, 6, 7, 8],
            "summary",
        ),
    );
    let reference = dir.join("ref.h5");
    let t0 = Instant::now();
    harness::cnn(
        dir,
        &[
            "run",
            &cfg,
            "--out",
            &s(&reference),
            "--jobs",
            "2",
            "--quiet",
        ],
    )
    .expect_code(0);
    let full_ms = t0.elapsed().as_millis() as u64;

    let out = dir.join("resumed.h5");
    let parts = dir.join("resumed.h5.parts");
    // Kill points spread over the run (a fixed pseudo-random sequence).
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut kills = 0;
    let mut interrupted_midway = false;
    for round in 0..8 {
        if out.exists() {
            break;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Between a tenth and a fifth of an uninterrupted run: at least five kills land
        // before the ensemble completes, each after some members finished.
        let delay = full_ms / 10 + x % (full_ms / 10).max(1);
        let signal = if round % 2 == 0 { "-9" } else { "-INT" };
        let mut child = Command::new(harness::cnn_bin())
            .args(["run", &cfg, "--out", &s(&out), "--jobs", "2", "--quiet"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(delay));
        kill(child.id(), signal);
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        kills += 1;
        if signal == "-INT" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert!(
                matches!(status.code(), Some(130) | Some(0)),
                "Ctrl-C exits 130 (or 0 if it had finished): {status:?}\n{err}"
            );
            if status.code() == Some(130) {
                assert!(
                    err.contains("to resume, run the same command again"),
                    "{err}"
                );
            }
        }
        // Everything on disk opens cleanly: the final file if it exists, every part.
        if out.exists() {
            EnsembleReader::open(&out)
                .and_then(|r| r.summary())
                .unwrap_or_else(|e| panic!("after kill {kills} ({signal}): {e}"));
        }
        let mut n_parts = 0;
        if let Ok(entries) = std::fs::read_dir(&parts) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".h5") {
                    cnn_io::read_member_part(&e.path())
                        .unwrap_or_else(|err| panic!("part {name} after kill {kills}: {err}"));
                    n_parts += 1;
                }
            }
        }
        eprintln!("kill {kills} ({signal}) after {delay} ms: {n_parts} of 16 members on disk");
        if n_parts > 0 && n_parts < 16 {
            interrupted_midway = true;
        }
    }
    assert!(kills >= 5, "only {kills} kills before the run completed");
    assert!(
        interrupted_midway,
        "no kill landed between the first and the last member"
    );
    if !out.exists() {
        let done = harness::cnn(dir, &["run", &cfg, "--out", &s(&out), "--jobs", "2"]);
        done.expect_code(0);
        assert!(
            done.stderr.contains("already done") || done.stderr.contains("to run"),
            "{}",
            done.dump()
        );
    }
    assert_same_ensemble(&reference, &out);
    assert!(!parts.exists());
}

#[test]
fn ensemble_bad_inputs_exit_2_naming_the_key() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let base = small(50, 100.0, &[1.5], &[1], "full");
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "empty seeds",
            base.replace("seeds = [1]", "seeds = []"),
            vec![],
            "ensemble.seeds",
        ),
        (
            "empty range",
            base.replace("seeds = [1]", "seeds = { start = 0, count = 0 }"),
            vec![],
            "ensemble.seeds",
        ),
        (
            "unknown key",
            base.replace("\"network.g_gg\"", "\"network.gain\""),
            vec![],
            "network.gain",
        ),
        (
            "non-numeric key",
            base.replace("\"network.g_gg\" = [1.5]", "\"network.w_init\" = [1.0]"),
            vec![],
            "network.w_init",
        ),
        (
            "bad value",
            base.replace("\"network.g_gg\" = [1.5]", "\"network.p_gg\" = [0.5, 1.5]"),
            vec![],
            "member 1",
        ),
        (
            "bad record",
            base.replace("record = \"full\"", "record = \"traces\""),
            vec![],
            "ensemble.record",
        ),
        (
            "zip lengths",
            base.replace(
                "[sweep]\n",
                "[sweep]\nmode = \"zip\"\n\"network.p_gg\" = [0.1, 0.2]\n",
            ),
            vec![],
            "network.p_gg",
        ),
        (
            "shard K >= N",
            base.clone(),
            vec!["--shard", "3/3"],
            "--shard",
        ),
        (
            "malformed shard",
            base.clone(),
            vec!["--shard", "two"],
            "--shard",
        ),
    ];
    for (what, text, extra, needle) in cases {
        let cfg = harness::write(dir, "bad.toml", &text);
        let mut args = vec!["run", cfg.as_str(), "--out", "bad.h5"];
        args.extend(extra);
        let out = harness::cnn(dir, &args);
        assert_eq!(out.code, 2, "{what}: exit code\n{}", out.dump());
        assert!(
            out.stderr.contains(needle),
            "{what}: message lacks {needle:?}\n{}",
            out.dump()
        );
        assert!(
            !dir.join("bad.h5").exists() && !dir.join("bad.h5.parts").exists(),
            "{what}: wrote output"
        );
    }
    // --shard on a single-run config.
    let single = harness::write(dir, "single.toml", &harness::Tiny::default().toml());
    let out = harness::cnn(dir, &["run", &single, "--shard", "0/2"]);
    out.expect_code(2);
    assert!(
        out.stderr.contains("not an ensemble config"),
        "{}",
        out.dump()
    );
    // validate reports the member count.
    let ok = harness::write(
        dir,
        "ok.toml",
        &small(50, 100.0, &[1.2, 1.5], &[1, 2], "full"),
    );
    let v = harness::cnn(dir, &["validate", &ok]);
    v.expect_code(0);
    assert!(v.stdout.contains("ensemble of 4 members"), "{}", v.dump());
}

/// The paper's Fig 5 trend at reduced size: FORCE succeeds in the chaotic regime
/// (g_GG 1.2-1.5) and fails at low g_GG (0.6-0.8).
#[test]
fn fig5_reduced_sweep_shows_the_trend() {
    let science = std::env::var("CNN_SCIENCE").as_deref() == Ok("1");
    let (n_g, seeds, g): (usize, &[u64], &str) = if science {
        (
            1000,
            &[1, 2, 3, 4, 5, 6],
            "0.6, 0.7, 0.8, 1.2, 1.3, 1.4, 1.5",
        )
    } else {
        (500, &[1, 2, 3, 4, 5], "0.6, 0.8, 1.2, 1.5")
    };
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let text = format!(
        "seed = 1\n[network]\nn_g = {n_g}\n\n\
         [simulation]\ndt_ms = 1.0\nspontaneous_ms = 1200.0\ntrain_ms = 14400.0\ntest_ms = 4800.0\n\n\
         [training]\nlearn_every_ms = 2.0\n\n[record]\nrates = 0\n\n\
         [[targets]]\nkind = \"four_sine\"\n\n\
         [ensemble]\nseeds = {seeds:?}\nrecord = \"summary\"\n\n\
         [sweep]\n\"network.g_gg\" = [{g}]\n"
    );
    let cfg = harness::write(dir, "fig5.toml", &text);
    let out = dir.join("fig5.h5");
    harness::cnn(dir, &["run", &cfg, "--out", &s(&out), "--quiet"]).expect_code(0);
    let r = EnsembleReader::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let sum = r.summary().unwrap_or_else(|e| panic!("{e}"));
    let g = sum
        .get("network.g_gg")
        .map(Column::as_f64)
        .unwrap_or_default();
    let ok = sum.get("success").map(Column::as_f64).unwrap_or_default();
    let frac = |lo: f64, hi: f64| {
        let idx: Vec<usize> = (0..g.len()).filter(|&i| g[i] >= lo && g[i] <= hi).collect();
        idx.iter().filter(|&&i| ok[i] == 1.0).count() as f64 / idx.len().max(1) as f64
    };
    let (high, low) = (frac(1.15, 1.55), frac(0.55, 0.85));
    eprintln!("fig5 reduced (N_G = {n_g}): success {high:.2} at g 1.2-1.5, {low:.2} at g 0.6-0.8");
    assert!(high >= 0.6, "success fraction at g 1.2-1.5 is {high}");
    assert!(low <= 0.2, "success fraction at g 0.6-0.8 is {low}");
    // Below the chaotic regime the activity dies out and nothing is learned: the training
    // error stays near mean |f|, an order of magnitude above that at g = 1.5.
    let mae = sum.get("train.mae").map(Column::as_f64).unwrap_or_default();
    let median_at = |gv: f64| {
        let mut v: Vec<f64> = (0..g.len())
            .filter(|&i| g[i] == gv)
            .map(|i| mae[i])
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    assert!(
        median_at(1.5) < 0.1 * median_at(0.6),
        "median training MAE {} at g 1.5 vs {} at g 0.6",
        median_at(1.5),
        median_at(0.6)
    );
}

/// A job array plus a dependent merge on a real single-node Slurm cluster
/// (`scripts/slurm-test-cluster.sh`; `cargo xtask test` starts it and sets CNN_SLURM=1).
#[test]
fn slurm_array_and_merge_equal_a_local_run() {
    if std::env::var("CNN_SLURM").as_deref() != Ok("1") {
        eprintln!("skipped: the Slurm test runs with CNN_SLURM=1 (start a cluster with scripts/slurm-test-cluster.sh)");
        return;
    }
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(
        dir,
        "ens.toml",
        &small(100, 1200.0, &[1.2, 1.5], &[1, 2, 3], "summary"),
    );
    let local = dir.join("local.h5");
    harness::cnn(dir, &["run", &cfg, "--out", &s(&local), "--quiet"]).expect_code(0);
    let merged = dir.join("merged.h5");
    let jobs_dir = dir.join("slurm");
    harness::cnn(
        dir,
        &[
            "slurm",
            &cfg,
            "--shards",
            "3",
            "--dir",
            &s(&jobs_dir),
            "--out",
            &s(&merged),
            "--time",
            "00:10:00",
        ],
    )
    .expect_code(0);
    let submit = Command::new("sh")
        .arg(jobs_dir.join("submit.sh"))
        .output()
        .unwrap_or_else(|e| panic!("sh submit.sh: {e}"));
    assert!(
        submit.status.success(),
        "submit.sh failed: {}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let ids = std::fs::read_to_string(jobs_dir.join("jobs.txt")).unwrap_or_default();
    let merge_id = ids
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("no job ids: {ids}"))
        .to_string();
    let t0 = Instant::now();
    loop {
        let show = Command::new("scontrol")
            .args(["show", "job", &merge_id])
            .output();
        let text = show
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let state = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("JobState="))
            .unwrap_or("")
            .to_string();
        if state == "COMPLETED" {
            break;
        }
        let logs = || {
            std::fs::read_dir(jobs_dir.join("logs"))
                .map(|d| {
                    d.flatten()
                        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default()
        };
        assert!(
            !matches!(
                state.as_str(),
                "FAILED" | "CANCELLED" | "TIMEOUT" | "NODE_FAIL" | "OUT_OF_MEMORY"
            ),
            "merge job {merge_id} ended {state}\n{text}\n{}",
            logs()
        );
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "merge job still {state} after 300 s\n{text}\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_same_ensemble(&local, &merged);
}

/// Runs `cnn ARGS` in `dir` under a file-size limit of `kib` KiB (`ulimit -f`), with
/// SIGXFSZ ignored so that a write past the limit fails with EFBIG, as a full disk fails
/// a write with ENOSPC.
fn cnn_with_file_limit(dir: &Path, kib: u64, args: &[&str]) -> harness::Output {
    let mut script = format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\"");
    for i in 1..=args.len() {
        script.push_str(&format!(" \"${i}\""));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .arg(harness::cnn_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot start bash: {e}"));
    harness::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        cmdline: format!("(ulimit -f {kib}) cnn {}", args.join(" ")),
    }
}

/// A write that fails mid-ensemble (here: the file-size limit lets every member part
/// through but not the assembled file) exits 3, not 2: no partial file under the output
/// name, the finished members kept, and a sentence on how to resume; the same command
/// without the limit resumes and gives the file an unhindered run gives.
#[test]
fn a_full_disk_mid_ensemble_exits_3_and_keeps_the_finished_members() {
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(
        dir,
        "full.toml",
        &small(100, 1200.0, &[1.3, 1.5], &[1, 2, 3], "full"),
    );
    let reference = dir.join("ref.h5");
    harness::cnn(dir, &["run", &cfg, "--out", &s(&reference), "--quiet"]).expect_code(0);
    let one_part = std::fs::metadata(&reference)
        .unwrap_or_else(|e| panic!("{e}"))
        .len()
        / 6;
    // Room for one part file (with slack), not for the six members together.
    let limit_kib = one_part * 2 / 1024;

    let out = dir.join("e.h5");
    let failed = cnn_with_file_limit(dir, limit_kib, &["run", &cfg, "--out", &s(&out), "--quiet"]);
    failed.expect_code(3);
    assert!(
        failed
            .stderr
            .contains("to resume, run the same command again"),
        "{}",
        failed.dump()
    );
    assert!(!out.exists(), "no file under the output name");
    let parts = dir.join("e.h5.parts");
    let kept: Vec<_> = std::fs::read_dir(&parts)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        kept.iter().filter(|n| n.ends_with(".h5")).count(),
        6,
        "every finished member kept: {kept:?}"
    );
    assert!(
        kept.iter().all(|n| !n.contains(".partial-")),
        "no temporary file left: {kept:?}"
    );
    let resumed = harness::cnn(dir, &["run", &cfg, "--out", &s(&out)]);
    resumed.expect_code(0);
    assert!(
        resumed.stderr.contains("6 already done"),
        "{}",
        resumed.dump()
    );
    assert_same_ensemble(&reference, &out);

    // A single run whose file cannot be written: exit 3, nothing left behind.
    let single = dir.join("single.toml");
    std::fs::write(
        &single,
        "[network]\nn_g = 100\n[simulation]\ndt_ms = 1.0\nspontaneous_ms = 0.0\ntrain_ms = 1200.0\ntest_ms = 600.0\n[[targets]]\nkind = \"four_sine\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = cnn_with_file_limit(
        dir,
        16,
        &[
            "run",
            &s(&single),
            "--out",
            "one.h5",
            "--quiet",
            "--checkpoint-every-s",
            "0",
        ],
    );
    run.expect_code(3);
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("one.h5"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// `examples/analyze_ensemble.py` on a 2-D sweep lists every combination of the swept
/// values (it once pooled over the second key: issue 14 item 6).
#[test]
fn analyze_ensemble_groups_by_every_swept_key() {
    let has_h5py = Command::new("python3")
        .args(["-c", "import h5py, numpy"])
        .status()
        .is_ok_and(|st| st.success());
    if !has_h5py {
        assert!(
            std::env::var_os("CNN_REQUIRE_PYTHON").is_none(),
            "CNN_REQUIRE_PYTHON=1 but python3 with h5py and numpy is not usable"
        );
        eprintln!("skipped: python3 with h5py and numpy not found");
        return;
    }
    let tmp = harness::tempdir();
    let dir = tmp.path();
    let cfg = harness::write(
        dir,
        "two.toml",
        "[network]\nn_g = 60\n[simulation]\ndt_ms = 1.0\nspontaneous_ms = 50.0\n\
         train_ms = 600.0\ntest_ms = 300.0\n[training]\nlearn_every_ms = 2.0\n\
         [[targets]]\nkind = \"sine\"\nperiod_ms = 300.0\n[ensemble]\nseeds = [1]\n\
         [sweep]\n\"network.g_gg\" = [1.2, 1.5]\n\"targets.0.period_ms\" = [300.0, 600.0]\n",
    );
    let out = dir.join("two.h5");
    harness::cnn(dir, &["run", &cfg, "--out", &s(&out), "--quiet"]).expect_code(0);
    let py = Command::new("python3")
        .arg(harness::workspace_root().join("examples/analyze_ensemble.py"))
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    let text = String::from_utf8_lossy(&py.stdout);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() == 7 && w[0].parse::<f64>().is_ok())
        .collect();
    let points: Vec<(&str, &str)> = rows.iter().map(|w| (w[0], w[1])).collect();
    assert_eq!(
        points,
        [
            ("1.2", "300"),
            ("1.2", "600"),
            ("1.5", "300"),
            ("1.5", "600")
        ],
        "one row per (g_gg, period) pair:\n{text}"
    );
    assert!(rows.iter().all(|w| w[2] == "1"), "one member each:\n{text}");

    // `cnn info`'s table keeps a long swept key over its column (issue 14 item 12).
    let info = harness::cnn(dir, &["info", &s(&out)]);
    info.expect_code(0);
    let lines: Vec<&str> = info.stdout.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.contains("targets.0.period_ms") && l.contains("members"))
        .unwrap_or_else(|| panic!("no table header\n{}", info.stdout));
    let key_end =
        lines[head].find("targets.0.period_ms").unwrap_or(0) + "targets.0.period_ms".len();
    let row = lines[head + 1];
    let value_end = row.find("300").map(|i| i + 3);
    assert_eq!(
        value_end,
        Some(key_end),
        "column misaligned:\n{}\n{row}",
        lines[head]
    );
}
