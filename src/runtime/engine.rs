//! The simulation side of a `SimRuntime`: the seeded madsim runtime, the cluster of nodes, and
//! the stop conditions. It lives on the run's own thread (see `sim.rs`) and is only touched
//! through jobs sent there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{SimConfig, SimTime, StopCondition};
use crate::check::{check, ConvergenceStatus, NodeView, Property};
use crate::error::StorageError;
use crate::metrics::{ConvergenceMetrics, SimMetrics};
use crate::net::{NetworkRouter, NodeId};
use crate::node::cluster::{Cluster, Member};
use crate::node::gossip;
use crate::node::sync_loop::node_main;
use crate::node::{EntityId, SimNode};
use crate::scenario::Scenario;
use crate::trace::TraceKind;

pub(crate) struct Engine {
    runtime: madsim::runtime::Runtime,
    cluster: Arc<Cluster>,
    converged_at: Option<SimTime>,
}

impl Engine {
    pub fn new(config: SimConfig) -> Self {
        let runtime = super::seeded_runtime(config.seed);
        let cluster = runtime.block_on(async move {
            let (seed, context) = (config.seed, super::context_id_for(config.seed));
            let router = NetworkRouter::new(seed, config.faults.clone());
            Arc::new(Cluster::new(config, context, router))
        });
        Engine { runtime, cluster, converged_at: None }
    }

    pub fn config(&self) -> &SimConfig {
        &self.cluster.config
    }

    pub fn router(&self) -> &NetworkRouter {
        &self.cluster.router
    }

    /// Runs `f` inside the simulation (virtual clock, seeded randomness, madsim context).
    pub fn within<R>(&self, f: impl FnOnce(&Cluster) -> R) -> R {
        let cluster = Arc::clone(&self.cluster);
        self.runtime.block_on(async move { f(&cluster) })
    }

    pub fn now(&self) -> SimTime {
        self.within(|c| SimTime::from(c.router.now()))
    }

    pub fn add_node(&mut self, name: &str) -> Result<NodeId, StorageError> {
        let cluster = Arc::clone(&self.cluster);
        let name = name.to_owned();
        self.runtime.block_on(async move {
            let id = NodeId(cluster.members().len() as u32);
            let node = SimNode::new(id, name.clone(), cluster.context_id)?;
            cluster.members().push(Member {
                node,
                crashed: false,
                active: Arc::default(),
                acceptor: None,
                madsim_id: None,
                gossip: Arc::default(),
                buffer: Vec::new(),
            });
            let incarnations = Arc::new(AtomicU64::new(0));
            let for_init = Arc::clone(&cluster);
            let handle = madsim::runtime::Handle::current()
                .create_node()
                .name(name)
                .init(move || node_main(Arc::clone(&for_init), id, incarnations.fetch_add(1, Ordering::Relaxed)))
                .build();
            cluster.members()[id.0 as usize].madsim_id = Some(handle.id());
            Ok(id)
        })
    }

