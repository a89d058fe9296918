//! # cnn-train: FORCE learning by recursive least squares
//!
//! - [`Rls`]: the O(N^2), allocation-free RLS update in the spec's order (error with the
//!   old weights, `k = P r`, `c = 1/(1 + r.k)`, `P -= c k k^T`, `w -= c e k`), one P
//!   shared by all outputs;
//! - [`Trainer`]: the executor that runs the spontaneous, train and test phases, reports
//!   to [`cnn_core::Observer`]s and returns an [`Outcome`] (termination reason, metrics
//!   per phase and output, success flag);
//! - [`learners`]: the recurrent learners of architectures B (`J^FG`) and C (`J^GG`),
//!   one P per trained neuron or one shared P for all-to-all connectivity ([`SharedP`]);
//! - [`Feedback`]: the feedback variants the trainer runs (gamma mixture, delayed
//!   nonlinear loop, noise) and [`Trainer::inputs`] for input signals;
//! - [`metrics`]: metric definitions and the documented [`SuccessCriterion`];
//! - [`analysis`]: principal components of the activity of a phase (paper Fig 3),
//!   accumulated by an observer without storing the rates.
//!
//! ```
//! use cnn_core::{FnTarget, GeneratorSpec, Network, Phase};
//! use cnn_train::{Protocol, Trainer};
//!
//! let spec = GeneratorSpec { n_g: 300, dt_ms: 1.0, ..GeneratorSpec::paper(1) };
//! let mut net = Network::build(spec, 1)?;
//! let target = FnTarget::new(1, Some(600.0), |t, out| {
//!     out[0] = (2.0 * std::f64::consts::PI * t / 600.0).sin();
//! });
//! let protocol = Protocol {
//!     spontaneous_ms: 100.0,
//!     train_ms: 6000.0,
//!     test_ms: 1200.0,
//!     learn_every_ms: 2.0,
//!     alpha: 1.0,
//! };
//! let outcome = Trainer::new(&mut net, &target, protocol)?.run()?;
//! let train = &outcome.phase(Phase::Train).expect("a training phase").outputs[0];
//! assert!(train.mae < 0.05, "training error {}", train.mae);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
pub mod checkpoint;
pub mod error;
pub mod health;
pub mod learners;
pub mod metrics;
pub mod pool;
pub mod rls;
pub mod trainer;

pub use checkpoint::{Checkpoint, NetworkState};
pub use error::TrainError;
pub use health::LearnerHealth;
pub use learners::SharedP;
pub use metrics::PhaseAccumulator;
pub use metrics::{OutputMetrics, PhaseMetrics, SuccessCriterion};
pub use pool::Pool;
pub use rls::{Gain, Rls, RlsState, RlsUpdate};
pub use trainer::{
    duration_steps, whole_steps, Feedback, FeedbackMode, Outcome, Protocol, Segment, Steps,
    StepsProblem, Termination, Trainer,
};
