//! Application writes on raw trees: a node writes or deletes locally, the book records what it
//! acknowledged, and the change goes to every peer as a delta. A scenario's starting state is
//! written the same way, minus the gossip; a workload writer keeps writing while sync runs.

use std::sync::Arc;
use std::time::Duration;

use super::history::{Effect, Planted};
use super::node::{Held, Node};
use super::world::short8;
use super::Injected;
use super::World;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::store::WriteMeta;
use crate::trace::TraceKind;

impl World {
    /// A local application write on `id`: applied there, recorded, then gossiped to every other
    /// node as a delta.
    pub fn write(&self, id: NodeId, entity: EntityId, data: &[u8]) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        let nth = self.with_node(id, Node::next_write).unwrap_or_default();
        match self.options().node.inject {
            Some(Injected::LoseWrite { node: n, nth: k }) if (n, k) == (id.get(), nth) => {
                // The test-only bug: acknowledge the write (stamped to win over what is there),
                // keep it nowhere.
                let meta = node.storage().metadata(entity)?;
                let stamp = meta.map_or(0, |m| m.updated_at.max(m.deleted_at.unwrap_or(0))) + 1;
                self.record(id, entity, None, stamp, Some(data));
                self.note_planted(id, entity, stamp, data);
                self.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
                return Ok(());
            }
            Some(Injected::FlipByte { node: n, nth: k }) if (n, k) == (id.get(), nth) => {
                // The test-only bug: the app is told its bytes were written; the store (and so
                // every peer) gets them with the last byte flipped.
                let mut damaged = data.to_vec();
                if let Some(last) = damaged.last_mut() {
                    *last ^= 1;
                }
                let action = node.storage().upsert(entity, None, &damaged)?;
                self.applied_locally(&node, entity, Some(data));
                let stamp = node.storage().metadata(entity)?.map_or(0, |m| m.updated_at);
                self.note_planted(id, entity, stamp, data);
                self.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
                self.gossip(id, std::slice::from_ref(&action));
                return Ok(());
            }
            _ => {}
        }
        let action = node.storage().upsert(entity, None, data)?;
        self.applied_locally(&node, entity, Some(data));
        self.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
        self.gossip(id, std::slice::from_ref(&action));
        Ok(())
    }

    /// Notes what a planted bug did to one acknowledged write.
    fn note_planted(&self, id: NodeId, entity: EntityId, stamp: u64, data: &[u8]) {
        let effect = Effect { entity, parent: None, stamp, data: Some(data.to_vec()) };
        self.book().plant(Planted {
            node: id,
            at: self.router().now(),
            effects: vec![effect],
            changed: true,
            accumulates: false,
        });
    }

    /// A local application delete on `id` (a tombstone), recorded and gossiped like a write.
    pub fn delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        let action = node.storage().delete(entity)?;
        self.applied_locally(&node, entity, None);
        self.trace().record(TraceKind::Delete { node: id, entity: short8(&entity) });
        self.gossip(id, std::slice::from_ref(&action));
        Ok(())
    }

    /// Part of a node's starting state: written (stamped, or with `meta`), recorded in the
    /// book, not gossiped.
    pub(crate) fn seed_write(
        &self,
        id: NodeId,
        entity: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        meta: Option<&WriteMeta>,
    ) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        match meta {
            Some(meta) => node.storage().upsert_with(entity, parent, data, meta)?,
            None => node.storage().upsert(entity, parent, data)?,
        };
        self.applied_locally(&node, entity, Some(data));
        Ok(())
    }

    /// A delete in a node's starting state: recorded in the book, not gossiped.
    pub(crate) fn seed_delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        node.storage().delete(entity)?;
        self.applied_locally(&node, entity, None);
        Ok(())
    }

    /// Keeps writing on `writer`: `count` writes, one every `every`, as a task of the writer's
    /// own madsim node (a crash stops it). Ids are `[0x77, writer, sequence…]`.
    pub(crate) fn start_writer(self: &Arc<Self>, writer: NodeId, every: Duration, count: u32) {
        let Some(madsim_id) = self.registry().get(writer).and_then(Node::madsim_id) else { return };
        let Some(node) = madsim::runtime::Handle::current().get_node(madsim_id) else { return };
        let world = Arc::clone(self);
        let running = Held::new(self.writers());
        node.spawn(async move {
            let _running = running;
            for seq in 0..count {
                tokio::time::sleep(every).await;
                let mut id: EntityId = [0; 32];
                id[0] = 0x77;
                id[1..3].copy_from_slice(&(writer.get() as u16).to_be_bytes());
                id[3..7].copy_from_slice(&seq.to_be_bytes());
                // A failed write is not gossiped; the workload carries on, as an app would.
                let _ = world.write(writer, id, format!("write-{seq}").as_bytes());
            }
        });
    }
}
