//! [`Recorder`]: an [`Observer`] that collects the traces of a run in memory.

use cnn_core::{Network, Observer, Phase, StepView, UpdateView};

use crate::record::{w_to_row_major, PhaseRecord};

/// Collects per-phase traces (readouts, targets, selected rates, weight norms) while the
/// trainer runs, for [`crate::write_run`]. When the network has inputs it also keeps the
/// input values (`inputs`, the value [`Network::input`] holds at the step callback: the
/// input I(t_{n-1}) that step n used, set by the trainer before the step); with a
/// feedback network (architecture B), the rates of all feedback units after the step
/// (`feedback_rates`) and the feedback state at the phase start (`y_start`).
///
/// Decimation counts the steps of each phase from its first step: with `decimate = d`,
/// the recorder keeps steps d, 2d, 3d, ... of the phase (the last step of each block of
/// d), so with d = 1 the first row is the state after the phase's first step. Step
/// callbacks must arrive before the weight update of that step (the recorded z is the
/// pre-update value, as the conventions require); the trainer in `cnn-train` does so.
///
/// ```
/// use cnn_core::{GeneratorSpec, Network, Observer, Phase, StepView};
/// use cnn_io::Recorder;
///
/// let mut net = Network::build(GeneratorSpec { n_g: 20, ..GeneratorSpec::paper(1) }, 1)?;
/// let mut rec = Recorder::new(vec![0, 5], 2).with_capacity_hint(Phase::Spontaneous, 10, 0);
/// rec.phase_start(Phase::Spontaneous, 0, 0.0, &net);
/// for n in 1..=10u64 {
///     net.step();
///     let t_ms = n as f64 * net.spec().dt_ms;
///     rec.step(&StepView { step: n, t_ms, phase: Phase::Spontaneous, network: &net, f: &[0.0] });
/// }
/// rec.phase_end(Phase::Spontaneous, 10, 1.0, &net);
/// let phases = rec.into_phases();
/// assert_eq!(phases[0].rows(), 5); // steps 2, 4, 6, 8, 10
/// assert_eq!(phases[0].rates.len(), 5 * 2);
/// # Ok::<(), cnn_core::CoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Recorder {
    rates_index: Vec<u32>,
    decimate: usize,
    /// Expected (steps, updates) per phase, indexed like [`Phase::ALL`].
    hints: [(u64, u64); 3],
    phases: Vec<PhaseRecord>,
    /// Step callbacks seen in the current phase.
    steps_in_phase: usize,
    n_out: usize,
}

fn phase_slot(phase: Phase) -> usize {
    match phase {
        Phase::Spontaneous => 0,
        Phase::Train => 1,
        Phase::Test => 2,
    }
}

impl Recorder {
    /// A recorder keeping the rates of units `rates_index` (each must be below N_G) and
    /// one row every `decimate` steps.
    ///
    /// # Panics
    /// If `decimate == 0`.
    pub fn new(rates_index: Vec<u32>, decimate: usize) -> Self {
        assert!(decimate >= 1, "decimate must be at least 1");
        Self {
            rates_index,
            decimate,
            hints: [(0, 0); 3],
            phases: Vec::new(),
            steps_in_phase: 0,
            n_out: 0,
        }
    }

    /// Tells the recorder how many steps and weight updates `phase` will take, so the
    /// buffers are reserved once at the phase start instead of growing in the hot loop.
    pub fn with_capacity_hint(mut self, phase: Phase, steps: u64, updates: u64) -> Self {
        self.hints[phase_slot(phase)] = (steps, updates);
        self
    }

    /// The recorded units.
    pub fn rates_index(&self) -> &[u32] {
        &self.rates_index
    }

    /// The phases recorded so far.
    pub fn phases(&self) -> &[PhaseRecord] {
        &self.phases
    }

