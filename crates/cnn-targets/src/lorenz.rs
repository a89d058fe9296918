//! The Lorenz attractor as a target (Fig. 2 of the paper: target `x/10`).

use cnn_core::Target;

use crate::error::{finite, non_negative, positive, TargetError};

/// Lorenz parameter `sigma`.
pub const SIGMA: f64 = 10.0;
/// Lorenz parameter `rho`.
pub const RHO: f64 = 28.0;
/// Lorenz parameter `beta`.
pub const BETA: f64 = 8.0 / 3.0;

/// Most grid samples a [`Lorenz`] target may hold (160 MB of `f64`).
pub const MAX_SAMPLES: usize = 20_000_000;

/// The parameters of a [`Lorenz`] target. [`LorenzSpec::paper`] holds the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct LorenzSpec {
    /// Which state variable is the output: 0 = x, 1 = y, 2 = z.
    pub component: usize,
    /// Factor applied to the component (the paper's target is `x/10`: 0.1).
    pub scale: f64,
    /// Milliseconds per Lorenz time unit (UNCONFIRMED in the paper).
    pub ms_per_unit: f64,
    /// The grid covers `[0, t_max_ms]`; later times hold the last value.
    pub t_max_ms: f64,
    /// RK4 step, in Lorenz time units (also the interpolation grid), in `(0, 0.05]`.
    pub dt_units: f64,
    /// Lorenz time integrated (and discarded) before `t = 0`, `>= 0`.
    pub burn_in_units: f64,
    /// The state `(x, y, z)` at the start of the burn-in.
    pub initial: [f64; 3],
}

impl LorenzSpec {
    /// The defaults: component x, scale 0.1 (target `x/10`), 200 ms per Lorenz time unit
    /// (the oscillations around one wing, about 0.7 units long, then take about 140 ms,
    /// and wing switches happen every few hundred ms to seconds), RK4 step 0.001 units
    /// (0.2 ms), initial state (1, 1, 1) and a burn-in of 100 units so that `t = 0` is on
    /// the attractor. Only `t_max_ms` must be chosen.
    pub fn paper(t_max_ms: f64) -> Self {
        Self {
            component: 0,
            scale: 0.1,
            ms_per_unit: 200.0,
            t_max_ms,
            dt_units: 0.001,
            burn_in_units: 100.0,
            initial: [1.0, 1.0, 1.0],
        }
    }
}

/// One component of the Lorenz system
/// `dx/ds = sigma (y - x)`, `dy/ds = x (rho - z) - y`, `dz/ds = x y - beta z`
/// (`sigma = 10`, `rho = 28`, `beta = 8/3`), times `scale`, with Lorenz time
/// `s = t_ms / ms_per_unit`.
///
/// The trajectory is integrated once at construction with classical RK4 at step
/// `dt_units`, from `initial` through `burn_in_units` (discarded) and on to `t_max_ms`;
/// `eval` interpolates linearly between grid points, holds the first value for `t < 0`
/// and the last one beyond the grid. Not periodic. Because the system is chaotic, the
/// trajectory after the burn-in depends on `dt_units` and `initial` too, not only on the
/// attractor; they are part of the target's definition.
#[derive(Debug, Clone)]
pub struct Lorenz {
    spec: LorenzSpec,
    /// Grid step in ms.
    h_ms: f64,
    /// Scaled component at grid points `k h_ms`, `k = 0..samples.len()`.
    samples: Vec<f64>,
}

/// The Lorenz vector field.
fn field(s: [f64; 3]) -> [f64; 3] {
    [
        SIGMA * (s[1] - s[0]),
        s[0] * (RHO - s[2]) - s[1],
        s[0] * s[1] - BETA * s[2],
    ]
}

