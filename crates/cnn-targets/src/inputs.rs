//! Network inputs `I_mu(t)` and the two input-driven tasks of Sussillo & Abbott (2009),
//! Fig. 7.
//!
//! A network input is a vector function of time, so inputs implement the same
//! [`cnn_core::Target`] trait as targets: `dim()` is the number of input channels and
//! `eval(t, out)` writes `I(t)`. The input *weights* (`J^GI`, `J^FI`, e.g. the paper's
//! `U(-0.5, 0.5)` control weights of Fig. 7B) belong to the network, not to this module.
//!
//! - [`Schedule`]: piecewise-constant channels built from [`Segment`]s (pulses, held
//!   levels); 0 outside the segments.
//! - [`FlipFlop`] (Fig. 7D, "4-bit memory"): a seeded random sequence of ON/OFF pulses,
//!   two input lines per bit, and the `+-1` target each bit should hold.
//! - [`PatternSelect`] (Fig. 7B): several seeded patterns (sums of three sines), one
//!   selected at a time by a static control input.
//!
//! Every type is a pure function of `t` (the random draws happen once, in the
//! constructor), and `eval` neither allocates nor scans: it binary-searches sorted
//! switching times.
//!
//! ```
//! use cnn_core::Target;
//! use cnn_targets::{FlipFlop, FlipFlopSpec};
//!
//! // Fig. 7D: 4 bits, pulses of height 0.375, 20 s of pulses drawn from seed 3.
//! let task = FlipFlop::new(FlipFlopSpec::fig7d(20_000.0, 3))?;
//! let inputs = task.inputs(); // 8 lines: ON of bit b on 2b, OFF on 2b + 1
//! assert_eq!((inputs.dim(), task.dim()), (8, 4));
//!
//! let first = task.events()[0];
//! let (mut i, mut f) = ([0.0; 8], [0.0; 4]);
//! inputs.eval(first.t_ms, &mut i);
//! task.eval(first.t_ms, &mut f);
//! assert_eq!(i[first.line()], 0.375);
//! // Every bit starts at -1; the pulsed bit takes its new value at the pulse onset.
//! assert_eq!(f[first.bit], if first.on { 1.0 } else { -1.0 });
//! # Ok::<(), cnn_targets::TargetError>(())
//! ```

use std::f64::consts::TAU;

use cnn_core::Target;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{positive, TargetError};

/// One constant stretch of one input channel: `level` on the half-open interval
/// `[start_ms, end_ms)`.
///
/// The fields are checked by [`Schedule::new`]: `channel < n_channels`, `start_ms`
/// finite and `>= 0`, `end_ms` finite and `> start_ms`, `level` finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// The channel (0-based).
    pub channel: usize,
    /// First time the level holds (ms, inclusive).
    pub start_ms: f64,
    /// Time the level stops (ms, exclusive).
    pub end_ms: f64,
    /// The channel's value during the segment.
    pub level: f64,
}

impl Segment {
    /// A pulse of `height` on `channel` from `at_ms` for `width_ms`: the segment
    /// `[at_ms, at_ms + width_ms)`. Not validated until it is given to
    /// [`Schedule::new`].
    pub fn pulse(channel: usize, at_ms: f64, width_ms: f64, height: f64) -> Self {
        Self {
            channel,
            start_ms: at_ms,
            end_ms: at_ms + width_ms,
            level: height,
        }
    }
}

/// The segments of one channel, sorted by start, as parallel arrays for binary search.
#[derive(Debug, Clone, PartialEq, Default)]
struct Lane {
    starts: Vec<f64>,
    ends: Vec<f64>,
    levels: Vec<f64>,
}

impl Lane {
    /// The level at `t_ms`: the last segment starting at or before `t_ms`, if it has
    /// not ended; 0 otherwise (also for NaN).
    fn value(&self, t_ms: f64) -> f64 {
        let i = self.starts.partition_point(|&s| s <= t_ms);
        if i > 0 && t_ms < self.ends[i - 1] {
            self.levels[i - 1]
        } else {
            0.0
        }
    }
}

/// A piecewise-constant input with `n_channels` channels: channel `c` equals the level
/// of the segment of channel `c` whose half-open interval `[start, end)` holds `t`, and
/// 0 where no segment does (before, between and after segments, and for `t < 0`).
///
/// Segments of one channel may not overlap (they may touch: one may start where the
/// previous ends); segments of different channels are independent. `eval` costs one
/// binary search per channel, `O(n_channels log m)` for `m` segments per channel, and
/// allocates nothing. `period_ms()` is `None`.
///
/// ```
/// use cnn_core::Target;
/// use cnn_targets::{Schedule, Segment};
///
/// let s = Schedule::new(2, vec![Segment::pulse(1, 100.0, 10.0, 0.375)])?;
/// let mut i = [0.0; 2];
/// s.eval(105.0, &mut i);
/// assert_eq!(i, [0.0, 0.375]);
/// s.eval(110.0, &mut i); // the end is exclusive
/// assert_eq!(i, [0.0, 0.0]);
/// assert_eq!(s.end_ms(), 110.0);
/// # Ok::<(), cnn_targets::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    segments: Vec<Segment>,
    lanes: Vec<Lane>,
    end_ms: f64,
}

