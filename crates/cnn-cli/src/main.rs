//! `cnn`: train chaotic rate networks with FORCE learning from TOML configs.
//!
//! ```text
//! cnn run [CONFIG|PRESET] [--out FILE.h5] [--set KEY=VALUE]... [--force]
//!         [--jobs N] [--shard K/N] [--verbose]     (ensemble configs)
//! cnn merge SHARD.h5... -o OUT.h5 [--allow-partial]
//! cnn slurm CONFIG --shards N [--time T --mem M --partition P --cpus-per-task C]
//! cnn validate CONFIG [--set KEY=VALUE]... [--print]
//! cnn presets [show NAME]
//! cnn info FILE.h5
//! cnn plot FILE.h5 [--kind sequence|pca|all] [-o FILE.png|FILE.svg] [--width W --height H] [--log-dw]
//! cnn animate FILE.h5 -o FILE.gif [--frames N] [--duration-s S] [--width W --height H]
//! ```
//!
//! A front end over the engine `cnn_experiment`: configs are validated there (errors name
//! the key, the file and line, and the allowed range), runs and ensembles run there; this
//! binary resolves the arguments, prints, draws, handles Ctrl-C / SIGTERM and maps error
//! kinds to exit codes ([`exit`]): 0 success, 1 the run finished but failed its success
//! criterion or diverged, 2 bad input (nothing written), 3 an I/O or other runtime
//! failure (no partial file; finished ensemble members kept), 130 interrupted.

mod args;
mod ensemble;
mod exit;
mod plot;
mod progress;
mod run;
mod slurm;

use clap::{Parser, Subcommand};
use cnn_experiment::presets;
use exit::Failure;
use std::path::PathBuf;
use std::process::ExitCode;

/// Train chaotic recurrent rate networks with FORCE learning (Sussillo & Abbott 2009).
#[derive(Parser)]
#[command(name = "cnn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an experiment and write an HDF5 run file.
    Run {
        /// A config file or a preset name (default: the Figure 2 preset `fig2-periodic`).
        config: Option<String>,
        /// Override a config key, e.g. --set network.g_gg=1.2 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        args: args::RunArgs,
    },
    /// Merge the shard files of one ensemble into the file a single run would write.
    Merge {
        /// Shard files (`cnn run CONFIG --shard K/N`).
        shards: Vec<PathBuf>,
        /// Output file.
        #[arg(short, long)]
        out: PathBuf,
        /// Merge even if members are missing.
        #[arg(long)]
        allow_partial: bool,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
    },
    /// Write Slurm job scripts: a job array running the shards of an ensemble and a
    /// dependent job merging them.
    Slurm {
        /// An ensemble config file or preset.
        config: String,
        /// Number of shards (array tasks).
        #[arg(long)]
        shards: u64,
        /// Override a config key (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Merged output file (default: NAME.h5 in the current directory).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Directory for the scripts, shard files and logs (default: NAME-slurm).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Time limit of each array task (sbatch --time), e.g. 02:00:00.
        #[arg(long)]
        time: Option<String>,
        /// Memory per task (sbatch --mem), e.g. 4G.
        #[arg(long)]
        mem: Option<String>,
        /// Partition (sbatch --partition).
        #[arg(long)]
        partition: Option<String>,
        /// CPUs per array task; each task runs its members on that many threads.
        #[arg(long, default_value_t = 1)]
        cpus_per_task: u32,
    },
    /// Check a config (and its overrides) without running it.
    Validate {
        /// A config file or a preset name.
        config: String,
        /// Override a config key (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print the resolved config (every key, defaults filled in).
        #[arg(long)]
        print: bool,
    },
    /// List the presets, or print one with `cnn presets show NAME`.
    Presets {
        #[command(subcommand)]
        action: Option<PresetAction>,
    },
    /// Summarise a run file or an ensemble file.
    Info {
        /// The HDF5 run or ensemble file.
        file: PathBuf,
    },
    /// Draw figures from a run file (PNG or SVG, by the output's extension).
    Plot {
        /// The HDF5 run file.
        file: PathBuf,
        /// Which figure: the training sequence (Fig 2), the PCA (Fig 3), or all the file
        /// supports.
        #[arg(long, value_enum, default_value = "all")]
        kind: plot::Kind,
        /// Output image (.png or .svg). With --kind all, `-o base.png` writes
        /// base-sequence.png and base-pca.png. Default: RUN-sequence.png and RUN-pca.png
        /// beside the run file.
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Width in pixels.
        #[arg(long, default_value_t = plot::DEFAULT_SIZE.0)]
        width: u32,
        /// Height in pixels.
        #[arg(long, default_value_t = plot::DEFAULT_SIZE.1)]
        height: u32,
        /// Draw |dw/dt| on a logarithmic axis.
        #[arg(long)]
        log_dw: bool,
    },
    /// Animate training as a GIF: f and z drawn progressively, with |dw/dt| and a clock.
    Animate {
        /// The HDF5 run file.
        file: PathBuf,
        /// Output file (.gif).
        #[arg(short, long)]
        out: PathBuf,
        /// Number of frames.
        #[arg(long, default_value_t = plot::animate::DEFAULT_FRAMES)]
        frames: u32,
        /// Playback time of one loop in seconds.
        #[arg(long, default_value_t = plot::animate::DEFAULT_DURATION_S)]
        duration_s: f64,
        /// Width in pixels.
        #[arg(long, default_value_t = plot::animate::DEFAULT_SIZE.0)]
        width: u32,
        /// Height in pixels.
        #[arg(long, default_value_t = plot::animate::DEFAULT_SIZE.1)]
        height: u32,
        /// Draw |dw/dt| on a logarithmic axis.
        #[arg(long)]
        log_dw: bool,
    },
}

