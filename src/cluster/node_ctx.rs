//! One node's behaviour in its World: what a node does (writes and app operations, gossip in and
//! out, restarts and resumes, its buggify points) reached as `world.at(id).verb(…)` rather than as
//! World methods taking the node first. The World keeps what is shared — the network, the trace,
//! the registry, the book — and what spans nodes or schedules them (crashes and pauses that
//! re-arm themselves, writers and apps running on a node's timer, the chaos process).

use super::World;
use crate::ids::NodeId;

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
}
