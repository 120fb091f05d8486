//! Run-level oracles, judged over a whole World (when a run stops):
//!
//! - **root-mismatch**: live nodes holding the same live state must report the same root hash. A
//!   Merkle root that depends on more than the data (say, the order children were created in)
//!   keeps nodes syncing forever over nothing; the report names each node's root and the first
//!   parent whose children differ in order or hash.
//! - **lost-delete**: an entity whose winning operation (by timestamp, as calimero merges) was a
//!   delete is absent from every live node.

use std::collections::BTreeMap;

use super::data_loss::expectations;
use super::listing::report;
use crate::cluster::World;
use crate::ids::{short_id, EntityId, NodeId};
use crate::oracle::{Oracle, Signal, Violation};
use crate::store::{EntityMeta, SimNode, SimStorage};

/// Nodes with equal live state but different roots, if any.
pub fn root_mismatch(world: &World) -> Option<Violation> {
    let (_, detail) = mismatch(world)?;
    Some(violation(Oracle::RootMismatch, world, detail))
}

/// Where two trees holding equal live state first differ (see [`first_difference`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mismatch {
    /// The parent lists different children on the two nodes (`between`): the ids only one of
    /// them lists.
    Children { parent: EntityId, apart: Vec<EntityId>, between: [NodeId; 2] },
    /// The same children, in a different stored order.
    Order { parent: EntityId },
    /// Same children and child hashes; the entity's own bytes hash differently.
    OwnHash { entity: EntityId },
    /// Nothing the walk can name, or a parent missing on one side.
    Other,
}

/// The first group of live nodes with equal live state and different roots: where its first two
/// such trees differ, and the report's words for it.
pub(crate) fn mismatch(world: &World) -> Option<(Mismatch, String)> {
    let live = world.live_nodes();
    let mut groups: BTreeMap<[u8; 32], Vec<&SimNode>> = BTreeMap::new();
    for node in &live {
        groups.entry(node.storage().digest().ok()?).or_default().push(node);
    }
    for nodes in groups.values() {
        let roots: Vec<[u8; 32]> = nodes.iter().map(|n| n.storage().root_hash().unwrap_or_default()).collect();
        let Some(other) = roots.iter().position(|r| *r != roots[0]) else { continue };
        let listing: Vec<String> =
            nodes.iter().zip(&roots).map(|(n, r)| format!("{} {}", n.name(), hex::encode(&r[..8]))).collect();
        let (found, words) = first_difference(nodes[0], nodes[other]);
        return Some((found, format!("equal live state, different roots: {}\n{words}", listing.join(", "))));
    }
    None
}

/// Entities whose winning operation is a delete and that are still live somewhere, if any.
/// "Winning" as calimero-storage merges: by timestamp (a skewed clock's delete can lose to an
/// earlier write), a delete winning a tie.
pub fn lost_deletes(world: &World) -> Option<Violation> {
    let lines = revived(world).into_iter().map(|r| r.line).collect();
    report(world, Oracle::LostDelete, lines, "deleted entities are live again")
}

/// A deleted entity live again: who deleted it, and where it lives.
pub(crate) struct Revived {
    pub entity: EntityId,
    pub by: String,
    pub holders: Vec<String>,
    pub line: String,
}

/// Each entity [`lost_deletes`] reports, with its line.
pub(crate) fn revived(world: &World) -> Vec<Revived> {
    let live = world.live_nodes();
    let records = world.writes();
    let mut lost = Vec::new();
    for (entity, expected) in expectations(&records).into_iter().filter(|(_, e)| e.deleted) {
        let holders: Vec<&str> = live.iter().filter(|n| n.storage().exists(entity)).map(|n| n.name()).collect();
        if !holders.is_empty() {
            let op = expected.winners[0];
            let by = world.at(op.node).name();
            let line = format!(
                "{} (deleted by {by} at {:.3}s) live on {}",
                short_id(&entity),
                op.at.as_secs_f64(),
                holders.join(",")
            );
            let holders = holders.into_iter().map(str::to_owned).collect();
            lost.push(Revived { entity, by: by.to_owned(), holders, line });
        }
    }
    lost
}

