//! The World: everything one simulated run shares — its options, the context, the trace, the
//! network and the nodes. There is one World per run, whether a test drives sessions by hand or a
//! `SimRuntime` runs nodes with sync loops; both go through the same session driver and keep the
//! same books.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use calimero_primitives::context::ContextId;

use super::counters::Counters;
use super::history::{Book, Planted, WriteRecord};
use super::node::{Node, Registry};
use super::SimConfig;
use crate::crdt::Layout;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::net::{FaultConfig, NetworkRouter};
use crate::oracle::{Oracle, OracleCounts, Signal, Violation};
use crate::store::SimNode;
use crate::trace::{FrameRecord, Trace};

/// What the heal left behind: when, the chaos phase's faults, and the time it gave to converge.
pub(crate) struct Healed {
    pub(super) at: Duration,
    pub(super) faults: FaultConfig,
    pub(super) bound: Duration,
}

/// One node as the convergence check sees it.
pub(crate) struct NodeState {
    pub sim: SimNode,
    pub live: bool,
    /// Session halves running on it.
    pub sessions: u32,
    /// Deltas waiting for its sessions to end.
    pub buffered: usize,
}

/// The app a run declared: its context (fixed at creation, except that a world with no nodes
/// yet moves to the CRDT context when its app declares collections) and its collections.
struct App {
    context: ContextId,
    layout: Option<Layout>,
}

pub struct World {
    config: SimConfig,
    trace: Arc<Trace>,
    router: NetworkRouter,
    nodes: Mutex<Registry>,
    book: Mutex<Book>,
    app: Mutex<App>,
    /// Workload writers and apps still running: a run is not over while the app is.
    writers: Arc<AtomicU32>,
    /// The madsim node merosim's own timers run on (chaos episodes, restarts), made on first use.
    control: Mutex<Option<madsim::runtime::NodeHandle>>,
    /// Set once, at the heal. Shared with hooks armed on streams before it, which go quiet then.
    healed: Arc<OnceLock<Healed>>,
}

impl World {
    /// A world with default options, `faults` on every link. Must be created inside the
    /// simulation ([`simulate`](crate::runtime::simulate) or a `SimRuntime`): the trace and the
    /// router anchor themselves to the virtual clock.
    pub fn new(seed: u64, faults: FaultConfig) -> Self {
        Self::with_config(SimConfig::with_seed(seed).with_faults(faults))
    }

    pub fn with_config(mut config: SimConfig) -> Self {
        let trace = Arc::new(Trace::new());
        let router = NetworkRouter::new(config.seed, config.faults.clone(), Arc::clone(&trace) as _);
        // The router holds the only live copy of the network's faults; the World keeps the part
        // that acts on nodes (clocks, pauses, crashes, buggify), fixed at start.
        config.faults =
            FaultConfig { nodes: config.faults.nodes, buggify: config.faults.buggify, ..FaultConfig::none() };
        World {
            app: Mutex::new(App { context: config.context(), layout: None }),
            config,
            trace,
            router,
            nodes: Mutex::default(),
            book: Mutex::default(),
            writers: Arc::default(),
            control: Mutex::default(),
            healed: Arc::default(),
        }
    }

    /// Whether every write of this run went through the World (see the phantom oracle).
    pub fn history_is_complete(&self) -> bool {
        self.book().is_complete()
    }

    pub(crate) fn mark_history_complete(&self) {
        self.book().mark_complete();
    }

    /// The run's options as they act: the network's faults as they are now (they can change
    /// mid-run) — or, once a chaos phase healed, as they were during it — and the nodes' faults
    /// and buggify as the run started with them (nothing changes those). What a report must say
    /// to replay the run, and nothing that did not happen.
    pub fn config(&self) -> SimConfig {
        let network = self.healed.get().map_or_else(|| self.router.faults(), |h| h.faults.clone());
        let faults =
            FaultConfig { nodes: self.config.faults.nodes.clone(), buggify: self.config.faults.buggify, ..network };
        SimConfig { faults, ..self.config.clone() }
    }

