//! One node as its run holds it, and the registry that holds them. A node's durable part (its
//! identity and store, its causal book) survives a crash; its volatile part (the acceptor its
//! tasks listen on, deltas waiting for a session to end) dies with it. Everything a node goes
//! through — crash, restart, pause, a session half, a delta, a buggify toss — is a method here,
//! so test verbs and the chaos process change a node the same way, and nothing else reaches into
//! its fields.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc::UnboundedSender;

use super::causal::CausalBook;
use super::gossip::{Arrival, DeltaJob, GossipInbox};
use crate::crdt::CrdtOp;
use crate::ids::NodeId;
use crate::net::mailbox::Mailbox;
use crate::seed::{self, Stream};
use crate::store::SimNode;
use crate::transport::SimStream;

/// An inbound stream, handed to the responding node's acceptor.
pub(crate) struct Inbound {
    pub stream: SimStream,
}

/// The app's operations for one node, at their virtual instants.
pub(crate) type AppPlan = Arc<Vec<(tokio::time::Instant, CrdtOp)>>;

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Up,
    /// Its tasks are not scheduled; its store is untouched.
    Paused,
    /// Crashed; `by_fault` (chaos, mid-merge) rather than by the test: the heal restarts it.
    Down {
        by_fault: bool,
    },
}

/// Counts one thing for as long as it lives — also when a crash drops the task holding it, so
/// "idle" or "the app is done" never waits on something that no longer exists.
pub(crate) struct Held(Arc<AtomicU32>);

impl Held {
    pub fn new(counter: &Arc<AtomicU32>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Held(Arc::clone(counter))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a session's watch compares at its end to tell whether anything else touched a party.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    sessions_started: u64,
    mutations: u64,
}

pub(crate) struct Node {
    sim: SimNode,
    life: Life,
    /// Halves of sync sessions running on this node now, as initiator or responder: while it is
    /// non-zero, deltas wait in the buffer (I6), and the node is not idle (C2).
    sessions: Arc<AtomicU32>,
    /// Snapshot bootstraps running here (production's node path): production's gossip handler
    /// buffers a peer's delta only through one of these, or while the context is uninitialised.
    snapshots: Arc<AtomicU32>,
    /// Session halves ever started here.
    sessions_started: u64,
    /// Streams whose responder half a session's watch expects this node to serve, and those of
    /// them whose half has started: a watch discounts its own responder, and only its own.
    expected: BTreeSet<u64>,
    joined: BTreeSet<u64>,
    /// Writes, deltas and app operations applied to the store (session merges aside).
    mutations: u64,
    /// Sessions production's tick ran here to a result (`--tick production`).
    ticks: u64,
    /// Application writes made here (what `Injected::LoseWrite` counts).
    writes: u32,
    /// Present while the node's acceptor runs. A hand-driven node (no processes) never has one.
    acceptor: Option<UnboundedSender<Inbound>>,
    /// madsim's id for the node's processes; `None` for a hand-driven node.
    madsim_id: Option<madsim::task::NodeId>,
    gossip: GossipInbox,
    /// Which deltas this node has applied, made, or holds pending (durable: survives a crash).
    /// The model's book; production's node path keeps its deltas in calimero-node's delta store.
    causal: CausalBook,
    /// Production's node path: the node's delta-store process, while it runs, and how many
    /// deltas its store holds pending (in memory: a crash loses them).
    deltas: Option<UnboundedSender<DeltaJob>>,
    pending: usize,
    /// Production's gossip handler calls running here (a number each, and when each began), and
    /// the numbers handed out: what a wedged delta store shows (in memory: a crash ends them).
    handling: BTreeMap<u64, Duration>,
    handled: u64,
    /// What a restart resumes of the app.
    app_plan: AppPlan,
    /// This node's buggify coin, made on its first toss.
    buggify: Option<ChaCha8Rng>,
    /// What a Byzantine member keeps to lie with, made on its first lie.
    adversary: Option<super::byzantine::Adversary>,
}

impl Node {
    pub fn new(sim: SimNode) -> Self {
        Node {
            sim,
            life: Life::Up,
            sessions: Arc::default(),
            snapshots: Arc::default(),
            sessions_started: 0,
            expected: BTreeSet::new(),
            joined: BTreeSet::new(),
            mutations: 0,
            ticks: 0,
            writes: 0,
            acceptor: None,
            madsim_id: None,
            gossip: GossipInbox::default(),
            causal: CausalBook::default(),
            deltas: None,
            pending: 0,
            handling: BTreeMap::new(),
            handled: 0,
            app_plan: Arc::default(),
            buggify: None,
            adversary: None,
        }
    }

