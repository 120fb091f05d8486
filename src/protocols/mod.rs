//! The only module that names `calimero-node` types. Everything calimero-node-specific — which
//! protocols exist, how their stats look, how a responder recognises a session from its first
//! frame — lives here, so a calimero version bump touches this folder and nothing else.
//!
//! The protocols run unchanged: `HashComparisonProtocol` and `LevelWiseProtocol` from the
//! published crate, driven through their `SyncProtocolExecutor` impls over a [`SimStream`].
//!
//! [`SimStream`]: crate::transport::SimStream

mod heads;
mod initiator;
#[cfg(calimero_node_path)]
mod lies;
// The context manager's per-context lock, which pushes to production's responder need (and its
// unit test, in every build). AcquireContextLock is in 0.11.0-rc.4 and not in 0.10.1-rc.40; gated
// on the first release merosim has checked it in.
#[cfg(all(calimero_session_peer, any(calimero_manager_visible, test)))]
mod context_actor;
// What production's context manager keeps in a node's store (metadata, delta rows).
#[cfg(all(calimero_session_peer, any(calimero_manager_visible, test)))]
mod context_store;
#[cfg(calimero_node_path)]
mod deltas;
#[cfg(calimero_node_path)]
mod driver;
#[cfg(calimero_manager_visible)]
mod manager;
mod names;
#[cfg(calimero_node_path)]
mod network_actor;
mod node_path;
mod plan;
#[cfg(any(calimero_node_path, calimero_init_pop))]
mod proof;
#[cfg(calimero_node_path)]
mod relay;
mod release;
pub(crate) use release::release_in;
mod responder;
mod session;
// Production's signer of User-owned writes (calimero-context, made public by scripts/visibility-patch);
// releases from 0.11.0-rc.20 name the owner by account and need governance to verify it.
#[cfg(calimero_user_storage)]
mod signing;
#[cfg(calimero_user_storage)]
pub use signing::{sign_only, sign_user_writes};
// Production's gossip handler, where the build has it (build.rs).
#[cfg(all(calimero_node_path, not(calimero_gossip_handler)))]
mod no_handler;
#[cfg(calimero_gossip_handler)]
mod state_delta;
mod walk;

use std::fmt;

#[cfg(calimero_node_path)]
pub use context_store::{
    applied_deltas, commit_local, commit_signed, dag_heads, delta_rows, holds_delta, unclaimed_deltas, Delta,
};
#[cfg(calimero_node_path)]
pub use deltas::{events, NodeDeltas, Taken};
#[cfg(calimero_node_path)]
pub use driver::TickResult;
pub use heads::{ask_dag_heads, HeadsAnswer};
pub use initiator::initiate;
#[cfg(calimero_node_path)]
pub use lies::liar;
#[cfg(calimero_node_path)]
pub use manager::ProductionResponder;
#[cfg(calimero_node_path)]
pub use names::first_request;
pub(crate) use names::{init_payload_name, message_name};
#[cfg(calimero_node_path)]
pub use network_actor::Dialer;
#[cfg(all(calimero_node_path, not(calimero_gossip_handler)))]
pub use no_handler::{admits, LoneHandler};
pub use node_path::{DagCompaction, NodePath, Tick};
pub use plan::protocol_name;
pub use plan::{plan, plan_as_production, Handshakes, HeadsView, SyncPlan};
#[cfg(calimero_node_path)]
pub use proof::peer_id;
#[cfg(calimero_node_path)]
pub use relay::carried;
pub use responder::{respond, respond_with, serve, HcResponder};
pub use session::{Session, SessionOptions, SessionReport, LOOP_BUDGET};
#[cfg(calimero_gossip_handler)]
pub use state_delta::{seal, Arrived, LoneHandler, SealedArtifact};
pub use walk::{walk_tree, NodeAnswer, TreeAnswers};

/// The most children one HashComparison answer may list: the initiator skips a parent with more
/// (docs/findings.md F12), so the checks name differences under such a parent.
pub const MAX_CHILDREN: usize = calimero_node_primitives::sync::MAX_CHILDREN_PER_NODE;

/// Process-wide setup that must run outside a simulation (madsim refuses OS threads inside one):
/// the blob folder production's `SyncManager` is built with, where this build can build one.
pub fn warm_up() {
    #[cfg(calimero_manager_visible)]
    manager::warm_up();
}

