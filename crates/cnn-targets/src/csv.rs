//! Targets read from CSV files: one output per selected column, linear interpolation in
//! time.
//!
//! The format: comma-separated fields (spaces around a field are ignored), one row per
//! line; blank lines and lines starting with `#` are skipped; an optional header row
//! names the columns (surrounding double quotes are stripped from names). Every data
//! field must be a finite number. Quoted data fields and other delimiters are not
//! supported.
//!
//! Time comes either from a column (in ms, strictly increasing, not an output) or from a
//! fixed sample interval (row `i`, counting data rows from 0, is at `t = i dt`).

use std::io::Read;
use std::path::Path;

use cnn_core::Target;

use crate::error::TargetError;
use crate::periodic::frac;

/// A column, by header name or by 0-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// The column whose header is this name.
    Name(String),
    /// The column at this 0-based position.
    Index(usize),
}

/// Where the sample times come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// A column holds the time in ms; it is not an output.
    Column(ColumnRef),
    /// Rows are `dt_ms` apart, the first at `t = 0`.
    Interval {
        /// The sample interval in ms (finite, `> 0`).
        dt_ms: f64,
    },
}

/// Whether the first row names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMode {
    /// The first row is a header if any of its fields is not a number.
    Auto,
    /// The first row is a header.
    Present,
    /// There is no header; every row is data.
    Absent,
}

/// What the target does after the last sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndMode {
    /// The file is one period of a periodic signal (see [`CsvTarget`] for the period).
    Repeat,
    /// Hold the last row's values.
    Hold,
}

/// How to read a CSV target. Build with [`CsvOptions::interval`] or
/// [`CsvOptions::time_column`], then adjust the public fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Where the sample times come from.
    pub timing: Timing,
    /// The output columns, in order; `None`: every column but the time column.
    pub columns: Option<Vec<ColumnRef>>,
    /// Whether the first row is a header (default [`HeaderMode::Auto`]).
    pub header: HeaderMode,
    /// Behaviour after the last sample (default [`EndMode::Repeat`]).
    pub end: EndMode,
    /// Factor applied to every output value (finite; default 1).
    pub scale: f64,
}

impl CsvOptions {
    /// Rows `dt_ms` apart; all columns, header auto-detected, repeat, scale 1.
    pub fn interval(dt_ms: f64) -> Self {
        Self::with_timing(Timing::Interval { dt_ms })
    }

    /// Time (ms) from `column`; all other columns, header auto-detected, repeat, scale 1.
    pub fn time_column(column: ColumnRef) -> Self {
        Self::with_timing(Timing::Column(column))
    }

    fn with_timing(timing: Timing) -> Self {
        Self {
            timing,
            columns: None,
            header: HeaderMode::Auto,
            end: EndMode::Repeat,
            scale: 1.0,
        }
    }
}

/// Sample times.
#[derive(Debug, Clone, PartialEq)]
enum Times {
    /// `t_i = i dt`.
    Uniform(f64),
    /// Strictly increasing times from a column.
    Explicit(Vec<f64>),
}

/// A target read from a CSV file: `f_c(t)` interpolates column `c` linearly between the
/// samples (times `t_0 < ... < t_{n-1}`, `n >= 2`), times `scale`.
///
/// Before the first sample the first row is held. After the last one:
/// - [`EndMode::Hold`]: the last row is held; `period_ms()` is `None`.
/// - [`EndMode::Repeat`] with a fixed interval `dt`: the `n` rows are one period of
///   length `n dt` (the row after the last would be the first again): between
///   `t_{n-1}` and `n dt` the value goes linearly from the last row back to the first,
///   then everything repeats. `period_ms()` is `n dt`.
/// - [`EndMode::Repeat`] with a time column: the period is `t_{n-1} - t_0` and the last
///   row is identified with the first (`f(t_{n-1}) = f(t_0)`): write the first row again
///   at the end for a seamless loop, otherwise the signal jumps there. `period_ms()` is
///   `t_{n-1} - t_0`.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTarget {
    source: String,
    names: Vec<String>,
    times: Times,
    /// Row-major `n x dim`, already scaled.
    values: Vec<f64>,
    dim: usize,
    end: EndMode,
    scale: f64,
}

