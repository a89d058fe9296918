//! `cnn animate`: a GIF of training (the notebook's `animation_training`).
//!
//! Each frame shows the training phase up to its time: the target f (thick) and the
//! output z (thin) drawn progressively on a fixed time axis, |dw/dt| below, and a time
//! label. The frames are rendered with plotters into RGB buffers, mapped onto one fixed
//! 256-colour palette (the colours the figure uses, their blends with white, and greys;
//! nearest colour through a 32^3 lookup table) and written as one looping GIF.

use super::draw::{self, Scale};
use super::sequence::run_label;
use super::{check_size, check_writable, read, render_rgb, write_atomic, Figure};
use crate::exit::Failure;
use cnn_core::Phase;
use cnn_io::{PhaseRecord, RunRecord};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Default animation size in pixels (fits a slide).
pub const DEFAULT_SIZE: (u32, u32) = (1200, 500);
/// Default number of frames.
pub const DEFAULT_FRAMES: u32 = 60;
/// Default playback time of one loop in seconds.
pub const DEFAULT_DURATION_S: f64 = 6.0;
/// Most frames accepted.
pub const MAX_FRAMES: u32 = 2000;

/// Options of `cnn animate`.
#[derive(Debug, Clone, Copy)]
pub struct AnimateOptions {
    /// Number of frames (1 to [`MAX_FRAMES`]).
    pub frames: u32,
    /// Playback time of one loop in seconds (0.1 to 600).
    pub duration_s: f64,
    /// Frame size in pixels.
    pub size: (u32, u32),
    /// |dw/dt| on a logarithmic axis.
    pub log_dw: bool,
}

/// Pre-downsampled traces of the training phase.
struct Traces {
    t0: f64,
    t1: f64,
    /// Per output: f and z points.
    f: Vec<Vec<(f64, f64)>>,
    z: Vec<Vec<(f64, f64)>>,
    /// Per output: |dw/dt| points.
    dw: Vec<Vec<(f64, f64)>>,
    fz_range: (f64, f64),
    dw_range: (f64, f64),
}

impl Traces {
    fn new(p: &PhaseRecord, k_out: usize, buckets: usize, log_dw: bool) -> Self {
        let (t0, t1) = (p.t_start_ms, p.t_end_ms.max(p.t_start_ms + 1e-9));
        let f: Vec<_> = (0..k_out)
            .map(|k| draw::minmax(&p.t_ms, |i| p.f[i * k_out + k], (t0, t1), buckets))
            .collect();
        let z: Vec<_> = (0..k_out)
            .map(|k| draw::minmax(&p.t_ms, |i| p.z[i * k_out + k], (t0, t1), buckets))
            .collect();
        let dw: Vec<Vec<(f64, f64)>> = (0..k_out)
            .map(|k| {
                draw::minmax(
                    &p.update_t_ms,
                    |i| p.dw_norm[i * k_out + k],
                    (t0, t1),
                    buckets,
                )
                .into_iter()
                .filter(|q| !log_dw || q.1 > 0.0)
                .collect()
            })
            .collect();
        let fr = draw::finite_range(f.iter().flatten().map(|q| q.1)).unwrap_or((-1.0, 1.0));
        let fr = draw::padded(fr, 0.0);
        let span = fr.1 - fr.0;
        let zr = draw::finite_range(z.iter().flatten().map(|q| q.1)).unwrap_or(fr);
        let fz_range = draw::padded(
            (
                fr.0.min(zr.0.max(fr.0 - span)),
                fr.1.max(zr.1.min(fr.1 + span)),
            ),
            0.08,
        );
        let dr = draw::finite_range(dw.iter().flatten().map(|q| q.1)).unwrap_or((1e-6, 1.0));
        let dw_range = if log_dw {
            (dr.0 / 2.0, dr.1 * 2.0)
        } else {
            (0.0, dr.1.max(1e-12) * 1.05)
        };
        Self {
            t0,
            t1,
            f,
            z,
            dw,
            fz_range,
            dw_range,
        }
    }
}

/// One frame: the traces up to `t_now`.
struct Frame<'a> {
    rec: &'a RunRecord,
    traces: &'a Traces,
    t_now: f64,
    log_dw: bool,
}

fn prefix(pts: &[(f64, f64)], t: f64) -> Vec<(f64, f64)> {
    let end = pts.partition_point(|q| q.0 <= t);
    pts[..end].to_vec()
}

