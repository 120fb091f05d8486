//! The World: everything one simulated run shares — its options, the context, the trace, the
//! network and the nodes. There is one World per run, whether a test drives sessions by hand or a
//! `SimRuntime` runs nodes with sync loops; both go through the same session driver and keep the
//! same books.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use calimero_primitives::context::ContextId;

use super::config::Injected;
use super::counters::Counters;
use super::history::{value_hash, History, OpRecord, WriteRecord};
use super::member::{Inbound, Member};
use super::SimConfig;
use crate::crdt::Layout;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::net::{FaultConfig, NetworkRouter};
use crate::store::{SimNode, WriteMeta};
use crate::trace::{FrameRecord, Trace, TraceKind};

/// What the heal left behind: when, the chaos phase's faults, and the time it gave to converge.
struct Healed {
    at: Duration,
    faults: FaultConfig,
    bound: Duration,
}

pub struct World {
    config: SimConfig,
    /// Fixed at creation, except that a world with no nodes yet moves to the CRDT context when
    /// its app declares collections (see `declare_collections`).
    context_id: Mutex<ContextId>,
    trace: Arc<Trace>,
    router: NetworkRouter,
    members: Mutex<Vec<Member>>,
    counters: Mutex<Counters>,
    history: Mutex<History>,
    /// The app's collections (a CRDT run) and every operation it acknowledged.
    layout: Mutex<Option<Layout>>,
    app_ops: Mutex<Vec<OpRecord>>,
    /// Workload writers still writing: a run is not over while the app is.
    writers: Arc<AtomicU32>,
    /// The madsim node merosim's own timers run on (chaos episodes, restarts), made on first use.
    control: Mutex<Option<madsim::runtime::NodeHandle>>,
    /// When the chaos phase ended, the faults it had until then, and the liveness bound from then.
    healed: Mutex<Option<Healed>>,
    /// Every write of the run goes through the World (a `SimRuntime` run), so an entity the
    /// history does not know is one nobody wrote. Hand-driven worlds write around it.
    complete_history: std::sync::atomic::AtomicBool,
    /// Set at the heal (also read by hooks armed before it).
    healed_flag: Arc<std::sync::atomic::AtomicBool>,
}

impl World {
    /// A world with default options, `faults` on every link. Must be created inside the
    /// simulation ([`simulate`](crate::runtime::simulate) or a `SimRuntime`): the trace and the
    /// router anchor themselves to the virtual clock.
    pub fn new(seed: u64, faults: FaultConfig) -> Self {
        Self::with_config(SimConfig::with_seed(seed).with_faults(faults))
    }

    pub fn with_config(config: SimConfig) -> Self {
        let trace = Arc::new(Trace::new());
        let router = NetworkRouter::new(config.seed, config.faults.clone(), Arc::clone(&trace) as _);
        World {
            context_id: Mutex::new(config.context()),
            config,
            trace,
            router,
            members: Mutex::new(Vec::new()),
            counters: Mutex::default(),
            history: Mutex::default(),
            layout: Mutex::default(),
            app_ops: Mutex::default(),
            writers: Arc::default(),
            control: Mutex::default(),
            healed: Mutex::default(),
            complete_history: Default::default(),
            healed_flag: Arc::default(),
        }
    }

    /// Whether every write of this run went through the World (see the phantom oracle).
    pub fn history_is_complete(&self) -> bool {
        self.complete_history.load(Ordering::Relaxed)
    }

    pub(crate) fn mark_history_complete(&self) {
        self.complete_history.store(true, Ordering::Relaxed);
    }

    /// The run's options, with the faults as they are now (they can change mid-run) — or, once a
    /// chaos phase healed, as they were during it: what a report must say to replay the run.
    pub fn config(&self) -> SimConfig {
        let faults = self.lock_healed().as_ref().map_or_else(|| self.router.faults(), |h| h.faults.clone());
        SimConfig { faults, ..self.config.clone() }
    }

    /// When the chaos phase ended (virtual time since the run started), if it has.
    pub fn healed_at(&self) -> Option<Duration> {
        self.lock_healed().as_ref().map(|h| h.at)
    }

    /// How long the healed run has to converge: `SimConfig::liveness_bound` for the nodes and
    /// the largest store at the heal.
    pub fn liveness_bound(&self) -> Option<Duration> {
        self.lock_healed().as_ref().map(|h| h.bound)
    }