impl Schedule {
    /// A schedule of `n_channels` channels (`>= 1`) from `segments` (any order; may be
    /// empty, giving an all-zero input).
    ///
    /// Errors: [`TargetError::OutOfRange`] for `n_channels = 0`;
    /// [`TargetError::BadSegment`] naming the first segment (by its position in
    /// `segments`) with a channel `>= n_channels`, a `start_ms` that is not finite and
    /// `>= 0`, an `end_ms` that is not finite and `> start_ms`, or a non-finite `level`;
    /// [`TargetError::OverlappingSegments`] naming two segments of one channel that
    /// overlap, with their times.
    pub fn new(n_channels: usize, segments: Vec<Segment>) -> Result<Self, TargetError> {
        const T: &str = "Schedule";
        if n_channels == 0 {
            return Err(TargetError::range(T, "n_channels", 0.0, "an integer >= 1"));
        }
        let bad = |index: usize, name: &'static str, value: f64, allowed: String| {
            TargetError::BadSegment {
                target: T,
                index,
                name,
                value,
                allowed,
            }
        };
        for (i, s) in segments.iter().enumerate() {
            if s.channel >= n_channels {
                return Err(bad(
                    i,
                    "channel",
                    s.channel as f64,
                    format!("an integer in 0..{n_channels}"),
                ));
            }
            if !(s.start_ms.is_finite() && s.start_ms >= 0.0) {
                return Err(bad(i, "start_ms", s.start_ms, "finite and >= 0".into()));
            }
            if !(s.end_ms.is_finite() && s.end_ms > s.start_ms) {
                return Err(bad(
                    i,
                    "end_ms",
                    s.end_ms,
                    format!("finite and > start_ms = {}", s.start_ms),
                ));
            }
            if !s.level.is_finite() {
                return Err(bad(i, "level", s.level, "finite".into()));
            }
        }
        // Per channel, positions sorted by (start, position); then only neighbours can
        // overlap: if no segment starts before its predecessor ends, none overlap.
        let mut order: Vec<Vec<usize>> = vec![Vec::new(); n_channels];
        for (i, s) in segments.iter().enumerate() {
            order[s.channel].push(i);
        }
        let mut lanes = Vec::with_capacity(n_channels);
        for (channel, idx) in order.iter_mut().enumerate() {
            idx.sort_by(|&a, &b| {
                segments[a]
                    .start_ms
                    .total_cmp(&segments[b].start_ms)
                    .then(a.cmp(&b))
            });
            for w in idx.windows(2) {
                let (a, b) = (&segments[w[0]], &segments[w[1]]);
                if b.start_ms < a.end_ms {
                    return Err(TargetError::OverlappingSegments {
                        target: T,
                        channel,
                        first: w[0],
                        first_start_ms: a.start_ms,
                        first_end_ms: a.end_ms,
                        second: w[1],
                        second_start_ms: b.start_ms,
                        second_end_ms: b.end_ms,
                    });
                }
            }
            lanes.push(Lane {
                starts: idx.iter().map(|&i| segments[i].start_ms).collect(),
                ends: idx.iter().map(|&i| segments[i].end_ms).collect(),
                levels: idx.iter().map(|&i| segments[i].level).collect(),
            });
        }
        let end_ms = segments.iter().map(|s| s.end_ms).fold(0.0, f64::max);
        Ok(Self {
            segments,
            lanes,
            end_ms,
        })
    }

    /// The number of channels.
    pub fn n_channels(&self) -> usize {
        self.lanes.len()
    }

    /// The segments, in the order given to [`Schedule::new`] (positions match the
    /// indices in its errors).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The end of the last segment (ms), 0 when there are none: every channel is 0 from
    /// here on, so a caller can refuse a schedule whose pulses fall outside its run.
    pub fn end_ms(&self) -> f64 {
        self.end_ms
    }

    /// The value of one channel at `t_ms`.
    ///
    /// # Panics
    /// If `channel >= self.n_channels()`.
    pub fn level(&self, channel: usize, t_ms: f64) -> f64 {
        self.lanes[channel].value(t_ms)
    }
}

impl Target for Schedule {
    fn dim(&self) -> usize {
        self.lanes.len()
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        for (o, lane) in out.iter_mut().zip(&self.lanes) {
            *o = lane.value(t_ms);
        }
    }
    fn period_ms(&self) -> Option<f64> {
        None
    }
    fn describe(&self) -> String {
        format!(
            "schedule: {} channels, {} piecewise-constant segments [start, end) (0 outside), \
             last ends at {} ms",
            self.lanes.len(),
            self.segments.len(),
            self.end_ms
        )
    }
}

/// The parameters of a [`FlipFlop`] task (Fig. 7D). See [`FlipFlopSpec::fig7d`] for the
/// paper's values and the choices made where the paper gives none.
#[derive(Debug, Clone, PartialEq)]
pub struct FlipFlopSpec {
    /// Number of bits (readouts), `>= 1`; the paper has 4. The input has `2 bits` lines.
    pub bits: usize,
    /// Height of every pulse, finite `> 0`; the paper's is 0.375.
    pub pulse_height: f64,
    /// Duration of every pulse (ms), finite `> 0`.
    pub pulse_width_ms: f64,
    /// Mean time from one pulse onset to the next (ms), finite `>= min_interval_ms`.
    pub mean_interval_ms: f64,
    /// Shortest time from one pulse onset to the next (ms), finite
    /// `>= pulse_width_ms` (so pulses never overlap).
    pub min_interval_ms: f64,
    /// Length of the pulse sequence (ms), finite `> 0`: every pulse lies wholly in
    /// `[0, duration_ms]`.
    pub duration_ms: f64,
    /// Seed of the pulse sequence.
    pub seed: u64,
}

impl FlipFlopSpec {
    /// The paper's pulse height (Fig. 7D).
    pub const PAPER_PULSE_HEIGHT: f64 = 0.375;
    /// Pulse width of [`FlipFlopSpec::fig7d`] (ms). UNCONFIRMED: the paper gives no
    /// pulse timing. Two time constants (tau = 10 ms): a pulse moves a unit's input
    /// `x` to `1 - e^-2 = 86 %` of its steady-state deflection, yet stays short next to
    /// the intervals between pulses.
    pub const FIG7D_PULSE_WIDTH_MS: f64 = 20.0;
    /// Mean interval between pulse onsets of [`FlipFlopSpec::fig7d`] (ms). UNCONFIRMED:
    /// with 4 bits each bit is pulsed about every 1.6 s, half of the pulses change its
    /// state, and a 100 s run holds about 250 pulses and visits all 16 states (in 196 of
    /// seeds 0..200).
    pub const FIG7D_MEAN_INTERVAL_MS: f64 = 400.0;
    /// Shortest interval between pulse onsets of [`FlipFlopSpec::fig7d`] (ms).
    /// UNCONFIRMED: ten time constants, so the output can settle on the new state and
    /// has to hold it before the next pulse.
    pub const FIG7D_MIN_INTERVAL_MS: f64 = 100.0;

    /// Fig. 7D: 4 bits, pulses of height 0.375 (paper), width
    /// [`FIG7D_PULSE_WIDTH_MS`](Self::FIG7D_PULSE_WIDTH_MS) = 20 ms, intervals of mean
    /// [`FIG7D_MEAN_INTERVAL_MS`](Self::FIG7D_MEAN_INTERVAL_MS) = 400 ms and minimum
    /// [`FIG7D_MIN_INTERVAL_MS`](Self::FIG7D_MIN_INTERVAL_MS) = 100 ms (UNCONFIRMED
    /// choices, see each constant).
    pub fn fig7d(duration_ms: f64, seed: u64) -> Self {
        Self {
            bits: 4,
            pulse_height: Self::PAPER_PULSE_HEIGHT,
            pulse_width_ms: Self::FIG7D_PULSE_WIDTH_MS,
            mean_interval_ms: Self::FIG7D_MEAN_INTERVAL_MS,
            min_interval_ms: Self::FIG7D_MIN_INTERVAL_MS,
            duration_ms,
            seed,
        }
    }
}

