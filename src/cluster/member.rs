//! One node's entry in the World: its durable part (identity and store, which survive crashes)
//! and its volatile part (liveness, sessions under way, the acceptor its tasks listen on, its
//! gossip inbox).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::causal::CausalBook;
use super::gossip::GossipInbox;
use crate::store::SimNode;
use crate::transport::SimStream;

/// An inbound stream, handed to the responding node's acceptor.
pub(crate) struct Inbound {
    pub stream: SimStream,
}

pub(crate) struct Member {
    pub node: SimNode,
    pub crashed: bool,
    /// Sessions this node takes part in right now, as initiator or as a responder its acceptor
    /// serves: while it is non-zero, deltas wait in the buffer (I6).
    pub active: Arc<AtomicU32>,
    /// Present while the node's acceptor runs; gone when the node is down. A node added by hand
    /// (no processes) never has one.
    pub acceptor: Option<UnboundedSender<Inbound>>,
    /// madsim's id for the node's processes, for kill/restart; `None` for a hand-driven node.
    pub madsim_id: Option<madsim::task::NodeId>,
    pub gossip: GossipInbox,
    /// Which deltas this node has applied, made, or holds pending (durable: survives a crash).
    pub causal: CausalBook,
    /// Writes and deltas applied to this node's store so far (session merges aside).
    pub mutations: u64,
    /// Sessions this node is a party to right now, and ever started: what tells a session
    /// oracle whether another session touched its parties.
    pub sessions_now: u32,
    pub sessions_started: u64,
    /// Application writes this node made (what `Injected::LoseWrite` counts).
    pub writes: u32,
    /// Paused by the chaos process (its tasks are not scheduled; its store is untouched).
    pub paused: bool,
    /// Crashed by a fault (chaos, mid-merge) rather than by the test: the heal phase restarts it.
    pub crashed_by_fault: bool,
    /// The app's operations for this node, at their virtual instants (what a restart resumes).
    pub app_plan: Arc<Vec<(tokio::time::Instant, crate::crdt::CrdtOp)>>,
    /// This node's buggify coin (drawn only when buggify is on).
    pub buggify: Option<rand_chacha::ChaCha8Rng>,
}

impl Member {
    pub fn new(node: SimNode) -> Self {
        Member {
            node,
            crashed: false,
            active: Arc::default(),
            acceptor: None,
            madsim_id: None,
            gossip: GossipInbox::default(),
            causal: CausalBook::default(),
            mutations: 0,
            sessions_now: 0,
            sessions_started: 0,
            writes: 0,
            paused: false,
            crashed_by_fault: false,
            buggify: None,
            app_plan: Arc::default(),
        }
    }

    pub fn busy(&self) -> bool {
        self.active.load(Ordering::Relaxed) > 0
    }
}

/// Counts a session as active for as long as it lives — including when its task is dropped
/// because the node crashed, so "idle" never waits on a session that no longer exists.
pub(crate) struct ActiveGuard(Arc<AtomicU32>);

impl ActiveGuard {
    pub fn new(counter: &Arc<AtomicU32>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        ActiveGuard(Arc::clone(counter))
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
