//! A rayon thread pool as a [`cnn_core::Executor`], for one large network.

use crate::TrainError;
use rayon::prelude::*;

/// Runs blocks of work on its own rayon pool (`threads` workers).
#[derive(Debug)]
pub struct Pool {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl Pool {
    /// A pool of `threads` workers (>= 1).
    pub fn new(threads: usize) -> Result<Self, TrainError> {
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("cnn-train-{i}"))
            .build()
            .map_err(|e| TrainError::OutOfRange {
                name: "threads",
                value: threads.to_string(),
                allowed: format!("a thread count the system can start ({e})"),
            })?;
        Ok(Self { pool, threads })
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl cnn_core::Executor for Pool {
    fn blocks(&self) -> usize {
        self.threads
    }
    fn for_each<T: Send>(&self, items: &mut [T], f: &(dyn Fn(&mut T) + Sync)) {
        self.pool
            .install(|| items.par_iter_mut().with_max_len(1).for_each(f));
    }
}
