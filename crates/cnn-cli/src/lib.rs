//! The library part of the `cnn` package: the config loader (`cnn validate` and `cnn run`
//! call [`config::load`]) and the fuzz entry points ([`fuzz`]), so that the fuzz targets in
//! `fuzz/` and the corpus replay test reach exactly the code the binary runs. Everything
//! else lives in the binary (`src/main.rs`).

pub mod arch;
pub mod config;
pub mod fuzz;
pub mod targets;
