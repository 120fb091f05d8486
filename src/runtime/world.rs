//! A world: the network and the nodes of one simulated run.

use calimero_primitives::context::ContextId;

use crate::error::StorageError;
use crate::net::{FaultConfig, NetworkRouter, NodeId};
use crate::node::SimNode;

/// The network plus the nodes of one run, all sharing one context.
pub struct World {
    seed: u64,
    router: NetworkRouter,
    context_id: ContextId,
    nodes: Vec<SimNode>,
}

impl World {
    /// Must be called inside [`simulate`](super::simulate): the router anchors itself to the
    /// virtual clock.
    pub fn new(seed: u64, faults: FaultConfig) -> Self {
        Self {
            seed,
            router: NetworkRouter::new(seed, faults),
            context_id: super::context_id_for(seed),
            nodes: Vec::new(),
        }
    }

    /// Adds a node with an empty store; names are for humans, ids for the network.
    pub fn add_node(&mut self, name: &str) -> Result<SimNode, StorageError> {
        let id = NodeId(self.nodes.len() as u32);
        let node = SimNode::new(id, name, self.context_id)?;
        self.nodes.push(node.clone());
        Ok(node)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn router(&self) -> &NetworkRouter {
        &self.router
    }

    pub fn context_id(&self) -> ContextId {
        self.context_id
    }

    pub fn nodes(&self) -> &[SimNode] {
        &self.nodes
    }
}
