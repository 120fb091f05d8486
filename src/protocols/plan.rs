//! From calimero's protocol choice to a session merosim can run.
//!
//! Two ways to build the handshakes `select_protocol` compares ([`Handshakes`]):
//!
//! - **Production** — as calimero-node's `SyncManager` builds them (`build_local_handshake`,
//!   `build_remote_handshake`, both `pub(super)` there): its own side from the root's direct
//!   child count at depth 1, the peer's side estimated from the root and DAG heads the peer
//!   answers a `DagHeadsRequest` with (calimero's `estimate_entity_count`/`estimate_max_depth`).
//!   What the manager then does with the choice is followed too: bloom-filter, subtree-prefetch
//!   and snapshot fall back to a snapshot sync without `force`, which calimero's
//!   `check_snapshot_safety` refuses on a node that has state (I5) — the session never starts.
//! - **Full tree** — both sides from full tree statistics, merosim's first design. Production
//!   never builds these; they let a hand-written test reach LevelWise.
//!
//! Where a snapshot would run (a node with no state), the plan names HashComparison, marked as a
//! stand-in: production's node path runs calimero's own snapshot sync there instead
//! (`cluster/production.rs`); the model runs the stand-in and records the substitution so it is
//! never silent.

use calimero_node_primitives::sync::{
    build_handshake_from_raw, check_snapshot_safety, estimate_entity_count, estimate_max_depth, select_protocol,
    LocalSyncState, SyncHandshake, SyncProtocol,
};

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
    /// Why production would not sync at all after this choice (e.g. the snapshot it falls back
    /// to is refused on a node with state); `run` is then `None`.
    pub refused: Option<&'static str>,
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
    SyncPlan { selected, reason: selection.reason, run, fallback, refused: None, local, remote }
}

/// How a node builds the handshakes it asks `select_protocol` about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::Display, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Handshakes {
    /// As calimero-node's `SyncManager` builds them, and what it does with the choice.
    #[default]
    Production,
    /// Both from full tree statistics; reaches LevelWise, which production never selects.
    FullTree,
}

impl std::str::FromStr for Handshakes {
    type Err = crate::args::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::args::by_name(s, "handshakes")
    }
}

/// What production's handshakes are built from, for one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadsView {
    /// The root's full Merkle hash (calimero keeps it as the context's `root_hash`).
    pub root_hash: [u8; 32],
    /// How many children the root's index lists (only the local side reads it).
    pub root_children: u64,
    /// The node's DAG heads: what a `DagHeadsRequest` answers with.
    pub dag_heads: Vec<[u8; 32]>,
}

/// Plans a sync as calimero-node's `SyncManager` does: `local`'s handshake from its root's child
/// count (depth 1, as `query_tree_stats` reports), the peer's estimated from the root and heads
/// its `DagHeadsResponse` carries, then `select_protocol` and the manager's dispatch.
pub fn plan_as_production(local: &HeadsView, remote: &HeadsView) -> SyncPlan {
    let local_handshake =
        build_handshake_from_raw(local.root_hash, local.root_children.max(1), 1, local.dag_heads.clone());
    let remote_count = estimate_entity_count(remote.root_hash, remote.dag_heads.len());
    let remote_handshake = build_handshake_from_raw(
        remote.root_hash,
        remote_count,
        estimate_max_depth(remote_count),
        remote.dag_heads.clone(),
    );
    let selection = select_protocol(&local_handshake, &remote_handshake);
    let has_state = local.root_hash != [0; 32];
    let (run, fallback, refused) = match &selection.protocol {
        SyncProtocol::None => (None, false, None),
        SyncProtocol::HashComparison { .. } => (Some(Protocol::HashComparison), false, None),
        SyncProtocol::LevelWise { max_depth } => (Some(Protocol::LevelWise { max_depth: *max_depth }), false, None),
        // Never chosen by `select_protocol`; the manager would pull deltas by DAG heads.
        SyncProtocol::DeltaSync { .. } => (Some(Protocol::HashComparison), true, None),
        // The manager's protocol selector sends these to a snapshot sync without `force`;
        // calimero's own safety check decides whether it may run.
        SyncProtocol::Snapshot { .. } | SyncProtocol::BloomFilter { .. } | SyncProtocol::SubtreePrefetch { .. } => {
            match check_snapshot_safety(has_state) {
                Ok(()) => (Some(Protocol::HashComparison), true, None),
                Err(_) => (None, false, Some("snapshot refused on a node with state (I5)")),
            }
        }
    };
    SyncPlan {
        selected: protocol_name(&selection.protocol),
        reason: selection.reason,
        run,
        fallback,
        refused,
        local: local_handshake,
        remote: remote_handshake,
    }
}
