//! `cnn slurm`: job scripts that run an ensemble's shards as a Slurm job array and merge
//! them in a dependent job.
//!
//! Writes into one directory: `array.sbatch` (task `$SLURM_ARRAY_TASK_ID` runs
//! `cnn run CONFIG --shard $SLURM_ARRAY_TASK_ID/N`), `merge.sbatch` (`cnn merge` of the N
//! shard files) and `submit.sh`, which submits the array and then the merge with
//! `--dependency=afterok:<array job id>`. Paths in the scripts are absolute, so they can
//! be submitted from anywhere on a shared file system.

use crate::exit::Failure;
use cnn_experiment::{parse_overrides, ConfigText};
use std::path::{Path, PathBuf};

/// Options of `cnn slurm`.
pub struct SlurmOptions {
    /// Number of shards (array tasks).
    pub shards: u64,
    /// Merged output.
    pub out: Option<PathBuf>,
    /// Directory of the scripts, shards and logs.
    pub dir: Option<PathBuf>,
    /// `--time` of each task.
    pub time: Option<String>,
    /// `--mem` of each task.
    pub mem: Option<String>,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--cpus-per-task`.
    pub cpus_per_task: u32,
}

/// Single-quotes `s` for sh.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn absolute(p: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(p).map_err(|e| Failure::input(format!("{}: {e}", p.display())))
}

fn check_value(flag: &str, v: &Option<String>) -> Result<(), Failure> {
    if let Some(v) = v {
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c == '\'' || c == '"')
        {
            return Err(Failure::input(format!(
                "{flag} {v:?}: give a value without spaces or quotes"
            )));
        }
    }
    Ok(())
}

/// `cnn slurm`.
pub fn slurm(config: &str, set: &[String], o: &SlurmOptions) -> Result<u8, Failure> {
    if o.shards == 0 || o.shards > 100_000 {
        return Err(Failure::input(format!(
            "--shards {}: give a number of shards between 1 and 100000",
            o.shards
        )));
    }
    if o.cpus_per_task == 0 {
        return Err(Failure::input("--cpus-per-task 0: give at least 1"));
    }
    check_value("--time", &o.time)?;
    check_value("--mem", &o.mem)?;
    check_value("--partition", &o.partition)?;
    let overrides = parse_overrides(set)?;
    let text = ConfigText::resolve(Some(config))?;
    let Some(plan) = text.plan(&overrides)? else {
        return Err(Failure::input(format!(
            "{}: not an ensemble config (no [ensemble] or [sweep] table); run it with `cnn run`",
            text.source().display
        )));
    };
    let n = o.shards;
    if n > plan.members().len() as u64 {
        return Err(Failure::input(format!(
            "--shards {n}: the ensemble has only {} members; give at most that many shards",
            plan.members().len()
        )));
    }
    // #SBATCH lines are not read by a shell: paths there cannot be quoted.
    let dir = absolute(
        &o.dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}-slurm", plan.name()))),
    )?;
    let out = absolute(
        &o.out
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}.h5", plan.name()))),
    )?;
    // A config file is referred to by its absolute path; a preset by its name.
    let config_arg = if Path::new(config).exists() {
        absolute(Path::new(config))?.display().to_string()
    } else {
        config.to_string()
    };
    if dir.to_string_lossy().contains(char::is_whitespace) {
        return Err(Failure::input(format!(
            "--dir {}: give a directory without spaces (Slurm's #SBATCH lines cannot quote it)",
            dir.display()
        )));
    }
    let exe = std::env::current_exe()
        .map_err(|e| Failure::input(format!("cannot find the cnn executable: {e}")))?;
    std::fs::create_dir_all(dir.join("logs")).map_err(|e| {
        Failure::input(format!("cannot create {}: {e}", dir.join("logs").display()))
    })?;
    let sets: String = set.iter().map(|s| format!(" --set {}", sh(s))).collect();
    let name = format!("cnn-{}", plan.name());
    let mut common = String::new();
    if let Some(t) = &o.time {
        common.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(m) = &o.mem {
        common.push_str(&format!("#SBATCH --mem={m}\n"));
    }
    if let Some(p) = &o.partition {
        common.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    let shard_file = |k: &str| dir.join(format!("{}.shard-{k}-of-{n}.h5", plan.name()));
    let array = format!(
        "#!/bin/bash\n\
         # Written by `cnn slurm`: shard $SLURM_ARRAY_TASK_ID of {n} of the ensemble {cfg}\n\
         # ({members} members, config hash {hash}).\n\
         #SBATCH --job-name={name}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         {common}\
         #SBATCH --output={logs}/shard-%a.out\n\
         set -euo pipefail\n\
         cd {dir}\n\
         # A rerun of a task resumes from its parts directory.\n\
         exec {exe} run {cfg}{sets} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" \\\n\
         \x20   --out {shards}.shard-\"$SLURM_ARRAY_TASK_ID\"-of-{n}.h5 --jobs {cpus} --quiet --force\n",
        cfg = sh(&config_arg),
        members = plan.members().len(),
        hash = plan.hash(),
        last = n - 1,
        cpus = o.cpus_per_task,
        logs = dir.join("logs").display(),
        dir = sh(&dir.display().to_string()),
        exe = sh(&exe.display().to_string()),
        shards = sh(&dir.join(plan.name()).display().to_string()),
    );
    let inputs: Vec<String> = (0..n)
        .map(|k| sh(&shard_file(&k.to_string()).display().to_string()))
        .collect();
    let merge = format!(
        "#!/bin/bash\n\
         # Written by `cnn slurm`: merges the {n} shards into {out}.\n\
         #SBATCH --job-name={name}-merge\n\
         #SBATCH --cpus-per-task=1\n\
         {common}\
         #SBATCH --output={logs}/merge.out\n\
         set -euo pipefail\n\
         cd {dir}\n\
         {exe} merge {inputs} -o {out} --force\n",
        out = sh(&out.display().to_string()),
        logs = dir.join("logs").display(),
        dir = sh(&dir.display().to_string()),
        exe = sh(&exe.display().to_string()),
        inputs = inputs.join(" "),
    );
    let submit = format!(
        "#!/bin/sh\n\
         # Written by `cnn slurm`: submits the shard array, then the merge once every\n\
         # shard succeeded. Prints the two job ids.\n\
         set -eu\n\
         cd {dir}\n\
         array=$(sbatch --parsable array.sbatch)\n\
         array=${{array%%;*}}\n\
         merge=$(sbatch --parsable --dependency=afterok:\"$array\" merge.sbatch)\n\
         merge=${{merge%%;*}}\n\
         echo \"array job $array ({n} shards), merge job $merge -> {out}\"\n\
         echo \"$array $merge\" > jobs.txt\n",
        dir = sh(&dir.display().to_string()),
        out = out.display(),
    );
    let write = |file: &str, text: &str| -> Result<(), Failure> {
        let p = dir.join(file);
        std::fs::write(&p, text)
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", p.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755));
        }
        Ok(())
    };
    write("array.sbatch", &array)?;
    write("merge.sbatch", &merge)?;
    write("submit.sh", &submit)?;
    println!(
        "wrote {}/{{array.sbatch,merge.sbatch,submit.sh}}: {} members in {n} shards, merged into {}",
        dir.display(),
        plan.members().len(),
        out.display()
    );
    println!("submit with: sh {}", dir.join("submit.sh").display());
    Ok(0)
}