/// One pulse of a [`FlipFlop`] task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlipFlopEvent {
    /// Pulse onset (ms).
    pub t_ms: f64,
    /// The bit pulsed (0-based).
    pub bit: usize,
    /// `true` for an ON pulse (sets the bit to +1), `false` for OFF (sets it to -1).
    pub on: bool,
}

impl FlipFlopEvent {
    /// The input line carrying the pulse: `2 bit` for ON, `2 bit + 1` for OFF.
    pub fn line(&self) -> usize {
        2 * self.bit + usize::from(!self.on)
    }
}

/// The 4-bit memory task of Fig. 7D (any number of bits): a seeded random sequence of
/// pulses on `2 bits` input lines and the `+-1` state each readout must hold.
///
/// **Inputs** ([`FlipFlop::inputs`], `2 bits` channels): line `2b` carries the ON
/// pulses of bit `b`, line `2b + 1` its OFF pulses; a pulse is `pulse_height` on
/// `[t, t + pulse_width_ms)`, 0 otherwise.
///
/// **Target** (this type's [`Target`] impl, `dim = bits`): bit `b` is `+1` or `-1`.
/// Every bit starts at `-1` (a choice: the paper does not say; the network's state
/// before the first pulse is arbitrary, so the first pulses of a run teach little either
/// way). An ON pulse sets the bit to `+1`, an OFF pulse to `-1`; a pulse that agrees
/// with the current state changes nothing (the network must learn to ignore it). The
/// change takes effect at the pulse *onset* (the target at `t` counts every pulse with
/// onset `<= t`), the same instant the input line goes up: the target is a step, and the
/// network's lag of a few `tau` after it is part of the training error. After the last
/// pulse the states hold for all later `t`; `period_ms()` is `None`.
///
/// **Draw**: `ChaCha8Rng::seed_from_u64(seed)` (default stream). Pulse after pulse,
/// three uniforms `u1, u2, u3` on `[0, 1)`: the interval from the previous onset (from
/// 0 for the first pulse) is `min + (mean - min) (-ln(1 - u1))` (a shifted exponential
/// with mean `mean_interval_ms`, never shorter than `min_interval_ms`), the bit is
/// `floor(u2 bits)`, and the pulse is ON when `u3 < 1/2`. Drawing stops at the first
/// pulse that would not end by `duration_ms`. At most [`FlipFlop::MAX_PULSES`] pulses.
#[derive(Debug, Clone, PartialEq)]
pub struct FlipFlop {
    spec: FlipFlopSpec,
    events: Vec<FlipFlopEvent>,
    inputs: Schedule,
    /// Per bit, the onsets at which its state changes (alternately to +1 and to -1).
    flips: Vec<Vec<f64>>,
}

impl FlipFlop {
    /// The most pulses a task may hold (a guard against a mistyped duration).
    pub const MAX_PULSES: usize = 1_000_000;

    /// Validates `spec` (see the field docs; errors name the field) and draws the pulse
    /// sequence.
    pub fn new(spec: FlipFlopSpec) -> Result<Self, TargetError> {
        const T: &str = "FlipFlop";
        if spec.bits == 0 {
            return Err(TargetError::range(T, "bits", 0.0, "an integer >= 1"));
        }
        positive(T, "pulse_height", spec.pulse_height)?;
        let width = positive(T, "pulse_width_ms", spec.pulse_width_ms)?;
        let min = spec.min_interval_ms;
        if !(min.is_finite() && min >= width) {
            return Err(TargetError::range(
                T,
                "min_interval_ms",
                min,
                "finite and >= pulse_width_ms",
            ));
        }
        let mean = spec.mean_interval_ms;
        if !(mean.is_finite() && mean >= min) {
            return Err(TargetError::range(
                T,
                "mean_interval_ms",
                mean,
                "finite and >= min_interval_ms",
            ));
        }
        let duration = positive(T, "duration_ms", spec.duration_ms)?;

        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let mut events = Vec::new();
        let mut t = 0.0;
        loop {
            let u1: f64 = rng.random();
            let u2: f64 = rng.random();
            let u3: f64 = rng.random();
            t += min + (mean - min) * -(-u1).ln_1p();
            if t + width > duration {
                break;
            }
            if events.len() == Self::MAX_PULSES {
                return Err(TargetError::range(
                    T,
                    "duration_ms",
                    duration,
                    "short enough for at most FlipFlop::MAX_PULSES = 1000000 pulses \
                     (about duration_ms / mean_interval_ms)",
                ));
            }
            let bit = ((u2 * spec.bits as f64) as usize).min(spec.bits - 1);
            events.push(FlipFlopEvent {
                t_ms: t,
                bit,
                on: u3 < 0.5,
            });
        }

        let mut flips = vec![Vec::new(); spec.bits];
        for e in &events {
            // A bit is +1 after an odd number of changes (it starts at -1).
            let is_on = flips[e.bit].len() % 2 == 1;
            if e.on != is_on {
                flips[e.bit].push(e.t_ms);
            }
        }
        let pulses = events
            .iter()
            .map(|e| Segment::pulse(e.line(), e.t_ms, width, spec.pulse_height))
            .collect();
        let inputs = Schedule::new(2 * spec.bits, pulses)?;
        Ok(Self {
            spec,
            events,
            inputs,
            flips,
        })
    }

    /// The parameters.
    pub fn spec(&self) -> &FlipFlopSpec {
        &self.spec
    }

    /// The input pulses: `2 bits` channels (ON of bit `b` on `2b`, OFF on `2b + 1`).
    /// Clone it to hand the network an owned input.
    pub fn inputs(&self) -> &Schedule {
        &self.inputs
    }

    /// Every pulse, in time order.
    pub fn events(&self) -> &[FlipFlopEvent] {
        &self.events
    }

    /// The state (`+1` or `-1`) of `bit` at `t_ms`: what the target holds.
    ///
    /// # Panics
    /// If `bit >= spec().bits`.
    pub fn state(&self, bit: usize, t_ms: f64) -> f64 {
        let changes = self.flips[bit].partition_point(|&f| f <= t_ms);
        if changes % 2 == 1 {
            1.0
        } else {
            -1.0
        }
    }
}