    pub fn sim(&self) -> &SimNode {
        &self.sim
    }

    pub fn id(&self) -> NodeId {
        self.sim.id()
    }

    pub fn is_live(&self) -> bool {
        !matches!(self.life, Life::Down { .. })
    }

    pub fn is_paused(&self) -> bool {
        self.life == Life::Paused
    }

    pub fn down_by_fault(&self) -> bool {
        self.life == Life::Down { by_fault: true }
    }

    /// Whether the node runs processes of its own (added by a `SimRuntime`).
    pub fn has_processes(&self) -> bool {
        self.madsim_id.is_some()
    }

    pub fn madsim_id(&self) -> Option<madsim::task::NodeId> {
        self.madsim_id
    }

    pub fn set_madsim_id(&mut self, id: madsim::task::NodeId) {
        self.madsim_id = Some(id);
    }

    // ---- life ----

    /// Marks the node down; returns the madsim node whose tasks die and the deltas that waited
    /// in its memory (sync repairs what they carried). `None` if it was down already.
    pub fn crash(&mut self, by_fault: bool) -> Option<(Option<madsim::task::NodeId>, usize)> {
        if !self.is_live() {
            return None;
        }
        self.life = Life::Down { by_fault };
        self.acceptor = None;
        self.deltas = None;
        // Buffered deltas and the DAG's pending ones live in memory; applied ones are persisted.
        self.handling.clear();
        let lost =
            std::mem::take(&mut self.gossip.buffer).len() + self.causal.restart() + std::mem::take(&mut self.pending);
        Some((self.madsim_id, lost))
    }

    /// Marks a down node up; returns the madsim node to restart. `None` if it was not down.
    pub fn restart(&mut self) -> Option<Option<madsim::task::NodeId>> {
        if self.is_live() {
            return None;
        }
        self.life = Life::Up;
        Some(self.madsim_id)
    }

    /// Pauses a node that is up (or pauses it again); returns the madsim node to stop scheduling.
    pub fn pause(&mut self) -> Option<madsim::task::NodeId> {
        if !self.is_live() {
            return None;
        }
        self.life = Life::Paused;
        self.madsim_id
    }

    /// Ends a pause; returns the madsim node to schedule again. `None` if it was not paused.
    pub fn resume(&mut self) -> Option<madsim::task::NodeId> {
        if !self.is_paused() {
            return None;
        }
        self.life = Life::Up;
        self.madsim_id
    }

    // ---- sessions ----

    /// One half of a session starts on this node: counted until the returned guard drops.
    pub fn enter_session(&mut self, stream: u64) -> Held {
        self.sessions_started += 1;
        if self.expected.remove(&stream) {
            self.joined.insert(stream);
        }
        Held::new(&self.sessions)
    }

    /// The watch of session `stream` expects this node to serve its responder half.
    pub fn expect_session(&mut self, stream: u64) {
        self.expected.insert(stream);
    }

    pub fn forget_session(&mut self, stream: u64) {
        self.expected.remove(&stream);
        self.joined.remove(&stream);
    }

    pub fn sessions_now(&self) -> u32 {
        self.sessions.load(Ordering::Relaxed)
    }

    pub fn busy(&self) -> bool {
        self.sessions_now() > 0
    }

