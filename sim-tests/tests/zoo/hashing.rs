//! Bugs in how calimero-storage hashes the tree.

use merosim::prelude::*;
use merosim::Oracle;

use super::{precondition, setup, symptom, Zoo};

/// #2418 (fixed in 0.10.1-rc.42): the same children, created in a different order on each node,
/// hash alike — and so no sync runs forever over equal data (the oracle: no root-mismatch).
#[test]
fn same_children_in_a_different_order_hash_alike() {
    simulate(121, || async {
        let zoo = Zoo::new(121);
        let children = [[0x21; 32], [0x22; 32], [0x23; 32]];
        for id in children {
            setup(zoo.alice.storage().upsert(id, None, &id[..4]), "alice's children");
        }
        for id in children.iter().rev() {
            setup(zoo.bob.storage().upsert(*id, None, &id[..4]), "bob's children, in reverse");
        }
        precondition(zoo.alice.storage().digest().unwrap() == zoo.bob.storage().digest().unwrap(), "equal data");
        let (a, b) = (zoo.alice.storage().root_hash().unwrap(), zoo.bob.storage().root_hash().unwrap());
        symptom(a != b, format!("equal data, roots {} vs {}", short_id(&a), short_id(&b)));
        let mismatch = zoo.violations(Oracle::RootMismatch);
        symptom(!mismatch.is_empty(), format!("root-mismatch: {mismatch:?}"));
    });
}

/// #2418 as an app meets it: two nodes fill the same map with the same entries, each in its own
/// order (an app initialising shared defaults), so each entry's `created_at` differs between
/// them. The app state is equal; the fixed release gives equal roots too.
#[test]
fn map_entries_made_in_a_different_order_hash_alike() {
    use merosim::{CollectionKind as K, CrdtOp, Verb};
    simulate(122, || async {
        let world = World::new(122, FaultConfig::lan());
        setup(world.declare_collections(&[("users".to_owned(), K::Map)]), "a map");
        let (alice, bob) = (world.add_node("alice").unwrap(), world.add_node("bob").unwrap());
        let insert = |key: &str| CrdtOp::new("users", K::Map, Verb::Insert { key: key.into(), value: "same".into() });
        let keys = ["k1", "k2", "k3"];
        for key in keys {
            setup(world.at(alice.id()).app_op(&insert(key)), "alice's inserts");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        for key in keys.iter().rev() {
            setup(world.at(bob.id()).app_op(&insert(key)), "bob's inserts, in reverse");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let layout = world.layout().unwrap();
        let (a, b) =
            (setup(layout.read(alice.storage()), "alice reads"), setup(layout.read(bob.storage()), "bob reads"));
        precondition(a == b, "both apps read the same map");
        let (a, b) = (alice.storage().root_hash().unwrap(), bob.storage().root_hash().unwrap());
        symptom(a != b, format!("equal app state, roots {} vs {}", short_id(&a), short_id(&b)));
    });
}