#[derive(Subcommand)]
enum PresetAction {
    /// Print a preset's TOML.
    Show {
        /// Preset name (see `cnn presets`).
        name: String,
    },
}

/// Leaves quietly, as Unix tools do, when whoever reads our output has gone (`cnn presets
/// | head -1`): Rust ignores SIGPIPE, so printing to a closed pipe panics with "failed
/// printing to stdout: Broken pipe"; this hook turns exactly that panic into exit 0 and
/// leaves every other panic to the default hook.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config, set, args } => run::run(config.as_deref(), &set, args),
        Command::Merge {
            shards,
            out,
            allow_partial,
            force,
        } => ensemble::merge(&shards, &out, allow_partial, force),
        Command::Slurm {
            config,
            shards,
            set,
            out,
            dir,
            time,
            mem,
            partition,
            cpus_per_task,
        } => slurm::slurm(
            &config,
            &set,
            &slurm::SlurmOptions {
                shards,
                out,
                dir,
                time,
                mem,
                partition,
                cpus_per_task,
            },
        ),
        Command::Validate { config, set, print } => run::validate(&config, &set, print),
        Command::Presets { action: None } => {
            for p in presets::all() {
                let default = if p.is_default() { " (default)" } else { "" };
                println!(
                    "{}{default}\n    {}\n    expect: {}",
                    p.name,
                    p.description(),
                    p.expect()
                );
            }
            Ok(0)
        }
        Command::Presets {
            action: Some(PresetAction::Show { name }),
        } => match presets::find(&name) {
            Some(p) => {
                print!("{}", p.toml);
                Ok(0)
            }
            None => Err(Failure::input(format!(
                "no preset named `{name}`; presets: {}",
                presets::names()
            ))),
        },
        Command::Info { file } => run::info(&file),
        Command::Plot {
            file,
            kind,
            out,
            width,
            height,
            log_dw,
        } => plot::plot(&file, kind, out.as_deref(), (width, height), log_dw),
        Command::Animate {
            file,
            out,
            frames,
            duration_s,
            width,
            height,
            log_dw,
        } => plot::animate::animate(
            &file,
            &out,
            plot::animate::AnimateOptions {
                frames,
                duration_s,
                size: (width, height),
                log_dw,
            },
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
