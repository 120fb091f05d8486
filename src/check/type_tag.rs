//! **type-tag**: an entity every live node holds carries the same CRDT type on each of them.
//! calimero merges an incoming write by the type its metadata names (`merge_by_crdt_type`): a
//! counter's shards add up, a map's entries union, an untagged row falls back to last-writer-wins.
//! A node whose copy lost its tag (or holds another one) reconciles that entity differently from
//! its peers from then on, and drops concurrent edits the others keep — with equal bytes and
//! equal roots until it does, so no other oracle sees it. Upstream's own simulation suite checks
//! the same ("a row that lost its tag reconciles LWW and drops edits").
//!
//! One difference is calimero's by design and is not one: HashComparison pushes an untagged leaf
//! as `LwwRegister { inner_type: "Opaque" }` (`OPAQUE_LEAF_CRDT_TYPE_NAME`, calimero-node's
//! HashComparison; "merge-equivalent to the `None` it stands in for"), so the receiver stores
//! that tag where the sender has none. The oracle reads the two as one.

use std::collections::BTreeMap;

use calimero_primitives::crdt::CrdtType;

use super::listing::report;
use super::oracles::meta;
use crate::cluster::World;
use crate::ids::EntityId;
use crate::oracle::{Oracle, Violation};

/// The inner type HashComparison names an untagged leaf by on the wire.
const OPAQUE: &str = "Opaque";

/// Each entity whose holders disagree on its type, with a line naming the first holder's tag and
/// another.
pub(super) fn tags_apart(world: &World) -> Vec<(EntityId, String)> {
    let live = world.live_nodes();
    // Every live entity, with each holder's tag (in node order).
    let mut tags: BTreeMap<EntityId, Vec<(String, String)>> = BTreeMap::new();
    for node in &live {
        let Ok(entities) = node.storage().entities() else { continue };
        for entity in entities {
            let Some(m) = meta(node.storage(), entity.id) else { continue };
            let tag = match m.crdt_type {
                None => "untagged".to_owned(),
                Some(CrdtType::LwwRegister { inner_type }) if inner_type == OPAQUE => "untagged".to_owned(),
                Some(t) => format!("{t:?}"),
            };
            tags.entry(entity.id).or_default().push((node.name().to_owned(), tag));
        }
    }
    tags.into_iter()
        .filter_map(|(entity, held)| {
            let first = &held.first()?.1;
            let other = held.iter().find(|(_, tag)| tag != first)?;
            let (a, b) = (&held[0], other);
            Some((entity, format!("{}: {} on {}, {} on {}", hex::encode(&entity[..8]), a.1, a.0, b.1, b.0)))
        })
        .collect()
}

/// Entities whose CRDT type differs between the live nodes that hold them, if any.
pub fn type_tag(world: &World) -> Option<Violation> {
    let lines = tags_apart(world).into_iter().map(|(_, line)| line).collect();
    report(world, Oracle::TypeTag, lines, "entities whose CRDT type differs between nodes")
}
