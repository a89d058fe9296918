//! `cargo xtask setup`: preflight for the native and Python dependencies.
//!
//! - The `hdf5-metno` crate's build script needs the HDF5 C library, found through
//!   pkg-config (module `hdf5`) or `HDF5_DIR`. Without it the build panics with
//!   "Unable to locate HDF5 root directory". On Debian/Ubuntu, as root or with
//!   passwordless sudo, we install `libhdf5-dev` and `pkg-config` with apt-get;
//!   otherwise we stop (exit code 2) and print the command to run.
//! - The end-to-end test runs `examples/analyze_run.py`, which needs python3 with
//!   h5py and numpy; we install them with pip. Missing Python packages are a warning
//!   unless `--require-python` is given.
//!
//! When everything is present this only runs `pkg-config` and one `python3 -c`.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::Result;

use crate::cmd::{display, find_in_path, output, run_status, succeeds, Exit};

/// Debian packages that provide the HDF5 C library and its pkg-config file.
const HDF5_APT_PACKAGES: &[&str] = &["libhdf5-dev", "pkg-config"];
/// Python packages the end-to-end test imports.
const PY_PACKAGES: &[&str] = &["h5py", "numpy"];
/// Debian's packaging of [`PY_PACKAGES`], a fallback when pip cannot install them.
const PY_APT_PACKAGES: &[&str] = &["python3-h5py", "python3-numpy"];
/// The Python interpreter the tests run.
const PYTHON: &str = "python3";

/// Options of `cargo xtask setup`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Options {
    /// Fail (exit code 2) instead of warning when h5py/numpy cannot be provided.
    pub(crate) require_python: bool,
    /// Only check; print what would have to be installed.
    pub(crate) no_install: bool,
}

/// Run the preflight.
pub(crate) fn setup(opts: &Options) -> Result<()> {
    let mut apt = Apt::detect();
    ensure_hdf5(opts, &mut apt)?;
    ensure_python(opts, &mut apt)
}

// ---------------------------------------------------------------------------------
// HDF5

fn ensure_hdf5(opts: &Options, apt: &mut Apt) -> Result<()> {
    if let Some(dir) = std::env::var_os("HDF5_DIR").filter(|d| !d.is_empty()) {
        let dir = Path::new(&dir);
        if dir.is_dir() {
            eprintln!(
                "HDF5: HDF5_DIR={} is set; hdf5-metno-sys will use it",
                dir.display()
            );
            return Ok(());
        }
        return Err(Exit {
            code: 2,
            message: format!(
                "HDF5_DIR={} is set but is not a directory; unset it or point it at an \
                 HDF5 installation prefix",
                dir.display()
            ),
        }
        .into());
    }

    let problem = match hdf5_via_pkg_config() {
        Ok(version) => {
            eprintln!("HDF5: found HDF5 {version} via pkg-config");
            return Ok(());
        }
        Err(problem) => problem,
    };
    eprintln!("HDF5: {problem}");
    eprintln!(
        "HDF5: the hdf5-metno crate needs the HDF5 C library (otherwise its build fails \
         with \"Unable to locate HDF5 root directory\")"
    );

    if !opts.no_install && apt.usable() {
        eprintln!(
            "HDF5: installing {} with apt-get",
            HDF5_APT_PACKAGES.join(" ")
        );
        if apt.install(HDF5_APT_PACKAGES)? {
            match hdf5_via_pkg_config() {
                Ok(version) => {
                    eprintln!("HDF5: installed; found HDF5 {version} via pkg-config");
                    return Ok(());
                }
                Err(problem) => {
                    return Err(Exit {
                        code: 2,
                        message: format!(
                            "apt-get installed {} but {problem}; check PKG_CONFIG_PATH / \
                             PKG_CONFIG_LIBDIR, or set HDF5_DIR to the HDF5 prefix",
                            HDF5_APT_PACKAGES.join(" ")
                        ),
                    }
                    .into())
                }
            }
        }
    }

    Err(Exit {
        code: 2,
        message: format!(
            "the HDF5 C library is missing and xtask could not install it{why}.\n\
             Install it, then rerun:\n\n{}\n",
            manual_hdf5_instructions(apt),
            why = if opts.no_install {
                " (--no-install)"
            } else {
                apt.why_unusable()
            },
        ),
    }
    .into())
}

