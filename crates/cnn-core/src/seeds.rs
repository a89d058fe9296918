//! Seed derivation: which random stream draws what.
//!
//! A network is fully determined by one `u64` seed. Every random quantity is drawn from
//! its own ChaCha8 stream, `ChaCha8Rng::seed_from_u64(seed)` with `set_stream(id)`, so
//! adding a new random quantity never changes the ones that exist, and the draw does not
//! depend on the machine, the thread count or the order in which parts are built.
//!
//! | stream | quantity | draw order |
//! |---|---|---|
//! | 1 | `J^GG` | row by row (postsynaptic `i`), then column `j`: one uniform (keep if `< p_GG`), then, if kept, one standard normal scaled by `1/sqrt(p_GG N_G)` and rounded to the nearest f32 (the step reads an f32 copy, so the stored f64 values are exactly the simulated ones) |
//! | 2 | `J^Gz` | row-major `(i, k)`: uniform on `[-1, 1)` |
//! | 3 | readout mask | unit by unit: one uniform, unit is a readout unit if `< p_z` |
//! | 4 | initial `w` | output-major `(k, i)` over readout units: standard normal scaled by `1/sqrt(p_z N_G)` (only for Gaussian initial weights) |
//! | 5 | `x(0)` | `0.5 *` standard normal per unit |
//! | 6 | `z(0)` | `0.5 *` standard normal per output |
//! | 7 | `J^FF` (architecture B) | like `J^GG` (values not rounded) with `p_FF`, `1/sqrt(p_FF N_F)` |
//! | 8 | `J^FG` (architecture B) | like `J^FF` with `p_FG`, `1/sqrt(p_FG N_G)` |
//! | 9 | `J^GF` (architecture B) | like `J^FF` with `p_GF`, `1/sqrt(p_GF N_F)` |
//! | 10 | `y(0)` (architecture B) | `0.5 *` standard normal per feedback unit |
//! | 11 | `J^GI` | one-hot: per row a uniform column, then a standard normal times `sd`; uniform: row-major `(i, mu)`, one uniform per entry |
//! | 12 | `J^FI` | as `J^GI`, over feedback units |
//! | 13..=15 | reserved | |
//!
//! Targets and noise sources carry their own seeds (see `cnn-targets`).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The named random streams of a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stream {
    /// Generator recurrent connectivity `J^GG`.
    Jgg = 1,
    /// Readout feedback weights `J^Gz`.
    Jgz = 2,
    /// Which units carry trainable readout weights (`p_z`).
    ReadoutMask = 3,
    /// Initial readout weights.
    InitialW = 4,
    /// Initial generator state `x(0)`.
    InitialX = 5,
    /// Initial readout `z(0)`.
    InitialZ = 6,
    /// Feedback-network recurrent connectivity `J^FF`.
    Jff = 7,
    /// Generator -> feedback-network weights `J^FG` (trained in architecture B).
    Jfg = 8,
    /// Feedback-network -> generator weights `J^GF`.
    Jgf = 9,
    /// Initial feedback-network state `y(0)`.
    InitialY = 10,
    /// Input weights onto the generator `J^GI`.
    Jgi = 11,
    /// Input weights onto the feedback network `J^FI`.
    Jfi = 12,
}

/// The generator for one stream of one seed.
pub fn stream_rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// Derives the seed of ensemble member `index` from an ensemble seed (SplitMix64 of the
/// pair), so members are independent and reproducible whatever the execution order.
pub fn member_seed(ensemble_seed: u64, index: u64) -> u64 {
    splitmix64(splitmix64(ensemble_seed) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// A standard normal that is a pure function of `(seed, index, component)` (SplitMix64
/// hashing and Box-Muller): the same arguments give the same bits on every machine,
/// whatever was drawn before. Used for noise that must be reproducible per time step.
pub fn hashed_normal(seed: u64, index: u64, component: u64) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    let h1 =
        splitmix64(splitmix64(seed ^ splitmix64(index)) ^ splitmix64(component.wrapping_add(1)));
    let h2 = splitmix64(h1);
    let u1 = ((h1 >> 11) + 1) as f64 * SCALE;
    let u2 = (h2 >> 11) as f64 * SCALE;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One round of SplitMix64, a well-mixed 64-bit hash.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_distinct_and_reproducible() {
        let a: f64 = stream_rng(7, Stream::Jgg).random();
        let b: f64 = stream_rng(7, Stream::Jgg).random();
        let c: f64 = stream_rng(7, Stream::Jgz).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(member_seed(1, 0), member_seed(1, 1));
    }
}
