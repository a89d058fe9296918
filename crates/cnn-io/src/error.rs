//! The error type of `cnn-io`.

use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong while writing or reading a run file.
///
/// Every variant names the file (or the dataset) involved, so a message printed by the
/// CLI tells the user what to fix; [`IoError::kind`] says whether the input or the system
/// is at fault.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// The output path exists and overwriting was not requested.
    #[error("{} already exists; use --force to overwrite it", path.display())]
    OutputExists {
        /// The existing path.
        path: PathBuf,
    },
    /// The output (or its temporary sibling) could not be created, synced or moved into
    /// place ([`ErrorKind::Io`]).
    #[error("cannot create {}: {source}", path.display())]
    CannotCreate {
        /// The path that could not be created.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The input path could not be opened (missing, permission denied, ...;
    /// [`ErrorKind::Input`]).
    #[error("cannot open {}: {source}", path.display())]
    CannotOpen {
        /// The path that could not be opened.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The HDF5 library reported an error while reading a file: the file is damaged,
    /// truncated or not laid out as a cnn file ([`ErrorKind::Input`]).
    #[error("{}: HDF5 error while {what}: {message}", path.display())]
    Hdf5Read {
        /// The file being read.
        path: PathBuf,
        /// What was being done (e.g. `reading /phases/test/z`).
        what: String,
        /// The library's message.
        message: String,
    },
    /// The HDF5 library reported an error while creating or writing a file (e.g. the disk
    /// is full); the data handed in had passed validation ([`ErrorKind::Io`]).
    #[error("{}: cannot write the file (HDF5 error while {what}): {}", path.display(), os_reason(message))]
    Hdf5Write {
        /// The file being written (its final name, not the temporary sibling).
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

/// Whose fault an [`IoError`] is, for exit codes and exception classes
/// ([`IoError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is at fault, or the user's choice conflicts with what exists: the file
    /// given is not a cnn file, lacks a dataset, has an unsupported version or is
    /// damaged or unreadable; the output exists and overwriting was not asked for; the
    /// record handed to a writer is inconsistent. Fixing the input or the command fixes
    /// it.
    Input,
    /// The operating system or the HDF5 library failed while creating or writing a
    /// file: the output cannot be created, the disk is full, the rename into place
    /// failed, HDF5 failed while writing valid data.
    Io,
}

/// The operating system's reason in an HDF5 error message (`errno = 28, error message =
/// 'No space left on device'` -> `No space left on device (errno 28)`), or the whole
/// message when it has none.
fn os_reason(message: &str) -> String {
    let field = |key: &str| {
        let start = message.find(key)? + key.len();
        let rest = &message[start..];
        Some(
            rest[..rest.find([',', '\'', '\n']).unwrap_or(rest.len())]
                .trim()
                .to_string(),
        )
    };
    match (field("error message = '"), field("errno = ")) {
        (Some(m), Some(n)) if !m.is_empty() => format!("{m} (errno {n})"),
        _ => message.to_string(),
    }
}

impl IoError {
    /// Whose fault the error is: [`ErrorKind::Io`] for [`IoError::CannotCreate`] and
    /// [`IoError::Hdf5Write`] (the system failed while creating, writing or moving a
    /// file), [`ErrorKind::Input`] for everything else (the file read, the record
    /// written or the requested output is at fault).
    pub fn kind(&self) -> ErrorKind {
        match self {
            IoError::CannotCreate { .. } | IoError::Hdf5Write { .. } => ErrorKind::Io,
            IoError::OutputExists { .. }
            | IoError::CannotOpen { .. }
            | IoError::Hdf5Read { .. }
            | IoError::NotARunFile { .. }
            | IoError::NotAnEnsembleFile { .. }
            | IoError::Missing { .. }
            | IoError::UnsupportedVersion { .. }
            | IoError::Shape { .. }
            | IoError::Inconsistent { .. }
            | IoError::Network(_) => ErrorKind::Input,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_reads_as_the_system_says_it() {
        let raw = "H5F__close_cb(): can't close file: file write failed: time = Wed Dec  2 \
                   15:22:21 2026\n, filename = 'full/out.h5.partial-28821', file descriptor = \
                   3, errno = 28, error message = 'No space left on device', buf = 0x55f1";
        assert_eq!(os_reason(raw), "No space left on device (errno 28)");
        assert_eq!(os_reason("H5Dwrite(): no reason"), "H5Dwrite(): no reason");
        let e = IoError::Hdf5Write {
            path: PathBuf::from("full/out.h5"),
            what: "closing the file".into(),
            message: raw.into(),
        };
        assert_eq!(
            e.to_string(),
            "full/out.h5: cannot write the file (HDF5 error while closing the file): No space \
             left on device (errno 28)"
        );
    }

    /// Every variant and its kind; the match in `kind` is exhaustive, this pins the
    /// mapping (the failures behind each are exercised in `roundtrip_tests`).
    #[test]
    fn kind_of_every_variant() {
        let p = || PathBuf::from("out.h5");
        let os = || std::io::Error::from_raw_os_error(28);
        let s = String::new;
        let cases = [
            (IoError::OutputExists { path: p() }, ErrorKind::Input),
            (
                IoError::CannotCreate {
                    path: p(),
                    source: os(),
                },
                ErrorKind::Io,
            ),
            (
                IoError::CannotOpen {
                    path: p(),
                    source: os(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::Hdf5Read {
                    path: p(),
                    what: s(),
                    message: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::Hdf5Write {
                    path: p(),
                    what: "writing /network/J_Gz".into(),
                    message: s(),
                },
                ErrorKind::Io,
            ),
            (
                IoError::NotARunFile {
                    path: p(),
                    reason: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::NotAnEnsembleFile {
                    path: p(),
                    reason: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::Missing {
                    path: p(),
                    dataset: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::UnsupportedVersion {
                    path: p(),
                    found: 3,
                    supported: 2,
                },
                ErrorKind::Input,
            ),
            (
                IoError::Shape {
                    path: p(),
                    what: s(),
                    expected: s(),
                    got: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::Inconsistent {
                    path: p(),
                    reason: s(),
                },
                ErrorKind::Input,
            ),
            (
                IoError::Network(cnn_core::CoreError::Inconsistent(s())),
                ErrorKind::Input,
            ),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e:?}");
        }
        let e = IoError::Hdf5Write {
            path: p(),
            what: "closing the file".into(),
            message: "disk full".into(),
        };
        assert_eq!(
            e.to_string(),
            "out.h5: cannot write the file (HDF5 error while closing the file): disk full"
        );
    }
}
