//! `[[targets]]` tables: which kinds exist, which keys each takes, their defaults, and
//! how they become one stacked [`Target`].
//!
//! Every kind also takes the wrapper keys `scale` (1), `offset` (0), `noise_sigma` (0)
//! and `noise_seed` (1): the value is `scale * f(t) + offset`, plus Gaussian noise of
//! standard deviation `noise_sigma` drawn afresh at every time step.

use crate::locate::{ConfigError, KeyPath, Locator};
use crate::raw::{RawSample, RawTarget, TargetKind};
use cnn_core::Target;
use cnn_targets::{
    Affine, ColumnRef, CsvOptions, CsvTarget, EndMode, LorenzSpec, Noisy, Stack, Timing,
};

/// `end` of a `csv` or `array` target: `"repeat"` (default) or `"hold"`.
fn end_mode(loc: &Locator, list: &[&str], i: usize, t: &RawTarget) -> Result<EndMode, ConfigError> {
    match t.end.as_deref().unwrap_or("repeat") {
        "repeat" => Ok(EndMode::Repeat),
        "hold" => Ok(EndMode::Hold),
        other => Err(loc.err(
            &KeyPath::item(list, i, "end"),
            format!("\"{other}\" is not allowed; allowed: \"repeat\" or \"hold\""),
        )),
    }
}

const COMMON: &[&str] = &["kind", "scale", "offset", "noise_sigma", "noise_seed"];

fn allowed(kind: TargetKind) -> &'static [&'static str] {
    use TargetKind::*;
    match kind {
        Sine | Cosine => &["amplitude", "period_ms", "phase_rad"],
        Periodic | FourSine | Harmonics => &["amplitude", "freq_per_ms", "coefs"],
        Triangle | Square | Sawtooth => &["amplitude", "period_ms"],
        RandomSines => &["n", "amplitude", "base_period_ms", "seed"],
        Lorenz => &["component", "state_scale", "ms_per_unit"],
        Csv => &[
            "path",
            "time_column",
            "sample_interval_ms",
            "columns",
            "end",
        ],
        Schedule => &["channels", "segments", "pulses"],
        Array => &["values", "sample_interval_ms", "end"],
    }
}

fn present(t: &RawTarget) -> Vec<&'static str> {
    let mut v = Vec::new();
    macro_rules! chk {
        ($($f:ident),*) => { $( if t.$f.is_some() { v.push(stringify!($f)); } )* };
    }
    chk!(
        amplitude,
        period_ms,
        phase_rad,
        freq_per_ms,
        coefs,
        n,
        base_period_ms,
        seed,
        component,
        state_scale,
        ms_per_unit,
        path,
        time_column,
        sample_interval_ms,
        columns,
        end,
        channels,
        segments,
        pulses,
        values
    );
    v
}

