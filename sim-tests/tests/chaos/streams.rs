//! Whole-stream faults — what a libp2p stream does instead of losing frames: it resets, stalls,
//! or dies with its connection.

use std::time::Duration;

use merosim::prelude::*;
use merosim::DropReason;
use merosim::TraceKind;

/// Two nodes, alice with 30 entities bob lacks.
fn pair(world: &World) -> (SimNode, SimNode) {
    let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
    for i in 0..30_u8 {
        alice.storage().upsert([i + 1; 32], None, &[i; 8]).unwrap();
    }
    (alice, bob)
}

/// A stream reset after its third frame: both ends get a `reset` error, nothing is delivered
/// after it, and nothing hangs.
#[test]
fn a_reset_mid_session_is_a_clean_error_on_both_ends() {
    let seed = seed_or(5);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::lan().with_stream_faults(1.0, 0.0, 3..4));
        let (alice, bob) = pair(&world);
        let options = SessionOptions::default().with_recv_timeout(Duration::from_secs(5));
        let report =
            world.run_session(&Session::new(Protocol::HashComparison).with_options(options), &bob, &alice).await;
        let kind = |r: Result<(), &SessionError>| r.err().map(SessionError::kind);
        assert_eq!(kind(report.initiator.as_ref().map(drop)), Some("reset"), "{report:?}");
        assert_eq!(kind(report.responder.as_ref().map(drop)), Some("reset"), "{report:?}");
        tokio::time::sleep(Duration::from_millis(10)).await; // the FINs land (and drop)
        let frames = world.frames();
        let delivered = frames.iter().filter(|f| matches!(f.fate, Fate::Delivered { .. })).count();
        assert_eq!(delivered, 3, "exactly the three frames before the reset arrive: {frames:#?}");
        assert!(world.drops().iter().all(|f| f.dropped() == Some(DropReason::Reset)), "{:#?}", world.drops());
        assert!(report.ended_at < Duration::from_secs(1), "a reset ends the session at once: {:?}", report.ended_at);
    });
}

/// A stalled stream moves nothing more and raises no error: both ends run into their receive
/// budget, as with a peer that stopped reading.
#[test]
fn a_stalled_stream_times_out_on_both_ends() {
    let seed = seed_or(6);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::lan().with_stream_faults(0.0, 1.0, 2..3));
        let (alice, bob) = pair(&world);
        let options = SessionOptions::default().with_recv_timeout(Duration::from_secs(5));
        let report =
            world.run_session(&Session::new(Protocol::HashComparison).with_options(options), &bob, &alice).await;
        let initiator = report.initiator.as_ref().expect_err("a stall fails the initiator");
        assert_eq!(initiator.kind(), "timeout", "{report:?}");
        let responder = report.responder.as_ref().expect_err("a stall fails the responder too");
        assert_eq!(responder.kind(), "timeout", "the responder ran into its own budget: {report:?}");
        assert!(report.ended_at >= Duration::from_secs(5), "the budget ran out: {:?}", report.ended_at);
        let stalled = world.drops().iter().filter(|f| f.dropped() == Some(DropReason::Stall)).count();
        assert!(stalled >= 1, "{:#?}", world.frames());
        assert!(!world
            .trace()
            .events()
            .iter()
            .any(|e| matches!(e.kind, TraceKind::Net(merosim::NetEvent::StreamReset { .. }))));
    });
}

/// A dropped connection fails every stream between the two nodes at once and refuses new ones
/// for a while; after that, a new session works.
#[test]
fn a_dropped_connection_fails_its_streams_and_refuses_new_ones_for_a_while() {
    let seed = seed_or(7);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::lan());
        let (alice, bob) = pair(&world);
        let carol = world.add_node("carol").unwrap();
        let (mut a1, mut b1) = SimStream::pair(world.router(), alice.id(), bob.id());
        let (mut a2, _c2) = SimStream::pair(world.router(), alice.id(), carol.id());
        world.router().drop_connection(alice.id(), bob.id(), Duration::from_secs(2));
        use calimero_node_primitives::sync::SyncTransport;
        assert!(a1.recv_timeout(Duration::from_secs(1)).await.unwrap_err().to_string().contains("connection closed"));
        assert!(b1.recv_timeout(Duration::from_secs(1)).await.is_err());
        assert!(
            a2.recv_timeout(Duration::from_millis(10)).await.unwrap_err().to_string().contains("timeout receiving"),
            "carol's stream is untouched"
        );
        let session = Session::new(Protocol::HashComparison)
            .with_options(SessionOptions::default().with_recv_timeout(Duration::from_secs(1)));
        let refused = world.run_session(&session, &bob, &alice).await;
        assert!(
            refused.initiator.as_ref().err().is_some_and(|e| e.to_string().contains("connection refused")),
            "{refused:?}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        let later = world.run_session(&session, &bob, &alice).await;
        assert!(later.succeeded(), "after the refusal a new stream works: {later:?}");
        assert_eq!(bob.storage().entity_count().unwrap(), 30);
    });
}

/// Gossip suffers its own faults: all deltas lost while sync streams stay perfect — the writes
/// then reach peers by sync only, and every lost delta is in the record.
#[test]
fn gossip_faults_are_separate_from_stream_faults() {
    let seed = seed_or(8);
    let lossy_gossip = LinkFaults { loss: 1.0, ..LinkFaults::NONE };
    let mut rt = super::runtime(seed, FaultConfig::lan().with_gossip(lossy_gossip), 3, 5);
    for i in 0..4_u8 {
        rt.write("alice", [0xe0 + i; 32], b"gossiped");
    }
    assert_eq!(rt.run(), StopCondition::Converged);
    let frames = rt.frames();
    let deltas: Vec<_> = frames.iter().filter(|f| f.label == "gossip").collect();
    assert_eq!(deltas.len(), 8, "4 writes to 2 peers");
    assert!(deltas.iter().all(|f| f.dropped() == Some(DropReason::Loss)), "{deltas:#?}");
    assert!(frames.iter().filter(|f| f.label != "gossip").all(|f| f.dropped().is_none()), "streams untouched");
    assert!(rt.has_entity("carol", [0xe3; 32]), "sync carried what gossip lost");
}
