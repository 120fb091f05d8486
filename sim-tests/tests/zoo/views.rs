//! Bugs in what an app's view hands a client: calimero's `serde::Serialize` of its collections.

use merosim::CollectionKind as K;
use sim_tests::{made_in_opposite_orders, serialized_apart};

use super::{precondition, symptom_of};

/// #3165 (fixed in 0.11.0-rc.10): a map two nodes read alike serializes alike. alice and bob
/// each insert `k1`–`k3` with the same values, in opposite orders, apart; healed, their apps read
/// the same map. Before the fix `Serialize` (and `Eq`, `Ord`) followed the stored child list,
/// which orders entries by when each node made them, so alice's view returned `k1, k2, k3` and
/// bob's `k3, k2, k1` — a client, or anything hashing the bytes, told the replicas apart. From
/// rc.10 the map serializes sorted by key.
#[test]
fn a_map_serializes_alike_on_every_node() {
    let mut rt = made_in_opposite_orders(3165, "users", K::Map);
    let stop = rt.run();
    precondition(rt.app_state("alice") == rt.app_state("bob"), "both apps read the same map");
    let apart = serialized_apart(&mut rt, stop);
    symptom_of("#3165", !apart.is_empty(), format!("app-view: {apart:?}"));
}

/// #3148 (fixed in 0.11.0-rc.10): an app that stores a two-level map flat under calimero's
/// `CompositeKey` reads back the places it wrote. alice files `title` under the document
/// `doc::draft`; bob, concurrently, files `draft::title` under `doc`. Both names are ones apps
/// use (namespaced ids, field paths). Before the fix `CompositeKey::new` joined the parts with
/// `::`, so both places were stored under the one key `doc::draft::title`: the two writes met as
/// one entry, sync kept one of them, and `CompositeKey::parse` split it at the first `::`, so
/// both apps read a single entry at `doc` / `draft::title` and alice's place was gone. From rc.10
/// the parts are length-prefixed and both places survive sync.
#[test]
fn a_two_level_key_reads_back_as_written() {
    use merosim::prelude::*;
    use merosim::{CollectionValue, CrdtOp, Verb};

    let insert =
        |key: &str, value: &str| CrdtOp::new("docs", K::Nested, Verb::Insert { key: key.into(), value: value.into() });
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(3148).max_time(120_000));
    rt.apply_scenario(Scenario::app(2, &[("docs", K::Nested)]));
    super::action(rt.app_op("alice", insert("doc::draft/title", "alice's")), "alice writes doc::draft / title");
    super::action(rt.app_op("bob", insert("doc/draft::title", "bob's")), "bob writes doc / draft::title");
    rt.run();
    let (alice, bob) = (rt.app_state("alice"), rt.app_state("bob"));
    precondition(alice == bob, "sync brought both apps to one reading");
    let want: std::collections::BTreeMap<String, String> =
        [("doc::draft/title", "alice's"), ("doc/draft::title", "bob's")].map(|(k, v)| (k.into(), v.into())).into();
    let read = alice.collections["docs"].clone();
    symptom_of("#3148", read != CollectionValue::Entries(want), format!("alice and bob read {read:?}"));
}
