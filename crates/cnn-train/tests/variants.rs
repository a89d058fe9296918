//! Feedback variants and recurrent learners against their definitions: gamma = 0 is plain
//! FORCE bit for bit, the delayed nonlinear loop feeds back `gain tanh(sin(pi z(t - d)))`,
//! feedback noise is reproducible, inputs are read at the start of each step, and a
//! shared P for all-to-all architecture C gives the per-unit weights.

use cnn_core::{
    FeedbackSpec, FnTarget, GeneratorSpec, InputSpec, InputWeights, Network, Observer, StepView,
};
use cnn_train::{Feedback, FeedbackMode, Protocol, SharedP, Trainer};

fn spec(n: usize, p: f64) -> GeneratorSpec {
    GeneratorSpec {
        n_g: n,
        p_gg: p,
        dt_ms: 1.0,
        ..GeneratorSpec::paper(1)
    }
}

fn sine() -> FnTarget<impl Fn(f64, &mut [f64]) + Send + Sync> {
    FnTarget::new(1, Some(600.0), |t, out| {
        out[0] = (2.0 * std::f64::consts::PI * t / 600.0).sin();
    })
}

fn protocol(train_ms: f64) -> Protocol {
    Protocol {
        spontaneous_ms: 50.0,
        train_ms,
        test_ms: 100.0,
        learn_every_ms: 2.0,
        alpha: 1.0,
    }
}

/// A small feedback network (N_F units, p_FF = p_GF = 0.3, g_FF 1.2, g_GF 1).
fn small_fb(n_f: usize, p_fg: f64, g_fg: f64) -> FeedbackSpec {
    FeedbackSpec {
        n_f,
        p_ff: 0.3,
        p_fg,
        p_gf: 0.3,
        g_ff: 1.2,
        g_fg,
        g_gf: 1.0,
    }
}

/// Asserts `|a - b| <= 1e-12 max|b|` element-wise.
fn assert_close(a: &[f64], b: &[f64]) {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        diff <= 1e-12 * scale,
        "max difference {diff} (scale {scale})"
    );
}

/// Records z after every step.
#[derive(Default)]
struct Zs(Vec<f64>);
impl Observer for Zs {
    fn step(&mut self, v: &StepView<'_>) {
        self.0.extend_from_slice(v.network.z());
    }
}

#[test]
fn gamma_zero_is_plain_force_bit_for_bit() {
    let target = sine();
    let mut a = Network::build(spec(150, 0.2), 3).expect("build");
    let mut b = a.clone();
    let (mut za, mut zb) = (Zs::default(), Zs::default());
    Trainer::new(&mut a, &target, protocol(600.0))
        .expect("trainer")
        .observe(&mut za)
        .run()
        .expect("run");
    Trainer::new(&mut b, &target, protocol(600.0))
        .expect("trainer")
        .feedback(Feedback {
            mode: FeedbackMode::Mixture { gamma: 0.0 },
            noise_sd: 0.0,
            noise_seed: 0,
        })
        .expect("feedback")
        .observe(&mut zb)
        .run()
        .expect("run");
    assert_eq!(za.0, zb.0);
    assert_eq!(a.w(), b.w());
}

#[test]
fn mixture_feeds_back_target_and_readout_during_training_only() {
    // gamma = 1 during training is teacher forcing: the network must step exactly as
    // one driven by f(t_{n-1}); spontaneous and test phases feed back z.
    let target = sine();
    let net0 = Network::build(spec(80, 0.3), 5).expect("build");
    let mut a = net0.clone();
    let mut za = Zs::default();
    let p = Protocol {
        spontaneous_ms: 20.0,
        train_ms: 40.0,
        test_ms: 20.0,
        learn_every_ms: 1000.0, // no update inside the 40 ms: weights stay 0
        alpha: 1.0,
    };
    Trainer::new(&mut a, &target, p)
        .expect("trainer")
        .feedback(Feedback {
            mode: FeedbackMode::Mixture { gamma: 1.0 },
            noise_sd: 0.0,
            noise_seed: 0,
        })
        .expect("feedback")
        .observe(&mut za)
        .run()
        .expect("run");
    let mut b = net0;
    let mut f = [0.0];
    for n in 0..80u64 {
        if (20..60).contains(&n) {
            target.eval_at(n as f64, &mut f);
            b.step_with_feedback(&f);
        } else {
            b.step();
        }
    }
    assert_eq!(a.x(), b.x());
}