/// One classical RK4 step of size `h` (Lorenz units).
fn rk4_step(s: [f64; 3], h: f64) -> [f64; 3] {
    let add =
        |a: [f64; 3], b: [f64; 3], c: f64| [a[0] + c * b[0], a[1] + c * b[1], a[2] + c * b[2]];
    let k1 = field(s);
    let k2 = field(add(s, k1, h / 2.0));
    let k3 = field(add(s, k2, h / 2.0));
    let k4 = field(add(s, k3, h));
    let mut out = s;
    for i in 0..3 {
        out[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }
    out
}

impl Lorenz {
    /// Integrates the trajectory. Rejects a component other than 0, 1, 2, non-finite
    /// `scale` or `initial`, non-positive `ms_per_unit` or `t_max_ms`, `dt_units` outside
    /// `(0, 0.05]`, negative `burn_in_units`, and grids of more than [`MAX_SAMPLES`].
    pub fn new(spec: LorenzSpec) -> Result<Self, TargetError> {
        const T: &str = "Lorenz";
        if spec.component > 2 {
            return Err(TargetError::range(
                T,
                "component",
                spec.component as f64,
                "0 (x), 1 (y) or 2 (z)",
            ));
        }
        finite(T, "scale", spec.scale)?;
        positive(T, "ms_per_unit", spec.ms_per_unit)?;
        positive(T, "t_max_ms", spec.t_max_ms)?;
        if !(spec.dt_units > 0.0 && spec.dt_units <= 0.05) {
            return Err(TargetError::range(
                T,
                "dt_units",
                spec.dt_units,
                "(0, 0.05]",
            ));
        }
        non_negative(T, "burn_in_units", spec.burn_in_units)?;
        for &v in &spec.initial {
            finite(T, "initial", v)?;
        }
        let h_ms = spec.ms_per_unit * spec.dt_units;
        let steps = (spec.t_max_ms / h_ms).ceil();
        if steps >= MAX_SAMPLES as f64 {
            return Err(TargetError::range(
                T,
                "t_max_ms",
                spec.t_max_ms,
                "t_max_ms / (ms_per_unit dt_units) below 2e7 grid samples",
            ));
        }
        let burn_steps = (spec.burn_in_units / spec.dt_units).round();
        if burn_steps >= 1e9 {
            return Err(TargetError::range(
                T,
                "burn_in_units",
                spec.burn_in_units,
                "burn_in_units / dt_units below 1e9 steps",
            ));
        }
        let mut s = spec.initial;
        for _ in 0..burn_steps as u64 {
            s = rk4_step(s, spec.dt_units);
        }
        let steps = steps as usize;
        let mut samples = Vec::with_capacity(steps + 1);
        samples.push(spec.scale * s[spec.component]);
        for _ in 0..steps {
            s = rk4_step(s, spec.dt_units);
            samples.push(spec.scale * s[spec.component]);
        }
        Ok(Self {
            spec,
            h_ms,
            samples,
        })
    }

    /// The parameters.
    pub fn spec(&self) -> &LorenzSpec {
        &self.spec
    }
}

impl Target for Lorenz {
    fn dim(&self) -> usize {
        1
    }
    fn eval(&self, t_ms: f64, out: &mut [f64]) {
        let last = self.samples.len() - 1;
        let s = t_ms / self.h_ms;
        out[0] = if s.is_nan() || s <= 0.0 {
            self.samples[0]
        } else if s >= last as f64 {
            self.samples[last]
        } else {
            let k = s.floor() as usize;
            let w = s - k as f64;
            self.samples[k] + w * (self.samples[k + 1] - self.samples[k])
        };
    }
    fn period_ms(&self) -> Option<f64> {
        None
    }
    fn describe(&self) -> String {
        let s = &self.spec;
        format!(
            "lorenz: {} * {} of dx/ds = 10(y - x), dy/ds = x(28 - z) - y, dz/ds = xy - 8z/3, \
             s = t / {} ms, RK4 step {} units, from {:?} after {} units of burn-in, up to {} ms",
            s.scale,
            ["x", "y", "z"][s.component],
            s.ms_per_unit,
            s.dt_units,
            s.initial,
            s.burn_in_units,
            s.t_max_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &impl Target, t_ms: f64) -> f64 {
        let mut o = [0.0];
        t.eval(t_ms, &mut o);
        o[0]
    }

    #[test]
    fn stays_on_the_attractor() {
        for c in 0..3 {
            let spec = LorenzSpec {
                component: c,
                scale: 1.0,
                ..LorenzSpec::paper(40_000.0)
            };
            let l = Lorenz::new(spec).unwrap();
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &v in &l.samples {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            match c {
                0 => assert!(
                    lo > -25.0 && hi < 25.0 && lo < -10.0 && hi > 10.0,
                    "x in [{lo}, {hi}]"
                ),
                1 => assert!(lo > -35.0 && hi < 35.0, "y in [{lo}, {hi}]"),
                _ => assert!(lo > 0.0 && hi < 55.0, "z in [{lo}, {hi}]"),
            }
        }
    }

    #[test]
    fn rk4_is_fourth_order() {
        let run = |h: f64| {
            let n = (1.0 / h).round() as usize;
            let mut s = [1.0, 1.0, 1.0];
            for _ in 0..n {
                s = rk4_step(s, h);
            }
            s
        };
        let reference = run(1.0 / 40_000.0);
        let err = |h: f64| {
            let s = run(h);
            (0..3)
                .map(|i| (s[i] - reference[i]).abs())
                .fold(0.0, f64::max)
        };
        // (Steps of 0.01 are not yet in the asymptotic regime on the initial transient.)
        let (e1, e2, e3) = (err(0.005), err(0.0025), err(0.00125));
        for ratio in [e1 / e2, e2 / e3] {
            assert!(
                (12.0..20.0).contains(&ratio),
                "error ratio {ratio} ({e1}, {e2}, {e3})"
            );
        }
    }

    #[test]
    fn interpolates_holds_and_is_pure() {
        let l = Lorenz::new(LorenzSpec::paper(2_000.0)).unwrap();
        let h = l.h_ms;
        assert_eq!(at(&l, 10.0 * h), l.samples[10]);
        let mid = at(&l, 10.5 * h);
        let (a, b) = (l.samples[10], l.samples[11]);
        assert!((mid - (a + b) / 2.0).abs() < 1e-12);
        assert_eq!(at(&l, -5.0), l.samples[0]);
        let last = *l.samples.last().unwrap();
        assert_eq!(at(&l, 2_000.0), last);
        assert_eq!(at(&l, 1e9), last);
        let ts = [1234.5, 3.3, 999.9, 0.0, 1234.5];
        let first: Vec<u64> = ts.iter().map(|&t| at(&l, t).to_bits()).collect();
        let second: Vec<u64> = ts.iter().rev().map(|&t| at(&l, t).to_bits()).collect();
        assert_eq!(first, second.into_iter().rev().collect::<Vec<_>>());
        // x/10 stays within 2.5 in absolute value.
        assert!(l.samples.iter().all(|v| v.abs() < 2.5));
        assert_eq!(l.period_ms(), None);
        assert!(l.describe().contains("200 ms"));
    }

    #[test]
    fn varies_on_a_hundreds_of_ms_scale() {
        // Local maxima of x (one per turn around a wing) are 100-300 ms apart on average.
        let l = Lorenz::new(LorenzSpec::paper(20_000.0)).unwrap();
        let v: Vec<f64> = (0..20_000).map(|t| at(&l, t as f64)).collect();
        let maxima = (1..v.len() - 1)
            .filter(|&i| v[i] > v[i - 1] && v[i] >= v[i + 1])
            .count();
        let mean_gap = 20_000.0 / maxima as f64;
        assert!((100.0..300.0).contains(&mean_gap), "{mean_gap} ms");
    }

    #[test]
    fn rejects_bad_specs() {
        let bad = |f: fn(&mut LorenzSpec), name: &str| {
            let mut s = LorenzSpec::paper(1000.0);
            f(&mut s);
            let e = Lorenz::new(s).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        };
        bad(|s| s.component = 3, "component");
        bad(|s| s.scale = f64::NAN, "scale");
        bad(|s| s.ms_per_unit = 0.0, "ms_per_unit");
        bad(|s| s.t_max_ms = -1.0, "t_max_ms");
        bad(|s| s.t_max_ms = 1e12, "t_max_ms");
        bad(|s| s.dt_units = 0.1, "dt_units");
        bad(|s| s.burn_in_units = -1.0, "burn_in_units");
        bad(|s| s.initial = [0.0, f64::INFINITY, 0.0], "initial");
    }
}
