//! Scalar periodic generators: sines, harmonic sums, triangle, square and sawtooth
//! waves, and a seeded random sum of sines.
//!
//! Every generator reduces time to the phase `u = frac(t / period)` before evaluating a
//! trigonometric or piecewise-linear formula, so `f(t) == f(t + period)` holds to
//! rounding even at large `t`, and the value depends on `t` alone.

use std::f64::consts::TAU;

use cnn_core::Target;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{finite, non_negative, positive, TargetError};

/// The fractional part of `x`, in `[0, 1)` also for negative `x`.
pub(crate) fn frac(x: f64) -> f64 {
    let f = x - x.floor();
    if f >= 1.0 {
        0.0
    } else {
        f
    }
}

/// `A sin(2 pi t / T + phi)`: a sine of amplitude `A`, period `T` (ms) and phase `phi`
/// (radians). Ranges in `[-A, A]`; `period_ms()` is `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sine {
    amplitude: f64,
    period_ms: f64,
    phase_rad: f64,
}

impl Sine {
    /// A sine; `amplitude` finite `>= 0`, `period_ms` finite `> 0`, `phase_rad` finite.
    pub fn new(amplitude: f64, period_ms: f64, phase_rad: f64) -> Result<Self, TargetError> {
        Ok(Self {
            amplitude: non_negative("Sine", "amplitude", amplitude)?,
            period_ms: positive("Sine", "period_ms", period_ms)?,
            phase_rad: finite("Sine", "phase_rad", phase_rad)?,
        })
    }
}

impl Target for Sine {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        out[0] = self.amplitude * (TAU * frac(t_ms / self.period_ms) + self.phase_rad).sin();
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "sine: A sin(2 pi t/T + phi), A = {}, T = {} ms, phi = {} rad",
            self.amplitude, self.period_ms, self.phase_rad
        )
    }
}

/// `A cos(2 pi t / T + phi)`: a cosine of amplitude `A`, period `T` (ms) and phase `phi`
/// (radians). Ranges in `[-A, A]`; `period_ms()` is `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cosine {
    amplitude: f64,
    period_ms: f64,
    phase_rad: f64,
}

impl Cosine {
    /// A cosine; `amplitude` finite `>= 0`, `period_ms` finite `> 0`, `phase_rad` finite.
    pub fn new(amplitude: f64, period_ms: f64, phase_rad: f64) -> Result<Self, TargetError> {
        Ok(Self {
            amplitude: non_negative("Cosine", "amplitude", amplitude)?,
            period_ms: positive("Cosine", "period_ms", period_ms)?,
            phase_rad: finite("Cosine", "phase_rad", phase_rad)?,
        })
    }

    /// The notebook's cosine target: `A = 3`, frequency `1/300` per ms (period 300 ms),
    /// phase 0.
    pub fn notebook() -> Self {
        Self {
            amplitude: 3.0,
            period_ms: 300.0,
            phase_rad: 0.0,
        }
    }
}

impl Target for Cosine {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        out[0] = self.amplitude * (TAU * frac(t_ms / self.period_ms) + self.phase_rad).cos();
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "cosine: A cos(2 pi t/T + phi), A = {}, T = {} ms, phi = {} rad",
            self.amplitude, self.period_ms, self.phase_rad
        )
    }
}

/// A harmonic sum in the paper's convention:
/// `f(t) = A sum_k c_k sin((k + 1) pi f0 t)`, `k = 0..coefs.len()`.
///
/// Note the `pi` (not `2 pi`): the fundamental `sin(pi f0 t)` has period `2 / f0`, which
/// is what [`Target::period_ms`] returns (600 ms for the notebook's `f0 = 1/300` per ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Harmonics {
    amplitude: f64,
    base_freq_per_ms: f64,
    coefs: Vec<f64>,
}

impl Harmonics {
    /// A harmonic sum; `amplitude` finite `>= 0`, `base_freq_per_ms` finite `> 0`,
    /// `coefs` non-empty and finite.
    pub fn new(
        amplitude: f64,
        base_freq_per_ms: f64,
        coefs: Vec<f64>,
    ) -> Result<Self, TargetError> {
        non_negative("Harmonics", "amplitude", amplitude)?;
        positive("Harmonics", "base_freq_per_ms", base_freq_per_ms)?;
        if coefs.is_empty() {
            return Err(TargetError::EmptyList {
                target: "Harmonics",
                name: "coefs",
            });
        }
        for &c in &coefs {
            finite("Harmonics", "coefs[k]", c)?;
        }
        Ok(Self {
            amplitude,
            base_freq_per_ms,
            coefs,
        })
    }

