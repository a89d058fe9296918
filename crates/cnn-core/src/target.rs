//! The target-signal trait the trainer learns from.
//!
//! Generators (sines, triangle, Lorenz, CSV files, ...) live in `cnn-targets`; the trait
//! lives here so that the trainer and the dynamics do not depend on them.

/// A target function f(t): `dim()` values at absolute time `t_ms` (milliseconds).
///
/// Implementations must be pure functions of `t_ms` (the same time gives the same value,
/// whatever was evaluated before), so that runs reproduce bit for bit.
pub trait Target: Send + Sync {
    /// Number of components (outputs).
    fn dim(&self) -> usize;
    /// Writes f(t_ms) into `out` (`out.len() == self.dim()`).
    fn eval(&self, t_ms: f64, out: &mut [f64]);
    /// The period in ms if the signal is periodic (used by the phase-tolerant score).
    fn period_ms(&self) -> Option<f64>;
    /// A one-line human description (formula and parameters).
    fn describe(&self) -> String;
}

impl<T: Target + ?Sized> Target for Box<T> {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        (**self).eval(t_ms, out)
    }
    fn period_ms(&self) -> Option<f64> {
        (**self).period_ms()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// A target given by a closure, for tests and quick experiments.
pub struct FnTarget<F> {
    dim: usize,
    period_ms: Option<f64>,
    f: F,
}

impl<F: Fn(f64, &mut [f64]) + Send + Sync> FnTarget<F> {
    /// Wraps `f(t_ms, out)` with `dim` components and an optional period.
    pub fn new(dim: usize, period_ms: Option<f64>, f: F) -> Self {
        Self { dim, period_ms, f }
    }
}

impl<F: Fn(f64, &mut [f64]) + Send + Sync> Target for FnTarget<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        (self.f)(t_ms, out)
    }
    fn period_ms(&self) -> Option<f64> {
        self.period_ms
    }
    fn describe(&self) -> String {
        "closure".into()
    }
}