    /// When the chaos phase ended (virtual time since the run started), if it has.
    pub fn healed_at(&self) -> Option<Duration> {
        self.healed.get().map(|h| h.at)
    }

    /// How long the healed run has to converge: `SimConfig::liveness_bound` for the nodes and
    /// the largest store at the heal.
    pub fn liveness_bound(&self) -> Option<Duration> {
        self.healed.get().map(|h| h.bound)
    }

    /// Whether sync has reached a fixed point short of convergence: every pair of live nodes
    /// whose roots differ keeps running sessions that change nothing (see `fixed_point`).
    /// Whether no live node holds a delta waiting for its parents: one may still arrive and
    /// release it, so a run with any is not at rest.
    pub(crate) fn no_pending_deltas(&self) -> bool {
        self.registry().iter().filter(|n| n.is_live()).all(|n| n.pending_deltas() == 0)
    }

    pub(crate) fn sync_is_stuck(&self) -> bool {
        let live: Vec<_> =
            self.live_nodes().iter().map(|n| (n.id(), n.storage().root_hash().unwrap_or_default())).collect();
        self.book().fixed_point_holds(&live)
    }

    /// Whether nodes take deltas in through calimero-node's delta store (`NodePath`).
    pub(crate) fn production_path(&self) -> bool {
        self.options().node.node_path == crate::protocols::NodePath::Production
    }

    /// Whether a node holds a peer's delta back by production's rule (I6): on production's node
    /// path, unless the run asked for the model's (`--hold-deltas-through-sessions`).
    pub(crate) fn holds_deltas_as_production(&self) -> bool {
        self.production_path() && !self.options().node.hold_deltas_through_sessions
    }

    pub(crate) fn is_healed(&self) -> bool {
        self.healed.get().is_some()
    }

    /// The heal as hooks armed before it see it (they outlive no World, but cannot borrow one).
    pub(crate) fn healed_cell(&self) -> Arc<OnceLock<Healed>> {
        Arc::clone(&self.healed)
    }

    /// The madsim node merosim's own timers run on: never paused, never crashed.
    pub(crate) fn control(&self) -> madsim::runtime::NodeHandle {
        let mut control = self.control.lock().unwrap_or_else(|p| p.into_inner());
        control.get_or_insert_with(|| madsim::runtime::Handle::current().create_node().name("chaos").build()).clone()
    }

    /// Ends every task the World started, once the run is over. The World is held by what runs
    /// inside the runtime (a node's restart closure, tasks parked on the World's own channels
    /// and timers), and the runtime by handles the World keeps: a cycle that would keep every
    /// store and trace of a finished run alive for the rest of the process (a sweep grew by the
    /// size of each seed's World). Killing the nodes drops their tasks when the executor next
    /// runs, which breaks it.
    pub(crate) fn tear_down(&self) {
        let handle = madsim::runtime::Handle::current();
        let nodes: Vec<_> = self.registry().iter().filter_map(|n| n.madsim_id()).collect();
        for id in nodes {
            handle.kill(id);
        }
        handle.kill(self.router().wire_id());
        if let Some(control) = self.control.lock().unwrap_or_else(|p| p.into_inner()).take() {
            handle.kill(control.id());
        }
    }

