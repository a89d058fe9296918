//! The engine as a library, without the `cnn` binary: loading and validation, ensemble
//! plans and shards, running in-process (cancellation, checkpoints), ensembles and
//! merging.

use cnn_experiment::{
    merge, parse_overrides, run, run_ensemble, Cancel, CheckpointEvery, Checkpointing, ConfigText,
    EnsembleEvent, EnsembleOptions, Error, ErrorKind, Loaded, Output, RunOptions,
};
use std::path::Path;
use std::sync::Mutex;

/// A small, quick single-run config (N_G 100, MATLAB protocol, about 2 s simulated).
const SMALL: &str = r#"
seed = 3
[network]
n_g = 100
[simulation]
dt_ms = 1.0
spontaneous_ms = 100.0
train_ms = 1200.0
test_ms = 600.0
[training]
learn_every_ms = 2.0
[[targets]]
kind = "four_sine"
"#;

fn small() -> ConfigText {
    ConfigText::toml(SMALL, "small", Path::new("."))
}

/// smoke-ensemble, shortened: 6 members of about 1.5 s simulated each.
fn smoke_overrides() -> Vec<cnn_experiment::Override> {
    parse_overrides(&[
        "simulation.train_ms=1200",
        "simulation.test_ms=300",
        "network.n_g=80",
    ])
    .expect("overrides")
}

#[test]
fn presets_files_and_text_load_with_overrides() {
    let exp = ConfigText::preset("fig2-matlab")
        .and_then(|t| t.experiment(&parse_overrides(&["network.g_gg=1.2", "seed=7"])?))
        .expect("preset loads");
    assert_eq!(exp.name(), "fig2-matlab");
    assert_eq!(exp.seed(), 7);
    assert_eq!(exp.spec().g_gg, 1.2);
    assert_eq!(exp.spec().dt_ms, 1.0);
    assert_eq!(exp.architecture(), "A");

    // The resolved TOML loads back into the same experiment.
    let again = ConfigText::toml(exp.resolved_toml(), "again", Path::new("."))
        .experiment(&[])
        .expect("resolved config loads");
    assert_eq!(again.resolved_toml(), exp.resolved_toml());

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, SMALL).expect("write");
    let from_file = ConfigText::resolve(file.to_str()).expect("resolve a file");
    assert_eq!(from_file.name(), "mine");
    assert_eq!(
        from_file.experiment(&[]).expect("valid").resolved_toml(),
        small().experiment(&[]).expect("valid").resolved_toml()
    );
    assert!(cnn_experiment::presets::all().any(|p| p.is_default() && !p.expect().is_empty()));
}

#[test]
fn bad_configs_name_the_file_line_key_and_range() {
    let text = ConfigText::toml(
        "[network]\nn_g = 0\n[[targets]]\nkind = \"sine\"\n",
        "bad.toml",
        Path::new("."),
    );
    let e = text.experiment(&[]).expect_err("n_g = 0 is refused");
    assert_eq!(e.kind(), ErrorKind::Input);
    let msg = e.to_string();
    assert!(msg.contains("bad.toml:2"), "{msg}");
    assert!(msg.contains("network.n_g"), "{msg}");
    assert!(msg.contains("1 <= n_g <= 50000"), "{msg}");

    let e = small()
        .experiment(&parse_overrides(&["network.p_gg=2"]).expect("parses"))
        .expect_err("p_gg = 2 is refused");
    assert!(e.to_string().contains("--set network.p_gg=2"), "{e}");
    assert!(e.to_string().contains("0 < p_gg <= 1"), "{e}");

    let e = ConfigText::preset("fig2-periodc").expect_err("no such preset");
    assert_eq!(e.kind(), ErrorKind::Input);
    assert!(
        e.to_string().contains("fig2-periodic"),
        "lists the presets: {e}"
    );
}

