//! Figures from the `cnn` command: `cnn run --plot`, `cnn plot` (sequence and PCA, PNG and
//! SVG) and `cnn animate` (GIF), and their refusals of bad input. Attached to the cnn-cli
//! package (`[[test]] name = "plot"`); each test uses a tiny network (N_G = 100,
//! dt = 1 ms, 2 s of simulated time).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TINY: &str = r#"
description = "tiny network for the figure tests"
seed = 3

[network]
n_g = 100

[simulation]
dt_ms = 1.0
spontaneous_ms = 200.0
train_ms = 1200.0
test_ms = 600.0

[training]
learn_every_ms = 2.0

[record]
rates = 5

[[targets]]
kind = "periodic"
"#;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cnn(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_cnn"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("start cnn");
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !o.stderr.contains("panicked"),
        "cnn {args:?} panicked:\n{}",
        o.stderr
    );
    o
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cnn-plot-")
        .tempdir()
        .expect("tempdir")
}

/// One short run with `--plot`, shared by the tests (the directory lives for the whole
/// test binary). Returns (directory, run file, stdout of the run).
fn shared_run() -> &'static (PathBuf, PathBuf, String) {
    static RUN: OnceLock<(PathBuf, PathBuf, String)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempdir().keep();
        std::fs::write(dir.join("tiny.toml"), TINY).expect("write config");
        let o = cnn(&dir, &["run", "tiny.toml", "--out", "run.h5", "--plot"]);
        // A tiny network may fail the success criterion (exit 1); the file is complete.
        assert!(o.code == 0 || o.code == 1, "run failed:\n{}", o.stderr);
        (dir.clone(), dir.join("run.h5"), o.stdout)
    })
}

/// Decodes a PNG: (width, height, fraction of pixels that are not white).
fn png_stats(path: &Path) -> (u32, u32, f64) {
    let file = std::fs::File::open(path).expect("open png");
    let mut dec = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("png header");
    let mut buf = vec![0; dec.output_buffer_size()];
    let info = dec.next_frame(&mut buf).expect("png data");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let px = &buf[..info.buffer_size()];
    let total = px.len() / 3;
    let inked = px
        .chunks_exact(3)
        .filter(|p| p.iter().any(|&c| c < 245))
        .count();
    (info.width, info.height, inked as f64 / total as f64)
}

fn assert_valid_png(path: &Path, size: (u32, u32)) {
    let (w, h, ink) = png_stats(path);
    assert_eq!((w, h), size, "{}", path.display());
    assert!(
        ink > 0.02,
        "{}: only {:.2}% of the pixels are drawn",
        path.display(),
        100.0 * ink
    );
}

fn svg_text(path: &Path, size: (u32, u32)) -> String {
    let s = std::fs::read_to_string(path).expect("read svg");
    assert!(s.trim_start().starts_with("<svg"), "{}", path.display());
    assert!(s.trim_end().ends_with("</svg>"), "{}", path.display());
    assert!(
        s.contains(&format!("width=\"{}\"", size.0))
            && s.contains(&format!("height=\"{}\"", size.1)),
        "{}: size",
        path.display()
    );
    s
}

/// Files in `dir` that are images or temporaries.
fn images(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.contains(".partial")
                || [".png", ".svg", ".gif", ".jpg"]
                    .iter()
                    .any(|e| n.ends_with(e))
        })
        .collect();
    v.sort();
    v
}

const SEQUENCE_TITLES: [&str; 5] = [
    "FORCE training sequence",
    "Spontaneous activity",
    "Learning (FORCE on)",
    "Testing (learning off)",
    "|dw/dt|",
];
const PCA_TITLES: [&str; 4] = [
    "Principal components of the test-phase activity",
    "Eigenvalue spectrum",
    "Projections onto the leading 8 PCs",
    "Readout reconstructed from the leading k PCs",
];

#[test]
fn run_plot_writes_both_figures_and_the_pca_group() {
    let (dir, run, stdout) = shared_run();
    assert_valid_png(&dir.join("run-sequence.png"), (1800, 1000));
    assert_valid_png(&dir.join("run-pca.png"), (1800, 1000));
    assert!(stdout.contains("PCs explain 95%"), "{stdout}");
    let rec = cnn_io::read_run(run).expect("read run");
    let pca = rec.pca.expect("/analysis/pca");
    assert_eq!(pca.eigenvalues.len(), 100);
    assert_eq!(pca.n_keep, 20);
    assert_eq!(pca.recon_k, [1, 2, 4, 8, 16]);
    assert_eq!(pca.sample_every_steps, 1);
    // 600 ms of test phase sampled every 1 ms.
    assert_eq!(pca.samples(), 600);
    assert!(pca.n_95 >= 1 && pca.n_95 <= 100);
    assert!(pca.eigenvalues.windows(2).all(|w| w[0] >= w[1]));
    // The replay reproduces the recorded test phase.
    let test = rec
        .phases
        .iter()
        .find(|p| p.phase == cnn_core::Phase::Test)
        .expect("test phase");
    assert_eq!(pca.t_ms, test.t_ms);
    assert_eq!(pca.z, test.z);
    // With k = 16 of 100 PCs the readout is reproduced more closely than with k = 1.
    assert!(
        pca.recon_rms_vs_z[4] < pca.recon_rms_vs_z[0],
        "{:?}",
        pca.recon_rms_vs_z
    );
}

