//! A small harness for the end-to-end tests of the `cnn` command: run the binary in a
//! directory, capture its exit code and output, and check the invariants every run of it
//! must keep (no panic, no stray output files).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one invocation of `cnn` produced.
#[derive(Debug)]
pub struct Output {
    /// The exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The command line, for messages.
    pub cmdline: String,
}

impl Output {
    /// Panics with the full output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit code of `{}`\n{}",
            self.cmdline,
            self.dump()
        );
        self
    }

    /// The output, for assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            self.stdout, self.stderr
        )
    }

    /// Panics if the program panicked or asked for a backtrace.
    #[track_caller]
    pub fn expect_no_panic(&self) -> &Self {
        for bad in ["panicked", "RUST_BACKTRACE"] {
            assert!(
                !self.stderr.contains(bad) && !self.stdout.contains(bad),
                "`{}` printed {bad:?}\n{}",
                self.cmdline,
                self.dump()
            );
        }
        self
    }
}

/// The `cnn` binary under test.
pub fn cnn_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cnn")
}

/// Runs `cnn ARGS` in `dir` and captures everything.
pub fn cnn(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(cnn_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", cnn_bin()));
    let result = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        cmdline: format!("cnn {}", args.join(" ")),
    };
    result.expect_no_panic();
    result
}

/// The workspace root (holds `configs/`, `examples/`, `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("workspace root: {e}"))
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cnn-e2e-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

/// Creates an HDF5 file in the test process without an HDF5 file lock.
///
/// HDF5 opens files without close-on-exec, so a `cnn` child spawned by another test thread
/// while the file is open inherits the descriptor and with it the lock (flock locks belong
/// to the open file description), even after this process closes the file; a later `cnn`
/// opening the file then fails with "unable to lock file" (errno 11). The tests write
/// fixtures here and spawn children concurrently; without the lock nothing is inherited.
pub fn create_h5(path: &Path) -> hdf5::File {
    hdf5::File::with_options()
        .with_fapl(|p| p.file_locking(false))
        .create(path)
        .unwrap_or_else(|e| panic!("create {}: {e}", path.display()))
}

/// Opens an HDF5 file read-write in the test process without a file lock (see
/// [`create_h5`]).
pub fn open_rw_h5(path: &Path) -> hdf5::File {
    hdf5::File::with_options()
        .with_fapl(|p| p.file_locking(false))
        .open_rw(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// A path as a string, for command-line arguments.
pub fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Sends `signal` (`-9`, `-INT`, `-TERM`) to `pid` with kill(1).
pub fn kill(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status();
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_string_lossy().into_owned()
}

/// The names of the files in `dir` that look like run output (`.h5` or `.partial*`).
pub fn run_outputs(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".h5") || name.contains(".partial") {
            found.push(name);
        }
    }
    found.sort();
    found
}

/// A small, fast experiment: four_sine target, N_G = `n_g`, dt = 1 ms.
pub struct Tiny {
    /// N_G.
    pub n_g: usize,
    /// Network seed.
    pub seed: u64,
    /// Phase durations in ms.
    pub spontaneous_ms: f64,
    /// Training duration in ms.
    pub train_ms: f64,
    /// Test duration in ms.
    pub test_ms: f64,
    /// Learning interval in ms.
    pub learn_every_ms: f64,
    /// Number of recorded units.
    pub rates: usize,
    /// Recording decimation.
    pub decimate: usize,
}

impl Default for Tiny {
    fn default() -> Self {
        Self {
            n_g: 100,
            seed: 1,
            spontaneous_ms: 100.0,
            train_ms: 2000.0,
            test_ms: 600.0,
            learn_every_ms: 2.0,
            rates: 5,
            decimate: 1,
        }
    }
}

impl Tiny {
    /// The config as TOML text.
    pub fn toml(&self) -> String {
        format!(
            "description = \"e2e tiny run\"\n\
             expect = \"whatever a 100-unit net manages\"\n\
             seed = {}\n\n\
             [network]\nn_g = {}\np_gg = 0.1\ng_gg = 1.5\n\n\
             [simulation]\ndt_ms = 1.0\nspontaneous_ms = {:?}\ntrain_ms = {:?}\ntest_ms = {:?}\n\n\
             [training]\nalpha = 1.0\nlearn_every_ms = {:?}\n\n\
             [record]\nrates = {}\ndecimate = {}\n\n\
             [[targets]]\nkind = \"four_sine\"\n",
            self.seed,
            self.n_g,
            self.spontaneous_ms,
            self.train_ms,
            self.test_ms,
            self.learn_every_ms,
            self.rates,
            self.decimate
        )
    }
}
