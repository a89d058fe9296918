//! Ensemble plans: a config with an `[ensemble]` or a `[sweep]` table describes many
//! members; each member is the base config plus generated overrides (its seed and swept
//! values), loaded and validated by [`config::load`] exactly like `--set` overrides. All
//! members are validated before any work starts ([`load_plan`]); shards split them by
//! index.

use crate::config::{self, Experiment};
use crate::error::Error;
use crate::locate::{ConfigError, KeyPath, Locator, Override, Source};

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
#[derive(Debug, Clone)]
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
#[derive(Debug)]
pub struct Plan {
    /// Config name (file stem or preset).
    pub(crate) name: String,
    /// Members in index order.
    pub(crate) members: Vec<MemberPlan>,
    /// Swept keys.
    pub(crate) swept: Vec<String>,
    /// Recording level.
    pub(crate) record: RecordLevel,
    /// The resolved ensemble config (base config, `[ensemble]`, `[sweep]`).
    pub(crate) config_toml: String,
    /// Hash of all members' resolved configs.
    pub(crate) hash: String,
    text: String,
    source: Source,
    /// Description line of the base config.
    pub(crate) description: String,
}

impl Plan {
    /// The config's name (file stem or preset name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Every member, in index order.
    pub fn members(&self) -> &[MemberPlan] {
        &self.members
    }
    /// The swept keys (dotted paths), in the order of [`MemberPlan::values`].
    pub fn swept(&self) -> &[String] {
        &self.swept
    }
    /// How members record their traces.
    pub fn record(&self) -> RecordLevel {
        self.record
    }
    /// The resolved ensemble config (base config, `[ensemble]`, `[sweep]`).
    pub fn config_toml(&self) -> &str {
        &self.config_toml
    }
    /// Hash of every member's resolved config: part files and shards carry it.
    pub fn hash(&self) -> &str {
        &self.hash
    }
    /// The base config's description line.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Loads and validates member `m` (again: experiments are not kept, they hold
    /// targets that may be large).
    pub fn experiment(&self, m: &MemberPlan) -> Result<Experiment, ConfigError> {
        config::load(&self.text, &self.source, &m.overrides)
    }

    /// The members of shard `k` of `n` (index % n == k), or all of them.
    pub fn shard(&self, shard: Option<(u64, u64)>) -> Vec<&MemberPlan> {
        self.members
            .iter()
            .filter(|m| shard.is_none_or(|(k, n)| m.index % n == k))
            .collect()
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
pub(crate) fn swept_value(config_toml: &str, key: &str) -> f64 {
    toml::from_str::<toml::Table>(config_toml)
        .ok()
        .and_then(|t| {
            let root = toml::Value::Table(t);
            lookup(&root, key).and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
        })
        .unwrap_or(f64::NAN)
}

/// The key path of `parts` (for errors).
fn key(parts: &[&str]) -> KeyPath {
    KeyPath::of(parts)
}

/// Loads a config; `Ok(None)` if it has neither `[ensemble]` nor `[sweep]` (a single
/// run). Validates every member before returning: the `[ensemble]` table, the `[sweep]`
/// table and its points (grid or zip), then each member's config.
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
    let ens = ensemble_table(&base, &loc)?;
    let member_seeds = ens.member_seeds();
    let sweep = sweep_table(&base, &loc)?;
    let points = sweep.points(&loc)?;
    let total = points.len() * member_seeds.len();
    if total > 1_000_000 {
        return Err(loc.err(
            &key(&["sweep"]),
            format!("{total} members is too many (at most 1000000)"),
        ));
    }
    let (members, hash) = members(
        text,
        source,
        overrides,
        &sweep,
        &points,
        &member_seeds,
        ens.record,
    )?;

    // The resolved ensemble config: the base config plus both tables, explicit.
    let mut tail = toml::Table::new();
    tail.insert("ensemble".into(), toml::Value::Table(ens.resolved()));
    if let Some(sw) = sweep.resolved() {
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
        swept: sweep.swept.into_iter().map(|(k, _)| k).collect(),
        record: ens.record,
        config_toml,
        hash: format!("{hash:016x}"),
        text: text.to_string(),
        source: source.clone(),
        description: base.description.clone(),
    }))
}

