//! Figures drawn from run files: `cnn plot`, `cnn animate` and `cnn run --plot`.
//!
//! - [`sequence`]: the training sequence (paper Fig 2): spontaneous, learning and test
//!   columns with f and z, stacked rates and |dw/dt|;
//! - [`pca`]: principal components of the test-phase activity (paper Fig 3), drawn from
//!   `/analysis/pca`;
//! - [`animate`]: a GIF of f and z drawn progressively through training;
//! - [`ensemble`]: the summary figure of an ensemble file (paper Fig 5).
//!
//! Rendering uses plotters with the DejaVu Sans font compiled in (registered once at
//! start-up as `sans-serif`): no fontconfig, no system fonts, no display. The format
//! follows the output's extension (`.png` or `.svg`; `.gif` for animations). Images are
//! rendered in memory, written to `.<name>.partial-<pid>` beside the output and renamed
//! into place, so a failure never leaves a partial image under the requested name.
//! Existing images are replaced (they are derived from the run file).

pub mod animate;
pub mod draw;
pub mod ensemble;
pub mod pca;
pub mod sequence;

use crate::exit::Failure;
use cnn_io::RunRecord;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// Default size of the static figures in pixels (readable on a slide).
pub const DEFAULT_SIZE: (u32, u32) = (1800, 1000);

/// Smallest and largest accepted image side in pixels.
pub const SIDE_RANGE: (u32, u32) = (200, 8000);

/// Which figure(s) `cnn plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The training sequence (paper Fig 2).
    Sequence,
    /// Principal components of the test phase (paper Fig 3).
    Pca,
    /// Every figure the file supports (the PCA figure only if `/analysis/pca` exists).
    All,
}

/// An image format, chosen by the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Portable network graphics (8-bit RGB).
    Png,
    /// Scalable vector graphics (text as `<text>`, fonts by family name).
    Svg,
}

impl Format {
    /// The format of `path` from its extension (case-insensitive).
    pub fn of(path: &Path) -> Result<Self, Failure> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            other => Err(Failure::input(format!(
                "{}: cannot write {} images; give a file name ending in .png or .svg",
                path.display(),
                other.map_or("extension-less".to_string(), |e| format!(".{e}"))
            ))),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Registers the embedded DejaVu Sans fonts as `sans-serif` (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font compiled into the binary; a failure here
        // leaves text unrendered rather than aborting.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    /// Draws the whole figure on `area` (already filled white); `raster` tells a bitmap
    /// backend from a vector one.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        raster: bool,
    ) -> Result<(), String>;
}

/// Renders `fig` at `size` into the bytes of a PNG or SVG file.
pub fn render(fig: &impl Figure, format: Format, size: (u32, u32)) -> Result<Vec<u8>, String> {
    register_fonts();
    match format {
        Format::Png => {
            let rgb = render_rgb(fig, size, SUPERSAMPLE)?;
            encode_png(&rgb, size)
        }
        Format::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
                root.fill(&WHITE).map_err(draw::err)?;
                fig.draw(&root, false)?;
                root.present().map_err(draw::err)?;
            }
            Ok(s.into_bytes())
        }
    }
}

/// PNG figures are drawn at this multiple of their size and averaged down, which
/// smooths the lines (plotters' bitmap backend does not antialias them).
pub const SUPERSAMPLE: u32 = 2;