    pub(crate) fn is_healed(&self) -> bool {
        self.healed_flag.load(Ordering::Relaxed)
    }

    /// The flag armed buggify hooks read, so they go quiet at the heal too.
    pub(crate) fn healed_flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.healed_flag)
    }

    /// Notes the heal, keeping the faults the chaos phase had and fixing the liveness bound.
    pub(crate) fn healed(&self, faults: FaultConfig) {
        let entities = self.nodes().iter().filter_map(|n| n.storage().entity_count().ok()).max().unwrap_or(0);
        let bound = self.config.liveness_bound(self.members().len(), entities);
        *self.lock_healed() = Some(Healed { at: self.router.now(), faults, bound });
        self.healed_flag.store(true, Ordering::Relaxed);
    }

    fn lock_healed(&self) -> MutexGuard<'_, Option<Healed>> {
        self.healed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The madsim node merosim's own timers run on: never paused, never crashed.
    pub(crate) fn control(&self) -> madsim::runtime::NodeHandle {
        let mut control = self.control.lock().unwrap_or_else(|p| p.into_inner());
        control.get_or_insert_with(|| madsim::runtime::Handle::current().create_node().name("chaos").build()).clone()
    }

    /// The options nodes read on every tick (faults excluded: the router owns those).
    pub(crate) fn options(&self) -> &SimConfig {
        &self.config
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    pub fn context_id(&self) -> ContextId {
        *self.context_id.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_context(&self, context_id: ContextId) {
        *self.context_id.lock().unwrap_or_else(|p| p.into_inner()) = context_id;
    }

    pub(crate) fn lock_layout(&self) -> MutexGuard<'_, Option<Layout>> {
        self.layout.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_app_ops(&self) -> MutexGuard<'_, Vec<OpRecord>> {
        self.app_ops.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn router(&self) -> &NetworkRouter {
        &self.router
    }

    pub fn trace(&self) -> &Arc<Trace> {
        &self.trace
    }

    /// Replaces the fault configuration from now on (recorded in the trace).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.router.set_faults(faults);
    }

    /// Adds a node with an empty store and no processes of its own, for tests that drive
    /// sessions by hand. Names are for humans, ids for the network.
    pub fn add_node(&self, name: &str) -> Result<SimNode, StorageError> {
        let mut members = self.members();
        let node = self.new_node(NodeId(members.len() as u32), name)?;
        members.push(Member::new(node.clone()));
        Ok(node)
    }

    /// A node with an empty store, its clock as the run's node faults draw it for `id`.
    pub(crate) fn new_node(&self, id: NodeId, name: &str) -> Result<SimNode, StorageError> {
        let clock = self.config.faults.nodes.clock(self.config.seed, id.0);
        let node = SimNode::new(id, name, self.context_id())?;
        Ok(if clock.is_exact() { node } else { node.with_clock(clock) })
    }

    pub fn node(&self, id: NodeId) -> Option<SimNode> {
        self.members().get(id.0 as usize).map(|m| m.node.clone())
    }

    pub fn nodes(&self) -> Vec<SimNode> {
        self.members().iter().map(|m| m.node.clone()).collect()
    }

    pub fn node_names(&self) -> Vec<String> {
        self.members().iter().map(|m| m.node.name().to_owned()).collect()
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

    /// Workload writers that have writes left (a crash stops a writer).
    pub fn writers_running(&self) -> u32 {
        self.writers.load(Ordering::Relaxed)
    }

    pub(crate) fn writers(&self) -> &Arc<AtomicU32> {
        &self.writers
    }

    /// Whether `id` is up (not crashed).
    pub fn is_live(&self, id: NodeId) -> bool {
        self.members().get(id.0 as usize).is_some_and(|m| !m.crashed)
    }

    /// Whether `id` takes part in no sync session right now.
    pub fn is_idle(&self, id: NodeId) -> bool {
        self.members().get(id.0 as usize).is_none_or(|m| !m.busy())
    }

    /// Deltas `id` received during a session and has not applied yet (I6).
    pub fn buffered(&self, id: NodeId) -> usize {
        self.members().get(id.0 as usize).map_or(0, |m| m.gossip.buffer.len())
    }

    /// A local application write on `id`: applied there, recorded, then gossiped to every other
    /// node as a delta.
    pub fn write(&self, id: NodeId, entity: EntityId, data: &[u8]) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        let nth = {
            let mut members = self.members();
            members[id.0 as usize].writes += 1;
            members[id.0 as usize].writes
        };
        if self.config.inject == Some(Injected::LoseWrite { node: id.0, nth }) {
            // The test-only bug: acknowledge the write (stamped to win over what is there), keep
            // it nowhere.
            let stamp = node.storage().metadata(entity)?.map_or(0, |m| m.updated_at.max(m.deleted_at.unwrap_or(0))) + 1;
            self.record(id, entity, None, stamp, Some(data));
            self.trace.record(TraceKind::Write { node: id, entity: short8(&entity) });
            return Ok(());
        }
        let action = node.storage().upsert(entity, None, data)?;
        self.applied_locally(&node, entity, Some(data));
        self.trace.record(TraceKind::Write { node: id, entity: short8(&entity) });
        self.gossip(id, std::slice::from_ref(&action));
        Ok(())
    }

    /// A local application delete on `id` (a tombstone), recorded and gossiped like a write.
    pub fn delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        let action = node.storage().delete(entity)?;
        self.applied_locally(&node, entity, None);
        self.trace.record(TraceKind::Delete { node: id, entity: short8(&entity) });
        self.gossip(id, std::slice::from_ref(&action));
        Ok(())
    }

    /// Part of a node's starting state: written (stamped, or with `meta`), recorded in the
    /// history, not gossiped.
    pub(crate) fn seed_write(
        &self,
        id: NodeId,
        entity: EntityId,
        parent: Option<EntityId>,
        data: &[u8],
        meta: Option<&WriteMeta>,
    ) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        match meta {
            Some(meta) => node.storage().upsert_with(entity, parent, data, meta)?,
            None => node.storage().upsert(entity, parent, data)?,
        };
        self.applied_locally(&node, entity, Some(data));
        Ok(())
    }

    /// A delete in a node's starting state: recorded in the history, not gossiped.
    pub(crate) fn seed_delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        let node = self.node_of(id)?;
        node.storage().delete(entity)?;
        self.applied_locally(&node, entity, None);
        Ok(())
    }

    /// Every write and delete the nodes acknowledged, in the order they returned: what the
    /// no-data-loss checker holds the stores to.
    pub fn writes(&self) -> Vec<WriteRecord> {
        self.history_book().records()
    }

    fn history_book(&self) -> MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn node_of(&self, id: NodeId) -> Result<SimNode, StorageError> {
        self.node(id).ok_or(StorageError::NotFound { id: format!("node {id}") })
    }

    /// Books a write (`Some(bytes)`) or delete (`None`) `node` just made: the node was touched,
    /// and the history gains the record with the stamp the store gave it.
    fn applied_locally(&self, node: &SimNode, entity: EntityId, data: Option<&[u8]>) {
        let id = node.id();
        self.members()[id.0 as usize].mutations += 1;
        let meta = node.storage().metadata(entity).ok().flatten();
        let stamp = meta.as_ref().map_or(0, |m| if data.is_some() { m.updated_at } else { m.deleted_at.unwrap_or(0) });
        let parent = meta.and_then(|m| m.parent).filter(|p| *p != *node.storage().root_id().as_bytes());
        self.record(id, entity, parent, stamp, data);
    }

    /// One acknowledged write (`Some(bytes)`) or delete (`None`) into the history, at now.
    fn record(&self, id: NodeId, entity: EntityId, parent: Option<EntityId>, stamp: u64, data: Option<&[u8]>) {
        let record =
            WriteRecord { node: id, entity, parent, at: self.router.now(), stamp, value: data.map(value_hash) };
        self.history_book().record(record);
    }

    /// Live peers of `id`, in id order.
    pub(crate) fn live_peers(&self, id: NodeId) -> Vec<SimNode> {
        self.members().iter().filter(|m| !m.crashed && m.node.id() != id).map(|m| m.node.clone()).collect()
    }

    /// The acceptor of a live node, if its processes run.
    pub(crate) fn acceptor(&self, id: NodeId) -> Option<tokio::sync::mpsc::UnboundedSender<Inbound>> {
        self.members().get(id.0 as usize).filter(|m| !m.crashed).and_then(|m| m.acceptor.clone())
    }

    pub(crate) fn members(&self) -> MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn short8(entity: &EntityId) -> [u8; 8] {
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
