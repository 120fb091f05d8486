//! Bugs in calimero-node's `DeltaStore`, the DAG every production node applies its peers' deltas
//! through: driven here by hand on one node (bob), with deltas alice and carol committed as
//! calimero-context commits them. Reaching it needs production's node path (a calimero-node
//! that scripts/visibility-patch made constructible, on madsim-tokio): scripts/against builds
//! one for every release from 0.11.0-rc.4.

#[cfg(calimero_node_path)]
use std::time::Duration;

#[cfg(calimero_node_path)]
use merosim::prelude::*;
#[cfg(calimero_node_path)]
use merosim::{commit_local, events, NodeDeltas, Taken};

#[cfg(calimero_node_path)]
use super::{action, precondition, setup, symptom_of, Zoo};

#[cfg(calimero_node_path)]
const ONE: [u8; 32] = [0x31; 32];
#[cfg(calimero_node_path)]
const TWO: [u8; 32] = [0x32; 32];
#[cfg(calimero_node_path)]
const THREE: [u8; 32] = [0x33; 32];

/// One write committed on `node` as a delta (its parents: the node's heads).
#[cfg(calimero_node_path)]
fn committed(node: &SimNode, id: [u8; 32], bytes: &[u8]) -> merosim::Delta {
    let write = setup(node.storage().upsert(id, None, bytes), "a write");
    setup(commit_local(node.storage(), &[write]), "its commit")
}

/// #3124 (fixed in 0.11.0-rc.10): a restart re-drives the deltas calimero persisted but had not
/// applied. A delta whose app emitted events is written to the store before it is applied; bob
/// gets alice's second delta before its parent (it waits, persisted with `applied: false`),
/// restarts, and then gets the parent. Before the fix the restart restored every persisted row
/// as applied, so the child was never run: bob's DAG has it, bob's state does not.
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's delta store needs production's node path: run it through scripts/against"
)]
fn a_delta_pending_at_a_restart_is_applied_once_its_parent_comes() {
    #[cfg(calimero_node_path)]
    merosim::simulate(3124, || async {
        let zoo = Zoo::new(3124);
        let (alice, bob) = (&zoo.alice, zoo.bob.storage());
        let parent = committed(alice, ONE, b"one");
        let child = committed(alice, TWO, b"two");
        let (author, emitted) = (Some(alice.storage().identity()), events(&["ItemAdded"]));

        let deltas = setup(NodeDeltas::standalone(bob).await, "bob's delta store");
        let taken = deltas.add_with_events(child.clone(), author, emitted.clone()).await;
        precondition(taken == Taken::Pending, "the child waits for its parent");
        drop(deltas);

        let deltas = action(NodeDeltas::standalone(bob).await, "bob's delta store after a restart");
        let taken = deltas.add_with_events(parent, author, emitted).await;
        precondition(taken == Taken::Applied, "the parent applies");
        let ran = bob.exists(TWO);
        let claimed = deltas.applied(&child.id).await;
        symptom_of(
            "#3124",
            !ran,
            format_args!(
                "after a restart bob never ran alice's pending delta (its DAG {} it applied; its write is missing)",
                if claimed { "says" } else { "does not say" }
            ),
        );
        if ran {
            assert!(claimed, "the child is applied once its parent is");
            assert_eq!(bob.root_hash().ok(), alice.storage().root_hash().ok(), "bob holds what alice holds");
        }
    });
}

/// #3499 (fixed after 0.11.0-rc.14): two deltas applied at once on one node never hang its delta
/// store. Bob holds alice's second delta pending; alice's first (which releases it) and carol's
/// delta (applicable at once) arrive together, as the gossip handler and a DAG catch-up deliver
/// them (each through `add_delta`, as the manager's catch-up adds one). Before the fix the cascade kept the context lock while it waited for the DAG lock, and
/// carol's apply held the DAG lock while it waited for the context lock: neither ever returns.
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's delta store needs production's node path: run it through scripts/against"
)]
fn two_deltas_applied_at_once_both_finish() {
    #[cfg(calimero_node_path)]
    merosim::simulate(3499, || async {
        let zoo = Zoo::new(3499);
        let carol = setup(zoo.world.add_node("carol"), "a third writer");
        let (alice, bob) = (&zoo.alice, zoo.bob.storage());
        let parent = committed(alice, ONE, b"one");
        let child = committed(alice, TWO, b"two");
        let beside = committed(&carol, THREE, b"three");
        let author = |n: &SimNode| Some(n.storage().identity());

        let deltas = setup(NodeDeltas::standalone(bob).await, "bob's delta store");
        precondition(deltas.add(child.clone(), author(alice)).await == Taken::Pending, "the child waits");
        let both =
            async { tokio::join!(deltas.catch_up(parent, author(alice)), deltas.catch_up(beside, author(&carol))) };
        let finished = tokio::time::timeout(Duration::from_secs(120), both).await;
        symptom_of(
            "#3499",
            finished.is_err(),
            "two deltas applied at once hang bob's delta store for two virtual minutes (a lock-order deadlock)",
        );
        if let Ok(taken) = finished {
            assert_eq!(taken, (Taken::Applied, Taken::Applied));
            assert!([ONE, TWO, THREE].iter().all(|id| bob.exists(*id)), "bob ran all three deltas");
        }
    });
}
