//! Ensemble files (`format = "cnn-ensemble"`) and member part files.
//!
//! An ensemble file holds many runs of one experiment (seeds, parameter sweeps): each
//! member under `/members/<index>` with the run layout of a run file (root attributes
//! become the group's attributes), plus the `/summary` table, one dataset per column, and
//! the ensemble's provenance as root attributes. A shard file (one part of an ensemble
//! run on a cluster) has the same layout with the attributes `shard_k` and `shard_n`.
//! Layout: `docs/hdf5-layout.md`, section "Ensemble files".
//!
//! A *part file* is a run file (`format = "cnn-run"`) with three more root attributes
//! (`member_index`, `config_hash`, `wall_s`): what an ensemble run writes for each member
//! as soon as it finishes, so that an interrupted ensemble can resume.
//!
//! Every file is written to a temporary sibling and renamed when complete. The HDF5
//! library is not safe to call from several threads at once: callers write from one
//! thread (or serialise calls).

use std::path::{Path, PathBuf};

use hdf5::types::TypeDescriptor;
use hdf5::Group;

use crate::error::IoError;
use crate::format::{FORMAT, FORMAT_VERSION};
use crate::read::{open_format, read_record, Cx};
use crate::record::RunRecord;
use crate::write::{partial_path, validate, write_record, Ctx};

pub use crate::format::ENSEMBLE_FORMAT;

/// Provenance of an ensemble (or shard) file: its root attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleMeta {
    /// Version of the cnn program that wrote the file.
    pub cnn_version: String,
    /// The resolved ensemble config (base config, `[ensemble]`, `[sweep]`) as TOML.
    pub config_toml: String,
    /// Hash of the resolved configs of all members (hex); shards of one ensemble share it.
    pub config_hash: String,
    /// Number of members of the whole ensemble (not only those in this file).
    pub n_members: u64,
    /// The swept config keys (dotted), in sweep order; empty for a seeds-only ensemble.
    pub swept: Vec<String>,
    /// Recording level of the members: `"full"` or `"summary"`.
    pub record: String,
    /// `(k, n)` for shard k of n; `None` for a whole (or merged) ensemble.
    pub shard: Option<(u64, u64)>,
}

/// What an ensemble adds to a member's run record.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberInfo {
    /// Member index in the ensemble (0-based).
    pub index: u64,
    /// [`EnsembleMeta::config_hash`] of the ensemble the member belongs to.
    pub config_hash: String,
    /// Wall-clock time of the member's run in seconds.
    pub wall_s: f64,
}

/// One column of the summary table.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Unsigned integers (`uint64`): member index, seed.
    U64(Vec<u64>),
    /// Small flags (`int8`): success (1, 0, -1 unknown), diverged.
    I8(Vec<i8>),
    /// Floating point (`float64`): swept values, metrics, wall time.
    F64(Vec<f64>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::U64(v) => v.len(),
            Column::I8(v) => v.len(),
            Column::F64(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as `f64` (for plotting and comparisons).
    pub fn as_f64(&self) -> Vec<f64> {
        match self {
            Column::U64(v) => v.iter().map(|&x| x as f64).collect(),
            Column::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Column::F64(v) => v.clone(),
        }
    }
}

/// The `/summary` table: named columns of equal length, one row per member in index
/// order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryTable {
    /// `(name, values)` in display order.
    pub columns: Vec<(String, Column)>,
}

impl SummaryTable {
    /// The column called `name`.
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// Number of rows (0 without columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }
}

fn io_create(path: &Path) -> impl FnOnce(std::io::Error) -> IoError + '_ {
    move |source| IoError::CannotCreate {
        path: path.to_path_buf(),
        source,
    }
}

/// Syncs `tmp`, renames it to `path`; removes `tmp` if that fails.
fn commit(tmp: &Path, path: &Path) -> Result<(), IoError> {
    let r = std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .and_then(|()| std::fs::rename(tmp, path))
        .map_err(io_create(path));
    if r.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    r
}

fn write_member_attrs(ctx: &Ctx<'_>, g: &Group, info: &MemberInfo) -> Result<(), IoError> {
    ctx.attr(g, "member_index", info.index)?;
    ctx.attr_str(g, "config_hash", &info.config_hash)?;
    ctx.attr(g, "wall_s", info.wall_s)
}

fn read_member_attrs(cx: &Cx<'_>, g: &Group) -> Result<MemberInfo, IoError> {
    Ok(MemberInfo {
        index: cx.attr(g, "member_index")?,
        config_hash: cx.attr_string(g, "config_hash")?,
        wall_s: cx.attr(g, "wall_s")?,
    })
}

