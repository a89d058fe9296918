//! The ensemble summary figure (the paper's Fig 5): each metric against the swept
//! parameter, median over seeds with the band between the quartiles, and the fraction of
//! successful members.
//!
//! The x axis is the first swept key; members that differ in other swept keys are drawn
//! as separate series (one colour each). Without a sweep the x axis is the seed. Metrics
//! of output 0 are shown when there are several outputs.

use super::draw::{self, err, Scale};
use super::{check_size, check_writable, render, write_atomic, Figure, Format, DEFAULT_SIZE};
use crate::exit::Failure;
use cnn_io::{Column, EnsembleReader, SummaryTable};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// The panels: (title, summary column, log axis).
const PANELS: [(&str, &str, bool); 4] = [
    ("fraction of successful members", "success", false),
    ("training error (MAE)", "train.mae", true),
    ("test correlation (phase-tolerant)", "test.best_corr", false),
    ("|w| after training", "train.w_norm", false),
];

/// (q25, median, q75) of each panel at one x value.
type Stats = [(f64, f64, f64); 4];

/// One series: a label and, per x value, the statistics of each panel.
struct Series {
    label: String,
    /// x, then per panel (q25, median, q75).
    points: Vec<(f64, Stats)>,
}

/// The figure.
pub struct SummaryFigure {
    title: String,
    x_label: String,
    series: Vec<Series>,
}

fn quartiles(v: &[f64]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    (q(0.25), q(0.5), q(0.75))
}

fn column(s: &SummaryTable, name: &str) -> Option<Vec<f64>> {
    s.get(name)
        .or_else(|| s.get(&format!("{name}.0")))
        .map(Column::as_f64)
}

impl SummaryFigure {
    /// Builds the figure from a summary table and the swept keys.
    pub fn new(name: &str, swept: &[String], s: &SummaryTable) -> Self {
        let rows = s.rows();
        let (x_label, x) = match swept.first() {
            Some(k) => (
                k.clone(),
                column(s, k).unwrap_or_else(|| vec![f64::NAN; rows]),
            ),
            None => ("seed".to_string(), column(s, "seed").unwrap_or_default()),
        };
        let others: Vec<(String, Vec<f64>)> = swept
            .iter()
            .skip(1)
            .filter_map(|k| column(s, k).map(|c| (k.clone(), c)))
            .collect();
        let cols: Vec<Option<Vec<f64>>> = PANELS.iter().map(|(_, c, _)| column(s, c)).collect();
        let mut groups: Vec<Vec<f64>> = Vec::new();
        for i in 0..rows {
            let g: Vec<f64> = others.iter().map(|(_, c)| c[i]).collect();
            if !groups
                .iter()
                .any(|h| h.iter().zip(&g).all(|(a, b)| a.to_bits() == b.to_bits()))
            {
                groups.push(g);
            }
        }
        let mut series = Vec::new();
        for g in groups {
            let in_group = |i: usize| {
                others
                    .iter()
                    .zip(&g)
                    .all(|((_, c), v)| c[i].to_bits() == v.to_bits())
            };
            let mut xs: Vec<f64> = (0..rows).filter(|&i| in_group(i)).map(|i| x[i]).collect();
            xs.sort_by(f64::total_cmp);
            xs.dedup_by(|a, b| a.to_bits() == b.to_bits());
            let points = xs
                .iter()
                .map(|&xv| {
                    let idx: Vec<usize> = (0..rows)
                        .filter(|&i| in_group(i) && x[i].to_bits() == xv.to_bits())
                        .collect();
                    let mut stats: Stats = [(f64::NAN, f64::NAN, f64::NAN); 4];
                    for (p, col) in cols.iter().enumerate() {
                        let Some(c) = col else { continue };
                        let vals: Vec<f64> = idx.iter().map(|&i| c[i]).collect();
                        stats[p] = if p == 0 {
                            // Success: the fraction of members with success == 1.
                            let f = vals.iter().filter(|&&v| v == 1.0).count() as f64
                                / vals.len().max(1) as f64;
                            (f, f, f)
                        } else {
                            quartiles(&vals)
                        };
                    }
                    (xv, stats)
                })
                .collect();
            let label = others
                .iter()
                .zip(&g)
                .map(|((k, _), v)| format!("{k} = {}", draw::param(*v)))
                .collect::<Vec<_>>()
                .join(", ");
            series.push(Series { label, points });
        }
        Self {
            title: format!("{name}: {rows} members (median and quartiles over seeds)"),
            x_label,
            series,
        }
    }
}

