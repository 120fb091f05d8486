//! The type-tag oracle: an entity the live nodes hold must carry the same CRDT type on each of
//! them (calimero merges by it). It fires on a planted lost tag, naming the entity and the node,
//! and stays silent on correct runs.

use calimero_storage::address::Id;
use calimero_storage::index::Index;
use calimero_storage::store::{Key, MainStorage, StorageAdaptor};
use merosim::prelude::*;
use merosim::CollectionKind as K;
use merosim::{Oracle, Verdict};

use super::{app_runtime, finish, insert};

#[test]
fn a_lost_type_tag_fires_type_tag_and_names_the_node() {
    simulate(seed_or(71), || async {
        let world = World::new(71, FaultConfig::lan());
        world.declare_collections(&[("users".to_owned(), K::Map)]).unwrap();
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        // The same key on both: one entity (its id comes from the key), tagged alike.
        for node in [&alice, &bob] {
            world.at(node.id()).app_op(&insert("users", K::Map, "k", "v")).unwrap();
        }
        let quiet = merosim::judge(&world, StopCondition::Converged);
        assert_eq!(quiet.counts.get(&Oracle::TypeTag).map(|c| c.fired), Some(0), "{quiet}");
        // The plant: bob's copy of a tagged entity loses its tag, nothing else changes.
        let tagged = bob
            .storage()
            .entities()
            .unwrap()
            .into_iter()
            .find(|e| bob.storage().metadata(e.id).unwrap().is_some_and(|m| m.crdt_type.is_some()))
            .expect("a collection's entities carry their CRDT type");
        bob.storage().with_env(|| {
            let id = Id::new(tagged.id);
            let mut index = Index::<MainStorage>::get_index(id).unwrap().unwrap();
            index.metadata.crdt_type = None;
            assert!(MainStorage::storage_write(Key::Index(id), &borsh::to_vec(&index).unwrap()));
        });
        let judgement = merosim::judge(&world, StopCondition::Converged);
        assert_eq!(judgement.verdict, Verdict::TypeTag, "{judgement}");
        let culprit = judgement.culprit().expect("the oracle behind the verdict").detail.clone();
        assert!(culprit.contains(&hex::encode(&tagged.id[..8])) && culprit.contains("untagged on bob"), "{culprit}");
        // A tag lost from a copy sync brought is no finding's: F1's untagged copies are made on
        // their node, with a `created_at` of their own.
        let triage = merosim::triage(&merosim::evidence(&world, &judgement), "");
        assert!(matches!(triage, merosim::Triage::New { .. }), "{triage:?}");
    });
}

#[test]
fn type_tag_stays_silent_on_a_converged_app() {
    let kinds = [("users", K::Map), ("tags", K::Set), ("visits", K::Counter), ("inbox", K::MapOfVectors)];
    let mut rt = app_runtime(seed_or(72), 3, &kinds);
    for (node, key) in [("alice", "a"), ("bob", "b"), ("carol", "c")] {
        rt.app_op(node, insert("users", K::Map, key, "v")).unwrap();
        rt.app_op(node, insert("tags", K::Set, key, "")).unwrap();
    }
    let judgement = finish(&mut rt);
    assert!(judgement.verdict.passed(), "{judgement}");
    assert_eq!(judgement.counts.get(&Oracle::TypeTag).map(|c| (c.checked, c.fired)), Some((1, 0)));
}

/// HashComparison pushes an untagged leaf as `LwwRegister { inner_type: "Opaque" }`, by design
/// merge-equivalent to no tag: the receiver storing that stand-in where the sender has none is
/// not a lost tag (on the default sweep it is what every HashComparison-repaired leaf looks like).
#[test]
fn the_opaque_stand_in_for_no_tag_is_no_difference() {
    use calimero_primitives::crdt::CrdtType;
    simulate(seed_or(73), || async {
        let world = World::new(73, FaultConfig::lan());
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        alice.storage().upsert_typed([7; 32], None, b"leaf", None).unwrap();
        bob.storage().upsert_typed([7; 32], None, b"leaf", Some(CrdtType::lww_register("Opaque"))).unwrap();
        let quiet = merosim::judge(&world, StopCondition::Converged);
        assert_eq!(quiet.counts.get(&Oracle::TypeTag).map(|c| c.fired), Some(0), "{quiet}");
        // Any other tag where the sender has none is a difference.
        alice.storage().upsert_typed([8; 32], None, b"leaf", None).unwrap();
        bob.storage().upsert_typed([8; 32], None, b"leaf", Some(CrdtType::lww_register("String"))).unwrap();
        let fired = merosim::judge(&world, StopCondition::Converged);
        assert_eq!(fired.counts.get(&Oracle::TypeTag).map(|c| c.fired), Some(1), "{fired}");
    });
}