/// Renders `fig` into an RGB buffer of `size` (3 bytes per pixel, rows top to bottom),
/// drawing at `ss` times the size and averaging `ss` x `ss` blocks.
pub fn render_rgb(fig: &impl Figure, size: (u32, u32), ss: u32) -> Result<Vec<u8>, String> {
    register_fonts();
    let ss = ss.max(1);
    let (bw, bh) = (size.0 * ss, size.1 * ss);
    let mut buf = vec![255u8; bw as usize * bh as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (bw, bh)).into_drawing_area();
        root.fill(&WHITE).map_err(draw::err)?;
        fig.draw(&root, true)?;
        root.present().map_err(draw::err)?;
    }
    if ss == 1 {
        return Ok(buf);
    }
    let (w, h, ss) = (size.0 as usize, size.1 as usize, ss as usize);
    let bw = bw as usize;
    let mut out = vec![0u8; w * h * 3];
    let n = (ss * ss) as u32;
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0u32; 3];
            for dy in 0..ss {
                let row = (y * ss + dy) * bw;
                for dx in 0..ss {
                    let i = (row + x * ss + dx) * 3;
                    acc[0] += u32::from(buf[i]);
                    acc[1] += u32::from(buf[i + 1]);
                    acc[2] += u32::from(buf[i + 2]);
                }
            }
            let o = (y * w + x) * 3;
            for c in 0..3 {
                out[o + c] = ((acc[c] + n / 2) / n) as u8;
            }
        }
    }
    Ok(out)
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Checks that an image can be written at `path` (its directory exists and is writable,
/// and it is not a directory) before any rendering starts.
pub fn check_writable(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::input(format!(
            "{}: is a directory; give an image file name",
            path.display()
        )));
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(Failure::input(format!(
            "{}: cannot write the image: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let probe = temp_path(path);
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Failure::input(format!(
            "{}: cannot write the image in {}: {e}",
            path.display(),
            dir.display()
        ))),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `<dir>/.<name>.partial-<pid>`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "figure".into());
    parent_dir(path).join(format!(".{name}.partial-{}", std::process::id()))
}

/// Writes `bytes` to a temporary sibling of `path` and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let tmp = temp_path(path);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::runtime(format!(
            "{}: cannot write the image: {e}",
            path.display()
        )));
    }
    Ok(())
}

/// `RUN-<suffix>.<ext>` beside the run file (`runs/a.h5` -> `runs/a-sequence.png`).
pub fn beside(run: &Path, suffix: &str, ext: &str) -> PathBuf {
    let stem = run
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    run.with_file_name(format!("{stem}-{suffix}.{ext}"))
}

/// `base.png` + `pca` -> `base-pca.png` (the naming of `--kind all -o base.png`).
fn suffixed(base: &Path, suffix: &str) -> PathBuf {
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "figure".into());
    let ext = base
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "png".into());
    base.with_file_name(format!("{stem}-{suffix}.{ext}"))
}

/// Options shared by the static figures.
#[derive(Debug, Clone, Copy)]
pub struct PlotOptions {
    /// Image size in pixels.
    pub size: (u32, u32),
    /// |dw/dt| on a logarithmic axis.
    pub log_dw: bool,
}

/// Checks a requested image size.
pub fn check_size(width: u32, height: u32) -> Result<(u32, u32), Failure> {
    let (lo, hi) = SIDE_RANGE;
    for (name, v) in [("--width", width), ("--height", height)] {
        if !(lo..=hi).contains(&v) {
            return Err(Failure::input(format!(
                "{name} {v} is out of range: {lo} to {hi} pixels"
            )));
        }
    }
    Ok((width, height))
}

/// Reads a run file for plotting (exit 2 with the reader's message on failure).
pub fn read(file: &Path) -> Result<RunRecord, Failure> {
    cnn_io::read_run(file).map_err(Failure::from)
}

/// Why a run file has no `/analysis/pca`, and how to get one.
fn pca_absence(rec: &RunRecord) -> (String, String) {
    let test_empty = rec
        .phases
        .iter()
        .find(|p| p.phase == cnn_core::Phase::Test)
        .is_none_or(|p| p.rows() == 0);
    if rec.meta.status.name() != "complete" {
        (
            format!("the run stopped early: {}", rec.meta.status.message()),
            "a run that completes with simulation.test_ms > 0 has it".into(),
        )
    } else if test_empty {
        (
            "the run had no test phase".into(),
            "rerun with simulation.test_ms > 0 (e.g. `cnn run CONFIG --set \
             simulation.test_ms=2400`) so that `cnn run` computes it"
                .into(),
        )
    } else {
        (
            format!(
                "it was not computed (it is for N_G <= {}, by `cnn run`)",
                cnn_experiment::record::MAX_PCA_UNITS
            ),
            "rerun with `cnn run` and simulation.test_ms > 0".into(),
        )
    }
}