    /// Production's snapshot bootstrap is running here for as long as the guard lives.
    #[cfg_attr(
        not(calimero_node_path),
        allow(dead_code, reason = "only production's node path bootstraps by snapshot")
    )]
    pub fn enter_snapshot(&self) -> Held {
        Held::new(&self.snapshots)
    }

    /// Whether a peer's delta waits instead of being applied (I6). The model holds it through any
    /// session; production (`NodeState::should_buffer_delta` and the gossip handler's
    /// uninitialised-context check) only through a snapshot bootstrap or before the context has
    /// state, since its sessions merge into a store that keeps taking deltas.
    pub fn holds_deltas(&self, production: bool) -> bool {
        if production {
            self.snapshots.load(Ordering::Relaxed) > 0 || self.sim.storage().is_fresh()
        } else {
            self.busy()
        }
    }

    pub fn mark(&self) -> Mark {
        Mark { sessions_started: self.sessions_started, mutations: self.mutations }
    }

    /// Nothing changed the node since `mark` but, if `own` names a session, that session's own
    /// responder half starting here: no other session half, no write, delta or app operation.
    pub fn untouched_since(&self, mark: Mark, own: Option<u64>) -> bool {
        let own_half = u64::from(own.is_some_and(|stream| self.joined.contains(&stream)));
        self.mutations == mark.mutations && self.sessions_started == mark.sessions_started + own_half
    }

    // ---- what it applies ----

    /// The store changed outside a session (a write, delta or app operation).
    pub fn mutated(&mut self) {
        self.mutations += 1;
    }

    /// Production's tick finished a session here (`--tick production`).
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs its tick"))]
    pub fn ticked(&mut self) {
        self.ticks += 1;
    }

    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Numbers the node's next application write (1-based).
    pub fn next_write(&mut self) -> u32 {
        self.writes += 1;
        self.writes
    }

    // ---- gossip ----

    pub fn set_acceptor(&mut self, acceptor: UnboundedSender<Inbound>) {
        self.acceptor = Some(acceptor);
    }

    /// The acceptor of a live node, if its processes run.
    pub fn acceptor(&self) -> Option<UnboundedSender<Inbound>> {
        self.acceptor.clone().filter(|_| self.is_live())
    }

    pub fn gossip_address(&self) -> Weak<Mailbox> {
        self.gossip.address()
    }

    pub fn gossip_mailbox(&self) -> Arc<Mailbox> {
        self.gossip.mailbox()
    }

    /// Holds a delta that arrived while `holds_deltas` until it no longer does (I6).
    pub fn buffer(&mut self, arrival: Arrival) {
        self.gossip.buffer.push(arrival);
    }

    /// What waited, once the node no longer holds deltas.
    pub fn drain(&mut self, production: bool) -> Vec<Arrival> {
        if self.holds_deltas(production) {
            return Vec::new();
        }
        std::mem::take(&mut self.gossip.buffer)
    }

    pub fn buffered(&self) -> usize {
        self.gossip.buffer.len()
    }

    pub fn causal(&self) -> &CausalBook {
        &self.causal
    }

    pub fn causal_mut(&mut self) -> &mut CausalBook {
        &mut self.causal
    }

    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs the process"))]
    pub fn set_delta_process(&mut self, jobs: UnboundedSender<DeltaJob>) {
        self.deltas = Some(jobs);
    }

    /// Hands `job` to the node's delta-store process; `false` when none runs (a hand-driven or
    /// crashed node, or the model's path).
    pub fn send_delta_job(&self, job: DeltaJob) -> bool {
        self.deltas.as_ref().is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Deltas waiting for parents: the delta store's count on production's path, the book's on
    /// the model's.
    pub fn pending_deltas(&self) -> usize {
        self.causal.pending_len() + self.pending
    }

    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs the process"))]
    pub fn set_pending(&mut self, pending: usize) {
        self.pending = pending;
    }

    /// A gossip handler call began at `at`: its number, for [`Node::handler_finished`].
    #[cfg_attr(not(calimero_gossip_handler), allow(dead_code, reason = "only production's gossip handler runs"))]
    pub fn handler_started(&mut self, at: Duration) -> u64 {
        self.handled += 1;
        self.handling.insert(self.handled, at);
        self.handled
    }

    #[cfg_attr(not(calimero_gossip_handler), allow(dead_code, reason = "only production's gossip handler runs"))]
    pub fn handler_finished(&mut self, call: u64) {
        self.handling.remove(&call);
    }

    /// When the oldest gossip handler call still running here began.
    pub fn handling_since(&self) -> Option<Duration> {
        self.handling.values().min().copied()
    }

    // ---- the app and buggify ----

    pub fn app_plan(&self) -> AppPlan {
        Arc::clone(&self.app_plan)
    }

    pub fn set_app_plan(&mut self, plan: AppPlan) {
        self.app_plan = plan;
    }

    /// This node's adversary (a Byzantine member's coin and memory), made on first use. It
    /// survives a crash, as what an attacker learned does.
    pub fn adversary(&mut self, run_seed: u64) -> &mut super::byzantine::Adversary {
        let id = self.id().get();
        self.adversary.get_or_insert_with(|| super::byzantine::Adversary::new(run_seed, id))
    }

    /// Tosses this node's buggify coin with probability `p`: a seed for what the firing needs.
    pub fn toss(&mut self, run_seed: u64, p: f64) -> Option<u64> {
        let id = self.id().get();
        let rng = self.buggify.get_or_insert_with(|| seed::rng(run_seed, Stream::Buggify { node: id }));
        rng.gen_bool(p).then(|| rng.gen::<u64>())
    }
}

