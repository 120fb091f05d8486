//! Bugs in production's own HashComparison responder, `SyncManager::handle_tree_node_request`,
//! which the manager dispatches a `TreeNodeRequest` to — where merosim (and upstream's sync-sim)
//! otherwise drive the protocol's trait responder. Reaching it needs a calimero-node that
//! scripts/visibility-patch made constructible; scripts/against (and so scripts/zoo) builds one.

use merosim::prelude::*;
use merosim::{HcResponder, NodeAnswer, TreeAnswers};

use super::{action, precondition, setup, symptom_of, Zoo};

const PARENT: [u8; 32] = [0x51; 32];
const CHILDREN: [[u8; 32]; 2] = [[0x52; 32], [0x53; 32]];
const LEAF: [u8; 32] = [0x54; 32];
const GONE: [u8; 32] = [0x55; 32];

/// Alice and bob hold the same parent with two children, and two leaves beside it. Bob deletes
/// both children — the parent is now "cleared", childless but for tombstones — and one leaf.
fn bob_cleared_a_parent(zoo: &Zoo) {
    for node in [&zoo.alice, &zoo.bob] {
        let at = WriteMeta::at(1_000_000);
        setup(node.storage().upsert_with(PARENT, None, b"parent", &at), "a parent both hold");
        for child in CHILDREN {
            setup(node.storage().upsert_with(child, Some(PARENT), &child[..4], &at), "its two children");
        }
        for leaf in [LEAF, GONE] {
            setup(node.storage().upsert_with(leaf, None, &leaf[..4], &at), "two leaves beside it");
        }
    }
    for gone in [CHILDREN[0], CHILDREN[1], GONE] {
        setup(zoo.bob.storage().delete(gone), "bob deletes both children and a leaf");
    }
}

/// Where two walks of the same tree differ, one line a node.
fn differences(protocol: &TreeAnswers, manager: &TreeAnswers) -> Vec<String> {
    let show = |a: Option<&NodeAnswer>| match a {
        None => "absent".to_owned(),
        Some(a) => format!(
            "{} hash {} children {} deleted_children {}",
            if a.leaf { "leaf" } else { "internal" },
            &hex::encode(a.hash)[..8],
            a.children.len(),
            a.deleted_children.len()
        ),
    };
    let ids: std::collections::BTreeSet<_> = protocol.nodes.keys().chain(manager.nodes.keys()).collect();
    let mut lines: Vec<String> = ids
        .into_iter()
        .filter(|id| protocol.nodes.get(*id) != manager.nodes.get(*id))
        .map(|id| {
            let (p, m) = (protocol.nodes.get(id), manager.nodes.get(id));
            format!("{}: protocol's {} / manager's {}", &hex::encode(id)[..8], show(p), show(m))
        })
        .collect();
    if protocol.not_found != manager.not_found {
        lines.push(format!("not found: protocol's {:?} / manager's {:?}", protocol.not_found, manager.not_found));
    }
    lines
}

/// The same pull through both responders, on the same store: every node of bob's tree asked for
/// the same way, and the answers compared. They must agree; until 0.11.0-rc.14 (#3251) the
/// manager's never carried `deleted_children`, and presented the cleared parent as a leaf.
#[test]
#[cfg_attr(
    not(calimero_manager_visible),
    ignore = "production's responder needs a calimero-node prepared by scripts/visibility-patch: run it through scripts/against"
)]
fn both_hash_comparison_responders_answer_alike() {
    simulate(3251, || async {
        let zoo = Zoo::new(3251);
        bob_cleared_a_parent(&zoo);
        let protocol = action(zoo.world.walk(HcResponder::Protocol, &zoo.alice, &zoo.bob).await, "walk the protocol's");
        let manager = action(zoo.world.walk(HcResponder::Manager, &zoo.alice, &zoo.bob).await, "walk the manager's");
        let lines = differences(&protocol, &manager);
        println!(
            "{}where the two HashComparison responders differ ({} nodes walked):",
            super::on(),
            protocol.nodes.len()
        );
        for line in &lines {
            println!("  {line}");
        }
        let parent = &protocol.nodes[&PARENT];
        assert_eq!(parent.deleted_children.len(), 2, "the protocol's responder lists the parent's two tombstones");
        assert!(!parent.leaf, "the protocol's responder presents the cleared parent as internal");
        if merosim::calimero_since("0.11.0-rc.14") {
            assert!(lines.is_empty(), "the responders differ on 0.11.0-rc.14 or later: {lines:#?}");
        } else {
            let theirs = &manager.nodes[&PARENT];
            assert!(theirs.deleted_children.is_empty() && theirs.leaf, "before rc.14 the manager's: {lines:#?}");
            let tombstones = manager.nodes.values().map(|n| n.deleted_children.len()).sum::<usize>();
            assert_eq!(tombstones, 0, "before rc.14 the manager's responder carries no tombstone at all: {lines:#?}");
        }
    });
}

