//! `SimRuntime`: the test-facing handle of a simulated cluster, after the upstream sync-sim
//! guide (`with_seed`, `apply_scenario`, `run`, `check_convergence`, partitions, …).
//!
//! The simulation runs on a thread of its own for the runtime's whole life; every method sends
//! a job there and waits for the answer. That thread is the determinism fence: calimero-storage
//! and `rand::thread_rng` keep state in thread-locals, and a second runtime on a reused test
//! thread would inherit the first one's. Here every runtime starts from empty thread-locals, so
//! a run depends on its seed alone — also in a loop over seeds inside one `#[test]`.

use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

use super::engine::Engine;
use super::{panic_message, spawn_sim_thread};
use super::{SimClock, SimConfig, SimTime, StopCondition};
use crate::check::ConvergenceStatus;
use crate::metrics::SimMetrics;
use crate::net::{FaultConfig, NetworkRouter, NodeId};
use crate::node::EntityId;
use crate::scenario::Scenario;

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

/// A simulated cluster of Calimero nodes running the real sync protocols.
pub struct SimRuntime {
    config: SimConfig,
    names: Vec<String>,
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// Something that names a node: its `NodeId` or its name.
pub trait NodeRef {
    fn resolve(&self, names: &[String]) -> Option<NodeId>;
}

impl NodeRef for NodeId {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        ((self.0 as usize) < names.len()).then_some(*self)
    }
}

impl NodeRef for &NodeId {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        (**self).resolve(names)
    }
}

impl NodeRef for &str {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        names.iter().position(|n| n == self).map(|i| NodeId(i as u32))
    }
}

impl NodeRef for String {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        self.as_str().resolve(names)
    }
}

impl SimRuntime {
    /// A runtime with default options and no faults.
    pub fn with_seed(seed: u64) -> Self {
        Self::with_config(SimConfig::with_seed(seed))
    }

    pub fn with_config(config: SimConfig) -> Self {
        let (jobs, inbox) = channel::<Job>();
        let for_thread = config.clone();
        let thread = spawn_sim_thread(config.seed, move || {
            let mut engine = Engine::new(for_thread);
            while let Ok(job) = inbox.recv() {
                job(&mut engine);
            }
        });
        SimRuntime { config, names: Vec::new(), jobs: Some(jobs), thread: Some(thread) }
    }