/// Writes one finished member as a part file (a run file plus the member attributes),
/// atomically; an existing file at `path` is replaced.
pub fn write_member_part(path: &Path, info: &MemberInfo, rec: &RunRecord) -> Result<(), IoError> {
    validate(path, rec)?;
    let tmp = partial_path(path);
    std::fs::File::create(&tmp).map_err(io_create(&tmp))?;
    let result = (|| {
        hdf5::silence_errors(true);
        let ctx = Ctx {
            path,
            deflate: hdf5::filters::deflate_available(),
        };
        let file = hdf5::File::create(&tmp).map_err(ctx.err("creating the file"))?;
        write_record(&ctx, &file, rec)?;
        write_member_attrs(&ctx, &file, info)?;
        file.close().map_err(ctx.err("closing the file"))
    })();
    match result {
        Ok(()) => commit(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Reads only the member attributes of a part file (cheap: to decide on resume whether
/// the part is complete and belongs to this ensemble).
pub fn read_member_info(path: &Path) -> Result<MemberInfo, IoError> {
    let file = open_format(path, FORMAT)?;
    read_member_attrs(&Cx { path }, &file)
}

/// Reads a whole part file.
pub fn read_member_part(path: &Path) -> Result<(MemberInfo, RunRecord), IoError> {
    let file = open_format(path, FORMAT)?;
    let cx = Cx { path };
    Ok((read_member_attrs(&cx, &file)?, read_record(&cx, &file)?))
}

/// Writes an ensemble or shard file: `create`, `add_member` for each member (in any
/// order), then `finish` with the summary table. Until `finish` the data live in a
/// temporary sibling, removed if the writer is dropped unfinished.
pub struct EnsembleWriter {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<hdf5::File>,
    members: Option<Group>,
    deflate: bool,
}

impl EnsembleWriter {
    /// Starts `path` (refused if it exists, unless `force`).
    pub fn create(path: &Path, meta: &EnsembleMeta, force: bool) -> Result<Self, IoError> {
        if !force && std::fs::symlink_metadata(path).is_ok() {
            return Err(IoError::OutputExists {
                path: path.to_path_buf(),
            });
        }
        let tmp = partial_path(path);
        std::fs::File::create(&tmp).map_err(io_create(&tmp))?;
        hdf5::silence_errors(true);
        let mut w = Self {
            path: path.to_path_buf(),
            tmp,
            file: None,
            members: None,
            deflate: hdf5::filters::deflate_available(),
        };
        let ctx = Ctx {
            path,
            deflate: w.deflate,
        };
        let file = hdf5::File::create(&w.tmp).map_err(ctx.err("creating the file"))?;
        ctx.attr_str(&file, "format", ENSEMBLE_FORMAT)?;
        ctx.attr(&file, "format_version", FORMAT_VERSION)?;
        ctx.attr_str(&file, "cnn_version", &meta.cnn_version)?;
        ctx.attr_str(&file, "config_toml", &meta.config_toml)?;
        ctx.attr_str(&file, "config_hash", &meta.config_hash)?;
        ctx.attr(&file, "n_members", meta.n_members)?;
        ctx.attr_str(&file, "record", &meta.record)?;
        ctx.attr_str_list(&file, "swept", &meta.swept)?;
        if let Some((k, n)) = meta.shard {
            ctx.attr(&file, "shard_k", k)?;
            ctx.attr(&file, "shard_n", n)?;
        }
        w.members = Some(ctx.group(&file, "members")?);
        w.file = Some(file);
        Ok(w)
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            path: &self.path,
            deflate: self.deflate,
        }
    }

    /// Adds member `info.index` as `/members/<index>`; refused
    /// ([`IoError::Inconsistent`]) if that member was added already.
    pub fn add_member(&mut self, info: &MemberInfo, rec: &RunRecord) -> Result<(), IoError> {
        validate(&self.path, rec)?;
        let ctx = self.ctx();
        let members = self.members.as_ref().ok_or_else(|| IoError::Inconsistent {
            path: self.path.clone(),
            reason: "the ensemble writer is closed".into(),
        })?;
        let name = info.index.to_string();
        if members.link_exists(&name) {
            return Err(IoError::Inconsistent {
                path: self.path.clone(),
                reason: format!("member {name} was added twice"),
            });
        }
        let g = ctx.group(members, &name)?;
        write_record(&ctx, &g, rec)?;
        write_member_attrs(&ctx, &g, info)
    }

    /// Writes `/summary`, closes the file and moves it into place.
    pub fn finish(mut self, summary: &SummaryTable) -> Result<(), IoError> {
        let rows = summary.rows();
        {
            let ctx = self.ctx();
            let file = self.file.as_ref().ok_or_else(|| IoError::Inconsistent {
                path: self.path.clone(),
                reason: "the ensemble writer is closed".into(),
            })?;
            let g = ctx.group(file, "summary")?;
            let names: Vec<String> = summary.columns.iter().map(|(n, _)| n.clone()).collect();
            ctx.attr_str_list(&g, "columns", &names)?;
            for (name, col) in &summary.columns {
                if col.len() != rows || name.is_empty() || name.contains('/') || name == "." {
                    return Err(IoError::Inconsistent {
                        path: self.path.clone(),
                        reason: format!(
                            "summary column {name:?} is invalid or has the wrong length"
                        ),
                    });
                }
                match col {
                    Column::U64(v) => ctx.dataset(&g, name, &[rows], v)?,
                    Column::I8(v) => ctx.dataset(&g, name, &[rows], v)?,
                    Column::F64(v) => ctx.dataset(&g, name, &[rows], v)?,
                }
            }
        }
        self.members = None;
        if let Some(file) = self.file.take() {
            let ctx = self.ctx();
            file.close().map_err(ctx.err("closing the file"))?;
        }
        commit(&self.tmp, &self.path)
    }
}

impl Drop for EnsembleWriter {
    fn drop(&mut self) {
        // Unfinished, or `create` or `finish` failed (closing on a full disk, say): the
        // temporary file goes. After a successful `finish` it has been renamed and this
        // removes nothing.
        self.members = None;
        self.file = None;
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// An open ensemble or shard file.
pub struct EnsembleReader {
    path: PathBuf,
    file: hdf5::File,
    meta: EnsembleMeta,
}

impl EnsembleReader {
    /// Opens `path`, refusing files that are not cnn ensemble files.
    pub fn open(path: &Path) -> Result<Self, IoError> {
        let file = open_format(path, ENSEMBLE_FORMAT)?;
        let cx = Cx { path };
        let shard = if cx.has_attr(&file, "shard_k")? {
            Some((cx.attr(&file, "shard_k")?, cx.attr(&file, "shard_n")?))
        } else {
            None
        };
        let meta = EnsembleMeta {
            cnn_version: cx.attr_string(&file, "cnn_version")?,
            config_toml: cx.attr_string(&file, "config_toml")?,
            config_hash: cx.attr_string(&file, "config_hash")?,
            n_members: cx.attr(&file, "n_members")?,
            swept: cx.attr_str_list(&file, "swept")?,
            record: cx.attr_string(&file, "record")?,
            shard,
        };
        Ok(Self {
            path: path.to_path_buf(),
            file,
            meta,
        })
    }

    /// The root attributes.
    pub fn meta(&self) -> &EnsembleMeta {
        &self.meta
    }

    /// Indices of the members in the file, ascending.
    pub fn member_indices(&self) -> Result<Vec<u64>, IoError> {
        let cx = Cx { path: &self.path };
        let g = cx.group(&self.file, "members")?;
        let names = g.member_names().map_err(cx.err("listing /members"))?;
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            out.push(n.parse::<u64>().map_err(|_| {
                cx.inconsistent(format!("/members/{n} is not named by a member index"))
            })?);
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Reads member `index` (its attributes and run record).
    pub fn read_member(&self, index: u64) -> Result<(MemberInfo, RunRecord), IoError> {
        let cx = Cx { path: &self.path };
        let members = cx.group(&self.file, "members")?;
        let g = cx.group(&members, &index.to_string())?;
        Ok((read_member_attrs(&cx, &g)?, read_record(&cx, &g)?))
    }

    /// Reads the `/summary` table.
    pub fn summary(&self) -> Result<SummaryTable, IoError> {
        let cx = Cx { path: &self.path };
        let g = cx.group(&self.file, "summary")?;
        let names = cx.attr_str_list(&g, "columns")?;
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let ds = cx.open(&g, &name)?;
            let td = ds
                .dtype()
                .and_then(|t| t.to_descriptor())
                .map_err(cx.err(format_args!("reading the type of /summary/{name}")))?;
            let col = match td {
                TypeDescriptor::Unsigned(_) => Column::U64(cx.read(&g, &name, &[None])?.0),
                TypeDescriptor::Integer(_) => Column::I8(cx.read(&g, &name, &[None])?.0),
                _ => Column::F64(cx.read(&g, &name, &[None])?.0),
            };
            columns.push((name, col));
        }
        Ok(SummaryTable { columns })
    }
}
