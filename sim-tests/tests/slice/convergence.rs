//! No faults: two diverged nodes (entities nested three levels deep, deletions on both sides)
//! end with equal root hashes and identical live entities through each protocol at 10, 200 and
//! 1,000 entities — one session each way, as a full exchange.

use merosim::prelude::*;
use sim_tests::{assert_sessions_ok, repro, Pair};

fn converge(test: &str, entities: usize, level_wise: bool) {
    let seed = seed_or(7);
    let context = format!("{entities} entities, seed {seed}; {}", repro(test, seed));
    simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none(), entities);
        assert!(pair.alice.storage().max_depth().unwrap() >= 2 || entities < 20, "tree is nested");
        assert!(!pair.divergence.deleted().is_empty() || entities < 50, "scenario deletes something");
        let protocol = if level_wise { pair.level_wise() } else { Protocol::HashComparison };
        let reports = pair.sync(protocol, &SessionOptions::default()).await;
        assert_sessions_ok(&reports, &context);
        pair.assert_converged(&context);
        // A healthy exchange leaves nothing behind on the wire.
        pair.quiesce().await;
        let router = pair.world.router();
        assert_eq!(router.in_flight(), 0, "{context}: frames still in flight");
        assert!(
            pair.world.drops().is_empty(),
            "{context}: frames dropped on a perfect network: {:?}",
            pair.world.drops()
        );
    });
}

#[test]
fn hash_comparison_10() {
    converge("convergence::hash_comparison_10", 10, false);
}

#[test]
fn hash_comparison_200() {
    converge("convergence::hash_comparison_200", 200, false);
}

#[test]
fn hash_comparison_1000() {
    converge("convergence::hash_comparison_1000", 1000, false);
}

#[test]
fn level_wise_10() {
    converge("convergence::level_wise_10", 10, true);
}

#[test]
fn level_wise_200() {
    converge("convergence::level_wise_200", 200, true);
}

#[test]
fn level_wise_1000() {
    converge("convergence::level_wise_1000", 1000, true);
}
