//! The identifying root attributes of the files this crate writes (`format`,
//! `format_version`).
//!
//! They sit in a module of their own, below the reader, the writer and the ensemble
//! files, so that each of those can use them without reaching into another (the reader
//! needs the ensemble format's name to word its errors, and the ensemble module builds
//! on the reader).

/// The value of the root attribute `format` in every run file.
pub const FORMAT: &str = "cnn-run";

/// The value of the root attribute `format` of ensemble and shard files.
pub const ENSEMBLE_FORMAT: &str = "cnn-ensemble";

/// The layout version this crate writes (root attribute `format_version`); files with a
/// larger version are refused with
/// [`IoError::UnsupportedVersion`](crate::IoError::UnsupportedVersion). Version 2 added
/// the optional parts of architectures B and C and of external inputs (see
/// `docs/hdf5-layout.md`); version-1 files read as before. The optional `/health` group
/// and the attribute `order` of `/metrics/<phase>` were added later without a version
/// change: files without `/health` read with `RunRecord::health` `None`, files without
/// `order` with each phase's metrics sorted by name.
pub const FORMAT_VERSION: u32 = 2;

/// The attribute of `/metrics/<phase>` listing the phase's metric names in the order of
/// the record written (HDF5 itself lists a group's datasets by name).
pub(crate) const METRICS_ORDER_ATTR: &str = "order";
