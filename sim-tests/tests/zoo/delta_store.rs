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
use merosim::{commit_local, events, unclaimed_deltas, NodeDeltas, Taken};

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

/// F16 (merosim's; default seed 1441 of the 10,000-seed sweep on rc.4): a delta applied in an
/// `add_delta` whose cascade then fails is never persisted. Alice got carol's entity by sync (not
/// by delta), writes `ONE` and then deletes carol's entity; bob, who never held that entity,
/// gets the delete first (it waits) and then its parent. The parent applies; the cascade runs the
/// delete, which calimero-storage refuses (a `DeleteRef` of an entity without an index is
/// `IndexNotFound`, and fails the whole delta). calimero-dag's `add_delta` returns the cascade's
/// error although the parent applied, and the delta store's `add_delta_internal` returns on it
/// before it writes the parent's `applied` row and the heads: bob's store holds the parent's
/// write and his DAG in memory calls it applied, but nothing on disk does. After a restart the
/// parent is unknown, and the next copy of it is applied a second time.
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's delta store needs production's node path: run it through scripts/against"
)]
fn a_delta_applied_before_its_cascade_failed_is_known_after_a_restart() {
    #[cfg(calimero_node_path)]
    merosim::simulate(16, || async {
        let zoo = Zoo::new(16);
        let carol = setup(zoo.world.add_node("carol"), "a third writer");
        let (alice, bob) = (&zoo.alice, zoo.bob.storage());
        let _ = committed(&carol, THREE, b"three");
        let pulled = zoo.sync(Protocol::HashComparison, alice, &carol).await;
        precondition(pulled.initiator.is_ok() && alice.storage().exists(THREE), "alice got carol's entity by sync");
        let parent = committed(alice, ONE, b"one");
        let delete = setup(alice.storage().delete(THREE), "alice deletes carol's entity");
        let child = setup(commit_local(alice.storage(), &[delete]), "its commit");
        precondition(child.parents == vec![parent.id], "the delete's parent is alice's write");
        let author = Some(alice.storage().identity());

        let deltas = setup(NodeDeltas::standalone(bob).await, "bob's delta store");
        precondition(deltas.add(child.clone(), author).await == Taken::Pending, "the delete waits for its parent");
        let taken = deltas.add(parent.clone(), author).await;
        precondition(bob.exists(ONE) && deltas.applied(&parent.id).await, "the parent applied");
        precondition(!deltas.applied(&child.id).await, "the delete failed in the cascade");
        drop(deltas);

        let restarted = action(NodeDeltas::standalone(bob).await, "bob's delta store after a restart");
        let known = restarted.applied(&parent.id).await;
        symptom_of(
            "F16",
            !known,
            format_args!(
                "after a restart bob's delta store does not know the delta it applied before the cascade failed (its add answered {taken:?})"
            ),
        );
        let again = restarted.add(parent.clone(), author).await;
        if known {
            assert_eq!(again, Taken::Duplicate, "a copy of an applied delta is a duplicate");
        } else {
            assert_eq!(again, Taken::Applied, "the lost delta is applied a second time");
            let twice: Vec<[u8; 32]> = bob.applies().reapplied().iter().map(|r| r.delta).collect();
            assert_eq!(twice, vec![parent.id], "bob's store records the second apply, for triage");
        }
    });
}

/// F17 (merosim's; default seed 9044 of the 10,000-seed sweep on rc.4): a delta a cascade applied
/// is persisted without its author claim. Bob gets alice's second delta before its parent (it
/// waits, in memory: a delta without events is not written before it applies), then the parent;
/// the parent applies and releases the child. The delta store writes the parent's row with the
/// author it was added with, and the child's, written by the cascade
/// (`persist_cascaded_deltas_and_update_heads`), with `author_id: None`. calimero's delta
/// responder answers `DeltaNotFound` for a row without an author claim (it takes it for a
/// snapshot checkpoint), so a peer that asks bob for the child never gets it from him; in seed
/// 9044 bob and carol asked erin for such a delta 1,356 times.
#[test]
#[cfg_attr(
    not(calimero_node_path),
    ignore = "calimero's delta store needs production's node path: run it through scripts/against"
)]
fn a_delta_applied_by_a_cascade_keeps_its_author_claim() {
    #[cfg(calimero_node_path)]
    merosim::simulate(17, || async {
        let zoo = Zoo::new(17);
        let (alice, bob) = (&zoo.alice, zoo.bob.storage());
        let parent = committed(alice, ONE, b"one");
        let child = committed(alice, TWO, b"two");
        let author = Some(alice.storage().identity());

        let deltas = setup(NodeDeltas::standalone(bob).await, "bob's delta store");
        precondition(deltas.add(child.clone(), author).await == Taken::Pending, "the child waits for its parent");
        let taken = deltas.add(parent.clone(), author).await;
        precondition(taken == Taken::Applied && deltas.applied(&child.id).await, "the parent releases the child");
        let unclaimed = unclaimed_deltas(bob);
        precondition(!unclaimed.contains(&parent.id), "the delta added directly keeps its author claim");
        symptom_of(
            "F17",
            unclaimed.contains(&child.id),
            "bob persisted the delta his cascade applied without its author claim (his delta responder answers DeltaNotFound for it)",
        );
    });
}
