//! Protocol behaviours merosim found in calimero-node 0.11.0-rc.4 (docs/findings.md). Each test
//! asserts the behaviour *as it is*, so a calimero release that changes it turns the test red
//! and the finding gets re-checked.

use std::time::Duration;

use merosim::prelude::*;
use merosim::{diff_entities, EntityDifference, HcResponder};
use sim_tests::repro;

/// F1: an interior entity (one with children) that exists on one node only reaches the peer as
/// a data-less placeholder, through either protocol; HashComparison reports
/// `root_hash_verified = false` yet the session returns `Ok`.
#[test]
fn f1_one_sided_interior_entity_arrives_without_its_bytes() {
    for level_wise in [false, true] {
        let seed = seed_or(61);
        let context = format!(
            "level_wise={level_wise}; {}",
            repro("findings::f1_one_sided_interior_entity_arrives_without_its_bytes", seed)
        );
        simulate(seed, move || async move {
            let world = World::new(seed, FaultConfig::none());
            let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
            let (folder, leaf) = ([0xf0; 32], [0xf1; 32]);
            alice.storage().upsert(folder, None, b"folder bytes").unwrap();
            alice.storage().upsert(leaf, Some(folder), b"leaf bytes").unwrap();
            let protocol = if level_wise { Protocol::LevelWise { max_depth: 4 } } else { Protocol::HashComparison };
            let report = run_session(&world, &bob, &alice, protocol, &SessionOptions::default()).await;
            let stats = report.initiator.unwrap_or_else(|e| panic!("{context}: session failed: {e}"));
            assert!(!stats.root_hash_verified, "{context}: the protocol itself notices the mismatch");

            assert_eq!(bob.storage().get(leaf).as_deref(), Some(&b"leaf bytes"[..]), "{context}: the leaf arrives");
            assert!(bob.storage().exists(folder), "{context}: the folder exists on bob (as an ancestor)");
            assert_eq!(bob.storage().get(folder), None, "{context}: … but without its bytes");
            let diff = diff_entities(&alice.storage().entities().unwrap(), &bob.storage().entities().unwrap());
            assert!(
                diff.different.iter().any(|(id, d)| *id == folder && matches!(d, EntityDifference::Data { .. })),
                "{context}: {diff}"
            );
            assert_ne!(alice.storage().root_hash().unwrap(), bob.storage().root_hash().unwrap(), "{context}");
        });
    }
}

/// F2: LevelWise skips leaves whose metadata has no CRDT type ("opaque" leaves, which
/// HashComparison merges as last-writer-wins registers): the session returns `Ok` with nothing
/// merged.
#[test]
fn f2_level_wise_skips_leaves_without_a_crdt_type() {
    let seed = seed_or(62);
    let context = repro("findings::f2_level_wise_skips_leaves_without_a_crdt_type", seed);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let nodes: Vec<SimNode> = ["alice", "bob", "carol"].iter().map(|n| world.add_node(n).unwrap()).collect();
        let (alice, bob, carol) = (&nodes[0], &nodes[1], &nodes[2]);
        for i in 0..5_u8 {
            alice.storage().upsert_typed([0x40 + i; 32], None, b"opaque", None).unwrap();
        }
        let lw =
            run_session(&world, bob, alice, Protocol::LevelWise { max_depth: 2 }, &SessionOptions::default()).await;
        let stats = lw.initiator.unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(stats.entities_merged, 0, "{context}");
        assert!(!stats.root_hash_verified, "{context}");
        assert_eq!(bob.storage().entity_count().unwrap(), 0, "{context}: LevelWise transferred an opaque leaf");

        let hc = run_session(&world, carol, alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(hc.initiator.is_ok(), "{context}: {:?}", hc.initiator);
        assert_eq!(carol.storage().entity_count().unwrap(), 5, "{context}: HashComparison transfers them");
    });
}

