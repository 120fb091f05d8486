//! Conflicts resolve as each collection promises. Each case partitions the nodes, makes the
//! conflicting operations on both sides (so neither sees the other's, and the partition drops
//! the gossip), heals, and lets the sync protocols merge: the outcome is what calimero's merge
//! rule says, and every node reads it.

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb};

use super::{app_runtime, finish, insert, ms};

fn entries(rt: &mut SimRuntime, node: &str, collection: &str) -> CollectionValue {
    rt.app_state(node).collections[collection].clone()
}

fn map(pairs: &[(&str, &str)]) -> CollectionValue {
    CollectionValue::Entries(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

/// alice and bob cut off from each other: gossip between them is dropped until `heal`.
fn split(rt: &mut SimRuntime) {
    rt.partition_bidirectional("alice", "bob", None);
}

fn heal(rt: &mut SimRuntime) {
    rt.heal_partition("alice", "bob");
}

#[test]
fn concurrent_inserts_of_one_key_keep_the_later_write() {
    for kind in [K::Map, K::Registers] {
        let mut rt = app_runtime(seed_or(11), 2, &[("c", kind)]);
        split(&mut rt);
        rt.app_op("alice", insert("c", kind, "k", "from-alice")).unwrap();
        rt.advance(ms(5));
        rt.app_op("bob", insert("c", kind, "k", "from-bob")).unwrap();
        heal(&mut rt);
        let judgement = finish(&mut rt);
        assert!(judgement.verdict.passed(), "{kind}\n{judgement}");
        assert_eq!(entries(&mut rt, "alice", "c"), map(&[("k", "from-bob")]), "{kind}: the later write wins");
    }
}

#[test]
fn inserts_at_one_instant_resolve_the_same_way_everywhere() {
    let mut rt = app_runtime(seed_or(12), 3, &[("users", K::Map)]);
    split(&mut rt);
    // Equal timestamps: calimero breaks the tie by content; every node must break it alike.
    rt.app_op("alice", insert("users", K::Map, "k", "a")).unwrap();
    rt.app_op("bob", insert("users", K::Map, "k", "b")).unwrap();
    heal(&mut rt);
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let CollectionValue::Entries(held) = entries(&mut rt, "carol", "users") else { panic!("a map") };
    assert!(matches!(held.get("k").map(String::as_str), Some("a" | "b")), "one of the tied writes survives: {held:?}");
}

#[test]
fn a_remove_later_than_a_concurrent_update_removes_the_key() {
    let mut rt = app_runtime(seed_or(13), 2, &[("users", K::Map)]);
    rt.app_op("alice", insert("users", K::Map, "k", "v0")).unwrap();
    rt.advance(ms(50));
    split(&mut rt);
    rt.app_op("bob", insert("users", K::Map, "k", "v1")).unwrap();
    rt.advance(ms(5));
    rt.app_op("alice", CrdtOp::new("users", K::Map, Verb::Remove { key: "k".into() })).unwrap();
    heal(&mut rt);
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    assert_eq!(entries(&mut rt, "bob", "users"), map(&[]));
}

#[test]
fn a_clear_removes_what_the_clearer_held_and_keeps_a_concurrent_new_key() {
    for kind in [K::Map, K::Set] {
        let mut rt = app_runtime(seed_or(14), 2, &[("c", kind)]);
        rt.app_op("alice", insert("c", kind, "k0", "v0")).unwrap();
        rt.app_op("alice", insert("c", kind, "k1", "v1")).unwrap();
        rt.advance(ms(50));
        split(&mut rt);
        rt.app_op("bob", insert("c", kind, "k2", "v2")).unwrap();
        rt.advance(ms(5));
        rt.app_op("alice", CrdtOp::new("c", kind, Verb::Clear)).unwrap();
        heal(&mut rt);
        let judgement = finish(&mut rt);
        assert!(judgement.verdict.passed(), "{kind}\n{judgement}");
        let expected = match kind {
            K::Set => CollectionValue::Members(["k2".to_owned()].into()),
            _ => map(&[("k2", "v2")]),
        };
        assert_eq!(entries(&mut rt, "bob", "c"), expected, "{kind}: the clear reached only what alice held");
    }
}

#[test]
fn concurrent_increments_on_five_nodes_add_up() {
    let mut rt = app_runtime(seed_or(15), 5, &[("visits", K::Counter), ("stock", K::PnCounter)]);
    let names = rt.node_names().to_vec();
    for round in 0..3 {
        for name in &names {
            rt.app_op(name.as_str(), CrdtOp::new("visits", K::Counter, Verb::Increment)).unwrap();
            let verb = if round == 1 { Verb::Decrement } else { Verb::Increment };
            rt.app_op(name.as_str(), CrdtOp::new("stock", K::PnCounter, verb)).unwrap();
        }
        rt.advance(ms(1));
    }
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let state = rt.app_state("erin");
    assert_eq!(state.collections["visits"], CollectionValue::Count(15));
    assert_eq!(state.collections["stock"], CollectionValue::Count(5));
}

#[test]
fn a_member_added_on_both_sides_is_there_once() {
    let mut rt = app_runtime(seed_or(16), 2, &[("tags", K::Set)]);
    split(&mut rt);
    rt.app_op("alice", insert("tags", K::Set, "rust", "")).unwrap();
    rt.advance(ms(3));
    rt.app_op("bob", insert("tags", K::Set, "rust", "")).unwrap();
    heal(&mut rt);
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    assert_eq!(entries(&mut rt, "alice", "tags"), CollectionValue::Members(["rust".to_owned()].into()));
}

#[test]
fn concurrent_pushes_keep_both_elements_in_push_order() {
    let push = |key: Option<&str>, value: &str| Verb::Push { key: key.map(str::to_owned), value: value.into() };
    let mut rt = app_runtime(seed_or(17), 2, &[("log", K::Vector), ("inbox", K::MapOfVectors)]);
    split(&mut rt);
    rt.app_op("alice", CrdtOp::new("log", K::Vector, push(None, "x"))).unwrap();
    rt.app_op("alice", CrdtOp::new("inbox", K::MapOfVectors, push(Some("q"), "x"))).unwrap();
    rt.advance(ms(5));
    // bob creates inbox["q"] too, independently: calimero derives the nested vector's id from
    // its entry, so both copies are one vector.
    rt.app_op("bob", CrdtOp::new("log", K::Vector, push(None, "y"))).unwrap();
    rt.app_op("bob", CrdtOp::new("inbox", K::MapOfVectors, push(Some("q"), "y"))).unwrap();
    heal(&mut rt);
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    let state = rt.app_state("bob");
    assert_eq!(state.collections["log"], CollectionValue::List(vec!["x".into(), "y".into()]));
    assert_eq!(
        state.collections["inbox"],
        CollectionValue::Lists([("q".to_owned(), vec!["x".into(), "y".into()])].into())
    );
}

/// docs/crdt.md's example, verbatim, so the docs cannot drift from the API.
#[test]
fn the_later_write_wins() {
    let mut rt = SimRuntime::with_seed(7);
    rt.apply_scenario(Scenario::app(2, &[("users", K::Map)]));
    rt.partition_bidirectional("alice", "bob", None);
    let insert = |v: &str| CrdtOp::new("users", K::Map, Verb::Insert { key: "k".into(), value: v.into() });
    rt.app_op("alice", insert("a")).unwrap();
    rt.advance(std::time::Duration::from_millis(5));
    rt.app_op("bob", insert("b")).unwrap();
    rt.heal_partition("alice", "bob");
    let stop = rt.run();
    assert!(rt.judge(stop).verdict.passed());
    assert_eq!(rt.app_state("alice"), rt.app_state("bob"));
    let users = rt.app_state("alice").collections["users"].clone();
    assert_eq!(users, CollectionValue::Entries([("k".to_owned(), "b".to_owned())].into()), "bob's later write");
}
