//! # cnn-core: chaotic rate networks for FORCE learning
//!
//! The dynamics of Sussillo & Abbott (2009): a generator network of `N_G` rate units,
//! `tau dx/dt = -x + g_GG J^GG r + g_Gz J^Gz z`, rates `r = tanh(x)`, readouts
//! `z_k = w_k . r`, integrated by forward Euler exactly as the conventions of the spec
//! (previous `r` and `z` on the right-hand side, then `r`, then `z`).
//!
//! This crate knows nothing about files, configs, terminals or threads: it provides
//! - [`Network`]: seeded construction ([`seeds`] documents which stream draws what) and
//!   the allocation-free [`Network::step`] (matvec, Euler and tanh fused, connectivity
//!   read from a narrow copy: 16-bit indices, f32 values); [`Network::step_in`] splits it
//!   into row blocks for an [`Executor`] that a caller with threads provides;
//! - architecture B's [`FeedbackNetwork`] ([`Network::with_feedback_network`]), input
//!   lines ([`Network::with_inputs`], [`InputSpec`]) and architecture C's trained rows of
//!   `J^GG` ([`Network::set_trained_rows`]), all stepped with the generator;
//! - [`Csr`]: the sparse connectivity;
//! - [`tanh`]: the rate function `r = tanh(x)`, vectorised and bit for bit the same on
//!   every processor and vector width (libm does not promise that), within 1 ulp;
//! - [`Target`]: the trait target signals implement (generators live in `cnn-targets`);
//! - [`Observer`]: the hook through which recorders and progress bars watch a run.
//!
//! ```
//! use cnn_core::{GeneratorSpec, Network};
//!
//! let spec = GeneratorSpec { n_g: 200, ..GeneratorSpec::paper(1) };
//! let mut net = Network::build(spec, 42)?;
//! for _ in 0..100 {
//!     net.step(); // 10 ms of spontaneous activity at dt = 0.1 ms
//! }
//! assert!(net.is_finite());
//! assert_eq!(net.z(), &[0.0]); // w starts at zero
//! # Ok::<(), cnn_core::CoreError>(())
//! ```

pub mod csr;
pub mod error;
pub mod extensions;
mod flush;
pub mod network;
pub mod observe;
pub mod seeds;
pub mod tanh;
pub mod target;

pub use csr::Csr;
pub use error::CoreError;
pub use extensions::{FeedbackNetwork, FeedbackSpec, InputSpec, InputWeights};
pub use network::{dot, Executor, GeneratorSpec, InitialWeights, Network, Serial, MAX_N_G};
pub use observe::{Observer, Phase, StepView, UpdateView};
pub use target::{FnTarget, Target};

/// Compile-time check that the types rayon will move between threads are `Send + Sync`.
#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Network>();
    is::<Csr>();
    is::<Box<dyn Target>>();
}
