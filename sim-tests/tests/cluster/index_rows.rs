//! The index-rows oracle: a node's index and its entry rows describe the same entities. It fires
//! on a planted entry row lost under its index entry, and on planted bytes no index entry names,
//! and stays silent on a correct run; where it fires beside another failure, it leaves the
//! verdict to that one.

use calimero_storage::address::Id;
use calimero_storage::store::{Key, MainStorage, StorageAdaptor};
use merosim::prelude::*;
use merosim::{judge, Oracle, Verdict};

fn fired(world: &World) -> Vec<String> {
    sim_tests::fired(world, Oracle::IndexRows)
}

#[test]
fn an_entity_indexed_without_its_bytes_fires_index_rows() {
    simulate(seed_or(91), || async {
        let world = World::new(91, FaultConfig::none());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        for node in [&alice, &bob] {
            node.storage().upsert([9; 32], None, b"leaf").unwrap();
        }
        assert_eq!(fired(&world), Vec::<String>::new(), "every indexed entity has its bytes");
        // The plant: bob's entry row goes, his index entry (and so his root hash) stays.
        bob.storage().with_env(|| assert!(MainStorage::storage_remove(Key::Entry(Id::new([9; 32])))));
        let judgement = judge(&world, StopCondition::Converged);
        assert_eq!(judgement.verdict, Verdict::IndexRows, "{judgement}");
        let culprit = judgement.culprit().expect("the oracle behind the verdict").detail.clone();
        assert!(culprit.contains("0909090909090909 on bob: indexed without its bytes"), "{culprit}");
        // A leaf, not an interior entity sync made as an ancestor: no finding explains it.
        let pieces = merosim::evidence(&world, &judgement).pieces;
        assert!(pieces.iter().any(|p| p.what.starts_with("index-rows:") && p.by.is_empty()), "{pieces:?}");
    });
}

#[test]
fn bytes_no_index_entry_names_fire_index_rows() {
    simulate(seed_or(92), || async {
        let world = World::new(92, FaultConfig::none());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        alice.storage().upsert([9; 32], None, b"leaf").unwrap();
        bob.storage().with_env(|| assert!(MainStorage::storage_write(Key::Entry(Id::new([9; 32])), b"leaf")));
        let lines = fired(&world);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("0909090909090909 on bob: bytes without an index entry"), "{}", lines[0]);
    });
}

#[test]
fn index_rows_stays_silent_on_a_converged_run() {
    let mut rt = SimRuntime::with_seed(seed_or(93));
    rt.apply_scenario(Scenario::n_nodes_diverged(3, 10));
    let stop = rt.run();
    let judgement = rt.judge(stop);
    assert!(judgement.verdict.passed(), "{judgement}");
    assert_eq!(judgement.counts.get(&Oracle::IndexRows).map(|c| (c.checked, c.fired)), Some((1, 0)));
}
