//! The training-sequence figure (paper Fig 2A-C).
//!
//! One column per recorded phase (spontaneous activity, learning, testing), widths
//! following the phase durations (each at least a fifth of the width), on a shared time
//! axis in ms. Rows: the target f (thick, light) and the output z (thin, dark), one
//! colour pair per output; the rates of the recorded units stacked with offsets and
//! labelled by unit index; |dw/dt| during learning (linear or logarithmic). The cells
//! under the spontaneous and test columns hold the legend and the test metrics.

use super::draw::{self, Scale};
use super::Figure;
use cnn_core::Phase;
use cnn_io::{PhaseRecord, RunRecord};
use plotters::coord::Shift;
use plotters::prelude::*;

/// At most this many recorded units are drawn (the first ones recorded).
pub const MAX_RATES: usize = 10;

/// Spacing of the stacked rate traces (rates lie in [-1, 1]).
const RATE_OFFSET: f64 = 2.2;

/// The figure: borrowed run record plus options.
pub struct Sequence<'a> {
    rec: &'a RunRecord,
    log_dw: bool,
}

impl<'a> Sequence<'a> {
    /// The sequence figure of `rec`; `log_dw` draws |dw/dt| on a log axis.
    pub fn new(rec: &'a RunRecord, log_dw: bool) -> Self {
        Self { rec, log_dw }
    }
}

fn column_title(p: Phase) -> &'static str {
    match p {
        Phase::Spontaneous => "Spontaneous activity",
        Phase::Train => "Learning (FORCE on)",
        Phase::Test => "Testing (learning off)",
    }
}

/// Column widths in pixels: proportional to duration, each at least `min_frac` of the
/// total, summing to `total`.
fn column_widths(durations: &[f64], total: i32, min_frac: f64) -> Vec<i32> {
    let sum: f64 = durations.iter().map(|d| d.max(0.0)).sum();
    let fr: Vec<f64> = durations
        .iter()
        .map(|d| {
            if sum > 0.0 {
                (d.max(0.0) / sum).max(min_frac)
            } else {
                1.0
            }
        })
        .collect();
    let fsum: f64 = fr.iter().sum();
    let mut w: Vec<i32> = fr
        .iter()
        .map(|f| (f / fsum * f64::from(total)).round() as i32)
        .collect();
    let drift = total - w.iter().sum::<i32>();
    if let Some(last) = w.last_mut() {
        *last += drift;
    }
    w
}

/// Short description of the run for the title.
pub fn run_label(rec: &RunRecord) -> String {
    let n = &rec.network;
    let g = n
        .param("g_gg")
        .map_or(String::new(), |g| format!(", g_GG = {}", draw::param(g)));
    format!(
        "N_G = {}{g}, {} output{}, seed {}",
        n.n_g,
        n.n_out,
        if n.n_out == 1 { "" } else { "s" },
        rec.meta.seed
    )
}

