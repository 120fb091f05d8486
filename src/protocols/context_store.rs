//! What production's context manager keeps in a node's store and calimero-node's sync code
//! reads back: the context's metadata (root hash and DAG heads) and the rows of the deltas the
//! node made or applied. merosim runs no context manager and no app WASM, so the one write it
//! stands in for is an app call's commit — a local operation's delta, persisted and announced
//! the way `calimero-context`'s execute handler persists and announces it. Everything else in
//! these rows is written and read by calimero's own code (the delta store, the responders).

#[cfg(calimero_node_path)]
use calimero_dag::CausalDelta;
#[cfg(calimero_node_path)]
use calimero_primitives::identity::PublicKey;
#[cfg(calimero_node_path)]
use calimero_storage::action::Action;
use calimero_store::key;
#[cfg(calimero_node_path)]
use calimero_store::types::ContextDagDelta;
use calimero_store::types::ContextMeta;

use crate::error::SessionError;
use crate::store::SimStorage;

/// A delta as calimero-node's delta store takes it.
#[cfg(calimero_node_path)]
pub type Delta = CausalDelta<Vec<Action>>;

/// The parent of a context's first delta (calimero's zero hash).
#[cfg(calimero_node_path)]
const GENESIS: [u8; 32] = [0; 32];

fn storage_error<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> SessionError + '_ {
    move |e| SessionError::Storage(format!("{what}: {e}"))
}

/// The context's metadata as the store holds it, or the metadata of a context that has none
/// yet (created with its application, the zero root and no heads).
fn meta(storage: &SimStorage) -> Result<ContextMeta, SessionError> {
    let stored = storage
        .store()
        .handle()
        .get(&key::ContextMeta::new(storage.context_id()))
        .map_err(storage_error("reading the context's metadata"))?;
    Ok(stored.unwrap_or_else(|| {
        ContextMeta::new(key::ApplicationMeta::new(super::context_actor::application()), [0; 32], Vec::new(), None)
    }))
}

fn put_meta(storage: &SimStorage, meta: &ContextMeta) -> Result<(), SessionError> {
    storage
        .store()
        .handle()
        .put(&key::ContextMeta::new(storage.context_id()), meta)
        .map_err(storage_error("writing the context's metadata"))
}

/// Writes the root hash the node's tree has now into the context's metadata, keeping its DAG
/// heads: production's context manager rewrites it after every applied change, and the
/// responders read it (a root request is told by it).
pub fn publish_root(storage: &SimStorage) -> Result<(), SessionError> {
    // A context that never received state has the zero root (production's fresh node holds no
    // state row; merosim's holds an empty root entity, whose hash is not zero).
    let root = match storage.is_fresh() {
        true => [0; 32],
        false => storage.root_hash().map_err(|e| SessionError::Storage(e.to_string()))?,
    };
    let mut meta = meta(storage)?;
    meta.root_hash = root;
    put_meta(storage, &meta)
}

#[cfg(calimero_node_path)]
/// The context's DAG heads as its metadata holds them (what production's DAG-heads responder
/// answers), without the genesis parent a fresh context starts from.
pub fn dag_heads(storage: &SimStorage) -> Vec<[u8; 32]> {
    let mut heads = meta(storage).map(|m| m.dag_heads).unwrap_or_default();
    heads.retain(|h| *h != GENESIS);
    heads.sort_unstable();
    heads
}

#[cfg(calimero_node_path)]
/// The commit of a local app call whose `actions` the node's store already holds, as
/// `calimero-context`'s execute handler makes it: parents are the metadata's heads that have a
/// persisted row (genesis if none), the HLC is the node's storage clock, the id is calimero's
/// `CausalDelta::compute_id`; the row is persisted as applied and the heads become this delta.
/// Returns the delta for the node's delta store (`add_local_applied_delta`).
pub fn commit_local(storage: &SimStorage, actions: &[Action]) -> Result<Delta, SessionError> {
    commit_signed(storage, actions).map(|(delta, _)| delta)
}