    /// Runs `f` on the simulation thread and returns its result. A panic there (a protocol
    /// task, an assertion inside the simulation) is re-raised here with the repro line.
    fn call<R: Send + 'static>(&mut self, f: impl FnOnce(&mut Engine) -> R + Send + 'static) -> R {
        let (reply, answer) = channel();
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(Box::new(move |e: &mut Engine| _ = reply.send(f(e)))));
        match (sent, answer.recv()) {
            (Some(Ok(())), Ok(value)) => value,
            _ => self.reraise(),
        }
    }

    fn reraise(&mut self) -> ! {
        self.jobs = None;
        let seed = self.config.seed;
        let message = match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => panic_message(&*panic),
            _ => "the simulation thread is gone".to_owned(),
        };
        panic!(
            "simulation with seed {seed} panicked: {message}\noptions: {}\nrepro: MADSIM_TEST_SEED={seed}",
            self.config
        )
    }

    fn node_id(&self, node: impl NodeRef) -> NodeId {
        node.resolve(&self.names).unwrap_or_else(|| panic!("no such node in this runtime (nodes: {:?})", self.names))
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// Adds an empty node.
    pub fn add_node(&mut self, name: &str) -> NodeId {
        let owned = name.to_owned();
        let id = self.call(move |e| e.add_node(&owned)).unwrap_or_else(|err| panic!("add node {name}: {err}"));
        self.names.push(name.to_owned());
        id
    }

    /// Adds the scenario's nodes with their starting entities; returns their ids in order.
    pub fn apply_scenario(&mut self, scenario: Scenario) -> Vec<NodeId> {
        let names: Vec<String> = scenario.nodes.iter().map(|n| n.name.clone()).collect();
        let label = scenario.to_string();
        let ids = self
            .call(move |e| e.apply_scenario(&scenario))
            .unwrap_or_else(|err| panic!("apply scenario {label}: {err}"));
        self.names.extend(names);
        ids
    }

    /// Runs until convergence or a limit; says which.
    pub fn run(&mut self) -> StopCondition {
        self.call(Engine::run)
    }

    /// Runs until `predicate` holds (checked every `check_interval` of virtual time) or a limit.
    pub fn run_until(&mut self, mut predicate: impl FnMut(&mut SimRuntime) -> bool) -> StopCondition {
        let span = self.config.check_interval;
        loop {
            if predicate(self) {
                return StopCondition::Manual;
            }
            if let Some(stop) = self.call(move |e| e.advance(span)) {
                return stop;
            }
        }
    }

    /// Runs to the next event (a frame sent, delivered or dropped; a sync tick; a session start
    /// or end). Returns false once `max_time` or `max_events` is reached.
    pub fn step(&mut self) -> bool {
        self.call(Engine::step)
    }

    /// Advances virtual time by `span` (or to a limit).
    pub fn advance(&mut self, span: std::time::Duration) -> Option<StopCondition> {
        self.call(move |e| e.advance(span))
    }

    pub fn clock(&mut self) -> SimClock {
        SimClock::at(self.call(|e| e.now()))
    }

    pub fn now(&mut self) -> SimTime {
        self.call(|e| e.now())
    }

    pub fn metrics(&mut self) -> SimMetrics {
        self.call(|e| e.metrics())
    }

    /// C1–C5 in full, with the entity-level difference of every node outside the majority.
    pub fn check_convergence(&mut self) -> ConvergenceStatus {
        self.call(|e| e.convergence(true))
    }

    pub fn is_converged(&mut self) -> bool {
        self.check_convergence().is_converged()
    }

    /// Cuts both directions between `a` and `b`; heals by itself at `heal_at` if given.
    pub fn partition_bidirectional(&mut self, a: impl NodeRef, b: impl NodeRef, heal_at: Option<SimTime>) {
        let (a, b) = (self.node_id(a), self.node_id(b));
        self.call(move |e| {
            let after = heal_at.map(|t| t.since_start().saturating_sub(e.now().since_start()));
            e.within(|c| c.router.partition(a, b, after));
        });
    }

    /// Cuts only `from → to`.
    pub fn partition_one_way(&mut self, from: impl NodeRef, to: impl NodeRef, heal_at: Option<SimTime>) {
        let (from, to) = (self.node_id(from), self.node_id(to));
        self.call(move |e| {
            let after = heal_at.map(|t| t.since_start().saturating_sub(e.now().since_start()));
            e.within(|c| c.router.partition_one_way(from, to, after));
        });
    }

    /// Repairs both directions between `a` and `b`.
    pub fn heal_partition(&mut self, a: impl NodeRef, b: impl NodeRef) {
        let (a, b) = (self.node_id(a), self.node_id(b));
        self.call(move |e| e.within(|c| c.router.repair(a, b)));
    }

    /// Stops the node: its tasks and sessions die, its peers see timeouts; its store survives.
    pub fn crash(&mut self, node: impl NodeRef) {
        let id = self.node_id(node);
        self.call(move |e| e.crash(id));
    }

    /// Starts a crashed node again from its surviving store.
    pub fn restart(&mut self, node: impl NodeRef) {
        let id = self.node_id(node);
        self.call(move |e| e.restart(id));
    }

    pub fn set_faults(&mut self, faults: FaultConfig) {
        self.call(move |e| e.router().set_faults(faults));
    }

    pub fn node_ids(&self) -> Vec<NodeId> {
        (0..self.names.len() as u32).map(NodeId).collect()
    }

    pub fn node_name(&self, node: impl NodeRef) -> String {
        self.names[self.node_id(node).0 as usize].clone()
    }

    pub fn entity_count(&mut self, node: impl NodeRef) -> usize {
        let id = self.node_id(node);
        self.call(move |e| e.within(|c| c.node(id).and_then(|n| n.storage().entity_count().ok()).unwrap_or(0)))
    }

    pub fn has_entity(&mut self, node: impl NodeRef, entity: EntityId) -> bool {
        let id = self.node_id(node);
        self.call(move |e| e.within(|c| c.node(id).is_some_and(|n| n.storage().exists(entity))))
    }

    /// A local application write on `node`: applied there, then gossiped to every peer as a
    /// delta.
    pub fn write(&mut self, node: impl NodeRef, entity: EntityId, data: &[u8]) {
        let id = self.node_id(node);
        let data = data.to_vec();
        self.call(move |e| e.write(id, entity, data)).unwrap_or_else(|err| panic!("write on {id}: {err}"));
    }

    /// Keeps writing while sync runs: each of `writers` writes `count` entities, one every
    /// `every`, gossiping each write. Ids start with `0x77`, then the writer's index.
    pub fn start_workload(&mut self, writers: &[NodeId], every: std::time::Duration, count: u32) {
        let writers = writers.to_vec();
        self.call(move |e| e.start_workload(writers, every, count));
    }

    /// Deltas `node` received during a session and has not applied yet (I6).
    pub fn buffered(&mut self, node: impl NodeRef) -> usize {
        let id = self.node_id(node);
        self.call(move |e| e.within(|c| c.members()[id.0 as usize].buffer.len()))
    }

    /// Whether `node` takes part in no sync session right now.
    pub fn is_idle(&mut self, node: impl NodeRef) -> bool {
        let id = self.node_id(node);
        self.call(move |e| e.within(|c| c.active_counter(id).load(std::sync::atomic::Ordering::Relaxed) == 0))
    }

    /// The routed-frame log so far.
    pub fn router_log(&mut self) -> Vec<crate::net::FrameRecord> {
        self.call(|e| e.router().frames())
    }

    /// SHA-256 of the routed-frame log: equal for two runs iff they routed the same frames.
    pub fn log_hash(&mut self) -> [u8; 32] {
        self.call(|e| e.router().log_hash())
    }

    /// Everything that happened so far, in order.
    pub fn trace(&mut self) -> Vec<crate::trace::TraceEvent> {
        self.call(|e| e.router().trace().events())
    }

    /// SHA-256 of the trace: equal for two runs iff they are the same run.
    pub fn trace_hash(&mut self) -> [u8; 32] {
        self.call(|e| e.router().trace().hash())
    }

    /// Node names, by id.
    pub fn node_names(&self) -> &[String] {
        &self.names
    }

    /// A handle on the network, for the frame log and partitions (valid inside `within`).
    pub fn with_router<R: Send + 'static>(&mut self, f: impl FnOnce(&NetworkRouter) -> R + Send + 'static) -> R {
        self.call(move |e| e.within(|c| f(&c.router)))
    }

    /// The line that reproduces this run.
    pub fn repro_line(&self) -> String {
        format!("MADSIM_TEST_SEED={}", self.config.seed)
    }
}

impl Drop for SimRuntime {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            // A panic there was already reported through `call`.
            let _ = thread.join();
        }
    }
}
