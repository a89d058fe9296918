//! Write -> read tests of whole run files.

use std::path::Path;

use cnn_core::{
    Csr, FeedbackSpec, GeneratorSpec, InitialWeights, InputSpec, InputWeights, Network, Observer,
    Phase, StepView, UpdateView,
};

use crate::*;

/// A small deterministic generator (xorshift64*), enough for test data.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.f()).collect()
    }
}

fn random_phase(
    g: &mut Gen,
    phase: Phase,
    n: usize,
    k: usize,
    t: usize,
    rates_index: Vec<u32>,
    u: usize,
) -> PhaseRecord {
    let r = rates_index.len();
    PhaseRecord {
        phase,
        first_step: g.next() % 1000,
        last_step: 1000 + g.next() % 1000,
        t_start_ms: g.f(),
        t_end_ms: 10.0 + g.f(),
        decimate: 1 + g.next() % 4,
        t_ms: g.vec(t),
        z: g.vec(t * k),
        f: g.vec(t * k),
        x_start: g.vec(n),
        z_start: g.vec(k),
        w_start: g.vec(n * k),
        rates_index,
        rates: g.vec(t * r),
        update_t_ms: g.vec(u),
        w_norm: g.vec(u * k),
        dw_norm: g.vec(u * k),
        inputs: None,
        feedback_rates: None,
        y_start: None,
    }
}

fn random_record(seed: u64, n: usize, k: usize) -> RunRecord {
    let mut g = Gen(seed | 1);
    let mut indptr = vec![0usize];
    let (mut indices, mut data) = (Vec::new(), Vec::new());
    for _ in 0..n {
        for j in 0..n {
            if g.next() % 10 < 3 {
                indices.push(j as u32);
                data.push(g.f());
            }
        }
        indptr.push(indices.len());
    }
    let j_gg = Csr::from_parts(n, n, indptr, indices, data).expect("csr");
    let params = NetworkRecord::PARAM_NAMES
        .iter()
        .map(|p| (p.to_string(), g.f().abs() + 0.01))
        .collect();
    let network = NetworkRecord {
        n_g: n,
        n_out: k,
        params,
        j_gg,
        j_gz: g.vec(n * k),
        readout_units: (0..n as u32).filter(|i| i % 3 != 1).collect(),
        x_initial: g.vec(n),
        z_initial: g.vec(k),
        w_initial: g.vec(n * k),
        w_final: g.vec(n * k),
        n_in: 0,
        j_gi: None,
        feedback: None,
        trained_units: Vec::new(),
        j_gg_final: None,
    };
    let phases = vec![
        // No recorded units: rates is T x 0.
        random_phase(&mut g, Phase::Spontaneous, n, k, 50, vec![], 0),
        // rates 100 x 60 = 6000 elements: chunked and compressed.
        random_phase(&mut g, Phase::Train, n, k, 100, (0..60).collect(), 40),
        // Empty: T = 0, U = 0.
        random_phase(&mut g, Phase::Test, n, k, 0, vec![2, 7], 0),
    ];
    let metrics = vec![
        PhaseMetrics {
            phase: Phase::Train,
            values: vec![("corr".into(), g.vec(k)), ("mae".into(), g.vec(k))],
            success: None,
        },
        PhaseMetrics {
            phase: Phase::Test,
            values: vec![("mae".into(), g.vec(k))],
            success: Some(true),
        },
    ];
    RunRecord {
        meta: RunMeta {
            cnn_version: "0.1.0-test".into(),
            config_toml: "[network]\nn_g = 120 # ünïcode\n".into(),
            seed: u64::MAX - 3,
            status: RunStatus::Complete,
        },
        network,
        phases,
        metrics,
        success: Some(true),
        pca: Some(random_pca(&mut g, n, k, 500, 4)), // recon_z is 3-D and chunked
        health: Some(sample_health()),
    }
}

/// A health record as an architecture-C run with a shared P writes it, including a
/// group without updates (`+inf` minima).
fn sample_health() -> HealthRecord {
    let group = |learner: &str, matrices, updates, diag, den| LearnerHealthRecord {
        learner: learner.into(),
        matrices,
        updates,
        skipped_updates: updates / 1000,
        min_p_diagonal: diag,
        min_denominator: den,
        symmetry_drift: 0.0,
    };
    HealthRecord {
        groups: vec![
            group("readout", 1, 7200, 1.25e-3, 1.0004),
            group("J_GG rows", 0, 0, f64::INFINITY, f64::INFINITY),
            group("J_GG shared", 1, 7200, 3.5e-4, 1.5),
        ],
    }
}

fn random_pca(g: &mut Gen, n: usize, k: usize, s: usize, m: usize) -> PcaRecord {
    let recon_k: Vec<u64> = vec![1, 2, 4];
    let l = recon_k.len();
    PcaRecord {
        phase: Phase::Test,
        sample_every_steps: 1 + g.next() % 10,
        n_95: g.next() % n as u64,
        eigenvalues: g.vec(n),
        explained_fraction: g.vec(n),
        n_keep: m,
        eigenvectors: g.vec(n * m),
        mean: g.vec(n),
        t_ms: g.vec(s),
        projections: g.vec(s * m),
        z: g.vec(s * k),
        f: g.vec(s * k),
        recon_k,
        recon_z: g.vec(s * l * k),
        recon_rms_vs_f: g.vec(l * k),
        recon_rms_vs_z: g.vec(l * k),
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn roundtrip_random_record_with_empty_phase_and_three_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    let rec = random_record(11, 120, 3);
    assert!(rec.network.j_gg.nnz() >= 4096, "exercise chunked datasets");
    write_run(&path, &rec, false).expect("write");
    let back = read_run(&path).expect("read");
    assert_eq!(back, rec);
    assert_eq!(dir_entries(dir.path()), ["run.h5"], "no partial file left");

    let s = read_summary(&path).expect("summary");
    assert_eq!((s.n_g, s.n_out, s.nnz), (120, 3, rec.network.j_gg.nnz()));
    assert_eq!(s.meta, rec.meta);
    assert_eq!(s.params, rec.network.params);
    assert_eq!(s.success, Some(true));
    assert_eq!(s.metrics, rec.metrics);
    assert_eq!(s.health, rec.health);
    let rows: Vec<(Phase, usize, usize, usize)> = s
        .phases
        .iter()
        .map(|p| (p.phase, p.rows, p.n_rates, p.updates))
        .collect();
    assert_eq!(
        rows,
        [
            (Phase::Spontaneous, 50, 0, 0),
            (Phase::Train, 100, 60, 40),
            (Phase::Test, 0, 2, 0)
        ]
    );
    let p = &rec.phases[1];
    assert_eq!(s.phases[1].duration_ms(), p.t_end_ms - p.t_start_ms);
    assert_eq!(s.phases[1].steps(), p.last_step - p.first_step);
}

#[test]
fn roundtrip_diverged_status_and_unknown_success() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("diverged.h5");
    let mut rec = random_record(5, 9, 1);
    rec.meta.status = RunStatus::Diverged {
        message: "x became NaN at step 1234 (t = 123.4 ms)".into(),
    };
    rec.success = None;
    // A file without /analysis/pca is valid and reads back as `None`.
    rec.pca = None;
    // So is a file without /health.
    rec.health = None;
    rec.phases.truncate(1);
    rec.metrics = vec![PhaseMetrics {
        phase: Phase::Spontaneous,
        values: vec![],
        success: Some(false),
    }];
    write_run(&path, &rec, false).expect("write");
    let back = read_run(&path).expect("read");
    assert_eq!(back, rec);
    let s = read_summary(&path).expect("summary");
    assert_eq!(s.meta.status.name(), "diverged");
    assert_eq!(s.success, None);
    assert_eq!(s.health, None);

    // An interrupted run reads back as interrupted, with its message.
    let path = dir.path().join("interrupted.h5");
    rec.meta.status = RunStatus::Interrupted {
        message: "stopped at t = 12.5 ms".into(),
    };
    write_run(&path, &rec, false).expect("write");
    assert_eq!(read_run(&path).expect("read").meta.status, rec.meta.status);
}

