//! The names every layer uses: a node's network address and a 32-byte entity id. They live at the
//! bottom so that the network, the trace and the stores can all speak about the same things
//! without importing each other.

use std::fmt;

/// A simulated node's address on the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// 32-byte entity identifier, as calimero-storage addresses entities.
pub type EntityId = [u8; 32];

/// The first eight bytes of an id in hex: enough to tell entities apart in a report.
pub fn short_id(id: &EntityId) -> String {
    hex::encode(&id[..8])
}