fn missing_pca(file: &Path, rec: &RunRecord) -> Failure {
    let (why, hint) = pca_absence(rec);
    Failure::input(format!(
        "{}: no /analysis/pca, so there is no PCA figure to draw ({why}); {hint}",
        file.display()
    ))
}

fn missing_phases(file: &Path) -> Failure {
    Failure::input(format!(
        "{}: has no recorded phases (no /phases/spontaneous, /phases/train or /phases/test \
         with data), so there is no training sequence to draw",
        file.display()
    ))
}

/// The figures to draw for `kind`, each with its output path.
fn plan(
    file: &Path,
    rec: &RunRecord,
    kind: Kind,
    out: Option<&Path>,
) -> Result<Vec<(Kind, PathBuf)>, Failure> {
    let format = match out {
        Some(o) => Format::of(o)?,
        None => Format::Png,
    };
    let has_rows = rec.phases.iter().any(|p| p.rows() > 0);
    let path_for = |suffix: &str| match (out, kind) {
        (Some(o), Kind::All) => suffixed(o, suffix),
        (Some(o), _) => o.to_path_buf(),
        (None, _) => beside(file, suffix, format.extension()),
    };
    let mut figs = Vec::new();
    if matches!(kind, Kind::Sequence | Kind::All) {
        if !has_rows {
            return Err(missing_phases(file));
        }
        figs.push((Kind::Sequence, path_for("sequence")));
    }
    match (kind, &rec.pca) {
        (Kind::Pca, None) => return Err(missing_pca(file, rec)),
        (Kind::Pca | Kind::All, Some(_)) => figs.push((Kind::Pca, path_for("pca"))),
        (Kind::All, None) => {
            let (why, hint) = pca_absence(rec);
            eprintln!(
                "cnn: note: {} has no /analysis/pca ({why}; {hint}); drawing the training \
                 sequence only",
                file.display()
            );
        }
        (Kind::Sequence, _) => {}
    }
    Ok(figs)
}

fn draw_one(rec: &RunRecord, kind: Kind, path: &Path, opts: PlotOptions) -> Result<(), Failure> {
    let format = Format::of(path)?;
    let bytes = match kind {
        Kind::Sequence => render(
            &sequence::Sequence::new(rec, opts.log_dw),
            format,
            opts.size,
        ),
        Kind::Pca => match pca::PcaFigure::new(rec) {
            Some(fig) => render(&fig, format, opts.size),
            None => Err("the run file has no /analysis/pca".to_string()),
        },
        Kind::All => Err("internal: `all` is not one figure".to_string()),
    }
    .map_err(|e| Failure::runtime(format!("{}: drawing failed: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

/// `cnn plot`.
pub fn plot(
    file: &Path,
    kind: Kind,
    out: Option<&Path>,
    size: (u32, u32),
    log_dw: bool,
) -> Result<u8, Failure> {
    cnn_experiment::checkpoint::refuse_unfinished(file)?;
    if cnn_io::file_format(file).is_ok_and(|f| f == cnn_io::ENSEMBLE_FORMAT) {
        return ensemble::plot(file, out, size);
    }
    let size = check_size(size.0, size.1)?;
    if let Some(o) = out {
        Format::of(o)?;
    }
    let rec = read(file)?;
    let figs = plan(file, &rec, kind, out)?;
    for (_, path) in &figs {
        check_writable(path)?;
    }
    let opts = PlotOptions { size, log_dw };
    for (k, path) in &figs {
        draw_one(&rec, *k, path, opts)?;
        println!("wrote {}", path.display());
    }
    Ok(0)
}

/// `cnn run --plot`: the sequence figure and (when the run has one) the PCA figure as PNG
/// beside the run file. Returns the paths written.
pub fn figures_beside(run_file: &Path, rec: &RunRecord) -> Result<Vec<PathBuf>, Failure> {
    let kind = Kind::All;
    let figs = plan(run_file, rec, kind, None)?;
    for (_, path) in &figs {
        check_writable(path)?;
    }
    let opts = PlotOptions {
        size: DEFAULT_SIZE,
        log_dw: false,
    };
    for (k, path) in &figs {
        draw_one(rec, *k, path, opts)?;
    }
    Ok(figs.into_iter().map(|(_, p)| p).collect())
}
