//! Both session paths — a test's hand-driven session and a node's sync loop — take one set of
//! options (receive budget, budget, keys) and keep the same books (trace events, counters).

use std::collections::BTreeSet;
use std::time::Duration;

use borsh::BorshDeserialize;
use calimero_crypto::SharedKey;
use calimero_node_primitives::sync::StreamMessage;
use calimero_primitives::identity::PrivateKey;
use merosim::prelude::*;
use merosim::ConvergenceMetrics;
use merosim::Handshakes;
use merosim::ScenarioSpec;
use merosim::TraceKind;

#[test]
fn hand_driven_sessions_are_traced_and_counted() {
    simulate(5, || async {
        let world = World::new(5, FaultConfig::lan());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        alice.storage().upsert([1; 32], None, b"hello").unwrap();
        let report = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(report.succeeded(), "{report:?}");

        let events = world.trace().events();
        let started = events
            .iter()
            .any(|e| matches!(&e.kind, TraceKind::SessionStart { stream, .. } if *stream == report.stream));
        let ended = events
            .iter()
            .any(|e| matches!(&e.kind, TraceKind::SessionEnd { stream, outcome, .. } if *stream == report.stream && outcome == "ok"));
        assert!(started && ended, "the session is in the trace: {events:?}");
        let metrics = SimMetrics::of(&world, ConvergenceMetrics::default());
        let counts = &metrics.protocol.sessions["hash-comparison"];
        assert_eq!((counts.started, counts.succeeded), (1, 1), "{}", metrics.summary());
        assert!(counts.frames > 0 && counts.bytes > 0, "{}", metrics.summary());
    });
}

/// A cluster's sync sessions take the same keys a hand-driven session does: with sync-level
/// encryption on, the run converges and no session frame on the wire decodes as plaintext. From
/// 0.11.0-rc.14 on, calimero's sync-level encryption cannot decrypt its own frames
/// (slice/encryption.rs): there no session repairs anything and the run does not converge.
/// merosim's own dispatch serves these sessions (`--node-path model`): production's manager reads
/// its streams in the clear (it never turns sync-level encryption on; Noise encrypts below it).
#[test]
fn cluster_sessions_can_be_encrypted() {
    let key = SharedKey::from_sk(&PrivateKey::from([7; 32]));
    let config = SimConfig::with_seed(9).with_session_encryption(key, [3; 12]).with_node_path(NodePath::Model);
    let mut rt = SimRuntime::with_config(config);
    rt.with_world(|w| w.router().capture_payloads(true));
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 10));
    let stop = rt.run();
    if merosim::calimero_since("0.11.0-rc.14") {
        assert_ne!(stop, StopCondition::Converged, "sync-level encryption is a dead path since 0.11.0-rc.14");
        let metrics = rt.metrics();
        let succeeded: u64 = metrics.protocol.sessions.values().map(|c| c.succeeded).sum();
        assert_eq!(succeeded, 0, "{}", metrics.summary());
    } else {
        assert_eq!(stop, StopCondition::Converged, "{}", rt.check_convergence());
    }
    assert!(rt.config().to_string().contains("sessions=encrypted"), "{}", rt.config());
    let session_frames: Vec<_> =
        // The DAG-heads exchange carries no session keys (production's Noise transport encrypts
        // it below the sync layer; merosim models that as link integrity, not here).
        rt.frames().into_iter().filter(|f| f.kind == FrameKind::Data && !["gossip", "dag-heads"].contains(&f.label)).collect();
    assert!(!session_frames.is_empty(), "no session ran");
    let plain = session_frames
        .iter()
        .filter(|f| StreamMessage::try_from_slice(f.payload.as_deref().expect("payload capture is on")).is_ok())
        .count();
    assert_eq!(plain, 0, "{plain} of {} session frames decoded as plaintext", session_frames.len());
}

/// Entities on any node that the scenario never wrote, after a heavy-chaos run whose links treat
/// damaged frames as `integrity` says; and how triage files the run.
fn invented(seed: u64, integrity: Integrity) -> (usize, Option<merosim::Triage>) {
    let scenario = "random".parse::<ScenarioSpec>().unwrap().build(seed, 3, 20);
    let written: BTreeSet<EntityId> = scenario.nodes.iter().flat_map(|n| n.entities.iter().map(|e| e.id)).collect();
    let faults = FaultConfig::heavy_chaos().with_integrity(integrity);
    // The seeds were read under merosim's node model; production's node path moves them.
    let config = SimConfig::with_seed(seed)
        .with_faults(faults)
        .with_recv_timeout(Duration::from_secs(5))
        .max_time(120_000)
        .with_node_path(NodePath::Model);
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(scenario);
    let stop = rt.run();
    let invented = rt.with_world(move |w| {
        w.nodes().iter().flat_map(|n| n.storage().entities().unwrap()).filter(|e| !written.contains(&e.id)).count()
    });
    (invented, sim_tests::filed_as(&mut rt, stop))
}

