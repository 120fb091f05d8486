//! Bugs in how deletions travel.

use merosim::prelude::*;
use merosim::Oracle;

use super::{on, Zoo};

/// tombstone-blind sync (fixed in 0.11.0-rc.1): alice deletes a leaf both held; a session each way
/// later, it is gone from both (the oracle: no lost delete).
#[test]
fn deletions_travel_by_sync() {
    simulate(131, || async {
        let zoo = Zoo::new(131);
        for node in [&zoo.alice, &zoo.bob] {
            for id in [[0xd0; 32], [0xd1; 32], [0xd2; 32]] {
                node.storage().upsert_with(id, None, &id[..4], &WriteMeta::at(1_000_000)).unwrap();
            }
        }
        zoo.world.delete(zoo.alice.id(), [0xd1; 32]).unwrap();
        for (initiator, responder) in [(&zoo.alice, &zoo.bob), (&zoo.bob, &zoo.alice)] {
            let report = zoo.sync(Protocol::HashComparison, initiator, responder).await;
            assert!(report.initiator.is_ok(), "{}{report:?}", on());
        }
        for node in [&zoo.alice, &zoo.bob] {
            assert!(!node.storage().exists([0xd1; 32]), "{}{} holds the deleted leaf", on(), node.name());
        }
        assert!(zoo.violations(Oracle::LostDelete).is_empty(), "{}{:?}", on(), zoo.violations(Oracle::LostDelete));
    });
}