    pub fn apply_scenario(&mut self, scenario: &Scenario) -> Result<Vec<NodeId>, StorageError> {
        let mut ids = Vec::with_capacity(scenario.nodes.len());
        for spec in &scenario.nodes {
            let id = self.add_node(&spec.name)?;
            let entities = spec.entities.clone();
            self.within(move |c| {
                let node = c.node(id).expect("node was just added");
                entities.iter().try_for_each(|e| node.storage().upsert(e.id, e.parent, &e.data).map(drop))
            })?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// A local application write on `id`: applied there, then gossiped to every peer.
    pub fn write(&mut self, id: NodeId, entity: EntityId, data: Vec<u8>) -> Result<(), StorageError> {
        self.within(move |c| {
            let node = c.node(id).ok_or(StorageError::NotFound { id: format!("node {id}") })?;
            let action = node.storage().upsert(entity, None, &data)?;
            c.trace.record(TraceKind::Write { node: id, entity: short8(&entity) });
            gossip::broadcast(c, id, &action);
            Ok(())
        })
    }

    /// Keeps writing on `writers`: `count` writes each, one every `every`, as tasks of the writers'
    /// own madsim nodes (a crash stops them). Ids are `[0x77, writer, sequence…]`.
    pub fn start_workload(&mut self, writers: Vec<NodeId>, every: Duration, count: u32) {
        for writer in writers {
            let cluster = Arc::clone(&self.cluster);
            let Some(madsim_id) = self.within(|c| c.members()[writer.0 as usize].madsim_id) else { continue };
            self.within(move |_| {
                let Some(node) = madsim::runtime::Handle::current().get_node(madsim_id) else { return };
                node.spawn(async move {
                    for seq in 0..count {
                        tokio::time::sleep(every).await;
                        let Some(me) = cluster.node(writer) else { return };
                        let mut id = [0_u8; 32];
                        id[0] = 0x77;
                        id[1..3].copy_from_slice(&(writer.0 as u16).to_be_bytes());
                        id[3..7].copy_from_slice(&seq.to_be_bytes());
                        if let Ok(action) = me.storage().upsert(id, None, format!("write-{seq}").as_bytes()) {
                            cluster.trace.record(TraceKind::Write { node: writer, entity: short8(&id) });
                            gossip::broadcast(&cluster, writer, &action);
                        }
                    }
                });
            });
        }
    }

    pub fn crash(&mut self, id: NodeId) {
        let madsim_id = self.within(|c| {
            let mut members = c.members();
            let member = &mut members[id.0 as usize];
            member.crashed = true;
            member.acceptor = None;
            c.router.set_down(id, true);
            c.counters().node_crashed(id);
            member.madsim_id
        });
        if let Some(madsim_id) = madsim_id {
            self.runtime.handle().kill(madsim_id);
        }
        self.within(|c| c.trace.record(TraceKind::Crash { node: id }));
    }

    pub fn restart(&mut self, id: NodeId) {
        let madsim_id = self.within(|c| {
            let mut members = c.members();
            members[id.0 as usize].crashed = false;
            c.router.set_down(id, false);
            members[id.0 as usize].madsim_id
        });
        if let Some(madsim_id) = madsim_id {
            self.runtime.handle().restart(madsim_id);
        }
        self.within(|c| c.trace.record(TraceKind::Restart { node: id }));
    }

    /// Runs until the next event (frame, timer tick, session start/end). False once a limit
    /// (`max_time`, `max_events`) is reached.
    pub fn step(&mut self) -> bool {
        if self.limit_reached().is_some() {
            return false;
        }
        let left = self.config().max_time.saturating_sub(self.now().since_start());
        let cluster = Arc::clone(&self.cluster);
        self.runtime.block_on(async move {
            let start = cluster.trace.len();
            let _ = tokio::time::timeout(left, async {
                while cluster.trace.len() == start {
                    cluster.trace.next().await;
                }
            })
            .await;
        });
        self.limit_reached().is_none()
    }

    /// Advances virtual time by up to `span`, stopping early at a limit.
    pub fn advance(&mut self, span: Duration) -> Option<StopCondition> {
        if let Some(stop) = self.limit_reached() {
            return Some(stop);
        }
        let left = self.config().max_time.saturating_sub(self.now().since_start());
        let span = span.min(left);
        self.runtime.block_on(async move { tokio::time::sleep(span).await });
        self.limit_reached()
    }

    fn limit_reached(&self) -> Option<StopCondition> {
        let (now, events) = self.within(|c| (c.router.now(), c.trace.len()));
        if now >= self.config().max_time {
            Some(StopCondition::MaxTime)
        } else if events >= self.config().max_events {
            Some(StopCondition::MaxEvents)
        } else {
            None
        }
    }

    /// One stop-condition evaluation of `run()`: `None` means keep going.
    pub fn evaluate(&mut self) -> Option<StopCondition> {
        let status = self.convergence(false);
        if status.live_nodes == 0 {
            return Some(StopCondition::Deadlock);
        }
        if status.is_converged() {
            self.converged_at.get_or_insert(self.now());
            return Some(StopCondition::Converged);
        }
        let quiet = [
            Property::C1NetworkQuiescent,
            Property::C2AllIdle,
            Property::C3NoPendingBuffers,
            Property::C4NoPendingSync,
        ];
        if quiet.iter().all(|p| status.holds(*p)) {
            return Some(StopCondition::Diverged);
        }
        None
    }

    pub fn run(&mut self) -> StopCondition {
        if let Some(stop) = self.evaluate() {
            return stop;
        }
        loop {
            let span = self.config().check_interval;
            if let Some(stop) = self.advance(span) {
                return self.evaluate().filter(|s| *s == StopCondition::Converged).unwrap_or(stop);
            }
            if let Some(stop) = self.evaluate() {
                return stop;
            }
        }
    }

    /// C1–C5 over the live nodes. `full = false` skips the entity walk (C5) while a cheaper
    /// property already blocks, which is what keeps `run()`'s frequent checks cheap.
    pub fn convergence(&self, full: bool) -> ConvergenceStatus {
        self.within(|c| {
            let views: Vec<NodeView> = c
                .members()
                .iter()
                .map(|m| NodeView {
                    id: m.node.id(),
                    name: m.node.name().to_owned(),
                    live: !m.crashed,
                    active_sessions: m.active.load(Ordering::Relaxed),
                    buffered: m.buffer.len(),
                    storage: m.node.storage().clone(),
                })
                .collect();
            check(&views, c.router.in_flight(), full)
        })
    }

    pub fn metrics(&self) -> SimMetrics {
        let converged = self.converged_at.is_some() && self.convergence(false).is_converged();
        self.within(|c| {
            let convergence =
                ConvergenceMetrics { converged, time_to_converge: self.converged_at, events_processed: c.trace.len() };
            SimMetrics::assemble(&c.counters(), &c.router.frames(), convergence)
        })
    }
}

fn short8(id: &EntityId) -> [u8; 8] {
    id[..8].try_into().expect("ids are 32 bytes")
}
