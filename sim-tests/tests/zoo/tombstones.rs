//! Bugs in how calimero-storage's tombstones meet later writes.

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb};

use super::{action, precondition, symptom_of};

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
