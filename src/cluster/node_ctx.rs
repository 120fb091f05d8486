//! One node's behaviour in its World: what a node does (writes and app operations, gossip in and
//! out, restarts and resumes, its buggify points) and what it is (live, paused, idle, its
//! sessions and buffered deltas, its name), reached as `world.at(id).verb(…)` rather than as
//! World methods taking the node first. The verbs live beside what they act on (writes.rs,
//! apps.rs, deltas.rs, life.rs, buggify.rs); the queries live here. The World keeps what is shared — the network, the trace,
//! the registry, the book — and what spans nodes or schedules them (crashes and pauses that
//! re-arm themselves, writers and apps running on a node's timer, the chaos process).

use super::history::{value_hash, WriteRecord};
use super::node::Node;
use super::World;
use crate::ids::{EntityId, NodeId};
use crate::store::SimNode;

/// Node `id` of `world`.
#[derive(Clone, Copy)]
pub struct NodeCtx<'w> {
    pub(crate) world: &'w World,
    pub(crate) id: NodeId,
}

impl World {
    /// Node `id`'s behaviour in this World.
    pub fn at(&self, id: NodeId) -> NodeCtx<'_> {
        NodeCtx { world: self, id }
    }
}

impl NodeCtx<'_> {
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// A node's name, or its id if the run has no such node.
    pub fn name(&self) -> String {
        let id = self.id;
        self.world.registry().get(id).map_or_else(|| id.to_string(), |n| n.sim().name().to_owned())
    }

    /// Whether `id` is up (not crashed).
    pub fn is_live(&self) -> bool {
        let id = self.id;
        self.world.registry().get(id).is_some_and(Node::is_live)
    }

    pub fn is_paused(&self) -> bool {
        let id = self.id;
        self.world.registry().get(id).is_some_and(Node::is_paused)
    }

    /// Whether `id` takes part in no sync session right now.
    pub fn is_idle(&self) -> bool {
        self.sessions_now() == 0
    }

    /// Session halves `id` runs right now (as initiator or responder).
    pub fn sessions_now(&self) -> u32 {
        let id = self.id;
        self.world.registry().get(id).map_or(0, Node::sessions_now)
    }

    /// Deltas `id` received during a session and has not applied yet (I6).
    pub fn buffered(&self) -> usize {
        let id = self.id;
        self.world.registry().get(id).map_or(0, Node::buffered)
    }

    /// One acknowledged write (`Some(bytes)`) or delete (`None`) into the book, at now.
    pub(crate) fn record(&self, entity: EntityId, parent: Option<EntityId>, stamp: u64, data: Option<&[u8]>) {
        let id = self.id;
        let record =
            WriteRecord { node: id, entity, parent, at: self.world.router().now(), stamp, value: data.map(value_hash) };
        self.world.book().record_write(record);
    }

    /// Live peers of `id`, in id order.
    pub(crate) fn live_peers(&self) -> Vec<SimNode> {
        let id = self.id;
        self.world.registry().iter().filter(|n| n.is_live() && n.id() != id).map(|n| n.sim().clone()).collect()
    }
}