/// Every node of a run, by id: the one place an id becomes a position.
#[derive(Default)]
pub(crate) struct Registry {
    nodes: Vec<Node>,
}

impl Registry {
    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id.index())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Whether `id` is one of the `byzantine` highest-numbered nodes (the run's adversaries).
    pub fn is_byzantine(&self, id: NodeId, byzantine: u32) -> bool {
        id.index() + byzantine as usize >= self.nodes.len()
    }

    /// The id the next node to join gets.
    pub fn next_id(&self) -> NodeId {
        NodeId::new(self.nodes.len() as u32)
    }

    pub fn push(&mut self, node: Node) {
        debug_assert_eq!(node.id(), self.next_id(), "nodes join in id order");
        self.nodes.push(node);
    }
}

#[cfg(test)]
mod tests {
    use calimero_primitives::context::ContextId;

    use super::*;

    fn alice() -> Node {
        Node::new(SimNode::new(NodeId::new(0), "alice", ContextId::from([9; 32])).expect("a store"))
    }

    /// The model's I6 holds a peer's delta through any session; production's gossip handler only
    /// through a snapshot bootstrap or while the context has no state. Holding it longer kept two
    /// nodes syncing each other at every tick from ever applying it (the rc.25 + 19 tree's seed
    /// 5927).
    #[test]
    fn production_holds_deltas_only_through_a_snapshot_or_before_the_context_has_state() {
        let fresh = alice();
        assert!(fresh.holds_deltas(true), "an uninitialised context buffers");
        assert!(!fresh.holds_deltas(false), "the model buffers only during sessions");

        let mut node = alice();
        node.sim.storage().initialize();
        assert!(!node.holds_deltas(true) && !node.holds_deltas(false));
        let session = node.enter_session(1);
        assert!(node.holds_deltas(false), "the model holds through any session");
        assert!(!node.holds_deltas(true), "production applies during a HashComparison session");
        drop(session);
        let snapshot = node.enter_snapshot();
        assert!(node.holds_deltas(true), "production holds through a snapshot bootstrap");
        drop(snapshot);
        assert!(!node.holds_deltas(true), "and no longer once it ends");
    }
}