/// [`commit_local`], with the envelope signature the row got (what the broadcast carries).
#[cfg(calimero_node_path)]
pub fn commit_signed(storage: &SimStorage, actions: &[Action]) -> Result<(Delta, Option<[u8; 64]>), SessionError> {
    let mut meta = meta(storage)?;
    let handle = storage.store().handle();
    let mut parents: Vec<[u8; 32]> = meta
        .dag_heads
        .iter()
        .copied()
        .filter(|head| {
            *head == GENESIS
                || handle.get(&key::ContextDagDelta::new(storage.context_id(), *head)).is_ok_and(|row| row.is_some())
        })
        .collect();
    if parents.is_empty() {
        parents.push(GENESIS);
    }
    let hlc = storage.with_env(calimero_storage::env::hlc_timestamp);
    let id = calimero_storage::delta::CausalDelta::compute_id(&parents, actions, &hlc);
    let root = storage.root_hash().map_err(|e| SessionError::Storage(e.to_string()))?;
    let signature = sign(storage, id, hlc);
    let row = ContextDagDelta {
        delta_id: id,
        parents: parents.clone(),
        actions: borsh::to_vec(actions).map_err(|e| SessionError::Storage(format!("encoding a delta: {e}")))?,
        hlc,
        applied: true,
        #[cfg(not(calimero_delta_no_root))]
        expected_root_hash: root,
        // What calimero-context's execute writes for a local delta once deltas carry no root.
        #[cfg(calimero_delta_no_root)]
        checkpoint_root_hash: None,
        events: None,
        author_id: Some(storage.identity()),
        governance_position_blob: None,
        delta_signature: signature,
    };
    meta.root_hash = root;
    meta.dag_heads = vec![id];
    put_meta(storage, &meta)?;
    storage
        .store()
        .handle()
        .put(&key::ContextDagDelta::new(storage.context_id(), id), &row)
        .map_err(storage_error("persisting a local delta"))?;
    #[cfg(not(calimero_delta_no_root))]
    return Ok((CausalDelta::new(id, parents, actions.to_vec(), hlc, root), signature));
    #[cfg(calimero_delta_no_root)]
    Ok((CausalDelta::new(id, parents, actions.to_vec(), hlc), signature))
}

/// The envelope signature production's execute puts on a delta from 0.11.0-rc.9: the author's
/// identity key over `delta_signature_payload` (no governance position: merosim's contexts
/// belong to no group). Before it, and for a store without keys, none.
#[cfg(calimero_node_path)]
fn sign(storage: &SimStorage, id: [u8; 32], hlc: calimero_storage::logical_clock::HybridTimestamp) -> Option<[u8; 64]> {
    #[cfg(calimero_signed_deltas)]
    {
        use calimero_node_primitives::sync::delta_auth::delta_signature_payload;
        let keys = storage.keys()?;
        let (context, me) = (storage.context_id(), storage.identity());
        #[cfg(not(calimero_signed_hlc))]
        let payload = {
            let _ = hlc;
            delta_signature_payload(context, id, me, None).ok()?
        };
        #[cfg(calimero_signed_hlc)]
        let payload = delta_signature_payload(context, id, me, None, hlc).ok()?;
        let key = calimero_primitives::identity::PrivateKey::from(keys.identity_secret());
        key.sign(&payload).ok().map(|s| s.to_bytes())
    }
    #[cfg(not(calimero_signed_deltas))]
    {
        let _ = (storage, id, hlc);
        None
    }
}

#[cfg(calimero_node_path)]
/// The deltas of `wanted` this node has persisted as applied: what it answers a peer's request
/// for them with.
pub fn applied_deltas(storage: &SimStorage, wanted: &[[u8; 32]]) -> Vec<Delta> {
    let handle = storage.store().handle();
    wanted
        .iter()
        .filter_map(|id| handle.get(&key::ContextDagDelta::new(storage.context_id(), *id)).ok().flatten())
        .filter(|row: &ContextDagDelta| row.applied)
        .filter_map(|row| {
            let payload: Vec<Action> = borsh::from_slice(&row.actions).ok()?;
            #[cfg(not(calimero_delta_no_root))]
            return Some(CausalDelta::new(row.delta_id, row.parents, payload, row.hlc, row.expected_root_hash));
            #[cfg(calimero_delta_no_root)]
            Some(CausalDelta::new(row.delta_id, row.parents, payload, row.hlc))
        })
        .collect()
}

