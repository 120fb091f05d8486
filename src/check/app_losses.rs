//! What an app lost, judged whether or not the nodes agree. crdt-semantics holds the app state
//! the live nodes agree on to the recorded operations; when they disagree it says nothing, and a
//! lost operation could hide behind the disagreement. Three facts hold either way, because sync
//! never takes a node's own write from it:
//!
//! - an entry's latest write (it embeds its id: written only by its own operations) is held by
//!   some live node;
//! - an entry's latest operation, when it is a remove, has taken effect on some live node;
//! - a counter's slot for a node counts every increment (or decrement) that node acknowledged,
//!   on some live node — the owner's own copy at least, while the owner is live.

use std::collections::BTreeMap;

use super::mechanism::{Mechanism as M, Run};
use super::piece::Piece;
use crate::crdt::{CollectionKind, Verb};
use crate::ids::{short_id, EntityId};

/// Every such loss in `run`, as pieces of evidence.
pub(super) fn app_losses(run: &Run, items: &mut Vec<Piece>) {
    for entity in run.entities() {
        if let Some(stamp) = run.lost_everywhere(entity) {
            let what = format!("app entry {} written at stamp {stamp} is held by no live node", short_id(entity));
            let f8 = run.write_after_remove(entity, stamp) || run.own_write_hidden(entity, stamp);
            let by = [
                (f8, M::WriteAfterRemove),
                (run.squatted_slot(entity), M::SquattedSlot),
                (run.owner_split(entity), M::OwnerSplit),
            ];
            items.push(Piece::new(what, by));
        }
        if let Some(stamp) = run.removal_undone_everywhere(entity) {
            let what = format!("app entry {} removed at stamp {stamp} is live on every live node", short_id(entity));
            // A member's write or remove of a slot another member squatted (or of an authored
            // entry another member's insert took first) is refused as an owner change.
            items.push(Piece::new(
                what,
                [(run.squatted_slot(entity), M::SquattedSlot), (run.owner_split(entity), M::OwnerSplit)],
            ));
        }
    }
    counter_slots(run, items);
}

/// A counter slot's value, from its stored bytes: borsh of the executor's key (a string) and a
/// `u64`, then the entry's own id.
fn slot_value(bytes: &[u8]) -> Option<u64> {
    let key = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    (bytes.len() == 4 + key + 8 + 32).then_some(())?;
    Some(u64::from_le_bytes(bytes.get(4 + key..12 + key)?.try_into().ok()?))
}

fn counter_slots(run: &Run, items: &mut Vec<Piece>) {
    let world = run.world;
    let Some(layout) = world.layout() else { return };
    let ops = world.app_ops();
    for (collection, kind) in layout.collections() {
        if !matches!(kind, CollectionKind::Counter | CollectionKind::PnCounter) {
            continue;
        }
        // Per (owner, verb): the slot its operations wrote, and how many it acknowledged.
        let mut slots: BTreeMap<(crate::ids::NodeId, bool), (EntityId, u64)> = BTreeMap::new();
        for op in ops.iter().filter(|o| o.op.collection == collection && o.changed) {
            let up = match op.op.verb {
                Verb::Increment => true,
                Verb::Decrement => false,
                _ => continue,
            };
            let slot = op.effects.iter().find(|e| e.data.as_deref().and_then(slot_value).is_some());
            if let Some(slot) = slot {
                slots.entry((op.node, up)).or_insert((slot.entity, 0)).1 += 1;
            }
        }
        for ((owner, up), (slot, acknowledged)) in slots {
            if !world.at(owner).is_live() {
                continue;
            }
            let held = run.live.iter().filter_map(|n| n.storage().get(slot).as_deref().and_then(slot_value)).max();
            if held.unwrap_or(0) != acknowledged {
                let verb = if up { "increments" } else { "decrements" };
                let what = format!(
                    "{collection}: {}'s slot counts {} of its {acknowledged} acknowledged {verb} on every live node",
                    world.at(owner).name(),
                    held.unwrap_or(0)
                );
                items.push(Piece::new(what, []));
            }
        }
    }
}