/// `[ensemble]`, validated.
struct EnsembleTable {
    /// The listed seeds (or those of the seed range).
    seeds: Vec<u64>,
    /// Whether the members' seeds are derived from `seed` and the listed seeds.
    derive: bool,
    /// The ensemble seed of `derive` (the base config's seed by default).
    seed: u64,
    /// How members record their traces.
    record: RecordLevel,
}

impl EnsembleTable {
    /// The members' network seeds: the listed seeds, or those derived from them.
    fn member_seeds(&self) -> Vec<u64> {
        self.seeds
            .iter()
            .map(|&s| {
                if self.derive {
                    cnn_core::seeds::member_seed(self.seed, s)
                } else {
                    s
                }
            })
            .collect()
    }

    /// `[ensemble]` resolved, every key explicit (`seed` only with `derive`).
    fn resolved(&self) -> toml::Table {
        let mut ens_t = toml::Table::new();
        ens_t.insert(
            "seeds".into(),
            toml::Value::Array(
                self.seeds
                    .iter()
                    .map(|&s| toml::Value::Integer(s as i64))
                    .collect(),
            ),
        );
        ens_t.insert("derive".into(), toml::Value::Boolean(self.derive));
        if self.derive {
            ens_t.insert("seed".into(), toml::Value::Integer(self.seed as i64));
        }
        ens_t.insert(
            "record".into(),
            toml::Value::String(self.record.name().into()),
        );
        ens_t
    }
}

