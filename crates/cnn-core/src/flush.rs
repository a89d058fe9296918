//! Flushing tiny membrane potentials to zero: used by the generator's step (module
//! `network`, which re-exports both items under its own path) and by the feedback
//! network's step (module `extensions`). It lives here, below both, so that `extensions`
//! does not reach back into `network` (which uses `extensions`).

/// Below this magnitude a membrane potential is set to exactly 0.
///
/// Networks that fall silent (g_GG < 1, or no drive) decay towards 0 geometrically, and
/// once x and r = tanh(x) reach subnormal magnitudes (below 2.2e-308) every product with
/// them takes the processor's slow path: a silent network ran 11x slower than a chaotic
/// one (95 s against 8.5 s for 30 s at N_G = 1000). Flushing |x| < 1e-250 to 0 keeps every
/// rate and every product `J_ij r_j` (|J_ij| >= 1e-38, values being f32) far from
/// subnormal. A potential that small has no effect on anything the model computes: it
/// changes results only where |x| < 1e-250, which never happens in a network with activity.
pub const FLUSH_BELOW: f64 = 1e-250;

/// `x`, or 0 when `|x| <` [`FLUSH_BELOW`].
#[inline(always)]
pub fn flush_tiny(x: f64) -> f64 {
    if x.abs() < FLUSH_BELOW {
        0.0
    } else {
        x
    }
}