    /// Continues from `phases`, the [`Recorder::phases`] of a run paused between two
    /// steps (a checkpoint): the last phase is the current one, with `last_step` the
    /// step reached. The remaining rows of the current phase are reserved at once.
    pub fn resume(mut self, phases: Vec<PhaseRecord>, n_out: usize) -> Self {
        self.phases = phases;
        self.n_out = n_out;
        if let Some(rec) = self.phases.last_mut() {
            self.steps_in_phase = usize::try_from(rec.last_step - rec.first_step).unwrap_or(0);
            let (steps, updates) = self.hints[phase_slot(rec.phase)];
            let total = usize::try_from(steps).unwrap_or(0) / self.decimate;
            let more = total.saturating_sub(rec.t_ms.len());
            let more_updates = usize::try_from(updates)
                .unwrap_or(0)
                .saturating_sub(rec.update_t_ms.len());
            rec.t_ms.reserve(more);
            rec.z.reserve(more * n_out);
            rec.f.reserve(more * n_out);
            rec.rates.reserve(more * self.rates_index.len());
            rec.update_t_ms.reserve(more_updates);
            rec.w_norm.reserve(more_updates * n_out);
            rec.dw_norm.reserve(more_updates * n_out);
        }
        self
    }

    /// The recorded phases, in the order they ran.
    pub fn into_phases(self) -> Vec<PhaseRecord> {
        self.phases
    }
}

impl Observer for Recorder {
    /// # Panics
    /// If a recorded unit index is not below N_G.
    fn phase_start(&mut self, phase: Phase, step: u64, t_ms: f64, network: &Network) {
        let spec = network.spec();
        let (n_g, n_out) = (spec.n_g, spec.n_out);
        if let Some(bad) = self.rates_index.iter().find(|&&i| i as usize >= n_g) {
            panic!("recorded unit {bad} is not below n_g = {n_g}");
        }
        self.n_out = n_out;
        self.steps_in_phase = 0;
        let (steps, updates) = self.hints[phase_slot(phase)];
        let rows = usize::try_from(steps).unwrap_or(0) / self.decimate;
        let updates = usize::try_from(updates).unwrap_or(0);
        let mut rec = PhaseRecord::empty(phase, step, t_ms);
        rec.decimate = self.decimate as u64;
        rec.x_start = network.x().to_vec();
        rec.z_start = network.z().to_vec();
        rec.w_start = w_to_row_major(network.w(), n_g, n_out);
        rec.rates_index = self.rates_index.clone();
        rec.t_ms.reserve(rows);
        rec.z.reserve(rows * n_out);
        rec.f.reserve(rows * n_out);
        rec.rates.reserve(rows * self.rates_index.len());
        rec.update_t_ms.reserve(updates);
        rec.w_norm.reserve(updates * n_out);
        rec.dw_norm.reserve(updates * n_out);
        let n_in = network.n_in();
        if n_in > 0 {
            rec.inputs = Some(Vec::with_capacity(rows * n_in));
        }
        if let Some(fb) = network.feedback_network() {
            rec.y_start = Some(fb.y().to_vec());
            rec.feedback_rates = Some(Vec::with_capacity(rows * fb.s().len()));
        }
        self.phases.push(rec);
    }

    fn step(&mut self, view: &StepView<'_>) {
        let Some(rec) = self.phases.last_mut() else {
            return;
        };
        rec.last_step = view.step;
        rec.t_end_ms = view.t_ms;
        let k = self.steps_in_phase;
        self.steps_in_phase += 1;
        if k % self.decimate != self.decimate - 1 {
            return;
        }
        rec.t_ms.push(view.t_ms);
        rec.z.extend_from_slice(view.network.z());
        if view.f.len() == self.n_out {
            rec.f.extend_from_slice(view.f);
        } else {
            rec.f.extend(std::iter::repeat_n(f64::NAN, self.n_out));
        }
        let r = view.network.r();
        rec.rates
            .extend(self.rates_index.iter().map(|&i| r[i as usize]));
        if let Some(inputs) = rec.inputs.as_mut() {
            inputs.extend_from_slice(view.network.input());
        }
        if let (Some(rates), Some(fb)) =
            (rec.feedback_rates.as_mut(), view.network.feedback_network())
        {
            rates.extend_from_slice(fb.s());
        }
    }

    fn update(&mut self, view: &UpdateView<'_>) {
        let Some(rec) = self.phases.last_mut() else {
            return;
        };
        rec.update_t_ms.push(view.t_ms);
        rec.w_norm.extend_from_slice(view.w_norm);
        rec.dw_norm.extend_from_slice(view.dw_norm);
    }