/// Without the patched calimero-node, asking for the manager's responder fails with one clear
/// line that says how to get it.
#[test]
#[cfg_attr(calimero_manager_visible, ignore = "this build has production's responder")]
fn the_manager_s_responder_says_how_to_get_it() {
    simulate(3252, || async {
        let zoo = Zoo::new(3252);
        bob_cleared_a_parent(&zoo);
        assert!(!HcResponder::Manager.available());
        let err = zoo.world.walk(HcResponder::Manager, &zoo.alice, &zoo.bob).await.unwrap_err();
        assert!(err.to_string().contains("scripts/visibility-patch"), "{err}");
    });
}

/// #3251 (fixed in 0.11.0-rc.14): a delete reaches the peer that starts the sync. Bob deleted a
/// parent's children; alice, who still holds them, pulls from bob through the default responder
/// — production's, in a build that has it. Afterwards alice must hold neither. Before the fix
/// the responder sent no `deleted_children`, so alice kept both and pushed them back to bob,
/// whose responder applied them.
#[test]
#[cfg_attr(
    not(calimero_manager_visible),
    ignore = "production's responder needs a calimero-node prepared by scripts/visibility-patch: run it through scripts/against"
)]
fn a_delete_reaches_the_peer_that_started_the_sync() {
    simulate(3253, || async {
        let control = Zoo::new(3253);
        bob_cleared_a_parent(&control);
        let through_protocol = Session::new(Protocol::HashComparison).with_hc_responder(HcResponder::Protocol);
        let pulled = control.world.run_session(&through_protocol, &control.alice, &control.bob).await;
        action(pulled.initiator, "the same pull through the protocol's responder");
        let deletes_travel = [CHILDREN[0], CHILDREN[1], GONE].iter().all(|id| !control.alice.storage().exists(*id));
        precondition(deletes_travel, "through the protocol's responder the deletes reach alice");

        let zoo = Zoo::new(3253);
        bob_cleared_a_parent(&zoo);
        let session = Session::new(Protocol::HashComparison);
        precondition(session.hc_responder() == HcResponder::Manager, "the default responder is production's");
        let report = zoo.world.run_session(&session, &zoo.alice, &zoo.bob).await;
        let kept: Vec<String> = [CHILDREN[0], CHILDREN[1], GONE]
            .into_iter()
            .filter(|id| zoo.alice.storage().exists(*id))
            .map(|id| hex::encode(&id[..4]))
            .collect();
        symptom_of(
            "#3251",
            !kept.is_empty(),
            format!(
                "after pulling from bob, alice still holds {kept:?}, which bob deleted (initiator: {:?}; responder: {:?})",
                report.initiator.as_ref().map(|_| "ok"),
                report.responder
            ),
        );
    });
}

/// Production's responder draws its identity choice and every response's nonce from
/// `rand::thread_rng()`, and its `SyncManager` is built over a blob folder made outside the
/// simulation: a seed must still replay byte for byte with it answering every session.
#[test]
#[cfg_attr(
    not(calimero_manager_visible),
    ignore = "production's responder needs a calimero-node prepared by scripts/visibility-patch: run it through scripts/against"
)]
fn runs_answered_by_the_manager_s_responder_replay_byte_for_byte() {
    for seed in 0..6 {
        let mut options = merosim::RunSpec::new(seed, "deletes".parse().unwrap(), FaultPreset::Lan)
            .max_time(std::time::Duration::from_secs(20));
        options.node.hc_responder = HcResponder::Manager;
        let first = sim_tests::assert_replays(&options);
        let sessions = first.metrics.as_ref().map_or(0, |m| m.protocol.sessions.values().map(|c| c.started).sum());
        assert!(sessions > 0, "seed {seed}: no session ran\n{}", options.repro());
    }
}

/// The build that runs production's responder on the pinned release also builds calimero-node's
/// own tokio on madsim (scripts/visibility-patch's manifest hunk), so the driver's, the session
/// bridge's and the delta store's timers run in virtual time once merosim drives them. If the
/// hunk stops applying to that release, this says so before a timer of calimero's panics inside
/// a simulation ("no reactor running").
#[test]
#[cfg_attr(
    not(calimero_manager_visible),
    ignore = "the plain build uses the published calimero-node, with real tokio: run it through scripts/test"
)]
fn the_patched_pinned_build_runs_calimero_node_s_tokio_on_madsim() {
    if merosim::calimero_in("0.11.0-rc.4", "0.11.0-rc.4") {
        assert!(merosim::calimero_node_virtual_time(), "scripts/visibility-patch left calimero-node on real tokio");
    }
}