/// `[ensemble]` of `base` (`seeds`, `derive`, `seed`, `record`); without the table, the
/// base config's seed alone.
fn ensemble_table(base: &Experiment, loc: &Locator) -> Result<EnsembleTable, ConfigError> {
    let ens = base.ensemble.clone().unwrap_or_default();
    for k in ens.keys() {
        if !matches!(k.as_str(), "seeds" | "derive" | "seed" | "record") {
            return Err(loc.err(
                &key(&["ensemble", k]),
                "unknown key; allowed in [ensemble]: seeds, derive, seed, record",
            ));
        }
    }
    let seeds = match ens.get("seeds") {
        None if base.ensemble.is_some() => {
            return Err(loc.err(
                &key(&["ensemble", "seeds"]),
                "missing; give a list (seeds = [1, 2, 3]) or a range (seeds = { start = 0, count = 10 })",
            ))
        }
        None => vec![base.seed],
        Some(v) => seed_list(v, loc)?,
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
    let seed = match ens.get("seed") {
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
    Ok(EnsembleTable {
        seeds,
        derive,
        seed,
        record,
    })
}

/// `ensemble.seeds`: a non-empty list of distinct integers >= 0, or a range
/// `{ start, count }`.
fn seed_list(value: &toml::Value, loc: &Locator) -> Result<Vec<u64>, ConfigError> {
    match value {
        toml::Value::Array(list) => {
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
            Ok(out)
        }
        toml::Value::Table(t) => {
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
            Ok((start..start + count).collect())
        }
        v => Err(loc.err(
            &key(&["ensemble", "seeds"]),
            format!("{v} is not allowed; give a list of seeds or {{ start = 0, count = 10 }}"),
        )),
    }
}

/// `[sweep]`, validated.
struct Sweep {
    /// `mode = "zip"` (the i-th values together) rather than `"grid"` (every combination).
    zip: bool,
    /// The swept keys (dotted paths, sorted) with their values.
    swept: Vec<(String, Vec<toml::Value>)>,
}

impl Sweep {
    /// The sweep's points, one value per swept key: the i-th values together (zip, lists
    /// of equal length) or every combination (grid); one empty point without a sweep.
    fn points(&self, loc: &Locator) -> Result<Vec<Vec<toml::Value>>, ConfigError> {
        let swept = &self.swept;
        if swept.is_empty() {
            return Ok(vec![Vec::new()]);
        }
        if self.zip {
            let n = swept[0].1.len();
            if let Some((k, v)) = swept.iter().find(|(_, v)| v.len() != n) {
                return Err(loc.err(
                    &key(&["sweep", k]),
                    format!(
                        "has {} values but `{}` has {n}; in zip mode every list has the same length",
                        v.len(),
                        swept[0].0
                    ),
                ));
            }
            return Ok((0..n)
                .map(|i| swept.iter().map(|(_, v)| v[i].clone()).collect())
                .collect());
        }
        let mut pts: Vec<Vec<toml::Value>> = vec![Vec::new()];
        for (_, values) in swept {
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
        Ok(pts)
    }

    /// `[sweep]` resolved, `mode` explicit; `None` without swept keys.
    fn resolved(&self) -> Option<toml::Table> {
        if self.swept.is_empty() {
            return None;
        }
        let mut sw = toml::Table::new();
        sw.insert(
            "mode".into(),
            toml::Value::String(if self.zip { "zip" } else { "grid" }.into()),
        );
        for (k, v) in &self.swept {
            sw.insert(k.clone(), toml::Value::Array(v.clone()));
        }
        Some(sw)
    }
}

/// `[sweep]` of `base`: `mode` and the swept keys, each checked against the base
/// config's resolved form; empty without the table.
fn sweep_table(base: &Experiment, loc: &Locator) -> Result<Sweep, ConfigError> {
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
        let values = swept_values(name, &sweep[name], &resolved_base, loc)?;
        swept.push((name.clone(), values));
    }
    if base.sweep.is_some() && swept.is_empty() {
        return Err(loc.err(
            &key(&["sweep"]),
            "no swept key; add e.g. \"network.g_gg\" = [0.8, 1.0, 1.2]",
        ));
    }
    Ok(Sweep { zip, swept })
}

/// The values of swept key `name` (`list`, its entry in `[sweep]`): a non-empty list of
/// numbers for a numeric key of `resolved_base` (integers for an integer key; an integer
/// for a float key becomes a float).
fn swept_values(
    name: &str,
    list: &toml::Value,
    resolved_base: &toml::Value,
    loc: &Locator,
) -> Result<Vec<toml::Value>, ConfigError> {
    let kp = key(&["sweep", name]);
    if matches!(name.split('.').next(), Some("seed" | "ensemble" | "sweep")) {
        return Err(loc.err(&kp, "cannot be swept; list the seeds in [ensemble] seeds"));
    }
    let Some(current) = lookup(resolved_base, name) else {
        return Err(loc.err(
            &kp,
            format!("`{name}` is not a key of the config; sweep keys are dotted paths such as \"network.g_gg\" or \"targets.0.amplitude\""),
        ));
    };
    let is_int = current.is_integer();
    if !is_int && !current.is_float() {
        return Err(loc.err(
            &kp,
            format!("`{name}` is not numeric (it is {current}); only numeric keys can be swept"),
        ));
    }
    let Some(list) = list.as_array() else {
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
    Ok(values)
}

/// Every member, point by point and seed by seed within a point: the base overrides
/// plus its seed and swept values, loaded and validated by [`config::load`]; and the
/// hash of the record level and every member's resolved config.
fn members(
    text: &str,
    source: &Source,
    overrides: &[Override],
    sweep: &Sweep,
    points: &[Vec<toml::Value>],
    member_seeds: &[u64],
    record: RecordLevel,
) -> Result<(Vec<MemberPlan>, u64), ConfigError> {
    let mut members = Vec::with_capacity(points.len() * member_seeds.len());
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
            for ((name, _), v) in sweep.swept.iter().zip(point) {
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
    Ok((members, hash))
}

/// Parses `--shard K/N`.
pub fn parse_shard(s: &str) -> Result<(u64, u64), Error> {
    let bad = |why: &str| {
        Error::input(format!(
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
