//! Bugs in calimero-storage's tombstones: what a delete stamps, what it covers, and how it meets
//! later writes.

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb};

use super::{action, precondition, setup, symptom_of, Zoo};

fn op(verb: Verb) -> CrdtOp {
    CrdtOp::new("users", K::Map, verb)
}

/// #3085 / #3123 (fixed in 0.11.0-rc.10; docs/findings.md F8): a key written again after its
/// remove must be live again — for the writer first of all, and for its peer after sync. Before
/// the fix the tombstone was final: the re-insert returned `Ok` and nobody ever read it.
#[test]
fn a_key_written_after_its_remove_is_live_again() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(114).max_time(120_000));
    rt.apply_scenario(Scenario::app(2, &[("users", K::Map)]));
    action(rt.app_op("alice", op(Verb::Insert { key: "k".into(), value: "v1".into() })), "alice inserts k");
    rt.advance(std::time::Duration::from_millis(50));
    action(rt.app_op("alice", op(Verb::Remove { key: "k".into() })), "alice removes k");
    rt.advance(std::time::Duration::from_millis(50));
    let removed = rt.app_state("alice").collections["users"].clone();
    precondition(removed == CollectionValue::Entries(Default::default()), "the remove took effect");
    action(rt.app_op("alice", op(Verb::Insert { key: "k".into(), value: "v2".into() })), "alice writes k again");
    let v2 = CollectionValue::Entries([("k".to_owned(), "v2".to_owned())].into());
    let mine = rt.app_state("alice").collections["users"].clone();
    symptom_of("#3085", mine != v2, format!("the writer reads {mine:?} after writing k = v2"));
    rt.run();
    let theirs = rt.app_state("bob").collections["users"].clone();
    symptom_of("#3085", theirs != v2, format!("the peer reads {theirs:?} after sync"));
}

/// #3036 (fixed in 0.11.0-rc.9): a tombstone's time never moves backwards. alice deletes a leaf,
/// bob deletes it again a millisecond later; carol gets bob's delete first and alice's second
/// (out-of-order delivery). Every node that applied both must keep bob's time. Before the fix
/// `Index::mark_deleted` overwrote it with whichever delete came last, so carol's tombstone went
/// back to alice's time — and two replicas with the same history kept different tombstones.
#[test]
fn an_older_delete_never_rolls_a_tombstone_back() {
    simulate(36, || async {
        let zoo = Zoo::new(36);
        let carol = setup(zoo.world.add_node("carol"), "a third node");
        let leaf = [0x36; 32];
        for node in [&zoo.alice, &zoo.bob, &carol] {
            setup(node.storage().upsert_with(leaf, None, b"v", &WriteMeta::at(1_000_000)), "a leaf everyone holds");
        }
        let deleted_at =
            |node: &SimNode| setup(node.storage().metadata(leaf), "read the tombstone").and_then(|m| m.deleted_at);
        let first = action(zoo.alice.storage().delete(leaf), "alice deletes the leaf");
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        let second = action(zoo.bob.storage().delete(leaf), "bob deletes it a millisecond later");
        let (older, newer) = (deleted_at(&zoo.alice), deleted_at(&zoo.bob));
        precondition(older.is_some() && older < newer, "two tombstones, bob's the newer");
        action(zoo.alice.storage().apply_remote(second.clone()), "alice applies bob's delete");
        action(carol.storage().apply_remote(second), "carol applies bob's delete");
        action(carol.storage().apply_remote(first), "then alice's, late");
        let (alice, carol) = (deleted_at(&zoo.alice), deleted_at(&carol));
        symptom_of(
            "#3036",
            alice != newer || carol != newer,
            format!(
                "after both deletes (at {older:?} and {newer:?}) alice's tombstone says {alice:?}, carol's {carol:?}"
            ),
        );
    });
}

/// #3061 (fixed in 0.11.0-rc.9): deleting an entity tombstones its descendants too. alice deletes
/// a parent with a child and a grandchild; the `DeleteRef` she applies is the one every replica
/// replays (`Interface::apply_action`), so bob gets it the same way. Before the fix only the
/// parent was tombstoned: the descendants' index rows stayed live under a deleted parent, where
/// tombstone GC could never reclaim them.
///
/// The fix's other half — the originator stamped its tombstone with a second `time_now()` while
/// the broadcast `DeleteRef` carried the first — is not observable here: madsim's virtual clock
/// does not move inside synchronous code, so both readings are the same instant.
#[test]
fn a_delete_takes_the_entity_s_descendants_with_it() {
    simulate(61, || async {
        let zoo = Zoo::new(61);
        let (parent, child, grandchild) = ([0x61; 32], [0x62; 32], [0x63; 32]);
        for node in [&zoo.alice, &zoo.bob] {
            let at = WriteMeta::at(1_000_000);
            setup(node.storage().upsert_with(parent, None, b"p", &at), "a parent");
            setup(node.storage().upsert_with(child, Some(parent), b"c", &at), "its child");
            setup(node.storage().upsert_with(grandchild, Some(child), b"g", &at), "its grandchild");
        }
        let delete = action(zoo.alice.storage().delete(parent), "alice deletes the parent");
        action(zoo.bob.storage().apply_remote(delete), "bob replays her delete");
        for node in [&zoo.alice, &zoo.bob] {
            precondition(!node.storage().exists(parent), "the parent is gone");
            let live: Vec<_> =
                [child, grandchild].into_iter().filter(|id| node.storage().exists(*id)).map(|id| id[0]).collect();
            symptom_of(
                "#3061",
                !live.is_empty(),
                format!("{} keeps live index rows {live:02x?} under its deleted parent", node.name()),
            );
        }
    });
}
