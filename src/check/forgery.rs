//! **forgery**: no honest node keeps a delta as something its author did not commit. Every
//! delta a node persists names its author and its parents (calimero's `ContextDagDelta` row,
//! which its delta responder later serves to peers as the author's); the World recorded each
//! delta as its author committed it. A row that names another author is a forged authorship
//! taken (upstream's forged-author and copied-signature cases; calimero #2971 took unsigned
//! ones); a row with other parents is a replay with rewritten parents taken (#3540: before
//! calimero recomputed the id on receive, #3547, the same id and signature carried any parents),
//! and its actions were applied where the author's causal order did not hold.
//!
//! Only a Byzantine member makes either (`cluster/byzantine.rs`); in any other run the oracle
//! stays silent by construction, and says so by judging only runs with an adversary.

use super::listing::report;
use super::mechanism::Mechanism;
use crate::cluster::World;
use crate::oracle::{Oracle, Violation};

/// One delta row an honest node keeps as its author did not commit it.
pub(crate) struct Forged {
    pub line: String,
    pub mechanism: Mechanism,
}

/// Whether this run has anyone to forge (the oracle judges only such runs).
pub(crate) fn judged(world: &World) -> bool {
    world.config().faults.nodes.byzantine > 0
}

/// Every row an honest live node holds against its author's commit.
pub(crate) fn forged(world: &World) -> Vec<Forged> {
    #[cfg(calimero_node_path)]
    {
        let authentic = world.book().authentic().clone();
        let identity = |id| world.node(id).map(|n| n.storage().identity());
        let name = |id| world.at(id).name();
        let mut found = Vec::new();
        for node in world.live_nodes() {
            for row in crate::protocols::delta_rows(node.storage()) {
                let Some(made) = authentic.get(&row.id) else { continue };
                let delta = hex::encode(&row.id[..8]);
                if row.author.is_some_and(|claimed| Some(claimed) != identity(made.author)) {
                    let claimed = world.nodes().into_iter().find(|n| Some(n.storage().identity()) == row.author);
                    let claimed = claimed.map_or_else(|| "someone else".to_owned(), |n| n.name().to_owned());
                    found.push(Forged {
                        line: format!("{} keeps {}'s delta {delta} as {claimed}'s", node.name(), name(made.author)),
                        mechanism: Mechanism::ForgedAuthorAdopted,
                    });
                }
                if row.parents != made.parents {
                    found.push(Forged {
                        line: format!(
                            "{} keeps {}'s delta {delta} on {} parents, not the {} it was committed on",
                            node.name(),
                            name(made.author),
                            row.parents.len(),
                            made.parents.len()
                        ),
                        mechanism: Mechanism::RewrittenParentsAdopted,
                    });
                }
            }
        }
        found
    }
    #[cfg(not(calimero_node_path))]
    {
        let _ = world;
        Vec::new()
    }
}

/// Rows honest nodes keep against what their authors committed, if any.
pub fn forgery(world: &World) -> Option<Violation> {
    let lines = forged(world).into_iter().map(|f| f.line).collect();
    report(world, Oracle::Forgery, lines, "deltas kept as their authors did not commit them")
}

#[cfg(all(test, calimero_node_path))]
mod tests {
    use super::*;
    use crate::net::FaultConfig;
    use crate::protocols::{commit_signed, NodeDeltas};

    /// Rows planted as a Byzantine member's lies would leave them fire, each under its own
    /// mechanism; the row of an honest delivery does not; and the adversary's own rows are not
    /// judged.
    #[test]
    fn a_row_under_another_author_or_on_other_parents_fires_and_an_honest_one_does_not() {
        crate::protocols::seeded_runtime(7).block_on(async {
            let world = World::new(7, FaultConfig::none().with_byzantine(1));
            let [alice, bob, carol] = ["alice", "bob", "carol"].map(|n| world.add_node(n).expect("a node"));
            assert!(judged(&world) && world.is_byzantine(carol.id()) && !world.is_byzantine(bob.id()));
            let mut made = Vec::new();
            for (i, byte) in [1_u8, 2, 3].into_iter().enumerate() {
                let write = bob.storage().upsert([byte; 32], None, b"bob's").expect("a write");
                let (delta, signature) = commit_signed(bob.storage(), &[write]).expect("committed");
                world.book().authored(delta.id, bob.id(), delta.parents.clone());
                assert_eq!(delta.parents.len(), 1, "delta {i} is made on one parent");
                made.push((delta, signature));
            }
            let alices = NodeDeltas::standalone(alice.storage()).await.expect("alice's delta store");
            let (honest, signature) = made[0].clone();
            alices.add_received(honest, Some(bob.storage().identity()), None, signature).await;
            assert!(forged(&world).is_empty(), "an honest delivery fired: {:?}", lines(&world));

            let (mut replayed, signature) = made[1].clone();
            replayed.parents.clear();
            alices.add_received(replayed, Some(bob.storage().identity()), None, signature).await;
            let (claimed, signature) = made[2].clone();
            alices.add_received(claimed, Some(carol.storage().identity()), None, signature).await;
            let found: std::collections::BTreeSet<Mechanism> = forged(&world).iter().map(|f| f.mechanism).collect();
            let both = [Mechanism::RewrittenParentsAdopted, Mechanism::ForgedAuthorAdopted].into();
            assert_eq!((found, forged(&world).len()), (both, 2), "{:?}", lines(&world));
            assert!(forgery(&world).is_some_and(|v| v.detail.contains("as carol's")), "{:?}", lines(&world));

            // What the adversary itself keeps is its own business.
            let carols = NodeDeltas::standalone(carol.storage()).await.expect("carol's delta store");
            let (delta, signature) = made[0].clone();
            carols.add_received(delta, Some(alice.storage().identity()), None, signature).await;
            assert_eq!(forged(&world).len(), 2, "{:?}", lines(&world));
        });
    }

    fn lines(world: &World) -> Vec<String> {
        forged(world).into_iter().map(|f| f.line).collect()
    }
}
