//! **index-rows**: a node's index and its data rows describe the same entities. Every live
//! entity the index lists has its bytes (an entry row), and no node holds an entity's bytes
//! without its index entry. calimero keeps the two apart (`Key::Index`, `Key::Entry`): an index
//! entry without bytes is an entity that exists in the tree and reads as nothing (calimero's
//! `find_by_id` finds no row); bytes without an index entry are state no walk, hash or sync ever
//! sees. Upstream's own simulation suite checks the first ("every indexed entity has a data row").

use std::collections::BTreeSet;

use super::listing::report;
use super::oracles::meta;
use crate::cluster::World;
use crate::ids::EntityId;
use crate::oracle::{Oracle, Violation};

/// One entity whose index and bytes disagree on a node.
pub(super) struct Unpaired {
    pub node: String,
    pub entity: EntityId,
    /// `true`: indexed without bytes; `false`: bytes without an index entry.
    pub bare: bool,
}

impl Unpaired {
    pub fn line(&self) -> String {
        let what = if self.bare { "indexed without its bytes" } else { "bytes without an index entry" };
        format!("{} on {}: {what}", hex::encode(&self.entity[..8]), self.node)
    }
}

/// Every entity whose index and bytes disagree on some live node. The reverse direction is asked
/// of every live entity some live node indexes: an entry row's key is a hash, so the rows of an id
/// no index names cannot be listed.
pub(super) fn unpaired(world: &World) -> Vec<Unpaired> {
    let live = world.live_nodes();
    let mut out = Vec::new();
    let mut known: BTreeSet<EntityId> = BTreeSet::new();
    for node in &live {
        let storage = node.storage();
        let Ok(entities) = storage.entities() else { continue };
        let indexed = std::iter::once(*storage.root_id().as_bytes()).chain(entities.into_iter().map(|e| e.id));
        for entity in indexed {
            if storage.entry_row(entity).is_none() {
                out.push(Unpaired { node: node.name().to_owned(), entity, bare: true });
            }
            known.insert(entity);
        }
    }
    for node in &live {
        for entity in &known {
            if meta(node.storage(), *entity).is_none() && node.storage().entry_row(*entity).is_some() {
                out.push(Unpaired { node: node.name().to_owned(), entity: *entity, bare: false });
            }
        }
    }
    out
}

/// Entities whose index entry and bytes disagree on a live node, if any.
pub fn index_rows(world: &World) -> Option<Violation> {
    let lines = unpaired(world).iter().map(Unpaired::line).collect();
    report(world, Oracle::IndexRows, lines, "entities whose index entry and bytes disagree")
}
