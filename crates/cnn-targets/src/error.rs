//! The error type of `cnn-targets`: one variant per broken rule.
//!
//! Parameter errors name the target and the parameter; file errors name the file (or the
//! source name given to [`crate::CsvTarget::parse`]) and, where there is one, the 1-based
//! line and column.

use thiserror::Error;

/// Everything that can go wrong while building a target.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TargetError {
    /// A numeric parameter is outside its allowed range (or not finite).
    #[error("{target}: {name} = {value} is out of range (allowed: {allowed})")]
    OutOfRange {
        /// The target type (e.g. `Sine`).
        target: &'static str,
        /// The parameter, with units (e.g. `period_ms`).
        name: &'static str,
        /// The offending value.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// A list parameter that must hold at least one element is empty.
    #[error("{target}: {name} must not be empty")]
    EmptyList {
        /// The target type.
        target: &'static str,
        /// The parameter.
        name: &'static str,
    },
    /// Lengths that must agree do not.
    #[error("{target}: dimension mismatch for {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// The target type.
        target: &'static str,
        /// Which quantity.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Supplied length.
        got: usize,
    },
    /// A target file cannot be opened or read.
    #[error("cannot read target file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A field of a target file is not a number.
    #[error("{path}:{line}:{column}: {what}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (field number).
        column: usize,
        /// What is wrong.
        what: String,
    },
    /// A field of a target file is a number but not finite (NaN or infinite).
    #[error("{path}:{line}:{column}: value `{text}` is not finite")]
    NonFinite {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (field number).
        column: usize,
        /// The field as written.
        text: String,
    },
    /// A target file holds no data rows.
    #[error("{path}: the file holds no data rows")]
    EmptyFile {
        /// The file.
        path: String,
    },
    /// A target file holds fewer than two data rows (nothing to interpolate).
    #[error("{path}: need at least 2 data rows, found {found}")]
    TooFewRows {
        /// The file.
        path: String,
        /// The number of data rows.
        found: usize,
    },
    /// A row of a target file has a different number of fields than the first row.
    #[error("{path}:{line}: row has {found} fields, expected {expected}")]
    RaggedRow {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Fields in this row.
        found: usize,
        /// Fields in the first row.
        expected: usize,
    },
    /// The time column does not increase strictly.
    #[error(
        "{path}:{line}: time {time_ms} ms is not greater than the previous time {previous_ms} ms"
    )]
    TimeNotIncreasing {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The time on this line.
        time_ms: f64,
        /// The time on the previous data line.
        previous_ms: f64,
    },
    /// The time column spans more than a finite number of ms (`last - first` overflows).
    #[error("{path}: the times {first_ms} ms .. {last_ms} ms span more than the largest finite duration")]
    TimeSpanNotFinite {
        /// The file.
        path: String,
        /// The first time.
        first_ms: f64,
        /// The last time.
        last_ms: f64,
    },
    /// The sample interval of a file without a time column is not finite and positive.
    #[error("{path}: sample_interval_ms = {value} must be finite and > 0")]
    BadSampleInterval {
        /// The file.
        path: String,
        /// The offending interval.
        value: f64,
    },
    /// A column is selected by a name that the header does not hold.
    #[error("{path}: no column named `{name}` (columns: {available})")]
    UnknownColumn {
        /// The file.
        path: String,
        /// The requested name.
        name: String,
        /// The header's names, comma-separated.
        available: String,
    },
    /// A column is selected by an index beyond the last column.
    #[error("{path}: column index {index} is out of range (the file has {n_columns} columns, indices from 0)")]
    ColumnIndexOutOfRange {
        /// The file.
        path: String,
        /// The requested 0-based index.
        index: usize,
        /// Columns in the file.
        n_columns: usize,
    },
    /// A column is selected by name but the file has no header row.
    #[error("{path}: column `{name}` is selected by name but the file has no header row")]
    NoHeader {
        /// The file.
        path: String,
        /// The requested name.
        name: String,
    },
    /// After removing the time column no output column is left, or a selection is empty.
    #[error("{path}: no output columns selected")]
    NoOutputColumns {
        /// The file.
        path: String,
    },
    /// A segment of a piecewise-constant input ([`crate::Schedule`]) has a field out of
    /// range.
    #[error("{target}: segment {index}: {name} = {value} is out of range (allowed: {allowed})")]
    BadSegment {
        /// The input type (e.g. `Schedule`).
        target: &'static str,
        /// The segment's 0-based position in the list given to the constructor.
        index: usize,
        /// The field, with units (e.g. `start_ms`).
        name: &'static str,
        /// The offending value (a channel index is given as a float).
        value: f64,
        /// The allowed range, in words.
        allowed: String,
    },
    /// Two segments of the same channel overlap in time (segments are half-open
    /// intervals `[start, end)`, so one may start where another ends).
    #[error(
        "{target}: segments {first} [{first_start_ms}, {first_end_ms}) ms and {second} \
         [{second_start_ms}, {second_end_ms}) ms overlap on channel {channel}"
    )]
    OverlappingSegments {
        /// The input type (e.g. `Schedule`).
        target: &'static str,
        /// The channel both segments drive.
        channel: usize,
        /// 0-based position of the segment that starts first.
        first: usize,
        /// Its start (ms).
        first_start_ms: f64,
        /// Its end (ms).
        first_end_ms: f64,
        /// 0-based position of the segment that starts inside the first.
        second: usize,
        /// Its start (ms).
        second_start_ms: f64,
        /// Its end (ms).
        second_end_ms: f64,
    },
}

impl TargetError {
    /// Shorthand for [`TargetError::OutOfRange`].
    pub(crate) fn range(
        target: &'static str,
        name: &'static str,
        value: f64,
        allowed: &'static str,
    ) -> Self {
        Self::OutOfRange {
            target,
            name,
            value,
            allowed,
        }
    }
}

/// Checks `value` is finite and `> 0`.
pub(crate) fn positive(
    target: &'static str,
    name: &'static str,
    value: f64,
) -> Result<f64, TargetError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(TargetError::range(target, name, value, "finite and > 0"))
    }
}

/// Checks `value` is finite and `>= 0`.
pub(crate) fn non_negative(
    target: &'static str,
    name: &'static str,
    value: f64,
) -> Result<f64, TargetError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(TargetError::range(target, name, value, "finite and >= 0"))
    }
}

/// Checks `value` is finite.
pub(crate) fn finite(
    target: &'static str,
    name: &'static str,
    value: f64,
) -> Result<f64, TargetError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(TargetError::range(target, name, value, "finite"))
    }
}
