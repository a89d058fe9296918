//! The error type of `cnn-train`.

use thiserror::Error;

/// Everything that can go wrong while configuring or running FORCE training.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A parameter is outside its allowed range.
    #[error("{name} = {value} is out of range: {allowed}")]
    OutOfRange {
        /// Parameter name, with units.
        name: &'static str,
        /// The offending value.
        value: String,
        /// The allowed range.
        allowed: String,
    },
    /// The target has a different number of components than the network has outputs.
    #[error("the target has {target} components but the network has {outputs} outputs")]
    TargetDimension {
        /// Components of the target.
        target: usize,
        /// Outputs of the network.
        outputs: usize,
    },
    /// Sizes of vectors do not match.
    #[error("dimension mismatch for {what}: expected {expected}, got {got}")]
    Dimension {
        /// Which quantity.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Supplied length.
        got: usize,
    },
    /// A numerical routine failed (e.g. an eigendecomposition did not converge).
    #[error("numerical failure: {0}")]
    Numerical(String),
}