impl Figure for SummaryFigure {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        raster: bool,
    ) -> Result<(), String> {
        let (w, h) = area.dim_in_pixel();
        let sc = Scale::of(w, h, DEFAULT_SIZE, raster);
        let (title, body) = area.split_vertically(sc.px(60.0));
        title
            .draw_text(
                &self.title,
                &sc.bold(26.0),
                (sc.px(20.0) as i32, sc.px(18.0) as i32),
            )
            .map_err(err)?;
        let panels = body.split_evenly((2, 2));
        let x_range = draw::finite_range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
        )
        .map(|r| draw::padded(r, 0.04))
        .unwrap_or((0.0, 1.0));
        for (p, panel) in panels.iter().enumerate() {
            let (name, _, log) = PANELS[p];
            let vals = self.series.iter().flat_map(|s| {
                s.points
                    .iter()
                    .flat_map(move |(_, st)| [st[p].0, st[p].1, st[p].2])
            });
            let vals: Vec<f64> = vals.filter(|v| !log || *v > 0.0).collect();
            let mut builder = ChartBuilder::on(panel);
            builder
                .margin(sc.px(18.0))
                .caption(name, sc.font(22.0))
                .x_label_area_size(sc.px(55.0))
                .y_label_area_size(sc.px(85.0));
            let style = |c: &RGBColor| ShapeStyle::from(c).stroke_width(sc.px(3.0));
            if log {
                let (lo, hi) = draw::finite_range(vals.iter().copied()).unwrap_or((1e-3, 1.0));
                let (lo, hi) = (lo / 1.5, hi * 1.5);
                let mut chart = builder
                    .build_cartesian_2d(x_range.0..x_range.1, (lo..hi).log_scale())
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .light_line_style(draw::GRID)
                    .x_desc(&self.x_label)
                    .label_style(sc.font(17.0))
                    .axis_desc_style(sc.font(19.0))
                    .y_label_formatter(&|v| draw::short(*v))
                    .draw()
                    .map_err(err)?;
                for (j, s) in self.series.iter().enumerate() {
                    let c = draw::trace_colour(j);
                    let pts: Vec<&(f64, Stats)> = s
                        .points
                        .iter()
                        .filter(|(_, st)| st[p].0 > 0.0 && st[p].2 > 0.0)
                        .collect();
                    let mut band: Vec<(f64, f64)> =
                        pts.iter().map(|(x, st)| (*x, st[p].2)).collect();
                    band.extend(pts.iter().rev().map(|(x, st)| (*x, st[p].0)));
                    if band.len() >= 3 {
                        chart
                            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2).filled())))
                            .map_err(err)?;
                    }
                    let line: Vec<(f64, f64)> = pts
                        .iter()
                        .filter(|(_, st)| st[p].1 > 0.0)
                        .map(|(x, st)| (*x, st[p].1))
                        .collect();
                    chart
                        .draw_series(LineSeries::new(line.clone(), style(&c)))
                        .map_err(err)?;
                    chart
                        .draw_series(line.iter().map(|&q| Circle::new(q, sc.px(5.0), c.filled())))
                        .map_err(err)?;
                }
            } else {
                let (lo, hi) = if p == 0 {
                    (-0.05, 1.05)
                } else {
                    draw::padded(
                        draw::finite_range(vals.iter().copied()).unwrap_or((0.0, 1.0)),
                        0.08,
                    )
                };
                let mut chart = builder
                    .build_cartesian_2d(x_range.0..x_range.1, lo..hi)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .light_line_style(draw::GRID)
                    .x_desc(&self.x_label)
                    .label_style(sc.font(17.0))
                    .axis_desc_style(sc.font(19.0))
                    .y_label_formatter(&|v| draw::short(*v))
                    .draw()
                    .map_err(err)?;
                for (j, s) in self.series.iter().enumerate() {
                    let c = draw::trace_colour(j);
                    let pts: Vec<&(f64, Stats)> = s
                        .points
                        .iter()
                        .filter(|(_, st)| st[p].1.is_finite())
                        .collect();
                    if p != 0 {
                        let mut band: Vec<(f64, f64)> =
                            pts.iter().map(|(x, st)| (*x, st[p].2)).collect();
                        band.extend(pts.iter().rev().map(|(x, st)| (*x, st[p].0)));
                        if band.len() >= 3 {
                            chart
                                .draw_series(std::iter::once(Polygon::new(
                                    band,
                                    c.mix(0.2).filled(),
                                )))
                                .map_err(err)?;
                        }
                    }
                    let line: Vec<(f64, f64)> = pts.iter().map(|(x, st)| (*x, st[p].1)).collect();
                    let series = chart
                        .draw_series(LineSeries::new(line.clone(), style(&c)))
                        .map_err(err)?;
                    if p == 0 && !s.label.is_empty() {
                        series.label(s.label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                        });
                    }
                    chart
                        .draw_series(line.iter().map(|&q| Circle::new(q, sc.px(5.0), c.filled())))
                        .map_err(err)?;
                }
                if p == 0 && self.series.iter().any(|s| !s.label.is_empty()) {
                    chart
                        .configure_series_labels()
                        .label_font(sc.font(16.0))
                        .background_style(WHITE.mix(0.8))
                        .border_style(BLACK)
                        .position(SeriesLabelPosition::LowerRight)
                        .draw()
                        .map_err(err)?;
                }
            }
        }
        Ok(())
    }
}