/// Splits a line into trimmed fields.
fn fields(line: &str) -> Vec<&str> {
    line.split(',').map(str::trim).collect()
}

/// Resolves a column reference against the header.
fn resolve(
    path: &str,
    col: &ColumnRef,
    header: Option<&[String]>,
    n_columns: usize,
) -> Result<usize, TargetError> {
    match col {
        ColumnRef::Index(i) if *i < n_columns => Ok(*i),
        ColumnRef::Index(i) => Err(TargetError::ColumnIndexOutOfRange {
            path: path.into(),
            index: *i,
            n_columns,
        }),
        ColumnRef::Name(name) => {
            let Some(h) = header else {
                return Err(TargetError::NoHeader {
                    path: path.into(),
                    name: name.clone(),
                });
            };
            h.iter()
                .position(|n| n == name)
                .ok_or_else(|| TargetError::UnknownColumn {
                    path: path.into(),
                    name: name.clone(),
                    available: h.join(", "),
                })
        }
    }
}

impl CsvTarget {
    /// Reads the file at `path`.
    pub fn load(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Self, TargetError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
            path: name.clone(),
            source,
        })?;
        Self::parse(&text, &name, options)
    }

    /// Reads CSV text from `reader`; `source_name` names it in errors.
    pub fn from_reader(
        mut reader: impl Read,
        source_name: &str,
        options: &CsvOptions,
    ) -> Result<Self, TargetError> {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(|source| TargetError::Io {
                path: source_name.into(),
                source,
            })?;
        Self::parse(&text, source_name, options)
    }

    /// Parses CSV `text`; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str, options: &CsvOptions) -> Result<Self, TargetError> {
        let path = source_name;
        if !options.scale.is_finite() {
            return Err(TargetError::range(
                "CsvTarget",
                "scale",
                options.scale,
                "finite",
            ));
        }
        if let Timing::Interval { dt_ms } = options.timing {
            if !(dt_ms.is_finite() && dt_ms > 0.0) {
                return Err(TargetError::BadSampleInterval {
                    path: path.into(),
                    value: dt_ms,
                });
            }
        }
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
            .peekable();
        let Some(&(_, first)) = lines.peek() else {
            return Err(TargetError::EmptyFile { path: path.into() });
        };
        let first_fields = fields(first);
        let n_columns = first_fields.len();
        let has_header = match options.header {
            HeaderMode::Present => true,
            HeaderMode::Absent => false,
            HeaderMode::Auto => first_fields.iter().any(|f| f.parse::<f64>().is_err()),
        };
        let header: Option<Vec<String>> = if has_header {
            lines.next();
            Some(
                first_fields
                    .iter()
                    .map(|f| f.trim_matches('"').trim().to_string())
                    .collect(),
            )
        } else {
            None
        };

        let time_col = match &options.timing {
            Timing::Column(c) => Some(resolve(path, c, header.as_deref(), n_columns)?),
            Timing::Interval { .. } => None,
        };
        let outputs: Vec<usize> = match &options.columns {
            Some(cols) => cols
                .iter()
                .map(|c| resolve(path, c, header.as_deref(), n_columns))
                .collect::<Result<_, _>>()?,
            None => (0..n_columns).filter(|&c| Some(c) != time_col).collect(),
        };
        if outputs.is_empty() {
            return Err(TargetError::NoOutputColumns { path: path.into() });
        }
        let names = outputs
            .iter()
            .map(|&c| match &header {
                Some(h) => h[c].clone(),
                None => format!("column {c}"),
            })
            .collect();

        let mut times = Vec::new();
        let mut values = Vec::new();
        let mut n_rows = 0usize;
        let mut row = vec![0.0; n_columns];
        for (line, text) in lines {
            let fs = fields(text);
            if fs.len() != n_columns {
                return Err(TargetError::RaggedRow {
                    path: path.into(),
                    line,
                    found: fs.len(),
                    expected: n_columns,
                });
            }
            for (c, f) in fs.iter().enumerate() {
                let v: f64 = f.parse().map_err(|_| TargetError::Parse {
                    path: path.into(),
                    line,
                    column: c + 1,
                    what: if f.is_empty() {
                        "empty field".into()
                    } else {
                        format!("`{f}` is not a number")
                    },
                })?;
                if !v.is_finite() {
                    return Err(TargetError::NonFinite {
                        path: path.into(),
                        line,
                        column: c + 1,
                        text: (*f).into(),
                    });
                }
                row[c] = v;
            }
            if let Some(tc) = time_col {
                let t = row[tc];
                if let Some(&prev) = times.last() {
                    if t <= prev {
                        return Err(TargetError::TimeNotIncreasing {
                            path: path.into(),
                            line,
                            time_ms: t,
                            previous_ms: prev,
                        });
                    }
                }
                times.push(t);
            }
            for &c in &outputs {
                let v = options.scale * row[c];
                if !v.is_finite() {
                    return Err(TargetError::NonFinite {
                        path: path.into(),
                        line,
                        column: c + 1,
                        text: format!("{} times scale {}", fs[c], options.scale),
                    });
                }
                values.push(v);
            }
            n_rows += 1;
        }
        match n_rows {
            0 => return Err(TargetError::EmptyFile { path: path.into() }),
            1 => {
                return Err(TargetError::TooFewRows {
                    path: path.into(),
                    found: 1,
                })
            }
            _ => {}
        }
        if let (Some(&first_ms), Some(&last_ms)) = (times.first(), times.last()) {
            if !(last_ms - first_ms).is_finite() {
                return Err(TargetError::TimeSpanNotFinite {
                    path: path.into(),
                    first_ms,
                    last_ms,
                });
            }
        }
        let times = match options.timing {
            Timing::Interval { dt_ms } => Times::Uniform(dt_ms),
            Timing::Column(_) => Times::Explicit(times),
        };
        Ok(Self {
            source: path.into(),
            names,
            times,
            dim: outputs.len(),
            values,
            end: options.end,
            scale: options.scale,
        })
    }

    /// The output names: header names, or `column k` (0-based) without a header.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of data rows.
    pub fn n_samples(&self) -> usize {
        self.values.len() / self.dim
    }

    /// The file name (or source name) the target was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// Writes `(1 - w) row(i) + w row(j)`.
    fn lerp(&self, i: usize, j: usize, w: f64, out: &mut [f64]) {
        for ((o, a), b) in out.iter_mut().zip(self.row(i)).zip(self.row(j)) {
            let d = b - a;
            // `b - a` overflows for values of opposite sign near f64::MAX.
            *o = if d.is_finite() {
                a + w * d
            } else {
                (1.0 - w) * a + w * b
            };
        }
    }

    fn first_time(&self) -> f64 {
        match &self.times {
            Times::Uniform(_) => 0.0,
            Times::Explicit(t) => t[0],
        }
    }

    fn last_time(&self) -> f64 {
        match &self.times {
            Times::Uniform(dt) => (self.n_samples() - 1) as f64 * dt,
            Times::Explicit(t) => t[t.len() - 1],
        }
    }
}

