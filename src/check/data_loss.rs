//! No data loss (M15), judged against what the nodes acknowledged rather than against the stores
//! alone: a write no node kept leaves no trace in any store, so only the recorded history can
//! say it was lost.
//!
//! For each entity the history names a winner, the way calimero-storage merges: the operation
//! with the greatest timestamp, a delete winning a tie with a write (`deleted_at >= updated_at`
//! applies the delete). Timestamps come from the writers' clocks, skew included — an earlier
//! write with a faster clock legitimately beats a later one. At the end, every live node must hold
//! each winning write's value (any of them, if writes tie), and hold nothing whose winner is a
//! delete or whose parent's winner is. A write that fails that names itself (entity, node,
//! virtual time, stamp) and the nodes where it went missing or holds another value.
//!
//! The phantom check is the converse: in a run whose every write went through the World, a live
//! entity the history does not know is one nobody wrote — damage that reached a store.

use std::collections::{BTreeMap, BTreeSet};

use super::listing::report;
use crate::cluster::{value_hash, World, WriteRecord};
use crate::ids::{short_id, EntityId};
use crate::oracle::{Oracle, Violation};
use crate::store::SimNode;

/// What the history says an entity must be at the end.
pub(crate) struct Expected<'h> {
    /// The winning records (several only when writes tie).
    pub winners: Vec<&'h WriteRecord>,
    pub deleted: bool,
}

pub(crate) fn expectations(records: &[WriteRecord]) -> BTreeMap<EntityId, Expected<'_>> {
    let mut by_entity: BTreeMap<EntityId, Vec<&WriteRecord>> = BTreeMap::new();
    for record in records {
        by_entity.entry(record.entity).or_default().push(record);
    }
    by_entity
        .into_iter()
        .map(|(entity, ops)| {
            let top = ops.iter().map(|r| r.stamp).max().unwrap_or(0);
            let tied: Vec<&WriteRecord> = ops.into_iter().filter(|r| r.stamp == top).collect();
            let deleted = tied.iter().any(|r| r.deleted());
            let winners = if deleted { tied.into_iter().filter(|r| r.deleted()).collect() } else { tied };
            (entity, Expected { winners, deleted })
        })
        .collect()
}

/// Whether `entity` should be live: its winner is a write and so is every recorded ancestor's.
fn expected_live(entity: &EntityId, expected: &BTreeMap<EntityId, Expected<'_>>) -> bool {
    let mut cursor = Some(*entity);
    for _ in 0..crate::store::MAX_WALK_DEPTH {
        let Some(id) = cursor else { return true };
        let Some(e) = expected.get(&id) else { return true };
        if e.deleted {
            return false;
        }
        cursor = e.winners.iter().find_map(|w| w.parent);
    }
    true
}

/// One acknowledged write some live node lost: where it is missing, where another value stands.
pub(crate) struct Loss {
    pub entity: EntityId,
    /// The node that made the write.
    pub writer: String,
    pub missing: Vec<SimNode>,
    pub other: Vec<SimNode>,
    /// The write, in a report's words (who wrote what, when).
    pub write: String,
    pub line: String,
}

/// Acknowledged writes missing or overwritten on some live node at the end, if any.
pub fn data_loss(world: &World) -> Option<Violation> {
    let lines = losses(world).into_iter().map(|l| l.line).collect();
    report(world, Oracle::DataLoss, lines, "acknowledged writes lost")
}

/// Every acknowledged write some live node lost (see [`data_loss`]).
pub(crate) fn losses(world: &World) -> Vec<Loss> {
    let records = world.writes();
    if records.is_empty() {
        return Vec::new();
    }
    let expected = expectations(&records);
    let live: Vec<SimNode> = world.live_nodes();
    let name = |id| world.at(id).name();
    let names = |nodes: &[SimNode]| nodes.iter().map(|n| n.name().to_owned()).collect::<Vec<_>>().join(",");
    let mut losses = Vec::new();
    for (entity, e) in &expected {
        if !expected_live(entity, &expected) {
            continue;
        }
        let values: BTreeSet<[u8; 32]> = e.winners.iter().filter_map(|w| w.value).collect();
        let (mut missing, mut other) = (Vec::new(), Vec::new());
        for node in &live {
            match node.storage().get(*entity) {
                None => missing.push(node.clone()),
                Some(bytes) if !values.contains(&value_hash(&bytes)) => other.push(node.clone()),
                Some(_) => {}
            }
        }
        if missing.is_empty() && other.is_empty() {
            continue;
        }
        let w = e.winners[0];
        let write = format!(
            "write of {} by {} at {:.3}s (stamp {})",
            short_id(entity),
            name(w.node),
            w.at.as_secs_f64(),
            w.stamp
        );
        let mut line = write.clone();
        if !missing.is_empty() {
            line += &format!(" missing on {}", names(&missing));
        }
        if !other.is_empty() {
            line +=
                &format!("{} holding another value on {}", if missing.is_empty() { "" } else { ";" }, names(&other));
        }
        losses.push(Loss { entity: *entity, writer: name(w.node).to_owned(), missing, other, write, line });
    }
    losses
}

/// Live entities no node ever wrote, if the run's history is complete and any exist.
pub fn phantoms(world: &World) -> Option<Violation> {
    let lines = phantom_entities(world).into_iter().map(|(_, line)| line).collect();
    report(world, Oracle::Phantom, lines, "entities nobody wrote are live")
}

/// Each live entity no node ever wrote, with where it is (see [`phantoms`]).
pub(crate) fn phantom_entities(world: &World) -> Vec<(EntityId, String)> {
    if !world.history_is_complete() {
        return Vec::new();
    }
    let mut known: BTreeSet<EntityId> = world.writes().iter().map(|r| r.entity).collect();
    // An app operation writes the entities calimero's collections chose (entries, the
    // collections themselves, counter slots): each is in the operation's recorded effects.
    known.extend(world.app_ops().iter().flat_map(|r| r.effects.iter().map(|e| e.entity)));
    let mut found: BTreeMap<EntityId, Vec<String>> = BTreeMap::new();
    for node in world.live_nodes() {
        let Ok(entities) = node.storage().entities() else { return Vec::new() };
        for entity in entities.into_iter().filter(|e| !known.contains(&e.id)) {
            found.entry(entity.id).or_default().push(node.name().to_owned());
        }
    }
    found.iter().map(|(id, holders)| (*id, format!("{} on {}", short_id(id), holders.join(",")))).collect()
}
