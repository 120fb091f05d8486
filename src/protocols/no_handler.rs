//! Where the build has no gossip handler merosim can run (the rc.25 + 19 tree, whose contexts
//! all belong to a group: build.rs), a peer's delta passes the handler's gates ([`admits`],
//! calimero's own checks) and goes to the node's delta store: what the node's delta process does
//! on such a build, and what [`LoneHandler`] does for a test that hands deltas over by hand.

use calimero_primitives::identity::PublicKey;

use crate::error::SessionError;
use crate::store::SimStorage;

use super::context_store::Delta;

/// One node's intake of peers' deltas on a build without the handler: its gates, then its delta
/// store (`NodePath::handles_gossip()` tells a test which one it has).
pub struct LoneHandler {
    deltas: super::deltas::NodeDeltas,
    storage: SimStorage,
}

impl LoneHandler {
    /// The intake of `storage`'s node, its delta store open.
    pub async fn open(storage: &SimStorage) -> Result<LoneHandler, SessionError> {
        let deltas = super::deltas::NodeDeltas::standalone(storage).await?;
        Ok(LoneHandler { deltas, storage: storage.clone() })
    }

    /// Hands the node `delta` as `author`'s, carrying `signature` (the sender does not matter
    /// here: no gate reads it). Returns whether the node's delta store applied it.
    pub async fn deliver(
        &self,
        delta: &Delta,
        author: &SimStorage,
        _sender: u32,
        signature: Option<[u8; 64]>,
    ) -> Result<bool, SessionError> {
        if admits(&self.storage, delta, author.identity(), signature).is_err() {
            return Ok(false);
        }
        let taken = self.deltas.add_received(delta.clone(), Some(author.identity()), None, signature).await;
        Ok(taken == super::deltas::Taken::Applied)
    }
}

/// Whether production's gossip handler would let a peer's delta by `author` through to its delta
/// store: calimero's own checks, in the handler's order (`apply_authorized_state_delta`): the
/// envelope signature verified against the claimed author (`verify_delta_signature`), then the
/// id recomputed from the content (`CausalDelta::content_address_matches`, #3547). A delta with
/// no signature passes here, unlike production (which refuses it from 0.11.0-rc.9): merosim's
/// honest members always sign on these builds, and its adversary always sends one. `Err` names
/// the gate that refused.
pub fn admits(
    storage: &SimStorage,
    delta: &Delta,
    author: PublicKey,
    signature: Option<[u8; 64]>,
) -> Result<(), &'static str> {
    #[cfg(calimero_signed_hlc)]
    if let Some(signature) = signature {
        calimero_node_primitives::sync::delta_auth::verify_delta_signature(
            storage.context_id(),
            delta.id,
            author,
            None,
            delta.hlc,
            &signature,
        )
        .map_err(|_| "envelope signature")?;
    }
    #[cfg(not(calimero_signed_hlc))]
    let _ = (storage, author, signature);
    #[cfg(calimero_content_addressed)]
    if !calimero_storage::delta::CausalDelta::content_address_matches(
        &delta.id,
        &delta.parents,
        &delta.payload,
        &delta.hlc,
    ) {
        return Err("content address");
    }
    #[cfg(not(calimero_content_addressed))]
    let _ = delta;
    Ok(())
}