/// `Ok(version)` when pkg-config knows the `hdf5` module, else what is wrong.
fn hdf5_via_pkg_config() -> Result<String, String> {
    let Some(out) = output(Command::new("pkg-config").args(["--modversion", "hdf5"])) else {
        return Err("pkg-config is not installed".to_string());
    };
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err("`pkg-config --exists hdf5` fails: no HDF5 development files found".to_string())
    }
}

fn manual_hdf5_instructions(apt: &Apt) -> String {
    let apt_line = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        HDF5_APT_PACKAGES.join(" ")
    );
    if apt.apt_get {
        if apt.is_root {
            format!("    {apt_line}")
        } else {
            format!(
                "    sudo apt-get update && sudo apt-get install -y --no-install-recommends {}",
                HDF5_APT_PACKAGES.join(" ")
            )
        }
    } else {
        format!(
            "    Debian/Ubuntu: sudo {apt_line}\n\
             \x20   Fedora:        sudo dnf install -y hdf5-devel pkgconf-pkg-config\n\
             \x20   macOS:         brew install hdf5 pkg-config\n\
             \x20   or set HDF5_DIR to the prefix of an HDF5 installation"
        )
    }
}

// ---------------------------------------------------------------------------------
// Python

fn ensure_python(opts: &Options, apt: &mut Apt) -> Result<()> {
    let problem = match python_modules() {
        Ok(versions) => {
            eprintln!("Python: {versions}");
            return Ok(());
        }
        Err(problem) => problem,
    };
    eprintln!("Python: {problem}");

    let installed = if opts.no_install || matches!(problem, PyProblem::NoPython) {
        false // without python3 there is nothing pip can do
    } else {
        install_python_modules(apt)?
    };
    if installed {
        match python_modules() {
            Ok(versions) => {
                eprintln!("Python: installed; {versions}");
                return Ok(());
            }
            Err(problem) => eprintln!("Python: still missing after install: {problem}"),
        }
    }

    let message = format!(
        "python3 with {} is needed by the end-to-end test (examples/analyze_run.py).\n\
         Install it, then rerun:\n\n    {PYTHON} -m pip install {}\n\
         \x20   (Debian/Ubuntu alternative: apt-get install -y {})\n",
        PY_PACKAGES.join(" + "),
        PY_PACKAGES.join(" "),
        PY_APT_PACKAGES.join(" "),
    );
    if opts.require_python {
        Err(Exit { code: 2, message }.into())
    } else {
        eprintln!(
            "warning: {message}warning: continuing; the Python end-to-end test will be \
             skipped (it fails when CNN_REQUIRE_PYTHON=1)"
        );
        Ok(())
    }
}

/// Why the Python check failed.
enum PyProblem {
    /// `python3` cannot be started.
    NoPython,
    /// `python3` runs but the modules do not import; the last line of its error.
    Missing(String),
}

impl fmt::Display for PyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyProblem::NoPython => write!(f, "{PYTHON} is not installed"),
            PyProblem::Missing(why) => write!(f, "cannot import h5py and numpy ({why})"),
        }
    }
}

/// `Ok("h5py X, numpy Y (python Z at PATH)")` when both modules import.
fn python_modules() -> Result<String, PyProblem> {
    let script = "import sys, h5py, numpy; \
                  print(f'h5py {h5py.__version__}, numpy {numpy.__version__} \
                  (python {sys.version.split()[0]} at {sys.executable})')";
    let Some(out) = output(Command::new(PYTHON).args(["-c", script])) else {
        return Err(PyProblem::NoPython);
    };
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("import failed").trim();
        Err(PyProblem::Missing(last.to_string()))
    }
}