impl Target for FlipFlop {
    fn dim(&self) -> usize {
        self.spec.bits
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        for (b, o) in out.iter_mut().enumerate() {
            *o = self.state(b, t_ms);
        }
    }
    fn period_ms(&self) -> Option<f64> {
        None
    }
    fn describe(&self) -> String {
        let s = &self.spec;
        format!(
            "flip-flop: {} bits of +-1 (start -1), set to +1 by an ON pulse (line 2b) and to -1 \
             by an OFF pulse (line 2b+1) at its onset; {} pulses of height {} and width {} ms, \
             onset intervals min + Exp(mean - min) with min = {} ms, mean = {} ms, over {} ms \
             (ChaCha8 seed {})",
            s.bits,
            self.events.len(),
            s.pulse_height,
            s.pulse_width_ms,
            s.min_interval_ms,
            s.mean_interval_ms,
            s.duration_ms,
            s.seed
        )
    }
}

/// The parameters of a [`PatternSelect`] task (Fig. 7B). See
/// [`PatternSelectSpec::fig7b`] for the paper's values.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSelectSpec {
    /// Number of patterns, `>= 1`; the paper has 5.
    pub patterns: usize,
    /// Number of input channels, `>= patterns`; the paper's network has 100. Channel
    /// `k < patterns` selects pattern `k`; the others stay 0.
    pub n_inputs: usize,
    /// Length of each selection (ms), finite `> 0`.
    pub segment_ms: f64,
    /// Length of the selection sequence (ms), finite `> 0`.
    pub duration_ms: f64,
    /// Seed of the patterns and of the selection sequence.
    pub seed: u64,
}

impl PatternSelectSpec {
    /// Segment length of [`PatternSelectSpec::fig7b`] (ms). UNCONFIRMED: the paper does
    /// not say how long a selection lasts; 2 s holds at least two periods of the slowest
    /// pattern ([`PatternSelect::BASE_PERIOD_MAX_MS`]).
    pub const FIG7B_SEGMENT_MS: f64 = 2000.0;

    /// Fig. 7B: 5 patterns, 100 inputs (paper), selections of
    /// [`FIG7B_SEGMENT_MS`](Self::FIG7B_SEGMENT_MS) = 2000 ms (UNCONFIRMED).
    pub fn fig7b(duration_ms: f64, seed: u64) -> Self {
        Self {
            patterns: 5,
            n_inputs: 100,
            segment_ms: Self::FIG7B_SEGMENT_MS,
            duration_ms,
            seed,
        }
    }
}

/// One selection of a [`PatternSelect`] task: `pattern` is selected on
/// `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatternSegment {
    /// Start (ms, inclusive).
    pub start_ms: f64,
    /// End (ms, exclusive).
    pub end_ms: f64,
    /// The pattern selected (0-based).
    pub pattern: usize,
}

/// The five-pattern task of Fig. 7B (any number of patterns): static control inputs
/// select which of several seeded periodic patterns the readout must produce.
///
/// **Patterns**: pattern `k` is a sum of three sines,
/// `f_k(s) = sum_j a_kj sin(2 pi h_kj s / P_k + phi_kj)`, with harmonics `h_k1 = 1` and
/// two distinct `h` from `{2, 3, 4}`, so `f_k` is periodic with period `P_k` and its
/// components have periods from `P_k / 4` to `P_k`. The base period `P_k` is
/// log-uniform from [`BASE_PERIOD_MIN_MS`](Self::BASE_PERIOD_MIN_MS) (400 ms) to
/// [`BASE_PERIOD_MAX_MS`](Self::BASE_PERIOD_MAX_MS) (1000 ms), so every component
/// period lies in 100-1000 ms, slow enough for a network with tau = 10 ms and fast
/// enough to show several cycles per selection. (Periodic patterns, rather than three
/// independent random frequencies, let the network hold a pattern as a limit cycle for as
/// long as its input stays on.) Relative amplitudes `U(0.5, 1.5)`, normalised so that
/// `sum_j a_kj =` [`PEAK_BOUND`](Self::PEAK_BOUND) `= 1.5` (hence `|f_k| <= 1.5`);
/// phases `U(0, 2 pi)`. These ranges are UNCONFIRMED choices: the paper only says "sum
/// of 3 sines".
///
/// **Selections**: `[0, duration_ms)` is cut into slots of `segment_ms` (the last one
/// may be shorter). The first slot's pattern is uniform over all patterns, each later
/// one uniform over the patterns *other* than the previous one, so the input changes at
/// every slot boundary (with a single pattern there is one segment over the whole run).
///
/// **Inputs** ([`PatternSelect::inputs`], `n_inputs` channels): during a segment of
/// pattern `k`, channel `k` is [`CONTROL_LEVEL`](Self::CONTROL_LEVEL) `= 1` and all
/// others 0 (a choice; the paper's `U(-0.5, 0.5)` control *weights* are the network's).
/// Channels `patterns..n_inputs` are always 0.
///
/// **Target** (`dim = 1`): during a segment `[start, end)` of pattern `k` the target is
/// `f_k(t - start)`: each selection starts its pattern at phase 0, since the network
/// cannot know the absolute time. Outside `[0, duration_ms)` it is 0. `period_ms()` is
/// `None`.
///
/// **Draw**: `ChaCha8Rng::seed_from_u64(seed)`; the patterns from stream 0, the
/// selections from stream 1 (`set_stream`), so the patterns do not depend on
/// `segment_ms` or `duration_ms`. Per pattern, in order: `u` for `P_k = P_min
/// (P_max / P_min)^u`; `u` for the harmonic of `{2, 3, 4}` left out (`floor(3u)`);
/// then per sine `j` (harmonics ascending) `u` for the relative amplitude `0.5 + u` and `u`
/// for the phase `2 pi u`. Per slot one `u` (none after the first when there is a
/// single pattern): `floor(u n)` over the `n` candidates in ascending order.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSelect {
    spec: PatternSelectSpec,
    base_periods_ms: Vec<f64>,
    /// Per pattern: (amplitude, angular frequency in rad/ms, phase) of each sine.
    sines: Vec<[(f64, f64, f64); 3]>,
    segments: Vec<PatternSegment>,
    starts: Vec<f64>,
    inputs: Schedule,
}

impl PatternSelect {
    /// Lower end of the base-period range (ms).
    pub const BASE_PERIOD_MIN_MS: f64 = 400.0;
    /// Upper end of the base-period range (ms).
    pub const BASE_PERIOD_MAX_MS: f64 = 1000.0;
    /// The sum of each pattern's amplitudes, a bound on `|f_k|`.
    pub const PEAK_BOUND: f64 = 1.5;
    /// The level of a selected pattern's control input.
    pub const CONTROL_LEVEL: f64 = 1.0;
    /// The most selections a task may hold (a guard against a mistyped duration).
    pub const MAX_SEGMENTS: usize = 1_000_000;