/// The calimero-node release this build runs (what `build.rs` found in the lockfile).
pub const CALIMERO_VERSION: &str = env!("MEROSIM_CALIMERO_VERSION");

/// Whether calimero-node's own tokio calls run on madsim (its timers in virtual time, its spawns
/// on the node's task queue): `scripts/visibility-patch` builds the published crate's copy
/// against madsim-tokio (one manifest hunk). A plain build's calimero-node, and a source tree's,
/// keep real tokio, whose timers cannot run inside a simulation.
pub fn calimero_node_virtual_time() -> bool {
    cfg!(calimero_node_virtual_time)
}

/// Whether this build runs a release in `first..=last` ("-" leaves an end open): a finding's
/// or a zoo bug's row applies here.
pub fn calimero_in(first: &str, last: &str) -> bool {
    release::release_in(CALIMERO_VERSION, first, last)
}

/// Whether this build runs `release` or a later calimero: for tests whose expected outcome is a
/// behaviour upstream changed at that release (the finding says which).
pub fn calimero_since(release: &str) -> bool {
    release::release_key(CALIMERO_VERSION) >= release::release_key(release)
}

#[cfg(calimero_unsupported)]
compile_error!("merosim supports calimero-node from 0.10.1-rc.37 (crates.io up to 0.11.0-rc.4, source trees after it)");

/// Resets calimero-storage's thread-local environment inside a run, so its HLC (and the random
/// node id it draws) comes from the run's seed. Releases before 0.11.0-rc.1 have no reset; on
/// them the HLC starts lazily on first use, inside the run, from the same seeded source.
pub fn reset_storage_environment() {
    #[cfg(calimero_reset_env)]
    calimero_storage::env::reset_environment();
}

/// A madsim runtime seeded with `seed`, with calimero-storage's environment reset inside it so
/// the HLC (and its random node id) comes from this seed too.
pub(crate) fn seeded_runtime(seed: u64) -> madsim::runtime::Runtime {
    // Outside any simulation: what may start an OS thread has to happen here.
    warm_up();
    let runtime = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    runtime.block_on(async { reset_storage_environment() });
    runtime
}

/// A sync protocol calimero-node exports for external drivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Protocol {
    /// Merkle-tree DFS: request a node, compare child hashes, descend where they differ.
    HashComparison,
    /// Level-by-level BFS, meant for wide shallow trees; `max_depth` levels at most.
    LevelWise { max_depth: u32 },
}

impl Protocol {
    /// Stable name for reports and metrics: the variant's in kebab case, without parameters.
    pub fn name(&self) -> &'static str {
        self.into()
    }
}

// Not strum's `Display`: a `to_string` that shows `max_depth` would become `name()` too.
impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::HashComparison => f.write_str("hash-comparison"),
            Protocol::LevelWise { max_depth } => write!(f, "level-wise(max_depth={max_depth})"),
        }
    }
}

/// The initiator's view of a finished session, common to both protocols.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub nodes_compared: u64,
    pub nodes_skipped: u64,
    /// Entities pulled from the peer and merged locally.
    pub entities_merged: u64,
    /// Entities pushed to the peer (HashComparison's bidirectional repair).
    pub entities_pushed: u64,
    pub requests_sent: u64,
    /// LevelWise only: levels walked.
    pub levels_synced: u32,
    /// The protocol's own post-sync check: local root equals the root it set out to reach.
    pub root_hash_verified: bool,
    /// Who said so: the protocol, or merosim (for releases whose stats lack the check, the
    /// session driver computes it the same way and marks it).
    pub verified_by: Verifier,
}

/// Where `SessionStats::root_hash_verified` comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verifier {
    /// The protocol's own stats carry it.
    #[default]
    Protocol,
    /// The release's stats do not; merosim compared the initiator's root with the peer's root
    /// when the session ended (what the protocol itself does since 0.11.0-rc.2).
    Computed,
}

impl SessionStats {
    /// Whether the protocol itself admitted the trees still differ (as opposed to saying nothing,
    /// or claiming success).
    pub fn flagged(&self) -> bool {
        self.verified_by == Verifier::Protocol && !self.root_hash_verified
    }

    /// An `Ok` that compared, merged and pushed nothing.
    pub fn did_nothing(&self) -> bool {
        self.nodes_compared == 0 && self.entities_merged == 0 && self.entities_pushed == 0
    }
}
