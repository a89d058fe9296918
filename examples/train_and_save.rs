//! Build a network, train it with FORCE and write a run file through the library API
//! alone (no CLI, no TOML), so the crates can be embedded in your own code.
//!
//! Run with `cargo run --release --example train_and_save -- [OUT.h5]`.

use cnn_core::{GeneratorSpec, Network, Phase};
use cnn_io::{NetworkRecord, PhaseMetrics, Recorder, RunMeta, RunRecord, RunStatus};
use cnn_targets::Harmonics;
use cnn_train::{Protocol, Termination, Trainer};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "train_and_save.h5".into()),
    );

    // The paper's network with the MATLAB demo's time step (dt = 1 ms).
    let spec = GeneratorSpec {
        dt_ms: 1.0,
        ..GeneratorSpec::paper(1)
    };
    let seed = 3;
    let mut net = Network::build(spec.clone(), seed)?;
    let target = Harmonics::matlab_four_sine();
    let protocol = Protocol {
        spontaneous_ms: 1200.0,
        train_ms: 14400.0,
        test_ms: 4800.0,
        learn_every_ms: 2.0,
        alpha: 1.0,
    };

    // Record the rates of 10 units, every step; the recorder is a plug-in observer.
    let initial = NetworkRecord::from_network(&net);
    let mut recorder = Recorder::new((0..10).collect(), 1);
    let outcome = Trainer::new(&mut net, &target, protocol)?
        .observe(&mut recorder)
        .run()?;

    for m in &outcome.metrics {
        let o = &m.outputs[0];
        println!(
            "{:<12} MAE {:.5}  corr {:.4}  |w| {:.3}",
            m.phase.name(),
            o.mae,
            o.best_corr,
            o.w_norm
        );
    }
    println!("success: {}", outcome.success);

    let mut network = initial;
    network.w_final = cnn_io::w_to_row_major(net.w(), spec.n_g, spec.n_out);
    let status = match &outcome.termination {
        Termination::Finished => RunStatus::Complete,
        other => RunStatus::Diverged {
            message: format!("{other:?}"),
        },
    };
    let record = RunRecord {
        meta: RunMeta {
            cnn_version: env!("CARGO_PKG_VERSION").into(),
            config_toml: format!("# written by examples/train_and_save.rs\nseed = {seed}\n"),
            seed,
            status,
        },
        network,
        phases: recorder.into_phases(),
        metrics: outcome
            .metrics
            .iter()
            .map(|m| PhaseMetrics {
                phase: m.phase,
                values: m
                    .named()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                success: None,
            })
            .collect(),
        success: Some(outcome.success),
        pca: None,
        health: None, // `cnn run` stores outcome.health here (`/health`)
    };
    cnn_io::write_run(&out, &record, true)?;
    println!(
        "wrote {} ({} test rows)",
        out.display(),
        record
            .phases
            .iter()
            .find(|p| p.phase == Phase::Test)
            .map_or(0, |p| p.rows())
    );
    Ok(())
}
