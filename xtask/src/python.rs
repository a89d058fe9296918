//! The Python package `cnn_force` (crates/cnn-py) in `cargo xtask test`: a virtual
//! environment in `target/py-venv`, `pip install ./crates/cnn-py` into it (maturin builds
//! the extension in release mode, in the workspace's target directory, so a second run
//! only relinks), then its pytest suite with `CNN_BIN` pointing at the `cnn` binary the
//! Rust tests built.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::cmd::{display, run_status};

/// Packages the suite needs besides cnn-force itself (numpy comes with it).
const TEST_PACKAGES: &[&str] = &["pytest", "h5py"];

/// Builds and installs the package into `target/py-venv` and runs its tests. Returns
/// whether pytest passed.
pub(crate) fn test(root: &Path) -> Result<bool> {
    let venv = root.join("target").join("py-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let mut c = Command::new("python3");
        c.args(["-m", "venv"]).arg(&venv);
        if !run_status(&mut c)?.success() {
            bail!(
                "`{}` failed: the Python package needs the venv module (Debian: apt-get \
                 install python3-venv)",
                display(&c)
            );
        }
    }
    let pip = |args: &[&str]| -> Result<bool> {
        let mut c = Command::new(&python);
        c.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(args)
        .current_dir(root);
        Ok(run_status(&mut c)
            .with_context(|| format!("cannot run {}", display(&c)))?
            .success())
    };
    if !pip(TEST_PACKAGES)? {
        bail!(
            "cannot install {} into {}",
            TEST_PACKAGES.join(", "),
            venv.display()
        );
    }
    // The README's install command, run from the repository root.
    if !pip(&["./crates/cnn-py"])? {
        bail!("pip install ./crates/cnn-py failed");
    }
    let cnn = root.join("target").join("debug").join("cnn");
    let mut c = Command::new(&python);
    c.args(["-m", "pytest", "-q", "crates/cnn-py/tests"])
        .current_dir(root)
        .env("CNN_BIN", &cnn);
    Ok(run_status(&mut c)?.success())
}
