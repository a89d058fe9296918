//! Write -> read tests of whole run files.

use std::path::Path;

use cnn_core::{
    Csr, GeneratorSpec, InitialWeights, Network, Observer, Phase, StepView, UpdateView,
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

    // Fails inside HDF5, after the temp file exists (a NUL cannot be stored in a string).
    let mut bad = rec.clone();
    bad.meta.cnn_version = "0.1\0".into();
    let path = dir.path().join("run.h5");
    let e = write_run(&path, &bad, false).expect_err("nul");
    assert!(matches!(e, IoError::Hdf5 { .. }), "{e}");
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
            .write_scalar(&2u32)
            .expect("write");
    }
    let e = read_run(&path).expect_err("version");
    assert!(
        matches!(
            e,
            IoError::UnsupportedVersion {
                found: 2,
                supported: 1,
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
