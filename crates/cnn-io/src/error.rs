//! The error type of `cnn-io`.

use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong while writing or reading a run file.
///
/// Every variant names the file (or the dataset) involved, so a message printed by the
/// CLI tells the user what to fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// The output path exists and overwriting was not requested.
    #[error("{} already exists; use --force to overwrite it", path.display())]
    OutputExists {
        /// The existing path.
        path: PathBuf,
    },
    /// The output (or its temporary sibling) could not be created or moved into place.
    #[error("cannot create {}: {source}", path.display())]
    CannotCreate {
        /// The path that could not be created.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The input path could not be opened (missing, permission denied, ...).
    #[error("cannot open {}: {source}", path.display())]
    CannotOpen {
        /// The path that could not be opened.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The HDF5 library reported an error.
    #[error("{}: HDF5 error while {what}: {message}", path.display())]
    Hdf5 {
        /// The file being written or read.
        path: PathBuf,
        /// What was being done (e.g. `writing /network/J_Gz`).
        what: String,
        /// The library's message.
        message: String,
    },
    /// The path is not a cnn run file (not HDF5, a directory, or no `format = "cnn-run"`).
    #[error("{} is not a cnn run file: {reason}", path.display())]
    NotARunFile {
        /// The path.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// The path is not a cnn ensemble file (not HDF5, or no `format = "cnn-ensemble"`).
    #[error("{} is not a cnn ensemble file: {reason}", path.display())]
    NotAnEnsembleFile {
        /// The path.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// A dataset, group or attribute the caller needs is absent.
    #[error("{}: missing {dataset}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// The HDF5 path of the absent object (e.g. `/phases/test/z`).
        dataset: String,
    },
    /// The file was written by a newer cnn with a layout this version cannot read.
    #[error(
        "{}: format_version {found} is newer than the supported version {supported}; \
         upgrade cnn to read it",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this crate reads.
        supported: u32,
    },
    /// An array has the wrong shape (in a record being written or in a file being read).
    #[error("{}: shape mismatch for {what}: expected {expected}, got {got}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// Which array (HDF5 path or record field).
        what: String,
        /// The expected shape, e.g. `[1000, 3]`.
        expected: String,
        /// The shape found.
        got: String,
    },
    /// A record or file is inconsistent in a way other than a shape (duplicate phases,
    /// invalid names, a malformed sparse matrix, ...).
    #[error("{}: {reason}", path.display())]
    Inconsistent {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Stored parts do not make a valid network (see [`crate::NetworkRecord::network_at`]).
    #[error("stored network is invalid: {0}")]
    Network(#[from] cnn_core::CoreError),
}