/// The config's `description`, if any.
pub fn description(rec: &RunRecord) -> Option<String> {
    let table: toml::Table = rec.meta.config_toml.parse().ok()?;
    table
        .get("description")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn verdict(rec: &RunRecord) -> String {
    match (rec.meta.status.name(), rec.success) {
        ("diverged", _) => format!("diverged: {}", rec.meta.status.message()),
        (_, Some(true)) => "success".into(),
        (_, Some(false)) => "failed the success criterion".into(),
        _ => "not assessed".into(),
    }
}

impl Figure for Sequence<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        raster: bool,
    ) -> Result<(), String> {
        let rec = self.rec;
        let (w, h) = root.dim_in_pixel();
        let sc = Scale::of(w, h, super::DEFAULT_SIZE, raster);
        let k_out = rec.network.n_out;
        let phases: Vec<&PhaseRecord> = rec.phases.iter().filter(|p| p.rows() > 0).collect();
        if phases.is_empty() {
            return Err("no phase has recorded rows".into());
        }

        // Title.
        let title_h = sc.px(78.0) as i32;
        let (top, body) = root.split_vertically(title_h);
        top.draw(&Text::new(
            format!("FORCE training sequence: {}", run_label(rec)),
            (sc.px(24.0) as i32, sc.px(26.0) as i32),
            draw::left(sc.bold(34.0)),
        ))
        .map_err(draw::err)?;
        let sub = description(rec).unwrap_or_else(|| "chaotic rate network".into());
        top.draw(&Text::new(
            format!("{sub}   [{}]", verdict(rec)),
            (sc.px(24.0) as i32, sc.px(60.0) as i32),
            draw::left(sc.font(22.0).color(&RGBColor(70, 70, 70))),
        ))
        .map_err(draw::err)?;

        // Columns.
        let (bw, bh) = body.dim_in_pixel();
        let durations: Vec<f64> = phases.iter().map(|p| p.t_end_ms - p.t_start_ms).collect();
        let widths = column_widths(&durations, bw as i32, 0.2);
        let mut xs = Vec::new();
        let mut acc = 0;
        for wd in &widths[..widths.len() - 1] {
            acc += wd;
            xs.push(acc);
        }
        let columns = body.split_by_breakpoints(&xs, &[] as &[i32]);

        // Shared y range of f and z: the target's range, widened to hold z of the
        // trained phases, at most one target span beyond it on either side.
        let f_range = draw::finite_range(phases.iter().flat_map(|p| p.f.iter().copied()));
        let z_range = draw::finite_range(
            phases
                .iter()
                .filter(|p| p.phase != Phase::Spontaneous)
                .flat_map(|p| p.z.iter().copied()),
        )
        .or_else(|| draw::finite_range(phases.iter().flat_map(|p| p.z.iter().copied())));
        let fz = match (f_range, z_range) {
            (Some(fr), Some((c, d))) => {
                let (a, b) = draw::padded(fr, 0.0);
                let span = b - a;
                (a.min(c.max(a - span)), b.max(d.min(b + span)))
            }
            (Some(r), None) | (None, Some(r)) => r,
            (None, None) => (-1.0, 1.0),
        };
        let fz = draw::padded(fz, 0.08);

        let rows_h = [0.32, 0.43, 0.25];
        let r1 = (f64::from(bh) * rows_h[0]).round() as i32;
        let r2 = r1 + (f64::from(bh) * rows_h[1]).round() as i32;
        let first_phase = phases[0].phase;
        for (col, p) in columns.iter().zip(&phases) {
            let cells = col.split_by_breakpoints([] as [i32; 0], [r1, r2]);
            let is_first = p.phase == first_phase;
            let col_w = col.dim_in_pixel().0;
            let buckets = (col_w as usize).max(50);
            self.draw_fz(&cells[0], p, fz, is_first, sc, buckets, k_out)?;
            self.draw_rates(&cells[1], p, is_first, sc, buckets)?;
            if p.phase == Phase::Train {
                self.draw_dw(&cells[2], p, is_first, sc, buckets, k_out)?;
            } else if p.phase == Phase::Test {
                self.draw_metrics(&cells[2], sc)?;
            } else {
                self.draw_legend(&cells[2], sc, k_out)?;
            }
        }
        Ok(())
    }
}

