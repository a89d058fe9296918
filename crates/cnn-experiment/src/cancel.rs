//! Cancellation: a token per run or ensemble, tripped by the caller (the CLI's Ctrl-C
//! handler, the Python package's signal check, another thread). No process-wide state:
//! two runs in one process are cancelled independently.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cancellation token. Clones share the flag; [`Cancel::cancel`] stops every run that
/// watches it after its current step (with checkpointing on, after writing the
/// checkpoint).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token that has not been tripped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trips the token.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the token was tripped.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag the trainer polls between steps.
    pub(crate) fn flag(&self) -> &AtomicBool {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_tokens_are_independent() {
        let a = Cancel::new();
        let b = a.clone();
        let other = Cancel::new();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
        assert!(!other.is_cancelled());
    }
}
