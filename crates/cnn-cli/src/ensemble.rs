//! Ensembles and sweeps: many seeds and parameter grids from one config, in parallel,
//! resumable, in shards for a cluster.
//!
//! A config with an `[ensemble]` or a `[sweep]` table describes many members; each member
//! is the base config plus generated overrides (its seed and swept values), loaded and
//! validated by [`config::load`] exactly like `--set` overrides. All members are
//! validated before any work starts ([`load_plan`]).
//!
//! Execution ([`run`]): a rayon pool runs the members (`--jobs`), each through
//! [`crate::run::run_member`], the single-run code path; a member depends only on its own
//! config and seed, so it is bit-identical whatever the thread count. Finished members go
//! over a channel to one writer thread (the HDF5 library must not be called from several
//! threads at once), which writes each as a part file `<OUT>.parts/member-<index>.h5`
//! (temporary name, then rename): that is what makes a run resumable. When all members
//! are done, the parts are assembled into `<OUT>` ([`cnn_io::EnsembleWriter`]) and the
//! parts directory is removed. Running the same command again after a crash, Ctrl-C or
//! `kill -9` skips every member whose part file is complete and carries this ensemble's
//! config hash.

use crate::config::{self, ConfigError, Experiment, KeyPath, Locator, Override, Source};
use crate::run::{run_member, MemberOptions};
use crate::Failure;
use cnn_core::Phase;
use cnn_io::{
    Column, EnsembleMeta, EnsembleReader, EnsembleWriter, MemberInfo, RunRecord, SummaryTable,
};
use cnn_train::{OutputMetrics, Termination};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Set by the Ctrl-C handler: running members stop after their current step.
static STOP: AtomicBool = AtomicBool::new(false);

/// How members record their traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordLevel {
    /// The whole run layout, as a single run writes it.
    Full,
    /// Everything but the traces (zero-row phase datasets) and the PCA.
    Summary,
}

impl RecordLevel {
    /// `"full"` or `"summary"`.
    pub fn name(self) -> &'static str {
        match self {
            RecordLevel::Full => "full",
            RecordLevel::Summary => "summary",
        }
    }
}

/// One member of the plan.
pub struct MemberPlan {
    /// Index in the ensemble.
    pub index: u64,
    /// Network seed.
    pub seed: u64,
    /// Swept values, in the order of [`Plan::swept`].
    pub values: Vec<f64>,
    /// Base overrides plus the member's own.
    overrides: Vec<Override>,
}

/// A validated ensemble: every member's config checked.
pub struct Plan {
    /// Config name (file stem or preset).
    pub name: String,
    /// Members in index order.
    pub members: Vec<MemberPlan>,
    /// Swept keys.
    pub swept: Vec<String>,
    /// Recording level.
    pub record: RecordLevel,
    /// The resolved ensemble config (base config, `[ensemble]`, `[sweep]`).
    pub config_toml: String,
    /// Hash of all members' resolved configs.
    pub hash: String,
    text: String,
    source: Source,
    /// Description line of the base config.
    pub description: String,
}

impl Plan {
    /// Loads and validates member `m` (again: experiments are not kept, they hold
    /// targets that may be large).
    fn experiment(&self, m: &MemberPlan) -> Result<Experiment, Failure> {
        config::load(&self.text, &self.source, &m.overrides).map_err(Failure::input)
    }
}

/// FNV-1a, 64 bit: a stable hash (same on every machine and version of Rust).
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn int_value(v: &toml::Value) -> Option<i64> {
    v.as_integer()
}