impl Sequence<'_> {
    fn y_label_area(&self, is_first: bool, sc: Scale) -> u32 {
        if is_first {
            sc.px(92.0)
        } else {
            sc.px(14.0)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_fz<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &PhaseRecord,
        (lo, hi): (f64, f64),
        is_first: bool,
        sc: Scale,
        buckets: usize,
        k_out: usize,
    ) -> Result<(), String> {
        let (t0, t1) = (p.t_start_ms, p.t_end_ms.max(p.t_start_ms + 1e-9));
        let mut chart = ChartBuilder::on(area)
            .caption(column_title(p.phase), sc.bold(26.0))
            .margin_left(sc.px(6.0))
            .margin_right(sc.px(14.0))
            .margin_top(sc.px(4.0))
            .x_label_area_size(sc.px(10.0))
            .y_label_area_size(self.y_label_area(is_first, sc))
            .build_cartesian_2d(t0..t1, lo..hi)
            .map_err(draw::err)?;
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(draw::GRID)
            .x_label_formatter(&|_| String::new())
            .y_labels(5)
            .label_style(sc.font(17.0))
            .axis_desc_style(sc.font(20.0));
        if is_first {
            mesh.y_desc("f (thick), z (thin)");
        } else {
            mesh.y_label_formatter(&|_| String::new());
        }
        mesh.draw().map_err(draw::err)?;
        let t = &p.t_ms;
        for k in 0..k_out {
            let (fc, _) = draw::output_colours(k);
            let f = draw::minmax(t, |i| p.f[i * k_out + k], (t0, t1), buckets);
            draw::polyline(
                &mut chart,
                draw::clamp_y(f, (lo, hi)),
                fc.stroke_width(sc.px(7.0)),
                sc,
            )?;
        }
        for k in 0..k_out {
            let (_, zc) = draw::output_colours(k);
            let z = draw::minmax(t, |i| p.z[i * k_out + k], (t0, t1), buckets);
            draw::polyline(
                &mut chart,
                draw::clamp_y(z, (lo, hi)),
                zc.stroke_width(sc.px(2.0)),
                sc,
            )?;
        }
        Ok(())
    }

    fn draw_rates<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &PhaseRecord,
        is_first: bool,
        sc: Scale,
        buckets: usize,
    ) -> Result<(), String> {
        let (t0, t1) = (p.t_start_ms, p.t_end_ms.max(p.t_start_ms + 1e-9));
        let tfmt = draw::time_label(t1 - t0);
        let r_all = p.rates_index.len();
        let r = r_all.min(MAX_RATES);
        let offsets: Vec<f64> = (0..r).map(|j| (r - 1 - j) as f64 * RATE_OFFSET).collect();
        let hi = (r.max(1) - 1) as f64 * RATE_OFFSET + 1.15;
        let units: Vec<(f64, u32)> = offsets
            .iter()
            .copied()
            .zip(p.rates_index.iter().copied())
            .collect();
        let label = move |y: &f64| {
            units
                .iter()
                .find(|(o, _)| (o - y).abs() < 1e-6)
                .map_or(String::new(), |(_, u)| format!("unit {u}"))
        };
        let mut chart = ChartBuilder::on(area)
            .margin_left(sc.px(6.0))
            .margin_right(sc.px(14.0))
            .margin_top(sc.px(8.0))
            .x_label_area_size(sc.px(34.0))
            .y_label_area_size(self.y_label_area(is_first, sc))
            .build_cartesian_2d(t0..t1, draw::Stacked::new(-1.15, hi, offsets.clone()))
            .map_err(draw::err)?;
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .bold_line_style(draw::GRID)
            .max_light_lines(0)
            .x_labels(6)
            .x_label_formatter(&tfmt)
            .label_style(sc.font(17.0))
            .axis_desc_style(sc.font(20.0));
        if is_first {
            mesh.y_label_formatter(&label).y_desc("rates r = tanh(x)");
        } else {
            mesh.y_label_formatter(&|_| String::new());
        }
        mesh.draw().map_err(draw::err)?;
        if r == 0 {
            area.draw(&Text::new(
                "no rates recorded (record.rates = 0)",
                (sc.px(120.0) as i32, sc.px(60.0) as i32),
                sc.font(18.0),
            ))
            .map_err(draw::err)?;
        }
        for (j, &off) in offsets.iter().enumerate() {
            let pts = draw::minmax(&p.t_ms, |i| p.rates[i * r_all + j] + off, (t0, t1), buckets);
            draw::polyline(
                &mut chart,
                pts,
                draw::trace_colour(j).stroke_width(sc.px(1.6)),
                sc,
            )?;
        }
        Ok(())
    }

    fn draw_dw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &PhaseRecord,
        is_first: bool,
        sc: Scale,
        buckets: usize,
        k_out: usize,
    ) -> Result<(), String> {
        let (t0, t1) = (p.t_start_ms, p.t_end_ms.max(p.t_start_ms + 1e-9));
        let tfmt = draw::time_label(t1 - t0);
        let t = &p.update_t_ms;
        let series: Vec<Vec<(f64, f64)>> = (0..k_out)
            .map(|k| draw::minmax(t, |i| p.dw_norm[i * k_out + k], (t0, t1), buckets))
            .collect();
        let desc = "|dw/dt| (1/ms)";
        let y_area = self.y_label_area(is_first, sc).max(sc.px(92.0));
        let builder = |area| {
            let mut b = ChartBuilder::on(area);
            b.margin_left(sc.px(6.0))
                .margin_right(sc.px(14.0))
                .margin_top(sc.px(10.0))
                .margin_bottom(sc.px(4.0))
                .x_label_area_size(sc.px(52.0))
                .y_label_area_size(y_area);
            b
        };
        if t.is_empty() {
            area.draw(&Text::new(
                "no weight updates recorded",
                (sc.px(120.0) as i32, sc.px(60.0) as i32),
                sc.font(18.0),
            ))
            .map_err(draw::err)?;
            return Ok(());
        }
        if self.log_dw {
            let pos = draw::finite_range(series.iter().flatten().map(|p| p.1).filter(|v| *v > 0.0))
                .unwrap_or((1e-6, 1.0));
            let (lo, hi) = (pos.0 / 2.0, pos.1 * 2.0);
            let mut chart = builder(area)
                .build_cartesian_2d(t0..t1, (lo..hi).log_scale())
                .map_err(draw::err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .bold_line_style(draw::GRID)
                .max_light_lines(0)
                .x_labels(6)
                .y_labels(5)
                .x_label_formatter(&tfmt)
                .y_label_formatter(&|v| format!("{v:.0e}"))
                .label_style(sc.font(17.0))
                .axis_desc_style(sc.font(20.0))
                .x_desc("time (ms)")
                .y_desc(format!("{desc}, log"))
                .draw()
                .map_err(draw::err)?;
            for (k, s) in series.into_iter().enumerate() {
                let s: Vec<(f64, f64)> = s.into_iter().filter(|p| p.1 > 0.0).collect();
                draw::polyline(
                    &mut chart,
                    s,
                    draw::dw_colour(k).stroke_width(sc.px(2.0)),
                    sc,
                )?;
            }
        } else {
            let hi = draw::finite_range(series.iter().flatten().map(|p| p.1))
                .map_or(1.0, |r| r.1.max(1e-12))
                * 1.05;
            let mut chart = builder(area)
                .build_cartesian_2d(t0..t1, 0.0..hi)
                .map_err(draw::err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .bold_line_style(draw::GRID)
                .max_light_lines(0)
                .x_labels(6)
                .y_labels(4)
                .x_label_formatter(&tfmt)
                .y_label_formatter(&|v| draw::short(*v))
                .label_style(sc.font(17.0))
                .axis_desc_style(sc.font(20.0))
                .x_desc("time (ms)")
                .y_desc(desc)
                .draw()
                .map_err(draw::err)?;
            for (k, s) in series.into_iter().enumerate() {
                draw::polyline(
                    &mut chart,
                    s,
                    draw::dw_colour(k).stroke_width(sc.px(2.0)),
                    sc,
                )?;
            }
        }
        Ok(())
    }

    /// Legend: line samples for f and z of each output, and what the rows show.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sc: Scale,
        k_out: usize,
    ) -> Result<(), String> {
        let x0 = sc.px(30.0) as i32;
        let line = sc.px(46.0) as i32;
        let mut y = sc.px(46.0) as i32;
        let dy = sc.px(30.0) as i32;
        let font = draw::left(sc.font(19.0));
        if k_out == 1 {
            let (fc, zc) = draw::output_colours(0);
            for (label, colour, width) in [("target f", fc, 7.0), ("output z", zc, 2.0)] {
                area.draw(&PathElement::new(
                    vec![(x0, y), (x0 + line, y)],
                    colour.stroke_width(sc.px(width)),
                ))
                .map_err(draw::err)?;
                area.draw(&Text::new(
                    label,
                    (x0 + line + sc.px(10.0) as i32, y),
                    font.clone(),
                ))
                .map_err(draw::err)?;
                y += dy;
            }
        }
        // Several outputs: one row per output, "== f_k  -- z_k".
        for k in (0..k_out.min(4)).filter(|_| k_out > 1) {
            let (fc, zc) = draw::output_colours(k);
            let mut x = x0;
            for (label, colour, width) in [(format!("f{k}"), fc, 7.0), (format!("z{k}"), zc, 2.0)] {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + line, y)],
                    colour.stroke_width(sc.px(width)),
                ))
                .map_err(draw::err)?;
                area.draw(&Text::new(
                    label,
                    (x + line + sc.px(8.0) as i32, y),
                    font.clone(),
                ))
                .map_err(draw::err)?;
                x += line + sc.px(60.0) as i32;
            }
            y += dy;
        }
        if k_out > 4 {
            area.draw(&Text::new(
                format!("... {k_out} outputs"),
                (x0, y),
                font.clone(),
            ))
            .map_err(draw::err)?;
            y += dy;
        }
        let r = self
            .rec
            .phases
            .iter()
            .map(|p| p.rates_index.len().min(MAX_RATES))
            .max()
            .unwrap_or(0);
        area.draw(&Text::new(
            format!("rates of {r} of the {} units", self.rec.network.n_g),
            (x0, y),
            font,
        ))
        .map_err(draw::err)?;
        Ok(())
    }

    /// The test metrics per output (MAE, phase-tolerant correlation, amplitude ratio).
    fn draw_metrics<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sc: Scale,
    ) -> Result<(), String> {
        let x0 = sc.px(30.0) as i32;
        let mut y = sc.px(46.0) as i32;
        let dy = sc.px(30.0) as i32;
        let Some(m) = self.rec.metrics.iter().find(|m| m.phase == Phase::Test) else {
            return Ok(());
        };
        let get = |name: &str| {
            m.values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let (mae, corr, amp) = (get("mae"), get("best_corr"), get("amp_ratio"));
        // Several outputs: smaller text, no amplitude ratio, so the lines fit the column.
        let many = mae.len() > 1;
        let font = draw::left(sc.font(if many { 16.0 } else { 19.0 }));
        area.draw(&Text::new(
            "test phase, learning off:",
            (x0, y),
            draw::left(sc.bold(19.0)),
        ))
        .map_err(draw::err)?;
        y += dy;
        for k in 0..mae.len().min(4) {
            let name = if mae.len() == 1 {
                String::new()
            } else {
                format!("z{k}: ")
            };
            let mut s = format!("{name}MAE {}", draw::short(mae[k]));
            if let Some(c) = corr.get(k) {
                s += &format!(", corr {c:.3}");
            }
            if let Some(a) = amp.get(k).filter(|_| !many) {
                s += &format!(", amp {a:.2}");
            }
            area.draw(&Text::new(s, (x0, y), font.clone()))
                .map_err(draw::err)?;
            y += dy;
        }
        area.draw(&Text::new(
            format!("result: {}", verdict(self.rec)),
            (x0, y),
            font,
        ))
        .map_err(draw::err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_durations_with_a_floor() {
        let w = column_widths(&[1200.0, 7200.0, 2400.0], 1000, 0.2);
        assert_eq!(w.iter().sum::<i32>(), 1000);
        assert!(w[0] >= 180 && w[1] > w[2] && w[2] > w[0], "{w:?}");
        assert_eq!(column_widths(&[5.0], 640, 0.2), vec![640]);
    }
}