/// One delta row a node persisted, with what it claims of the delta.
#[cfg(calimero_node_path)]
pub struct DeltaRow {
    pub id: [u8; 32],
    pub author: Option<PublicKey>,
    pub parents: Vec<[u8; 32]>,
    pub applied: bool,
    /// A snapshot's genesis checkpoint (no parent but genesis, no actions), which no one authored.
    pub checkpoint: bool,
    /// Whether the row's envelope signature is its author's over its id (calimero's
    /// `verify_delta_signature`): `None` where there is none to check (unsigned, no author, or a
    /// release before merosim signs).
    pub signed_by_author: Option<bool>,
}

#[cfg(calimero_node_path)]
/// Every delta row this node persisted, in id order.
pub fn delta_rows(storage: &SimStorage) -> Vec<DeltaRow> {
    let (context, handle) = (storage.context_id(), storage.store().handle());
    let Ok(mut rows) = handle.iter::<key::ContextDagDelta>() else { return Vec::new() };
    let mut ids = Vec::new();
    let mut next = rows.seek(key::ContextDagDelta::new(context, [0; 32])).ok().flatten();
    while let Some(key) = next.take().filter(|k| k.context_id() == context) {
        ids.push(key.delta_id());
        next = rows.next().ok().flatten();
    }
    ids.into_iter()
        .filter_map(|id| handle.get(&key::ContextDagDelta::new(context, id)).ok().flatten())
        .map(|r: ContextDagDelta| DeltaRow {
            signed_by_author: signed_by_author(storage, &r),
            id: r.delta_id,
            author: r.author_id,
            checkpoint: r.parents == [GENESIS]
                && borsh::from_slice::<Vec<Action>>(&r.actions).is_ok_and(|a| a.is_empty()),
            parents: r.parents,
            applied: r.applied,
        })
        .collect()
}

/// See [`DeltaRow::signed_by_author`].
#[cfg(calimero_node_path)]
fn signed_by_author(storage: &SimStorage, row: &ContextDagDelta) -> Option<bool> {
    #[cfg(calimero_signed_deltas)]
    {
        use calimero_node_primitives::sync::delta_auth::verify_delta_signature;
        let (author, signature) = (row.author_id?, row.delta_signature?);
        #[cfg(not(calimero_signed_hlc))]
        let verified = verify_delta_signature(storage.context_id(), row.delta_id, author, None, &signature);
        #[cfg(calimero_signed_hlc)]
        let verified = verify_delta_signature(storage.context_id(), row.delta_id, author, None, row.hlc, &signature);
        Some(verified.is_ok())
    }
    #[cfg(not(calimero_signed_deltas))]
    {
        let _ = (storage, row);
        None
    }
}

#[cfg(calimero_node_path)]
/// The deltas this node persisted as applied without an author claim (other than a snapshot's
/// genesis checkpoint): calimero persists a delta its cascade applied so, and its delta
/// responder answers `DeltaNotFound` for such a row rather than serve it.
pub fn unclaimed_deltas(storage: &SimStorage) -> Vec<[u8; 32]> {
    delta_rows(storage).into_iter().filter(|r| r.applied && r.author.is_none() && !r.checkpoint).map(|r| r.id).collect()
}

#[cfg(calimero_node_path)]
/// Whether this node persisted delta `id` (applied or not).
pub fn holds_delta(storage: &SimStorage, id: &[u8; 32]) -> bool {
    let handle = storage.store().handle();
    handle.get(&key::ContextDagDelta::new(storage.context_id(), *id)).is_ok_and(|row| row.is_some())
}
