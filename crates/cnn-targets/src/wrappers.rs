//! Targets built from other targets: added noise, affine maps, stacking into several
//! outputs.

use cnn_core::Target;

use crate::error::{finite, non_negative, positive, TargetError};

/// A standard normal variate that is a pure function of `(seed, index, component)`
/// (defined in `cnn-core`, re-exported here): two SplitMix64 hashes give two uniforms,
/// then Box-Muller (cosine branch).
///
/// `h1 = splitmix64(splitmix64(seed ^ splitmix64(index)) ^ splitmix64(component + 1))`,
/// `h2 = splitmix64(h1)`, `u1 = ((h1 >> 11) + 1) / 2^53` in `(0, 1]`,
/// `u2 = (h2 >> 11) / 2^53` in `[0, 1)`, value `sqrt(-2 ln u1) cos(2 pi u2)`.
pub use cnn_core::seeds::hashed_normal;

/// `f(t) + sigma xi_c(n)`: a target with additive Gaussian noise, held constant over
/// bins of `dt_ms`.
///
/// `n = round(t / dt_ms)` and `xi_c(n) = hashed_normal(seed, n, c)` is a standard normal
/// (see [`hashed_normal`]) that depends only on the seed, the bin and the component `c`,
/// so the noise is reproducible, independent across bins and components, and does not
/// depend on the order of evaluation. With `dt_ms` equal to the simulation step every
/// step gets a fresh sample. `period_ms()` is `None` when `sigma > 0` (the noise is not
/// periodic) and the inner period when `sigma = 0`.
#[derive(Debug, Clone)]
pub struct Noisy<T> {
    inner: T,
    sigma: f64,
    seed: u64,
    dt_ms: f64,
}

impl<T: Target> Noisy<T> {
    /// Adds noise of standard deviation `sigma` (finite `>= 0`) on bins of `dt_ms`
    /// (finite `> 0`), drawn from `seed`.
    pub fn new(inner: T, sigma: f64, seed: u64, dt_ms: f64) -> Result<Self, TargetError> {
        Ok(Self {
            sigma: non_negative("Noisy", "sigma", sigma)?,
            dt_ms: positive("Noisy", "dt_ms", dt_ms)?,
            inner,
            seed,
        })
    }

    /// The noise-free target.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

impl<T: Target> Target for Noisy<T> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        self.inner.eval(t_ms, out);
        if self.sigma == 0.0 {
            return;
        }
        // Saturating float-to-int conversion; two's complement bits keep negative bins
        // distinct.
        let n = (t_ms / self.dt_ms).round() as i64 as u64;
        for (c, o) in out.iter_mut().enumerate() {
            *o += self.sigma * hashed_normal(self.seed, n, c as u64);
        }
    }
    fn period_ms(&self) -> Option<f64> {
        if self.sigma == 0.0 {
            self.inner.period_ms()
        } else {
            None
        }
    }
    fn describe(&self) -> String {
        format!(
            "noisy: f(t) + sigma N(0, 1) per {} ms bin, sigma = {}, seed {}, f = [{}]",
            self.dt_ms,
            self.sigma,
            self.seed,
            self.inner.describe()
        )
    }
}

/// `scale_c f_c(t) + offset_c`: an affine map of each component. The period is the
/// inner one.
#[derive(Debug, Clone)]
pub struct Affine<T> {
    inner: T,
    scale: Vec<f64>,
    offset: Vec<f64>,
}

impl<T: Target> Affine<T> {
    /// The same finite `scale` and `offset` for every component.
    pub fn new(inner: T, scale: f64, offset: f64) -> Result<Self, TargetError> {
        finite("Affine", "scale", scale)?;
        finite("Affine", "offset", offset)?;
        let d = inner.dim();
        Ok(Self {
            inner,
            scale: vec![scale; d],
            offset: vec![offset; d],
        })
    }

    /// One finite scale and offset per component (both of length `inner.dim()`).
    pub fn per_component(inner: T, scale: Vec<f64>, offset: Vec<f64>) -> Result<Self, TargetError> {
        let d = inner.dim();
        for (what, v) in [("scale", &scale), ("offset", &offset)] {
            if v.len() != d {
                return Err(TargetError::DimensionMismatch {
                    target: "Affine",
                    what,
                    expected: d,
                    got: v.len(),
                });
            }
        }
        for &s in &scale {
            finite("Affine", "scale", s)?;
        }
        for &o in &offset {
            finite("Affine", "offset", o)?;
        }
        Ok(Self {
            inner,
            scale,
            offset,
        })
    }
}

