//! The examples of docs/writing-tests.md that are not in the guide ports, verbatim, so the docs
//! cannot drift from the API.

use merosim::prelude::*;

#[test]
fn one_session() {
    simulate(7, || async {
        let world = World::new(7, FaultConfig::lan());
        let alice = world.add_node("alice").unwrap();
        let bob = world.add_node("bob").unwrap();
        alice.storage().upsert([1; 32], None, b"hello").unwrap();
        let report = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(report.succeeded());
        assert_eq!(bob.storage().get([1; 32]).as_deref(), Some(&b"hello"[..]));
    });
}

/// The fault builder and partition verbs of docs/writing-tests.md, run: the faults it builds are
/// the ones the run uses, and each verb changes the link it names.
#[test]
fn fault_builder_works_as_documented() {
    let faults = FaultConfig::default()
        .with_loss(0.1)
        .with_latency(50, 10)
        .with_reorder_window(100)
        .with_duplicate(0.05)
        .with_corruption(0.01);
    let config = SimConfig::with_seed(42).with_faults(faults.clone());
    let mut rt = SimRuntime::with_config(config);
    assert_eq!(rt.config().faults.to_string(), faults.to_string(), "the run uses the faults the builder made");
    let [alice, bob]: [NodeId; 2] = rt.apply_scenario(Scenario::n_nodes_diverged(2, 3)).try_into().unwrap();
    let cut = |rt: &mut SimRuntime| {
        rt.with_world(move |w| (w.router().is_partitioned(alice, bob), w.router().is_partitioned(bob, alice)))
    };
    rt.partition_bidirectional(&alice, &bob, Some(1000.into()));
    assert_eq!(cut(&mut rt), (true, true), "a two-way cut");
    rt.heal_partition(&alice, &bob);
    assert_eq!(cut(&mut rt), (false, false), "healed both ways");
    rt.partition_one_way(&alice, &bob, None);
    assert_eq!(cut(&mut rt), (true, false), "alice → bob only");
    rt.heal_partition(&alice, &bob);
    assert_eq!(cut(&mut rt), (false, false), "healed");
    assert!(!rt.check_convergence().is_converged(), "a fresh diverged pair");
    assert_eq!(rt.run(), StopCondition::Converged, "{}", rt.check_convergence());
    let dropped = rt.metrics().effects.messages_dropped;
    assert!(dropped > 0, "10 % loss dropped nothing");
}

#[test]
fn session_halves_on_a_hand_wired_stream() {
    simulate(8, || async {
        let world = World::new(8, FaultConfig::lan());
        let alice = world.add_node("alice").unwrap();
        let bob = world.add_node("bob").unwrap();
        bob.storage().upsert([2; 32], None, b"from bob").unwrap();

        let session = Session::new(Protocol::HashComparison);
        let (mut near, mut far) = session.open(world.router(), alice.id(), bob.id());
        let serving = bob.storage().clone();
        let responder = madsim::task::spawn_local(async move { Session::responder_half(&mut far, &serving).await });
        let peer_root = bob.storage().root_hash().unwrap();
        let stats = session.initiator_half(&mut near, alice.storage(), peer_root).await.unwrap();
        assert_eq!(responder.await.unwrap().unwrap(), Protocol::HashComparison);
        assert!(stats.root_hash_verified);
        assert_eq!(alice.storage().get([2; 32]).as_deref(), Some(&b"from bob"[..]));
    });
}

#[test]
fn writes_with_explicit_metadata_and_what_the_index_keeps() {
    simulate(9, || async {
        let world = World::new(9, FaultConfig::none());
        let alice = world.add_node("alice").unwrap();
        let (folder, leaf) = ([0x10; 32], [0x11; 32]);
        alice.storage().upsert(folder, None, b"folder").unwrap();
        let meta = WriteMeta { created_at: 1_000, updated_at: 5_000, crdt_type: None };
        alice.storage().upsert_with(leaf, Some(folder), b"leaf", &meta).unwrap();

        let stored = alice.storage().metadata(leaf).unwrap().expect("written");
        assert_eq!((stored.created_at, stored.updated_at, stored.crdt_type), (1_000, 5_000, None));
        assert_eq!(stored.parent, Some(folder));
        assert_eq!(alice.storage().parent(leaf), Some(folder));
        assert_eq!(alice.storage().metadata(folder).unwrap().unwrap().children, vec![leaf]);
        assert_eq!(alice.storage().entity_count().unwrap(), 2, "the folder and the leaf");
        assert_eq!(alice.storage().leaf_count().unwrap(), 1, "only the leaf holds a value");
    });
}

#[test]
fn a_chosen_context_id() {
    let context = calimero_primitives::context::ContextId::from([0xc7; 32]);
    simulate(10, move || async move {
        let world = World::with_config(SimConfig::with_seed(10).with_context_id(context));
        let alice = world.add_node("alice").unwrap();
        assert_eq!(world.context_id(), context);
        assert_eq!(alice.storage().context_id(), context);
        assert_eq!(*alice.storage().root_id().as_bytes(), [0xc7; 32], "the root's id is the context id");
    });
}

/// A race between a handshake and the session it starts: bob's root moves after alice's
/// handshake saw it. HashComparison in 0.11.0-rc.4 notices (its first request names the root it
/// saw) and fails cleanly; before 0.10.1-rc.41 it returned `Ok` having compared nothing (#2407).
#[test]
fn a_session_against_a_stale_handshake_root() {
    simulate(11, || async {
        let world = World::new(11, FaultConfig::lan());
        let alice = world.add_node("alice").unwrap();
        let bob = world.add_node("bob").unwrap();
        bob.storage().upsert([3; 32], None, b"before the handshake").unwrap();
        let seen = bob.storage().root_hash().unwrap();
        bob.storage().upsert([4; 32], None, b"after the handshake").unwrap();

        let session = Session::new(Protocol::HashComparison).with_handshake_root(seen);
        let report = world.run_session(&session, &alice, &bob).await;
        let err = report.initiator.unwrap_err();
        assert!(err.to_string().contains("root advanced after handshake"), "{err}");
        assert_eq!(alice.storage().entity_count().unwrap(), 0, "nothing merged");
    });
}