impl Figure for Frame<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        raster: bool,
    ) -> Result<(), String> {
        let (w, h) = root.dim_in_pixel();
        let sc = Scale::of(w, h, DEFAULT_SIZE, raster);
        let tr = self.traces;
        let tfmt = draw::time_label(tr.t1 - tr.t0);
        let k_out = tr.f.len();
        let title_h = sc.px(44.0) as i32;
        let (top, body) = root.split_vertically(title_h);
        let elapsed = self.t_now - tr.t0;
        let frac = 100.0 * elapsed / (tr.t1 - tr.t0);
        top.draw(&Text::new(
            format!("FORCE learning ({})", run_label(self.rec)),
            (sc.px(16.0) as i32, sc.px(22.0) as i32),
            draw::left(sc.bold(22.0)),
        ))
        .map_err(draw::err)?;
        top.draw(&Text::new(
            format!(
                "t = {:.0} ms  ({elapsed:.0} ms of training, {frac:.0}%)",
                self.t_now
            ),
            ((f64::from(w) * 0.64) as i32, sc.px(22.0) as i32),
            draw::left(sc.font(20.0).color(&RGBColor(150, 30, 30))),
        ))
        .map_err(draw::err)?;
        let bh = body.dim_in_pixel().1;
        let (upper, lower) = body.split_vertically((f64::from(bh) * 0.62) as i32);

        let (lo, hi) = tr.fz_range;
        let mut chart = ChartBuilder::on(&upper)
            .margin_left(sc.px(8.0))
            .margin_right(sc.px(16.0))
            .margin_top(sc.px(6.0))
            .x_label_area_size(sc.px(8.0))
            .y_label_area_size(sc.px(70.0))
            .build_cartesian_2d(tr.t0..tr.t1, lo..hi)
            .map_err(draw::err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(draw::GRID)
            .max_light_lines(0)
            .x_label_formatter(&|_| String::new())
            .y_labels(5)
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style(sc.font(15.0))
            .axis_desc_style(sc.font(17.0))
            .y_desc("f (thick), z (thin)")
            .draw()
            .map_err(draw::err)?;
        for k in 0..k_out {
            let (fc, zc) = draw::output_colours(k);
            draw::polyline(
                &mut chart,
                prefix(&tr.f[k], self.t_now),
                fc.stroke_width(sc.px(6.0)),
                sc,
            )?;
            draw::polyline(
                &mut chart,
                draw::clamp_y(prefix(&tr.z[k], self.t_now), (lo, hi)),
                zc.stroke_width(sc.px(2.0)),
                sc,
            )?;
        }

        let (dlo, dhi) = tr.dw_range;
        let b = |a| {
            let mut c = ChartBuilder::on(a);
            c.margin_left(sc.px(8.0))
                .margin_right(sc.px(16.0))
                .margin_top(sc.px(6.0))
                .margin_bottom(sc.px(4.0))
                .x_label_area_size(sc.px(44.0))
                .y_label_area_size(sc.px(70.0));
            c
        };
        macro_rules! dw_panel {
            ($chart:expr, $fmt:expr, $desc:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .bold_line_style(draw::GRID)
                    .max_light_lines(0)
                    .x_labels(8)
                    .y_labels(3)
                    .x_label_formatter(&tfmt)
                    .y_label_formatter(&$fmt)
                    .label_style(sc.font(15.0))
                    .axis_desc_style(sc.font(17.0))
                    .x_desc("time (ms)")
                    .y_desc($desc)
                    .draw()
                    .map_err(draw::err)?;
                for k in 0..k_out {
                    draw::polyline(
                        &mut chart,
                        prefix(&tr.dw[k], self.t_now),
                        draw::dw_colour(k).stroke_width(sc.px(2.0)),
                        sc,
                    )?;
                }
            }};
        }
        if self.log_dw {
            dw_panel!(
                b(&lower)
                    .build_cartesian_2d(tr.t0..tr.t1, (dlo..dhi).log_scale())
                    .map_err(draw::err)?,
                |v: &f64| format!("{v:.0e}"),
                "|dw/dt|, log"
            );
        } else {
            dw_panel!(
                b(&lower)
                    .build_cartesian_2d(tr.t0..tr.t1, dlo..dhi)
                    .map_err(draw::err)?,
                |v: &f64| draw::short(*v),
                "|dw/dt| (1/ms)"
            );
        }
        Ok(())
    }
}

/// A fixed palette of at most 256 colours and a 32^3 nearest-colour lookup table.
struct Palette {
    rgb: Vec<u8>,
    lut: Vec<u8>,
}