#[test]
fn health_group_layout_and_files_without_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("health.h5");
    let rec = random_record(13, 10, 1);
    write_run(&path, &rec, false).expect("write");
    {
        let f = hdf5::File::open(&path).expect("open");
        let g = f.group("health").expect("/health");
        let learner: Vec<hdf5::types::VarLenUnicode> = g
            .dataset("learner")
            .and_then(|d| d.read_raw())
            .expect("learner");
        let names: Vec<&str> = learner.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["readout", "J_GG rows", "J_GG shared"]);
        let updates: Vec<u64> = g.dataset("updates").and_then(|d| d.read_raw()).expect("u");
        assert_eq!(updates, [7200, 0, 7200]);
        for name in [
            "matrices",
            "skipped_updates",
            "min_p_diagonal",
            "min_denominator",
            "symmetry_drift",
        ] {
            assert_eq!(g.dataset(name).expect(name).shape(), [3], "{name}");
        }
        let v: u32 = f
            .attr("format_version")
            .and_then(|a| a.read_scalar())
            .expect("version");
        assert_eq!(v, 2, "/health is optional, not a new version");
    }
    // A file written before /health existed (same version) reads with `None`.
    hdf5::File::open_rw(&path)
        .and_then(|f| f.unlink("health"))
        .expect("unlink");
    let back = read_run(&path).expect("read");
    assert_eq!(back.health, None);
    assert_eq!(
        back,
        RunRecord {
            health: None,
            ..rec
        }
    );
    assert_eq!(read_summary(&path).expect("summary").health, None);
}

#[test]
fn refuses_overwrite_without_force_and_force_replaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    let first = random_record(1, 20, 2);
    write_run(&path, &first, false).expect("write");
    let bytes = std::fs::read(&path).expect("bytes");

    let second = random_record(2, 25, 1);
    let e = write_run(&path, &second, false).expect_err("exists");
    assert!(matches!(e, IoError::OutputExists { .. }), "{e}");
    assert!(e.to_string().contains("--force"), "{e}");
    assert_eq!(
        std::fs::read(&path).expect("bytes"),
        bytes,
        "original untouched"
    );

    write_run(&path, &second, true).expect("forced write");
    assert_eq!(read_run(&path).expect("read"), second);
    assert_eq!(dir_entries(dir.path()), ["run.h5"]);
}

#[test]
fn failed_writes_leave_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = random_record(3, 10, 1);

    // The parent "directory" is a regular file: creating the temp file fails.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "x").expect("write");
    let e = write_run(&blocker.join("run.h5"), &rec, false).expect_err("not a dir");
    assert!(matches!(e, IoError::CannotCreate { .. }), "{e}");
    let e = write_run(&dir.path().join("missing/run.h5"), &rec, false).expect_err("no dir");
    assert!(matches!(e, IoError::CannotCreate { .. }), "{e}");

    // Fails while writing, after the temp file exists (a NUL cannot be stored in an HDF5
    // string): the record is at fault, not the system.
    let mut bad = rec.clone();
    bad.meta.cnn_version = "0.1\0".into();
    let path = dir.path().join("run.h5");
    let e = write_run(&path, &bad, false).expect_err("nul");
    assert!(matches!(e, IoError::Inconsistent { .. }), "{e}");
    assert!(e.to_string().contains("cnn_version"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    assert_eq!(dir_entries(dir.path()), ["blocker"], "temp file removed");

    // Rejected before any file is created.
    let mut bad = rec.clone();
    bad.phases[0].z.pop();
    let e = write_run(&path, &bad, false).expect_err("shape");
    assert!(matches!(e, IoError::Shape { .. }), "{e}");
    let mut bad = rec.clone();
    if let Some(p) = bad.pca.as_mut() {
        p.recon_z.pop();
    }
    let e = write_run(&path, &bad, false).expect_err("pca shape");
    assert!(e.to_string().contains("pca.recon_z"), "{e}");
    let mut bad = rec.clone();
    bad.metrics[0].values[0].0 = "a/b".into();
    assert!(matches!(
        write_run(&path, &bad, false),
        Err(IoError::Inconsistent { .. })
    ));
    let mut bad = rec;
    bad.phases.push(bad.phases[0].clone());
    assert!(matches!(
        write_run(&path, &bad, false),
        Err(IoError::Inconsistent { .. })
    ));
    assert_eq!(dir_entries(dir.path()), ["blocker"]);
}

#[test]
fn rejects_files_that_are_not_run_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_run = |p: &Path| match read_run(p) {
        Err(IoError::NotARunFile { reason, .. }) => reason,
        other => panic!("expected NotARunFile for {}, got {other:?}", p.display()),
    };

    let plain = dir.path().join("plain.h5");
    hdf5::File::create(&plain)
        .expect("create")
        .close()
        .expect("close");
    assert!(not_run(&plain).contains("format"));
    assert!(matches!(
        read_summary(&plain),
        Err(IoError::NotARunFile { .. })
    ));

    let other = dir.path().join("other.h5");
    {
        let f = hdf5::File::create(&other).expect("create");
        let v: hdf5::types::VarLenUnicode = "something-else".parse().expect("str");
        f.new_attr::<hdf5::types::VarLenUnicode>()
            .create("format")
            .expect("attr")
            .write_scalar(&v)
            .expect("write");
    }
    assert!(not_run(&other).contains("something-else"));

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, not HDF5\n".repeat(100)).expect("write");
    assert!(not_run(&text).contains("not an HDF5 file"));
    let empty = dir.path().join("empty.h5");
    std::fs::write(&empty, "").expect("write");
    assert!(not_run(&empty).contains("not an HDF5 file"));

    assert!(not_run(dir.path()).contains("directory"));

    let e = read_run(&dir.path().join("absent.h5")).expect_err("absent");
    assert!(matches!(e, IoError::CannotOpen { .. }), "{e}");
}

