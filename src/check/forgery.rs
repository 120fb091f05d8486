//! **forgery**: no honest node keeps a delta as something its author did not commit. Every
//! delta a node persists names its author and its parents (calimero's `ContextDagDelta` row,
//! which its delta responder later serves to peers as the author's); the World recorded each
//! delta as its author committed it. A row that names another author is a forged authorship
//! taken (upstream's forged-author and copied-signature cases; calimero #2971 took unsigned
//! ones); a row with other parents is a replay with rewritten parents taken (#3540: before
//! calimero recomputed the id on receive, #3547, the same id and signature carried any parents),
//! and its actions were applied where the author's causal order did not hold.
//!
//! From 0.11.0-rc.9, where merosim's members sign, the row's envelope signature must also be its
//! author's over its id: a relay carrying a signature copied from another delta, kept, would be
//! one that verified nothing (upstream's copied-signature case).
//!
//! Only a Byzantine member makes any of these (`cluster/byzantine.rs`); in any other run the oracle
//! stays silent by construction, and says so by judging only runs with an adversary.

use super::listing::report;
use super::mechanism::Mechanism;
use crate::cluster::World;
use crate::oracle::{Oracle, Violation};

/// One delta row an honest node keeps as its author did not commit it, and the finding's
/// mechanism at work, if a known one is (a signature kept that its author did not make is none:
/// no release merosim signs on has been seen to keep one).
pub(crate) struct Forged {
    pub line: String,
    pub mechanism: Option<Mechanism>,
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
        // Every member's identity and name, read once: each row is held to them.
        let members: Vec<_> =
            world.nodes().iter().map(|n| (n.id(), n.storage().identity(), n.name().to_owned())).collect();
        let identity = |id| members.iter().find(|m| m.0 == id).map(|m| m.1);
        let name = |id| members.iter().find(|m| m.0 == id).map_or("someone", |m| m.2.as_str());
        let mut found = Vec::new();
        for node in world.live_nodes() {
            for row in crate::protocols::delta_rows(node.storage()) {
                let Some(made) = authentic.get(&row.id) else { continue };
                let delta = hex::encode(&row.id[..8]);
                let author = made.authors[0];
                if row.author.is_some_and(|claimed| !made.authors.iter().any(|a| identity(*a) == Some(claimed))) {
                    let claimed = members.iter().find(|m| Some(m.1) == row.author);
                    let claimed = claimed.map_or("someone else", |m| m.2.as_str());
                    found.push(Forged {
                        line: format!("{} keeps {}'s delta {delta} as {claimed}'s", node.name(), name(author)),
                        mechanism: Some(Mechanism::ForgedAuthorAdopted),
                    });
                }
                if row.signed_by_author == Some(false) {
                    found.push(Forged {
                        line: format!(
                            "{} keeps {}'s delta {delta} with a signature its author did not make for it",
                            node.name(),
                            name(author)
                        ),
                        mechanism: None,
                    });
                }
                if row.parents != made.parents {
                    found.push(Forged {
                        line: format!(
                            "{} keeps {}'s delta {delta} on other parents than it was committed on ({} of them, not {})",
                            node.name(),
                            name(author),
                            row.parents.len(),
                            made.parents.len()
                        ),
                        mechanism: Some(Mechanism::RewrittenParentsAdopted),
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
    /// mechanism (a copied signature, where members sign, under none); the row of an honest
    /// delivery does not; and the adversary's own rows are not judged.
    #[test]
    fn a_row_under_another_author_or_on_other_parents_fires_and_an_honest_one_does_not() {
        crate::protocols::seeded_runtime(7).block_on(async {
            let world = World::new(7, FaultConfig::none().with_byzantine(1));
            let [alice, bob, carol] = ["alice", "bob", "carol"].map(|n| world.add_node(n).expect("a node"));
            assert!(judged(&world) && world.is_byzantine(carol.id()) && !world.is_byzantine(bob.id()));
            let mut made = Vec::new();
            for (i, byte) in [1_u8, 2, 3, 4, 5].into_iter().enumerate() {
                let write = bob.storage().upsert([byte; 32], None, b"bob's").expect("a write");
                let (delta, signature) = commit_signed(bob.storage(), &[write]).expect("committed");
                world.book().authored(delta.id, bob.id(), delta.parents.clone());
                assert_eq!(delta.parents.len(), 1, "delta {i} is made on one parent");
                made.push((delta, signature));
            }
            let alices = NodeDeltas::standalone(alice.storage()).await.expect("alice's delta store");
            for (honest, signature) in made[..2].iter().cloned() {
                alices.add_received(honest, Some(bob.storage().identity()), None, signature).await;
            }
            assert!(forged(&world).is_empty(), "an honest delivery fired: {:?}", lines(&world));
            // A delta two members committed alike is each one's: alice's row keeps bob as the
            // author of one she committed too.
            world.book().authored(made[1].0.id, alice.id(), made[1].0.parents.clone());
            assert!(forged(&world).is_empty(), "a delta with two authors fired: {:?}", lines(&world));

            // Swapped parents (the first delta's, where the second is its real parent): a parent
            // the store holds, so every release's store takes it (from rc.25 it refuses an
            // emptied list on its own, #3565).
            let (mut replayed, signature) = made[2].clone();
            replayed.parents = vec![made[0].0.id];
            alices.add_received(replayed, Some(bob.storage().identity()), None, signature).await;
            let (claimed, signature) = made[3].clone();
            alices.add_received(claimed, Some(carol.storage().identity()), None, signature).await;
            let (later, _) = made[4].clone();
            alices.add_received(later, Some(bob.storage().identity()), None, made[0].1).await;
            let found: std::collections::BTreeSet<Mechanism> =
                forged(&world).iter().filter_map(|f| f.mechanism).collect();
            let both = [Mechanism::RewrittenParentsAdopted, Mechanism::ForgedAuthorAdopted].into();
            assert_eq!(found, both, "{:?}", lines(&world));
            // Where members sign (rc.9 on), the claimed author's row and the copied signature
            // each carry a signature its author did not make for that delta; no finding
            // explains one.
            let unsigned = forged(&world).iter().filter(|f| f.mechanism.is_none()).count();
            let signs = crate::protocols::calimero_since("0.11.0-rc.9");
            assert_eq!((forged(&world).len(), unsigned), if signs { (4, 2) } else { (2, 0) }, "{:?}", lines(&world));
            assert!(forgery(&world).is_some_and(|v| v.detail.contains("as carol's")), "{:?}", lines(&world));

            // What the adversary itself keeps is its own business.
            let carols = NodeDeltas::standalone(carol.storage()).await.expect("carol's delta store");
            let (delta, signature) = made[0].clone();
            let before = forged(&world).len();
            carols.add_received(delta, Some(alice.storage().identity()), None, signature).await;
            assert_eq!(forged(&world).len(), before, "{:?}", lines(&world));
        });
    }

    fn lines(world: &World) -> Vec<String> {
        forged(world).into_iter().map(|f| f.line).collect()
    }
}