/// Looks up a dotted key (`network.g_gg`, `targets.0.amplitude`) in a TOML value.
fn lookup<'a>(root: &'a toml::Value, key: &str) -> Option<&'a toml::Value> {
    let mut cur = root;
    for seg in key.split('.') {
        cur = match cur {
            toml::Value::Table(t) => t.get(seg)?,
            toml::Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The numeric value of `key` in a member's resolved config (NaN if absent).
fn swept_value(config_toml: &str, key: &str) -> f64 {
    toml::from_str::<toml::Table>(config_toml)
        .ok()
        .and_then(|t| {
            let root = toml::Value::Table(t);
            lookup(&root, key).and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
        })
        .unwrap_or(f64::NAN)
}

/// Loads a config; `Ok(None)` if it has neither `[ensemble]` nor `[sweep]` (a single
/// run). Validates every member before returning.
pub fn load_plan(
    text: &str,
    source: &Source,
    overrides: &[Override],
) -> Result<Option<Plan>, ConfigError> {
    let base = config::load(text, source, overrides)?;
    if base.ensemble.is_none() && base.sweep.is_none() {
        return Ok(None);
    }
    let loc = Locator::new(source, text, overrides);
    let key = |parts: &[&str]| KeyPath::of(parts);

    // [ensemble]
    let ens = base.ensemble.clone().unwrap_or_default();
    for k in ens.keys() {
        if !matches!(k.as_str(), "seeds" | "derive" | "seed" | "record") {
            return Err(loc.err(
                &key(&["ensemble", k]),
                "unknown key; allowed in [ensemble]: seeds, derive, seed, record",
            ));
        }
    }
    let seeds: Vec<u64> = match ens.get("seeds") {
        None if base.ensemble.is_some() => {
            return Err(loc.err(
                &key(&["ensemble", "seeds"]),
                "missing; give a list (seeds = [1, 2, 3]) or a range (seeds = { start = 0, count = 10 })",
            ))
        }
        None => vec![base.seed],
        Some(toml::Value::Array(list)) => {
            if list.is_empty() {
                return Err(loc.err(
                    &key(&["ensemble", "seeds"]),
                    "the seed list is empty; give at least one seed",
                ));
            }
            let mut out = Vec::with_capacity(list.len());
            for v in list {
                match int_value(v) {
                    Some(s) if s >= 0 => {
                        if out.contains(&(s as u64)) {
                            return Err(loc.err(
                                &key(&["ensemble", "seeds"]),
                                format!("seed {s} appears twice"),
                            ));
                        }
                        out.push(s as u64)
                    }
                    _ => {
                        return Err(loc.err(
                            &key(&["ensemble", "seeds"]),
                            format!("{v} is not allowed; seeds are integers >= 0"),
                        ))
                    }
                }
            }
            out
        }
        Some(toml::Value::Table(t)) => {
            for k in t.keys() {
                if k != "start" && k != "count" {
                    return Err(loc.err(
                        &key(&["ensemble", "seeds"]),
                        format!("unknown key `{k}`; a seed range has start and count"),
                    ));
                }
            }
            let start = match t.get("start") {
                None => 0,
                Some(v) => match int_value(v) {
                    Some(s) if s >= 0 => s as u64,
                    _ => {
                        return Err(loc.err(
                            &key(&["ensemble", "seeds"]),
                            format!("start = {v} is not allowed; an integer >= 0"),
                        ))
                    }
                },
            };
            let count = match t.get("count").map(int_value) {
                Some(Some(c)) if (1..=1_000_000).contains(&c) => c as u64,
                Some(_) | None => {
                    return Err(loc.err(
                        &key(&["ensemble", "seeds"]),
                        "count must be an integer between 1 and 1000000 (the seed range is empty otherwise)",
                    ))
                }
            };
            (start..start + count).collect()
        }
        Some(v) => {
            return Err(loc.err(
                &key(&["ensemble", "seeds"]),
                format!("{v} is not allowed; give a list of seeds or {{ start = 0, count = 10 }}"),
            ))
        }
    };
    let derive = match ens.get("derive") {
        None => false,
        Some(toml::Value::Boolean(b)) => *b,
        Some(v) => {
            return Err(loc.err(
                &key(&["ensemble", "derive"]),
                format!("{v} is not allowed; true or false"),
            ))
        }
    };
    let ensemble_seed = match ens.get("seed") {
        None => base.seed,
        Some(_) if !derive => {
            return Err(loc.err(
                &key(&["ensemble", "seed"]),
                "is used only with derive = true (the listed seeds are used as they are)",
            ))
        }
        Some(v) => match int_value(v) {
            Some(s) if s >= 0 => s as u64,
            _ => {
                return Err(loc.err(
                    &key(&["ensemble", "seed"]),
                    format!("{v} is not allowed; an integer >= 0"),
                ))
            }
        },
    };
    let record =
        match ens.get("record").map(|v| v.as_str()) {
            None | Some(Some("full")) => RecordLevel::Full,
            Some(Some("summary")) => RecordLevel::Summary,
            Some(_) => return Err(loc.err(
                &key(&["ensemble", "record"]),
                "not allowed; \"full\" (every trace) or \"summary\" (metrics, weights, no traces)",
            )),
        };
    let member_seeds: Vec<u64> = seeds
        .iter()
        .map(|&s| {
            if derive {
                cnn_core::seeds::member_seed(ensemble_seed, s)
            } else {
                s
            }
        })
        .collect();

    // [sweep]
    let sweep = base.sweep.clone().unwrap_or_default();
    let resolved_base =
        toml::Value::Table(toml::from_str::<toml::Table>(&base.resolved_toml).unwrap_or_default());
    let zip =
        match sweep.get("mode").map(|v| v.as_str()) {
            None | Some(Some("grid")) => false,
            Some(Some("zip")) => true,
            Some(_) => return Err(loc.err(
                &key(&["sweep", "mode"]),
                "not allowed; \"grid\" (every combination) or \"zip\" (the i-th values together)",
            )),
        };
    let mut swept: Vec<(String, Vec<toml::Value>)> = Vec::new();
    let mut names: Vec<&String> = sweep.keys().filter(|k| *k != "mode").collect();
    names.sort();
    for name in names {
        let kp = KeyPath::of(&["sweep", name]);
        if matches!(name.split('.').next(), Some("seed" | "ensemble" | "sweep")) {
            return Err(loc.err(&kp, "cannot be swept; list the seeds in [ensemble] seeds"));
        }
        let Some(current) = lookup(&resolved_base, name) else {
            return Err(loc.err(
                &kp,
                format!("`{name}` is not a key of the config; sweep keys are dotted paths such as \"network.g_gg\" or \"targets.0.amplitude\""),
            ));
        };
        let is_int = current.is_integer();
        if !is_int && !current.is_float() {
            return Err(loc.err(
                &kp,
                format!(
                    "`{name}` is not numeric (it is {current}); only numeric keys can be swept"
                ),
            ));
        }
        let Some(list) = sweep[name].as_array() else {
            return Err(loc.err(&kp, "give a list of values, e.g. [0.8, 1.0, 1.2]"));
        };
        if list.is_empty() {
            return Err(loc.err(&kp, "the list of values is empty"));
        }
        let mut values = Vec::with_capacity(list.len());
        for v in list {
            let v = match (v, is_int) {
                (toml::Value::Integer(_), _) => v.clone(),
                (toml::Value::Float(f), false) => toml::Value::Float(*f),
                (toml::Value::Float(f), true) => {
                    return Err(loc.err(
                        &kp,
                        format!("{f} is not an integer; `{name}` takes integers"),
                    ))
                }
                (other, _) => return Err(loc.err(&kp, format!("{other} is not a number"))),
            };
            // An integer given for a float key is written as a float.
            let v = match (v, is_int) {
                (toml::Value::Integer(i), false) => toml::Value::Float(i as f64),
                (v, _) => v,
            };
            values.push(v);
        }
        swept.push((name.clone(), values));
    }
    if base.sweep.is_some() && swept.is_empty() {
        return Err(loc.err(
            &key(&["sweep"]),
            "no swept key; add e.g. \"network.g_gg\" = [0.8, 1.0, 1.2]",
        ));
    }
    let points: Vec<Vec<toml::Value>> = if swept.is_empty() {
        vec![Vec::new()]
    } else if zip {
        let n = swept[0].1.len();
        if let Some((k, v)) = swept.iter().find(|(_, v)| v.len() != n) {
            return Err(loc.err(
                &KeyPath::of(&["sweep", k]),
                format!(
                    "has {} values but `{}` has {n}; in zip mode every list has the same length",
                    v.len(),
                    swept[0].0
                ),
            ));
        }
        (0..n)
            .map(|i| swept.iter().map(|(_, v)| v[i].clone()).collect())
            .collect()
    } else {
        let mut pts: Vec<Vec<toml::Value>> = vec![Vec::new()];
        for (_, values) in &swept {
            pts = pts
                .into_iter()
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(v.clone());
                        q
                    })
                })
                .collect();
        }
        pts
    };
    let total = points.len() * member_seeds.len();
    if total > 1_000_000 {
        return Err(loc.err(
            &key(&["sweep"]),
            format!("{total} members is too many (at most 1000000)"),
        ));
    }

    // Every member, validated.
    let mut members = Vec::with_capacity(total);
    let mut hash = fnv1a(b"cnn-ensemble 1\n", 0xcbf2_9ce4_8422_2325);
    hash = fnv1a(record.name().as_bytes(), hash);
    for (p, point) in points.iter().enumerate() {
        for (s, &seed) in member_seeds.iter().enumerate() {
            let index = (p * member_seeds.len() + s) as u64;
            let origin = format!("{}: member {index}", source.display);
            let mut ovs = overrides.to_vec();
            ovs.push(Override::generated(
                "seed",
                toml::Value::Integer(seed as i64),
                origin.clone(),
            ));
            for ((name, _), v) in swept.iter().zip(point) {
                ovs.push(Override::generated(name, v.clone(), origin.clone()));
            }
            let exp = config::load(text, source, &ovs)?;
            hash = fnv1a(format!("member {index}\n").as_bytes(), hash);
            hash = fnv1a(exp.resolved_toml.as_bytes(), hash);
            members.push(MemberPlan {
                index,
                seed,
                values: point
                    .iter()
                    .map(|v| {
                        v.as_float()
                            .or(v.as_integer().map(|i| i as f64))
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
                overrides: ovs,
            });
        }
    }

    // The resolved ensemble config: the base config plus both tables, explicit.
    let mut ens_t = toml::Table::new();
    ens_t.insert(
        "seeds".into(),
        toml::Value::Array(
            seeds
                .iter()
                .map(|&s| toml::Value::Integer(s as i64))
                .collect(),
        ),
    );
    ens_t.insert("derive".into(), toml::Value::Boolean(derive));
    if derive {
        ens_t.insert("seed".into(), toml::Value::Integer(ensemble_seed as i64));
    }
    ens_t.insert("record".into(), toml::Value::String(record.name().into()));
    let mut tail = toml::Table::new();
    tail.insert("ensemble".into(), toml::Value::Table(ens_t));
    if !swept.is_empty() {
        let mut sw = toml::Table::new();
        sw.insert(
            "mode".into(),
            toml::Value::String(if zip { "zip" } else { "grid" }.into()),
        );
        for (k, v) in &swept {
            sw.insert(k.clone(), toml::Value::Array(v.clone()));
        }
        tail.insert("sweep".into(), toml::Value::Table(sw));
    }
    let config_toml = format!(
        "{}\n{}",
        base.resolved_toml,
        toml::to_string(&tail).unwrap_or_default()
    );
    Ok(Some(Plan {
        name: base.name.clone(),
        members,
        swept: swept.into_iter().map(|(k, _)| k).collect(),
        record,
        config_toml,
        hash: format!("{hash:016x}"),
        text: text.to_string(),
        source: source.clone(),
        description: base.description.clone(),
    }))
}

/// Parses `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<(u64, u64), Failure> {
    let bad = |why: &str| {
        Failure::input(format!(
            "--shard {s}: {why}; expected K/N with 0 <= K < N, e.g. --shard 0/4"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(|| bad("no `/`"))?;
    let k: u64 = k
        .trim()
        .parse()
        .map_err(|_| bad("K is not a whole number"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| bad("N is not a whole number"))?;
    if n == 0 {
        return Err(bad("N must be at least 1"));
    }
    if k >= n {
        return Err(bad("K must be smaller than N"));
    }
    Ok((k, n))
}

/// Options of an ensemble run.
pub struct RunOptions {
    /// Output file.
    pub out: PathBuf,
    /// Replace an existing output.
    pub force: bool,
    /// Worker threads (0: all cores).
    pub jobs: usize,
    /// Run only members with index % N == K.
    pub shard: Option<(u64, u64)>,
    /// No progress bar and no summary.
    pub quiet: bool,
    /// One line per finished member.
    pub verbose: bool,
    /// Draw the summary figure beside the output.
    pub plot: bool,
}

/// The parts directory of an output: `<OUT>.parts`.
pub fn parts_dir(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".parts");
    out.with_file_name(name)
}

fn part_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("member-{index:06}.h5"))
}

/// What the writer thread receives: a finished member, or a failure.
enum Done {
    Member {
        info: MemberInfo,
        record: Box<RunRecord>,
        line: String,
    },
    Error(Failure),
}

/// Removes the traces of a record (recording level `summary`).
fn strip(mut rec: RunRecord) -> RunRecord {
    for p in &mut rec.phases {
        p.clear_traces();
    }
    rec.pca = None;
    rec
}

fn member_line(
    m: &MemberPlan,
    swept: &[String],
    outcome: &cnn_train::Outcome,
    wall: f64,
) -> String {
    let vals: Vec<String> = swept
        .iter()
        .zip(&m.values)
        .map(|(k, v)| format!(", {k} = {v}"))
        .collect();
    let verdict = match &outcome.termination {
        Termination::Finished if outcome.success => "success".to_string(),
        Termination::Finished => "failed".to_string(),
        Termination::Diverged { quantity, t_ms, .. } => {
            format!("diverged ({quantity} at {t_ms} ms)")
        }
        Termination::Interrupted { .. } => "interrupted".to_string(),
    };
    let corr = outcome
        .metrics
        .iter()
        .find(|p| p.phase == Phase::Test)
        .and_then(|p| p.outputs.first())
        .map(|o| format!(", test corr {:.4}", o.best_corr))
        .unwrap_or_default();
    format!(
        "member {} (seed {}{}): {verdict}{corr}, {wall:.1} s",
        m.index,
        m.seed,
        vals.concat()
    )
}

/// Removes a directory when dropped if it is empty (`remove_dir` refuses otherwise).
struct RemoveIfEmpty<'a>(&'a Path);