    fn phase_end(&mut self, _phase: Phase, step: u64, t_ms: f64, _network: &Network) {
        if let Some(rec) = self.phases.last_mut() {
            rec.last_step = step;
            rec.t_end_ms = t_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnn_core::{GeneratorSpec, InitialWeights};

    fn run(decimate: usize, steps: u64) -> (Vec<PhaseRecord>, Vec<Vec<f64>>) {
        let spec = GeneratorSpec {
            n_g: 30,
            w_init: InitialWeights::Gaussian,
            ..GeneratorSpec::paper(2)
        };
        let mut net = Network::build(spec, 3).expect("build");
        let mut rec =
            Recorder::new(vec![3, 1, 29], decimate).with_capacity_hint(Phase::Train, steps, steps);
        let dt = net.spec().dt_ms;
        // A short spontaneous phase first so global steps do not start at 0.
        rec.phase_start(Phase::Spontaneous, 0, 0.0, &net);
        for n in 1..=4u64 {
            net.step();
            rec.step(&StepView {
                step: n,
                t_ms: n as f64 * dt,
                phase: Phase::Spontaneous,
                network: &net,
                f: &[],
            });
        }
        rec.phase_end(Phase::Spontaneous, 4, 4.0 * dt, &net);
        rec.phase_start(Phase::Train, 4, 4.0 * dt, &net);
        let mut zs = Vec::new();
        for n in 5..5 + steps {
            net.step();
            zs.push(net.z().to_vec());
            let f = [n as f64, -(n as f64)];
            rec.step(&StepView {
                step: n,
                t_ms: n as f64 * dt,
                phase: Phase::Train,
                network: &net,
                f: &f,
            });
            if n % 2 == 0 {
                rec.update(&UpdateView {
                    step: n,
                    t_ms: n as f64 * dt,
                    error: &[0.0, 0.0],
                    w_norm: &[1.0, 2.0],
                    dw_norm: &[0.5, 0.25],
                });
            }
        }
        let last = 4 + steps;
        rec.phase_end(Phase::Train, last, last as f64 * dt, &net);
        (rec.into_phases(), zs)
    }

    #[test]
    fn decimation_keeps_last_step_of_each_block() {
        let (phases, zs) = run(3, 10);
        assert_eq!(phases.len(), 2);
        let sp = &phases[0];
        assert_eq!(sp.rows(), 1); // steps 1..4 -> keeps step 3
        assert!(
            sp.f.iter().all(|v| v.is_nan()),
            "empty target recorded as NaN"
        );
        let tr = &phases[1];
        assert_eq!(tr.first_step, 4);
        assert_eq!(tr.last_step, 14);
        assert_eq!(tr.decimate, 3);
        // Steps 5..=14 (10 steps): keep the 3rd, 6th, 9th -> steps 7, 10, 13.
        assert_eq!(tr.rows(), 3);
        let dt = 0.1;
        assert!((tr.t_ms[0] - 7.0 * dt).abs() < 1e-12);
        assert!((tr.t_ms[2] - 13.0 * dt).abs() < 1e-12);
        assert_eq!(&tr.z[0..2], zs[2].as_slice());
        assert_eq!(&tr.f[0..2], &[7.0, -7.0]);
        assert_eq!(tr.z.len(), 3 * 2);
        assert_eq!(tr.rates.len(), 3 * 3);
        assert_eq!(tr.update_t_ms.len(), 5);
        assert_eq!(tr.w_norm.len(), 10);
        assert_eq!(tr.x_start.len(), 30);
        assert_eq!(tr.w_start.len(), 60);
    }

    #[test]
    fn decimate_one_records_every_step() {
        let (phases, zs) = run(1, 7);
        let tr = &phases[1];
        assert_eq!(tr.rows(), 7);
        assert!(
            (tr.t_ms[0] - 0.5).abs() < 1e-12,
            "first row is after the first step"
        );
        assert!((tr.t_ms[6] - 1.1).abs() < 1e-12);
        assert_eq!(&tr.z[12..14], zs[6].as_slice());
        assert!(tr.t_ms.capacity() >= 7);
    }
}
