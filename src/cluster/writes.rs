//! Application writes on raw trees: a node writes or deletes locally, the book records what it
//! acknowledged, and the change goes to every peer as a delta. A scenario's starting state is
//! written the same way, minus the gossip; a workload writer keeps writing while sync runs.

use std::sync::Arc;
use std::time::Duration;

use super::history::{Effect, Planted};
use super::node::{Held, Node};
use super::world::short8;
use super::Injected;
use super::NodeCtx;
use super::World;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::store::WriteMeta;
use crate::trace::TraceKind;

impl World {
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
                let _executing = world.executing(writer).await;
                // A failed write is not gossiped; the workload carries on, as an app would.
                let _ = world.at(writer).write(id, format!("write-{seq}").as_bytes());
            }
        });
    }

    /// What an app call on `id` holds while it runs on production's node path: the node's
    /// context lock, as production's execute takes it, so a write never reads DAG heads that an
    /// inbound delta's apply has moved past but not yet committed (nor overlaps a push being
    /// applied). The model's path takes no lock.
    pub(crate) async fn executing(
        &self,
        id: NodeId,
    ) -> Option<tokio::sync::OwnedRwLockWriteGuard<calimero_primitives::context::ContextId>> {
        if !self.production_path() {
            return None;
        }
        let lock = self.node(id)?.storage().context_lock();
        Some(lock.write_owned().await)
    }
}

impl NodeCtx<'_> {
    /// A local application write on `id`: applied there, recorded, then gossiped to every other
    /// node as a delta.
    pub fn write(&self, entity: EntityId, data: &[u8]) -> Result<(), StorageError> {
        let id = self.id;
        let node = self.world.node_of(id)?;
        let nth = self.world.with_node(id, Node::next_write).unwrap_or_default();
        match self.world.options().node.inject {
            Some(Injected::LoseWrite { node: n, nth: k }) if (n, k) == (id.get(), nth) => {
                // The test-only bug: acknowledge the write (stamped to win over what is there),
                // keep it nowhere.
                let meta = node.storage().metadata(entity)?;
                let stamp = meta.map_or(0, |m| m.updated_at.max(m.deleted_at.unwrap_or(0))) + 1;
                self.world.at(id).record(entity, None, stamp, Some(data));
                self.note_planted(entity, stamp, data);
                self.world.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
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
                self.world.applied_locally(&node, entity, Some(data));
                let stamp = node.storage().metadata(entity)?.map_or(0, |m| m.updated_at);
                self.note_planted(entity, stamp, data);
                self.world.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
                self.gossip(std::slice::from_ref(&action));
                return Ok(());
            }
            _ => {}
        }
        let action = node.storage().upsert(entity, None, data)?;
        self.world.applied_locally(&node, entity, Some(data));
        self.world.trace().record(TraceKind::Write { node: id, entity: short8(&entity) });
        self.gossip(std::slice::from_ref(&action));
        Ok(())
    }

    /// Notes what a planted bug did to one acknowledged write.
    fn note_planted(&self, entity: EntityId, stamp: u64, data: &[u8]) {
        let id = self.id;
        let effect = Effect { entity, parent: None, stamp, data: Some(data.to_vec()) };
        self.world.book().plant(Planted {
            node: id,
            at: self.world.router().now(),
            effects: vec![effect],
            changed: true,
            accumulates: false,
        });
    }

    /// A local application delete on `id` (a tombstone), recorded and gossiped like a write.
    pub fn delete(&self, entity: EntityId) -> Result<(), StorageError> {
        let id = self.id;
        let node = self.world.node_of(id)?;
        let action = node.storage().delete(entity)?;
        self.world.applied_locally(&node, entity, None);
        self.world.trace().record(TraceKind::Delete { node: id, entity: short8(&entity) });
        self.gossip(std::slice::from_ref(&action));
        Ok(())
    }

    /// Part of a node's starting state: written (stamped, or with `meta`), recorded in the
    /// book, not gossiped.
    pub(crate) fn seed_write(
        &self,
        entity: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        meta: Option<&WriteMeta>,
    ) -> Result<(), StorageError> {
        let id = self.id;
        let node = self.world.node_of(id)?;
        match meta {
            Some(meta) => node.storage().upsert_with(entity, parent, data, meta)?,
            None => node.storage().upsert(entity, parent, data)?,
        };
        self.world.applied_locally(&node, entity, Some(data));
        Ok(())
    }

    /// A delete in a node's starting state: recorded in the book, not gossiped.
    pub(crate) fn seed_delete(&self, entity: EntityId) -> Result<(), StorageError> {
        let id = self.id;
        let node = self.world.node_of(id)?;
        node.storage().delete(entity)?;
        self.world.applied_locally(&node, entity, None);
        Ok(())
    }
}
