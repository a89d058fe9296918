//! The one place where failures become exit codes: 0 success, 1 the run finished but
//! failed its criterion or diverged, 2 bad input (nothing written), 3 an I/O or other
//! runtime failure (no partial file left; finished ensemble members kept), 130
//! interrupted (the checkpoint written where one was asked for).

use cnn_experiment::{Cancel, Error, ErrorKind};

/// Exit code: bad input.
pub const INPUT: u8 = 2;
/// Exit code: I/O or other runtime failure.
pub const RUNTIME: u8 = 3;
/// Exit code: interrupted (Ctrl-C, SIGTERM).
pub const INTERRUPTED: u8 = 130;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to tell the user.
    pub message: String,
}

impl Failure {
    /// Bad input (exit 2).
    pub fn input(e: impl std::fmt::Display) -> Self {
        Self {
            code: INPUT,
            message: e.to_string(),
        }
    }

    /// A runtime failure (exit 3): a write that failed, a drawing that could not be made.
    pub fn runtime(e: impl std::fmt::Display) -> Self {
        Self {
            code: RUNTIME,
            message: e.to_string(),
        }
    }
}

/// The exit code of an engine error's kind.
pub fn code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Input => INPUT,
        ErrorKind::Interrupted => INTERRUPTED,
        // Io, Numerical and any kind added later.
        _ => RUNTIME,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self {
            code: code(e.kind()),
            message: e.to_string(),
        }
    }
}

impl From<cnn_io::IoError> for Failure {
    fn from(e: cnn_io::IoError) -> Self {
        Error::from(e).into()
    }
}

impl From<cnn_experiment::ConfigError> for Failure {
    fn from(e: cnn_experiment::ConfigError) -> Self {
        Error::from(e).into()
    }
}

/// A token that Ctrl-C and SIGTERM trip; a second one leaves at once with exit 130 (what
/// was saved stays: the last checkpoint, the finished ensemble members). The one signal
/// handler of the CLI; the engine installs none.
pub fn cancel_on_ctrl_c(quiet: bool) -> Cancel {
    let cancel = Cancel::new();
    let token = cancel.clone();
    let handler = ctrlc::set_handler(move || {
        if token.is_cancelled() {
            std::process::exit(i32::from(INTERRUPTED));
        }
        token.cancel();
    });
    if let Err(e) = handler {
        if !quiet {
            eprintln!("cnn: note: cannot install the Ctrl-C handler ({e})");
        }
    }
    cancel
}