impl Palette {
    fn new(k_out: usize) -> Self {
        let mut cols: Vec<(u8, u8, u8)> = Vec::new();
        for i in 0..48u32 {
            let g = (i * 255 / 47) as u8;
            cols.push((g, g, g));
        }
        let mut bases = vec![draw::GRID, RGBColor(150, 30, 30)];
        for k in 0..k_out.min(4) {
            let (f, z) = draw::output_colours(k);
            bases.extend([f, z, draw::dw_colour(k)]);
        }
        let steps = ((256 - cols.len()) / bases.len()).min(24);
        for c in &bases {
            for s in 1..=steps {
                let a = s as f64 / steps as f64;
                let mix = |v: u8| (f64::from(v) * a + 255.0 * (1.0 - a)).round() as u8;
                cols.push((mix(c.0), mix(c.1), mix(c.2)));
            }
        }
        cols.truncate(256);
        let mut lut = vec![0u8; 32 * 32 * 32];
        for (idx, slot) in lut.iter_mut().enumerate() {
            let r = ((idx >> 10) & 31) as i32 * 8 + 4;
            let g = ((idx >> 5) & 31) as i32 * 8 + 4;
            let b = (idx & 31) as i32 * 8 + 4;
            let mut best = (i32::MAX, 0usize);
            for (j, c) in cols.iter().enumerate() {
                let d = (r - i32::from(c.0)).pow(2)
                    + (g - i32::from(c.1)).pow(2)
                    + (b - i32::from(c.2)).pow(2);
                if d < best.0 {
                    best = (d, j);
                }
            }
            *slot = best.1 as u8;
        }
        let rgb = cols.iter().flat_map(|c| [c.0, c.1, c.2]).collect();
        Self { rgb, lut }
    }

    fn index(&self, rgb: &[u8]) -> Vec<u8> {
        rgb.chunks_exact(3)
            .map(|p| {
                let i = (usize::from(p[0] >> 3) << 10)
                    | (usize::from(p[1] >> 3) << 5)
                    | usize::from(p[2] >> 3);
                self.lut[i]
            })
            .collect()
    }
}

/// Renders the animation of `rec`'s training phase into GIF bytes.
pub fn render_gif(rec: &RunRecord, opts: AnimateOptions) -> Result<Vec<u8>, String> {
    let train = rec
        .phases
        .iter()
        .find(|p| p.phase == Phase::Train && p.rows() > 0)
        .ok_or("the run file has no recorded training phase")?;
    let k_out = rec.network.n_out;
    let (w, h) = opts.size;
    let traces = Traces::new(train, k_out, w as usize, opts.log_dw);
    let palette = Palette::new(k_out);
    let delay_cs = ((opts.duration_s * 100.0 / f64::from(opts.frames)).round() as u16).max(2);
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w as u16, h as u16, &palette.rgb)
            .map_err(|e| e.to_string())?;
        enc.set_repeat(gif::Repeat::Infinite)
            .map_err(|e| e.to_string())?;
        for i in 1..=opts.frames {
            let t_now = traces.t0 + (traces.t1 - traces.t0) * f64::from(i) / f64::from(opts.frames);
            let frame = Frame {
                rec,
                traces: &traces,
                t_now,
                log_dw: opts.log_dw,
            };
            let rgb = render_rgb(&frame, opts.size, 1)?;
            let mut f =
                gif::Frame::from_indexed_pixels(w as u16, h as u16, palette.index(&rgb), None);
            f.delay = delay_cs;
            enc.write_frame(&f).map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}

/// `cnn animate`.
pub fn animate(file: &Path, out: &Path, opts: AnimateOptions) -> Result<u8, Failure> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() != Some("gif") {
        return Err(Failure::input(format!(
            "{}: animations are written as GIF; give a file name ending in .gif",
            out.display()
        )));
    }
    check_size(opts.size.0, opts.size.1)?;
    if !(1..=MAX_FRAMES).contains(&opts.frames) {
        return Err(Failure::input(format!(
            "--frames {} is out of range: 1 to {MAX_FRAMES}",
            opts.frames
        )));
    }
    if !(opts.duration_s.is_finite() && (0.1..=600.0).contains(&opts.duration_s)) {
        return Err(Failure::input(format!(
            "--duration-s {} is out of range: 0.1 to 600 seconds",
            opts.duration_s
        )));
    }
    let rec = read(file)?;
    if !rec
        .phases
        .iter()
        .any(|p| p.phase == Phase::Train && p.rows() > 0)
    {
        let hint = if rec.meta.status.name() == "complete" {
            "rerun with simulation.train_ms > 0".to_string()
        } else {
            format!("the run stopped early: {}", rec.meta.status.message())
        };
        return Err(Failure::input(format!(
            "{}: has no recorded training phase (/phases/train is absent or empty), so there \
             is no training to animate; {hint}",
            file.display()
        )));
    }
    check_writable(out)?;
    let bytes = render_gif(&rec, opts)
        .map_err(|e| Failure::runtime(format!("{}: drawing failed: {e}", out.display())))?;
    write_atomic(out, &bytes)?;
    println!("wrote {} ({} frames)", out.display(), opts.frames);
    Ok(0)
}
