//! What a node is apart from its processes: a name, a network address, an identity and its own
//! store. This is the part that survives a crash; the node's tasks (sync loop, acceptor, gossip
//! receiver) live in `cluster` and die with it.

use calimero_primitives::context::ContextId;

use super::{NodeKeys, SimStorage};
use crate::error::StorageError;
use crate::ids::NodeId;

/// One node of the simulated world.
#[derive(Clone, Debug)]
pub struct SimNode {
    id: NodeId,
    name: String,
    storage: SimStorage,
}

impl SimNode {
    /// A node with an empty store for `context_id`. Its identity is derived from its address so
    /// that it is stable across runs.
    pub fn new(id: NodeId, name: impl Into<String>, context_id: ContextId) -> Result<Self, StorageError> {
        let keys = NodeKeys::new(id.get());
        let storage = SimStorage::new(context_id, keys.identity())?.with_keys(keys);
        Ok(Self { id, name: name.into(), storage })
    }

    /// This node with its writes stamped by `clock` (see [`SimStorage::with_clock`]).
    pub fn with_clock(mut self, clock: crate::faults::NodeClock) -> Self {
        self.storage = self.storage.with_clock(clock);
        self
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn storage(&self) -> &SimStorage {
        &self.storage
    }
}