impl Drop for RemoveIfEmpty<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(self.0);
    }
}

/// `cnn run` on an ensemble config.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<u8, Failure> {
    let out = &opts.out;
    crate::run::check_output(out, opts.force)?;
    let mine: Vec<&MemberPlan> = plan
        .members
        .iter()
        .filter(|m| opts.shard.is_none_or(|(k, n)| m.index % n == k))
        .collect();
    let dir = parts_dir(out);
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::input(format!(
            "cannot create the parts directory {}: {e}",
            dir.display()
        ))
    })?;
    // Whatever happens below, an empty parts directory does not stay behind (a failed
    // write of the first part, say); one holding finished parts stays for resume.
    let _empty_parts = RemoveIfEmpty(&dir);
    // Stale temporary files of killed runs.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".partial-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let mut todo = Vec::new();
    let mut resumed = 0usize;
    for m in &mine {
        let p = part_path(&dir, m.index);
        if p.exists() {
            match cnn_io::read_member_info(&p) {
                Ok(info) if info.index == m.index && info.config_hash == plan.hash => {
                    resumed += 1;
                    continue;
                }
                _ => {
                    let _ = std::fs::remove_file(&p);
                }
            }
        }
        todo.push(*m);
    }
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    if !opts.quiet {
        if !plan.description.is_empty() {
            eprintln!("cnn: {}", plan.description);
        }
        let shard = opts
            .shard
            .map(|(k, n)| format!(", shard {k}/{n}: {} of them", mine.len()))
            .unwrap_or_default();
        let sweep = if plan.swept.is_empty() {
            String::new()
        } else {
            format!(", sweeping {}", plan.swept.join(", "))
        };
        eprintln!(
            "cnn: ensemble {}: {} members{sweep}{shard}; {} to run on {jobs} thread(s){}",
            plan.name,
            plan.members.len(),
            todo.len(),
            if resumed > 0 {
                format!(", {resumed} already done in {} (resuming)", dir.display())
            } else {
                String::new()
            }
        );
    }

    let handler = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            // A second Ctrl-C: leave now (finished parts are on disk).
            std::process::exit(130);
        }
    });
    if let Err(e) = handler {
        if !opts.quiet {
            eprintln!("cnn: note: cannot install the Ctrl-C handler ({e})");
        }
    }

    let bar = if !opts.quiet && std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(mine.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "members {pos}/{len} [{bar:30}] {elapsed_precise} ETA {eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_position(resumed as u64);

    let (tx, rx) = mpsc::channel::<Done>();
    let writer = {
        let dir = dir.clone();
        let bar = bar.clone();
        let verbose = opts.verbose && !opts.quiet;
        std::thread::spawn(move || -> Result<(usize, usize), Failure> {
            let (mut done, mut ok) = (0usize, 0usize);
            let mut first_error = None;
            for msg in rx {
                match msg {
                    Done::Member { info, record, line } => {
                        if first_error.is_some() {
                            continue;
                        }
                        let success = record.success == Some(true);
                        if let Err(e) =
                            cnn_io::write_member_part(&part_path(&dir, info.index), &info, &record)
                        {
                            first_error = Some(Failure {
                                code: 2,
                                message: e.to_string(),
                            });
                            STOP.store(true, Ordering::SeqCst);
                            continue;
                        }
                        done += 1;
                        ok += usize::from(success);
                        bar.inc(1);
                        bar.set_message(format!("success {ok}/{done}"));
                        if verbose {
                            bar.suspend(|| eprintln!("{line}"));
                        }
                    }
                    Done::Error(f) => {
                        if first_error.is_none() {
                            first_error = Some(f);
                        }
                        STOP.store(true, Ordering::SeqCst);
                    }
                }
            }
            match first_error {
                Some(f) => Err(f),
                None => Ok((done, ok)),
            }
        })
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::input(format!("--jobs {jobs}: cannot start the threads: {e}")))?;
    pool.install(|| {
        todo.par_iter().with_max_len(1).for_each_with(tx, |tx, m| {
            if STOP.load(Ordering::SeqCst) {
                return;
            }
            let result = plan.experiment(m).and_then(|exp| {
                run_member(
                    &exp,
                    &MemberOptions {
                        progress: false,
                        quiet: true,
                        stop: Some(&STOP),
                        pca: plan.record == RecordLevel::Full,
                    },
                )
            });
            let msg = match result {
                Ok(r) => {
                    if matches!(r.outcome.termination, Termination::Interrupted { .. }) {
                        return;
                    }
                    let line = member_line(m, &plan.swept, &r.outcome, r.wall_s);
                    let record = match plan.record {
                        RecordLevel::Full => r.record,
                        RecordLevel::Summary => strip(r.record),
                    };
                    Done::Member {
                        info: MemberInfo {
                            index: m.index,
                            config_hash: plan.hash.clone(),
                            wall_s: r.wall_s,
                        },
                        record: Box::new(record),
                        line,
                    }
                }
                Err(f) => Done::Error(Failure {
                    code: f.code,
                    message: format!("member {}: {}", m.index, f.message),
                }),
            };
            let _ = tx.send(msg);
        });
    });
    let written = writer
        .join()
        .map_err(|_| Failure::input("the writer thread panicked"))?;
    bar.finish_and_clear();
    let (done_now, _) = written?;
    let done = resumed + done_now;
    if done < mine.len() {
        eprintln!(
            "cnn: interrupted: {done} of {} members are done and kept in {}",
            mine.len(),
            dir.display()
        );
        eprintln!("cnn: to resume, run the same command again (finished members are skipped)");
        return Ok(130);
    }

    // Assemble.
    let meta = EnsembleMeta {
        cnn_version: env!("CARGO_PKG_VERSION").to_string(),
        config_toml: plan.config_toml.clone(),
        config_hash: plan.hash.clone(),
        n_members: plan.members.len() as u64,
        swept: plan.swept.clone(),
        record: plan.record.name().to_string(),
        shard: opts.shard,
    };
    let parts: Vec<PathBuf> = mine.iter().map(|m| part_path(&dir, m.index)).collect();
    assemble(
        out,
        &meta,
        opts.force,
        parts
            .iter()
            .map(|p| cnn_io::read_member_part(p).map_err(Failure::input)),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    if !opts.quiet {
        let reader = EnsembleReader::open(out).map_err(Failure::input)?;
        let summary = reader.summary().map_err(Failure::input)?;
        print_table(&plan.swept, &summary);
        println!("wrote {}", out.display());
    }
    if opts.plot {
        for p in crate::plot::ensemble::figures_beside(out)? {
            if !opts.quiet {
                println!("wrote {}", p.display());
            }
        }
    }
    Ok(0)
}

/// Writes an ensemble file from members given in ascending index order.
fn assemble(
    out: &Path,
    meta: &EnsembleMeta,
    force: bool,
    members: impl Iterator<Item = Result<(MemberInfo, RunRecord), Failure>>,
) -> Result<(), Failure> {
    let mut w = EnsembleWriter::create(out, meta, force).map_err(Failure::input)?;
    let mut rows = Vec::new();
    for m in members {
        let (info, rec) = m?;
        w.add_member(&info, &rec).map_err(Failure::input)?;
        rows.push(Row::of(&info, &rec, &meta.swept));
    }
    w.finish(&summary_table(&meta.swept, &rows))
        .map_err(Failure::input)
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
const HEALTH_COLUMNS: [&str; 3] = [
    "health.min_denominator",
    "health.min_p_diagonal",
    "health.skipped_updates",
];

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Prints success and median metrics per sweep point.
fn print_table(swept: &[String], s: &SummaryTable) {
    let rows = s.rows();
    let key_cols: Vec<Vec<f64>> = swept
        .iter()
        .filter_map(|k| s.get(k).map(Column::as_f64))
        .collect();
    let success = s.get("success").map(Column::as_f64).unwrap_or_default();
    let pick = |name: &str| s.get(name).map(Column::as_f64);
    let corr = pick("test.best_corr").or_else(|| pick("test.best_corr.0"));
    let mae = pick("train.mae").or_else(|| pick("train.mae.0"));
    let w = pick("train.w_norm").or_else(|| pick("train.w_norm.0"));
    let mut points: Vec<Vec<f64>> = Vec::new();
    for i in 0..rows {
        let p: Vec<f64> = key_cols.iter().map(|c| c[i]).collect();
        if !points
            .iter()
            .any(|q| q.iter().zip(&p).all(|(a, b)| a.to_bits() == b.to_bits()))
        {
            points.push(p);
        }
    }
    let head: Vec<String> = swept.iter().map(|k| format!("{k:>14}")).collect();
    println!(
        "{} {:>7} {:>9} {:>12} {:>13} {:>9}",
        head.join(" "),
        "members",
        "success",
        "train MAE",
        "test corr",
        "|w|"
    );
    let mut total_ok = 0usize;
    for p in &points {
        let idx: Vec<usize> = (0..rows)
            .filter(|&i| {
                key_cols
                    .iter()
                    .zip(p)
                    .all(|(c, v)| c[i].to_bits() == v.to_bits())
            })
            .collect();
        let ok = idx
            .iter()
            .filter(|&&i| success.get(i) == Some(&1.0))
            .count();
        total_ok += ok;
        let med = |c: &Option<Vec<f64>>| {
            c.as_ref()
                .map(|c| median(&idx.iter().map(|&i| c[i]).collect::<Vec<_>>()))
                .unwrap_or(f64::NAN)
        };
        let vals: Vec<String> = p.iter().map(|v| format!("{v:>14}")).collect();
        println!(
            "{} {:>7} {:>9} {:>12.5} {:>13.4} {:>9.4}",
            vals.join(" "),
            idx.len(),
            format!("{ok}/{}", idx.len()),
            med(&mae),
            med(&corr),
            med(&w)
        );
    }
    println!("success: {total_ok} of {rows} members (medians over seeds)");
    print_health(s);
}

/// One line on the numerical health of P over all members: the worst member for the
/// smallest `1 + r.P r` and the smallest diagonal of P, and the skipped updates.
fn print_health(s: &SummaryTable) {
    let (Some(den), Some(diag), Some(skip), Some(member)) = (
        s.get(HEALTH_COLUMNS[0]).map(Column::as_f64),
        s.get(HEALTH_COLUMNS[1]).map(Column::as_f64),
        s.get(HEALTH_COLUMNS[2]).map(Column::as_f64),
        s.get("member").map(Column::as_f64),
    ) else {
        return;
    };
    let worst = |c: &[f64]| {
        c.iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, &v)| (v, member[i]))
    };
    let (Some((d, dm)), Some((p, pm))) = (worst(&den), worst(&diag)) else {
        return;
    };
    let skipped: f64 = skip.iter().filter(|v| !v.is_nan()).sum();
    println!(
        "health: min 1 + r.Pr {d:.6} (member {dm}), min diag(P) {p:.3e} (member {pm}), \
         skipped updates {skipped}"
    );
}