#[test]
fn plot_sequence_png_and_svg_of_requested_size() {
    let (dir, _, _) = shared_run();
    let out = tempdir();
    let png = out.path().join("seq.png");
    let o = cnn(
        dir,
        &[
            "plot",
            "run.h5",
            "--kind",
            "sequence",
            "-o",
            png.to_str().expect("utf8"),
            "--width",
            "900",
            "--height",
            "600",
            "--log-dw",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_valid_png(&png, (900, 600));
    let svg = out.path().join("seq.svg");
    let o = cnn(
        dir,
        &[
            "plot",
            "run.h5",
            "--kind",
            "sequence",
            "-o",
            svg.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = svg_text(&svg, (1800, 1000));
    for t in SEQUENCE_TITLES {
        assert!(text.contains(t), "sequence SVG lacks {t:?}");
    }
    assert!(text.contains("unit "), "rate labels");
    // Long traces are downsampled: the SVG stays small.
    assert!(text.len() < 3_000_000, "SVG of {} bytes", text.len());
    assert_eq!(images(out.path()), ["seq.png", "seq.svg"]);
}

#[test]
fn plot_pca_png_and_svg_of_requested_size() {
    let (dir, _, _) = shared_run();
    let out = tempdir();
    let png = out.path().join("pca.png");
    let o = cnn(
        dir,
        &[
            "plot",
            "run.h5",
            "--kind",
            "pca",
            "-o",
            png.to_str().expect("utf8"),
            "--width",
            "1000",
            "--height",
            "700",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_valid_png(&png, (1000, 700));
    let svg = out.path().join("pca.SVG");
    let o = cnn(
        dir,
        &[
            "plot",
            "run.h5",
            "--kind",
            "pca",
            "-o",
            svg.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = svg_text(&svg, (1800, 1000));
    for t in PCA_TITLES {
        assert!(text.contains(t), "PCA SVG lacks {t:?}");
    }
    assert!(text.contains("PC8") && text.contains("95%"));
}

#[test]
fn plot_all_names_figures_after_the_base_or_the_run_file() {
    let (dir, run, _) = shared_run();
    let out = tempdir();
    let base = out.path().join("fig.svg");
    let o = cnn(
        dir,
        &[
            "plot",
            "run.h5",
            "--kind",
            "all",
            "-o",
            base.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(images(out.path()), ["fig-pca.svg", "fig-sequence.svg"]);

    // Default: beside the run file (a copy, so the shared directory stays as it is).
    let copy = out.path().join("copy.h5");
    std::fs::copy(run, &copy).expect("copy");
    let o = cnn(out.path(), &["plot", "copy.h5"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("copy-sequence.png"), "{}", o.stdout);
    assert_valid_png(&out.path().join("copy-sequence.png"), (1800, 1000));
    assert_valid_png(&out.path().join("copy-pca.png"), (1800, 1000));
}

#[test]
fn animate_writes_a_gif_with_the_requested_frames() {
    let (dir, _, _) = shared_run();
    let out = tempdir();
    let gif_path = out.path().join("train.gif");
    let o = cnn(
        dir,
        &[
            "animate",
            "run.h5",
            "-o",
            gif_path.to_str().expect("utf8"),
            "--frames",
            "7",
            "--duration-s",
            "1.4",
            "--width",
            "400",
            "--height",
            "220",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = std::fs::File::open(&gif_path).expect("open gif");
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::Indexed);
    let mut dec = opts.read_info(file).expect("gif header");
    assert_eq!((dec.width(), dec.height()), (400, 220));
    let mut frames = 0;
    let mut inked_last = 0.0;
    while let Some(frame) = dec.read_next_frame().expect("gif frame") {
        frames += 1;
        assert_eq!(frame.delay, 20, "1.4 s over 7 frames");
        assert_eq!((frame.width, frame.height), (400, 220));
        let white = frame.buffer[0];
        inked_last =
            frame.buffer.iter().filter(|&&i| i != white).count() as f64 / frame.buffer.len() as f64;
    }
    assert_eq!(frames, 7);
    assert!(
        inked_last > 0.02,
        "last frame {:.2}% drawn",
        100.0 * inked_last
    );
}

#[test]
fn refuses_a_file_that_is_not_a_run_file() {
    let dir = tempdir();
    std::fs::write(dir.path().join("notes.h5"), "not HDF5\n".repeat(50)).expect("write");
    for args in [
        &["plot", "notes.h5"][..],
        &["plot", "notes.h5", "--kind", "pca", "-o", "x.svg"],
        &["animate", "notes.h5", "-o", "x.gif"],
    ] {
        let o = cnn(dir.path(), args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.contains("notes.h5 is not a cnn run file"),
            "{}",
            o.stderr
        );
    }
    let o = cnn(dir.path(), &["plot", "absent.h5"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("absent.h5"), "{}", o.stderr);
    assert!(images(dir.path()).is_empty(), "{:?}", images(dir.path()));
}

#[test]
fn refuses_pca_figure_without_a_test_phase() {
    let dir = tempdir();
    std::fs::write(dir.path().join("tiny.toml"), TINY).expect("write");
    let o = cnn(
        dir.path(),
        &[
            "run",
            "tiny.toml",
            "--out",
            "notest.h5",
            "--set",
            "simulation.test_ms=0",
            "-q",
            "--plot",
        ],
    );
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    // `run --plot` draws what it can: the sequence, with a note about the PCA.
    assert_eq!(images(dir.path()), ["notest-sequence.png"]);
    assert!(o.stderr.contains("simulation.test_ms > 0"), "{}", o.stderr);
    let rec = cnn_io::read_run(&dir.path().join("notest.h5")).expect("read");
    assert!(rec.pca.is_none());

    let o = cnn(
        dir.path(),
        &["plot", "notest.h5", "--kind", "pca", "-o", "p.png"],
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no /analysis/pca"), "{}", o.stderr);
    assert!(
        o.stderr.contains("rerun with simulation.test_ms > 0"),
        "{}",
        o.stderr
    );
    assert_eq!(images(dir.path()), ["notest-sequence.png"]);
}

#[test]
fn refuses_bad_extensions_and_unwritable_outputs() {
    let (dir, run, _) = shared_run();
    let out = tempdir();
    let p = |name: &str| out.path().join(name).to_string_lossy().into_owned();
    let run = run.to_str().expect("utf8");
    std::fs::write(out.path().join("blocker"), "a file, not a directory").expect("write");
    std::fs::create_dir(out.path().join("adir.png")).expect("mkdir");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["plot".into(), run.into(), "-o".into(), p("fig.jpg")],
            ".png or .svg",
        ),
        (
            vec!["plot".into(), run.into(), "-o".into(), p("fig")],
            ".png or .svg",
        ),
        (
            vec!["animate".into(), run.into(), "-o".into(), p("anim.png")],
            ".gif",
        ),
        (
            vec!["plot".into(), run.into(), "-o".into(), p("missing/fig.png")],
            "does not exist",
        ),
        (
            vec![
                "plot".into(),
                run.into(),
                "--kind".into(),
                "sequence".into(),
                "-o".into(),
                p("blocker/fig.png"),
            ],
            "does not exist",
        ),
        (
            vec![
                "animate".into(),
                run.into(),
                "-o".into(),
                p("missing/a.gif"),
            ],
            "does not exist",
        ),
        (
            vec![
                "plot".into(),
                run.into(),
                "--kind".into(),
                "pca".into(),
                "-o".into(),
                p("adir.png"),
            ],
            "is a directory",
        ),
        (
            vec![
                "plot".into(),
                run.into(),
                "--width".into(),
                "10".into(),
                "-o".into(),
                p("small.png"),
            ],
            "--width 10 is out of range",
        ),
        (
            vec![
                "animate".into(),
                run.into(),
                "-o".into(),
                p("a.gif"),
                "--frames".into(),
                "0".into(),
            ],
            "--frames 0 is out of range",
        ),
    ];
    for (args, msg) in cases {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = cnn(dir, &argv);
        assert_eq!(o.code, 2, "{argv:?}: {}", o.stderr);
        assert!(
            o.stderr.contains(msg),
            "{argv:?}: expected {msg:?} in\n{}",
            o.stderr
        );
    }
    assert_eq!(
        images(out.path()),
        ["adir.png"],
        "no image and no temporary written"
    );
    assert!(std::fs::read_dir(out.path().join("adir.png"))
        .expect("dir")
        .next()
        .is_none());
}