#[test]
fn refuses_newer_format_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    write_run(&path, &random_record(4, 8, 1), false).expect("write");
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        f.attr("format_version")
            .expect("attr")
            .write_scalar(&3u32)
            .expect("write");
    }
    let e = read_run(&path).expect_err("version");
    assert!(
        matches!(
            e,
            IoError::UnsupportedVersion {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn missing_dataset_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    write_run(&path, &random_record(6, 8, 2), false).expect("write");
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        f.group("phases/train")
            .expect("group")
            .unlink("z")
            .expect("unlink");
    }
    match read_run(&path) {
        Err(IoError::Missing { dataset, .. }) => assert_eq!(dataset, "dataset /phases/train/z"),
        other => panic!("expected Missing, got {other:?}"),
    }
    // The summary does not need z.
    assert!(read_summary(&path).is_ok());
}

/// The recipe of docs/hdf5-layout.md: rebuild the network from a phase's start state
/// and step it; the recorded z comes out exactly.
#[test]
fn phase_can_be_resimulated_from_the_file() {
    let spec = GeneratorSpec {
        n_g: 60,
        w_init: InitialWeights::Gaussian,
        ..GeneratorSpec::paper(2)
    };
    let mut net = Network::build(spec, 21).expect("build");
    let network = NetworkRecord::from_network(&net);
    let dt = net.spec().dt_ms;
    let mut rec = Recorder::new(vec![0, 59], 1)
        .with_capacity_hint(Phase::Spontaneous, 30, 0)
        .with_capacity_hint(Phase::Test, 25, 0);
    let mut n = 0u64;
    for (phase, steps) in [(Phase::Spontaneous, 30), (Phase::Test, 25)] {
        rec.phase_start(phase, n, n as f64 * dt, &net);
        for _ in 0..steps {
            net.step();
            n += 1;
            rec.step(&StepView {
                step: n,
                t_ms: n as f64 * dt,
                phase,
                network: &net,
                f: &[0.0, 1.0],
            });
            rec.update(&UpdateView {
                step: n,
                t_ms: n as f64 * dt,
                error: &[0.0; 2],
                w_norm: &[0.0; 2],
                dw_norm: &[0.0; 2],
            });
        }
        rec.phase_end(phase, n, n as f64 * dt, &net);
    }
    let mut network = network;
    network.w_final = w_to_row_major(net.w(), 60, 2);
    let record = RunRecord {
        meta: RunMeta {
            cnn_version: "t".into(),
            config_toml: String::new(),
            seed: 21,
            status: RunStatus::Complete,
        },
        network,
        phases: rec.into_phases(),
        metrics: vec![],
        success: None,
        pca: None,
        health: None,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    write_run(&path, &record, false).expect("write");
    let back = read_run(&path).expect("read");
    let test = &back.phases[1];
    assert_eq!((test.first_step, test.last_step, test.rows()), (30, 55, 25));
    let mut replay = back
        .network
        .network_at(&test.x_start, &test.z_start, &test.w_start)
        .expect("rebuild");
    for row in 0..test.rows() {
        replay.step();
        assert_eq!(replay.z(), &test.z[row * 2..row * 2 + 2], "row {row}");
        assert_eq!(replay.r()[59], test.rates[row * 2 + 1]);
    }
    assert_eq!(test.update_t_ms.len(), 25);
}

// ---------------------------------------------------------------------------------------
// Architectures B and C, inputs (format version 2).

/// The input the tests drive with: I_mu(t) = 1 + (mu + 1) t / 10.
fn input_at(t_ms: f64, n_in: usize) -> Vec<f64> {
    (0..n_in)
        .map(|mu| 1.0 + (mu + 1) as f64 * t_ms / 10.0)
        .collect()
}

/// Runs `net` through the three phases as the trainer does: the input I(t_{n-1}) is set
/// before step n, the observer sees the state after the step, and during training
/// `train` changes the trained weights after the step callback.
fn drive(
    net: &mut Network,
    rec: &mut Recorder,
    steps: [u64; 3],
    train: &mut dyn FnMut(&mut Network, u64),
) {
    let dt = net.spec().dt_ms;
    let n_in = net.n_in();
    let f = vec![0.5; net.spec().n_out];
    let mut n = 0u64;
    for (phase, count) in Phase::ALL.into_iter().zip(steps) {
        rec.phase_start(phase, n, n as f64 * dt, net);
        for _ in 0..count {
            if n_in > 0 {
                net.set_input(&input_at(n as f64 * dt, n_in));
            }
            net.step();
            n += 1;
            rec.step(&StepView {
                step: n,
                t_ms: n as f64 * dt,
                phase,
                network: net,
                f: &f,
            });
            if phase == Phase::Train {
                train(net, n);
            }
        }
        rec.phase_end(phase, n, n as f64 * dt, net);
    }
}

fn record_of(network: NetworkRecord, phases: Vec<PhaseRecord>) -> RunRecord {
    RunRecord {
        meta: RunMeta {
            cnn_version: "t".into(),
            config_toml: String::new(),
            seed: 3,
            status: RunStatus::Complete,
        },
        network,
        phases,
        metrics: vec![],
        success: None,
        pca: None,
        health: None,
    }
}

/// Replays `p` from its start state with the recorded inputs and checks every recorded
/// trace bit for bit.
fn replay_phase(net: &NetworkRecord, p: &PhaseRecord) {
    let (k, n_in) = (net.n_out, net.n_in);
    let mut replay = net.network_at_phase(p).expect("rebuild at phase start");
    if let (Some(fb), Some(y)) = (replay.feedback_network(), &p.y_start) {
        assert_eq!(fb.y(), y.as_slice());
    }
    let r_cols = p.rates_index.len();
    for row in 0..p.rows() {
        if let Some(inputs) = &p.inputs {
            replay.set_input(&inputs[row * n_in..(row + 1) * n_in]);
        }
        replay.step();
        let name = p.phase.name();
        assert_eq!(
            replay.z(),
            &p.z[row * k..(row + 1) * k],
            "{name} z row {row}"
        );
        for (j, &i) in p.rates_index.iter().enumerate() {
            assert_eq!(replay.r()[i as usize], p.rates[row * r_cols + j]);
        }
        if let Some(fr) = &p.feedback_rates {
            let s = replay.feedback_network().expect("feedback").s();
            assert_eq!(
                s,
                &fr[row * s.len()..(row + 1) * s.len()],
                "{name} s row {row}"
            );
        }
    }
}

/// Steps `a` and `b` side by side (same inputs) and compares x, z and y bit for bit.
fn assert_same_dynamics(mut a: Network, mut b: Network, steps: usize) {
    let n_in = a.n_in();
    assert_eq!(n_in, b.n_in());
    for n in 0..steps {
        if n_in > 0 {
            let input = input_at(n as f64, n_in);
            a.set_input(&input);
            b.set_input(&input);
        }
        a.step();
        b.step();
        assert_eq!(a.x(), b.x(), "x after step {n}");
        assert_eq!(a.z(), b.z(), "z after step {n}");
        assert_eq!(
            a.feedback_network().map(|f| f.y().to_vec()),
            b.feedback_network().map(|f| f.y().to_vec()),
            "y after step {n}"
        );
    }
}

fn small_spec(n_g: usize, n_out: usize, g_gz: f64) -> GeneratorSpec {
    GeneratorSpec {
        n_g,
        g_gz,
        w_init: InitialWeights::Gaussian,
        ..GeneratorSpec::paper(n_out)
    }
}

fn arch_b_network() -> Network {
    let feedback = FeedbackSpec {
        n_f: 12,
        p_ff: 0.3,
        p_fg: 0.2,
        p_gf: 0.3,
        g_ff: 1.2,
        g_fg: 1.0,
        g_gf: 1.0,
    };
    let inputs = InputSpec {
        n_in: 2,
        to_generator: InputWeights::OneHot { sd: 1.0 },
        to_feedback: InputWeights::OneHot { sd: 1.0 },
    };
    Network::build(small_spec(60, 2, 0.5), 17)
        .and_then(|n| n.with_feedback_network(feedback, 17))
        .and_then(|n| n.with_inputs(inputs, 17))
        .expect("architecture B network")
}

fn arch_c_network() -> Network {
    let mut net = Network::build(small_spec(50, 1, 0.0), 23).expect("build");
    net.set_trained_rows(&[3, 10, 20, 49])
        .expect("trained rows");
    net
}

/// Lists what exists in the file under `names` (relative to the root).
fn existing(path: &Path, names: &[&str]) -> Vec<String> {
    let f = hdf5::File::open(path).expect("open");
    names
        .iter()
        .filter(|n| f.link_exists(n))
        .map(|n| n.to_string())
        .collect()
}

const V2_NETWORK_LINKS: [&str; 6] = [
    "network/J_GI",
    "network/trained_units",
    "network/J_GG_final",
    "network/feedback",
    "network/feedback/J_FI",
    "network/feedback/y_initial",
];

fn network_attrs(path: &Path) -> Vec<String> {
    let f = hdf5::File::open(path).expect("open");
    let mut v = f
        .group("network")
        .expect("net")
        .attr_names()
        .expect("attrs");
    v.sort();
    v
}

fn string_attr(path: &Path, group: &str, name: &str) -> String {
    let f = hdf5::File::open(path).expect("open");
    let a = f.group(group).expect("group").attr(name).expect("attr");
    a.read_scalar::<hdf5::types::VarLenUnicode>()
        .expect("string")
        .as_str()
        .to_owned()
}

#[test]
fn roundtrip_architecture_b_with_inputs() {
    let mut net = arch_b_network();
    let original = net.clone();
    let simple_initial = NetworkRecord::from_network(&net);
    let initial = InitialState::capture(&net);
    let mut rec = Recorder::new(vec![0, 7, 59], 1);
    drive(&mut net, &mut rec, [20, 30, 25], &mut |net, n| {
        let j_fg = net.j_fg_mut().expect("J^FG");
        for (j, v) in j_fg.data_mut().iter_mut().enumerate() {
            *v += 1e-3 * ((n as usize + j) as f64).sin();
        }
        let units = net.readout_units().to_vec();
        let w = net.w_mut();
        for &i in &units {
            w[i as usize] += 1e-3;
        }
    });
    let network = NetworkRecord::from_run(initial, &net).expect("from_run");
    let mut simple = simple_initial;
    simple.set_final(&net);
    assert_eq!(network, simple, "from_run equals from_network + set_final");

    assert_eq!(network.architecture(), "B");
    assert_eq!(network.n_in, 2);
    let fb = network.feedback.as_ref().expect("feedback record");
    let ofb = original.feedback_network().expect("feedback");
    assert_eq!(&fb.j_fg_initial, ofb.j_fg());
    assert_eq!(&fb.j_fg_final, net.feedback_network().expect("fb").j_fg());
    assert_ne!(fb.j_fg_initial, fb.j_fg_final, "J^FG was trained");
    assert_eq!(fb.y_initial, ofb.y());
    assert!(fb.j_fi.is_some() && network.j_gi.is_some());
    assert_ne!(network.w_initial, network.w_final);
    assert!(network.trained_units.is_empty() && network.j_gg_final.is_none());

    let phases = rec.into_phases();
    let train = &phases[1];
    let (n_in, n_f) = (2, 12);
    let inputs = train.inputs.as_ref().expect("inputs");
    assert_eq!(inputs.len(), 30 * n_in);
    // Row 0 of the train phase is the state after step 21, which used I(t_20).
    assert_eq!(&inputs[..n_in], input_at(20.0 * 0.1, n_in).as_slice());
    assert_eq!(train.feedback_rates.as_ref().map(Vec::len), Some(30 * n_f));
    assert_eq!(train.y_start.as_ref().map(Vec::len), Some(n_f));

    let record = record_of(network, phases);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("b.h5");
    write_run(&path, &record, false).expect("write");
    let back = read_run(&path).expect("read");
    assert_eq!(back, record);
    assert_eq!(string_attr(&path, "network", "architecture"), "B");
    assert!(network_attrs(&path).contains(&"n_in".to_string()));
    let present = existing(
        &path,
        &[
            "network/J_GI",
            "network/feedback/J_FF/data",
            "network/feedback/J_GF/indptr",
            "network/feedback/J_FG_initial/indices",
            "network/feedback/J_FG_final/data",
            "network/feedback/J_FI/data",
            "network/feedback/y_initial",
            "phases/test/inputs",
            "phases/test/feedback_rates",
            "phases/test/y_start",
        ],
    );
    assert_eq!(present.len(), 10, "{present:?}");
    assert!(existing(&path, &["network/trained_units", "network/J_GG_final"]).is_empty());

    let s = read_summary(&path).expect("summary");
    assert_eq!(
        (s.architecture.as_str(), s.n_in, s.n_f, s.n_trained),
        ("B", 2, 12, 0)
    );
    assert_eq!(
        s.params, record.network.params,
        "reserved attributes are not params"
    );

    // The initial network rebuilds exactly, and so does the trained one.
    let net0 = &back.network;
    let rebuilt = net0
        .network_at(&net0.x_initial, &net0.z_initial, &net0.w_initial)
        .expect("rebuild");
    assert_eq!(rebuilt.j_gi(), original.j_gi());
    assert_eq!(
        rebuilt.feedback_network().and_then(|f| f.j_fi()),
        original.feedback_network().and_then(|f| f.j_fi())
    );
    assert_same_dynamics(original, rebuilt, 40);
    let y_end = net.feedback_network().expect("fb").y().to_vec();
    let trained = net0
        .network_with(
            net.x(),
            net.z(),
            &net0.w_final,
            Some(&y_end),
            Connectivity::Final,
        )
        .expect("rebuild final");
    assert_same_dynamics(net, trained, 40);

    // Phases outside training replay bit for bit from the file alone.
    replay_phase(net0, &back.phases[0]);
    replay_phase(net0, &back.phases[2]);
}

#[test]
fn roundtrip_architecture_c() {
    let mut net = arch_c_network();
    let original = net.clone();
    let simple_initial = NetworkRecord::from_network(&net);
    let initial = InitialState::capture(&net);
    let mut rec = Recorder::new(vec![3, 4], 1);
    drive(&mut net, &mut rec, [10, 20, 15], &mut |net, n| {
        for unit in [3u32, 10, 20, 49] {
            let row = net.trained_row_mut(unit).expect("trained row");
            for (j, v) in row.iter_mut().enumerate() {
                *v += 1e-3 * ((n as usize * 7 + j) as f64).cos();
            }
        }
    });
    let network = NetworkRecord::from_run(initial, &net).expect("from_run");
    let mut simple = simple_initial;
    simple.set_final(&net);
    assert_eq!(network, simple, "from_run equals from_network + set_final");
    assert_eq!(network.architecture(), "C");
    assert_eq!(network.trained_units, [3, 10, 20, 49]);
    assert_eq!(
        &network.j_gg,
        original.j_gg(),
        "J_GG stays the initial matrix"
    );
    assert_eq!(network.j_gg_final.as_ref(), Some(net.j_gg()));
    assert_ne!(
        network.j_gg_final.as_ref(),
        Some(&network.j_gg),
        "J^GG was trained"
    );
    assert!(network.feedback.is_none() && network.j_gi.is_none() && network.n_in == 0);

    let phases = rec.into_phases();
    assert!(phases
        .iter()
        .all(|p| p.inputs.is_none() && p.feedback_rates.is_none() && p.y_start.is_none()));
    let record = record_of(network, phases);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.h5");
    write_run(&path, &record, false).expect("write");
    let back = read_run(&path).expect("read");
    assert_eq!(back, record);
    assert_eq!(string_attr(&path, "network", "architecture"), "C");
    assert_eq!(
        existing(&path, &V2_NETWORK_LINKS),
        ["network/trained_units", "network/J_GG_final"]
    );
    let f = hdf5::File::open(&path).expect("open");
    let ds = f.dataset("network/trained_units").expect("trained_units");
    assert_eq!(ds.dtype().expect("dtype").to_descriptor().expect("d"), {
        use hdf5::types::{IntSize, TypeDescriptor};
        TypeDescriptor::Unsigned(IntSize::U4)
    });
    drop((ds, f));
    let s = read_summary(&path).expect("summary");
    assert_eq!(
        (s.architecture.as_str(), s.n_in, s.n_f, s.n_trained),
        ("C", 0, 0, 4)
    );

    let net0 = &back.network;
    let rebuilt = net0
        .network_at(&net0.x_initial, &net0.z_initial, &net0.w_initial)
        .expect("rebuild");
    assert_eq!(rebuilt.trained_rows(), original.trained_rows());
    assert_same_dynamics(original, rebuilt, 30);
    let trained = net0
        .network_with(net.x(), net.z(), &net0.w_final, None, Connectivity::Final)
        .expect("rebuild final");
    assert_eq!(trained.j_gg(), net.j_gg());
    assert_same_dynamics(net, trained, 30);
    replay_phase(net0, &back.phases[0]);
    replay_phase(net0, &back.phases[2]);
}

#[test]
fn architecture_a_file_has_none_of_the_version_2_parts() {
    let mut net = Network::build(small_spec(40, 1, 1.0), 5).expect("build");
    let initial = InitialState::capture(&net);
    let mut rec = Recorder::new(vec![1], 1);
    drive(&mut net, &mut rec, [5, 5, 5], &mut |_, _| {});
    let network = NetworkRecord::from_run(initial, &net).expect("from_run");
    assert_eq!(network.architecture(), "A");
    let record = record_of(network, rec.into_phases());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a.h5");
    write_run(&path, &record, false).expect("write");
    assert_eq!(read_run(&path).expect("read"), record);
    assert!(existing(&path, &V2_NETWORK_LINKS).is_empty());
    for phase in ["spontaneous", "train", "test"] {
        let names: Vec<String> = ["inputs", "feedback_rates", "y_start"]
            .iter()
            .map(|n| format!("phases/{phase}/{n}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert!(existing(&path, &names).is_empty(), "{phase}");
    }
    let mut expected: Vec<String> = ["architecture", "n_g", "n_out"]
        .iter()
        .chain(NetworkRecord::PARAM_NAMES.iter())
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(network_attrs(&path), expected, "no n_in on architecture A");
    assert_eq!(string_attr(&path, "network", "architecture"), "A");
    let f = hdf5::File::open(&path).expect("open");
    let v: u32 = f
        .attr("format_version")
        .and_then(|a| a.read_scalar())
        .expect("version");
    assert_eq!(v, 2);
}

#[test]
fn version_1_file_reads_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.h5");
    let rec = random_record(9, 30, 2);
    write_run(&path, &rec, false).expect("write");
    {
        // What version 1 wrote: no `architecture`, format_version 1.
        let f = hdf5::File::open_rw(&path).expect("open");
        f.attr("format_version")
            .expect("attr")
            .write_scalar(&1u32)
            .expect("write");
        f.group("network")
            .expect("network")
            .delete_attr("architecture")
            .expect("delete");
    }
    assert_eq!(read_run(&path).expect("read"), rec);
    let s = read_summary(&path).expect("summary");
    assert_eq!(
        (s.architecture.as_str(), s.n_in, s.n_f, s.n_trained),
        ("A", 0, 0, 0)
    );
    assert_eq!(s.params, rec.network.params);
}

#[test]
fn inconsistent_version_2_parts_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.h5");
    let net = arch_b_network();
    let good = record_of(NetworkRecord::from_network(&net), vec![]);

    let mut bad = good.clone();
    bad.network.n_in = 0;
    let e = write_run(&path, &bad, false).expect_err("n_in 0 with J_GI");
    assert!(matches!(e, IoError::Inconsistent { .. }), "{e}");
    let mut bad = good.clone();
    if let Some(fb) = bad.network.feedback.as_mut() {
        fb.y_initial.pop();
    }
    let e = write_run(&path, &bad, false).expect_err("y_initial");
    assert!(e.to_string().contains("y_initial"), "{e}");
    let mut bad = good.clone();
    bad.network.trained_units = vec![2, 1];
    bad.network.j_gg_final = Some(bad.network.j_gg.clone());
    let e = write_run(&path, &bad, false).expect_err("order");
    assert!(e.to_string().contains("trained_units"), "{e}");
    let mut bad = good.clone();
    bad.network.trained_units = vec![1];
    let e = write_run(&path, &bad, false).expect_err("no J_GG_final");
    assert!(e.to_string().contains("j_gg_final"), "{e}");
    let mut bad = good.clone();
    let mut p = PhaseRecord::empty(Phase::Test, 0, 0.0);
    p.x_start = vec![0.0; 60];
    p.z_start = vec![0.0; 2];
    p.w_start = vec![0.0; 120];
    p.feedback_rates = Some(vec![1.0]);
    bad.phases = vec![p];
    let e = write_run(&path, &bad, false).expect_err("feedback_rates shape");
    assert!(e.to_string().contains("feedback_rates"), "{e}");
    assert!(!path.exists());

    // A stored architecture that contradicts the stored parts is refused on reading.
    write_run(&path, &good, false).expect("write");
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        let g = f.group("network").expect("network");
        g.delete_attr("architecture").expect("delete");
        let v: hdf5::types::VarLenUnicode = "C".parse().expect("str");
        g.new_attr::<hdf5::types::VarLenUnicode>()
            .create("architecture")
            .and_then(|a| a.write_scalar(&v))
            .expect("attr");
    }
    let e = read_run(&path).expect_err("architecture");
    assert!(e.to_string().contains("architecture"), "{e}");
}

#[test]
fn ensemble_holds_architecture_b_members_and_summary_clears_new_traces() {
    let mut net = arch_b_network();
    let initial = InitialState::capture(&net);
    let mut rec = Recorder::new(vec![0], 1);
    drive(&mut net, &mut rec, [5, 5, 5], &mut |_, _| {});
    let full = record_of(
        NetworkRecord::from_run(initial, &net).expect("from_run"),
        rec.into_phases(),
    );
    let mut stripped = full.clone();
    for p in &mut stripped.phases {
        p.clear_traces();
    }
    let p = &stripped.phases[2];
    assert_eq!(
        (p.rows(), p.inputs.as_deref(), p.feedback_rates.as_deref()),
        (0, Some(&[][..]), Some(&[][..]))
    );
    assert!(p.y_start.is_some(), "the start state stays");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ens.h5");
    let meta = EnsembleMeta {
        cnn_version: "t".into(),
        config_toml: String::new(),
        config_hash: "0123456789abcdef".into(),
        n_members: 2,
        swept: vec![],
        record: "full".into(),
        shard: None,
    };
    let mut w = EnsembleWriter::create(&path, &meta, false).expect("create");
    for (index, r) in [(0u64, &full), (1, &stripped)] {
        let info = MemberInfo {
            index,
            config_hash: meta.config_hash.clone(),
            wall_s: 1.0,
        };
        w.add_member(&info, r).expect("add");
    }
    let summary = SummaryTable {
        columns: vec![("member".into(), Column::U64(vec![0, 1]))],
    };
    w.finish(&summary).expect("finish");
    let reader = EnsembleReader::open(&path).expect("open");
    assert_eq!(reader.read_member(0).expect("member 0").1, full);
    assert_eq!(reader.read_member(1).expect("member 1").1, stripped);
    let part = dir.path().join("member-000000.h5");
    let info = MemberInfo {
        index: 0,
        config_hash: meta.config_hash.clone(),
        wall_s: 1.0,
    };
    write_member_part(&part, &info, &full).expect("part");
    assert_eq!(read_member_part(&part).expect("read part").1, full);
}

// ---------------------------------------------------------------------------------------
// Round trip of a realistic record: metric order, NaN, every optional part.

/// The metric names a run writes, in the trainer's order (`cnn_train::OutputMetrics::NAMES`),
/// which is not alphabetical.
const RUN_METRICS: [&str; 9] = [
    "mae",
    "rms",
    "rms_norm",
    "best_corr",
    "best_lag_ms",
    "mae_first_period",
    "amp_ratio",
    "w_norm",
    "dw_norm",
];

/// Metrics of one phase with two outputs; `nan` names the metrics that are undefined
/// (NaN) for every output, and output 1's `amp_ratio` is NaN in every phase.
fn run_metrics(phase: Phase, base: f64, nan: &[&str], success: Option<bool>) -> PhaseMetrics {
    let values = RUN_METRICS
        .iter()
        .enumerate()
        .map(|(i, &name)| {
            let v = if nan.contains(&name) {
                vec![f64::NAN, f64::NAN]
            } else if name == "amp_ratio" {
                vec![base + i as f64, f64::NAN]
            } else {
                vec![base + i as f64, -(base + i as f64) / 3.0]
            };
            (name.to_string(), v)
        })
        .collect();
    PhaseMetrics {
        phase,
        values,
        success,
    }
}

/// A record as `cnn run` writes it for architecture B with inputs: three recorded phases
/// with inputs, feedback rates and y_start, a NaN-holding target, NaN metrics in the
/// trainer's order across all phases and both outputs, health with an updateless group,
/// and the test phase's PCA.
fn realistic_record() -> RunRecord {
    let mut net = arch_b_network();
    let initial = InitialState::capture(&net);
    let mut rec = Recorder::new(vec![0, 7, 59], 2);
    drive(&mut net, &mut rec, [20, 30, 24], &mut |net, n| {
        let units = net.readout_units().to_vec();
        let w = net.w_mut();
        for &i in &units {
            w[i as usize] += 1e-4 * (n as f64).sin();
        }
    });
    let network = NetworkRecord::from_run(initial, &net).expect("from_run");
    let mut phases = rec.into_phases();
    // A target narrower than the readouts leaves NaN in the recorded f.
    for row in 0..phases[0].rows() {
        phases[0].f[row * 2 + 1] = f64::NAN;
    }
    phases[1].update_t_ms = vec![2.1, 2.2, 2.3];
    phases[1].w_norm = vec![0.5, 0.25, 0.5, 0.25, 0.5, f64::NAN];
    phases[1].dw_norm = vec![0.0; 6];
    let mut g = Gen(99);
    let metrics = vec![
        // Before training w = 0: z is constant, so correlations and the amplitude ratio
        // are undefined.
        run_metrics(
            Phase::Spontaneous,
            1.0,
            &["best_corr", "best_lag_ms", "amp_ratio"],
            None,
        ),
        run_metrics(Phase::Train, 0.1, &["rms_norm"], None),
        run_metrics(Phase::Test, 0.2, &[], Some(false)),
    ];
    let health = HealthRecord {
        groups: vec![
            LearnerHealthRecord {
                learner: "readout".into(),
                matrices: 1,
                updates: 3,
                skipped_updates: 0,
                min_p_diagonal: 2.5e-3,
                min_denominator: 1.0001,
                symmetry_drift: 0.0,
            },
            LearnerHealthRecord {
                learner: "J_FG rows".into(),
                matrices: 12,
                updates: 0,
                skipped_updates: 0,
                min_p_diagonal: f64::INFINITY,
                min_denominator: f64::INFINITY,
                symmetry_drift: 0.0,
            },
        ],
    };
    RunRecord {
        meta: RunMeta {
            cnn_version: "0.1.0".into(),
            config_toml: "seed = 17\n[network]\narchitecture = \"B\"\n".into(),
            seed: 17,
            status: RunStatus::Complete,
        },
        network,
        phases,
        metrics,
        success: Some(false),
        pca: Some(random_pca(&mut g, 60, 2, 12, 5)),
        health: Some(health),
    }
}

#[test]
fn roundtrip_realistic_record_keeps_metric_order_and_nan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    let rec = realistic_record();
    assert!(rec
        .phases
        .iter()
        .all(|p| p.inputs.is_some() && p.feedback_rates.is_some() && p.y_start.is_some()));
    write_run(&path, &rec, false).expect("write");
    let back = read_run(&path).expect("read");
    assert!(back.same_as(&rec), "{back:#?}\n!=\n{rec:#?}");
    assert_ne!(back, rec, "IEEE == calls the NaN metrics unequal");
    for (b, r) in back.metrics.iter().zip(&rec.metrics) {
        let names: Vec<&str> = b.values.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, RUN_METRICS, "{:?}", b.phase);
        assert!(b.same_as(r));
    }
    // Every part, one by one, so that a failure says which.
    assert_eq!(back.meta, rec.meta);
    assert_eq!(back.network, rec.network);
    assert_eq!(back.success, rec.success);
    assert_eq!(back.pca, rec.pca);
    assert_eq!(back.health, rec.health);
    for (b, r) in back.phases.iter().zip(&rec.phases) {
        assert!(b.same_as(r), "{:?}", b.phase);
    }
    assert_eq!(back.phases.len(), 3);

    let s = read_summary(&path).expect("summary");
    assert_eq!(s.metrics.len(), 3);
    assert!(s
        .metrics
        .iter()
        .zip(&rec.metrics)
        .all(|(a, b)| a.same_as(b)));
    assert_eq!(s.health, rec.health);

    // The datasets are those of before: one per metric; the order is an attribute.
    let f = hdf5::File::open(&path).expect("open");
    for phase in ["spontaneous", "train", "test"] {
        let g = f.group(&format!("metrics/{phase}")).expect("group");
        let mut datasets = g.member_names().expect("names");
        datasets.sort();
        let mut expected: Vec<String> = RUN_METRICS.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(datasets, expected, "{phase}");
        let order: Vec<hdf5::types::VarLenUnicode> =
            g.attr("order").and_then(|a| a.read_raw()).expect("order");
        let order: Vec<&str> = order.iter().map(|s| s.as_str()).collect();
        assert_eq!(order, RUN_METRICS, "{phase}");
        let corr: Vec<f64> = g
            .dataset("best_corr")
            .and_then(|d| d.read_raw())
            .expect("best_corr");
        assert_eq!(corr.len(), 2);
        assert_eq!(phase == "spontaneous", corr[0].is_nan(), "{phase}");
    }

    // The same record as an ensemble member and as a part file.
    let part = dir.path().join("member-000000.h5");
    let info = MemberInfo {
        index: 0,
        config_hash: "0123456789abcdef".into(),
        wall_s: 0.5,
    };
    write_member_part(&part, &info, &rec).expect("part");
    let (info_back, rec_back) = read_member_part(&part).expect("read part");
    assert_eq!(info_back, info);
    assert!(rec_back.same_as(&rec));
}

