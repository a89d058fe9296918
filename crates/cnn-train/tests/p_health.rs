//! Health of P over long runs, and the guarded RLS update ([`RlsUpdate::Guarded`]).
//!
//! - `guarded_equals_standard_when_nothing_is_skipped` (always runs): N = 200, 10 s of
//!   training with the MATLAB protocol; when the guard skips nothing, the guarded run is
//!   the standard run bit for bit.
//! - `long_run_p_stays_positive` (only with `CNN_SCIENCE=1`): N = 1000, p = 0.1, dt 1 ms,
//!   learning every 2 ms, four-sine target, 100 s of training, alpha = 1e-3 and 1e-6. It
//!   prints the smallest diagonal of P and the smallest `1 + r.P r` of the standard
//!   update; if the standard update loses positivity, the guarded one must not.
//!   Otherwise its values must stay positive. No drift was observed at these settings
//!   (numbers in the test's doc comment).

use cnn_core::{GeneratorSpec, Network};
use cnn_targets::Harmonics;
use cnn_train::{LearnerHealth, Outcome, Protocol, RlsUpdate, Termination, Trainer};

/// Trains N = `n_g` (p = 0.1) on the four sines for `train_ms` with the MATLAB protocol.
fn run(n_g: usize, train_ms: f64, alpha: f64, mode: RlsUpdate) -> (Outcome, Vec<f64>) {
    let spec = GeneratorSpec {
        n_g,
        dt_ms: 1.0,
        ..GeneratorSpec::paper(1)
    };
    let mut net = Network::build(spec, 3).expect("valid spec");
    let target = Harmonics::matlab_four_sine();
    let protocol = Protocol {
        spontaneous_ms: 1200.0,
        train_ms,
        test_ms: 1200.0,
        learn_every_ms: 2.0,
        alpha,
    };
    let out = Trainer::new(&mut net, &target, protocol)
        .expect("valid")
        .rls_update(mode)
        .run()
        .expect("runs");
    (out, net.w().to_vec())
}

fn readout(out: &Outcome) -> &LearnerHealth {
    &out.health[0]
}

fn lost_positivity(h: &LearnerHealth) -> bool {
    !(h.min_diagonal > 0.0 && h.min_denominator > 0.0)
}

#[test]
fn guarded_equals_standard_when_nothing_is_skipped() {
    for alpha in [1.0, 1e-3] {
        let (std_out, std_w) = run(200, 10_000.0, alpha, RlsUpdate::Standard);
        let (g_out, g_w) = run(200, 10_000.0, alpha, RlsUpdate::Guarded);
        let (hs, hg) = (readout(&std_out), readout(&g_out));
        eprintln!(
            "N = 200, alpha = {alpha:e}: standard min diag {:e} min 1+r.Pr {:e}; guarded skipped {}",
            hs.min_diagonal, hs.min_denominator, hg.skipped_updates
        );
        assert_eq!(hs.skipped_updates, 0);
        if hg.skipped_updates == 0 {
            assert_eq!(std_out.termination, g_out.termination);
            // Debug text: exact for f64 and equal for NaN (a spontaneous phase's corr).
            assert_eq!(
                format!("{:?}", std_out.metrics),
                format!("{:?}", g_out.metrics)
            );
            assert_eq!(std_out.health, g_out.health);
            assert!(
                std_w
                    .iter()
                    .zip(&g_w)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "weights differ"
            );
        }
    }
}

/// Long run, N = 1000, 100 s of training (50 000 updates).
///
/// No drift was observed at these settings (seed 3, standard update, 50 000 updates):
/// alpha = 1e-3: smallest diagonal of P 149.99, smallest `1 + r.P r` 1.00135;
/// alpha = 1e-6: smallest diagonal of P 21602.6, smallest `1 + r.P r` 1.00181;
/// both runs finished. So the test asserts that the standard update's values stay
/// positive; the guarded branch (run only if the standard update loses positivity)
/// asserts that the guarded update keeps its diagonal positive and does not diverge.
#[test]
fn long_run_p_stays_positive() {
    if !std::env::var("CNN_SCIENCE").is_ok_and(|v| v == "1") {
        eprintln!("skipped: set CNN_SCIENCE=1 for the N = 1000, 100 s P-health run");
        return;
    }
    for alpha in [1e-3, 1e-6] {
        let (std_out, _) = run(1000, 100_000.0, alpha, RlsUpdate::Standard);
        let h = readout(&std_out);
        eprintln!(
            "N = 1000, alpha = {alpha:e}, standard: min diag P {:e}, min 1+r.Pr {:e}, \
             updates {}, termination {:?}",
            h.min_diagonal, h.min_denominator, h.updates, std_out.termination
        );
        if lost_positivity(h) || std_out.termination != Termination::Finished {
            let (g_out, _) = run(1000, 100_000.0, alpha, RlsUpdate::Guarded);
            let g = readout(&g_out);
            eprintln!(
                "N = 1000, alpha = {alpha:e}, guarded: min diag P {:e}, min 1+r.Pr {:e}, \
                 skipped {}, termination {:?}",
                g.min_diagonal, g.min_denominator, g.skipped_updates, g_out.termination
            );
            assert!(g.min_diagonal > 0.0, "guarded lost a positive diagonal");
            assert!(
                !matches!(g_out.termination, Termination::Diverged { .. }),
                "guarded run diverged: {:?}",
                g_out.termination
            );
        } else {
            assert!(h.min_diagonal > 0.0 && h.min_denominator > 0.0);
        }
    }
}
