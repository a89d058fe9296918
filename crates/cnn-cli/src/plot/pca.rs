//! The PCA figure (paper Fig 3), drawn from `/analysis/pca`.
//!
//! Top left: the eigenvalue spectrum of the test-phase covariance (leading 100, log
//! scale) with the number of components reaching 95 % of the variance. Top right: the
//! projections of the activity onto the leading 8 components over time, each scaled to
//! its own range. Bottom: the readout reconstructed from the leading k components
//! against the target f (output 0). The subtitle gives `n_95` and the RMS error of each
//! reconstruction.

use super::draw::{self, Scale};
use super::sequence::run_label;
use super::Figure;
use cnn_io::{PcaRecord, RunRecord};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Eigenvalues drawn in the spectrum.
pub const SPECTRUM_TOP: usize = 100;
/// Components whose projections are drawn.
pub const PROJECTIONS: usize = 8;

/// The figure: the run record, which must hold a PCA.
pub struct PcaFigure<'a> {
    rec: &'a RunRecord,
    pca: &'a PcaRecord,
}

impl<'a> PcaFigure<'a> {
    /// The figure of `rec`, or `None` if it has no `/analysis/pca`.
    pub fn new(rec: &'a RunRecord) -> Option<Self> {
        rec.pca.as_ref().map(|pca| Self { rec, pca })
    }
}

