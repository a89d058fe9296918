//! Checkpoints (issue 7): a run paused every few steps and continued from its checkpoint
//! gives the uninterrupted run bit for bit, for architectures A, B (per-row P, and a
//! shared P of full J^FG rows) and C (per-row and shared P) and delayed nonlinear
//! feedback with noise; the health record is filled.

use cnn_core::{FeedbackSpec, FnTarget, GeneratorSpec, Network, Observer, StepView};
use cnn_train::{
    Feedback, FeedbackMode, NetworkState, Outcome, Protocol, Segment, SharedP, Trainer,
};

fn sine() -> FnTarget<impl Fn(f64, &mut [f64]) + Send + Sync> {
    FnTarget::new(2, Some(300.0), |t, out| {
        out[0] = (2.0 * std::f64::consts::PI * t / 300.0).sin();
        out[1] = 0.5 * (2.0 * std::f64::consts::PI * t / 150.0).cos();
    })
}

const PROTOCOL: Protocol = Protocol {
    spontaneous_ms: 30.0,
    train_ms: 400.0,
    test_ms: 100.0,
    learn_every_ms: 2.0,
    alpha: 1.0,
};

/// Records every z and step.
#[derive(Default)]
struct Zs(Vec<(u64, f64, f64)>);
impl Observer for Zs {
    fn step(&mut self, v: &StepView<'_>) {
        self.0.push((v.step, v.network.z()[0], v.network.z()[1]));
    }
}

#[derive(Clone, Copy)]
enum Arch {
    A,
    B,
    /// B with full J^FG rows and a sparse readout: one shared P of its own.
    BShared,
    CPerRow,
    CShared,
    Delayed,
}

fn build(arch: Arch) -> Network {
    let spec = GeneratorSpec {
        n_g: 120,
        p_gg: if matches!(arch, Arch::CShared) {
            1.0
        } else {
            0.2
        },
        p_z: if matches!(arch, Arch::BShared) {
            0.5
        } else {
            1.0
        },
        dt_ms: 1.0,
        ..GeneratorSpec::paper(2)
    };
    let mut net = Network::build(spec, 4).expect("build");
    match arch {
        Arch::B => {
            let fb = FeedbackSpec {
                n_f: 20,
                p_fg: 0.2,
                ..FeedbackSpec::fig6b()
            };
            net = net.with_feedback_network(fb, 4).expect("fb");
        }
        Arch::BShared => {
            let fb = FeedbackSpec {
                n_f: 20,
                p_fg: 1.0,
                g_fg: 0.1,
                ..FeedbackSpec::fig6b()
            };
            net = net.with_feedback_network(fb, 4).expect("fb");
        }
        Arch::CPerRow | Arch::CShared => {
            let rows: Vec<u32> = (0..40).collect();
            net.set_trained_rows(&rows).expect("rows");
        }
        _ => {}
    }
    net
}

fn trainer<'a>(
    net: &'a mut Network,
    target: &'a FnTarget<impl Fn(f64, &mut [f64]) + Send + Sync>,
    arch: Arch,
    zs: &'a mut Zs,
) -> Trainer<'a> {
    let mut t = Trainer::new(net, target, PROTOCOL)
        .expect("trainer")
        .observe(zs);
    if let Arch::Delayed = arch {
        t = t
            .feedback(Feedback {
                mode: FeedbackMode::DelayedNonlinear {
                    delay_ms: 7.0,
                    gain: 1.3,
                },
                noise_sd: 0.01,
                noise_seed: 9,
            })
            .expect("feedback");
    }
    if let Arch::CShared | Arch::BShared = arch {
        t = t.shared_p(SharedP::Always);
    }
    t
}

fn uninterrupted(arch: Arch) -> (Outcome, NetworkState, Zs) {
    let target = sine();
    let mut net = build(arch);
    let mut zs = Zs::default();
    let o = trainer(&mut net, &target, arch, &mut zs)
        .run()
        .expect("run");
    (o, NetworkState::capture(&net), zs)
}

fn in_segments(arch: Arch, every: u64) -> (Outcome, NetworkState, Zs, usize) {
    let target = sine();
    let mut zs = Zs::default();
    let mut checkpoint = None;
    let mut pauses = 0;
    loop {
        let mut net = build(arch);
        let mut t = trainer(&mut net, &target, arch, &mut zs).pause_every_steps(every);
        if let Some(c) = checkpoint.take() {
            t = t.resume_from(c).expect("resume");
        }
        match t.run_segment().expect("segment") {
            Segment::Paused(c) => {
                pauses += 1;
                checkpoint = Some(*c);
            }
            Segment::Ended(o) => return (o, NetworkState::capture(&net), zs, pauses),
        }
    }
}

#[test]
fn paused_and_resumed_runs_equal_the_uninterrupted_run() {
    for (arch, name) in [
        (Arch::A, "A"),
        (Arch::B, "B"),
        (Arch::BShared, "B shared"),
        (Arch::CPerRow, "C per-row"),
        (Arch::CShared, "C shared"),
        (Arch::Delayed, "delayed feedback"),
    ] {
        let (o1, n1, z1) = uninterrupted(arch);
        // 53 does not divide any phase length: pauses land at phase ends and mid-phase;
        // 30 pauses exactly at the end of the spontaneous phase.
        for every in [53, 30] {
            let (o2, n2, z2, pauses) = in_segments(arch, every);
            assert!(pauses >= 9, "{name}: {pauses} pauses");
            assert_eq!(format!("{o1:?}"), format!("{o2:?}"), "{name}: outcome");
            assert_eq!(n1, n2, "{name}: network state");
            assert_eq!(z1.0, z2.0, "{name}: z trace");
        }
        assert!(o1.health[0].updates == 200, "{name}: {:?}", o1.health);
        for h in &o1.health {
            assert!(
                h.min_diagonal > 0.0 && h.min_denominator >= 1.0,
                "{name}: {h:?}"
            );
            assert_eq!(h.symmetry_drift, 0.0);
        }
        let groups = match arch {
            Arch::A | Arch::Delayed | Arch::CShared => 1,
            _ => 2,
        };
        assert_eq!(o1.health.len(), groups, "{name}: {:?}", o1.health);
        if let Arch::BShared = arch {
            assert_eq!(o1.health[1].learner, "J_FG shared");
        }
    }
}