impl<T: Target> Target for Affine<T> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        self.inner.eval(t_ms, out);
        for ((o, s), b) in out.iter_mut().zip(&self.scale).zip(&self.offset) {
            *o = s * *o + b;
        }
    }
    fn period_ms(&self) -> Option<f64> {
        self.inner.period_ms()
    }
    fn describe(&self) -> String {
        format!(
            "affine: scale f(t) + offset, scale = {:?}, offset = {:?}, f = [{}]",
            self.scale,
            self.offset,
            self.inner.describe()
        )
    }
}

/// Several targets side by side: the outputs of `parts[0]`, then those of `parts[1]`, ...
/// (`dim` is the sum of the parts' dims).
///
/// `period_ms()` is the least common multiple of the parts' periods when every part is
/// periodic and the periods are commensurate: the smallest `L = m p_0` with
/// `m <= `[`Stack::MAX_PERIOD_MULTIPLE`] such that, for every part, `L / p_i` is within
/// `1e-9` (relative) of an integer. Otherwise (a part is aperiodic, or no such `m`) `None`.
pub struct Stack {
    parts: Vec<Box<dyn Target>>,
    period_ms: Option<f64>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.parts.iter().map(|p| p.describe()).collect();
        f.debug_struct("Stack")
            .field("parts", &parts)
            .field("period_ms", &self.period_ms)
            .finish()
    }
}

impl Stack {
    /// The largest multiple of the first part's period tried when looking for a common
    /// period.
    pub const MAX_PERIOD_MULTIPLE: u32 = 1000;

    /// Stacks the parts (at least one, each with `dim >= 1`).
    pub fn new(parts: Vec<Box<dyn Target>>) -> Result<Self, TargetError> {
        if parts.is_empty() {
            return Err(TargetError::EmptyList {
                target: "Stack",
                name: "parts",
            });
        }
        if let Some(p) = parts.iter().find(|p| p.dim() == 0) {
            return Err(TargetError::DimensionMismatch {
                target: "Stack",
                what: "a part's dim (must be >= 1)",
                expected: 1,
                got: p.dim(),
            });
        }
        let periods: Option<Vec<f64>> = parts.iter().map(|p| p.period_ms()).collect();
        let period_ms = periods.and_then(|ps| common_period(&ps));
        Ok(Self { parts, period_ms })
    }

    /// The parts.
    pub fn parts(&self) -> &[Box<dyn Target>] {
        &self.parts
    }
}

/// The least common multiple of `periods` (see [`Stack`]).
fn common_period(periods: &[f64]) -> Option<f64> {
    let p0 = *periods.first()?;
    if !periods.iter().all(|p| p.is_finite() && *p > 0.0) {
        return None;
    }
    (1..=Stack::MAX_PERIOD_MULTIPLE)
        .map(|m| f64::from(m) * p0)
        .find(|&l| {
            periods.iter().all(|&p| {
                let r = l / p;
                r.round() >= 1.0 && (r - r.round()).abs() <= 1e-9 * r
            })
        })
}

