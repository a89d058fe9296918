//! Checkpoint files of single runs (`cnn run --checkpoint-every-s S`, `--resume`).
//!
//! `OUT.checkpoint` holds everything needed to continue the run bit for bit: the
//! resolved config (a resume with another config is refused), the trainer's
//! [`cnn_train::Checkpoint`] (step, network state, every RLS learner with its pending
//! rank-1 term, delayed-feedback history, metric accumulators, health), the recorder's
//! traces so far and the PCA observer's accumulated covariance.
//!
//! Format (little endian): the magic `CNNCKPT\0`, a u32 format version, a u64 payload
//! length, the payload, and a u64 FNV-1a hash of the payload (a truncated or damaged file
//! is refused). The payload is a fixed sequence of fields; vectors are a u64 length
//! followed by the values. Written to `OUT.checkpoint.tmp-PID`, fsynced, renamed over the
//! old checkpoint and the directory fsynced: a kill at any moment leaves either the old or
//! the new checkpoint.

use cnn_core::Phase;
use cnn_io::PhaseRecord;
use cnn_train::analysis::CovarianceState;
use cnn_train::{
    Checkpoint, LearnerHealth, NetworkState, OutputMetrics, PhaseAccumulator, PhaseMetrics,
    RlsState,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The magic bytes at the start of a checkpoint file.
pub const MAGIC: &[u8; 8] = b"CNNCKPT\0";
const VERSION: u32 = 2;

/// What a checkpoint file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    /// The resolved config of the run.
    pub config_toml: String,
    /// The trainer's state.
    pub trainer: Checkpoint,
    /// The recorder's phases so far (the last one is the current phase).
    pub phases: Vec<PhaseRecord>,
    /// The PCA observer's state, once the test phase started.
    pub covariance: Option<CovarianceState>,
}

/// `OUT.checkpoint`.
pub fn path_for(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "run.h5".into());
    name.push(".checkpoint");
    out.with_file_name(name)
}

/// True when `path` starts with the checkpoint magic.
pub fn is_checkpoint(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| &head == MAGIC)
}

