//! A node's deltas through calimero-node's own `DeltaStore`: the store production keeps per
//! context (`NodeState::delta_stores`), built and restored as production's state-delta handler
//! builds it (`init_delta_store`: `DeltaStore::new` from the genesis root, then
//! `load_persisted_deltas` and `get_missing_parents`), over the node's store and a context client
//! whose context manager is merosim's stand-in (`context_actor`). Its applier executes each delta
//! through that stand-in's `__calimero_sync_next` under the node's context lock; persistence of
//! applied deltas and heads, cascades of pending children, head tracking and lock order are
//! calimero's.
//!
//! What production's gossip handler does before it reaches the store (decrypting the artifact
//! with the group key, checking the author's signature and governance position) is not run:
//! merosim's gossip carries the delta in the clear, and its author is the sending node.

use calimero_node::delta_store::DeltaStore;
use calimero_primitives::identity::PublicKey;

use super::context_store::Delta;
use crate::error::SessionError;
use crate::store::SimStorage;

/// What became of a peer's delta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Already held (applied or pending): dropped.
    Duplicate,
    /// Applied, with any pending children it released.
    Applied,
    /// Held pending until its parents are applied.
    Pending,
    /// Refused by the store (its apply failed).
    Refused,
}

/// One node's delta store, for as long as the node's process lives (a crash drops it, pending
/// deltas and all, as a production node's restart does).
pub struct NodeDeltas {
    store: DeltaStore,
}

impl NodeDeltas {
    /// Builds the store on the current madsim node and restores it from what the node's store
    /// persisted, as production's first delta for a context does.
    pub async fn open(storage: &SimStorage) -> Result<NodeDeltas, SessionError> {
        let client = super::manager::context_client(storage)?;
        let store = DeltaStore::new([0; 32], client, storage.context_id(), storage.identity());
        // Production warns and starts from an empty DAG when the load fails; so does this.
        let _ = store.load_persisted_deltas().await;
        let _ = store.get_missing_parents().await;
        Ok(NodeDeltas { store })
    }

    /// A delta the node just committed locally (`context_store::commit_local`).
    pub async fn add_local(&self, delta: Delta) -> Result<(), SessionError> {
        self.store.add_local_applied_delta(delta).await.map(drop).map_err(|e| SessionError::Storage(e.to_string()))
    }

    /// A peer's delta, authored by `author`.
    pub async fn add(&self, delta: Delta, author: Option<PublicKey>) -> Taken {
        if self.store.has_delta(&delta.id).await {
            return Taken::Duplicate;
        }
        match self.store.add_delta_with_events(delta, None, author, None, None).await {
            Ok(result) if result.applied => Taken::Applied,
            Ok(_) => Taken::Pending,
            Err(_) => Taken::Refused,
        }
    }

    /// The parents pending deltas wait for that the node does not hold (loading any it persisted
    /// and applying what they release, as production's call does).
    pub async fn missing(&self) -> Vec<[u8; 32]> {
        let mut missing = self.store.get_missing_parents().await.missing_ids;
        missing.sort_unstable();
        missing
    }

    /// Whether `id` is applied here.
    pub async fn applied(&self, id: &[u8; 32]) -> bool {
        self.store.dag_has_delta_applied(id).await
    }

    /// How many deltas wait for parents.
    pub async fn pending(&self) -> usize {
        self.store.pending_stats().await.count
    }
}