/// pip first (retrying with `--break-system-packages` when the environment is
/// externally managed, PEP 668); then Debian's packages when `python3` is the system
/// interpreter. `Ok(true)` when some installer reported success.
fn install_python_modules(apt: &mut Apt) -> Result<bool> {
    let mut base = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    base.extend_from_slice(PY_PACKAGES);
    match pip(&base) {
        PipResult::Ok => return Ok(true),
        PipResult::ExternallyManaged => {
            eprintln!(
                "Python: pip refuses (externally managed environment); retrying with \
                 --break-system-packages"
            );
            let mut retry = base.clone();
            retry.push("--break-system-packages");
            if matches!(pip(&retry), PipResult::Ok) {
                return Ok(true);
            }
        }
        PipResult::Failed => {}
    }

    if apt.usable() && system_python() {
        eprintln!(
            "Python: pip failed; trying Debian's {}",
            PY_APT_PACKAGES.join(" ")
        );
        return apt.install(PY_APT_PACKAGES);
    }
    Ok(false)
}

enum PipResult {
    Ok,
    ExternallyManaged,
    Failed,
}

fn pip(args: &[&str]) -> PipResult {
    let mut cmd = Command::new(PYTHON);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    eprintln!("$ {}", display(&cmd));
    let Some(out) = output(&mut cmd) else {
        return PipResult::Failed;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        eprint!("{stderr}");
        return PipResult::Ok;
    }
    if stderr.contains("externally-managed-environment") {
        return PipResult::ExternallyManaged;
    }
    eprint!("{stderr}");
    PipResult::Failed
}

/// True when `python3` is the distribution's interpreter (so apt packages apply).
fn system_python() -> bool {
    output(Command::new(PYTHON).args(["-c", "import sys; print(sys.executable)"]))
        .filter(|o| o.status.success())
        .is_some_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .starts_with("/usr/bin/")
        })
}

// ---------------------------------------------------------------------------------
// apt-get

/// Whether and how we may run apt-get; runs `apt-get update` at most once.
struct Apt {
    apt_get: bool,
    is_root: bool,
    sudo: bool,
    updated: bool,
}

impl Apt {
    fn detect() -> Self {
        let apt_get = find_in_path("apt-get").is_some();
        let is_root = is_root();
        // Probing sudo may be slow or prompt; only do it when it could matter.
        let sudo = apt_get
            && !is_root
            && find_in_path("sudo").is_some()
            && succeeds(
                Command::new("sudo")
                    .args(["-n", "true"])
                    .stdin(Stdio::null()),
            );
        Apt {
            apt_get,
            is_root,
            sudo,
            updated: false,
        }
    }

    fn usable(&self) -> bool {
        self.apt_get && (self.is_root || self.sudo)
    }

    fn why_unusable(&self) -> &'static str {
        if !self.apt_get {
            " (no apt-get: not a Debian/Ubuntu system)"
        } else if !self.usable() {
            " (not root, and sudo needs a password or is missing)"
        } else {
            ""
        }
    }

    fn command(&self) -> Command {
        let mut cmd = if self.is_root {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        };
        cmd.stdin(Stdio::null());
        cmd
    }

    /// `apt-get update` (once), then `apt-get install`. `Ok(false)` when install fails.
    fn install(&mut self, packages: &[&str]) -> Result<bool> {
        if !self.updated {
            let mut update = self.command();
            update.arg("update");
            if !run_status(&mut update)?.success() {
                eprintln!("warning: apt-get update failed; trying the install anyway");
            }
            self.updated = true;
        }
        let mut install = self.command();
        install
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages);
        let ok = run_status(&mut install)?.success();
        if !ok {
            eprintln!("apt-get install {} failed", packages.join(" "));
        }
        Ok(ok)
    }
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u"))
        .filter(|o| o.status.success())
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
