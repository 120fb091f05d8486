//! A node's replicated state: the real calimero-storage Merkle tree per node, what a handshake
//! reads from it (`LocalSyncState`), and the node identity that owns it.

mod node;
mod storage;
mod sync_state;

pub use node::SimNode;
pub use storage::{EntityMeta, EntitySnapshot, SimStorage, StateSummary, WriteMeta, DEFAULT_INNER_TYPE};
