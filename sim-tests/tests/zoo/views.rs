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