#[test]
fn plans_expand_seeds_and_sweeps_and_shards_partition_them() {
    let text = ConfigText::preset("smoke-ensemble").expect("preset");
    let Loaded::Ensemble(plan) = text.load(&[]).expect("valid") else {
        panic!("smoke-ensemble is an ensemble");
    };
    assert_eq!(plan.members().len(), 6);
    assert_eq!(plan.swept(), ["network.g_gg"]);
    let pairs: Vec<(u64, f64)> = plan
        .members()
        .iter()
        .map(|m| (m.seed, m.values[0]))
        .collect();
    for seed in [1, 2, 3] {
        for g in [1.2, 1.5] {
            assert!(
                pairs.contains(&(seed, g)),
                "member seed {seed}, g {g} in {pairs:?}"
            );
        }
    }
    for (i, m) in plan.members().iter().enumerate() {
        assert_eq!(m.index, i as u64);
        let exp = plan.experiment(m).expect("every member validates");
        assert_eq!(exp.seed(), m.seed);
        assert_eq!(exp.spec().g_gg, m.values[0]);
    }
    let mut seen: Vec<u64> = (0..4)
        .flat_map(|k| plan.shard(Some((k, 4))).into_iter().map(|m| m.index))
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..6).collect::<Vec<_>>(),
        "shards cover every member once"
    );
    assert_eq!(plan.shard(None).len(), 6);
    // A single-run config is no plan.
    assert!(small().plan(&[]).expect("valid").is_none());
    assert!(cnn_experiment::ensemble::parse_shard("4/4").is_err());
}

#[test]
fn two_runs_at_once_one_cancelled_the_other_as_alone() {
    let exp = small().experiment(&[]).expect("valid");
    let alone = run(&exp, &RunOptions::default(), &mut [], &Cancel::new()).expect("runs");

    let (keep, stop) = (Cancel::new(), Cancel::new());
    stop.cancel();
    let (kept, stopped) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&exp, &RunOptions::default(), &mut [], &keep));
        let b = s.spawn(|| run(&exp, &RunOptions::default(), &mut [], &stop));
        (a.join().expect("thread"), b.join().expect("thread"))
    });
    let kept = kept.expect("the other run finishes");
    assert!(kept.same_as(&alone), "same record as alone");
    match stopped {
        Err(
            e @ Error::Interrupted {
                checkpoint: None, ..
            },
        ) => {
            assert_eq!(e.kind(), ErrorKind::Interrupted)
        }
        other => panic!("expected an interruption, got {other:?}"),
    }
}

#[test]
fn a_cancelled_run_resumes_from_its_checkpoint_bit_for_bit() {
    let exp = small().experiment(&[]).expect("valid");
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = Output {
        path: dir.path().join("whole.h5"),
        force: false,
    };
    let straight = run(
        &exp,
        &RunOptions {
            output: Some(&whole),
            ..RunOptions::default()
        },
        &mut [],
        &Cancel::new(),
    )
    .expect("runs");

    let out = Output {
        path: dir.path().join("paused.h5"),
        force: false,
    };
    // Cancel at the first checkpoint: the run saves its state and stops.
    let cancel = Cancel::new();
    let trip = cancel.clone();
    let on_event = move |e: &cnn_experiment::RunEvent| {
        if let cnn_experiment::RunEvent::CheckpointWritten { .. } = e {
            trip.cancel();
        }
    };
    let opts = |resume| RunOptions {
        output: Some(&out),
        checkpoint: Some(Checkpointing {
            every: CheckpointEvery::Steps(700),
            resume,
        }),
        on_event: Some(&on_event),
        ..RunOptions::default()
    };
    match run(&exp, &opts(false), &mut [], &cancel) {
        Err(Error::Interrupted {
            checkpoint: Some(p),
            step,
            ..
        }) => {
            assert!(p.exists());
            assert_eq!(step, 700);
        }
        other => panic!("expected an interruption with a checkpoint, got {other:?}"),
    }
    assert!(!out.path.exists(), "no run file for an interrupted run");
    // Without --resume the checkpoint is in the way.
    let e = run(
        &exp,
        &RunOptions {
            output: Some(&out),
            checkpoint: Some(Checkpointing {
                every: CheckpointEvery::Never,
                resume: false,
            }),
            ..RunOptions::default()
        },
        &mut [],
        &Cancel::new(),
    )
    .expect_err("stale checkpoint");
    assert_eq!(e.kind(), ErrorKind::Input);

    let resumed = run(
        &exp,
        &RunOptions {
            output: Some(&out),
            checkpoint: Some(Checkpointing {
                every: CheckpointEvery::Never,
                resume: true,
            }),
            ..RunOptions::default()
        },
        &mut [],
        &Cancel::new(),
    )
    .expect("resumes");
    assert!(
        resumed.same_as(&straight),
        "resumed run equals the straight run"
    );
    assert!(!cnn_experiment::checkpoint::path_for(&out.path).exists());
    let back = cnn_io::read_run(&out.path).expect("reads back");
    assert!(back.same_as(&resumed), "the file holds the record");
    assert!(back.health.is_some() && back.pca.is_some());
}

