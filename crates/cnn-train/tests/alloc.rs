//! Hot loops allocate nothing after set-up (issue 6): a counting global allocator
//! (`stats_alloc`) around the integration step and the RLS update: none on the calling
//! thread, and on a thread pool nothing per call. Its own test binary, so that no other test allocates concurrently.

use cnn_core::{GeneratorSpec, Network};
use cnn_train::{Pool, Rls};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn step_and_rls_update_do_not_allocate() {
    let spec = GeneratorSpec {
        n_g: 300,
        ..GeneratorSpec::paper(2)
    };
    let mut net = Network::build(spec, 1).expect("valid");
    let mut rls = Rls::new(300, 1.0).expect("alpha > 0");
    let mut w = vec![0.0; 300];
    let pool = Pool::new(2).expect("pool");
    // Warm-up: the pool's threads start and rayon's queues reach their size.
    for _ in 0..50 {
        net.step_in(&pool);
        let g = rls.update_in(net.r(), &pool);
        rls.apply(g, 0.1, &mut w);
    }

    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        net.step();
    }
    for _ in 0..20 {
        let g = rls.update(net.r());
        rls.apply(g, 0.1, &mut w);
        net.step();
    }
    let serial = region.change();
    assert_eq!(
        serial.allocations, 0,
        "serial hot loop allocated: {serial:?}"
    );

    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        net.step_in(&pool);
    }
    for _ in 0..20 {
        let g = rls.update_in(net.r(), &pool);
        rls.apply(g, 0.1, &mut w);
    }
    let threaded = region.change();
    // rayon's work-stealing queues (crossbeam-epoch) allocate a small block now and then
    // (measured: 2 blocks, 3 KB, in these 120 calls); nothing is allocated per call.
    assert!(
        threaded.allocations <= 8,
        "pooled hot loop allocated per call: {threaded:?}"
    );
}
