//! The initiating side: build the protocol's config from what a handshake would tell us (the
//! peer's root hash) and run calimero-node's `run_initiator`.

use calimero_node::sync::{
    HashComparisonConfig, HashComparisonProtocol, HashComparisonStats, LevelWiseConfig, LevelWiseProtocol,
    LevelWiseStats,
};
use calimero_node_primitives::sync::{SyncProtocolExecutor, SyncTransport};

use super::{Protocol, SessionStats, Verifier};
use crate::error::SessionError;
use crate::store::SimStorage;

/// Runs one initiator session against `remote_root_hash` and normalises its stats.
///
/// `context_client` and `session_peer` are `None`, as calimero's own sync-sim does: there is no
/// WASM executor to lock against and no membership store to consult in simulation.
pub async fn initiate<T: SyncTransport>(
    stream: &mut T,
    storage: &SimStorage,
    protocol: Protocol,
    remote_root_hash: [u8; 32],
) -> Result<SessionStats, SessionError> {
    let (store, context, identity) = (storage.store(), storage.context_id(), storage.identity());
    match protocol {
        Protocol::HashComparison => {
            let config = HashComparisonConfig {
                remote_root_hash,
                #[cfg(calimero_context_client)]
                context_client: None,
                #[cfg(calimero_session_peer)]
                session_peer: None,
                #[cfg(calimero_init_pop)]
                init_pop: super::proof::init_proof(storage),
            };
            let stats = HashComparisonProtocol::run_initiator(stream, store, context, identity, config)
                .await
                .map_err(|e| SessionError::classify(&e))?;
            #[cfg(calimero_root_merge_dispatch)]
            merge_deferred_roots(storage, &stats.deferred_root_merges).await;
            Ok(SessionStats::from(stats))
        }
        Protocol::LevelWise { max_depth } => {
            let config = LevelWiseConfig {
                remote_root_hash,
                max_depth,
                #[cfg(calimero_context_client)]
                context_client: None,
                #[cfg(calimero_session_peer)]
                session_peer: None,
                #[cfg(calimero_init_pop)]
                init_pop: super::proof::init_proof(storage),
            };
            let stats = LevelWiseProtocol::run_initiator(stream, store, context, identity, config)
                .await
                .map_err(|e| SessionError::classify(&e))?;
            #[cfg(calimero_root_merge_dispatch)]
            merge_deferred_roots(storage, &stats.deferred_root_merges).await;
            Ok(SessionStats::from(stats))
        }
    }
}

/// The root-state merges the session left to the app (calimero merges an app's root entry in
/// its WASM, never on the host), handed to it as production's protocol selector hands them after
/// a successful session: `dispatch_deferred_root_merges`, through the node's context client, whose
/// stand-in runs the app's `__calimero_merge_root_state` (`context_actor`). Builds without
/// production's node path leave them unmerged (and releases without the dispatch have no such
/// merges).
#[cfg(calimero_root_merge_dispatch)]
async fn merge_deferred_roots(storage: &SimStorage, deferred: &[([u8; 32], Vec<u8>, u64)]) {
    if deferred.is_empty() {
        return;
    }
    #[cfg(calimero_node_path)]
    if let Ok(client) = super::manager::context_client(storage) {
        calimero_node::sync::protocol_selector::dispatch_deferred_root_merges(
            &client,
            storage.store(),
            storage.context_id(),
            storage.identity(),
            deferred,
        )
        .await;
    }
    #[cfg(not(calimero_node_path))]
    let _ = storage;
}

impl From<HashComparisonStats> for SessionStats {
    fn from(s: HashComparisonStats) -> Self {
        SessionStats {
            nodes_compared: s.nodes_compared,
            nodes_skipped: s.nodes_skipped,
            entities_merged: s.entities_merged,
            entities_pushed: s.entities_pushed,
            requests_sent: s.requests_sent,
            levels_synced: 0,
            // Before 0.10.1-rc.41 HashComparison did not check its result; the session driver
            // computes the same comparison and marks it.
            #[cfg(calimero_hc_verified)]
            root_hash_verified: s.root_hash_verified,
            #[cfg(calimero_hc_verified)]
            verified_by: Verifier::Protocol,
            #[cfg(not(calimero_hc_verified))]
            root_hash_verified: false,
            #[cfg(not(calimero_hc_verified))]
            verified_by: Verifier::Computed,
        }
    }
}

impl From<LevelWiseStats> for SessionStats {
    /// LevelWise only pulls, so nothing is ever pushed.
    fn from(s: LevelWiseStats) -> Self {
        SessionStats {
            nodes_compared: s.nodes_compared,
            nodes_skipped: s.nodes_skipped,
            entities_merged: s.entities_merged,
            entities_pushed: 0,
            requests_sent: s.requests_sent,
            levels_synced: s.levels_synced,
            root_hash_verified: s.root_hash_verified,
            verified_by: Verifier::Protocol,
        }
    }
}
