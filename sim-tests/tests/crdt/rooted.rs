//! An `#[app::state]` app's `Root<T>` (`--scenario crdt-rooted`): every call commits the root
//! entry, deltas merge it with the app's typed merge (calimero's registry, as inside the app's
//! WASM), and HashComparison carries it as calimero-node carries a leaf without a CRDT type.

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Verb};
use sim_tests::{filed_as, known};

use super::{app_runtime, ms};

fn set(key: &str, value: &str) -> CrdtOp {
    CrdtOp::new("state", K::Rooted, Verb::Insert { key: key.into(), value: value.into() })
}

fn unset(key: &str) -> CrdtOp {
    CrdtOp::new("state", K::Rooted, Verb::Remove { key: key.into() })
}

/// What node `node`'s app reads in its state's view under `name` (`title`, `unset`, `item/k`).
fn read(rt: &mut SimRuntime, node: &str, name: &str) -> Option<String> {
    match &rt.app_state(node).collections["state"] {
        CollectionValue::Entries(view) => view.get(name).cloned(),
        other => panic!("the app's state reads as {other:?}"),
    }
}

/// F22 through deltas alone: alice sets `k1` (the title) and bob unsets `k0` at the same
/// instant, every delta delivered. Each root entry is the state followed by its id, which the
/// app's typed merge cannot read, so alice takes bob's newer root entry whole and bob drops
/// alice's older one: both lose alice's title before any sync session runs, and keep bob's unset.
/// The keys themselves are entities of their own and merge as entries do.
#[test]
fn concurrent_calls_keep_the_newest_root_entry_whole() {
    let mut rt = app_runtime(seed_or(3), 2, &[("state", K::Rooted)]);
    rt.app_op("alice", set("k0", "a0")).unwrap();
    rt.advance(ms(50));
    rt.app_op("alice", set("k1", "a1")).unwrap();
    rt.app_op("bob", unset("k0")).unwrap();
    // The deltas land; no sync session has run yet.
    rt.advance(ms(20));
    for node in ["alice", "bob"] {
        let registers = (read(&mut rt, node, "title"), read(&mut rt, node, "unset"));
        assert_eq!(registers, (Some("a0".into()), Some("k0".into())), "{node}: bob's root entry, whole");
        assert_eq!(read(&mut rt, node, "item/k1").as_deref(), Some("a1"), "{node}: alice's key (its own entity)");
        assert_eq!(read(&mut rt, node, "item/k0"), None, "{node}: bob's unset key");
    }
    let stop = rt.run();
    assert_eq!(filed_as(&mut rt, stop), known(&["F22"]), "alice's title is lost for good");
}

/// The first call installs the app (its init) on alice, and bob then holds alice's state.
#[test]
fn the_first_call_installs_the_app_and_peers_take_its_state() {
    let mut rt = app_runtime(seed_or(4), 2, &[("state", K::Rooted)]);
    rt.app_op("alice", set("k0", "a0")).unwrap();
    rt.advance(ms(50));
    assert_eq!(read(&mut rt, "bob", "item/k0").as_deref(), Some("a0"), "bob holds alice's state");
    assert_eq!(read(&mut rt, "bob", "title").as_deref(), Some("a0"));
}

/// F22 across a partition: alice sets `k1` (the title) while cut off from bob, who unsets `k0`
/// just after. Healed, the two root entries meet — by the deltas HashComparison's sessions and
/// the DAG catch-up bring, or by HashComparison itself, which carries a leaf without a CRDT type
/// as opaque and writes it whole — and every path takes the newer, bob's, whole: alice's title
/// is lost on both nodes, and triage files it under F22 alone.
#[test]
fn f22_a_register_written_apart_is_lost_when_the_root_entries_meet() {
    let mut rt = app_runtime(seed_or(22), 2, &[("state", K::Rooted)]);
    rt.app_op("alice", set("k0", "a0")).unwrap();
    rt.advance(ms(50));
    rt.partition_bidirectional("alice", "bob", None);
    rt.app_op("alice", set("k1", "a1")).unwrap();
    rt.advance(ms(5));
    rt.app_op("bob", unset("k0")).unwrap();
    rt.advance(ms(50));
    rt.heal_partition("alice", "bob");
    let stop = rt.run();
    let judgement = rt.judge(stop);
    assert!(judgement.to_string().contains(r#"state.title = "a0", not the last write"#), "{judgement}");
    for node in ["alice", "bob"] {
        assert_eq!(read(&mut rt, node, "title").as_deref(), Some("a0"), "{node} lost alice's title");
        assert_eq!(read(&mut rt, node, "unset").as_deref(), Some("k0"), "{node} keeps bob's unset");
    }
    assert_eq!(filed_as(&mut rt, stop), known(&["F22"]), "triage files it under F22 and nothing else");
}

/// The default sweep meets F22 unaimed: seed 1954 of `any` draws `crdt-rooted` on two nodes, bob
/// unsets a key and alice sets it again a millisecond later, and bob's newer root entry takes
/// the title's last write away. It is filed under F22 (with F8 on releases whose tombstones are
/// final), never NEW — at first the `crdt-semantics` check took alice's register entry, which
/// starts with the key as a tag does, for the tag of a key already tagged — and replays byte
/// for byte.
#[test]
fn the_default_sweep_files_its_root_state_seeds_under_f22() {
    use merosim::{NodePath, RunSpec, Triage};
    if !NodePath::Production.available() {
        return;
    }
    let spec = RunSpec::new(1954, "any".parse().unwrap(), FaultPreset::Any);
    let outcome = sim_tests::assert_replays(&spec);
    match outcome.triage(&spec.flags()) {
        Some(Triage::Known(known)) => assert!(known.contains(&"F22"), "filed {known:?}\n{outcome}"),
        other => panic!("{other:?}\n{outcome}\n{}", spec.repro()),
    }
}

/// Under `byzantine`, `crdt-rooted` seed 3 once calimero refuses a replay on rewritten parents
/// (#3547, after 0.11.0-rc.23; before, the member's replays are taken and the seed is that
/// finding's): the honest nodes agree within
/// seconds of the heal, but mallory, which runs calimero's code for its own state, meets F13 in
/// its own store (a key carol set again after unsetting it is live there and unlisted by its
/// parent), and HashComparison never repairs that, so the honest nodes' sessions with mallory
/// never end and the run stops at its liveness bound. Triage files it under F13, the member's
/// own, not NEW.
#[test]
fn a_byzantine_member_stuck_in_f13_keeps_the_honest_nodes_syncing() {
    use merosim::{NodePath, RunSpec, Triage};
    if !NodePath::Production.available() || !merosim::calimero_since("0.11.0-rc.24") {
        return;
    }
    let spec = RunSpec::new(3, "crdt-rooted".parse().unwrap(), FaultPreset::Byzantine);
    let outcome = sim_tests::assert_replays(&spec);
    match outcome.triage(&spec.flags()) {
        Some(Triage::Known(known)) => assert_eq!(known, ["F13"], "{outcome}"),
        other => panic!("{other:?}\n{outcome}\n{}", spec.repro()),
    }
}
