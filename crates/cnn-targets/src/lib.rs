//! # cnn-targets: target signals for FORCE learning
//!
//! Implementations of [`cnn_core::Target`], the functions `f(t)` (time in ms) that the
//! readouts learn to produce (Sussillo & Abbott 2009, Fig. 2 and the seed notebook):
//!
//! - periodic scalar generators: [`Sine`], [`Cosine`], [`Harmonics`] (the paper's
//!   `sum_k c_k sin(k pi f t)`, with the notebook's and the MATLAB demo's four-sine
//!   presets), [`Triangle`], [`Square`], [`Sawtooth`], and the seeded
//!   "complicated periodic" [`RandomSines`];
//! - the [`Lorenz`] attractor (target `x/10`), integrated once by RK4 and interpolated;
//! - wrappers: [`Noisy`] (reproducible Gaussian noise, a pure function of the seed and
//!   the time bin), [`Affine`] (`scale f + offset`), [`Stack`] (several targets as
//!   several outputs);
//! - [`CsvTarget`]: recorded data (e.g. motion capture), one output per column;
//! - network inputs `I_mu(t)` (same trait: `dim()` channels): [`Schedule`]
//!   (piecewise-constant channels from [`Segment`]s, e.g. pulses), and the input-driven
//!   tasks of Fig. 7, each a target with its inputs: [`FlipFlop`] (Fig. 7D, 4-bit
//!   memory driven by ON/OFF pulses) and [`PatternSelect`] (Fig. 7B, patterns chosen by
//!   static control inputs).
//!
//! Every target is a pure function of `t`: the same time gives the same bits whatever
//! was evaluated before, so runs reproduce exactly. Constructors validate their
//! parameters and return a [`TargetError`] naming the one at fault.
//!
//! ```
//! use cnn_core::Target;
//! use cnn_targets::{Harmonics, Noisy, Stack, Triangle};
//!
//! // The MATLAB demo's four sines (period 1200 ms) and the notebook's triangle
//! // (period 600 ms), as two outputs.
//! let target = Stack::new(vec![
//!     Box::new(Harmonics::matlab_four_sine()),
//!     Box::new(Triangle::notebook()),
//! ])?;
//! assert_eq!(target.dim(), 2);
//! assert_eq!(target.period_ms(), Some(1200.0));
//!
//! let mut f = [0.0; 2];
//! target.eval(300.0, &mut f);
//! // (1.3/1.5) [sin(pi/2) + sin(pi)/2 + sin(3 pi/2)/6 + sin(2 pi)/3] = (1.3/1.5)(5/6)
//! assert!((f[0] - 1.3 / 1.5 * 5.0 / 6.0).abs() < 1e-12);
//! assert_eq!(f[1], 3.0); // the triangle peaks at half its period
//!
//! // A noisy teacher: the noise depends only on the seed and round(t / 0.1 ms).
//! let noisy = Noisy::new(Harmonics::matlab_four_sine(), 0.05, 7, 0.1)?;
//! let (mut a, mut b) = ([0.0], [0.0]);
//! noisy.eval(123.4, &mut a);
//! noisy.eval(123.4, &mut b);
//! assert_eq!(a, b);
//! # Ok::<(), cnn_targets::TargetError>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod csv;
pub mod error;
pub mod inputs;
pub mod lorenz;
pub mod periodic;
pub mod wrappers;

pub use crate::csv::{ColumnRef, CsvOptions, CsvTarget, EndMode, HeaderMode, Timing};
pub use error::TargetError;
pub use inputs::{
    FlipFlop, FlipFlopEvent, FlipFlopSpec, PatternSegment, PatternSelect, PatternSelectSpec,
    Schedule, Segment,
};
pub use lorenz::{Lorenz, LorenzSpec};
pub use periodic::{Cosine, Harmonics, RandomSines, Sawtooth, Sine, Square, Triangle};
pub use wrappers::{hashed_normal, Affine, Noisy, Stack};

/// Compile-time check that every target can be shared across threads.
#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + cnn_core::Target>() {}
    is::<Sine>();
    is::<Cosine>();
    is::<Harmonics>();
    is::<Triangle>();
    is::<Square>();
    is::<Sawtooth>();
    is::<RandomSines>();
    is::<Lorenz>();
    is::<Noisy<Box<dyn cnn_core::Target>>>();
    is::<Affine<Sine>>();
    is::<Stack>();
    is::<CsvTarget>();
    is::<Schedule>();
    is::<FlipFlop>();
    is::<PatternSelect>();
}