    /// Validates `spec` (see the field docs; errors name the field), draws the patterns
    /// and the selection sequence.
    pub fn new(spec: PatternSelectSpec) -> Result<Self, TargetError> {
        const T: &str = "PatternSelect";
        if spec.patterns == 0 {
            return Err(TargetError::range(T, "patterns", 0.0, "an integer >= 1"));
        }
        if spec.n_inputs < spec.patterns {
            return Err(TargetError::range(
                T,
                "n_inputs",
                spec.n_inputs as f64,
                "an integer >= patterns",
            ));
        }
        let seg = positive(T, "segment_ms", spec.segment_ms)?;
        let duration = positive(T, "duration_ms", spec.duration_ms)?;
        let slots = (duration / seg).ceil();
        if slots > Self::MAX_SEGMENTS as f64 {
            return Err(TargetError::range(
                T,
                "duration_ms",
                duration,
                "at most PatternSelect::MAX_SEGMENTS = 1000000 times segment_ms",
            ));
        }
        let slots = slots as usize;

        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        rng.set_stream(0);
        let (p_min, p_max) = (Self::BASE_PERIOD_MIN_MS, Self::BASE_PERIOD_MAX_MS);
        let mut base_periods_ms = Vec::with_capacity(spec.patterns);
        let mut sines = Vec::with_capacity(spec.patterns);
        for _ in 0..spec.patterns {
            let p = p_min * (p_max / p_min).powf(rng.random::<f64>());
            let skip = 2 + pick(rng.random(), 3) as u32;
            let mut harmonics = [1.0; 3];
            for (slot, h) in harmonics[1..]
                .iter_mut()
                .zip((2..=4u32).filter(|&h| h != skip))
            {
                *slot = f64::from(h);
            }
            let mut s = [(0.0, 0.0, 0.0); 3];
            for (sj, h) in s.iter_mut().zip(harmonics) {
                let a = 0.5 + rng.random::<f64>();
                let phi = TAU * rng.random::<f64>();
                *sj = (a, TAU * h / p, phi);
            }
            let total: f64 = s.iter().map(|sj| sj.0).sum();
            for sj in &mut s {
                sj.0 *= Self::PEAK_BOUND / total;
            }
            base_periods_ms.push(p);
            sines.push(s);
        }

        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        rng.set_stream(1);
        let mut segments: Vec<PatternSegment> = Vec::new();
        for j in 0..slots {
            let start = j as f64 * seg;
            let end = ((j + 1) as f64 * seg).min(duration);
            let pattern = match segments.last() {
                None => pick(rng.random(), spec.patterns),
                Some(_) if spec.patterns == 1 => 0,
                Some(prev) => {
                    let r = pick(rng.random(), spec.patterns - 1);
                    r + usize::from(r >= prev.pattern)
                }
            };
            match segments.last_mut() {
                Some(prev) if prev.pattern == pattern => prev.end_ms = end,
                _ => segments.push(PatternSegment {
                    start_ms: start,
                    end_ms: end,
                    pattern,
                }),
            }
        }
        let starts = segments.iter().map(|s| s.start_ms).collect();
        let controls = segments
            .iter()
            .map(|s| Segment {
                channel: s.pattern,
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                level: Self::CONTROL_LEVEL,
            })
            .collect();
        let inputs = Schedule::new(spec.n_inputs, controls)?;
        Ok(Self {
            spec,
            base_periods_ms,
            sines,
            segments,
            starts,
            inputs,
        })
    }

    /// The parameters.
    pub fn spec(&self) -> &PatternSelectSpec {
        &self.spec
    }

    /// The control inputs: `n_inputs` channels (channel `k` on during pattern `k`).
    /// Clone it to hand the network an owned input.
    pub fn inputs(&self) -> &Schedule {
        &self.inputs
    }

    /// The selections, in time order; they tile `[0, duration_ms)`.
    pub fn segments(&self) -> &[PatternSegment] {
        &self.segments
    }

    /// The period `P_k` of pattern `k` (ms).
    ///
    /// # Panics
    /// If `k >= spec().patterns`.
    pub fn pattern_period_ms(&self, k: usize) -> f64 {
        self.base_periods_ms[k]
    }

    /// `f_k(s)`: pattern `k` at time `s_ms` since its selection began.
    ///
    /// # Panics
    /// If `k >= spec().patterns`.
    pub fn pattern_value(&self, k: usize, s_ms: f64) -> f64 {
        self.sines[k]
            .iter()
            .map(|&(a, w, phi)| a * (w * s_ms + phi).sin())
            .sum()
    }
}

/// `floor(u n)` clamped to `n - 1`: a uniform index from a uniform `u` on `[0, 1)`.
fn pick(u: f64, n: usize) -> usize {
    ((u * n as f64) as usize).min(n - 1)
}

