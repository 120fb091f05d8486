//! The "pending nodes (10004) exceeds limit (10000)" abort (docs/pending-nodes-abort.md): a
//! child written with the root's own id. merosim's storage API refuses it; written behind its
//! back, HashComparison's own guard turns the cyclic tree into a clean session error, not a hang.

use std::time::Duration;

use calimero_storage::entities::{ChildInfo, Metadata};
use calimero_storage::index::Index;
use calimero_storage::interface::{Action, ApplyContext, Interface};
use calimero_storage::store::MainStorage;
use merosim::prelude::*;
use sim_tests::{repro, Pair};

#[test]
fn storage_refuses_the_root_id_as_an_entity() {
    let seed = seed_or(51);
    simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none(), 10);
        let root = *pair.alice.storage().root_id().as_bytes();
        let err = pair.alice.storage().upsert(root, None, b"x").unwrap_err();
        assert!(matches!(err, StorageError::ReservedId { .. }), "got {err}");
        assert!(err.to_string().contains("root"), "error should say why: {err}");
    });
}

/// Makes bob's root its own child the way the naive set-up did: an `Add` of an entity whose id
/// is the context id, with the root as its ancestor. Then runs one HashComparison session
/// alice → bob; returns its outcome and the number of frames alice sent.
async fn sync_against_cyclic_root(seed: u64, pair: Pair) -> (Result<SessionStats, SessionError>, usize, String) {
    let context = format!("seed {seed}; {}", repro("cycle", seed));
    let bob = pair.bob.storage();
    let root = bob.root_id();
    bob.with_env(|| {
        let (full, _) = Index::<MainStorage>::get_hashes_for(root).unwrap().unwrap();
        let now = calimero_storage::env::time_now();
        let meta = Metadata::new(now, now);
        Interface::<MainStorage>::apply_action(
            Action::Add {
                id: root,
                data: b"child-with-the-root-id".to_vec(),
                ancestors: vec![ChildInfo::new(root, full, meta.clone())],
                metadata: meta,
            },
            &ApplyContext::empty(),
        )
        .expect("calimero-storage accepts the write");
    });
    let self_edge =
        bob.with_env(|| Index::<MainStorage>::get_children_of(root).unwrap().iter().any(|c| c.id() == root));
    assert!(self_edge, "{context}: the write did not make root its own child");

    let options = SessionOptions::default().with_budget(Duration::from_secs(3_600));
    let report = run_session(&pair.world, &pair.alice, &pair.bob, Protocol::HashComparison, &options).await;
    assert!(report.ended_at - report.started_at < options.budget, "{context}: hit the budget, i.e. hung");
    pair.alice.storage().root_hash().expect("alice still readable");
    pair.bob.storage().root_hash().expect("bob still readable");
    let sent = pair.world.frames().iter().filter(|f| f.from == pair.alice.id() && f.kind == FrameKind::Data).count();
    (report.initiator, sent, context)
}

/// The DESIGN.md set-up: a flat root with a dozen leaves. Every visit of the root re-queues all
/// of its children (the self-edge sorts last by id, so it is popped first): the initiator's
/// `MAX_PENDING_NODES` guard fires — the exact "pending nodes (…) exceeds limit (10000)" abort.
#[test]
fn flat_cyclic_root_trips_the_pending_node_guard() {
    let seed = seed_or(52);
    let (outcome, sent, context) = simulate(seed, move || async move {
        let pair = Pair::new(seed, FaultConfig::none(), 1);
        for i in 0..12_u8 {
            pair.bob.storage().upsert([0x10 + i; 32], None, b"leaf").unwrap();
            if i % 4 == 0 {
                pair.alice.storage().upsert([0x10 + i; 32], None, b"leaf").unwrap();
            }
        }
        sync_against_cyclic_root(seed, pair).await
    });
    let err = outcome.expect_err("a cyclic tree cannot sync");
    assert_eq!(err.kind(), "protocol", "{context}: expected the protocol's own guard, got {err}");
    let text = err.to_string();
    assert!(text.contains("pending nodes") && text.contains("exceeds limit (10000)"), "{context}: {text}");
    assert!(sent < 10_000, "{context}: {sent} frames; the guard should fire before the responder's cap");
}

/// A nested tree re-walks every subtree on each lap, so the queue grows slowly: the responder's
/// request cap (`MAX_HASH_COMPARISON_REQUESTS` = 10,000) closes the stream first and the initiator
/// reports it. Still a clean error, not a hang.
#[test]
fn nested_cyclic_root_hits_the_responder_request_cap() {
    let seed = seed_or(53);
    let (outcome, sent, context) = simulate(seed, move || async move {
        sync_against_cyclic_root(seed, Pair::new(seed, FaultConfig::none(), 200)).await
    });
    let err = outcome.expect_err("a cyclic tree cannot sync");
    assert_eq!(err.kind(), "protocol", "{context}: got {err}");
    assert!(err.to_string().contains("stream closed unexpectedly"), "{context}: {err}");
    assert!(sent > 10_000, "{context}: only {sent} frames; the responder serves 10,000 requests before closing");
}