    /// The options nodes read on every tick (of the faults, only the nodes' part and buggify:
    /// the router owns the network's).
    pub(crate) fn options(&self) -> &SimConfig {
        &self.config
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    pub fn context_id(&self) -> ContextId {
        self.app().context
    }

    /// The app's collections, if this run declared any.
    pub fn layout(&self) -> Option<Layout> {
        self.app().layout.clone()
    }

    /// Fixes the app's collections; a world with no nodes yet moves to their context.
    pub(crate) fn set_layout(&self, context: ContextId, layout: Layout) -> bool {
        let empty = self.registry().is_empty();
        let mut app = self.app();
        if app.context != context {
            if !empty {
                return false;
            }
            app.context = context;
        }
        app.layout = Some(layout);
        true
    }

    fn app(&self) -> MutexGuard<'_, App> {
        self.app.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn router(&self) -> &NetworkRouter {
        &self.router
    }

    pub fn trace(&self) -> &Arc<Trace> {
        &self.trace
    }

    /// Replaces the network's faults from now on (recorded in the trace). The nodes' faults and
    /// buggify stay as the run started: processes already armed with them act on them.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.router.set_faults(faults);
    }

    /// Adds a node with an empty store and no processes of its own, for tests that drive
    /// sessions by hand. Names are for humans, ids for the network.
    pub fn add_node(&self, name: &str) -> Result<SimNode, StorageError> {
        let mut nodes = self.registry();
        let node = self.new_node(nodes.next_id(), name)?;
        nodes.push(Node::new(node.clone()));
        Ok(node)
    }

    /// A node with an empty store, its clock as the run's node faults draw it for `id`.
    pub(crate) fn new_node(&self, id: NodeId, name: &str) -> Result<SimNode, StorageError> {
        let clock = self.config.faults.nodes.clock(self.config.seed, id.get());
        let node = SimNode::new(id, name, self.context_id())?;
        Ok(if clock.is_exact() { node } else { node.with_clock(clock) })
    }

    pub fn node(&self, id: NodeId) -> Option<SimNode> {
        self.registry().get(id).map(|n| n.sim().clone())
    }

    pub fn nodes(&self) -> Vec<SimNode> {
        self.registry().iter().map(|n| n.sim().clone()).collect()
    }

    /// With production's tick, how many sessions it has run on each live node: production's
    /// driver syncs on its own cadence (a second apart at least, longer after failures), so a
    /// root check may call equal roots final only once every node has synced since. `None` with
    /// merosim's tick, which syncs every node every interval.
    pub(crate) fn production_ticks(&self) -> Option<BTreeMap<NodeId, u64>> {
        (self.options().node.tick == crate::protocols::Tick::Production)
            .then(|| self.registry().iter().filter(|n| n.is_live()).map(|n| (n.id(), n.ticks())).collect())
    }

    /// The nodes the oracles judge: up and honest, in id order. A Byzantine member's state is
    /// whatever it chose; its peers' safety and liveness are what a run is judged by.
    pub fn live_nodes(&self) -> Vec<SimNode> {
        let nodes = self.registry();
        nodes
            .iter()
            .filter(|n| n.is_live() && !self.is_byzantine_among(&nodes, n.id()))
            .map(|n| n.sim().clone())
            .collect()
    }

    /// The run's Byzantine members (`NodeFaults::byzantine`), up or not, in id order.
    pub fn byzantine_nodes(&self) -> Vec<SimNode> {
        let nodes = self.registry();
        nodes.iter().filter(|n| self.is_byzantine_among(&nodes, n.id())).map(|n| n.sim().clone()).collect()
    }

    /// Whether node `id` is one of the run's Byzantine members (`NodeFaults::byzantine`).
    pub fn is_byzantine(&self, id: NodeId) -> bool {
        // Every delta received asks: an honest run takes no lock for it.
        self.config.faults.nodes.byzantine > 0 && self.is_byzantine_among(&self.registry(), id)
    }

    /// [`is_byzantine`](Self::is_byzantine), for a caller that holds the registry.
    pub(crate) fn is_byzantine_among(&self, nodes: &Registry, id: NodeId) -> bool {
        let byzantine = self.config.faults.nodes.byzantine;
        byzantine > 0 && nodes.is_byzantine(id, byzantine)
    }

    pub fn node_names(&self) -> Vec<String> {
        self.registry().iter().map(|n| n.sim().name().to_owned()).collect()
    }

