//! The engine's error type: one enum, with a [`ErrorKind`] that front ends map to exit
//! codes (the CLI) or exception classes (the Python package) in one place each.

use crate::locate::ConfigError;
use std::path::PathBuf;
use thiserror::Error;

/// What kind of failure an [`enum@Error`] is; front ends map it (CLI: 2, 3, 3, 130).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input: a config, an option, a file given to read. Nothing was written.
    Input,
    /// The operating system or the HDF5 library failed (cannot write, disk full).
    Io,
    /// A numerical failure outside the run itself (a diverged run is not an error: it is
    /// a result, recorded with `status = "diverged"`).
    Numerical,
    /// The run or ensemble was cancelled through its [`crate::Cancel`] token.
    Interrupted,
}

/// Everything that can go wrong in the engine.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A config was refused: key, file and line (or `--set` override), allowed range.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// Other bad input (an option, a checkpoint of another run, a file in the way).
    #[error("{0}")]
    Input(String),
    /// Reading or writing an HDF5 run or ensemble file failed; its kind says whose fault.
    #[error("{0}")]
    File(#[from] cnn_io::IoError),
    /// The operating system refused a write (checkpoint, parts directory).
    #[error("{what}: {source}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A numerical failure outside the simulation (e.g. the PCA of the test phase).
    #[error("{0}")]
    Numerical(String),
    /// The run was cancelled; `checkpoint` holds its state when checkpointing was on.
    #[error("interrupted at t = {t_ms} ms (step {step}){}", match checkpoint {
        Some(p) => format!("; the state is saved in {}", p.display()),
        None => String::new(),
    })]
    Interrupted {
        /// Steps simulated.
        step: u64,
        /// Simulated time in ms.
        t_ms: f64,
        /// The checkpoint written, if any.
        checkpoint: Option<PathBuf>,
    },
    /// An ensemble was cancelled through its [`crate::Cancel`] token.
    #[error("interrupted")]
    Cancelled,
    /// One ensemble member failed.
    #[error("member {index}: {source}")]
    Member {
        /// The member's index.
        index: u64,
        /// Why.
        source: Box<Error>,
    },
    /// An ensemble stopped before all its members were done; finished members are kept
    /// as part files, and running the same ensemble again resumes.
    #[error("{source}\n{done} of {total} members are done and kept in {}; to resume, run the same command again (finished members are skipped)", parts.display())]
    Ensemble {
        /// Why it stopped.
        source: Box<Error>,
        /// Members finished (this run and earlier ones).
        done: usize,
        /// Members of this run (or shard).
        total: usize,
        /// The parts directory holding the finished members.
        parts: PathBuf,
    },
}

impl Error {
    /// The kind of failure, for exit codes and exception classes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) | Error::Input(_) => ErrorKind::Input,
            Error::File(e) => match e.kind() {
                cnn_io::ErrorKind::Io => ErrorKind::Io,
                _ => ErrorKind::Input,
            },
            Error::Io { .. } => ErrorKind::Io,
            Error::Numerical(_) => ErrorKind::Numerical,
            Error::Interrupted { .. } | Error::Cancelled => ErrorKind::Interrupted,
            Error::Member { source, .. } => source.kind(),
            Error::Ensemble { source, .. } => source.kind(),
        }
    }

    /// Bad input with a message.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }
}

impl From<cnn_core::CoreError> for Error {
    fn from(e: cnn_core::CoreError) -> Self {
        Error::Input(e.to_string())
    }
}

impl From<cnn_train::TrainError> for Error {
    fn from(e: cnn_train::TrainError) -> Self {
        Error::Input(e.to_string())
    }
}