#[test]
fn ensembles_run_in_process_and_shards_merge_into_the_same_summary() {
    let text = ConfigText::preset("smoke-ensemble").expect("preset");
    let Some(plan) = text.plan(&smoke_overrides()).expect("valid") else {
        panic!("an ensemble");
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.h5");
    let events = Mutex::new(Vec::new());
    let on_event = |e: &EnsembleEvent| {
        if let EnsembleEvent::MemberDone { report, .. } = e {
            events.lock().expect("lock").push(report.index);
        }
    };
    let opts = |out: &Path, shard| EnsembleOptions {
        out: out.to_path_buf(),
        force: false,
        jobs: 2,
        shard,
    };
    let summary =
        run_ensemble(&plan, &opts(&whole, None), &on_event, &Cancel::new()).expect("ensemble runs");
    let mut done = events.into_inner().expect("lock");
    done.sort_unstable();
    assert_eq!(done, (0..6).collect::<Vec<_>>(), "one event per member");
    assert_eq!(summary.rows(), 6);

    let shards: Vec<_> = (0..2)
        .map(|k| {
            let p = dir.path().join(format!("shard{k}.h5"));
            run_ensemble(&plan, &opts(&p, Some((k, 2))), &|_| {}, &Cancel::new())
                .expect("shard runs");
            p
        })
        .collect();
    let merged_path = dir.path().join("merged.h5");
    let merged = merge(&shards, &merged_path, false, false).expect("merges");
    assert_eq!(
        (merged.members, merged.files, merged.missing.len()),
        (6, 2, 0)
    );
    let a = cnn_io::EnsembleReader::open(&whole)
        .expect("open")
        .summary()
        .expect("summary");
    let b = cnn_io::EnsembleReader::open(&merged_path)
        .expect("open")
        .summary()
        .expect("summary");
    let names: Vec<&str> = a.columns.iter().map(|(n, _)| n.as_str()).collect();
    for name in names {
        if name == "wall_s" {
            continue;
        }
        let (x, y) = (
            a.get(name).expect("col").as_f64(),
            b.get(name).expect("col").as_f64(),
        );
        assert!(
            x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "column {name} differs between the whole run and the merged shards"
        );
    }
    // A shard merged twice, or a missing shard, is refused.
    let e = merge(&shards[..1], &dir.path().join("half.h5"), false, false).expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Input);
}