/// `cnn info` for an ensemble or shard file.
pub fn info(path: &Path) -> Result<u8, Failure> {
    let r = EnsembleReader::open(path).map_err(Failure::input)?;
    let m = r.meta();
    let present = r.member_indices().map_err(Failure::input)?;
    let what = match m.shard {
        Some((k, n)) => format!("cnn ensemble shard {k}/{n}"),
        None => "cnn ensemble file".to_string(),
    };
    println!(
        "{}: {what} (cnn {}), config hash {}",
        path.display(),
        m.cnn_version,
        m.config_hash
    );
    println!(
        "members: {} of {} in this file, recording level {}",
        present.len(),
        m.n_members,
        m.record
    );
    if m.swept.is_empty() {
        println!("sweep: none (seeds only)");
    } else {
        println!("sweep: {}", m.swept.join(", "));
    }
    let s = r.summary().map_err(Failure::input)?;
    print_table(&m.swept, &s);
    Ok(0)
}

/// `cnn merge`.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    allow_partial: bool,
    force: bool,
) -> Result<u8, Failure> {
    if shards.is_empty() {
        return Err(Failure::input("merge: give at least one shard file"));
    }
    crate::run::check_output(out, force)?;
    let readers = shards
        .iter()
        .map(|p| EnsembleReader::open(p).map_err(Failure::input))
        .collect::<Result<Vec<_>, _>>()?;
    let first = readers[0].meta().clone();
    let mut owner: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, r) in readers.iter().enumerate() {
        let m = r.meta();
        if m.config_hash != first.config_hash || m.n_members != first.n_members {
            return Err(Failure::input(format!(
                "{} comes from a different config than {} (config hash {} vs {}); shards to merge must come from the same config",
                shards[i].display(),
                shards[0].display(),
                m.config_hash,
                first.config_hash
            )));
        }
        for idx in r.member_indices().map_err(Failure::input)? {
            if let Some(&j) = owner.get(&idx) {
                return Err(Failure::input(format!(
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
        return Err(Failure::input(format!(
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
            .map(|(&idx, &i)| readers[i].read_member(idx).map_err(Failure::input)),
    )?;
    println!(
        "merged {} members from {} file(s) into {}{}",
        owner.len(),
        shards.len(),
        out.display(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(" ({} missing)", missing.len())
        }
    );
    Ok(0)
}
