//! A simulated Calimero node: a name, a network address, an identity and its own store.

pub(crate) mod cluster;
pub(crate) mod gossip;
mod storage;
pub(crate) mod sync_loop;
mod sync_state;

pub use storage::{EntityId, EntitySnapshot, SimStorage, StateSummary};

/// The first eight bytes of an id in hex: enough to tell entities apart in a report.
pub fn short_id(id: &EntityId) -> String {
    hex::encode(&id[..8])
}

use calimero_primitives::context::ContextId;
use calimero_primitives::identity::PublicKey;

use crate::error::StorageError;
use crate::net::NodeId;

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
        let identity = PublicKey::from(identity_bytes(id));
        Ok(Self { id, name: name.into(), storage: SimStorage::new(context_id, identity)? })
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

fn identity_bytes(id: NodeId) -> [u8; 32] {
    let mut bytes = [0x1d_u8; 32];
    bytes[..4].copy_from_slice(&id.0.to_be_bytes());
    bytes
}