    /// Every frame copy so far with its fate (a view of the trace).
    pub fn frames(&self) -> Vec<FrameRecord> {
        self.trace.frames()
    }

    /// Frame copies that were not delivered, each with its reason.
    pub fn drops(&self) -> Vec<FrameRecord> {
        self.trace.drops()
    }

    /// SHA-256 of the frame table: equal for two runs iff they routed the same frames.
    pub fn frame_log_hash(&self) -> [u8; 32] {
        self.trace.frame_log_hash()
    }

    /// Workload writers and apps that have work left (a crash stops one).
    pub fn writers_running(&self) -> u32 {
        self.writers.load(Ordering::Relaxed)
    }

    pub(crate) fn writers(&self) -> &Arc<AtomicU32> {
        &self.writers
    }

    /// Every node with what C1–C5 read of it, under one lock: the convergence check runs at
    /// every check interval, so it asks once rather than once per node and property.
    pub(crate) fn node_states(&self) -> Vec<NodeState> {
        let nodes = self.registry();
        nodes
            .iter()
            .map(|n| NodeState {
                sim: n.sim().clone(),
                // The convergence check judges honest nodes only.
                live: n.is_live() && !self.is_byzantine_among(&nodes, n.id()),
                sessions: n.sessions_now(),
                buffered: n.buffered(),
            })
            .collect()
    }

    /// What the bug merosim planted in itself did, once it acted (`SimConfig::inject`).
    pub fn planted(&self) -> Option<Planted> {
        self.book().planted().cloned()
    }

    /// Every write and delete the nodes acknowledged, in the order they returned: what the
    /// no-data-loss checker holds the stores to.
    pub fn writes(&self) -> Vec<WriteRecord> {
        self.book().writes().to_vec()
    }

    /// The session and run-level contracts broken so far (the first few per oracle).
    pub fn violations(&self) -> Vec<Violation> {
        self.book().counters().violations.clone()
    }

    /// Whether a session broke its contract without the protocol admitting it.
    pub(crate) fn silent_violation(&self) -> bool {
        self.book().counters().violations.iter().any(|v| v.signal == Signal::Silent)
    }

    /// Per oracle, how often it judged and fired so far (session oracles).
    pub(crate) fn oracle_counts(&self) -> BTreeMap<Oracle, OracleCounts> {
        self.book().counters().oracles.clone()
    }

    /// The books behind the metrics, as they stand.
    pub(crate) fn counters(&self) -> Counters {
        self.book().counters().clone()
    }

    pub(crate) fn node_of(&self, id: NodeId) -> Result<SimNode, StorageError> {
        self.node(id).ok_or(StorageError::NotFound { id: format!("node {id}") })
    }

    /// Books a write (`Some(bytes)`) or delete (`None`) `node` just made: the node was touched,
    /// and the book gains the record with the stamp the store gave it.
    pub(crate) fn applied_locally(&self, node: &SimNode, entity: EntityId, data: Option<&[u8]>) {
        let id = node.id();
        self.with_node(id, Node::mutated);
        let meta = node.storage().metadata(entity).ok().flatten();
        let stamp = meta.as_ref().map_or(0, |m| if data.is_some() { m.updated_at } else { m.deleted_at.unwrap_or(0) });
        let parent = meta.and_then(|m| m.parent).filter(|p| *p != *node.storage().root_id().as_bytes());
        self.at(id).record(entity, parent, stamp, data);
    }

    /// Runs `f` on node `id` under the registry's lock; `None` if the run has no such node.
    pub(crate) fn with_node<R>(&self, id: NodeId, f: impl FnOnce(&mut Node) -> R) -> Option<R> {
        self.registry().get_mut(id).map(f)
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.nodes.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn short8(entity: &EntityId) -> [u8; 8] {
    entity[..8].try_into().expect("ids are 32 bytes")
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.config.seed)
            .field("nodes", &self.node_names())
            .finish_non_exhaustive()
    }
}