fn kind_name(kind: TargetKind) -> String {
    toml::Value::try_from(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Refuses keys that the target's kind does not use.
pub fn check_target_keys(
    list: &[&str],
    i: usize,
    t: &RawTarget,
    loc: &Locator,
) -> Result<(), ConfigError> {
    let kind = t.kind.ok_or_else(|| {
        loc.err(&KeyPath::item(list, i, "kind"), "missing; allowed: sine, cosine, periodic, four_sine, harmonics, triangle, square, sawtooth, random_sines, lorenz, csv, schedule")
    })?;
    let ok = allowed(kind);
    for key in present(t) {
        if !ok.contains(&key) {
            let mut keys: Vec<&str> = ok.to_vec();
            keys.extend_from_slice(&COMMON[1..]);
            return Err(loc.err(
                &KeyPath::item(list, i, key),
                format!(
                    "is not a key of kind = \"{}\"; its keys are: {}",
                    kind_name(kind),
                    keys.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn num(
    loc: &Locator,
    list: &[&str],
    i: usize,
    key: &str,
    v: f64,
    ok: bool,
    allowed: &str,
) -> Result<f64, ConfigError> {
    crate::locate::finite(loc, &KeyPath::item(list, i, key), v, ok, allowed)
}

/// Builds the stacked target of all `[[targets]]` and returns the tables with every
/// default filled in (for the resolved config).
pub fn build_targets(
    list: &[&str],
    raw: &[RawTarget],
    loc: &Locator,
    dt_ms: f64,
    total_ms: f64,
) -> Result<(Box<dyn Target>, Vec<RawTarget>), ConfigError> {
    let mut parts: Vec<Box<dyn Target>> = Vec::new();
    let mut resolved = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let (part, r) = build_one(list, i, t, loc, dt_ms, total_ms)?;
        parts.push(part);
        resolved.push(r);
    }
    let target: Box<dyn Target> = if parts.len() == 1 {
        parts
            .pop()
            .ok_or_else(|| loc.err(&KeyPath::of(list), "no target"))?
    } else {
        Box::new(Stack::new(parts).map_err(|e| loc.err(&KeyPath::of(list), e.to_string()))?)
    };
    Ok((target, resolved))
}

/// Refuses a target whose values overflow (amplitude 1e308 with scale 10, say): probed
/// at the start, the end and 1000 evenly spaced times of the run.
fn check_finite(
    list: &[&str],
    i: usize,
    t: &RawTarget,
    target: &dyn Target,
    loc: &Locator,
    total_ms: f64,
) -> Result<(), ConfigError> {
    const PROBES: u32 = 1000;
    let mut out = vec![0.0; target.dim()];
    for k in 0..=PROBES {
        let t_ms = total_ms * f64::from(k) / f64::from(PROBES);
        target.eval(t_ms, &mut out);
        if let Some(v) = out.iter().find(|v| !v.is_finite()) {
            let key = if t.scale.is_some() { "scale" } else { "kind" };
            return Err(loc.err(
                &KeyPath::item(list, i, key),
                format!(
                    "the target's value at t = {t_ms} ms is {v}; allowed: amplitudes, scale and offset whose products are finite"
                ),
            ));
        }
    }
    Ok(())
}

fn build_one(
    list: &[&str],
    i: usize,
    t: &RawTarget,
    loc: &Locator,
    dt_ms: f64,
    total_ms: f64,
) -> Result<(Box<dyn Target>, RawTarget), ConfigError> {
    use TargetKind::*;
    let kind = t
        .kind
        .ok_or_else(|| loc.err(&KeyPath::item(list, i, "kind"), "missing"))?;
    let mut r = RawTarget {
        kind: Some(kind),
        ..RawTarget::default()
    };
    let lib = |key: &str, e: cnn_targets::TargetError| {
        loc.err(&KeyPath::item(list, i, key), e.to_string())
    };
    let base: Box<dyn Target> = match kind {
        Sine | Cosine => {
            let a = num(
                loc,
                list,
                i,
                "amplitude",
                t.amplitude.unwrap_or(3.0),
                t.amplitude.unwrap_or(3.0) >= 0.0,
                "amplitude >= 0",
            )?;
            let default_t = if kind == Sine { 600.0 } else { 300.0 };
            let p = t.period_ms.unwrap_or(default_t);
            num(loc, list, i, "period_ms", p, p > 0.0, "period_ms > 0")?;
            let ph = num(
                loc,
                list,
                i,
                "phase_rad",
                t.phase_rad.unwrap_or(0.0),
                true,
                "a finite number",
            )?;
            (r.amplitude, r.period_ms, r.phase_rad) = (Some(a), Some(p), Some(ph));
            if kind == Sine {
                Box::new(cnn_targets::Sine::new(a, p, ph).map_err(|e| lib("amplitude", e))?)
            } else {
                Box::new(cnn_targets::Cosine::new(a, p, ph).map_err(|e| lib("amplitude", e))?)
            }
        }
        Periodic | FourSine | Harmonics => {
            let (a0, f0, c0) = if kind == FourSine {
                (1.3 / 1.5, 1.0 / 600.0, vec![1.0, 0.5, 1.0 / 6.0, 1.0 / 3.0])
            } else {
                (3.0, 1.0 / 300.0, vec![1.0, 0.5, 1.0 / 3.0, 0.25])
            };
            let a = t.amplitude.unwrap_or(a0);
            num(loc, list, i, "amplitude", a, a >= 0.0, "amplitude >= 0")?;
            let f = t.freq_per_ms.unwrap_or(f0);
            num(loc, list, i, "freq_per_ms", f, f > 0.0, "freq_per_ms > 0")?;
            let c = t.coefs.clone().unwrap_or(c0);
            if c.is_empty() || c.iter().any(|v| !v.is_finite()) {
                return Err(loc.err(
                    &KeyPath::item(list, i, "coefs"),
                    "allowed: a non-empty list of finite numbers",
                ));
            }
            (r.amplitude, r.freq_per_ms, r.coefs) = (Some(a), Some(f), Some(c.clone()));
            Box::new(cnn_targets::Harmonics::new(a, f, c).map_err(|e| lib("coefs", e))?)
        }
        Triangle | Square | Sawtooth => {
            let a = t.amplitude.unwrap_or(3.0);
            num(loc, list, i, "amplitude", a, a >= 0.0, "amplitude >= 0")?;
            let p = t.period_ms.unwrap_or(600.0);
            num(loc, list, i, "period_ms", p, p > 0.0, "period_ms > 0")?;
            (r.amplitude, r.period_ms) = (Some(a), Some(p));
            match kind {
                Triangle => {
                    Box::new(cnn_targets::Triangle::new(a, p).map_err(|e| lib("period_ms", e))?)
                }
                Square => {
                    Box::new(cnn_targets::Square::new(a, p).map_err(|e| lib("period_ms", e))?)
                }
                _ => Box::new(cnn_targets::Sawtooth::new(a, p).map_err(|e| lib("period_ms", e))?),
            }
        }
        RandomSines => {
            let n = t.n.unwrap_or(6);
            if !(1..=1000).contains(&n) {
                return Err(loc.err(
                    &KeyPath::item(list, i, "n"),
                    format!("{n} is out of range; allowed: 1 <= n <= 1000"),
                ));
            }
            let a = t.amplitude.unwrap_or(3.0);
            num(loc, list, i, "amplitude", a, a >= 0.0, "amplitude >= 0")?;
            let p = t.base_period_ms.unwrap_or(1200.0);
            num(
                loc,
                list,
                i,
                "base_period_ms",
                p,
                p > 0.0,
                "base_period_ms > 0",
            )?;
            let seed = t.seed.unwrap_or(1);
            crate::locate::non_negative(loc, &KeyPath::item(list, i, "seed"), seed)?;
            (r.n, r.amplitude, r.base_period_ms, r.seed) = (Some(n), Some(a), Some(p), Some(seed));
            Box::new(
                cnn_targets::RandomSines::new(n as usize, a, p, seed as u64)
                    .map_err(|e| lib("n", e))?,
            )
        }
        Lorenz => {
            let mut spec = LorenzSpec::paper(total_ms + 1.0);
            let c = t.component.unwrap_or(0);
            if !(0..=2).contains(&c) {
                return Err(loc.err(
                    &KeyPath::item(list, i, "component"),
                    format!("{c} is out of range; allowed: 0 (x), 1 (y) or 2 (z)"),
                ));
            }
            spec.component = c as usize;
            spec.scale = num(
                loc,
                list,
                i,
                "state_scale",
                t.state_scale.unwrap_or(spec.scale),
                true,
                "a finite number",
            )?;
            let m = t.ms_per_unit.unwrap_or(spec.ms_per_unit);
            spec.ms_per_unit = num(loc, list, i, "ms_per_unit", m, m > 0.0, "ms_per_unit > 0")?;
            (r.component, r.state_scale, r.ms_per_unit) =
                (Some(c), Some(spec.scale), Some(spec.ms_per_unit));
            Box::new(cnn_targets::Lorenz::new(spec).map_err(|e| lib("ms_per_unit", e))?)
        }
        Csv => {
            let path = t.path.clone().ok_or_else(|| {
                loc.err(
                    &KeyPath::item(list, i, "path"),
                    "missing: the CSV file to read (relative to the config file)",
                )
            })?;
            let full = loc.source().base_dir.join(&path);
            let end = end_mode(loc, list, i, t)?;
            if t.time_column.is_some() == t.sample_interval_ms.is_some() {
                return Err(loc.err(&KeyPath::item(list, i, "path"), "give exactly one of time_column (a column of times in ms) and sample_interval_ms"));
            }
            if let Some(s) = t.sample_interval_ms {
                num(
                    loc,
                    list,
                    i,
                    "sample_interval_ms",
                    s,
                    s > 0.0,
                    "sample_interval_ms > 0",
                )?;
            }
            let timing = match (&t.time_column, t.sample_interval_ms) {
                (Some(c), _) => Timing::Column(ColumnRef::Name(c.clone())),
                (None, Some(dt)) => Timing::Interval { dt_ms: dt },
                (None, None) => {
                    return Err(loc.err(
                        &KeyPath::item(list, i, "path"),
                        "give time_column or sample_interval_ms",
                    ))
                }
            };
            let options = CsvOptions {
                timing,
                columns: t
                    .columns
                    .as_ref()
                    .map(|c| c.iter().cloned().map(ColumnRef::Name).collect()),
                end,
                ..CsvOptions::interval(1.0)
            };
            let csv = CsvTarget::load(&full, &options).map_err(|e| lib("path", e))?;
            (
                r.path,
                r.time_column,
                r.sample_interval_ms,
                r.columns,
                r.end,
            ) = (
                Some(path),
                t.time_column.clone(),
                t.sample_interval_ms,
                t.columns.clone(),
                Some(t.end.clone().unwrap_or_else(|| "repeat".into())),
            );
            Box::new(csv)
        }
        Array => {
            let values = t.values.as_ref().filter(|v| !v.is_empty()).ok_or_else(|| {
                loc.err(
                    &KeyPath::item(list, i, "values"),
                    "missing: the samples (numbers, or lists of one value per output)",
                )
            })?;
            let dt = t.sample_interval_ms.ok_or_else(|| {
                loc.err(
                    &KeyPath::item(list, i, "sample_interval_ms"),
                    "missing: the time between samples in ms",
                )
            })?;
            num(
                loc,
                list,
                i,
                "sample_interval_ms",
                dt,
                dt > 0.0,
                "sample_interval_ms > 0",
            )?;
            let end = end_mode(loc, list, i, t)?;
            // The rows as CSV text, read by the CSV reader: the same target, and the same
            // checks (finite values, equal row widths), as a file of these rows.
            let mut text = String::new();
            for v in values {
                let row: Vec<String> = match v {
                    RawSample::One(x) => vec![format!("{x:?}")],
                    RawSample::Row(r) => r.iter().map(|x| format!("{x:?}")).collect(),
                };
                text.push_str(&row.join(","));
                text.push('\n');
            }
            let options = CsvOptions {
                header: cnn_targets::HeaderMode::Absent,
                end,
                ..CsvOptions::interval(dt)
            };
            let name = KeyPath::item(list, i, "values").dotted();
            let target = CsvTarget::parse(&text, &name, &options).map_err(|e| lib("values", e))?;
            (r.values, r.sample_interval_ms, r.end) = (
                Some(values.clone()),
                Some(dt),
                Some(t.end.clone().unwrap_or_else(|| "repeat".into())),
            );
            Box::new(target)
        }
        Schedule => {
            let channels = t.channels.unwrap_or(1);
            if !(1..=100_000).contains(&channels) {
                return Err(loc.err(
                    &KeyPath::item(list, i, "channels"),
                    format!("{channels} is out of range; allowed: 1 <= channels <= 100000"),
                ));
            }
            let mut segs = Vec::new();
            for s in t.segments.iter().flatten() {
                segs.push(cnn_targets::Segment {
                    channel: usize::try_from(s.channel).unwrap_or(usize::MAX),
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    level: s.level,
                });
            }
            for p in t.pulses.iter().flatten() {
                segs.push(cnn_targets::Segment::pulse(
                    usize::try_from(p.channel).unwrap_or(usize::MAX),
                    p.at_ms,
                    p.width_ms,
                    p.height,
                ));
            }
            if segs.is_empty() {
                return Err(loc.err(
                    &KeyPath::item(list, i, "segments"),
                    "missing: give segments = [{channel, start_ms, end_ms, level}, ...] and/or \
                     pulses = [{channel, at_ms, width_ms, height}, ...]",
                ));
            }
            // Pulses follow the segments in one list: an error about entry j names the
            // table it came from.
            let n_seg = t.segments.as_ref().map_or(0, Vec::len);
            let key_of = |j: usize| if j < n_seg { "segments" } else { "pulses" };
            let numbering = if n_seg > 0 && t.pulses.is_some() {
                " (pulses are numbered after the segments)"
            } else {
                ""
            };
            let sched = cnn_targets::Schedule::new(channels as usize, segs).map_err(|e| {
                let j = match &e {
                    cnn_targets::TargetError::BadSegment { index, .. } => *index,
                    cnn_targets::TargetError::OverlappingSegments { second, .. } => *second,
                    _ => 0,
                };
                loc.err(
                    &KeyPath::item(list, i, key_of(j)),
                    format!("{e}{numbering}"),
                )
            })?;
            let late = sched
                .segments()
                .iter()
                .position(|g| g.end_ms > total_ms + 1e-9);
            if let Some(j) = late {
                let entry = if j < n_seg { j } else { j - n_seg };
                return Err(loc.err(
                    &KeyPath::item(list, i, key_of(j)),
                    format!(
                        "entry {entry} ends at {} ms, after the run ({total_ms} ms); \
                         allowed: within the run",
                        sched.segments()[j].end_ms
                    ),
                ));
            }
            (r.channels, r.segments, r.pulses) =
                (Some(channels), t.segments.clone(), t.pulses.clone());
            Box::new(sched)
        }
    };
    let scale = num(
        loc,
        list,
        i,
        "scale",
        t.scale.unwrap_or(1.0),
        true,
        "a finite number",
    )?;
    let offset = num(
        loc,
        list,
        i,
        "offset",
        t.offset.unwrap_or(0.0),
        true,
        "a finite number",
    )?;
    let sigma = t.noise_sigma.unwrap_or(0.0);
    num(
        loc,
        list,
        i,
        "noise_sigma",
        sigma,
        sigma >= 0.0,
        "noise_sigma >= 0",
    )?;
    let noise_seed = t.noise_seed.unwrap_or(1);
    crate::locate::non_negative(loc, &KeyPath::item(list, i, "noise_seed"), noise_seed)?;
    (r.scale, r.offset, r.noise_sigma, r.noise_seed) =
        (Some(scale), Some(offset), Some(sigma), Some(noise_seed));
    let mut out = base;
    if scale != 1.0 || offset != 0.0 {
        out = Box::new(Affine::new(out, scale, offset).map_err(|e| lib("scale", e))?);
    }
    if sigma > 0.0 {
        out = Box::new(
            Noisy::new(out, sigma, noise_seed as u64, dt_ms).map_err(|e| lib("noise_sigma", e))?,
        );
    }
    check_finite(list, i, t, out.as_ref(), loc, total_ms)?;
    Ok((out, r))
}
