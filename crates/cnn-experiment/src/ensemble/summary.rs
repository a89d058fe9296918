//! Ensemble files: the `/summary` table (one row per member) and assembling members into
//! an ensemble file, from part files ([`crate::ensemble::run_ensemble`]) or from shard
//! files ([`merge`]).

use crate::ensemble::plan::swept_value;
use crate::error::Error;
use crate::output::check_output;
use cnn_core::Phase;
use cnn_io::{
    Column, EnsembleMeta, EnsembleReader, EnsembleWriter, MemberInfo, RunRecord, SummaryTable,
};
use cnn_train::OutputMetrics;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Writes an ensemble file from members given in ascending index order.
pub(crate) fn assemble(
    out: &Path,
    meta: &EnsembleMeta,
    force: bool,
    members: impl Iterator<Item = Result<(MemberInfo, RunRecord), Error>>,
) -> Result<(), Error> {
    let mut w = EnsembleWriter::create(out, meta, force)?;
    let mut rows = Vec::new();
    for m in members {
        let (info, rec) = m?;
        w.add_member(&info, &rec)?;
        rows.push(Row::of(&info, &rec, &meta.swept));
    }
    Ok(w.finish(&summary_table(&meta.swept, &rows))?)
}

/// One row of the summary table.
struct Row {
    index: u64,
    seed: u64,
    values: Vec<f64>,
    success: i8,
    diverged: i8,
    wall_s: f64,
    n_out: usize,
    /// (phase, metric) -> one value per output.
    metrics: BTreeMap<(usize, String), Vec<f64>>,
    /// Over every RLS learner group of the member's `/health`: the smallest `1 + r.P r`,
    /// the smallest diagonal entry of P, and the skipped updates (NaN without `/health`).
    health: [f64; 3],
}

impl Row {
    fn of(info: &MemberInfo, rec: &RunRecord, swept: &[String]) -> Self {
        let mut metrics = BTreeMap::new();
        for m in &rec.metrics {
            let p = Phase::ALL.iter().position(|&q| q == m.phase).unwrap_or(0);
            for (name, v) in &m.values {
                metrics.insert((p, name.clone()), v.clone());
            }
        }
        Self {
            index: info.index,
            seed: rec.meta.seed,
            values: swept
                .iter()
                .map(|k| swept_value(&rec.meta.config_toml, k))
                .collect(),
            success: match rec.success {
                Some(true) => 1,
                Some(false) => 0,
                None => -1,
            },
            diverged: i8::from(rec.meta.status != cnn_io::RunStatus::Complete),
            wall_s: info.wall_s,
            n_out: rec.network.n_out,
            metrics,
            health: rec.health.as_ref().map_or([f64::NAN; 3], |h| {
                h.groups
                    .iter()
                    .fold([f64::INFINITY, f64::INFINITY, 0.0], |a, g| {
                        [
                            a[0].min(g.min_denominator),
                            a[1].min(g.min_p_diagonal),
                            a[2] + g.skipped_updates as f64,
                        ]
                    })
            }),
        }
    }
}