/// Refuses (exit 2) a checkpoint or a partly written run file, for `cnn info` / `cnn plot`.
pub fn refuse_unfinished(path: &Path) -> Result<(), crate::Error> {
    if is_checkpoint(path) {
        return Err(crate::Error::Input(format!(
            "{}: this is the checkpoint of an unfinished run, not a run file; continue the \
             run with `cnn run CONFIG --out OUT.h5 --resume` (OUT.h5.checkpoint is this file)",
            path.display()
        )));
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if name.contains(".partial-") || name.contains(".checkpoint.tmp-") {
        return Err(crate::Error::Input(format!(
            "{}: this is a partly written file left by a run that was killed while writing; \
             it is not a run file (delete it; resume the run with --resume if it left a \
             checkpoint)",
            path.display()
        )));
    }
    Ok(())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes `saved` to `path` atomically (temp file, fsync, rename, fsync of the
/// directory). Returns the size in bytes.
pub fn write(path: &Path, saved: &Saved) -> std::io::Result<u64> {
    let mut e = Enc(Vec::new());
    e.saved(saved);
    let payload = e.0;
    let tmp = {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        path.with_file_name(name)
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&VERSION.to_le_bytes())?;
        f.write_all(&(payload.len() as u64).to_le_bytes())?;
        f.write_all(&payload)?;
        f.write_all(&fnv1a(&payload).to_le_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Not every platform can open a directory for fsync; the rename is done anyway.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(payload.len() as u64 + 28)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads a checkpoint file; the error says what is wrong with it.
pub fn read(path: &Path) -> Result<Saved, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bad = |why: &str| format!("{}: not a usable cnn checkpoint ({why})", path.display());
    if bytes.len() < 28 || &bytes[..8] != MAGIC {
        return Err(bad("no checkpoint header"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| bad("header"))?);
    if version != VERSION {
        return Err(bad(&format!(
            "format version {version}, this cnn reads {VERSION}"
        )));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| bad("header"))?);
    let len = usize::try_from(len).map_err(|_| bad("length"))?;
    if bytes.len() != 28usize.saturating_add(len) {
        return Err(bad("truncated or with trailing bytes"));
    }
    let payload = &bytes[20..20 + len];
    let hash = u64::from_le_bytes(bytes[20 + len..].try_into().map_err(|_| bad("hash"))?);
    if hash != fnv1a(payload) {
        return Err(bad("checksum mismatch"));
    }
    let mut d = Dec(payload);
    let saved = d.saved().map_err(&bad)?;
    if !d.0.is_empty() {
        return Err(bad("trailing data"));
    }
    Ok(saved)
}

struct Enc(Vec<u8>);

impl Enc {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    fn bool(&mut self, v: bool) {
        self.u64(u64::from(v));
    }
    fn f64s(&mut self, v: &[f64]) {
        self.usize(v.len());
        for &x in v {
            self.f64(x);
        }
    }
    fn u32s(&mut self, v: &[u32]) {
        self.usize(v.len());
        for &x in v {
            self.u64(u64::from(x));
        }
    }
    fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_f64s(&mut self, v: &Option<Vec<f64>>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.f64s(v);
        }
    }
    fn phase(&mut self, p: Phase) {
        self.u64(match p {
            Phase::Spontaneous => 0,
            Phase::Train => 1,
            Phase::Test => 2,
        });
    }
    fn rls(&mut self, r: &RlsState) {
        self.usize(r.n);
        self.f64s(&r.p);
        self.f64s(&r.k);
        self.f64(r.pending_c);
    }
    fn saved(&mut self, s: &Saved) {
        self.str(&s.config_toml);
        let c = &s.trainer;
        self.u64(c.step);
        self.usize(c.phase_index);
        let n = &c.network;
        self.f64s(&n.x);
        self.f64s(&n.z);
        self.f64s(&n.w);
        self.opt_f64s(&n.y);
        self.f64s(&n.trained_jgg);
        self.opt_f64s(&n.j_fg);
        self.rls(&c.readout);
        self.usize(c.per_row.len());
        for r in &c.per_row {
            self.rls(r);
        }
        self.bool(c.shared.is_some());
        if let Some(r) = &c.shared {
            self.rls(r);
        }
        self.f64s(&c.z_history);
        self.usize(c.metrics.len());
        for m in &c.metrics {
            self.phase(m.phase);
            self.u64(m.steps);
            self.f64(m.duration_ms);
            self.usize(m.outputs.len());
            for o in &m.outputs {
                for v in o.values() {
                    self.f64(v);
                }
            }
        }
        let a = &c.accumulator;
        self.phase(a.phase);
        self.usize(a.n_out);
        self.u64(a.steps);
        self.u64(a.first_period_n);
        self.u64(a.first_period_steps);
        self.u64(a.stride);
        for v in [
            &a.sum_abs,
            &a.sum_sq,
            &a.first_period_abs,
            &a.z_samples,
            &a.f_samples,
            &a.sum_f,
            &a.sum_f2,
            &a.sum_z,
            &a.sum_z2,
            &a.last_dw,
        ] {
            self.f64s(v);
        }
        self.usize(c.health.len());
        for h in &c.health {
            self.str(&h.learner);
            self.u64(h.matrices);
            self.u64(h.updates);
            self.f64(h.min_diagonal);
            self.f64(h.min_denominator);
            self.f64(h.symmetry_drift);
            self.u64(h.skipped_updates);
        }
        self.usize(s.phases.len());
        for p in &s.phases {
            self.phase(p.phase);
            self.u64(p.first_step);
            self.u64(p.last_step);
            self.f64(p.t_start_ms);
            self.f64(p.t_end_ms);
            self.u64(p.decimate);
            for v in [
                &p.t_ms,
                &p.z,
                &p.f,
                &p.x_start,
                &p.z_start,
                &p.w_start,
                &p.rates,
                &p.update_t_ms,
                &p.w_norm,
                &p.dw_norm,
            ] {
                self.f64s(v);
            }
            self.u32s(&p.rates_index);
            self.opt_f64s(&p.inputs);
            self.opt_f64s(&p.feedback_rates);
            self.opt_f64s(&p.y_start);
        }
        self.bool(s.covariance.is_some());
        if let Some(cv) = &s.covariance {
            self.u64(cv.first_step);
            self.u64(cv.last_step);
            self.opt_f64s(&cv.shift);
            self.f64s(&cv.buf);
            self.u64(cv.samples);
            self.f64s(&cv.sum);
            self.f64s(&cv.scatter);
            self.bool(cv.finite);
        }
    }
}

struct Dec<'a>(&'a [u8]);

type R<T> = Result<T, &'static str>;

impl Dec<'_> {
    fn u64(&mut self) -> R<u64> {
        if self.0.len() < 8 {
            return Err("truncated payload");
        }
        let (a, b) = self.0.split_at(8);
        self.0 = b;
        Ok(u64::from_le_bytes(a.try_into().map_err(|_| "truncated")?))
    }
    fn f64(&mut self) -> R<f64> {
        self.u64().map(f64::from_bits)
    }
    fn usize(&mut self) -> R<usize> {
        usize::try_from(self.u64()?).map_err(|_| "length out of range")
    }
    fn len(&mut self, item: usize) -> R<usize> {
        let n = self.usize()?;
        if n.checked_mul(item).is_none_or(|b| b > self.0.len()) {
            return Err("a length runs past the end");
        }
        Ok(n)
    }
    fn bool(&mut self) -> R<bool> {
        match self.u64()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err("bad flag"),
        }
    }
    fn f64s(&mut self) -> R<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    fn u32s(&mut self) -> R<Vec<u32>> {
        let n = self.len(8)?;
        (0..n)
            .map(|_| u32::try_from(self.u64()?).map_err(|_| "index out of range"))
            .collect()
    }
    fn str(&mut self) -> R<String> {
        let n = self.len(1)?;
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        String::from_utf8(a.to_vec()).map_err(|_| "config is not UTF-8")
    }
    fn opt_f64s(&mut self) -> R<Option<Vec<f64>>> {
        Ok(if self.bool()? {
            Some(self.f64s()?)
        } else {
            None
        })
    }
    fn phase(&mut self) -> R<Phase> {
        match self.u64()? {
            0 => Ok(Phase::Spontaneous),
            1 => Ok(Phase::Train),
            2 => Ok(Phase::Test),
            _ => Err("bad phase"),
        }
    }
    fn rls(&mut self) -> R<RlsState> {
        Ok(RlsState {
            n: self.usize()?,
            p: self.f64s()?,
            k: self.f64s()?,
            pending_c: self.f64()?,
        })
    }
    fn saved(&mut self) -> R<Saved> {
        let config_toml = self.str()?;
        let step = self.u64()?;
        let phase_index = self.usize()?;
        let network = NetworkState {
            x: self.f64s()?,
            z: self.f64s()?,
            w: self.f64s()?,
            y: self.opt_f64s()?,
            trained_jgg: self.f64s()?,
            j_fg: self.opt_f64s()?,
        };
        let readout = self.rls()?;
        let n_rows = self.len(8)?;
        let per_row = (0..n_rows).map(|_| self.rls()).collect::<R<Vec<_>>>()?;
        let shared = if self.bool()? {
            Some(self.rls()?)
        } else {
            None
        };
        let z_history = self.f64s()?;
        let n_metrics = self.len(8)?;
        let mut metrics = Vec::with_capacity(n_metrics);
        for _ in 0..n_metrics {
            let phase = self.phase()?;
            let steps = self.u64()?;
            let duration_ms = self.f64()?;
            let n_out = self.len(72)?;
            let mut outputs = Vec::with_capacity(n_out);
            for _ in 0..n_out {
                let mut v = [0.0; 9];
                for x in &mut v {
                    *x = self.f64()?;
                }
                outputs.push(OutputMetrics {
                    mae: v[0],
                    rms: v[1],
                    rms_norm: v[2],
                    best_corr: v[3],
                    best_lag_ms: v[4],
                    mae_first_period: v[5],
                    amp_ratio: v[6],
                    w_norm: v[7],
                    dw_norm: v[8],
                });
            }
            metrics.push(PhaseMetrics {
                phase,
                steps,
                duration_ms,
                outputs,
            });
        }
        let accumulator = PhaseAccumulator {
            phase: self.phase()?,
            n_out: self.usize()?,
            steps: self.u64()?,
            first_period_n: self.u64()?,
            first_period_steps: self.u64()?,
            stride: self.u64()?,
            sum_abs: self.f64s()?,
            sum_sq: self.f64s()?,
            first_period_abs: self.f64s()?,
            z_samples: self.f64s()?,
            f_samples: self.f64s()?,
            sum_f: self.f64s()?,
            sum_f2: self.f64s()?,
            sum_z: self.f64s()?,
            sum_z2: self.f64s()?,
            last_dw: self.f64s()?,
        };
        let n_health = self.len(8)?;
        let mut health = Vec::with_capacity(n_health);
        for _ in 0..n_health {
            health.push(LearnerHealth {
                learner: self.str()?,
                matrices: self.u64()?,
                updates: self.u64()?,
                min_diagonal: self.f64()?,
                min_denominator: self.f64()?,
                symmetry_drift: self.f64()?,
                skipped_updates: self.u64()?,
            });
        }
        let n_phases = self.len(8)?;
        let mut phases = Vec::with_capacity(n_phases);
        for _ in 0..n_phases {
            let mut p = PhaseRecord::empty(self.phase()?, self.u64()?, 0.0);
            p.last_step = self.u64()?;
            p.t_start_ms = self.f64()?;
            p.t_end_ms = self.f64()?;
            p.decimate = self.u64()?;
            p.t_ms = self.f64s()?;
            p.z = self.f64s()?;
            p.f = self.f64s()?;
            p.x_start = self.f64s()?;
            p.z_start = self.f64s()?;
            p.w_start = self.f64s()?;
            p.rates = self.f64s()?;
            p.update_t_ms = self.f64s()?;
            p.w_norm = self.f64s()?;
            p.dw_norm = self.f64s()?;
            p.rates_index = self.u32s()?;
            p.inputs = self.opt_f64s()?;
            p.feedback_rates = self.opt_f64s()?;
            p.y_start = self.opt_f64s()?;
            phases.push(p);
        }
        let covariance = if self.bool()? {
            Some(CovarianceState {
                first_step: self.u64()?,
                last_step: self.u64()?,
                shift: self.opt_f64s()?,
                buf: self.f64s()?,
                samples: self.u64()?,
                sum: self.f64s()?,
                scatter: self.f64s()?,
                finite: self.bool()?,
            })
        } else {
            None
        };
        Ok(Saved {
            config_toml,
            trainer: Checkpoint {
                step,
                phase_index,
                network,
                readout,
                per_row,
                shared,
                z_history,
                metrics,
                accumulator,
                health,
            },
            phases,
            covariance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_files_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("x.checkpoint");
        std::fs::write(&path, b"CNNCKPT\0garbage that is long enough to pass").expect("w");
        assert!(read(&path).is_err());
        assert!(is_checkpoint(&path));
        std::fs::write(&path, b"HDF").expect("w");
        assert!(!is_checkpoint(&path));
    }
}
