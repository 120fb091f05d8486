//! From calimero's protocol choice to a session merosim can run.
//!
//! `select_protocol` (calimero-node-primitives, the function production uses) may choose a
//! protocol calimero-node does not export for external drivers — snapshot and delta sync are
//! `pub(crate)`, bloom-filter and subtree-prefetch are not implemented upstream. Production's
//! protocol selector falls back to snapshot for those, which an initialised node refuses without
//! `force`. merosim runs HashComparison instead — a stand-in of its own, listed among the
//! fidelity limits in docs/architecture.md — and records the substitution so it is never silent.

use calimero_node_primitives::sync::{select_protocol, LocalSyncState, SyncHandshake, SyncProtocol};

use super::Protocol;

/// What a node will do after a handshake: public so a test can ask what `select_protocol`
/// chooses between two states, and why, as upstream's negotiation tests do.
#[derive(Clone, Debug)]
pub struct SyncPlan {
    /// What `select_protocol` chose, by name (e.g. "hash-comparison", "snapshot", "none").
    pub selected: &'static str,
    /// `select_protocol`'s stated reason.
    pub reason: &'static str,
    /// The session to run, if any.
    pub run: Option<Protocol>,
    /// Set when `run` is a stand-in for `selected`.
    pub fallback: bool,
    /// The two handshakes the choice was made from.
    pub local: SyncHandshake,
    pub remote: SyncHandshake,
}

/// The name merosim reports for a calimero protocol choice.
pub fn protocol_name(protocol: &SyncProtocol) -> &'static str {
    match protocol {
        SyncProtocol::None => "none",
        SyncProtocol::HashComparison { .. } => "hash-comparison",
        SyncProtocol::LevelWise { .. } => "level-wise",
        SyncProtocol::Snapshot { .. } => "snapshot",
        SyncProtocol::DeltaSync { .. } => "delta-sync",
        SyncProtocol::BloomFilter { .. } => "bloom-filter",
        SyncProtocol::SubtreePrefetch { .. } => "subtree-prefetch",
    }
}

/// Handshakes both states with `build_handshake` and asks `select_protocol`.
pub fn plan(local: &impl LocalSyncState, remote: &impl LocalSyncState) -> SyncPlan {
    let (local, remote) = (
        calimero_node_primitives::sync::build_handshake(local),
        calimero_node_primitives::sync::build_handshake(remote),
    );
    let selection = select_protocol(&local, &remote);
    let (run, fallback) = match &selection.protocol {
        SyncProtocol::None => (None, false),
        SyncProtocol::HashComparison { .. } => (Some(Protocol::HashComparison), false),
        SyncProtocol::LevelWise { max_depth } => (Some(Protocol::LevelWise { max_depth: *max_depth }), false),
        SyncProtocol::Snapshot { .. }
        | SyncProtocol::DeltaSync { .. }
        | SyncProtocol::BloomFilter { .. }
        | SyncProtocol::SubtreePrefetch { .. } => (Some(Protocol::HashComparison), true),
    };
    let selected = protocol_name(&selection.protocol);
    SyncPlan { selected, reason: selection.reason, run, fallback, local, remote }
}
