//! Drawing helpers shared by the figures: fonts, colours, downsampling, ranges.

use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Turns any plotters error into a message.
pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Sizes (fonts, line widths, margins) scaled from a reference layout, and whether the
/// backend is a raster one (which draws thick polylines with unlimited miter joins).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    s: f64,
    /// Drawing on a bitmap (see [`polyline`]).
    pub raster: bool,
}

impl Scale {
    /// The scale for an area of `w` x `h` pixels (relative to `reference`).
    pub fn of(w: u32, h: u32, reference: (u32, u32), raster: bool) -> Self {
        let s = (f64::from(w) / f64::from(reference.0)).min(f64::from(h) / f64::from(reference.1));
        Scale {
            s: s.clamp(0.35, 8.0),
            raster,
        }
    }

    /// `base` pixels at the reference size, scaled (at least 1).
    pub fn px(self, base: f64) -> u32 {
        (base * self.s).round().max(1.0) as u32
    }

    /// A sans-serif text style of `base` pixels (scaled).
    pub fn font(self, base: f64) -> TextStyle<'static> {
        ("sans-serif", f64::from(self.px(base))).into_font().into()
    }

    /// A bold sans-serif text style of `base` pixels (scaled).
    pub fn bold(self, base: f64) -> TextStyle<'static> {
        ("sans-serif", f64::from(self.px(base)))
            .into_font()
            .style(FontStyle::Bold)
            .into()
    }
}

/// Text style anchored at its left edge, vertically centred.
pub fn left(style: TextStyle<'static>) -> TextStyle<'static> {
    style.pos(Pos::new(HPos::Left, VPos::Center))
}

/// The colour pair (target f, output z) of output `k`: f light and drawn thick, z dark
/// and drawn thin, of related hues.
pub fn output_colours(k: usize) -> (RGBColor, RGBColor) {
    type Rgb = (u8, u8, u8);
    const PAIRS: [(Rgb, Rgb); 6] = [
        ((244, 150, 150), (0, 110, 40)),
        ((150, 185, 240), (200, 80, 0)),
        ((200, 165, 230), (0, 105, 130)),
        ((245, 200, 120), (70, 50, 160)),
        ((150, 215, 200), (160, 20, 90)),
        ((210, 210, 150), (30, 30, 30)),
    ];
    let ((a, b, c), (d, e, f)) = PAIRS[k % PAIRS.len()];
    (RGBColor(a, b, c), RGBColor(d, e, f))
}

/// A qualitative palette for stacked traces (rates, PC projections).
pub fn trace_colour(j: usize) -> RGBColor {
    const TAB10: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (214, 39, 40),
        (44, 160, 44),
        (148, 103, 189),
        (255, 127, 14),
        (140, 86, 75),
        (227, 119, 194),
        (90, 90, 90),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = TAB10[j % TAB10.len()];
    RGBColor(r, g, b)
}

/// Colour of the |dw/dt| trace of output `k`.
pub fn dw_colour(k: usize) -> RGBColor {
    if k == 0 {
        RGBColor(60, 60, 160)
    } else {
        output_colours(k).1
    }
}

/// Light grey for grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// Reduces a trace to at most about `2 * buckets` points: for each of `buckets` equal
/// time bins over `[t0, t1]` the minimum and maximum, in time order (so peaks survive).
/// Traces already short enough come back whole. Non-finite values are skipped.
pub fn minmax(
    t: &[f64],
    y: impl Fn(usize) -> f64,
    (t0, t1): (f64, f64),
    buckets: usize,
) -> Vec<(f64, f64)> {
    let n = t.len();
    if n <= 2 * buckets.max(1) || t1 <= t0 {
        return (0..n)
            .map(|i| (t[i], y(i)))
            .filter(|p| p.1.is_finite())
            .collect();
    }
    let mut out = Vec::with_capacity(2 * buckets + 2);
    let width = (t1 - t0) / buckets as f64;
    let mut i = 0;
    while i < n {
        let b = (((t[i] - t0) / width).floor().max(0.0) as usize).min(buckets - 1);
        let (mut lo, mut hi) = ((t[i], f64::INFINITY), (t[i], f64::NEG_INFINITY));
        let (mut ilo, mut ihi) = (i, i);
        while i < n && ((((t[i] - t0) / width).floor().max(0.0) as usize).min(buckets - 1)) == b {
            let v = y(i);
            if v.is_finite() {
                if v < lo.1 {
                    lo = (t[i], v);
                    ilo = i;
                }
                if v > hi.1 {
                    hi = (t[i], v);
                    ihi = i;
                }
            }
            i += 1;
        }
        if lo.1.is_finite() {
            if ilo <= ihi {
                out.push(lo);
                if ihi != ilo {
                    out.push(hi);
                }
            } else {
                out.push(hi);
                out.push(lo);
            }
        }
    }
    out
}

/// Draws a polyline of data points.
///
/// On raster backends plotters joins thick segments with unlimited miters, so a sharp
/// turn (a spike, or the zig-zag of min/max downsampling) throws a long needle across the
/// figure. There the line is split at turns sharper than 120 degrees (in pixels), and
/// points falling on the same pixel are merged. Vector backends get one path.
pub fn polyline<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    pts: Vec<(f64, f64)>,
    style: ShapeStyle,
    sc: Scale,
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if !sc.raster || style.stroke_width <= 1 || pts.len() < 3 {
        chart
            .draw_series(LineSeries::new(pts, style))
            .map_err(err)?;
        return Ok(());
    }
    let mut kept: Vec<((f64, f64), (i32, i32))> = Vec::with_capacity(pts.len());
    for p in pts {
        let q = chart.backend_coord(&p);
        if kept.last().is_none_or(|l| l.1 != q) {
            kept.push((p, q));
        }
    }
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for i in 0..kept.len() {
        run.push(kept[i].0);
        if i == 0 || i + 1 == kept.len() {
            continue;
        }
        let (a, b, c) = (kept[i - 1].1, kept[i].1, kept[i + 1].1);
        let u = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let v = (f64::from(c.0 - b.0), f64::from(c.1 - b.1));
        let dot = u.0 * v.0 + u.1 * v.1;
        let norm = (u.0.hypot(u.1)) * (v.0.hypot(v.1));
        if dot < -0.5 * norm {
            runs.push(std::mem::take(&mut run));
            run.push(kept[i].0);
        }
    }
    runs.push(run);
    chart
        .draw_series(
            runs.into_iter()
                .filter(|r| r.len() >= 2)
                .map(|r| PathElement::new(r, style)),
        )
        .map_err(err)?;
    Ok(())
}