/// docs/findings.md F4 at cluster level: under heavy chaos with unchecked links, damaged frames
/// that still decode plant entities nobody wrote — at seed 28 on every node, so the run even
/// counts as converged; the same seed on authenticated links (what production's Noise transport
/// gives) plants none. (Since loss on streams became retransmission, 2026-12-06, seeds 0..150 of
/// this test plant at 28, 61, 64 and 111 on rc.4; before, with every lost stream frame dropped,
/// at 8, 26, 67, 117, 119 and 150.) Triage files the unchecked run under F4 and nothing else: a damaged
/// frame was delivered, and what it planted is an entity nobody wrote.
#[test]
fn damaged_frames_reach_stores_only_over_unchecked_links() {
    let seed = seed_or(28);
    let (planted, filed) = invented(seed, Integrity::Unchecked);
    assert!(planted > 0, "seed {seed}: no entity planted over unchecked links; {}", Repro::test(seed));
    assert_eq!(filed, sim_tests::known(&["F4"]), "seed {seed}: {}", Repro::test(seed));
    assert_eq!(invented(seed, Integrity::Authenticated).0, 0, "seed {seed}: authenticated links let damage through");
}

/// `World::plan` answers what a sync tick would ask: nothing between equal stores; between
/// diverged ones, what `select_protocol` picked, its reason, and the two handshakes it read —
/// and running what it picked leaves nothing to choose.
#[test]
fn plan_says_what_select_protocol_chooses_and_why() {
    simulate(11, || async {
        let world = World::new(11, FaultConfig::lan());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        let equal = world.plan(alice.id(), bob.id()).unwrap();
        assert_eq!((equal.selected, equal.run), ("none", None), "{equal:?}");

        for i in 0..10_u8 {
            alice.storage().upsert([i + 1; 32], None, b"alice").unwrap();
        }
        let plan = world.plan(bob.id(), alice.id()).unwrap();
        assert_ne!(plan.selected, "none", "{plan:?}");
        assert!(!plan.reason.is_empty(), "{plan:?}");
        // Production's handshakes (the default): bob has no state to offer; alice's side is
        // estimated from her root and DAG heads — her writes here made no deltas, so calimero's
        // estimate is one entity at depth 1, whatever her tree holds.
        assert!(!plan.local.has_state, "{:?}", plan.local);
        let theirs = alice.storage().summary().unwrap();
        assert!(plan.remote.has_state, "{:?}", plan.remote);
        assert_eq!((plan.remote.root_hash, plan.remote.entity_count, plan.remote.max_depth), (theirs.root_hash, 1, 1));
        assert_eq!(theirs.entity_count, 10);
        // Full-tree handshakes read the whole tree instead: alice offers her ten entities.
        let full = World::with_config(SimConfig::with_seed(11).with_handshakes(Handshakes::FullTree));
        let (a, b) = (full.add_node("alice").unwrap(), full.add_node("bob").unwrap());
        for i in 0..10_u8 {
            a.storage().upsert([i + 1; 32], None, b"alice").unwrap();
        }
        let read = full.plan(b.id(), a.id()).unwrap();
        assert_eq!((read.local.entity_count, read.remote.entity_count), (0, 10), "{read:?}");
        let protocol = plan.run.expect("diverged stores need a session");

        let report = world.run_session(&Session::new(protocol), &bob, &alice).await;
        assert!(report.succeeded(), "{report:?}");
        let after = world.plan(bob.id(), alice.id()).unwrap();
        assert_eq!((after.selected, after.run), ("none", None), "{after:?}");
        assert!(world.plan(bob.id(), NodeId::new(7)).is_err(), "no such node");
    });
}

/// A hand-driven session counts on both parties while it runs — the one session count C2, I6
/// and the session oracles all read — and on neither once it returns.
#[test]
fn a_hand_driven_session_is_counted_on_both_parties_while_it_runs() {
    simulate(12, || async {
        let world = std::sync::Arc::new(World::new(12, FaultConfig::lan()));
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        for i in 0..30_u8 {
            alice.storage().upsert([i + 1; 32], None, b"alice").unwrap();
        }
        let (w, a, b) = (std::sync::Arc::clone(&world), alice.clone(), bob.clone());
        let session = madsim::task::spawn_local(async move {
            run_session(&w, &b, &a, Protocol::HashComparison, &SessionOptions::default()).await
        });
        let mut seen = (0, 0);
        while !session.is_finished() {
            seen.0 = seen.0.max(world.at(bob.id()).sessions_now());
            seen.1 = seen.1.max(world.at(alice.id()).sessions_now());
            tokio::time::sleep(Duration::from_micros(100)).await;
        }
        assert!(session.await.unwrap().succeeded());
        assert_eq!(seen, (1, 1), "initiator and responder halves, one each, while the session ran");
        assert!(world.at(alice.id()).is_idle() && world.at(bob.id()).is_idle(), "counted after the session");
    });
}

/// F4 in another shape: a damaged push delivered over an unchecked link replaces an entity's
/// bytes on its way, and every node ends up holding bytes nobody wrote where bob's write should
/// stand (`heavy`, `random-3x20`, seed 31 under merosim's node model: NEW until 2026-12-06,
/// because F4's mechanism asked only for entities nobody wrote or no parent lists). Triage files
/// it under F4 and nothing else.
#[test]
fn damaged_bytes_nobody_wrote_are_filed_as_f4() {
    let mut spec = merosim::RunSpec::new(31, "random-3x20".parse().unwrap(), FaultPreset::Heavy)
        .max_time(Duration::from_secs(120))
        .with_recv_timeout(Duration::from_secs(5));
    spec.node.node_path = NodePath::Model;
    let outcome = merosim::run_one(&spec, false).outcome;
    assert_eq!(outcome.verdict(), merosim::Verdict::DataLoss, "{outcome}");
    assert_eq!(outcome.triage(&spec.flags()), sim_tests::known(&["F4"]), "{outcome}");
}