    /// The notebook's "periodic" target:
    /// `3 [sin(pi f t) + sin(2 pi f t)/2 + sin(3 pi f t)/3 + sin(4 pi f t)/4]`,
    /// `f = 1/300` per ms (period 600 ms).
    pub fn notebook_periodic() -> Self {
        Self {
            amplitude: 3.0,
            base_freq_per_ms: 1.0 / 300.0,
            coefs: vec![1.0, 1.0 / 2.0, 1.0 / 3.0, 1.0 / 4.0],
        }
    }

    /// The MATLAB demo's four sines:
    /// `(1.3/1.5) [sin(pi t/T0) + sin(2 pi t/T0)/2 + sin(3 pi t/T0)/6 + sin(4 pi t/T0)/3]`,
    /// `T0 = 600` ms (period 1200 ms).
    pub fn matlab_four_sine() -> Self {
        Self {
            amplitude: 1.3 / 1.5,
            base_freq_per_ms: 1.0 / 600.0,
            coefs: vec![1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 3.0],
        }
    }
}

impl Target for Harmonics {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        // sin((k+1) pi f t) = sin((k+1) 2 pi u) with u = frac(f t / 2).
        let u = frac(t_ms * self.base_freq_per_ms / 2.0);
        let s: f64 = self
            .coefs
            .iter()
            .enumerate()
            .map(|(k, c)| c * ((k + 1) as f64 * TAU * u).sin())
            .sum();
        out[0] = self.amplitude * s;
    }
    fn period_ms(&self) -> Option<f64> {
        Some(2.0 / self.base_freq_per_ms)
    }
    fn describe(&self) -> String {
        format!(
            "harmonics: A sum_k c_k sin((k+1) pi f t), A = {}, f = {} per ms (period {} ms), c = {:?}",
            self.amplitude,
            self.base_freq_per_ms,
            2.0 / self.base_freq_per_ms,
            self.coefs
        )
    }
}

/// Validated amplitude and period shared by the piecewise-linear waves.
fn wave_params(
    target: &'static str,
    amplitude: f64,
    period_ms: f64,
) -> Result<(f64, f64), TargetError> {
    Ok((
        non_negative(target, "amplitude", amplitude)?,
        positive(target, "period_ms", period_ms)?,
    ))
}

/// A symmetric triangle wave of amplitude `A` and period `T` (ms), with phase
/// `u = frac(t/T)`: `f = A (4u - 1)` for `u < 1/2`, `f = A (3 - 4u)` otherwise.
///
/// It starts at its minimum `-A` at `t = 0`, peaks at `+A` at `T/2`, and is
/// `A * scipy.signal.sawtooth(2 pi t / T, width = 0.5)`. Ranges in `[-A, A]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triangle {
    amplitude: f64,
    period_ms: f64,
}

impl Triangle {
    /// A triangle wave; `amplitude` finite `>= 0`, `period_ms` finite `> 0`.
    pub fn new(amplitude: f64, period_ms: f64) -> Result<Self, TargetError> {
        let (amplitude, period_ms) = wave_params("Triangle", amplitude, period_ms)?;
        Ok(Self {
            amplitude,
            period_ms,
        })
    }

    /// The notebook's triangle: `A = 3`, `f = 1/600` per ms taken as the frequency of the
    /// wave, so the period is `1/f = 600` ms.
    pub fn notebook() -> Self {
        Self {
            amplitude: 3.0,
            period_ms: 600.0,
        }
    }
}

impl Target for Triangle {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let u = frac(t_ms / self.period_ms);
        let v = if u < 0.5 {
            4.0 * u - 1.0
        } else {
            3.0 - 4.0 * u
        };
        out[0] = self.amplitude * v;
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "triangle: A sawtooth(2 pi t/T, width 0.5) (-A at t = 0, +A at T/2), A = {}, T = {} ms",
            self.amplitude, self.period_ms
        )
    }
}

/// A square wave of amplitude `A` and period `T` (ms): `+A` for `frac(t/T) < 1/2`, `-A`
/// otherwise (as `A * scipy.signal.square(2 pi t / T)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    amplitude: f64,
    period_ms: f64,
}

impl Square {
    /// A square wave; `amplitude` finite `>= 0`, `period_ms` finite `> 0`.
    pub fn new(amplitude: f64, period_ms: f64) -> Result<Self, TargetError> {
        let (amplitude, period_ms) = wave_params("Square", amplitude, period_ms)?;
        Ok(Self {
            amplitude,
            period_ms,
        })
    }
}