/// F3: HashComparison's push-back misses children the initiator holds under an entity the
/// responder has as a *leaf* (no children): the responder answers with leaf data, the initiator
/// merges it as a leaf and never offers its own children under it. The session returns `Ok` with
/// `root_hash_verified = false`; a session in the other direction completes the exchange.
#[test]
fn f3_hash_comparison_does_not_push_children_under_a_remote_leaf() {
    let seed = seed_or(63);
    let context = repro("findings::f3_hash_comparison_does_not_push_children_under_a_remote_leaf", seed);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        let (folder, leaf) = ([0xa0; 32], [0xa1; 32]);
        for node in [&alice, &bob] {
            node.storage().upsert(folder, None, b"folder").unwrap();
        }
        alice.storage().upsert(leaf, Some(folder), b"alice's leaf").unwrap();

        let first = run_session(&world, &alice, &bob, Protocol::HashComparison, &SessionOptions::default()).await;
        let stats = first.initiator.unwrap_or_else(|e| panic!("{context}: {e}"));
        assert!(!stats.root_hash_verified, "{context}: alice knows the trees still differ");
        assert_eq!(stats.entities_pushed, 0, "{context}");
        assert!(!bob.storage().exists(leaf), "{context}: the leaf was pushed after all");

        let back = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(back.initiator.as_ref().is_ok_and(|s| s.root_hash_verified), "{context}: {:?}", back.initiator);
        assert_eq!(bob.storage().get(leaf).as_deref(), Some(&b"alice's leaf"[..]), "{context}");
        assert_eq!(alice.storage().root_hash().unwrap(), bob.storage().root_hash().unwrap(), "{context}");
    });
}

/// F4: the sync protocols carry no integrity check of their own. On a plaintext stream a
/// corrupted frame that still decodes is applied: both sessions report success and a node ends
/// up holding an entity nobody wrote (a flipped bit in a pushed entity's id). Production's Noise
/// encryption rejects such frames; merosim's corruption test therefore runs encrypted.
#[test]
fn f4_plaintext_streams_accept_corrupted_frames_silently() {
    // docs/findings.md names seed 53 (LevelWise, 25 % corruption): pinned, so the doc's example is
    // the one that runs.
    let seed = seed_or(53);
    let context = repro("findings::f4_plaintext_streams_accept_corrupted_frames_silently", seed);
    let (succeeded, invented) = simulate(seed, move || async move {
        let pair = sim_tests::Pair::new(seed, FaultConfig::none().with_latency(5, 5).with_corruption(0.25), 100);
        let options = SessionOptions::default().with_recv_timeout(Duration::from_secs(10));
        let protocol = if seed.is_multiple_of(2) { Protocol::HashComparison } else { pair.level_wise() };
        let reports = pair.sync(protocol, &options).await;
        let written = pair
            .divergence
            .expected_union()
            .union(&pair.divergence.deleted())
            .copied()
            .collect::<std::collections::BTreeSet<_>>();
        let invented: Vec<String> = [&pair.alice, &pair.bob]
            .iter()
            .flat_map(|n| n.storage().entities().unwrap())
            .filter(|e| !written.contains(&e.id))
            .map(|e| short_id(&e.id))
            .collect();
        (reports.iter().all(SessionReport::succeeded), invented)
    });
    assert!(succeeded, "{context}: a session failed, so the damage was not silent");
    assert!(!invented.is_empty(), "{context}: no node holds an entity nobody wrote");
}

/// F5: LevelWise's post-sync check compares the local root with the root the *handshake* saw. If
/// the peer moved on between handshake and session, the session pulls everything, both roots end
/// equal, and the protocol still reports `root_hash_verified = false` — the shape of #2607, fixed
/// for HashComparison in 0.11.0-rc.2 and still present in LevelWise in 0.11.0-rc.4.
#[test]
fn f5_level_wise_verifies_against_the_stale_handshake_root() {
    let seed = seed_or(64);
    let context = repro("findings::f5_level_wise_verifies_against_the_stale_handshake_root", seed);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::lan());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        bob.storage().upsert([3; 32], None, b"before the handshake").unwrap();
        let seen = bob.storage().root_hash().unwrap();
        bob.storage().upsert([4; 32], None, b"after the handshake").unwrap();

        let session = Session::new(Protocol::LevelWise { max_depth: 2 }).with_handshake_root(seen);
        let stats =
            world.run_session(&session, &alice, &bob).await.initiator.unwrap_or_else(|e| panic!("{context}: {e}"));
        assert_eq!(alice.storage().root_hash().unwrap(), bob.storage().root_hash().unwrap(), "{context}: synced");
        if merosim::calimero_since("0.11.0-rc.7") {
            // Fixed upstream by #2901: LevelWise re-reads the peer's root after the merge.
            assert!(stats.root_hash_verified, "{context}: #2901's fix did not verify against the current root");
        } else {
            assert!(!stats.root_hash_verified, "{context}: the guard compared with the current root after all");
        }

        let fresh = world.run_session(&Session::new(Protocol::LevelWise { max_depth: 2 }), &alice, &bob).await;
        assert!(fresh.initiator.is_ok_and(|s| s.root_hash_verified), "{context}: with a fresh handshake it verifies");
    });
}

