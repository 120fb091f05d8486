//! Bugs in the sorted collections' ordered index: node-local, never synced, trusted while its
//! validity marker matches the collection's hash.

use merosim::prelude::*;
use merosim::{CollectionKind as K, CollectionValue, CrdtOp, Oracle, Verb};

use super::{action, precondition, symptom_of};

fn insert(key: &str) -> CrdtOp {
    CrdtOp::new("ranking", K::SortedMap, Verb::Insert { key: key.into(), value: format!("v-{key}") })
}

/// #3338, with #3323 and #3328 (all fixed in 0.11.0-rc.19): a key that reached a node by sync is
/// read in order there after the node's next local write. alice and bob each insert a key and
/// sync; sync applies entries without touching the node-local ordered index, so bob's index
/// lacks alice's key until a rebuild. bob then inserts a third key. Before the fix that local
/// insert stamped the index's validity marker with the collection's new hash over the stale
/// index, so bob's ordered reads (`range`, `page`, `first`, `last`, which seek the index) left
/// alice's key out until a later change staled the marker again, though `get` finds it. From
/// rc.19 the insert leaves a stale index stale and the next ordered read rebuilds it.
#[test]
fn a_key_that_arrived_by_sync_is_read_in_order() {
    let mut rt = SimRuntime::with_config(SimConfig::with_seed(3338).max_time(120_000));
    rt.apply_scenario(Scenario::app(2, &[("ranking", K::SortedMap)]));
    action(rt.app_op("alice", insert("a")), "alice inserts a");
    action(rt.app_op("bob", insert("b")), "bob inserts b");
    rt.run();
    let both: std::collections::BTreeMap<String, String> =
        [("a", "v-a"), ("b", "v-b")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
    let bob = rt.app_state("bob").collections["ranking"].clone();
    precondition(bob == CollectionValue::Entries(both), "sync brought alice's key to bob");
    action(rt.app_op("bob", insert("c")), "bob inserts c");
    let stale: Vec<String> = rt
        .judge(StopCondition::Converged)
        .violations
        .into_iter()
        .filter(|v| v.oracle == Oracle::OrderedRead)
        .map(|v| v.detail)
        .collect();
    symptom_of("#3338", !stale.is_empty(), format!("ordered-read: {stale:?}"));
}