/// `(min, max)` of the finite values, or `None`.
pub fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let mut r: Option<(f64, f64)> = None;
    for v in values.into_iter().filter(|v| v.is_finite()) {
        r = Some(match r {
            None => (v, v),
            Some((a, b)) => (a.min(v), b.max(v)),
        });
    }
    r
}

/// `[lo, hi]` widened by `frac` of its span on both sides (and made non-empty).
pub fn padded((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let span = hi - lo;
    if span <= 1e-12 * (1.0 + lo.abs().max(hi.abs())) {
        let d = 0.5 * (1.0 + lo.abs());
        (lo - d, hi + d)
    } else {
        (lo - frac * span, hi + frac * span)
    }
}

/// Clamps the y values of `pts` into `[lo, hi]`, so lines leaving the axes run along
/// the edge instead of across neighbouring panels.
pub fn clamp_y(pts: Vec<(f64, f64)>, (lo, hi): (f64, f64)) -> Vec<(f64, f64)> {
    pts.into_iter().map(|(t, y)| (t, y.clamp(lo, hi))).collect()
}

/// Tick labels for a time axis spanning `span` ms: whole ms unless the span is short.
pub fn time_label(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    };
    move |v: &f64| format!("{v:.decimals$}")
}

/// A parameter value for a title: plain when moderate, scientific otherwise.
pub fn param(v: f64) -> String {
    if v == 0.0 || (1e-3..1e6).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Formats a value with about 3 significant digits, plainly or in scientific notation.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A linear f64 axis whose ticks sit exactly at the given values (the offsets of stacked
/// traces), labelled through the mesh's label formatter.
///
/// (plotters' own `with_key_points` lacks a value formatter for f64 ranges.)
#[derive(Debug, Clone)]
pub struct Stacked {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Stacked {
    /// The axis `[lo, hi]` with ticks at `keys`.
    pub fn new(lo: f64, hi: f64, keys: Vec<f64>) -> Self {
        Self { lo, hi, keys }
    }
}

impl plotters::coord::ranged1d::Ranged for Stacked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = (self.hi - self.lo).max(1e-300);
        let frac = (v - self.lo) / span;
        limit.0 + (frac * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        self.keys.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minmax_keeps_extremes_and_order() {
        let t: Vec<f64> = (0..1000).map(f64::from).collect();
        let y = |i: usize| {
            if i == 537 {
                10.0
            } else {
                (i as f64 / 20.0).sin()
            }
        };
        let pts = minmax(&t, y, (0.0, 999.0), 50);
        assert!(pts.len() <= 100);
        assert!(pts.iter().any(|p| p.1 == 10.0));
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0));
        let short_trace = minmax(&t[..20], y, (0.0, 19.0), 50);
        assert_eq!(short_trace.len(), 20);
    }

    #[test]
    fn ranges_and_formatting() {
        assert_eq!(finite_range([1.0, f64::NAN, -2.0]), Some((-2.0, 1.0)));
        assert_eq!(finite_range([f64::NAN]), None);
        assert_eq!(padded((0.0, 10.0), 0.1), (-1.0, 11.0));
        let (a, b) = padded((0.0, 0.0), 0.1);
        assert!(a < 0.0 && b > 0.0);
        assert_eq!(short(0.01234), "0.012");
        assert_eq!(short(2.5e-5), "2.5e-5");
    }
}
