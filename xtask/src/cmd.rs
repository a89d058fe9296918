//! Small helpers for running and printing external commands.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Output};

use anyhow::{Context, Result};

/// An error that ends xtask with a specific exit code (e.g. 2 for a failed preflight).
#[derive(Debug)]
pub(crate) struct Exit {
    /// The process exit code.
    pub(crate) code: u8,
    /// What went wrong and what the user should do.
    pub(crate) message: String,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// A `cargo` command: the cargo that runs us (`$CARGO`), else the one we were built
/// with, else `cargo` from `PATH`.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(OsString::from))
        .unwrap_or_else(|| OsString::from("cargo"));
    Command::new(program)
}

/// Print a step heading.
pub(crate) fn heading(title: &str) {
    eprintln!("\n==> {title}");
}

/// The command line as a shell would show it, with the variables it sets.
pub(crate) fn display(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_string_lossy(), v?.to_string_lossy())))
        .map(|w| quote(&w))
        .collect();
    words.push(quote(&cmd.get_program().to_string_lossy()));
    words.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Run with inherited stdio after printing the command line.
pub(crate) fn run_status(cmd: &mut Command) -> Result<ExitStatus> {
    eprintln!("$ {}", display(cmd));
    cmd.status()
        .with_context(|| format!("cannot start `{}`", display(cmd)))
}

/// Run quietly and capture the output; `None` when the program cannot be started
/// (e.g. it is not installed).
pub(crate) fn output(cmd: &mut Command) -> Option<Output> {
    cmd.output().ok()
}

/// True when the command starts and exits with status 0 (output discarded).
pub(crate) fn succeeds(cmd: &mut Command) -> bool {
    output(cmd).is_some_and(|o| o.status.success())
}

/// Look a program up in `PATH`.
pub(crate) fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}
