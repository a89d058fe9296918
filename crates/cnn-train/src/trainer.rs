//! The FORCE executor: runs the spontaneous, train and test phases of one network.

use crate::metrics::{PhaseAccumulator, PhaseMetrics, SuccessCriterion};
use crate::{Rls, TrainError};
use cnn_core::{Network, Observer, Phase, StepView, Target, UpdateView};
use std::sync::atomic::{AtomicBool, Ordering};

/// The timing and learning parameters of a run (the network's `dt_ms` sets the grid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Duration of the spontaneous phase in ms (learning off), >= 0.
    pub spontaneous_ms: f64,
    /// Duration of the training phase in ms (learning on), >= 0.
    pub train_ms: f64,
    /// Duration of the test phase in ms (learning off), >= 0.
    pub test_ms: f64,
    /// Learning interval Delta t in ms: a positive multiple of dt.
    pub learn_every_ms: f64,
    /// RLS regulariser: P(0) = I / alpha, alpha > 0.
    pub alpha: f64,
}

/// A [`Protocol`] converted to whole numbers of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    /// Steps of the spontaneous phase.
    pub spontaneous: u64,
    /// Steps of the training phase.
    pub train: u64,
    /// Steps of the test phase.
    pub test: u64,
    /// Steps between weight updates.
    pub learn_every: u64,
}

impl Steps {
    /// Total number of steps.
    pub fn total(&self) -> u64 {
        self.spontaneous + self.train + self.test
    }
}

/// `value / dt` as a whole number, or an error naming `name` when it is not one.
pub fn whole_steps(
    name: &'static str,
    value_ms: f64,
    dt_ms: f64,
    positive: bool,
) -> Result<u64, TrainError> {
    let q = value_ms / dt_ms;
    let rounded = q.round();
    let ok = value_ms.is_finite()
        && value_ms >= 0.0
        && (q - rounded).abs() <= 1e-9 * rounded.max(1.0)
        && (!positive || rounded >= 1.0)
        && rounded < 9.0e15;
    if ok {
        Ok(rounded as u64)
    } else {
        Err(TrainError::OutOfRange {
            name,
            value: format!("{value_ms}"),
            allowed: format!(
                "a {} multiple of dt_ms = {dt_ms}",
                if positive { "positive" } else { "non-negative" }
            ),
        })
    }
}

impl Protocol {
    /// Converts durations to steps, checking that each is a multiple of `dt_ms`.
    pub fn steps(&self, dt_ms: f64) -> Result<Steps, TrainError> {
        if !(self.alpha > 0.0 && self.alpha.is_finite()) {
            return Err(TrainError::OutOfRange {
                name: "alpha",
                value: format!("{}", self.alpha),
                allowed: "alpha > 0 (finite)".into(),
            });
        }
        Ok(Steps {
            spontaneous: whole_steps("spontaneous_ms", self.spontaneous_ms, dt_ms, false)?,
            train: whole_steps("train_ms", self.train_ms, dt_ms, false)?,
            test: whole_steps("test_ms", self.test_ms, dt_ms, false)?,
            learn_every: whole_steps("learn_every_ms", self.learn_every_ms, dt_ms, true)?,
        })
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Termination {
    /// Every phase ran to its end.
    Finished,
    /// A quantity became non-finite or the RLS denominator lost positivity.
    Diverged {
        /// Step at which it was detected.
        step: u64,
        /// Time in ms.
        t_ms: f64,
        /// Which quantity (`x`, `z`, `w`, `1 + r.Pr`, ...), with its value.
        quantity: String,
    },
    /// The stop flag was raised.
    Interrupted {
        /// Step at which the run stopped.
        step: u64,
        /// Time in ms.
        t_ms: f64,
    },
}

/// The result of [`Trainer::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Why the run stopped.
    pub termination: Termination,
    /// Metrics of each phase that started (partial phases included).
    pub metrics: Vec<PhaseMetrics>,
    /// The success flag (false unless the run finished and the criterion holds).
    pub success: bool,
    /// Steps run.
    pub steps: u64,
}

/// Runs FORCE on one network: `Trainer::new(&mut net, &target, protocol)?
/// .observe(&mut recorder).run()`.
pub struct Trainer<'a> {
    network: &'a mut Network,
    target: &'a dyn Target,
    steps: Steps,
    alpha: f64,
    observers: Vec<&'a mut dyn Observer>,
    stop: Option<&'a AtomicBool>,
    criterion: SuccessCriterion,
    corr_sample_ms: f64,
    exec: Exec,
}

