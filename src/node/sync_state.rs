//! What a node tells a peer in the sync handshake, through calimero's own `LocalSyncState`
//! trait, so `build_handshake` and `select_protocol` see exactly the fields production fills.

use calimero_node_primitives::sync::LocalSyncState;

use super::SimStorage;

impl LocalSyncState for SimStorage {
    /// A context with no entities reports the zero hash, as a node that never received state
    /// does; that is what makes `select_protocol` choose a bootstrap for it.
    fn root_hash(&self) -> [u8; 32] {
        match self.entity_count() {
            Ok(0) | Err(_) => [0; 32],
            Ok(_) => SimStorage::root_hash(self).unwrap_or([0; 32]),
        }
    }

    fn entity_count(&self) -> u64 {
        SimStorage::entity_count(self).map_or(0, |n| n as u64)
    }

    fn max_depth(&self) -> u32 {
        SimStorage::max_depth(self).map_or(0, |d| d as u32)
    }

    /// merosim models state sync, not the DAG of deltas: nodes advertise no DAG heads.
    fn dag_heads(&self) -> Vec<[u8; 32]> {
        Vec::new()
    }
}