fn load(file: &Path) -> Result<SummaryFigure, Failure> {
    let r = EnsembleReader::open(file).map_err(Failure::from)?;
    let s = r.summary().map_err(Failure::from)?;
    if s.rows() == 0 {
        return Err(Failure::input(format!(
            "{}: the ensemble has no members",
            file.display()
        )));
    }
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(SummaryFigure::new(&name, &r.meta().swept, &s))
}

/// `cnn plot ENSEMBLE.h5 [-o FILE]`: `ENSEMBLE-summary.png` and `.svg` beside the file
/// by default, or the one file given.
pub fn plot(file: &Path, out: Option<&Path>, size: (u32, u32)) -> Result<u8, Failure> {
    let size = check_size(size.0, size.1)?;
    let outs: Vec<PathBuf> = match out {
        Some(o) => {
            Format::of(o)?;
            vec![o.to_path_buf()]
        }
        None => vec![
            super::beside(file, "summary", "png"),
            super::beside(file, "summary", "svg"),
        ],
    };
    let fig = load(file)?;
    for o in &outs {
        check_writable(o)?;
    }
    for o in &outs {
        let bytes = render(&fig, Format::of(o)?, size)
            .map_err(|e| Failure::runtime(format!("{}: drawing failed: {e}", o.display())))?;
        write_atomic(o, &bytes)?;
        println!("wrote {}", o.display());
    }
    Ok(0)
}

/// `cnn run --plot` on an ensemble: the summary figure as PNG and SVG beside the file.
pub fn figures_beside(file: &Path) -> Result<Vec<PathBuf>, Failure> {
    let fig = load(file)?;
    let mut out = Vec::new();
    for ext in ["png", "svg"] {
        let o = super::beside(file, "summary", ext);
        check_writable(&o)?;
        let bytes = render(&fig, Format::of(&o)?, DEFAULT_SIZE)
            .map_err(|e| Failure::runtime(format!("{}: drawing failed: {e}", o.display())))?;
        write_atomic(&o, &bytes)?;
        out.push(o);
    }
    Ok(out)
}