/// The `/summary` columns: `member`, `seed`, the swept keys, `success`, `diverged`,
/// `wall_s`, then `<phase>.<metric>` (`<phase>.<metric>.<k>` with several outputs) for
/// every phase any member has metrics for and every metric of
/// [`OutputMetrics::NAMES`], then [`HEALTH_COLUMNS`].
fn summary_table(swept: &[String], rows: &[Row]) -> SummaryTable {
    let mut cols = vec![
        (
            "member".to_string(),
            Column::U64(rows.iter().map(|r| r.index).collect()),
        ),
        (
            "seed".to_string(),
            Column::U64(rows.iter().map(|r| r.seed).collect()),
        ),
    ];
    for (i, k) in swept.iter().enumerate() {
        cols.push((
            k.clone(),
            Column::F64(rows.iter().map(|r| r.values[i]).collect()),
        ));
    }
    cols.push((
        "success".into(),
        Column::I8(rows.iter().map(|r| r.success).collect()),
    ));
    cols.push((
        "diverged".into(),
        Column::I8(rows.iter().map(|r| r.diverged).collect()),
    ));
    cols.push((
        "wall_s".into(),
        Column::F64(rows.iter().map(|r| r.wall_s).collect()),
    ));
    let n_out = rows.iter().map(|r| r.n_out).max().unwrap_or(1);
    for (p, phase) in Phase::ALL.iter().enumerate() {
        if !rows.iter().any(|r| r.metrics.keys().any(|(q, _)| *q == p)) {
            continue;
        }
        for metric in OutputMetrics::NAMES {
            for k in 0..n_out {
                let name = if n_out == 1 {
                    format!("{}.{metric}", phase.name())
                } else {
                    format!("{}.{metric}.{k}", phase.name())
                };
                let v = rows
                    .iter()
                    .map(|r| {
                        r.metrics
                            .get(&(p, metric.to_string()))
                            .and_then(|v| v.get(k).copied())
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                cols.push((name, Column::F64(v)));
            }
        }
    }
    for (k, name) in HEALTH_COLUMNS.iter().enumerate() {
        cols.push((
            name.to_string(),
            Column::F64(rows.iter().map(|r| r.health[k]).collect()),
        ));
    }
    SummaryTable { columns: cols }
}

/// The summary's P-health columns (from each member's `/health`, over all its learner
/// groups): smallest `1 + r.P r`, smallest diagonal entry of P, skipped updates.
pub const HEALTH_COLUMNS: [&str; 3] = [
    "health.min_denominator",
    "health.min_p_diagonal",
    "health.skipped_updates",
];

/// What [`merge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Members written.
    pub members: usize,
    /// Shard files read.
    pub files: usize,
    /// Indices of members missing from every shard (only with `allow_partial`).
    pub missing: Vec<u64>,
}

/// Merges shard files of one ensemble (`cnn run CONFIG --shard K/N`) into the file a
/// single run would write: same config hash required, each member once; missing members
/// are refused unless `allow_partial`.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    allow_partial: bool,
    force: bool,
) -> Result<Merged, Error> {
    if shards.is_empty() {
        return Err(Error::input("merge: give at least one shard file"));
    }
    check_output(out, force)?;
    let readers = shards
        .iter()
        .map(|p| EnsembleReader::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    let first = readers[0].meta().clone();
    let mut owner: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, r) in readers.iter().enumerate() {
        let m = r.meta();
        if m.config_hash != first.config_hash || m.n_members != first.n_members {
            return Err(Error::input(format!(
                "{} comes from a different config than {} (config hash {} vs {}); shards to merge must come from the same config",
                shards[i].display(),
                shards[0].display(),
                m.config_hash,
                first.config_hash
            )));
        }
        for idx in r.member_indices()? {
            if let Some(&j) = owner.get(&idx) {
                return Err(Error::input(format!(
                    "member {idx} is in both {} and {}; give each shard once",
                    shards[j].display(),
                    shards[i].display()
                )));
            }
            owner.insert(idx, i);
        }
    }
    let missing: Vec<u64> = (0..first.n_members)
        .filter(|i| !owner.contains_key(i))
        .collect();
    if !missing.is_empty() && !allow_partial {
        let list: Vec<String> = missing.iter().take(20).map(u64::to_string).collect();
        return Err(Error::input(format!(
            "{} of {} members are missing ({}{}); merge all shards, or pass --allow-partial",
            missing.len(),
            first.n_members,
            list.join(", "),
            if missing.len() > 20 { ", ..." } else { "" }
        )));
    }
    let meta = EnsembleMeta {
        shard: None,
        cnn_version: env!("CARGO_PKG_VERSION").to_string(),
        ..first
    };
    assemble(
        out,
        &meta,
        force,
        owner
            .iter()
            .map(|(&idx, &i)| readers[i].read_member(idx).map_err(Error::from)),
    )?;
    Ok(Merged {
        members: owner.len(),
        files: shards.len(),
        missing,
    })
}