/// F6: calimero's Merkle hash commits to entities' bytes, not to their ids. Two nodes holding
/// different entities with equal bytes report equal root hashes, so `select_protocol` picks
/// `None` and they never sync; the live states stay different for good.
#[test]
fn f6_root_hash_ignores_entity_ids() {
    let seed = seed_or(66);
    let context = repro("findings::f6_root_hash_ignores_entity_ids", seed);
    let in_sim = context.clone();
    simulate(seed, move || async move {
        let context = in_sim;
        let world = World::new(seed, FaultConfig::lan());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        alice.storage().upsert([1; 32], None, b"same bytes").unwrap();
        bob.storage().upsert([2; 32], None, b"same bytes").unwrap();
        assert_ne!(alice.storage().digest().unwrap(), bob.storage().digest().unwrap(), "{context}: different entities");
        assert_eq!(alice.storage().root_hash().unwrap(), bob.storage().root_hash().unwrap(), "{context}: same root");
        let choice = calimero_node_primitives::sync::select_protocol(
            &calimero_node_primitives::sync::build_handshake(alice.storage()),
            &calimero_node_primitives::sync::build_handshake(bob.storage()),
        );
        assert_eq!(merosim::protocol_name(&choice.protocol), "none", "{context}: {}", choice.reason);
    });
    // The same at cluster level: the run stops at once as Diverged, nothing ever syncs.
    let mut rt = SimRuntime::with_seed(seed);
    let (alice, bob) = (rt.add_node("alice"), rt.add_node("bob"));
    rt.with_world(move |w| {
        w.node(alice).unwrap().storage().upsert([1; 32], None, b"same bytes").unwrap();
        w.node(bob).unwrap().storage().upsert([2; 32], None, b"same bytes").unwrap();
    });
    assert_eq!(rt.run_until(|rt| rt.clock().now() > 10_000.into()), StopCondition::Manual);
    let metrics = rt.metrics();
    assert!(metrics.protocol.sessions.is_empty(), "{context}: nobody synced in 10 s: {}", metrics.summary());
    assert!(rt.frames().iter().all(|f| f.label == "dag-heads"), "{context}: only DAG-heads requests were sent");
    assert!(!rt.is_converged(), "{context}");
    // Written as a starting state (recorded, not gossiped), the run stops as Diverged, and
    // triage files it under F6 and nothing else: each side misses an entity it holds a
    // look-alike of.
    let node = |name: &str, id: u8| merosim::NodeSpec {
        name: name.to_owned(),
        entities: vec![merosim::EntitySpec { id: [id; 32], parent: None, data: b"same bytes".to_vec(), meta: None }],
        deletes: Vec::new(),
    };
    let mut rt = SimRuntime::with_seed(seed);
    let nodes = vec![node("alice", 1), node("bob", 2)];
    rt.apply_scenario(Scenario { name: "f6".to_owned(), nodes, workload: None, app: None });
    let stop = rt.run();
    assert_eq!(stop, StopCondition::Diverged, "{context}");
    assert_eq!(sim_tests::filed_as(&mut rt, stop), sim_tests::known(&["F6"]), "{context}");
}

/// What one HashComparison session costs the two stores when the initiator pulls `leaves`
/// leaves that all hang under the root: bytes the responder's store returned per leaf served,
/// and bytes the initiator's store took per leaf merged.
fn pull_cost(leaves: usize) -> (u64, u64) {
    let seed = seed_or(67);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        merosim::flat_leaves(alice.storage(), leaves).unwrap();
        let (served_before, merged_before) = (alice.storage().io(), bob.storage().io());
        let report = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
        assert!(report.initiator.is_ok() && report.responder.is_ok(), "{report:?}");
        assert_eq!(bob.storage().digest().unwrap(), alice.storage().digest().unwrap(), "bob got every leaf");
        let served = alice.storage().io().since(&served_before);
        let merged = bob.storage().io().since(&merged_before);
        (served.read_bytes / leaves as u64, merged.write_bytes / leaves as u64)
    })
}