#[test]
fn metrics_of_files_without_order_read_sorted_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.h5");
    let rec = realistic_record();
    write_run(&path, &rec, false).expect("write");
    {
        // What the writer produced before `order` existed.
        let f = hdf5::File::open_rw(&path).expect("open");
        for phase in ["spontaneous", "train", "test"] {
            f.group(&format!("metrics/{phase}"))
                .expect("group")
                .delete_attr("order")
                .expect("delete");
        }
    }
    let back = read_run(&path).expect("read");
    let mut sorted: Vec<&str> = RUN_METRICS.to_vec();
    sorted.sort_unstable();
    for (b, r) in back.metrics.iter().zip(&rec.metrics) {
        let names: Vec<&str> = b.values.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, sorted);
        for (name, v) in &b.values {
            let (_, w) = r.values.iter().find(|(n, _)| n == name).expect("metric");
            assert_eq!(v.len(), w.len());
            assert!(v
                .iter()
                .zip(w)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())));
        }
    }
    assert!(!back.same_as(&rec), "the order differs");
    let mut expected = rec.clone();
    for m in &mut expected.metrics {
        m.values.sort_by(|a, b| a.0.cmp(&b.0));
    }
    assert!(back.same_as(&expected));
}

#[test]
fn metrics_order_lists_written_names_first_then_unlisted_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    let rec = realistic_record();
    write_run(&path, &rec, false).expect("write");
    {
        // Another program adds a metric to the test phase.
        let f = hdf5::File::open_rw(&path).expect("open");
        let g = f.group("metrics/test").expect("group");
        g.new_dataset_builder()
            .with_data(&[1.0f64, 2.0])
            .create("added")
            .expect("dataset");
    }
    let back = read_run(&path).expect("read");
    let names: Vec<&str> = back.metrics[2]
        .values
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let mut expected = RUN_METRICS.to_vec();
    expected.push("added");
    assert_eq!(names, expected);

    // An `order` naming a metric twice is refused as a damaged file.
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        let g = f.group("metrics/train").expect("group");
        g.delete_attr("order").expect("delete");
        let v: Vec<hdf5::types::VarLenUnicode> = ["mae", "rms", "mae"]
            .iter()
            .map(|s| s.parse().expect("str"))
            .collect();
        g.new_attr_builder()
            .with_data(&v[..])
            .create("order")
            .expect("attr");
    }
    let e = read_run(&path).expect_err("duplicate");
    assert!(matches!(e, IoError::Inconsistent { .. }), "{e}");
    assert!(e.to_string().contains("twice"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
}

#[test]
fn same_as_treats_nan_as_equal_and_nothing_else() {
    let rec = realistic_record();
    assert!(rec.same_as(&rec.clone()));
    assert_ne!(
        rec,
        rec.clone(),
        "NaN metrics: == is false even for a clone"
    );

    // NaN against a number, and a changed value, are differences.
    let mut other = rec.clone();
    other.metrics[0].values[3].1[0] = 0.5;
    assert!(!rec.same_as(&other));
    let mut other = rec.clone();
    other.metrics[2].values[0].1[1] += 1e-12;
    assert!(!rec.same_as(&other));
    let mut other = rec.clone();
    other.phases[0].f[1] = 0.0;
    assert!(!rec.same_as(&other));
    // The order of the metrics counts.
    let mut other = rec.clone();
    other.metrics[1].values.swap(0, 1);
    assert!(!rec.same_as(&other));
    // Optional parts count.
    let mut other = rec.clone();
    other.pca = None;
    assert!(!rec.same_as(&other));
    let mut other = rec.clone();
    if let Some(fb) = other.network.feedback.as_mut() {
        fb.spec.g_ff += 0.1;
    }
    assert!(!rec.same_as(&other));
    let mut other = rec.clone();
    other.phases[2].inputs = None;
    assert!(!rec.same_as(&other));
    // Any NaN is the same as any other NaN; 0 and -0 are the same, as under ==.
    let mut a = rec.clone();
    let mut b = rec;
    a.metrics[0].values[0].1[0] = f64::NAN;
    b.metrics[0].values[0].1[0] = -f64::NAN;
    a.metrics[0].values[1].1[0] = 0.0;
    b.metrics[0].values[1].1[0] = -0.0;
    assert!(a.same_as(&b));
}

// ---------------------------------------------------------------------------------------
// Error kinds.

#[test]
fn error_kinds_of_real_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = random_record(3, 10, 1);
    let path = dir.path().join("run.h5");
    write_run(&path, &rec, false).expect("write");

    // The output exists: the user's choice conflicts.
    let e = write_run(&path, &rec, false).expect_err("exists");
    assert!(matches!(e, IoError::OutputExists { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);

    // The system cannot create the output: its parent is a regular file (fails as root
    // too, unlike a read-only directory), or does not exist.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "x").expect("write");
    let e = write_run(&blocker.join("run.h5"), &rec, false).expect_err("not a dir");
    assert!(matches!(e, IoError::CannotCreate { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Io);
    let e = write_run(&dir.path().join("missing/run.h5"), &rec, false).expect_err("no dir");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let e = EnsembleWriter::create(&blocker.join("ens.h5"), &ensemble_meta(), false)
        .err()
        .expect("ensemble under a file");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");

    // The rename into place fails: the destination is a non-empty directory (forced).
    let occupied = dir.path().join("occupied.h5");
    std::fs::create_dir(&occupied).expect("mkdir");
    std::fs::write(occupied.join("keep"), "x").expect("write");
    let e = write_run(&occupied, &rec, true).expect_err("rename over a directory");
    assert!(matches!(e, IoError::CannotCreate { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(occupied.join("keep").exists());

    // Bad record data handed in, before and during writing.
    let mut bad = rec.clone();
    bad.phases[0].z.pop();
    let e = write_run(&dir.path().join("bad.h5"), &bad, false).expect_err("shape");
    assert_eq!(e.kind(), ErrorKind::Input, "{e}");
    let mut bad = rec.clone();
    bad.network.params.push(("g_gg".into(), 2.0));
    let e = write_run(&dir.path().join("bad.h5"), &bad, false).expect_err("twice");
    assert!(matches!(e, IoError::Inconsistent { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    let mut bad = rec.clone();
    if let Some(h) = bad.health.as_mut() {
        h.groups[0].learner = "read\0out".into();
    }
    let e = write_run(&dir.path().join("bad.h5"), &bad, false).expect_err("nul");
    assert!(e.to_string().contains("/health/learner"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    let mut w = EnsembleWriter::create(&dir.path().join("ens.h5"), &ensemble_meta(), false)
        .expect("create");
    let info = MemberInfo {
        index: 4,
        config_hash: "0123456789abcdef".into(),
        wall_s: 1.0,
    };
    w.add_member(&info, &rec).expect("add");
    let e = w.add_member(&info, &rec).expect_err("added twice");
    assert!(e.to_string().contains("twice"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    drop(w);
    assert!(!dir.path().join("ens.h5").exists());

    // Files given to read.
    let e = read_run(&dir.path().join("absent.h5")).expect_err("absent");
    assert!(matches!(e, IoError::CannotOpen { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not HDF5\n".repeat(100)).expect("write");
    assert_eq!(read_run(&text).expect_err("text").kind(), ErrorKind::Input);
    let e = EnsembleReader::open(&path).err().expect("a run file");
    assert!(matches!(e, IoError::NotAnEnsembleFile { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);

    // A damaged file: the signature is there, the rest is cut off.
    let damaged = dir.path().join("damaged.h5");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&damaged, &bytes[..bytes.len() / 3]).expect("write");
    let e = read_run(&damaged).expect_err("damaged");
    assert!(matches!(e, IoError::Hdf5Read { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Input);

    // A dataset missing, a newer version.
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        f.group("network")
            .expect("network")
            .unlink("x_initial")
            .expect("unlink");
    }
    let e = read_run(&path).expect_err("missing");
    assert!(matches!(e, IoError::Missing { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
    {
        let f = hdf5::File::open_rw(&path).expect("open");
        f.attr("format_version")
            .and_then(|a| a.write_scalar(&9u32))
            .expect("version");
    }
    let e = read_run(&path).expect_err("version");
    assert!(matches!(e, IoError::UnsupportedVersion { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Input);
}

fn ensemble_meta() -> EnsembleMeta {
    EnsembleMeta {
        cnn_version: "t".into(),
        config_toml: String::new(),
        config_hash: "0123456789abcdef".into(),
        n_members: 8,
        swept: vec![],
        record: "full".into(),
        shard: None,
    }
}
