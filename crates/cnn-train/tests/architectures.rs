//! Science checks of the architectures and feedback variants at sizes that run in about a
//! minute (MATLAB protocol: dt 1 ms, learning every 2 ms, four sines of period 1200 ms).
//! Each test prints what it measured (`cargo test -p cnn-train --test architectures --
//! --nocapture`); docs/experiments.md records the numbers.

use cnn_core::{GeneratorSpec, Network};
use cnn_targets::Harmonics;
use cnn_train::{Feedback, FeedbackMode, Outcome, Protocol, Trainer};

fn matlab(train_ms: f64) -> Protocol {
    Protocol {
        spontaneous_ms: 0.0,
        train_ms,
        test_ms: 2400.0,
        learn_every_ms: 2.0,
        alpha: 1.0,
    }
}

fn report(label: &str, seed: u64, o: &Outcome) {
    let tr = &o.metrics[1].outputs[0];
    let te = &o.metrics[2].outputs[0];
    println!(
        "{label} seed {seed}: success {} train MAE {:.4} test MAE {:.3} corr {:.3} amp {:.2}",
        o.success, tr.mae, te.mae, te.best_corr, te.amp_ratio
    );
}

/// Architecture C, all-to-all (MATLAB force_internal_all2all.m): N_G = 1000, p_GG = 1,
/// no feedback, every row of J^GG trained from one shared P.
#[test]
fn architecture_c_learns_four_sines_in_most_seeds() {
    let target = Harmonics::matlab_four_sine();
    let mut wins = 0;
    for seed in 0..5 {
        let spec = GeneratorSpec {
            n_g: 1000,
            p_gg: 1.0,
            g_gz: 0.0,
            dt_ms: 1.0,
            ..GeneratorSpec::paper(1)
        };
        let mut net = Network::build(spec, seed).expect("build");
        let units: Vec<u32> = (0..1000).collect();
        net.set_trained_rows(&units).expect("rows");
        let o = Trainer::new(&mut net, &target, matlab(14400.0))
            .expect("trainer")
            .run()
            .expect("run");
        report("C all-to-all", seed, &o);
        wins += o.success as usize;
    }
    assert!(wins >= 3, "architecture C succeeded in {wins} of 5 seeds");
}

/// Fig. 4: the test error grows with gamma (teacher forcing during training).
#[test]
fn error_grows_with_gamma() {
    let target = Harmonics::matlab_four_sine();
    let mut medians = Vec::new();
    for gamma in [0.0, 1.0] {
        let mut maes = Vec::new();
        for seed in 0..3 {
            let spec = GeneratorSpec {
                n_g: 500,
                p_gg: 0.2,
                dt_ms: 1.0,
                ..GeneratorSpec::paper(1)
            };
            let mut net = Network::build(spec, seed).expect("build");
            let o = Trainer::new(&mut net, &target, matlab(14400.0))
                .expect("trainer")
                .feedback(Feedback {
                    mode: FeedbackMode::Mixture { gamma },
                    noise_sd: 0.0,
                    noise_seed: 0,
                })
                .expect("feedback")
                .run()
                .expect("run");
            report(&format!("gamma {gamma}"), seed, &o);
            maes.push(o.metrics[2].outputs[0].mae);
        }
        maes.sort_by(f64::total_cmp);
        medians.push(maes[1]);
    }
    println!(
        "median test MAE: gamma 0 {:.3}, gamma 1 {:.3}",
        medians[0], medians[1]
    );
    assert!(
        medians[1] > 2.0 * medians[0],
        "test MAE at gamma 1 ({}) is not clearly above gamma 0 ({})",
        medians[1],
        medians[0]
    );
}

/// Architecture B with `n_f` feedback units of `p_fg` and a small initial J^FG
/// (g_FG = 0.1), no readout feedback; returns how many of 5 seeds succeed.
fn architecture_b_wins(label: &str, n_f: usize, p_fg: f64) -> usize {
    let target = Harmonics::matlab_four_sine();
    let mut wins = 0;
    for seed in 0..5 {
        let spec = GeneratorSpec {
            n_g: 1000,
            p_gg: 0.1,
            g_gz: 0.0,
            dt_ms: 1.0,
            ..GeneratorSpec::paper(1)
        };
        let fb = cnn_core::FeedbackSpec {
            n_f,
            p_fg,
            g_fg: 0.1,
            ..cnn_core::FeedbackSpec::fig6b()
        };
        let mut net = Network::build(spec, seed)
            .expect("build")
            .with_feedback_network(fb, seed)
            .expect("feedback network");
        let before = net.feedback_network().expect("fb").j_fg().data().to_vec();
        let o = Trainer::new(&mut net, &target, matlab(14400.0))
            .expect("trainer")
            .run()
            .expect("run");
        report(label, seed, &o);
        assert_ne!(
            net.feedback_network().expect("fb").j_fg().data(),
            &before[..]
        );
        wins += o.success as usize;
    }
    wins
}

/// Architecture B as in Fig. 6B (N_F = 95, p_FF = 0.25, g_FF = 1.2, p_GF = 0.25) at
/// N_G = 1000, each feedback unit trained over about 500 generator units (p_FG = 0.5; the
/// paper: 500 of 20000) with its own P, all taking the readout's error. The initial J^FG
/// is scaled by g_FG = 0.1 instead of the paper's 1: with g_FG = 1 the fixed random part
/// g_FG J^FG(0) r of each feedback unit's input swamps the learned signal and B fails at
/// test in most seeds (docs/experiments.md).
#[test]
fn architecture_b_learns_four_sines_in_most_seeds() {
    let wins = architecture_b_wins("B sparse", 50, 0.5);
    assert!(wins >= 3, "architecture B succeeded in {wins} of 5 seeds");
}

/// Architecture B with every feedback unit receiving from all generator units: one
/// shared P serves the readout and every feedback unit, and the learned input of each
/// feedback unit equals the change of the output (paper, Results).
#[test]
fn architecture_b_all_to_all_learns_four_sines_in_most_seeds() {
    let wins = architecture_b_wins("B all-to-all", 95, 1.0);
    assert!(
        wins >= 4,
        "architecture B (all-to-all) succeeded in {wins} of 5 seeds"
    );
}