/// F11: a HashComparison responder re-reads (and re-decodes) every ancestor's whole index for
/// each leaf it serves — the root's index lists every child — and the initiator rewrites every
/// ancestor's index for each leaf it merges. Per leaf, both grow with the fan-out, so a session
/// costs O(leaves × fan-out): quadratic for a flat tree. Counted in bytes through the store, so
/// the growth is exact and machine-independent (the time it costs is in `merosim bench`).
#[test]
fn f11_hash_comparison_cost_per_leaf_grows_with_the_fan_out() {
    let context = repro("findings::f11_hash_comparison_cost_per_leaf_grows_with_the_fan_out", seed_or(67));
    let costs: Vec<(usize, (u64, u64))> = [25, 50, 100, 200].into_iter().map(|n| (n, pull_cost(n))).collect();
    let (read, written): (Vec<u64>, Vec<u64>) = costs.iter().map(|(_, c)| *c).unzip();
    eprintln!("F11 bytes per leaf (fan-out, served by the responder, merged by the initiator): {costs:?}");
    for pair in costs.windows(2) {
        let ((n0, (r0, w0)), (n1, (r1, w1))) = (pair[0], pair[1]);
        // Twice the fan-out: at least 1.7x the bytes per leaf (linear growth would be 2x; a
        // per-leaf constant would be 1x).
        assert!(r1 * 10 >= r0 * 17, "{context}: reads per served leaf {r0} at {n0} -> {r1} at {n1}");
        assert!(w1 * 10 >= w0 * 17, "{context}: writes per merged leaf {w0} at {n0} -> {w1} at {n1}");
    }
    assert!(read[3] > 8 * 200 * 32, "{context}: at 200 leaves a served leaf re-reads whole child lists: {read:?}");
    assert!(written[3] > 200 * 32, "{context}: at 200 leaves a merged leaf rewrites the root's list: {written:?}");
}

/// A folder holding a collection with `leaves` entries, written on `a` and applied on `b`, so
/// both nodes start equal. Depth 3: `select_protocol` never picks LevelWise for it, every path
/// ends in HashComparison.
fn shared_collection(a: &SimStorage, b: &SimStorage, leaves: u32) -> Vec<EntityId> {
    let (folder, collection) = ([0xf0; 32], [0xf1; 32]);
    b.apply_remote(a.upsert(folder, None, b"folder").unwrap()).unwrap();
    b.apply_remote(a.upsert(collection, Some(folder), b"collection").unwrap()).unwrap();
    (0..leaves)
        .map(|i| {
            let mut id = [0x22; 32];
            id[..4].copy_from_slice(&i.to_be_bytes());
            b.apply_remote(a.upsert(id, Some(collection), &i.to_le_bytes()).unwrap()).unwrap();
            id
        })
        .collect()
}

/// F12: HashComparison treats a tree node with more than `MAX_CHILDREN_PER_NODE` (256) children
/// as invalid and skips it — the parent whose children it should compare, and whose tombstones
/// it should apply. A remove that leaves 256 live entries in its collection reaches the peer in
/// one session; one that leaves 257 never does, in either direction, while every session
/// returns `Ok` (with `root_hash_verified = false`) after re-merging every entry. Answered by the
/// trait responder: before 0.11.0-rc.14 production's carries no tombstone at all (#3251), so no
/// remove would propagate there on either side of the limit.
#[test]
fn f12_a_remove_under_a_parent_of_more_than_256_children_never_propagates() {
    for (leaves, propagates) in [(257, true), (258, false)] {
        let seed = seed_or(68);
        let context = format!(
            "{leaves} entries; {}",
            repro("findings::f12_a_remove_under_a_parent_of_more_than_256_children_never_propagates", seed)
        );
        simulate(seed, move || async move {
            let world = World::new(seed, FaultConfig::none());
            let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
            let entries = shared_collection(alice.storage(), bob.storage(), leaves);
            assert_eq!(alice.storage().digest().unwrap(), bob.storage().digest().unwrap(), "{context}: equal start");
            alice.storage().delete(entries[7]).unwrap();
            for round in 0..2 {
                for (initiator, responder) in [(&bob, &alice), (&alice, &bob)] {
                    let session = Session::new(Protocol::HashComparison).with_hc_responder(HcResponder::Protocol);
                    let report = world.run_session(&session, initiator, responder).await;
                    let stats = report.initiator.unwrap_or_else(|e| panic!("{context}: session failed: {e}"));
                    assert_eq!(stats.root_hash_verified, propagates, "{context}: round {round}: {stats:?}");
                }
            }
            assert_eq!(
                bob.storage().get(entries[7]).is_none(),
                propagates,
                "{context}: bob's copy of the removed entry"
            );
            assert_eq!(alice.storage().get(entries[7]), None, "{context}: alice's remove holds");
            let equal = alice.storage().digest().unwrap() == bob.storage().digest().unwrap();
            assert_eq!(equal, propagates, "{context}: the states end equal only under the limit");
        });
    }
}

