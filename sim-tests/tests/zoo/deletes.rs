//! Bugs in how deletions travel.

use merosim::prelude::*;
use merosim::Oracle;

use super::{action, setup, symptom, Zoo};

/// tombstone-blind sync (fixed in 0.11.0-rc.1): alice deletes a leaf both held; a session each way
/// later, it is gone from both (the oracle: no lost delete).
#[test]
fn deletions_travel_by_sync() {
    simulate(131, || async {
        let zoo = Zoo::new(131);
        for node in [&zoo.alice, &zoo.bob] {
            for id in [[0xd0; 32], [0xd1; 32], [0xd2; 32]] {
                setup(node.storage().upsert_with(id, None, &id[..4], &WriteMeta::at(1_000_000)), "three shared leaves");
            }
        }
        setup(zoo.world.at(zoo.alice.id()).delete([0xd1; 32]), "alice deletes one");
        for (initiator, responder) in [(&zoo.alice, &zoo.bob), (&zoo.bob, &zoo.alice)] {
            let report = zoo.sync(Protocol::HashComparison, initiator, responder).await;
            action(report.initiator, "a session each way");
        }
        for node in [&zoo.alice, &zoo.bob] {
            symptom(node.storage().exists([0xd1; 32]), format!("{} holds the deleted leaf", node.name()));
        }
        let lost = zoo.violations(Oracle::LostDelete);
        symptom(!lost.is_empty(), format!("lost-delete: {lost:?}"));
    });
}