impl Target for PatternSelect {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let i = self.starts.partition_point(|&s| s <= t_ms);
        out[0] = match i.checked_sub(1).map(|i| &self.segments[i]) {
            Some(s) if t_ms < s.end_ms => self.pattern_value(s.pattern, t_ms - s.start_ms),
            _ => 0.0,
        };
    }
    fn period_ms(&self) -> Option<f64> {
        None
    }
    fn describe(&self) -> String {
        let s = &self.spec;
        format!(
            "pattern select: {} patterns (sums of 3 sines, harmonics 1 and two of 2..4 of a base \
             period in {}-{} ms, amplitudes summing to {}), selected by control channel k = {} \
             of {} inputs for {} ms at a time over {} ms ({} segments; ChaCha8 seed {})",
            s.patterns,
            Self::BASE_PERIOD_MIN_MS,
            Self::BASE_PERIOD_MAX_MS,
            Self::PEAK_BOUND,
            Self::CONTROL_LEVEL,
            s.n_inputs,
            s.segment_ms,
            s.duration_ms,
            self.segments.len(),
            s.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[0, 1)`-spread test times, deliberately out of order.
    fn shuffled_times(n: usize, span: f64) -> Vec<f64> {
        (0..n)
            .map(|k| ((k * 7919) % n) as f64 / n as f64 * span - 5.0)
            .collect()
    }

    fn eval_bits(t: &impl Target, t_ms: f64) -> Vec<u64> {
        let mut o = vec![f64::NAN; t.dim()];
        t.eval(t_ms, &mut o);
        o.iter().map(|v| v.to_bits()).collect()
    }

    /// Evaluating forwards and backwards gives the same bits.
    fn assert_pure(t: &impl Target, span: f64) {
        let ts = shuffled_times(2000, span);
        let fwd: Vec<Vec<u64>> = ts.iter().map(|&x| eval_bits(t, x)).collect();
        let rev: Vec<Vec<u64>> = ts.iter().rev().map(|&x| eval_bits(t, x)).collect();
        assert_eq!(fwd, rev.into_iter().rev().collect::<Vec<_>>());
    }

    // ---- Schedule ----

    #[test]
    fn pulse_values_and_half_open_ends() {
        let s = Schedule::new(
            3,
            vec![
                Segment::pulse(1, 100.0, 10.0, 0.375),
                Segment::pulse(1, 110.0, 5.0, -2.0), // touches the first: allowed
                Segment::pulse(0, 105.0, 100.0, 1.0), // other channel overlaps: allowed
            ],
        )
        .unwrap();
        assert_eq!(s.dim(), 3);
        assert_eq!(s.end_ms(), 205.0);
        assert_eq!(s.period_ms(), None);
        let at = |t| {
            let mut o = [f64::NAN; 3];
            s.eval(t, &mut o);
            o
        };
        assert_eq!(at(-1.0), [0.0; 3]);
        assert_eq!(at(99.999), [0.0; 3]);
        assert_eq!(at(100.0), [0.0, 0.375, 0.0]);
        assert_eq!(at(107.0), [1.0, 0.375, 0.0]);
        assert_eq!(at(110.0), [1.0, -2.0, 0.0]);
        assert_eq!(at(115.0), [1.0, 0.0, 0.0]);
        assert_eq!(at(205.0), [0.0; 3]);
        assert_eq!(at(f64::NAN), [0.0; 3]);
        assert_eq!(s.level(1, 112.0), -2.0);
        assert_eq!(s.segments()[2].channel, 0);
        assert!(s.describe().contains("3 channels"));
        let empty = Schedule::new(2, vec![]).unwrap();
        assert_eq!(empty.end_ms(), 0.0);
        assert_eq!(eval_bits(&empty, 3.0), vec![0; 2]);
    }

    #[test]
    fn overlap_is_refused_naming_both_segments() {
        let segs = vec![
            Segment::pulse(0, 0.0, 10.0, 1.0),
            Segment::pulse(1, 5.0, 10.0, 1.0),
            Segment::pulse(0, 20.0, 10.0, 1.0),
            Segment::pulse(0, 8.0, 4.0, 1.0),
        ];
        let e = Schedule::new(2, segs).unwrap_err();
        match e {
            TargetError::OverlappingSegments {
                channel: 0,
                first: 0,
                second: 3,
                first_start_ms,
                first_end_ms,
                second_start_ms,
                second_end_ms,
                ..
            } => {
                assert_eq!(
                    (first_start_ms, first_end_ms, second_start_ms, second_end_ms),
                    (0.0, 10.0, 8.0, 12.0)
                );
            }
            ref other => panic!("wrong error {other}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains("segments 0 [0, 10) ms and 3 [8, 12) ms"),
            "{msg}"
        );
        // Equal starts overlap too; the earlier position is named first.
        let e = Schedule::new(
            1,
            vec![
                Segment::pulse(0, 50.0, 1.0, 0.0),
                Segment::pulse(0, 50.0, 1.0, 0.0),
            ],
        )
        .unwrap_err();
        assert!(matches!(
            e,
            TargetError::OverlappingSegments {
                first: 0,
                second: 1,
                ..
            }
        ));
        // A segment inside a long one.
        let e = Schedule::new(
            1,
            vec![
                Segment::pulse(0, 30.0, 1.0, 1.0),
                Segment::pulse(0, 0.0, 100.0, 1.0),
            ],
        )
        .unwrap_err();
        assert!(matches!(
            e,
            TargetError::OverlappingSegments {
                first: 1,
                second: 0,
                ..
            }
        ));
    }

    #[test]
    fn schedule_rejects_bad_segments() {
        let one = |s: Segment| Schedule::new(2, vec![Segment::pulse(0, 0.0, 1.0, 1.0), s]);
        let field = |r: Result<Schedule, TargetError>| match r.unwrap_err() {
            TargetError::BadSegment { index, name, .. } => (index, name),
            e => panic!("wrong error {e}"),
        };
        assert_eq!(field(one(Segment::pulse(2, 0.0, 1.0, 1.0))), (1, "channel"));
        assert_eq!(
            field(one(Segment::pulse(1, -1.0, 2.0, 1.0))),
            (1, "start_ms")
        );
        assert_eq!(
            field(one(Segment::pulse(1, f64::NAN, 2.0, 1.0))),
            (1, "start_ms")
        );
        assert_eq!(field(one(Segment::pulse(1, 5.0, 0.0, 1.0))), (1, "end_ms"));
        assert_eq!(
            field(one(Segment::pulse(1, 5.0, f64::INFINITY, 1.0))),
            (1, "end_ms")
        );
        assert_eq!(
            field(one(Segment::pulse(1, 5.0, 1.0, f64::NAN))),
            (1, "level")
        );
        let msg = one(Segment::pulse(7, 0.0, 1.0, 1.0))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("segment 1: channel = 7") && msg.contains("0..2"),
            "{msg}"
        );
        let msg = Schedule::new(0, vec![]).unwrap_err().to_string();
        assert!(msg.contains("n_channels"), "{msg}");
    }

    #[test]
    fn schedule_matches_a_linear_scan_and_is_pure() {
        // 3 channels of back-to-back and spaced segments.
        let mut segs = Vec::new();
        for k in 0..300 {
            let c = k % 3;
            let t = (k / 3) as f64 * 10.0 + c as f64;
            let w = if k % 2 == 0 { 10.0 } else { 4.0 };
            segs.push(Segment::pulse(c, t, w, k as f64 * 0.01 - 1.0));
        }
        segs.reverse();
        let s = Schedule::new(3, segs.clone()).unwrap();
        for t in shuffled_times(5000, 1020.0) {
            let mut o = [f64::NAN; 3];
            s.eval(t, &mut o);
            for (c, &v) in o.iter().enumerate() {
                let want = segs
                    .iter()
                    .find(|g| g.channel == c && g.start_ms <= t && t < g.end_ms)
                    .map_or(0.0, |g| g.level);
                assert_eq!(v, want, "t = {t}, channel {c}");
            }
        }
        assert_pure(&s, 1020.0);
    }

    // ---- FlipFlop ----

    fn spec(duration_ms: f64, seed: u64) -> FlipFlopSpec {
        FlipFlopSpec::fig7d(duration_ms, seed)
    }

    #[test]
    fn flip_flop_target_follows_the_pulses() {
        let f = FlipFlop::new(spec(60_000.0, 5)).unwrap();
        assert_eq!((f.dim(), f.inputs().dim()), (4, 8));
        assert!(f.events().len() > 100);
        // The state replayed from the events, at times around every onset.
        let replay = |t: f64| {
            let mut s = [-1.0; 4];
            for e in f.events().iter().filter(|e| e.t_ms <= t) {
                s[e.bit] = if e.on { 1.0 } else { -1.0 };
            }
            s
        };
        let mut o = [0.0; 4];
        for e in f.events() {
            for t in [e.t_ms - 1e-9, e.t_ms, e.t_ms + 1.0, e.t_ms + 99.0] {
                f.eval(t, &mut o);
                assert_eq!(o, replay(t), "t = {t}");
            }
            // At the onset the pulsed bit holds the pulse's value.
            f.eval(e.t_ms, &mut o);
            assert_eq!(o[e.bit], if e.on { 1.0 } else { -1.0 });
            assert_eq!(f.state(e.bit, e.t_ms), o[e.bit]);
        }
        f.eval(-10.0, &mut o);
        assert_eq!(o, [-1.0; 4]);
        f.eval(1e9, &mut o);
        assert_eq!(o, replay(1e9));
    }

    #[test]
    fn flip_flop_inputs_carry_the_pulses() {
        let sp = spec(30_000.0, 8);
        let f = FlipFlop::new(sp.clone()).unwrap();
        let inputs = f.inputs();
        assert_eq!(inputs.segments().len(), f.events().len());
        let mut i = [0.0; 8];
        for e in f.events() {
            assert_eq!(e.line(), 2 * e.bit + usize::from(!e.on));
            for t in [e.t_ms, e.t_ms + sp.pulse_width_ms / 2.0] {
                inputs.eval(t, &mut i);
                for (line, &v) in i.iter().enumerate() {
                    let want = if line == e.line() { 0.375 } else { 0.0 };
                    assert_eq!(v, want, "line {line} at {t}");
                }
            }
            inputs.eval(e.t_ms + sp.pulse_width_ms, &mut i);
            assert_eq!(i, [0.0; 8]);
        }
        assert!(inputs.end_ms() <= sp.duration_ms);
    }

    #[test]
    fn flip_flop_intervals_bits_and_states() {
        let sp = spec(4_000_000.0, 1);
        let f = FlipFlop::new(sp.clone()).unwrap();
        let ev = f.events();
        assert!(ev[0].t_ms >= sp.min_interval_ms);
        let gaps: Vec<f64> = ev.windows(2).map(|w| w[1].t_ms - w[0].t_ms).collect();
        assert!(gaps.iter().all(|&g| g >= sp.min_interval_ms - 1e-9));
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean / sp.mean_interval_ms - 1.0).abs() < 0.03, "{mean}");
        let last = ev.last().unwrap().t_ms;
        assert!(last + sp.pulse_width_ms <= sp.duration_ms);
        assert!(sp.duration_ms - last < 10.0 * sp.mean_interval_ms);
        // Every line is used about equally.
        let mut per_line = [0usize; 8];
        for e in ev {
            per_line[e.line()] += 1;
        }
        let n = ev.len() as f64;
        for c in per_line {
            assert!((c as f64 / n - 0.125).abs() < 0.02, "{per_line:?}");
        }
        // All 16 states are visited within the first 100 s.
        let mut seen = [false; 16];
        let mut o = [0.0; 4];
        for e in ev.iter().filter(|e| e.t_ms < 100_000.0) {
            f.eval(e.t_ms, &mut o);
            let code = o
                .iter()
                .enumerate()
                .map(|(b, &v)| usize::from(v > 0.0) << b)
                .sum::<usize>();
            seen[code] = true;
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
        assert!(f.describe().contains("4 bits"));
        assert_eq!(f.period_ms(), None);
    }

    #[test]
    fn flip_flop_is_seeded_and_pure() {
        let a = FlipFlop::new(spec(20_000.0, 42)).unwrap();
        let b = FlipFlop::new(spec(20_000.0, 42)).unwrap();
        let c = FlipFlop::new(spec(20_000.0, 43)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.events(), c.events());
        for t in shuffled_times(500, 20_000.0) {
            assert_eq!(eval_bits(&a, t), eval_bits(&b, t));
        }
        assert!(shuffled_times(500, 20_000.0)
            .iter()
            .any(|&t| eval_bits(&a, t) != eval_bits(&c, t)));
        assert_pure(&a, 20_000.0);
        assert_pure(a.inputs(), 20_000.0);
        // A longer run extends the same sequence.
        let long = FlipFlop::new(spec(40_000.0, 42)).unwrap();
        assert_eq!(&long.events()[..a.events().len()], a.events());
    }

    #[test]
    fn flip_flop_single_bit_and_fixed_intervals() {
        let sp = FlipFlopSpec {
            bits: 1,
            pulse_height: 1.0,
            pulse_width_ms: 5.0,
            mean_interval_ms: 50.0,
            min_interval_ms: 50.0,
            duration_ms: 1000.0,
            seed: 0,
        };
        let f = FlipFlop::new(sp).unwrap();
        assert_eq!(f.events().len(), 19); // onsets 50, 100, ..., 950; 1000 + 5 > 1000
        for (k, e) in f.events().iter().enumerate() {
            assert!((e.t_ms - 50.0 * (k + 1) as f64).abs() < 1e-9);
            assert_eq!(e.bit, 0);
        }
    }

    #[test]
    fn flip_flop_rejects_bad_specs() {
        let msg = |s: FlipFlopSpec| FlipFlop::new(s).unwrap_err().to_string();
        let base = spec(1000.0, 0);
        assert!(msg(FlipFlopSpec {
            bits: 0,
            ..base.clone()
        })
        .contains("bits"));
        assert!(msg(FlipFlopSpec {
            pulse_height: 0.0,
            ..base.clone()
        })
        .contains("pulse_height"));
        assert!(msg(FlipFlopSpec {
            pulse_width_ms: f64::NAN,
            ..base.clone()
        })
        .contains("pulse_width_ms"));
        let m = msg(FlipFlopSpec {
            min_interval_ms: 10.0,
            ..base.clone()
        });
        assert!(
            m.contains("min_interval_ms") && m.contains(">= pulse_width_ms"),
            "{m}"
        );
        assert!(msg(FlipFlopSpec {
            mean_interval_ms: 50.0,
            ..base.clone()
        })
        .contains("mean_interval_ms"));
        assert!(msg(FlipFlopSpec {
            duration_ms: -1.0,
            ..base.clone()
        })
        .contains("duration_ms"));
        let m = msg(FlipFlopSpec {
            pulse_width_ms: 1e-3,
            min_interval_ms: 1e-3,
            mean_interval_ms: 1e-3,
            duration_ms: 1e4,
            ..base
        });
        assert!(m.contains("MAX_PULSES"), "{m}");
    }

    // ---- PatternSelect ----

    #[test]
    fn pattern_select_segments_inputs_and_target() {
        let sp = PatternSelectSpec {
            segment_ms: 700.0,
            duration_ms: 30_050.0,
            ..PatternSelectSpec::fig7b(0.0, 9)
        };
        let p = PatternSelect::new(sp.clone()).unwrap();
        assert_eq!((p.dim(), p.inputs().dim()), (1, 100));
        let segs = p.segments();
        assert_eq!(segs.len(), 43); // ceil(30050 / 700)
        assert_eq!(segs[0].start_ms, 0.0);
        assert_eq!(segs.last().unwrap().end_ms, 30_050.0);
        for w in segs.windows(2) {
            assert_eq!(w[0].end_ms, w[1].start_ms);
            assert_ne!(w[0].pattern, w[1].pattern);
        }
        let mut used = [false; 5];
        let mut i = vec![0.0; 100];
        let mut f = [0.0];
        for s in segs {
            used[s.pattern] = true;
            for frac in [0.0, 0.3, 0.999] {
                let t = s.start_ms + frac * (s.end_ms - s.start_ms);
                p.inputs().eval(t, &mut i);
                for (c, &v) in i.iter().enumerate() {
                    assert_eq!(v, if c == s.pattern { 1.0 } else { 0.0 });
                }
                p.eval(t, &mut f);
                assert_eq!(f[0], p.pattern_value(s.pattern, t - s.start_ms));
            }
        }
        assert!(used.iter().all(|&u| u));
        for t in [-1.0, 30_050.0, 1e6] {
            p.eval(t, &mut f);
            assert_eq!(f[0], 0.0);
        }
        assert_eq!(p.inputs().end_ms(), sp.duration_ms);
        assert_eq!(p.period_ms(), None);
        assert!(p.describe().contains("5 patterns"));
    }

    #[test]
    fn patterns_are_periodic_bounded_and_in_range() {
        let p = PatternSelect::new(PatternSelectSpec::fig7b(10_000.0, 4)).unwrap();
        for k in 0..5 {
            let period = p.pattern_period_ms(k);
            assert!(
                (PatternSelect::BASE_PERIOD_MIN_MS..=PatternSelect::BASE_PERIOD_MAX_MS)
                    .contains(&period)
            );
            let mut peak: f64 = 0.0;
            for j in 0..2000 {
                let s = j as f64 * period / 1000.0;
                let v = p.pattern_value(k, s);
                assert!((v - p.pattern_value(k, s + period)).abs() < 1e-9);
                peak = peak.max(v.abs());
            }
            assert!(peak <= PatternSelect::PEAK_BOUND + 1e-12);
            assert!(peak > 0.5, "pattern {k} peak {peak}");
            // Three sines: harmonics 1 and two of {2, 3, 4}.
            let ratios: Vec<f64> = p.sines[k]
                .iter()
                .map(|&(_, w, _)| w * period / TAU)
                .collect();
            assert!((ratios[0] - 1.0).abs() < 1e-12);
            assert!(ratios[1] >= 2.0 - 1e-12 && ratios[2] <= 4.0 + 1e-12);
            assert!(ratios[1] < ratios[2]);
            let amps: f64 = p.sines[k].iter().map(|s| s.0).sum();
            assert!((amps - PatternSelect::PEAK_BOUND).abs() < 1e-12);
        }
        // Distinct patterns.
        assert_ne!(p.pattern_value(0, 123.0), p.pattern_value(1, 123.0));
    }

    #[test]
    fn pattern_select_is_seeded_and_pure() {
        let make = |seed, duration| PatternSelect::new(PatternSelectSpec::fig7b(duration, seed));
        let a = make(7, 20_000.0).unwrap();
        let b = make(7, 20_000.0).unwrap();
        let c = make(8, 20_000.0).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.pattern_value(0, 10.0), c.pattern_value(0, 10.0));
        for t in shuffled_times(500, 20_000.0) {
            assert_eq!(eval_bits(&a, t), eval_bits(&b, t));
        }
        assert_pure(&a, 20_000.0);
        assert_pure(a.inputs(), 20_000.0);
        // The patterns do not depend on the selection sequence's length or slots.
        let d = PatternSelect::new(PatternSelectSpec {
            segment_ms: 333.0,
            ..PatternSelectSpec::fig7b(5_000.0, 7)
        })
        .unwrap();
        assert_eq!(a.sines, d.sines);
        assert_eq!(a.base_periods_ms, d.base_periods_ms);
        let long = make(7, 40_000.0).unwrap();
        assert_eq!(&long.segments()[..a.segments().len()], a.segments());
    }

    #[test]
    fn pattern_select_single_pattern_and_errors() {
        let one = PatternSelect::new(PatternSelectSpec {
            patterns: 1,
            n_inputs: 1,
            segment_ms: 100.0,
            duration_ms: 1000.0,
            seed: 0,
        })
        .unwrap();
        assert_eq!(
            one.segments(),
            &[PatternSegment {
                start_ms: 0.0,
                end_ms: 1000.0,
                pattern: 0
            }]
        );
        let msg = |s: PatternSelectSpec| PatternSelect::new(s).unwrap_err().to_string();
        let base = PatternSelectSpec::fig7b(1000.0, 0);
        assert!(msg(PatternSelectSpec {
            patterns: 0,
            ..base.clone()
        })
        .contains("patterns"));
        let m = msg(PatternSelectSpec {
            n_inputs: 4,
            ..base.clone()
        });
        assert!(
            m.contains("n_inputs = 4") && m.contains(">= patterns"),
            "{m}"
        );
        assert!(msg(PatternSelectSpec {
            segment_ms: 0.0,
            ..base.clone()
        })
        .contains("segment_ms"));
        assert!(msg(PatternSelectSpec {
            duration_ms: f64::INFINITY,
            ..base.clone()
        })
        .contains("duration_ms"));
        assert!(msg(PatternSelectSpec {
            segment_ms: 1e-3,
            duration_ms: 1e4,
            ..base
        })
        .contains("MAX_SEGMENTS"));
    }
}
