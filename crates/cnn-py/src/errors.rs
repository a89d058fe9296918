//! Engine errors as Python exceptions, by kind, in one place: bad config ->
//! `ConfigError` (a `ValueError` with `key`, `location`, `reason`), other bad input ->
//! `ValueError`, a file that is not there -> `FileNotFoundError`, an output that exists ->
//! `FileExistsError`, I/O -> `OSError`,
//! numerical -> `ArithmeticError`, interrupted -> `KeyboardInterrupt`.

use cnn_experiment::{Error, ErrorKind};
use pyo3::exceptions::{
    PyArithmeticError, PyFileExistsError, PyFileNotFoundError, PyKeyboardInterrupt, PyOSError,
    PyValueError,
};
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    ConfigError,
    PyValueError,
    "A config was refused. The message is the CLI's (file:line or --set override, key, \
     allowed range); the attributes `key`, `location` and `reason` hold its parts."
);

/// The Python exception for an engine error.
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match &e {
        Error::Config(c) => {
            let err = ConfigError::new_err(message);
            Python::attach(|py| {
                let v = err.value(py);
                let _ = v.setattr("key", c.key.clone());
                let _ = v.setattr("location", c.location.clone());
                let _ = v.setattr("reason", c.message.clone());
            });
            err
        }
        Error::File(cnn_io::IoError::OutputExists { .. }) => PyFileExistsError::new_err(message),
        Error::File(cnn_io::IoError::CannotOpen { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            PyFileNotFoundError::new_err(message)
        }
        _ => match e.kind() {
            ErrorKind::Input => PyValueError::new_err(message),
            ErrorKind::Interrupted => PyKeyboardInterrupt::new_err(message),
            ErrorKind::Numerical => PyArithmeticError::new_err(message),
            _ => PyOSError::new_err(message),
        },
    }
}
