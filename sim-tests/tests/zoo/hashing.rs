//! Bugs in how calimero-storage hashes the tree.

use merosim::cluster::Oracle;
use merosim::prelude::*;

use super::{on, precondition, Zoo};

/// #2418 (fixed in 0.10.1-rc.42): the same children, created in a different order on each node,
/// hash alike — and so no sync runs forever over equal data (the oracle: no root-mismatch).
#[test]
fn same_children_in_a_different_order_hash_alike() {
    simulate(121, || async {
        let zoo = Zoo::new(121);
        let children = [[0x21; 32], [0x22; 32], [0x23; 32]];
        for id in children {
            zoo.alice.storage().upsert(id, None, &id[..4]).unwrap();
        }
        for id in children.iter().rev() {
            zoo.bob.storage().upsert(*id, None, &id[..4]).unwrap();
        }
        precondition(zoo.alice.storage().digest().unwrap() == zoo.bob.storage().digest().unwrap(), "equal data");
        assert!(zoo.violations(Oracle::RootMismatch).is_empty(), "{}{:?}", on(), zoo.violations(Oracle::RootMismatch));
        assert_eq!(zoo.alice.storage().root_hash().unwrap(), zoo.bob.storage().root_hash().unwrap(), "{}", on());
    });
}
