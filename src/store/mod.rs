//! A node's replicated state: the real calimero-storage Merkle tree per node, what a handshake
//! reads from it (`LocalSyncState`), the node identity that owns it, and how two states differ.

mod applies;
mod diff;
mod keys;
mod meter;
mod node;
#[cfg(all(calimero_sorted_index, not(calimero_index_bridge)))]
mod ordered_index;
mod storage;
mod sync_state;
mod undo;

pub use applies::{DeltaApplies, Reapplied};
pub(crate) use diff::list as short_list;
pub use diff::{diff_entities, EntityDifference, StateDiff};
pub use keys::NodeKeys;
pub use meter::{human_bytes, StoreIo};
pub use node::SimNode;
pub(crate) use storage::MAX_WALK_DEPTH;
pub use storage::{EntityMeta, EntitySnapshot, SimStorage, StateSummary, WriteMeta};
