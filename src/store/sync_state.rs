//! What a node tells a peer in the sync handshake, through calimero's own `LocalSyncState`
//! trait, so `build_handshake` and `select_protocol` see exactly the fields production fills.

use calimero_node_primitives::sync::LocalSyncState;

use super::{SimStorage, StateSummary};

impl LocalSyncState for StateSummary {
    /// A context with no entities reports the zero hash, as a node that never received state
    /// does; that is what makes `select_protocol` choose a bootstrap for it.
    fn root_hash(&self) -> [u8; 32] {
        if self.entity_count == 0 {
            [0; 32]
        } else {
            self.root_hash
        }
    }

    fn entity_count(&self) -> u64 {
        self.entity_count
    }

    fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// merosim models state sync, not the DAG of deltas: nodes advertise no DAG heads.
    fn dag_heads(&self) -> Vec<[u8; 32]> {
        Vec::new()
    }
}

/// A store answers for itself by summarising (one tree walk per call; for a handshake, take
/// [`SimStorage::summary`] once instead).
impl LocalSyncState for SimStorage {
    fn root_hash(&self) -> [u8; 32] {
        self.summary().map_or([0; 32], |s| LocalSyncState::root_hash(&s))
    }

    fn entity_count(&self) -> u64 {
        self.summary().map_or(0, |s| s.entity_count)
    }

    fn max_depth(&self) -> u32 {
        self.summary().map_or(0, |s| s.max_depth)
    }

    fn dag_heads(&self) -> Vec<[u8; 32]> {
        Vec::new()
    }
}
