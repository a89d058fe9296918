//! A progress bar on stderr (hidden when stderr is not a terminal).

use cnn_core::{Network, Observer, Phase, StepView};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows simulated time against the total, phase by phase.
pub struct Progress {
    bar: ProgressBar,
    every: u64,
}

impl Progress {
    /// A bar over `total_steps`; `enabled = false` gives a hidden bar.
    pub fn new(total_steps: u64, enabled: bool) -> Self {
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total_steps), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>12} [{bar:40}] {percent:>3}% {elapsed_precise} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self {
            bar,
            every: (total_steps / 500).max(1),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn phase_start(&mut self, phase: Phase, _step: u64, _t_ms: f64, _network: &Network) {
        self.bar.set_prefix(phase.name());
    }
    fn step(&mut self, view: &StepView<'_>) {
        if view.step % self.every == 0 {
            self.bar.set_position(view.step);
        }
    }
}