/// "k=1: 0.52, k=2: 0.31, ..." for output 0, against the actual z (`vs_z`) or f.
pub fn recon_summary(p: &PcaRecord, n_out: usize, vs_z: bool) -> String {
    let errs = if vs_z {
        &p.recon_rms_vs_z
    } else {
        &p.recon_rms_vs_f
    };
    p.recon_k
        .iter()
        .enumerate()
        .map(|(l, k)| {
            let e = errs.get(l * n_out).copied().unwrap_or(f64::NAN);
            format!("k={k}: {}", draw::short(e))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// RMS of z - f over the samples (output 0).
pub fn z_vs_f(p: &PcaRecord, n_out: usize) -> f64 {
    let s = p.t_ms.len();
    let sum: f64 = (0..s)
        .map(|i| (p.z[i * n_out] - p.f[i * n_out]).powi(2))
        .sum();
    (sum / s.max(1) as f64).sqrt()
}

impl Figure for PcaFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        raster: bool,
    ) -> Result<(), String> {
        let (w, h) = root.dim_in_pixel();
        let sc = Scale::of(w, h, super::DEFAULT_SIZE, raster);
        let p = self.pca;
        let n = p.eigenvalues.len();
        let k_out = self.rec.network.n_out;

        let title_h = sc.px(86.0) as i32;
        let (top, body) = root.split_vertically(title_h);
        top.draw(&Text::new(
            format!(
                "Principal components of the {}-phase activity: {}",
                p.phase.name(),
                run_label(self.rec)
            ),
            (sc.px(24.0) as i32, sc.px(26.0) as i32),
            draw::left(sc.bold(34.0)),
        ))
        .map_err(draw::err)?;
        let frac = p
            .explained_fraction
            .get(p.n_95.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(f64::NAN);
        top.draw(&Text::new(
            format!(
                "{} of {n} PCs explain 95% of the variance ({:.1}%).  Readout z_k from the leading k PCs, RMS(z_k - z): {}",
                p.n_95,
                100.0 * frac,
                recon_summary(p, k_out, true)
            ),
            (sc.px(24.0) as i32, sc.px(64.0) as i32),
            draw::left(sc.font(22.0).color(&RGBColor(70, 70, 70))),
        ))
        .map_err(draw::err)?;

        let (bw, bh) = body.dim_in_pixel();
        let cells = body.split_by_breakpoints(
            [(f64::from(bw) * 0.32) as i32],
            [(f64::from(bh) * 0.55) as i32],
        );
        self.draw_spectrum(&cells[0], sc)?;
        self.draw_projections(&cells[1], sc)?;
        // The bottom row spans both columns.
        let bottom = body.split_vertically((f64::from(bh) * 0.55) as i32).1;
        self.draw_reconstruction(&bottom, sc)?;
        Ok(())
    }
}

impl PcaFigure<'_> {
    fn draw_spectrum<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sc: Scale,
    ) -> Result<(), String> {
        let p = self.pca;
        let top: Vec<(f64, f64)> = p
            .eigenvalues
            .iter()
            .take(SPECTRUM_TOP)
            .enumerate()
            .filter(|(_, v)| **v > 0.0 && v.is_finite())
            .map(|(i, v)| ((i + 1) as f64, *v))
            .collect();
        let (lo, hi) = draw::finite_range(top.iter().map(|p| p.1)).unwrap_or((1e-6, 1.0));
        let lo = lo.max(hi * 1e-12);
        let (lo, hi) = (lo / 2.0, hi * 2.0);
        let m = top.len().max(2) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("Eigenvalue spectrum (leading {})", top.len()),
                sc.bold(24.0),
            )
            .margin(sc.px(12.0))
            .x_label_area_size(sc.px(50.0))
            .y_label_area_size(sc.px(84.0))
            .build_cartesian_2d(0.0..m + 1.0, (lo..hi).log_scale())
            .map_err(draw::err)?;
        chart
            .configure_mesh()
            .bold_line_style(draw::GRID)
            .max_light_lines(0)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style(sc.font(17.0))
            .axis_desc_style(sc.font(20.0))
            .x_desc("component")
            .y_desc("variance (eigenvalue)")
            .draw()
            .map_err(draw::err)?;
        let blue = RGBColor(31, 119, 180);
        draw::polyline(&mut chart, top.clone(), blue.stroke_width(sc.px(1.5)), sc)?;
        chart
            .draw_series(
                top.iter()
                    .map(|&(x, y)| Circle::new((x, y), sc.px(3.5), blue.filled())),
            )
            .map_err(draw::err)?;
        let n95 = p.n_95 as f64;
        if n95 >= 1.0 && n95 <= m {
            let red = RGBColor(200, 40, 40);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(n95, lo), (n95, hi)],
                    sc.px(8.0),
                    sc.px(6.0),
                    red.stroke_width(sc.px(2.0)),
                ))
                .map_err(draw::err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" 95% at {}", p.n_95),
                    (n95, hi / 3.0),
                    sc.font(19.0).color(&red),
                )))
                .map_err(draw::err)?;
        }
        Ok(())
    }

    fn draw_projections<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sc: Scale,
    ) -> Result<(), String> {
        let p = self.pca;
        let m = p.n_keep;
        let shown = m.min(PROJECTIONS);
        let s = p.t_ms.len();
        let (t0, t1) = draw::finite_range(p.t_ms.iter().copied()).unwrap_or((0.0, 1.0));
        let t1 = t1.max(t0 + 1e-9);
        let tfmt = draw::time_label(t1 - t0);
        let offset = 2.4;
        let offsets: Vec<f64> = (0..shown)
            .map(|j| (shown - 1 - j) as f64 * offset)
            .collect();
        let hi = (shown.max(1) - 1) as f64 * offset + 1.2;
        let labels: Vec<(f64, usize)> = offsets.iter().copied().zip(1..).collect();
        let label = move |y: &f64| {
            labels
                .iter()
                .find(|(o, _)| (o - y).abs() < 1e-6)
                .map_or(String::new(), |(_, j)| format!("PC{j}"))
        };
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("Projections onto the leading {shown} PCs (each scaled to its range)"),
                sc.bold(24.0),
            )
            .margin(sc.px(12.0))
            .x_label_area_size(sc.px(50.0))
            .y_label_area_size(sc.px(70.0))
            .build_cartesian_2d(t0..t1, draw::Stacked::new(-1.2, hi, offsets.clone()))
            .map_err(draw::err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(draw::GRID)
            .max_light_lines(0)
            .x_labels(8)
            .x_label_formatter(&tfmt)
            .y_label_formatter(&label)
            .label_style(sc.font(17.0))
            .axis_desc_style(sc.font(20.0))
            .x_desc("time (ms)")
            .draw()
            .map_err(draw::err)?;
        let buckets = (area.dim_in_pixel().0 as usize).max(50);
        for (j, &off) in offsets.iter().enumerate() {
            let amp = (0..s)
                .map(|i| p.projections[i * m + j].abs())
                .fold(0.0f64, f64::max)
                .max(1e-300);
            let pts = draw::minmax(
                &p.t_ms,
                |i| p.projections[i * m + j] / amp + off,
                (t0, t1),
                buckets,
            );
            draw::polyline(
                &mut chart,
                pts,
                draw::trace_colour(j).stroke_width(sc.px(2.0)),
                sc,
            )?;
        }
        Ok(())
    }

    fn draw_reconstruction<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        sc: Scale,
    ) -> Result<(), String> {
        let p = self.pca;
        let k_out = self.rec.network.n_out;
        let l = p.recon_k.len();
        let (t0, t1) = draw::finite_range(p.t_ms.iter().copied()).unwrap_or((0.0, 1.0));
        let t1 = t1.max(t0 + 1e-9);
        let tfmt = draw::time_label(t1 - t0);
        let f_of = |i: usize| p.f[i * k_out];
        let range = draw::finite_range((0..p.t_ms.len()).map(f_of)).unwrap_or((-1.0, 1.0));
        let span = (range.1 - range.0).max(1e-9);
        let (lo, hi) = (range.0 - 0.35 * span, range.1 + 0.35 * span);
        let which = if k_out > 1 {
            format!(" (output 0 of {k_out})")
        } else {
            String::new()
        };
        let aw = area.dim_in_pixel().0;
        let (plot_area, legend_area) = area.split_horizontally((f64::from(aw) * 0.76) as i32);
        let mut chart = ChartBuilder::on(&plot_area)
            .caption(
                format!("Readout reconstructed from the leading k PCs{which}"),
                sc.bold(24.0),
            )
            .margin(sc.px(12.0))
            .x_label_area_size(sc.px(50.0))
            .y_label_area_size(sc.px(70.0))
            .build_cartesian_2d(t0..t1, lo..hi)
            .map_err(draw::err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(draw::GRID)
            .max_light_lines(0)
            .x_labels(10)
            .y_labels(5)
            .x_label_formatter(&tfmt)
            .y_label_formatter(&|v| format!("{v:.1}"))
            .label_style(sc.font(17.0))
            .axis_desc_style(sc.font(20.0))
            .x_desc("time (ms)")
            .y_desc("f, z, z_k")
            .draw()
            .map_err(draw::err)?;
        let buckets = (plot_area.dim_in_pixel().0 as usize).max(50);
        let (fc, _) = draw::output_colours(0);
        let z_colour = RGBColor(30, 30, 30);
        let mut legend: Vec<(String, RGBColor, f64)> = Vec::new();
        let f = draw::minmax(&p.t_ms, f_of, (t0, t1), buckets);
        draw::polyline(&mut chart, f, fc.stroke_width(sc.px(8.0)), sc)?;
        legend.push(("target f".into(), fc, 8.0));
        for li in 0..l {
            let colour = draw::trace_colour(li);
            let pts = draw::minmax(
                &p.t_ms,
                |i| p.recon_z[(i * l + li) * k_out],
                (t0, t1),
                buckets,
            );
            draw::polyline(
                &mut chart,
                draw::clamp_y(pts, (lo, hi)),
                colour.stroke_width(sc.px(2.0)),
                sc,
            )?;
            let err = p
                .recon_rms_vs_f
                .get(li * k_out)
                .copied()
                .unwrap_or(f64::NAN);
            legend.push((
                format!(
                    "z_{}  (RMS vs z {}, vs f {})",
                    p.recon_k[li],
                    draw::short(
                        p.recon_rms_vs_z
                            .get(li * k_out)
                            .copied()
                            .unwrap_or(f64::NAN)
                    ),
                    draw::short(err)
                ),
                colour,
                2.5,
            ));
        }
        let z = draw::minmax(&p.t_ms, |i| p.z[i * k_out], (t0, t1), buckets);
        chart
            .draw_series(DashedLineSeries::new(
                draw::clamp_y(z, (lo, hi)),
                sc.px(6.0),
                sc.px(5.0),
                z_colour.stroke_width(sc.px(1.5)),
            ))
            .map_err(draw::err)?;
        legend.push((
            format!("actual z, dashed (vs f {})", draw::short(z_vs_f(p, k_out))),
            z_colour,
            1.5,
        ));

        let x0 = sc.px(10.0) as i32;
        let line = sc.px(40.0) as i32;
        let mut y = sc.px(70.0) as i32;
        let dy = sc.px(30.0) as i32;
        legend_area
            .draw(&Text::new(
                "z_k: readout from k PCs",
                (x0, y - dy),
                draw::left(sc.bold(18.0)),
            ))
            .map_err(draw::err)?;
        for (label, colour, width) in legend {
            legend_area
                .draw(&PathElement::new(
                    vec![(x0, y), (x0 + line, y)],
                    colour.stroke_width(sc.px(width)),
                ))
                .map_err(draw::err)?;
            legend_area
                .draw(&Text::new(
                    label,
                    (x0 + line + sc.px(10.0) as i32, y),
                    draw::left(sc.font(17.0)),
                ))
                .map_err(draw::err)?;
            y += dy;
        }
        Ok(())
    }
}

/// One line for the run summary: n_95 and the reconstruction errors (output 0).
pub fn summary(p: &PcaRecord, n_out: usize) -> String {
    format!(
        "pca: {} of {} PCs explain 95% of the test-phase variance\n\
         pca: readout from the leading k PCs, RMS(z_k - z): {}\n\
         pca: RMS(z_k - f): {} (actual z: {})",
        p.n_95,
        p.eigenvalues.len(),
        recon_summary(p, n_out, true),
        recon_summary(p, n_out, false),
        super::draw::short(z_vs_f(p, n_out)),
    )
}
