//! What the nodes of a `SimRuntime` share: the network, the config, and a registry of members —
//! each member's store (which survives crashes), liveness, active sessions and the inbox through
//! which it accepts inbound streams.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use calimero_primitives::context::ContextId;
use tokio::sync::mpsc::UnboundedSender;

use super::gossip::Delta;
use super::SimNode;
use crate::metrics::Counters;
use crate::net::mailbox::Mailbox;
use crate::net::{NetworkRouter, NodeId};
use crate::runtime::SimConfig;
use crate::trace::Trace;
use crate::transport::SimStream;

/// An inbound stream, handed to the responding node's acceptor.
pub(crate) struct Inbound {
    pub stream: SimStream,
}

/// One node's entry in the registry.
pub(crate) struct Member {
    pub node: SimNode,
    pub crashed: bool,
    /// Sessions this node takes part in right now, as initiator or responder.
    pub active: Arc<AtomicU32>,
    /// Present while the node's acceptor runs; gone when the node is down.
    pub acceptor: Option<UnboundedSender<Inbound>>,
    /// madsim's id for the node, for kill/restart.
    pub madsim_id: Option<madsim::task::NodeId>,
    /// Where gossiped deltas arrive.
    pub gossip: Arc<Mailbox>,
    /// Deltas received during a session, applied when the node is idle again (I6).
    pub buffer: Vec<Delta>,
}

pub(crate) struct Cluster {
    pub config: SimConfig,
    pub context_id: ContextId,
    pub router: NetworkRouter,
    pub trace: Arc<Trace>,
    members: Mutex<Vec<Member>>,
    counters: Mutex<Counters>,
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

impl Cluster {
    pub fn new(config: SimConfig, context_id: ContextId, router: NetworkRouter) -> Self {
        let trace = router.trace();
        Self { config, context_id, router, trace, members: Mutex::new(Vec::new()), counters: Mutex::default() }
    }

    pub fn members(&self) -> MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn node(&self, id: NodeId) -> Option<SimNode> {
        self.members().get(id.0 as usize).map(|m| m.node.clone())
    }

    /// Live peers of `id`, in id order.
    pub fn live_peers(&self, id: NodeId) -> Vec<SimNode> {
        self.members().iter().filter(|m| !m.crashed && m.node.id() != id).map(|m| m.node.clone()).collect()
    }

    pub fn active_counter(&self, id: NodeId) -> Arc<AtomicU32> {
        Arc::clone(&self.members()[id.0 as usize].active)
    }

    pub fn acceptor(&self, id: NodeId) -> Option<UnboundedSender<Inbound>> {
        self.members().get(id.0 as usize).filter(|m| !m.crashed).and_then(|m| m.acceptor.clone())
    }
}
