//! Corrupted frames (bit flips, truncation): every session ends — in a clean error or with
//! convergence — within its virtual-time budget, never by panicking, and both stores stay
//! readable.
//!
//! Streams are encrypted here, as production's Noise-secured libp2p streams are: the AEAD is what
//! turns a damaged frame into an error. Without it the protocols accept damaged frames that still
//! decode (docs/findings.md, F4; `findings::f4_…`).

use std::time::Duration;

use calimero_crypto::SharedKey;
use calimero_primitives::identity::PrivateKey;
use merosim::prelude::*;
use sim_tests::{repro, Pair};

const SEEDS: u64 = 16;

#[test]
fn corrupted_frames_end_in_error_or_convergence() {
    let mut corrupted_total = 0;
    let mut failed_sessions = 0;
    for seed in 0..SEEDS {
        let context =
            format!("seed {seed}; {}", repro("corruption::corrupted_frames_end_in_error_or_convergence", seed));
        let (corrupted, failed) = simulate(seed, move || async move {
            let faults = FaultConfig::none().with_latency(5, 5).with_corruption(0.25);
            let pair = Pair::new(seed, faults, 100);
            let options = SessionOptions::default()
                .with_recv_timeout(Duration::from_secs(10))
                .with_budget(Duration::from_secs(120))
                .with_encryption(SharedKey::from_sk(&PrivateKey::from([seed as u8; 32])), [9; 12]);
            let protocol = if seed % 2 == 0 { Protocol::HashComparison } else { pair.level_wise() };
            let reports = pair.sync(protocol, &options).await;
            for r in &reports {
                let took = r.ended_at - r.started_at;
                assert!(took <= options.budget, "{context}: session ran {took:?}, past its budget");
            }
            for node in [&pair.alice, &pair.bob] {
                node.storage().root_hash().unwrap_or_else(|e| panic!("{context}: {} unreadable: {e}", node.name()));
                node.storage().entity_count().unwrap_or_else(|e| panic!("{context}: {} unreadable: {e}", node.name()));
            }
            let failed = reports.iter().filter(|r| !r.succeeded()).count();
            if failed == 0 {
                // No session noticed anything: then nothing may have been damaged either.
                pair.assert_converged(&context);
            }
            pair.quiesce().await;
            let corrupted = pair.world.frames().iter().filter(|f| f.corruption.is_some()).count();
            (corrupted, failed)
        });
        corrupted_total += corrupted;
        failed_sessions += failed;
    }
    assert!(corrupted_total > 0, "no frame was corrupted over {SEEDS} seeds: the fault never fired");
    assert!(failed_sessions > 0, "corruption never made a session fail over {SEEDS} seeds");
}
