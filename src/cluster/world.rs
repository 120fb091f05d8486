//! The World: everything one simulated run shares — its options, the context, the trace, the
//! network and the nodes. There is one World per run, whether a test drives sessions by hand or a
//! `SimRuntime` runs nodes with sync loops; both go through the same session driver and keep the
//! same books.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use calimero_primitives::context::ContextId;
use calimero_storage::action::Action;

use super::counters::Counters;
use super::gossip::{self, Delta};
use super::member::{Inbound, Member};
use super::SimConfig;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::net::{FaultConfig, NetworkRouter};
use crate::store::{SimNode, WriteMeta};
use crate::trace::{FrameRecord, Trace, TraceKind};

/// The last thing any node did to an entity: what the lost-delete oracle judges by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastOp {
    pub node: NodeId,
    pub at: Duration,
    pub deleted: bool,
}

pub struct World {
    config: SimConfig,
    context_id: ContextId,
    trace: Arc<Trace>,
    router: NetworkRouter,
    members: Mutex<Vec<Member>>,
    counters: Mutex<Counters>,
    history: Mutex<BTreeMap<EntityId, LastOp>>,
    /// Workload writers still writing: a run is not over while the app is.
    writers: Arc<AtomicU32>,
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
            context_id: config.context(),
            config,
            trace,
            router,
            members: Mutex::new(Vec::new()),
            counters: Mutex::default(),
            history: Mutex::default(),
            writers: Arc::default(),
        }
    }

    /// The run's options, with the faults as they are now (they can change mid-run).
    pub fn config(&self) -> SimConfig {
        SimConfig { faults: self.router.faults(), ..self.config.clone() }
    }

    /// The options nodes read on every tick (faults excluded: the router owns those).
    pub(crate) fn options(&self) -> &SimConfig {
        &self.config
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    pub fn context_id(&self) -> ContextId {
        self.context_id
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
        let node = SimNode::new(NodeId(members.len() as u32), name, self.context_id)?;
        members.push(Member::new(node.clone()));
        Ok(node)
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
        let action = self.node_of(id)?.storage().upsert(entity, None, data)?;
        self.applied_locally(id, entity, false);
        self.trace.record(TraceKind::Write { node: id, entity: short8(&entity) });
        self.gossip(id, &action);
        Ok(())
    }

    /// A local application delete on `id` (a tombstone), recorded and gossiped like a write.
    pub fn delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        let action = self.node_of(id)?.storage().delete(entity)?;
        self.applied_locally(id, entity, true);
        self.trace.record(TraceKind::Delete { node: id, entity: short8(&entity) });
        self.gossip(id, &action);
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
        self.applied_locally(id, entity, false);
        Ok(())
    }

    /// A delete in a node's starting state: recorded in the history, not gossiped.
    pub(crate) fn seed_delete(&self, id: NodeId, entity: EntityId) -> Result<(), StorageError> {
        self.node_of(id)?.storage().delete(entity)?;
        self.applied_locally(id, entity, true);
        Ok(())
    }

    /// The last write or delete of every entity any node made, by entity.
    pub fn history(&self) -> BTreeMap<EntityId, LastOp> {
        self.history.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn node_of(&self, id: NodeId) -> Result<SimNode, StorageError> {
        self.node(id).ok_or(StorageError::NotFound { id: format!("node {id}") })
    }

    fn applied_locally(&self, id: NodeId, entity: EntityId, deleted: bool) {
        self.members()[id.0 as usize].mutations += 1;
        let op = LastOp { node: id, at: self.router.now(), deleted };
        self.history.lock().unwrap_or_else(|p| p.into_inner()).insert(entity, op);
    }

    fn gossip(&self, id: NodeId, action: &Action) {
        let targets: Vec<_> =
            self.members().iter().filter(|m| m.node.id() != id).map(|m| (m.node.id(), m.gossip.address())).collect();
        match gossip::broadcast(&self.router, id, action, &targets) {
            Some(sent) => self.counters().deltas_sent += sent,
            None => self.counters().delta_rejected("encode"),
        }
    }

    /// A delta frame arrived at `id`: apply it now, or buffer it while a session runs (I6).
    pub(crate) fn receive_delta(&self, id: NodeId, frame: &[u8]) {
        let Some(delta) = Delta::decode(frame) else {
            self.counters().delta_rejected("decode");
            return;
        };
        let busy = self.members()[id.0 as usize].busy();
        self.trace.record(TraceKind::DeltaReceived { node: id, origin: NodeId(delta.origin), buffered: busy });
        if busy {
            self.members()[id.0 as usize].gossip.buffer.push(delta);
            self.counters().deltas_buffered += 1;
        } else {
            self.apply_delta(id, delta);
        }
    }

    /// Applies what was buffered during sessions, once the node has none left.
    pub(crate) fn drain(&self, id: NodeId) {
        let pending = {
            let mut members = self.members();
            let member = &mut members[id.0 as usize];
            if member.busy() {
                return;
            }
            std::mem::take(&mut member.gossip.buffer)
        };
        for delta in pending {
            self.apply_delta(id, delta);
        }
    }

    fn apply_delta(&self, id: NodeId, delta: Delta) {
        let Some(node) = self.node(id) else { return };
        match node.storage().apply_remote(delta.action) {
            Ok(()) => {
                self.members()[id.0 as usize].mutations += 1;
                self.counters().deltas_applied += 1;
            }
            // A delta can legitimately fail here, e.g. a delete for an entity this node never got;
            // sync repairs what gossip could not. Counted, never silent.
            Err(_) => self.counters().delta_rejected("apply"),
        }
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