impl Target for Square {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let u = frac(t_ms / self.period_ms);
        out[0] = if u < 0.5 {
            self.amplitude
        } else {
            -self.amplitude
        };
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "square: +A on the first half of each period, -A on the second, A = {}, T = {} ms",
            self.amplitude, self.period_ms
        )
    }
}

/// A rising sawtooth of amplitude `A` and period `T` (ms): `f = A (2 frac(t/T) - 1)`,
/// from `-A` at the start of each period towards `+A` at its end (as
/// `A * scipy.signal.sawtooth(2 pi t / T)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sawtooth {
    amplitude: f64,
    period_ms: f64,
}

impl Sawtooth {
    /// A sawtooth wave; `amplitude` finite `>= 0`, `period_ms` finite `> 0`.
    pub fn new(amplitude: f64, period_ms: f64) -> Result<Self, TargetError> {
        let (amplitude, period_ms) = wave_params("Sawtooth", amplitude, period_ms)?;
        Ok(Self {
            amplitude,
            period_ms,
        })
    }
}

impl Target for Sawtooth {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        out[0] = self.amplitude * (2.0 * frac(t_ms / self.period_ms) - 1.0);
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "sawtooth: A (2 frac(t/T) - 1), A = {}, T = {} ms",
            self.amplitude, self.period_ms
        )
    }
}

/// The notebook's "complicated periodic" target: a seeded random sum of `n` sines,
/// `f(t) = s sum_{h=1..n} a_h sin(2 pi h t / P + phi_h)`, periodic with the base period
/// `P`.
///
/// The draw: `ChaCha8Rng::seed_from_u64(seed)` (default stream); for `h = 1, ..., n` in
/// order, two uniforms `u1, u2` on `[0, 1)`: `a_h = (0.5 + u1) / h` (a `1/h` fall-off so
/// the fast harmonics do not dominate) and `phi_h = 2 pi u2`. The harmonics are exactly
/// `1..=n`, so the fundamental is present and the period is exactly `P`.
///
/// The scale `s` makes the peak `max_t |f(t)|` equal `amplitude`: the maximum of the
/// unscaled sum is located on a grid of `256 n` points per period and each local maximum
/// of the grid is refined by golden-section search (to ~1e-12 relative).
#[derive(Debug, Clone, PartialEq)]
pub struct RandomSines {
    amplitude: f64,
    base_period_ms: f64,
    seed: u64,
    /// Scaled amplitudes `s a_h`, `h = 1..=n`.
    amps: Vec<f64>,
    /// Phases `phi_h` (radians).
    phases: Vec<f64>,
}

impl RandomSines {
    /// The notebook's default number of sines.
    pub const NOTEBOOK_N: usize = 6;

    /// A random sum of `n` sines (`1 <= n <= 1000`) with peak `amplitude` (finite
    /// `>= 0`) and period `base_period_ms` (finite `> 0`), drawn from `seed`.
    pub fn new(
        n: usize,
        amplitude: f64,
        base_period_ms: f64,
        seed: u64,
    ) -> Result<Self, TargetError> {
        if !(1..=1000).contains(&n) {
            return Err(TargetError::range(
                "RandomSines",
                "n",
                n as f64,
                "an integer in 1..=1000",
            ));
        }
        non_negative("RandomSines", "amplitude", amplitude)?;
        positive("RandomSines", "base_period_ms", base_period_ms)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut amps = Vec::with_capacity(n);
        let mut phases = Vec::with_capacity(n);
        for h in 1..=n {
            let u1: f64 = rng.random();
            let u2: f64 = rng.random();
            amps.push((0.5 + u1) / h as f64);
            phases.push(TAU * u2);
        }
        let peak = peak_of(&amps, &phases);
        let s = if peak > 0.0 { amplitude / peak } else { 0.0 };
        for a in &mut amps {
            *a *= s;
        }
        Ok(Self {
            amplitude,
            base_period_ms,
            seed,
            amps,
            phases,
        })
    }

    /// The notebook-style default: 6 sines, peak 3, base period 1200 ms.
    pub fn notebook(seed: u64) -> Self {
        match Self::new(Self::NOTEBOOK_N, 3.0, 1200.0, seed) {
            Ok(s) => s,
            Err(e) => unreachable!("notebook parameters are in range: {e}"),
        }
    }

    /// The number of sines.
    pub fn n(&self) -> usize {
        self.amps.len()
    }
}

/// `sum_h a_h sin(2 pi h u + phi_h)` at phase `u`.
fn sum_sines(amps: &[f64], phases: &[f64], u: f64) -> f64 {
    amps.iter()
        .zip(phases)
        .enumerate()
        .map(|(i, (a, p))| a * (TAU * (i + 1) as f64 * u + p).sin())
        .sum()
}

