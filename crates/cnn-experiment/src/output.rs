//! Output files: refused before any work starts when they cannot be written.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// Refuses an output that exists (without `force`), is a directory, is not named as an
/// HDF5 file (`.h5` or `.hdf5`), or whose directory is missing or cannot be written,
/// before any work starts.
pub fn check_output(out: &Path, force: bool) -> Result<(), Error> {
    let hdf5_name = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("h5") || e.eq_ignore_ascii_case("hdf5"));
    if !hdf5_name && !out.is_dir() {
        return Err(Error::input(format!(
            "--out {}: cnn writes HDF5 files; give a name ending in .h5 or .hdf5",
            out.display()
        )));
    }
    if out.is_dir() {
        return Err(Error::input(format!(
            "--out {}: is a directory; give a file name ending in .h5",
            out.display()
        )));
    }
    if out.exists() && !force {
        return Err(Error::File(cnn_io::IoError::OutputExists {
            path: out.to_path_buf(),
        }));
    }
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "--out {}: the directory {} {}",
            out.display(),
            dir.display(),
            if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            }
        )));
    }
    let probe = dir.join(format!(".cnn-write-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Error::input(format!(
            "--out {}: cannot write in {}: {e}",
            out.display(),
            dir.display()
        ))),
    }
}
