//! Build a network, train it with FORCE and write a run file through the low-level
//! crates (no TOML): cnn-core's network, cnn-train's trainer, cnn-io's recorder, and the
//! engine's record assembly (`cnn_experiment::record::assemble`), so the file carries
//! `/health` and the success flags exactly like the files `cnn run` writes.
//!
//! Run with `cargo run --release -p cnn-experiment --example train_and_save -- [OUT.h5]`.

use cnn_core::{GeneratorSpec, Network, Phase};
use cnn_experiment::record::{self, RecordParts};
use cnn_io::{InitialState, Recorder};
use cnn_targets::Harmonics;
use cnn_train::{Protocol, Trainer};
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
    let initial = InitialState::capture(&net);
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
    if let Some(test) = outcome.phase(Phase::Test) {
        println!("test correlation: {:.4}", test.outputs[0].best_corr);
    }
    println!("success: {}", outcome.success);

    let record = record::assemble(RecordParts {
        config_toml: format!("# written by examples/train_and_save.rs\nseed = {seed}\n"),
        seed,
        initial,
        network: &net,
        phases: recorder.into_phases(),
        outcome: &outcome,
        pca: None,
    })?;
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
