//! The names every layer uses: a node's network address and a 32-byte entity id. They live at the
//! bottom so that the network, the trace and the stores can all speak about the same things
//! without importing each other.

use std::fmt;

/// A simulated node's address on the network. Ids are handed out in order as nodes join a run,
/// so the number is also where the run's node registry keeps the node — which is why only the
/// registry turns one into an index, and everyone else goes through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    pub const fn new(n: u32) -> Self {
        NodeId(n)
    }

    /// The number, for what is keyed by it outside the run: seed streams, id bytes, wire frames.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Where a table with one entry per node, in join order, keeps this node.
    pub(crate) const fn index(self) -> usize {
        self.0 as usize
    }
}

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