/// F12, second half: the response to a request for a node carries at most
/// `MAX_NODES_PER_RESPONSE` (1,000) nodes, and since the over-wide parent itself is skipped, its
/// children past the 999th are never asked for. A node missing a 1,200-entry collection gets
/// 999 of its entries, in every session. (The slowest finding test, ~15 s: F11's cost at 1,200
/// children.)
#[test]
fn f12_hash_comparison_never_fetches_past_the_999th_child() {
    let seed = seed_or(69);
    let context = repro("findings::f12_hash_comparison_never_fetches_past_the_999th_child", seed);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        let scratch = world.add_node("scratch").unwrap();
        shared_collection(alice.storage(), scratch.storage(), 1_200);
        shared_collection(bob.storage(), scratch.storage(), 0);
        for _ in 0..2 {
            let report = run_session(&world, &bob, &alice, Protocol::HashComparison, &SessionOptions::default()).await;
            let stats = report.initiator.unwrap_or_else(|e| panic!("{context}: session failed: {e}"));
            assert!(!stats.root_hash_verified, "{context}: {stats:?}");
            // The folder, the collection and 999 of its 1,200 entries.
            assert_eq!(
                bob.storage().entity_count().unwrap(),
                alice.storage().entity_count().unwrap() - 201,
                "{context}"
            );
        }
    });
}

/// F7's reach: production's `SyncManager` (0.11.0-rc.4, src/sync/manager/handshake.rs) builds the
/// local handshake from the root's direct child count at depth 1, and the remote one from the
/// peer's root and DAG heads through calimero's own estimators. Over every local tree size and
/// every head count up to a few hundred, `select_protocol` then never answers LevelWise: the
/// remote side it reads is at most 3 "entities" at depth ≤ 2. merosim's handshakes (full tree
/// statistics) do reach LevelWise — which is why F7 is latent in production, not reachable.
#[test]
fn f7_production_handshakes_never_select_level_wise() {
    use calimero_node_primitives::sync::state_machine::{
        build_handshake_from_raw, estimate_entity_count, estimate_max_depth,
    };
    use calimero_node_primitives::sync::{select_protocol, SyncProtocol};
    let (root, peer_root) = ([1; 32], [2; 32]);
    let mut level_wise = Vec::new();
    for heads in 0..300_usize {
        let dag_heads: Vec<[u8; 32]> = (0..heads).map(|i| [(i % 251) as u8 + 3; 32]).collect();
        let count = estimate_entity_count(peer_root, heads);
        let remote = build_handshake_from_raw(peer_root, count, estimate_max_depth(count), dag_heads.clone());
        for children in [0_u64, 1, 5, 11, 31, 100, 1_000, 10_000] {
            let local = build_handshake_from_raw(root, children.max(1), 1, dag_heads.clone());
            if matches!(select_protocol(&local, &remote).protocol, SyncProtocol::LevelWise { .. }) {
                level_wise.push((heads, children));
            }
        }
    }
    assert!(level_wise.is_empty(), "production's estimates selected LevelWise for (heads, children) {level_wise:?}");

    // The same choice from merosim's handshakes (a map of 31 entries, F7's smallest case) is LevelWise.
    let flat = |n: u64| build_handshake_from_raw(root, n, 1, vec![[9; 32]]);
    let merosim_choice = select_protocol(&flat(31), &build_handshake_from_raw(peer_root, 32, 1, vec![[9; 32]]));
    assert!(
        matches!(merosim_choice.protocol, SyncProtocol::LevelWise { .. }),
        "full statistics of a 32-entry flat tree: {:?} ({})",
        merosim_choice.protocol,
        merosim_choice.reason
    );
}
