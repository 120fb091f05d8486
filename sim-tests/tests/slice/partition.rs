//! Partitions longer than the receive timeout: the session fails with a timeout in virtual time,
//! nothing is written half-way, and after healing the same pair converges.

use std::time::Duration;

use merosim::prelude::*;
use sim_tests::{assert_sessions_ok, repro, Pair};

const RECV: Duration = Duration::from_secs(5);

#[test]
fn partition_longer_than_recv_timeout_times_out_then_heals() {
    let seed = seed_or(21);
    let context =
        format!("seed {seed}; {}", repro("partition::partition_longer_than_recv_timeout_times_out_then_heals", seed));
    simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none().with_latency(10, 5), 200);
        let before = (pair.alice.storage().digest().unwrap(), pair.bob.storage().digest().unwrap());
        let heal_after = RECV * 4;
        pair.world.router().partition(pair.alice.id(), pair.bob.id(), Some(heal_after));
        let options = SessionOptions::default().with_recv_timeout(RECV).with_budget(Duration::from_secs(60));
        let report = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;

        match &report.initiator {
            Err(SessionError::Transport(TransportError::Timeout(t))) => assert_eq!(*t, RECV, "{context}"),
            other => panic!("{context}: expected a receive timeout, got {other:?}"),
        }
        let took = report.ended_at - report.started_at;
        assert!(took >= RECV, "{context}: timed out after {took:?}, before the {RECV:?} budget");
        assert!(took < heal_after, "{context}: the timeout should fire before the partition heals");
        assert!(
            pair.world.drops().iter().all(|f| f.dropped() == Some(DropReason::Partition)),
            "{context}: only the partition should drop frames"
        );
        // Stores are untouched and fully readable.
        let after = (pair.alice.storage().digest().unwrap(), pair.bob.storage().digest().unwrap());
        assert_eq!(before, after, "{context}: a failed session changed a store");
        pair.alice.storage().root_hash().expect("alice readable");
        pair.bob.storage().root_hash().expect("bob readable");

        tokio::time::sleep(heal_after).await;
        assert!(!pair.world.router().is_partitioned(pair.alice.id(), pair.bob.id()), "{context}: not healed");
        let reports = pair.sync(Protocol::HashComparison, &options).await;
        assert_sessions_ok(&reports, &context);
        pair.assert_converged(&context);
    });
}

#[test]
fn one_way_partition_loses_only_responses() {
    let seed = seed_or(22);
    let context = format!("seed {seed}; {}", repro("partition::one_way_partition_loses_only_responses", seed));
    simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none(), 50);
        let router = pair.world.router();
        router.partition_one_way(pair.bob.id(), pair.alice.id(), None);
        let options = SessionOptions::default().with_recv_timeout(RECV).with_budget(Duration::from_secs(60));
        let report = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;
        assert!(
            matches!(report.initiator, Err(SessionError::Transport(TransportError::Timeout(_)))),
            "{context}: initiator should time out waiting for bob, got {:?}",
            report.initiator
        );
        pair.quiesce().await;
        let frames = pair.world.frames();
        let to_bob = frames.iter().filter(|f| f.from == pair.alice.id()).collect::<Vec<_>>();
        let to_alice = frames.iter().filter(|f| f.from == pair.bob.id()).collect::<Vec<_>>();
        assert!(!to_bob.is_empty() && !to_alice.is_empty(), "{context}: both directions carried frames");
        assert!(to_bob.iter().all(|f| matches!(f.fate, Fate::Delivered { .. })), "{context}: alice->bob is open");
        assert!(to_alice.iter().all(|f| f.dropped() == Some(DropReason::Partition)), "{context}: bob->alice is cut");
    });
}