fn violation(oracle: Oracle, world: &World, detail: String) -> Violation {
    Violation { oracle, signal: Signal::Silent, at: world.router().now(), session: None, detail }
}

/// Walks two trees from the root to the first entity where they differ: in a parent's children
/// (membership), below it (descending into the first child whose hash differs), in its own
/// bytes, or only in the stored order of its children.
fn first_difference(a: &SimNode, b: &SimNode) -> (Mismatch, String) {
    let label = |id: &EntityId, root: &EntityId| if id == root { "root".to_owned() } else { short_id(id) };
    let root = *a.storage().root_id().as_bytes();
    let mut parent = root;
    for _ in 0..crate::store::MAX_WALK_DEPTH {
        let (Some(ma), Some(mb)) = (meta(a.storage(), parent), meta(b.storage(), parent)) else {
            return (Mismatch::Other, format!("{} is missing on one side", label(&parent, &root)));
        };
        let here = label(&parent, &root);
        let (mut sa, mut sb) = (ma.children.clone(), mb.children.clone());
        sa.sort_unstable();
        sb.sort_unstable();
        if sa != sb {
            let only_a: Vec<EntityId> = sa.iter().filter(|c| !sb.contains(c)).copied().collect();
            let only_b: Vec<EntityId> = sb.iter().filter(|c| !sa.contains(c)).copied().collect();
            // Each child apart, with what each side holds of it (live, a tombstone, nothing).
            let state = |n: &SimNode, id: &EntityId| match meta(n.storage(), *id) {
                Some(m) if m.deleted_at.is_some() => "tombstone",
                Some(_) => "live",
                None => "nothing",
            };
            let few = |ids: &[EntityId]| {
                let named: Vec<String> =
                    ids.iter().map(|id| format!("{} ({} vs {})", short_id(id), state(a, id), state(b, id))).collect();
                super::listing::first_n(&named, 4)
            };
            let words = format!(
                "{here} has different children on {} and {}: only on {} [{}], only on {} [{}]",
                a.name(),
                b.name(),
                a.name(),
                few(&only_a),
                b.name(),
                few(&only_b)
            );
            let apart = only_a.into_iter().chain(only_b).collect();
            return (Mismatch::Children { parent, apart, between: [a.id(), b.id()] }, words);
        }
        // What makes the hashes differ first: a child's subtree, then the entity's own bytes. The
        // order of the list comes last: from 0.10.1-rc.41 (#2418) a parent hashes its children
        // by id, so an order difference beside another one is not what moved the hash.
        let hash = |s: &SimStorage, id: &EntityId| meta(s, *id).map(|m| m.full_hash);
        if let Some(child) = ma.children.iter().find(|c| hash(a.storage(), c) != hash(b.storage(), c)) {
            parent = *child;
            continue;
        }
        if ma.own_hash != mb.own_hash {
            return (Mismatch::OwnHash { entity: parent }, format!("{here}'s own bytes hash differently"));
        }
        if ma.children != mb.children {
            let order = |m: &EntityMeta| m.children.iter().map(short_id).collect::<Vec<_>>().join(",");
            let words = format!(
                "{here} lists the same children in a different order: {} [{}] vs {} [{}]",
                a.name(),
                order(&ma),
                b.name(),
                order(&mb)
            );
            return (Mismatch::Order { parent }, words);
        }
        let words = format!("{here}: same children, same child hashes, same own hash, different full hash");
        return (Mismatch::Other, words);
    }
    (Mismatch::Other, "no difference found within the walk's depth".to_owned())
}

pub(super) fn meta(storage: &SimStorage, id: EntityId) -> Option<EntityMeta> {
    storage.metadata(id).ok().flatten()
}
