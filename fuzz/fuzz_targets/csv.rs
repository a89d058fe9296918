//! Bytes into the CSV target loader (`cnn_experiment::fuzz::csv_bytes`: the first byte picks the
//! options, the rest is the file).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cnn_experiment::fuzz::csv_bytes(data));