impl Target for CsvTarget {
    fn dim(&self) -> usize {
        self.dim
    }

    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let n = self.n_samples();
        if t_ms.is_nan() || t_ms <= self.first_time() {
            out.copy_from_slice(self.row(0));
            return;
        }
        if self.end == EndMode::Hold && t_ms >= self.last_time() {
            out.copy_from_slice(self.row(n - 1));
            return;
        }
        match &self.times {
            Times::Uniform(dt) => {
                let mut s = t_ms / dt;
                if self.end == EndMode::Repeat {
                    s = if s.is_finite() {
                        n as f64 * frac(s / n as f64)
                    } else {
                        // A tiny dt: `t / dt` overflows; `%` is exact and cannot.
                        (t_ms % (n as f64 * dt)) / dt
                    };
                }
                let i = (s.floor() as usize).min(n - 1);
                let w = (s - i as f64).clamp(0.0, 1.0);
                self.lerp(i, (i + 1) % n, w, out);
            }
            Times::Explicit(times) => {
                let (t0, t_last) = (times[0], times[n - 1]);
                let tau = if self.end == EndMode::Repeat {
                    let p = t_last - t0;
                    let q = (t_ms - t0) / p;
                    // A tiny period: `q` overflows; `%` is exact and cannot.
                    t0 + if q.is_finite() {
                        p * frac(q)
                    } else {
                        (t_ms - t0) % p
                    }
                } else {
                    t_ms
                };
                // times[i] <= tau < times[i + 1], 0 <= i <= n - 2.
                let i = times.partition_point(|&x| x <= tau).clamp(1, n - 1) - 1;
                let w = ((tau - times[i]) / (times[i + 1] - times[i])).clamp(0.0, 1.0);
                self.lerp(i, i + 1, w, out);
            }
        }
    }

    fn period_ms(&self) -> Option<f64> {
        match (self.end, &self.times) {
            (EndMode::Hold, _) => None,
            (EndMode::Repeat, Times::Uniform(dt)) => Some(self.n_samples() as f64 * dt),
            (EndMode::Repeat, Times::Explicit(t)) => Some(t[t.len() - 1] - t[0]),
        }
    }

    fn describe(&self) -> String {
        let timing = match &self.times {
            Times::Uniform(dt) => format!("every {dt} ms from 0"),
            Times::Explicit(t) => format!("at times {} .. {} ms", t[0], t[t.len() - 1]),
        };
        let end = match self.period_ms() {
            Some(p) => format!("repeating with period {p} ms"),
            None => "holding the last row".to_string(),
        };
        format!(
            "csv {}: columns [{}] scaled by {}, {} samples {}, linear interpolation, {}",
            self.source,
            self.names.join(", "),
            self.scale,
            self.n_samples(),
            timing,
            end
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn eval(t: &CsvTarget, t_ms: f64) -> Vec<f64> {
        let mut o = vec![0.0; t.dim()];
        t.eval(t_ms, &mut o);
        o
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    const SIMPLE: &str = "a, b\n0, 10\n1, 20\n3, 0\n";

    #[test]
    fn interpolates_with_a_fixed_interval() {
        let t = CsvTarget::parse(SIMPLE, "simple.csv", &CsvOptions::interval(2.0)).unwrap();
        assert_eq!(t.dim(), 2);
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!(t.n_samples(), 3);
        close(&eval(&t, 0.0), &[0.0, 10.0]);
        close(&eval(&t, 1.0), &[0.5, 15.0]);
        close(&eval(&t, 3.0), &[2.0, 10.0]);
        close(&eval(&t, 4.0), &[3.0, 0.0]);
        close(&eval(&t, -7.0), &[0.0, 10.0]);
        // Repeat: period 3 * 2 ms, wrapping from the last row back to the first.
        assert_eq!(t.period_ms(), Some(6.0));
        close(&eval(&t, 5.0), &[1.5, 5.0]);
        close(&eval(&t, 6.0), &[0.0, 10.0]);
        close(&eval(&t, 7.0 + 600.0), &[0.5, 15.0]);
        assert!(t.describe().contains("simple.csv"));
    }

    #[test]
    fn hold_keeps_the_last_row() {
        let opts = CsvOptions {
            end: EndMode::Hold,
            scale: 2.0,
            ..CsvOptions::interval(2.0)
        };
        let t = CsvTarget::parse(SIMPLE, "simple.csv", &opts).unwrap();
        assert_eq!(t.period_ms(), None);
        close(&eval(&t, 5.0), &[6.0, 0.0]);
        close(&eval(&t, 1e6), &[6.0, 0.0]);
        close(&eval(&t, 1.0), &[1.0, 30.0]);
    }

    #[test]
    fn time_column_and_selection() {
        let text = "# a comment\n\"t\", x, y\n\n10, 1, 5\n20, 3, 6\n40, 1, 7\n";
        let opts = CsvOptions::time_column(ColumnRef::Name("t".into()));
        let t = CsvTarget::parse(text, "timed.csv", &opts).unwrap();
        assert_eq!(t.names(), ["x", "y"]);
        assert_eq!(t.period_ms(), Some(30.0));
        close(&eval(&t, 0.0), &[1.0, 5.0]);
        close(&eval(&t, 15.0), &[2.0, 5.5]);
        close(&eval(&t, 30.0), &[2.0, 6.5]);
        // Repeat: the last row is identified with the first.
        close(&eval(&t, 40.0), &[1.0, 5.0]);
        close(&eval(&t, 45.0), &[2.0, 5.5]);
        let opts = CsvOptions {
            columns: Some(vec![ColumnRef::Name("y".into()), ColumnRef::Index(1)]),
            end: EndMode::Hold,
            ..CsvOptions::time_column(ColumnRef::Index(0))
        };
        let t = CsvTarget::parse(text, "timed.csv", &opts).unwrap();
        assert_eq!(t.names(), ["y", "x"]);
        close(&eval(&t, 30.0), &[6.5, 2.0]);
        close(&eval(&t, 50.0), &[7.0, 1.0]);
    }

    #[test]
    fn header_detection() {
        let t = CsvTarget::parse("1,2\n3,4\n", "h.csv", &CsvOptions::interval(1.0)).unwrap();
        assert_eq!(t.n_samples(), 2);
        assert_eq!(t.names(), ["column 0", "column 1"]);
        let opts = CsvOptions {
            header: HeaderMode::Present,
            ..CsvOptions::interval(1.0)
        };
        let t = CsvTarget::parse("1,2\n3,4\n5,6\n", "h.csv", &opts).unwrap();
        assert_eq!(t.n_samples(), 2);
        assert_eq!(t.names(), ["1", "2"]);
        let opts = CsvOptions {
            header: HeaderMode::Absent,
            ..CsvOptions::interval(1.0)
        };
        let e = CsvTarget::parse("a,b\n3,4\n5,6\n", "h.csv", &opts).unwrap_err();
        assert!(e.to_string().contains("h.csv:1:1"), "{e}");
    }

    #[test]
    fn loads_files_and_readers() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(SIMPLE.as_bytes()).unwrap();
        let t = CsvTarget::load(f.path(), &CsvOptions::interval(2.0)).unwrap();
        assert_eq!(t.source(), f.path().display().to_string());
        close(&eval(&t, 1.0), &[0.5, 15.0]);
        let r = CsvTarget::from_reader(SIMPLE.as_bytes(), "reader", &CsvOptions::interval(2.0))
            .unwrap();
        assert_eq!(r.values, t.values);
    }

    fn err(text: &str, opts: &CsvOptions) -> String {
        CsvTarget::parse(text, "bad.csv", opts)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn rejections_name_the_file_and_line() {
        let iv = CsvOptions::interval(1.0);
        let tc = CsvOptions::time_column(ColumnRef::Name("t".into()));
        let cases: Vec<(String, &str)> = vec![
            (err("", &iv), "bad.csv: the file holds no data rows"),
            (err("# only\n\n", &iv), "no data rows"),
            (err("a,b\n", &iv), "bad.csv: the file holds no data rows"),
            (
                err("a,b\n1,2\n", &iv),
                "bad.csv: need at least 2 data rows, found 1",
            ),
            (
                err("a,b\n1,2\n3\n", &iv),
                "bad.csv:3: row has 1 fields, expected 2",
            ),
            (
                err("a,b\n1,2\n3,x\n", &iv),
                "bad.csv:3:2: `x` is not a number",
            ),
            (err("a,b\n1,2\n3,\n", &iv), "bad.csv:3:2: empty field"),
            (
                err("a,b\n1,2\n\n3,NaN\n", &iv),
                "bad.csv:4:2: value `NaN` is not finite",
            ),
            (
                err("a,b\n1,inf\n3,4\n", &iv),
                "bad.csv:2:2: value `inf` is not finite",
            ),
            (
                err("t,b\n1,2\n1,3\n", &tc),
                "bad.csv:3: time 1 ms is not greater than the previous time 1 ms",
            ),
            (err("t,b\n1,2\n3,3\n2,3\n", &tc), "bad.csv:4: time 2 ms"),
            (
                err("a,b\n1,2\n3,4\n", &CsvOptions::interval(0.0)),
                "bad.csv: sample_interval_ms = 0",
            ),
            (
                err("a,b\n1,2\n3,4\n", &CsvOptions::interval(f64::NAN)),
                "sample_interval_ms = NaN",
            ),
            (
                err("a,b\n1,2\n3,4\n", &tc),
                "bad.csv: no column named `t` (columns: a, b)",
            ),
            (
                err("1,2\n3,4\n", &tc),
                "bad.csv: column `t` is selected by name but the file has no header row",
            ),
            (
                err("1,2\n3,4\n", &CsvOptions::time_column(ColumnRef::Index(2))),
                "bad.csv: column index 2 is out of range",
            ),
            (err("t\n1\n3\n", &tc), "bad.csv: no output columns selected"),
            (
                err(
                    "a,b\n1,2\n3,4\n",
                    &CsvOptions {
                        columns: Some(vec![ColumnRef::Name("c".into())]),
                        ..CsvOptions::interval(1.0)
                    },
                ),
                "no column named `c`",
            ),
            (
                err(
                    "a,b\n1,2\n3,4\n",
                    &CsvOptions {
                        scale: f64::INFINITY,
                        ..CsvOptions::interval(1.0)
                    },
                ),
                "scale",
            ),
        ];
        for (msg, want) in cases {
            assert!(msg.contains(want), "`{msg}` lacks `{want}`");
        }
        let missing = CsvTarget::load("/nonexistent/walk.csv", &iv).unwrap_err();
        assert!(matches!(missing, TargetError::Io { .. }));
        assert!(
            missing.to_string().contains("/nonexistent/walk.csv"),
            "{missing}"
        );
    }

    /// Issue 7 (fuzzing): values and time spans near f64::MAX.
    #[test]
    fn extreme_values_give_finite_targets_or_errors() {
        // Opposite values near f64::MAX: `b - a` overflows, the interpolation must not.
        let t = CsvTarget::parse("1e308\n-1e308\n", "x.csv", &CsvOptions::interval(1.0)).unwrap();
        for s in [0.25, 0.5, 0.75, 1.5] {
            assert!(eval(&t, s)[0].is_finite(), "t = {s}: {:?}", eval(&t, s));
        }
        // A scale that makes a value infinite is refused at the line.
        let opts = CsvOptions {
            scale: 10.0,
            ..CsvOptions::interval(1.0)
        };
        let e = CsvTarget::parse("1\n1e308\n", "x.csv", &opts).unwrap_err();
        assert!(matches!(e, TargetError::NonFinite { line: 2, .. }), "{e}");
        // A period so short that `t / period` overflows (found by `cargo xtask fuzz`).
        for text in ["t,a\n-0e3081,0\n1e-308,1\n", "t,a\n0,0\n5e-324,1\n"] {
            let t = CsvTarget::parse(text, "x.csv", &CsvOptions::time_column(ColumnRef::Index(0)))
                .unwrap();
            for s in [0.05, 1.0, 1e7] {
                assert!(
                    eval(&t, s)[0].is_finite(),
                    "{text:?} at {s}: {:?}",
                    eval(&t, s)
                );
            }
        }
        let t = CsvTarget::parse("1\n2\n", "x.csv", &CsvOptions::interval(1e-320)).unwrap();
        assert!(eval(&t, 1e7)[0].is_finite(), "{:?}", eval(&t, 1e7));
        // Times whose span overflows: the period would be infinite.
        let e = CsvTarget::parse(
            "-1e308,0\n1e308,1\n",
            "x.csv",
            &CsvOptions::time_column(ColumnRef::Index(0)),
        )
        .unwrap_err();
        assert!(matches!(e, TargetError::TimeSpanNotFinite { .. }), "{e}");
    }

    #[test]
    fn evaluation_is_pure() {
        let text = "t,x\n0,1\n0.5,-2\n2,4\n2.25,0\n";
        let t =
            CsvTarget::parse(text, "p.csv", &CsvOptions::time_column(ColumnRef::Index(0))).unwrap();
        let ts: Vec<f64> = (0..40)
            .map(|k| ((k * 17) % 40) as f64 * 0.173 - 1.0)
            .collect();
        let a: Vec<u64> = ts.iter().map(|&s| eval(&t, s)[0].to_bits()).collect();
        let b: Vec<u64> = ts.iter().rev().map(|&s| eval(&t, s)[0].to_bits()).collect();
        assert_eq!(a, b.into_iter().rev().collect::<Vec<_>>());
    }

    fn to_csv(times: Option<&[f64]>, vals: &[f64]) -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            if let Some(t) = times {
                s.push_str(&format!("{},", t[i]));
            }
            s.push_str(&format!("{v}\n"));
        }
        s
    }

    proptest! {
        #[test]
        fn interpolation_stays_within_the_samples(
            vals in prop::collection::vec(-10.0f64..10.0, 2..20),
            gaps in prop::collection::vec(0.01f64..5.0, 20),
            t0 in -50.0f64..50.0,
            dt in 0.01f64..10.0,
            ts in prop::collection::vec(-200.0f64..2000.0, 1..30),
            repeat in any::<bool>(),
        ) {
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let end = if repeat { EndMode::Repeat } else { EndMode::Hold };
            let mut times = vec![t0];
            for g in &gaps[..vals.len() - 1] {
                let last = times[times.len() - 1];
                times.push(last + g);
            }
            let uniform = CsvTarget::parse(
                &to_csv(None, &vals), "u.csv", &CsvOptions { end, ..CsvOptions::interval(dt) },
            ).unwrap();
            let timed = CsvTarget::parse(
                &to_csv(Some(&times), &vals),
                "t.csv",
                &CsvOptions { end, ..CsvOptions::time_column(ColumnRef::Index(0)) },
            ).unwrap();
            for &t in &ts {
                for target in [&uniform, &timed] {
                    let v = eval(target, t)[0];
                    prop_assert!(v >= lo - 1e-12 && v <= hi + 1e-12, "{} at {}: {}", target.source(), t, v);
                }
            }
            // Exact at the samples (Hold avoids the wrap identification).
            if !repeat {
                for (i, &v) in vals.iter().enumerate() {
                    prop_assert!((eval(&timed, times[i])[0] - v).abs() <= 1e-9);
                    prop_assert!((eval(&uniform, i as f64 * dt)[0] - v).abs() <= 1e-9);
                }
            }
        }

        #[test]
        fn repeat_is_periodic(
            vals in prop::collection::vec(-10.0f64..10.0, 2..20),
            dt in 0.1f64..10.0,
            t in 0.0f64..500.0,
            k in 1u32..20,
        ) {
            let target = CsvTarget::parse(&to_csv(None, &vals), "r.csv", &CsvOptions::interval(dt)).unwrap();
            let p = target.period_ms().unwrap();
            let a = eval(&target, t)[0];
            let b = eval(&target, t + f64::from(k) * p)[0];
            prop_assert!((a - b).abs() <= 1e-9 * (1.0 + f64::from(k) * p / dt), "{} vs {}", a, b);
        }
    }
}
