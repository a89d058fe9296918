//! The error type of `cnn-core`.

use thiserror::Error;

/// Everything that can go wrong while building or running a network.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A parameter is outside its allowed range.
    #[error("{name} = {value} is out of range: {allowed}")]
    OutOfRange {
        /// Parameter name, with units (e.g. `dt_ms`).
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// Human-readable description of the allowed range.
        allowed: String,
    },
    /// Two parameters are inconsistent with each other.
    #[error("{0}")]
    Inconsistent(String),
    /// Dimensions of supplied data do not match the network.
    #[error("dimension mismatch for {what}: expected {expected}, got {got}")]
    Dimension {
        /// Which quantity.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Supplied length.
        got: usize,
    },
    /// A CSR matrix is malformed.
    #[error("malformed sparse matrix: {0}")]
    Sparse(String),
}
