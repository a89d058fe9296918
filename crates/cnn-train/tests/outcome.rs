//! `Outcome::phase` finds a phase's metrics by name, whatever phases ran before it.

use cnn_core::{FnTarget, GeneratorSpec, Network, Phase};
use cnn_train::{Protocol, Trainer};

#[test]
fn phase_finds_the_metrics_by_name_without_a_spontaneous_phase() {
    let spec = GeneratorSpec {
        n_g: 60,
        dt_ms: 1.0,
        ..GeneratorSpec::paper(1)
    };
    let mut net = Network::build(spec, 1).expect("network");
    let target = FnTarget::new(1, Some(100.0), |t, out| out[0] = (t / 50.0).sin());
    let protocol = Protocol {
        spontaneous_ms: 0.0,
        train_ms: 200.0,
        test_ms: 100.0,
        learn_every_ms: 2.0,
        alpha: 1.0,
    };
    let outcome = Trainer::new(&mut net, &target, protocol)
        .expect("trainer")
        .run()
        .expect("runs");
    let train = outcome.phase(Phase::Train).expect("a training phase");
    assert_eq!(train.phase, Phase::Train);
    assert_eq!(train.steps, 200);
    assert_eq!(outcome.phase(Phase::Test).map(|m| m.steps), Some(100));
    let spontaneous = outcome.phase(Phase::Spontaneous);
    assert!(spontaneous.is_none_or(|m| m.steps == 0));
}