#[test]
fn a_cancelled_ensemble_keeps_its_parts_and_resumes() {
    let text = ConfigText::preset("smoke-ensemble").expect("preset");
    // Members long enough (N_G 300, 3 s simulated: about 0.2 s each) that the writer
    // thread reports the first one well before the pool has run them all.
    let overrides =
        parse_overrides(&["simulation.train_ms=2400", "network.n_g=300"]).expect("overrides");
    let Some(plan) = text.plan(&overrides).expect("valid") else {
        panic!("an ensemble");
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("e.h5");
    let opts = EnsembleOptions {
        out: out.clone(),
        force: false,
        jobs: 1,
        shard: None,
    };
    let cancel = Cancel::new();
    let trip = cancel.clone();
    let on_event = move |e: &EnsembleEvent| {
        if let EnsembleEvent::MemberDone { done: 1, .. } = e {
            trip.cancel();
        }
    };
    let e = run_ensemble(&plan, &opts, &on_event, &cancel).expect_err("cancelled");
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    let Error::Ensemble { done, parts, .. } = &e else {
        panic!("expected an ensemble error, got {e:?}");
    };
    assert!(*done >= 1 && *done < 6, "{done} done");
    assert!(parts.is_dir());
    assert!(!out.exists());
    let resumed_from = Mutex::new(None);
    let on_event = |e: &EnsembleEvent| {
        if let EnsembleEvent::Started { resumed, .. } = e {
            *resumed_from.lock().expect("lock") = Some(*resumed);
        }
    };
    let summary = run_ensemble(&plan, &opts, &on_event, &Cancel::new()).expect("resumes");
    assert_eq!(summary.rows(), 6);
    assert_eq!(resumed_from.into_inner().expect("lock"), Some(*done));
    assert!(!parts.exists(), "parts removed once assembled");
}

#[test]
fn an_array_target_is_the_same_target_as_a_csv_file_of_its_rows() {
    let rows: Vec<[f64; 2]> = (0..60)
        .map(|k| {
            let t = k as f64 * 10.0;
            [
                (t / 600.0 * std::f64::consts::TAU).sin(),
                0.5 * (t / 300.0).cos(),
            ]
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let csv: String = rows
        .iter()
        .map(|r| format!("{:?},{:?}\n", r[0], r[1]))
        .collect();
    std::fs::write(dir.path().join("f.csv"), csv).expect("write");
    let values: Vec<String> = rows
        .iter()
        .map(|r| format!("[{:?}, {:?}]", r[0], r[1]))
        .collect();
    let head = "seed = 2\n[network]\nn_g = 80\n[simulation]\ndt_ms = 1.0\nspontaneous_ms = 50.0\ntrain_ms = 1200.0\ntest_ms = 600.0\n[training]\nlearn_every_ms = 2.0\n";
    let from_csv = ConfigText::toml(
        format!("{head}[[targets]]\nkind = \"csv\"\npath = \"f.csv\"\nsample_interval_ms = 10.0\n"),
        "csv",
        dir.path(),
    );
    let from_array = ConfigText::toml(
        format!(
            "{head}[[targets]]\nkind = \"array\"\nsample_interval_ms = 10.0\nvalues = [{}]\n",
            values.join(", ")
        ),
        "array",
        dir.path(),
    );
    let a = run(
        &from_csv.experiment(&[]).expect("valid"),
        &RunOptions::default(),
        &mut [],
        &Cancel::new(),
    )
    .expect("runs");
    let b_exp = from_array.experiment(&[]).expect("valid");
    assert_eq!(b_exp.spec().n_out, 2);
    let b = run(&b_exp, &RunOptions::default(), &mut [], &Cancel::new()).expect("runs");
    for (p, q) in a.phases.iter().zip(&b.phases) {
        assert_eq!(p.f, q.f, "the targets agree");
        assert_eq!(p.z, q.z, "and so do the runs");
    }
    // The resolved config keeps the samples: it loads back into the same experiment.
    let again = ConfigText::toml(b_exp.resolved_toml(), "again", dir.path())
        .experiment(&[])
        .expect("resolved config loads");
    assert_eq!(again.resolved_toml(), b_exp.resolved_toml());

    let e = ConfigText::toml(
        format!("{head}[[targets]]\nkind = \"array\"\nsample_interval_ms = 10.0\nvalues = [[1.0, 2.0], [3.0]]\n"),
        "ragged",
        dir.path(),
    )
    .experiment(&[])
    .expect_err("rows of different widths are refused");
    assert!(e.to_string().contains("targets[0].values"), "{e}");
}