/// Where the hot loops run.
enum Exec {
    Serial,
    Pool(crate::pool::Pool),
}

impl cnn_core::Executor for Exec {
    fn blocks(&self) -> usize {
        match self {
            Exec::Serial => 1,
            Exec::Pool(p) => p.blocks(),
        }
    }
    fn for_each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        match self {
            Exec::Serial => cnn_core::Serial.for_each(items, f),
            Exec::Pool(p) => p.for_each(items, f),
        }
    }
}

impl<'a> Trainer<'a> {
    /// Checks the protocol against the network and the target.
    pub fn new(
        network: &'a mut Network,
        target: &'a dyn Target,
        protocol: Protocol,
    ) -> Result<Self, TrainError> {
        let steps = protocol.steps(network.spec().dt_ms)?;
        if target.dim() != network.spec().n_out {
            return Err(TrainError::TargetDimension {
                target: target.dim(),
                outputs: network.spec().n_out,
            });
        }
        Ok(Self {
            network,
            target,
            steps,
            alpha: protocol.alpha,
            observers: Vec::new(),
            stop: None,
            criterion: SuccessCriterion::DEFAULT,
            corr_sample_ms: 1.0,
            exec: Exec::Serial,
        })
    }

    /// Adds an observer (recorder, progress bar, ...).
    pub fn observe(mut self, observer: &'a mut dyn Observer) -> Self {
        self.observers.push(observer);
        self
    }