trait EvalAt {
    fn eval_at(&self, t: f64, out: &mut [f64]);
}
impl<T: cnn_core::Target> EvalAt for T {
    fn eval_at(&self, t: f64, out: &mut [f64]) {
        self.eval(t, out);
    }
}

#[test]
fn delayed_nonlinear_feedback_matches_its_definition() {
    let target = sine();
    let mut net0 = Network::build(spec(60, 0.3), 8).expect("build");
    // Nonzero readout weights so that z varies; no learning in this run.
    for (i, w) in net0.w_mut().iter_mut().enumerate() {
        *w = 0.05 * ((i % 7) as f64 - 3.0);
    }
    net0.compute_readouts();
    let (delay, gain) = (5u64, 1.3);
    let mut a = net0.clone();
    let p = Protocol {
        spontaneous_ms: 30.0,
        train_ms: 0.0,
        test_ms: 0.0,
        learn_every_ms: 1.0,
        alpha: 1.0,
    };
    Trainer::new(&mut a, &target, p)
        .expect("trainer")
        .feedback(Feedback {
            mode: FeedbackMode::DelayedNonlinear {
                delay_ms: delay as f64,
                gain,
            },
            noise_sd: 0.0,
            noise_seed: 0,
        })
        .expect("feedback")
        .run()
        .expect("run");
    let mut b = net0.clone();
    let mut zs = vec![net0.z()[0]]; // z(t_0)
    for n in 1..=30u64 {
        // Step n uses z(t_{n-1-delay}), or z(0) before that exists.
        let m = (n - 1).saturating_sub(delay);
        let zd = if n - 1 < delay { zs[0] } else { zs[m as usize] };
        let fb = [gain * (std::f64::consts::PI * zd).sin().tanh()];
        b.step_with_feedback(&fb);
        zs.push(b.z()[0]);
    }
    assert_eq!(a.x(), b.x());
}

#[test]
fn feedback_noise_is_reproducible_and_changes_the_run() {
    let target = sine();
    let run = |sd: f64, seed: u64| {
        let mut n = Network::build(spec(80, 0.3), 2).expect("build");
        Trainer::new(&mut n, &target, protocol(200.0))
            .expect("trainer")
            .feedback(Feedback {
                mode: FeedbackMode::Readout,
                noise_sd: sd,
                noise_seed: seed,
            })
            .expect("feedback")
            .run()
            .expect("run");
        n.w().to_vec()
    };
    assert_eq!(run(0.1, 4), run(0.1, 4));
    assert_ne!(run(0.1, 4), run(0.1, 5));
    assert_ne!(run(0.1, 4), run(0.0, 4));
}

#[test]
fn inputs_drive_the_generator_from_the_start_of_each_step() {
    let base = Network::build(spec(40, 0.3), 1).expect("build");
    let ispec = InputSpec {
        n_in: 2,
        to_generator: InputWeights::OneHot { sd: 1.0 },
        to_feedback: InputWeights::Disconnected,
    };
    let net0 = base.with_inputs(ispec, 1).expect("inputs");
    let j_gi = net0.j_gi().expect("J_GI").to_dense();
    let input = FnTarget::new(2, None, |t, out| {
        out[0] = if t < 10.0 { 1.0 } else { 0.0 };
        out[1] = 0.01 * t;
    });
    let target = FnTarget::new(1, None, |_t, out| out[0] = 0.0);
    let mut a = net0.clone();
    let p = Protocol {
        spontaneous_ms: 20.0,
        train_ms: 0.0,
        test_ms: 0.0,
        learn_every_ms: 1.0,
        alpha: 1.0,
    };
    Trainer::new(&mut a, &target, p)
        .expect("trainer")
        .inputs(&input)
        .expect("inputs")
        .run()
        .expect("run");
    // By hand: x <- x + a(-x + g J r + g_Gz J^Gz z + J^GI I(t_{n-1})).
    let s = net0.spec().clone();
    let dense = net0.j_gg().to_dense();
    let (mut x, mut r) = (net0.x().to_vec(), net0.r().to_vec());
    // z(0) is fed back by the first step; w = 0 makes z = 0 afterwards.
    let mut z = net0.z()[0];
    let n = s.n_g;
    let mut iv = [0.0; 2];
    for step in 0..20 {
        cnn_core::Target::eval(&input, step as f64, &mut iv);
        let mut xn = x.clone();
        for i in 0..n {
            let rec: f64 = (0..n).map(|j| dense[i * n + j] * r[j]).sum();
            let drive: f64 = (0..2).map(|m| j_gi[i * 2 + m] * iv[m]).sum();
            let fb = s.g_gz * net0.j_gz()[i] * z;
            xn[i] = x[i] + s.dt_ms / s.tau_ms * (-x[i] + s.g_gg * rec + fb + drive);
        }
        x = xn;
        z = 0.0;
        r = x.iter().map(|v| v.tanh()).collect();
    }
    for (got, want) in a.x().iter().zip(&x) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    // A network with inputs refuses to run without input signals.
    let mut c = net0.clone();
    assert!(Trainer::new(&mut c, &target, p)
        .expect("trainer")
        .run()
        .is_err());
}