/// `max_u |sum_sines(u)|` over one period, grid search refined by golden sections.
fn peak_of(amps: &[f64], phases: &[f64]) -> f64 {
    let m = 256 * amps.len();
    let g = |u: f64| sum_sines(amps, phases, u).abs();
    let grid: Vec<f64> = (0..m).map(|j| g(j as f64 / m as f64)).collect();
    let mut best = grid.iter().copied().fold(0.0, f64::max);
    let h = 1.0 / m as f64;
    for j in 0..m {
        let prev = grid[(j + m - 1) % m];
        let next = grid[(j + 1) % m];
        if grid[j] >= prev && grid[j] >= next {
            let c = j as f64 * h;
            best = best.max(golden_max(&g, c - h, c + h));
        }
    }
    best
}

/// The maximum of a unimodal `g` on `[a, b]` by golden-section search.
fn golden_max(g: &impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = b - r * (b - a);
    let mut x2 = a + r * (b - a);
    let (mut f1, mut f2) = (g(x1), g(x2));
    for _ in 0..80 {
        if f1 < f2 {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + r * (b - a);
            f2 = g(x2);
        } else {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - r * (b - a);
            f1 = g(x1);
        }
    }
    f1.max(f2)
}

impl Target for RandomSines {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        out[0] = sum_sines(&self.amps, &self.phases, frac(t_ms / self.base_period_ms));
    }
    fn period_ms(&self) -> Option<f64> {
        Some(self.base_period_ms)
    }
    fn describe(&self) -> String {
        format!(
            "random sines: sum_h a_h sin(2 pi h t/P + phi_h), h = 1..{}, a_h ~ (0.5 + U)/h, phi_h ~ 2 pi U \
             (ChaCha8 seed {}), scaled to peak {}, P = {} ms",
            self.amps.len(),
            self.seed,
            self.amplitude,
            self.base_period_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI as PI_;

    fn at(t: &impl Target, t_ms: f64) -> f64 {
        let mut o = [0.0];
        t.eval(t_ms, &mut o);
        o[0]
    }

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
    }

    const TIMES: [f64; 7] = [0.0, 13.7, 150.0, 333.3, 1234.5, 98765.4, -42.0];

    #[test]
    fn sine_and_cosine_formulas() {
        let s = Sine::new(2.0, 300.0, 0.25).unwrap();
        let c = Cosine::notebook();
        for t in TIMES {
            close(at(&s, t), 2.0 * (2.0 * PI_ * t / 300.0 + 0.25).sin(), 1e-9);
            close(at(&c, t), 3.0 * (2.0 * PI_ * t / 300.0).cos(), 1e-9);
        }
        close(at(&s, 75.0 - 0.25 * 300.0 / (2.0 * PI_)), 2.0, 1e-12);
        assert_eq!(c.period_ms(), Some(300.0));
    }

    #[test]
    fn harmonics_match_the_papers_formulas() {
        let nb = Harmonics::notebook_periodic();
        let ml = Harmonics::matlab_four_sine();
        assert_eq!(nb.period_ms(), Some(600.0));
        assert_eq!(ml.period_ms(), Some(1200.0));
        for t in TIMES {
            let f = 1.0 / 300.0;
            let want = 3.0
                * ((PI_ * f * t).sin()
                    + (2.0 * PI_ * f * t).sin() / 2.0
                    + (3.0 * PI_ * f * t).sin() / 3.0
                    + (4.0 * PI_ * f * t).sin() / 4.0);
            close(at(&nb, t), want, 1e-9);
            let t0 = 600.0;
            let want = (1.3 / 1.5)
                * ((PI_ * t / t0).sin()
                    + (2.0 * PI_ * t / t0).sin() / 2.0
                    + (3.0 * PI_ * t / t0).sin() / 6.0
                    + (4.0 * PI_ * t / t0).sin() / 3.0);
            close(at(&ml, t), want, 1e-9);
        }
    }

    #[test]
    fn piecewise_waves_at_known_points() {
        let tri = Triangle::notebook();
        close(at(&tri, 0.0), -3.0, 1e-12);
        close(at(&tri, 150.0), 0.0, 1e-12);
        close(at(&tri, 300.0), 3.0, 1e-12);
        close(at(&tri, 450.0), 0.0, 1e-12);
        close(at(&tri, 600.0), -3.0, 1e-12);
        close(at(&tri, -150.0), 0.0, 1e-12);
        let sq = Square::new(2.0, 100.0).unwrap();
        assert_eq!(at(&sq, 10.0), 2.0);
        assert_eq!(at(&sq, 60.0), -2.0);
        assert_eq!(at(&sq, -10.0), -2.0);
        let saw = Sawtooth::new(1.5, 200.0).unwrap();
        close(at(&saw, 0.0), -1.5, 1e-12);
        close(at(&saw, 100.0), 0.0, 1e-12);
        close(at(&saw, 150.0), 0.75, 1e-12);
    }

    fn all_generators() -> Vec<(Box<dyn Target>, f64)> {
        vec![
            (Box::new(Sine::new(2.0, 60.0, 1.0).unwrap()), 2.0),
            (Box::new(Cosine::notebook()), 3.0),
            (Box::new(Harmonics::notebook_periodic()), f64::INFINITY),
            (Box::new(Harmonics::matlab_four_sine()), f64::INFINITY),
            (Box::new(Triangle::notebook()), 3.0),
            (Box::new(Square::new(1.0, 8000.0).unwrap()), 1.0),
            (Box::new(Sawtooth::new(0.5, 77.0).unwrap()), 0.5),
            (Box::new(RandomSines::notebook(7)), 3.0),
            (Box::new(RandomSines::new(16, 1.0, 300.0, 1).unwrap()), 1.0),
        ]
    }

    #[test]
    fn periodic_and_in_range() {
        for (g, a) in all_generators() {
            let p = g.period_ms().unwrap();
            for j in 0..997 {
                // Offsets avoid the square and sawtooth jumps.
                let t = (j as f64 + 0.123_456) * p / 331.0 - p;
                let (x, y) = (at(&g, t), at(&g, t + p));
                close(x, y, 1e-9);
                close(x, at(&g, t + 7.0 * p), 1e-9);
                assert!(x.abs() <= a * (1.0 + 1e-12), "{}: {x}", g.describe());
            }
        }
    }

    #[test]
    fn random_sines_peak_is_the_amplitude() {
        let r = RandomSines::notebook(3);
        let p = r.period_ms().unwrap();
        let m = 200_000;
        let peak = (0..m)
            .map(|j| at(&r, j as f64 * p / m as f64).abs())
            .fold(0.0, f64::max);
        assert!(peak <= 3.0 * (1.0 + 1e-12));
        assert!(peak >= 3.0 * (1.0 - 1e-6), "{peak}");
        assert_eq!(r.n(), 6);
    }

    #[test]
    fn random_sines_are_seeded() {
        let a = RandomSines::notebook(11);
        let b = RandomSines::notebook(11);
        let c = RandomSines::notebook(12);
        assert_eq!(a, b);
        let differs = TIMES.iter().any(|&t| at(&a, t) != at(&c, t));
        assert!(differs);
        for t in TIMES {
            assert_eq!(at(&a, t).to_bits(), at(&b, t).to_bits());
        }
    }

    #[test]
    fn rejects_out_of_range_parameters() {
        let msg = |e: TargetError| e.to_string();
        assert!(msg(Sine::new(-1.0, 1.0, 0.0).unwrap_err()).contains("amplitude"));
        assert!(msg(Cosine::new(1.0, 0.0, 0.0).unwrap_err()).contains("period_ms"));
        assert!(msg(Sine::new(1.0, 1.0, f64::NAN).unwrap_err()).contains("phase_rad"));
        assert!(msg(Harmonics::new(1.0, 1.0, vec![]).unwrap_err()).contains("coefs"));
        assert!(msg(Harmonics::new(1.0, -1.0, vec![1.0]).unwrap_err()).contains("base_freq_per_ms"));
        assert!(msg(Harmonics::new(1.0, 1.0, vec![f64::INFINITY]).unwrap_err()).contains("coefs"));
        assert!(msg(Triangle::new(1.0, f64::INFINITY).unwrap_err()).contains("period_ms"));
        assert!(msg(Square::new(f64::NAN, 1.0).unwrap_err()).contains("amplitude"));
        assert!(msg(Sawtooth::new(1.0, -2.0).unwrap_err()).contains("Sawtooth"));
        assert!(msg(RandomSines::new(0, 1.0, 1.0, 0).unwrap_err()).contains("n = 0"));
        assert!(msg(RandomSines::new(3, 1.0, 0.0, 0).unwrap_err()).contains("base_period_ms"));
    }

    #[test]
    fn describe_names_the_parameters() {
        for (g, _) in all_generators() {
            let d = g.describe();
            assert!(d.contains("ms"), "{d}");
        }
        assert!(Harmonics::matlab_four_sine().describe().contains("1200"));
    }
}
