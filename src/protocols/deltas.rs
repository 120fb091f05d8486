//! A node's deltas through calimero-node's own `DeltaStore`: the store production keeps per
//! context (`NodeState::delta_stores`), built and restored as production's state-delta handler
//! builds it (`init_delta_store`: `DeltaStore::new` from the genesis root, then
//! `load_persisted_deltas` and `get_missing_parents`), over the node's store and a context client
//! whose context manager is merosim's stand-in (`context_actor`). Its applier executes each delta
//! through that stand-in's `__calimero_sync_next` under the node's context lock; persistence of
//! applied deltas and heads, cascades of pending children, head tracking and lock order are
//! calimero's.
//!
//! A peer's delta reaches the store through production's gossip handler where the build has it
//! (`state_delta`); elsewhere (the rc.25 + 19 tree) straight through `add_received`, its author
//! the sending node.

use calimero_context_client::client::ContextClient;
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
    pub async fn open(storage: &SimStorage, client: ContextClient) -> Result<NodeDeltas, SessionError> {
        // The node is a member of the context: its metadata exists (the store's applier and head
        // commits refuse a context without it), and names the root its tree has.
        super::context_store::publish_root(storage)?;
        let store = DeltaStore::new([0; 32], client, storage.context_id(), storage.identity());
        // Production warns and starts from an empty DAG when the load fails; so does this.
        let _ = store.load_persisted_deltas().await;
        let _ = store.get_missing_parents().await;
        Ok(NodeDeltas { store })
    }

    /// calimero's store itself, for the node's manager to share.
    pub(super) fn store(&self) -> &DeltaStore {
        &self.store
    }

    /// Another handle on the same store (calimero's `DeltaStore` is shared by clones).
    pub fn share(&self) -> NodeDeltas {
        NodeDeltas { store: self.store.clone() }
    }

    pub(super) fn into_store(self) -> DeltaStore {
        self.store
    }

    /// A delta the node just committed locally (`context_store::commit_local`).
    pub async fn add_local(&self, delta: Delta) -> Result<(), SessionError> {
        self.store.add_local_applied_delta(delta).await.map(drop).map_err(|e| SessionError::Storage(e.to_string()))
    }

    /// A node's delta store with no sync manager beside it (its node client's sync channels
    /// closed): for tests that drive calimero's store by hand.
    pub async fn standalone(storage: &SimStorage) -> Result<NodeDeltas, SessionError> {
        NodeDeltas::open(storage, super::manager::context_client(storage)?).await
    }

    /// A peer's delta, authored by `author`, whose app emitted no events (the gossip then carries
    /// `None`, as production's broadcast does).
    pub async fn add(&self, delta: Delta, author: Option<PublicKey>) -> Taken {
        self.add_with_events(delta, author, None).await
    }

    /// A peer's delta with the events its execution emitted, as production's broadcast carries
    /// them (`events(…)`): calimero persists such a delta before applying it, so its
    /// `applied` flag is what a restart reads back.
    pub async fn add_with_events(&self, delta: Delta, author: Option<PublicKey>, events: Option<Vec<u8>>) -> Taken {
        self.add_received(delta, author, events, None).await
    }

    /// A peer's delta as production's broadcast delivers it: its events and its author's
    /// envelope signature, which the store persists with the row (a peer that later pulls the
    /// delta from this node verifies it, from 0.11.0-rc.9).
    pub async fn add_received(
        &self,
        delta: Delta,
        author: Option<PublicKey>,
        events: Option<Vec<u8>>,
        signature: Option<[u8; 64]>,
    ) -> Taken {
        if self.store.has_delta(&delta.id).await {
            return Taken::Duplicate;
        }
        match self.store.add_delta_with_events(delta, events, author, None, signature).await {
            Ok(result) if result.applied => Taken::Applied,
            Ok(_) => Taken::Pending,
            Err(_) => Taken::Refused,
        }
    }

    /// A peer's delta as the manager's DAG catch-up adds it: `add_delta`, with no duplicate
    /// check before it.
    pub async fn catch_up(&self, delta: Delta, author: Option<PublicKey>) -> Taken {
        match self.store.add_delta(delta, author, None, None).await {
            Ok(true) => Taken::Applied,
            Ok(false) => Taken::Pending,
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

    /// Whether the store holds `id`, applied or pending.
    pub async fn holds(&self, id: &[u8; 32]) -> bool {
        self.store.has_delta(id).await
    }

    /// Whether `id` is applied here.
    pub async fn applied(&self, id: &[u8; 32]) -> bool {
        self.store.dag_has_delta_applied(id).await
    }

    /// calimero's compaction of this store (what production's `DagCompactor` calls on its
    /// sweep): returns how many deltas it pruned.
    pub async fn compact(&self, min: usize, retain: usize) -> usize {
        self.store.compact(min, retain).await
    }

    /// How many deltas wait for parents.
    pub async fn pending(&self) -> usize {
        self.store.pending_stats().await.count
    }
}

/// Events as calimero-context's execute serializes them for a broadcast: JSON of
/// `ExecutionEvent`s (`None` when the call emitted none). `kinds` name the events, without
/// data or handlers.
pub fn events(kinds: &[&str]) -> Option<Vec<u8>> {
    use calimero_primitives::events::ExecutionEvent;
    let list: Vec<ExecutionEvent> =
        kinds.iter().map(|k| ExecutionEvent { kind: (*k).to_owned(), data: Vec::new(), handler: None }).collect();
    (!list.is_empty()).then(|| serde_json::to_vec(&list).expect("events serialize"))
}

#[cfg(test)]
mod tests {
    use calimero_primitives::context::ContextId;

    use super::*;
    use crate::protocols::context_store::{applied_deltas, commit_local, dag_heads};

    fn store(identity: u8) -> SimStorage {
        SimStorage::new(ContextId::from([9; 32]), [identity; 32].into()).expect("a store")
    }

    /// calimero's delta store, over a node's store and merosim's context manager: a child that
    /// arrives first waits, its parent is named missing, both apply once the parent comes (the
    /// receiver then holds the writer's state and heads), a repeat is a duplicate, and a fresh
    /// store — a restarted node — restores both from the rows calimero persisted.
    #[test]
    fn a_child_waits_for_its_parent_both_apply_and_a_restart_restores_them() {
        crate::protocols::seeded_runtime(1).block_on(async {
            let (writer, reader) = (store(1), store(2));
            let first = writer.upsert([1; 32], None, b"one").expect("a write");
            let first = commit_local(&writer, &[first]).expect("committed");
            let second = writer.upsert([2; 32], None, b"two").expect("a write");
            let second = commit_local(&writer, &[second]).expect("committed");
            assert_eq!(second.parents, vec![first.id], "a commit's parents are the heads");
            assert_eq!(dag_heads(&writer), vec![second.id]);

            let client = || super::super::manager::context_client(&reader).expect("a client");
            let deltas = NodeDeltas::open(&reader, client()).await.expect("the delta store");
            let author = Some(writer.identity());
            assert_eq!(deltas.add(second.clone(), author).await, Taken::Pending);
            assert_eq!(deltas.missing().await, vec![first.id]);
            assert_eq!(deltas.pending().await, 1);
            assert_eq!(deltas.add(first.clone(), author).await, Taken::Applied);
            assert_eq!(deltas.pending().await, 0, "the parent released its child");
            assert_eq!(reader.root_hash().ok(), writer.root_hash().ok());
            assert_eq!(dag_heads(&reader), vec![second.id], "calimero persisted the heads");
            assert_eq!(deltas.add(first.clone(), author).await, Taken::Duplicate);
            drop(deltas);

            let restarted = NodeDeltas::open(&reader, client()).await.expect("the delta store again");
            assert!(restarted.applied(&first.id).await && restarted.applied(&second.id).await);
            assert_eq!(applied_deltas(&reader, &[first.id, second.id]).len(), 2);
            assert_eq!(restarted.add(second, author).await, Taken::Duplicate);
        });
    }

    /// The context manager's `__calimero_sync_next` keeps nothing of an artifact it cannot
    /// apply (a trapped WASM call commits nothing), its `__calimero_merge_root_state` fails a
    /// payload that is not a merge request, and it answers every other method "not installed".
    #[test]
    fn sync_next_applies_all_or_nothing_and_other_methods_are_refused() {
        crate::protocols::seeded_runtime(2).block_on(async {
            let node = store(3);
            let client = super::super::manager::context_client(&node).expect("a client");
            let (context, me) = (node.context_id(), node.identity());
            let before = node.root_hash().ok();
            let execute = |method: &str, payload: Vec<u8>| {
                #[cfg(not(calimero_execute_no_aliases))]
                return client.execute(&context, &me, method.into(), payload, vec![], None);
                #[cfg(calimero_execute_no_aliases)]
                client.execute(&context, &me, method.into(), payload, None)
            };
            let garbage = execute("__calimero_sync_next", vec![7; 9]).await;
            let outcome = garbage.expect("answered");
            assert!(outcome.returns.is_err(), "an undecodable artifact is an error");
            assert_eq!(node.root_hash().ok(), before);
            let merge = execute("__calimero_merge_root_state", vec![]).await.expect("answered");
            assert!(merge.returns.is_err(), "the app's merge export panics on a payload that is not a request");
            // A joiner's never-written root (created == updated) takes the incoming state as is.
            use calimero_storage::merge::{MergeRootStateRequest, MergeRootStateResponse};
            let request = MergeRootStateRequest {
                existing: vec![],
                incoming: vec![1, 2, 3],
                existing_created_at: 5,
                existing_ts: 5,
                incoming_ts: 6,
            };
            let merge = execute("__calimero_merge_root_state", borsh::to_vec(&request).unwrap()).await;
            let returned = merge.expect("answered").returns.expect("merged").expect("bytes");
            let response: MergeRootStateResponse = borsh::from_slice(&returned).unwrap();
            assert!(matches!(response, MergeRootStateResponse::Ok(b) if b == [1, 2, 3]), "the incoming state");
            let other = execute("set", vec![]).await;
            assert!(other.is_err(), "the stand-in runs no other export");
        });
    }
}
