//! TOML text into the config loader `cnn validate` uses (`cnn_experiment::fuzz::config_bytes`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cnn_experiment::fuzz::config_bytes(data));
