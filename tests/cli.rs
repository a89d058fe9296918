//! End-to-end tests of the `cnn` command: one test binary, attached to the cnn-cli
//! package (`[[test]] name = "cli"`), running the built binary in temporary directories.
//!
//! `CNN_BLESS=1` rewrites the golden file; `CNN_REQUIRE_PYTHON=1` makes the h5py check
//! fail instead of skipping when python3, h5py or numpy is missing.

mod harness;

mod bad_corpus;
mod bad_inputs;
mod divergence;
mod ensemble;
mod fuzz_replay;
mod golden_run;
mod happy_path;
mod preset_hash;
mod python_check;
mod resume;
mod tasks;