/// Copies of `net0` trained for 300 ms with one shared P and with one P per unit.
fn shared_and_per_unit(net0: &Network, target: &impl cnn_core::Target) -> (Network, Network) {
    let run = |shared: SharedP| {
        let mut n = net0.clone();
        Trainer::new(&mut n, target, protocol(300.0))
            .expect("trainer")
            .shared_p(shared)
            .run()
            .expect("run");
        n
    };
    (run(SharedP::Always), run(SharedP::Never))
}

#[test]
fn all_to_all_shared_p_equals_per_unit_p() {
    let target = sine();
    let mut s = spec(60, 1.0);
    s.g_gz = 0.0;
    let mut net0 = Network::build(s, 4).expect("build");
    let units: Vec<u32> = (0..60).collect();
    net0.set_trained_rows(&units).expect("trained rows");
    let (a, b) = shared_and_per_unit(&net0, &target);
    let (ja, jb) = (a.j_gg().data(), b.j_gg().data());
    assert_ne!(ja, net0.j_gg().data(), "the recurrent weights were trained");
    assert_close(ja, jb);
    assert_eq!(a.w(), b.w());
}

/// Architecture B with every feedback unit receiving from all generator units: one
/// shared P (the readout's) gives the same J^FG as one P per feedback unit.
#[test]
fn full_feedback_rows_shared_p_equals_per_unit_p() {
    let target = sine();
    let mut s = spec(60, 0.2);
    s.g_gz = 0.0;
    let net0 = Network::build(s.clone(), 9)
        .expect("build")
        .with_feedback_network(small_fb(8, 1.0, 0.5), 9)
        .expect("feedback network");
    let (a, b) = shared_and_per_unit(&net0, &target);
    let j = |n: &Network| n.feedback_network().expect("fb").j_fg().data().to_vec();
    let (ja, jb) = (j(&a), j(&b));
    assert_ne!(ja, j(&net0), "J^FG was trained");
    assert_close(&ja, &jb);
    assert_eq!(a.w(), b.w());
    // A shared P needs full rows.
    let mut sparse = Network::build(s, 9)
        .expect("build")
        .with_feedback_network(small_fb(8, 0.5, 0.5), 9)
        .expect("feedback network");
    let err = Trainer::new(&mut sparse, &target, protocol(300.0))
        .expect("trainer")
        .shared_p(SharedP::Always)
        .run()
        .expect_err("shared P with sparse rows");
    assert!(err.to_string().contains("p_fg = 1"), "{err}");
}

#[test]
fn feedback_network_weights_are_trained() {
    let target = sine();
    let mut s = spec(120, 0.2);
    s.g_gz = 0.0;
    let fb = small_fb(10, 0.2, 1.0);
    let net0 = Network::build(s, 6)
        .expect("build")
        .with_feedback_network(fb, 6)
        .expect("feedback network");
    let mut n = net0.clone();
    let out = Trainer::new(&mut n, &target, protocol(300.0))
        .expect("trainer")
        .run()
        .expect("run");
    assert_eq!(out.termination, cnn_train::Termination::Finished);
    let before = net0.feedback_network().expect("fb").j_fg().data();
    let after = n.feedback_network().expect("fb").j_fg().data();
    assert_ne!(before, after);
    // J^FF and J^GF are fixed.
    assert_eq!(
        net0.feedback_network().expect("fb").j_ff(),
        n.feedback_network().expect("fb").j_ff()
    );
    assert!(n.w().iter().any(|v| *v != 0.0));
}