    /// A flag that, once set, stops the run after the current step.
    pub fn stop_flag(mut self, flag: &'a AtomicBool) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Replaces the success criterion.
    pub fn criterion(mut self, criterion: SuccessCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Worker threads for this one network: `threads > 1` runs the integration step (row
    /// blocks) and the RLS update (triangle blocks) on a rayon pool of that size; 1 (the
    /// default) runs everything on the calling thread. Results are the same, bit for bit,
    /// for every thread count. Worth it for large networks (N >= 2000 on 2 cores, see
    /// BENCHMARKS.md); an ensemble should rather run one member per thread.
    pub fn threads(mut self, threads: usize) -> Result<Self, TrainError> {
        self.exec = if threads > 1 {
            Exec::Pool(crate::pool::Pool::new(threads)?)
        } else {
            Exec::Serial
        };
        Ok(self)
    }

    /// The step counts this trainer will run.
    pub fn steps(&self) -> Steps {
        self.steps
    }

    /// Runs every phase. Returns `Err` only for set-up errors; divergence and
    /// interruption are reported in [`Outcome::termination`].
    pub fn run(mut self) -> Result<Outcome, TrainError> {
        let spec = self.network.spec().clone();
        let (n, n_out, dt) = (spec.n_g, spec.n_out, spec.dt_ms);
        let units: Vec<usize> = self
            .network
            .readout_units()
            .iter()
            .map(|&i| i as usize)
            .collect();
        let all_units = units.len() == n;
        let mut rls = Rls::new(units.len(), self.alpha)?;
        let mut r_sub = vec![0.0; units.len()];
        let mut w_sub = vec![0.0; units.len()];
        let mut f = vec![0.0; n_out];
        let mut err = vec![0.0; n_out];
        let mut w_norm = vec![0.0; n_out];
        let mut dw_norm = vec![0.0; n_out];
        let learn_dt_ms = self.steps.learn_every as f64 * dt;
        let period = self.target.period_ms();
        let stride = ((self.corr_sample_ms / dt).round() as u64).max(1);
        let first_period_steps = ((period.unwrap_or(1000.0) / dt).round() as u64).max(1);

        let mut metrics = Vec::new();
        let mut step: u64 = 0;
        let mut termination = Termination::Finished;
        let phases = [
            (Phase::Spontaneous, self.steps.spontaneous),
            (Phase::Train, self.steps.train),
            (Phase::Test, self.steps.test),
        ];
        'phases: for (phase, n_steps) in phases {
            let t0 = step as f64 * dt;
            for o in self.observers.iter_mut() {
                o.phase_start(phase, step, t0, self.network);
            }
            let mut acc = PhaseAccumulator::new(phase, n_out, stride, first_period_steps, n_steps);
            let first = step;
            let mut stopped = false;
            for _ in 0..n_steps {
                self.network.step_in(&self.exec);
                step += 1;
                let t = step as f64 * dt;
                self.target.eval(t, &mut f);
                if !self.network.is_finite() {
                    let quantity = if self.network.x().iter().all(|v| v.is_finite()) {
                        "z"
                    } else {
                        "x"
                    };
                    termination = Termination::Diverged {
                        step,
                        t_ms: t,
                        quantity: format!("{quantity} became non-finite"),
                    };
                    stopped = true;
                    break;
                }
                acc.step(self.network.z(), &f);
                let view = StepView {
                    step,
                    t_ms: t,
                    phase,
                    network: self.network,
                    f: &f,
                };
                for o in self.observers.iter_mut() {
                    o.step(&view);
                }
                if phase == Phase::Train && (step - first) % self.steps.learn_every == 0 {
                    for k in 0..n_out {
                        err[k] = self.network.z()[k] - f[k];
                    }
                    let gain = if all_units {
                        rls.update_in(self.network.r(), &self.exec)
                    } else {
                        let r = self.network.r();
                        for (dst, &i) in r_sub.iter_mut().zip(&units) {
                            *dst = r[i];
                        }
                        rls.update_in(&r_sub, &self.exec)
                    };
                    if !(gain.denominator > 0.0 && gain.denominator.is_finite()) {
                        termination = Termination::Diverged {
                            step,
                            t_ms: t,
                            quantity: format!("1 + r.Pr = {} (must be > 0)", gain.denominator),
                        };
                        stopped = true;
                        break;
                    }
                    let w = self.network.w_mut();
                    let mut w_ok = true;
                    for k in 0..n_out {
                        let wk = &mut w[k * n..(k + 1) * n];
                        if all_units {
                            rls.apply(gain, err[k], wk);
                        } else {
                            for (dst, &i) in w_sub.iter_mut().zip(&units) {
                                *dst = wk[i];
                            }
                            rls.apply(gain, err[k], &mut w_sub);
                            for (src, &i) in w_sub.iter().zip(&units) {
                                wk[i] = *src;
                            }
                        }
                        let sq = cnn_core::dot(wk, wk);
                        w_norm[k] = sq.sqrt();
                        w_ok &= sq.is_finite() || wk.iter().all(|v| v.is_finite());
                        dw_norm[k] = (gain.c * err[k]).abs() * gain.k_norm / learn_dt_ms;
                    }
                    if !w_ok {
                        termination = Termination::Diverged {
                            step,
                            t_ms: t,
                            quantity: "w became non-finite".into(),
                        };
                        stopped = true;
                        break;
                    }
                    acc.update(&dw_norm);
                    let view = UpdateView {
                        step,
                        t_ms: t,
                        error: &err,
                        w_norm: &w_norm,
                        dw_norm: &dw_norm,
                    };
                    for o in self.observers.iter_mut() {
                        o.update(&view);
                    }
                }
                if let Some(flag) = self.stop {
                    if flag.load(Ordering::Relaxed) {
                        termination = Termination::Interrupted { step, t_ms: t };
                        stopped = true;
                        break;
                    }
                }
            }
            for (k, wn) in w_norm.iter_mut().enumerate() {
                *wn = self
                    .network
                    .w_output(k)
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt();
            }
            metrics.push(acc.finish(dt, period, &w_norm));
            let t_end = step as f64 * dt;
            for o in self.observers.iter_mut() {
                o.phase_end(phase, step, t_end, self.network);
            }
            if stopped {
                break 'phases;
            }
        }
        let success = termination == Termination::Finished && self.criterion.judge(&metrics);
        Ok(Outcome {
            termination,
            metrics,
            success,
            steps: step,
        })
    }
}