impl Target for Stack {
    fn dim(&self) -> usize {
        self.parts.iter().map(|p| p.dim()).sum()
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let mut rest = out;
        for p in &self.parts {
            let (head, tail) = rest.split_at_mut(p.dim());
            p.eval(t_ms, head);
            rest = tail;
        }
    }
    fn period_ms(&self) -> Option<f64> {
        self.period_ms
    }
    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| format!("[{}]", p.describe()))
            .collect();
        format!("stack of {} parts: {}", self.parts.len(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cosine, Harmonics, Sine, Triangle};
    use cnn_core::FnTarget;

    fn zero() -> FnTarget<impl Fn(f64, &mut [f64]) + Send + Sync> {
        FnTarget::new(2, Some(100.0), |_t, o: &mut [f64]| o.fill(0.0))
    }

    #[test]
    fn noise_has_the_right_statistics() {
        let n = Noisy::new(zero(), 0.5, 42, 0.1).unwrap();
        let m = 200_000;
        let mut o = [0.0; 2];
        let (mut s, mut s2, mut cross) = ([0.0; 2], [0.0; 2], 0.0);
        let mut lag = 0.0;
        let mut prev = 0.0;
        for k in 0..m {
            n.eval(k as f64 * 0.1, &mut o);
            for c in 0..2 {
                s[c] += o[c];
                s2[c] += o[c] * o[c];
            }
            cross += o[0] * o[1];
            lag += o[0] * prev;
            prev = o[0];
        }
        let mf = m as f64;
        for c in 0..2 {
            let mean = s[c] / mf;
            let std = (s2[c] / mf - mean * mean).sqrt();
            assert!(mean.abs() < 0.005, "mean {mean}");
            assert!((std - 0.5).abs() < 0.005, "std {std}");
        }
        // Components and successive bins are uncorrelated.
        assert!((cross / mf).abs() < 0.005);
        assert!((lag / mf).abs() < 0.005);
        assert_eq!(n.period_ms(), None);
    }

    #[test]
    fn noise_is_pure_and_seeded() {
        let make = |seed| Noisy::new(Sine::new(1.0, 50.0, 0.0).unwrap(), 0.1, seed, 1.0).unwrap();
        let (a, b, c) = (make(1), make(1), make(2));
        let ts: Vec<f64> = (0..50).map(|k| (k * 37 % 50) as f64 * 0.7 - 3.0).collect();
        let val = |n: &Noisy<Sine>, t: f64| {
            let mut o = [0.0];
            n.eval(t, &mut o);
            o[0].to_bits()
        };
        let fwd: Vec<u64> = ts.iter().map(|&t| val(&a, t)).collect();
        let rev: Vec<u64> = ts.iter().rev().map(|&t| val(&b, t)).collect();
        assert_eq!(fwd, rev.into_iter().rev().collect::<Vec<_>>());
        assert!(ts.iter().any(|&t| val(&a, t) != val(&c, t)));
        // Zero noise is the inner target.
        let quiet = Noisy::new(Cosine::notebook(), 0.0, 3, 1.0).unwrap();
        assert_eq!(quiet.period_ms(), Some(300.0));
        assert!(Noisy::new(zero(), -1.0, 0, 1.0)
            .err()
            .unwrap()
            .to_string()
            .contains("sigma"));
        assert!(Noisy::new(zero(), 1.0, 0, 0.0)
            .err()
            .unwrap()
            .to_string()
            .contains("dt_ms"));
    }

    #[test]
    fn noise_increment_is_bin_constant() {
        let n = Noisy::new(zero(), 1.0, 9, 1.0).unwrap();
        let (mut x, mut y) = ([0.0; 2], [0.0; 2]);
        n.eval(10.2, &mut x);
        n.eval(9.8, &mut y);
        assert_eq!(x, y);
        n.eval(10.6, &mut y);
        assert_ne!(x, y);
        assert_ne!(x[0], x[1]);
    }

    #[test]
    fn affine_maps_each_component() {
        let a = Affine::new(Sine::new(1.0, 100.0, 0.0).unwrap(), 2.0, 0.5).unwrap();
        let mut o = [0.0];
        a.eval(25.0, &mut o);
        assert!((o[0] - 2.5).abs() < 1e-12);
        assert_eq!(a.period_ms(), Some(100.0));
        let b = Affine::per_component(zero(), vec![1.0, 2.0], vec![3.0, 4.0]).unwrap();
        let mut o = [9.0; 2];
        b.eval(1.0, &mut o);
        assert_eq!(o, [3.0, 4.0]);
        let e = Affine::per_component(zero(), vec![1.0], vec![3.0, 4.0])
            .err()
            .unwrap();
        assert!(
            matches!(
                e,
                TargetError::DimensionMismatch {
                    expected: 2,
                    got: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(Affine::new(zero(), f64::NAN, 0.0).is_err());
    }

    #[test]
    fn stack_concatenates_outputs() {
        let s = Stack::new(vec![
            Box::new(Sine::new(1.0, 300.0, 0.0).unwrap()),
            Box::new(zero()),
            Box::new(Triangle::notebook()),
        ])
        .unwrap();
        assert_eq!(s.dim(), 4);
        let mut o = [f64::NAN; 4];
        s.eval(75.0, &mut o);
        assert!((o[0] - 1.0).abs() < 1e-12);
        assert_eq!(&o[1..3], &[0.0, 0.0]);
        assert!((o[3] - (-3.0 + 3.0 * 75.0 / 150.0)).abs() < 1e-12);
        // lcm(300, 100, 600) = 600.
        assert_eq!(s.period_ms(), Some(600.0));
        assert_eq!(s.parts().len(), 3);
        assert!(s.describe().contains("triangle"));
    }

    #[test]
    fn stack_periods() {
        let p = |ps: &[f64]| common_period(ps);
        assert_eq!(p(&[600.0, 1200.0]), Some(1200.0));
        assert_eq!(p(&[400.0, 600.0]), Some(1200.0));
        assert_eq!(p(&[300.0, 300.0 * (1.0 + 1e-12)]), Some(300.0));
        assert_eq!(p(&[1.0, 2f64.sqrt()]), None);
        assert_eq!(p(&[60.0, 8000.0]), Some(24000.0));
        let s = Stack::new(vec![
            Box::new(Harmonics::notebook_periodic()),
            Box::new(FnTarget::new(1, None, |_t, o: &mut [f64]| o[0] = 1.0)),
        ])
        .unwrap();
        assert_eq!(s.period_ms(), None);
        assert!(matches!(
            Stack::new(vec![]).err().unwrap(),
            TargetError::EmptyList { .. }
        ));
    }
}
