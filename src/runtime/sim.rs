//! `SimRuntime`: the test-facing handle of a simulated cluster, after the upstream sync-sim
//! guide (`with_seed`, `apply_scenario`, `run`, `check_convergence`, partitions, …).
//!
//! The simulation runs on a thread of its own for the runtime's whole life; every method sends
//! a job there and waits for the answer. That thread is the determinism fence: calimero-storage
//! and `rand::thread_rng` keep state in thread-locals, and a second runtime on a reused test
//! thread would inherit the first one's. Here every runtime starts from empty thread-locals, so
//! a run depends on its seed alone — also in a loop over seeds inside one `#[test]`.

use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::engine::{Engine, Finished};
use super::{panic_message, spawn_sim_thread};
use crate::check::ConvergenceStatus;
use crate::check::{evidence, Evidence, Judgement};
use crate::cluster::{Cause, SimConfig, World};
use crate::ids::{EntityId, NodeId};
use crate::metrics::SimMetrics;
use crate::net::FaultConfig;
use crate::oracle::{StopCondition, Violation};
use crate::repro::Repro;
use crate::scenario::Scenario;
use crate::time::{SimClock, SimTime};
use crate::trace::{FrameRecord, TraceEvent};

type Job = Box<dyn FnOnce(&mut Engine) + Send>;

/// A simulated cluster of Calimero nodes running the real sync protocols.
pub struct SimRuntime {
    seed: u64,
    /// How often `run_until` evaluates its predicate (a limit, fixed at start).
    check_interval: std::time::Duration,
    /// Names by node id: what `NodeRef`s resolve against, kept here so a lookup costs no job.
    names: Vec<String>,
    /// The line that re-runs the test that made this runtime (taken on the test's own thread).
    repro: Repro,
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// Something that names a node: its `NodeId` or its name.
pub trait NodeRef {
    fn resolve(&self, names: &[String]) -> Option<NodeId>;
}

impl NodeRef for NodeId {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        (self.index() < names.len()).then_some(*self)
    }
}

impl NodeRef for &NodeId {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        (**self).resolve(names)
    }
}

impl NodeRef for &str {
    fn resolve(&self, names: &[String]) -> Option<NodeId> {
        names.iter().position(|n| n == self).map(|i| NodeId::new(i as u32))
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
        let (seed, check_interval) = (config.seed, config.limits.check_interval);
        let thread = spawn_sim_thread(seed, move || {
            let mut engine = Engine::new(config);
            while let Ok(job) = inbox.recv() {
                job(&mut engine);
            }
        });
        SimRuntime {
            seed,
            check_interval,
            names: Vec::new(),
            repro: Repro::test(seed),
            jobs: Some(jobs),
            thread: Some(thread),
        }
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
        let message = match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => panic_message(&*panic),
            _ => "the simulation thread is gone".to_owned(),
        };
        panic!("simulation with seed {} panicked: {message}\n{}", self.seed, self.repro)
    }

    /// Runs `f` on the World, inside the simulation.
    fn world<R: Send + 'static>(&mut self, f: impl FnOnce(&Arc<World>) -> R + Send + 'static) -> R {
        self.call(move |e| e.within(f))
    }

    fn node_id(&self, node: impl NodeRef) -> NodeId {
        node.resolve(&self.names).unwrap_or_else(|| panic!("no such node in this runtime (nodes: {:?})", self.names))
    }

    /// The run's options as they are now (faults included, after any `set_faults`).
    pub fn config(&mut self) -> SimConfig {
        self.world(|w| w.config())
    }

    pub fn seed(&self) -> u64 {
        self.seed
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

    /// An app operation on a CRDT collection of `node`, applied there and gossiped (the run's
    /// scenario must have declared the collection; see `Scenario::app`). Calimero's refusal is
    /// the `Err` (and stays in the run's books for the app-error oracle).
    pub fn app_op(&mut self, node: impl NodeRef, op: crate::crdt::CrdtOp) -> Result<(), crate::crdt::CrdtError> {
        let id = self.node_id(node);
        self.world(move |w| w.at(id).app_op(&op))
    }

    /// What `node`'s app reads in every declared collection, through calimero's collection API.
    pub fn app_state(&mut self, node: impl NodeRef) -> crate::crdt::LogicalState {
        let id = self.node_id(node);
        self.world(move |w| {
            let layout = w.layout().expect("the run declares no collections");
            let node = w.node(id).expect("resolved node");
            layout.read(node.storage())
        })
        .unwrap_or_else(|err| panic!("read app state: {err}"))
    }

    /// Every app operation acknowledged so far.
    pub fn app_ops(&mut self) -> Vec<crate::cluster::OpRecord> {
        self.world(|w| w.app_ops())
    }

    /// Runs until convergence or a limit; says which.
    pub fn run(&mut self) -> StopCondition {
        self.call(Engine::run)
    }

    /// Runs until `predicate` holds (checked every `check_interval` of virtual time) or a limit.
    pub fn run_until(&mut self, mut predicate: impl FnMut(&mut SimRuntime) -> bool) -> StopCondition {
        let span = self.check_interval;
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

    /// Everything calimero has read from and written to every node's store so far (crashed
    /// nodes included: their stores survive). Sync cost is mostly these reads (docs/findings.md
    /// F11), so this is the run's machine-independent cost.
    pub fn store_io(&mut self) -> crate::store::StoreIo {
        self.world(|w| w.nodes().iter().map(|n| n.storage().io()).sum())
    }

    /// What the oracles make of the run so far, given how `run()` (or `run_until`) stopped:
    /// the verdict, the violations behind it, every node's root.
    pub fn judge(&mut self, stop: StopCondition) -> Judgement {
        self.call(move |e| e.judge(stop))
    }

    /// The evidence of the run `judgement` judged: every difference and violation, each with the
    /// finding mechanisms at work on it (what triage files a failing seed by).
    pub fn evidence(&mut self, judgement: &Judgement) -> Evidence {
        let judgement = judgement.clone();
        self.world(move |w| evidence(w, &judgement))
    }

    /// Every session and run-level contract broken so far (session oracles as sessions ended).
    pub fn violations(&mut self) -> Vec<Violation> {
        self.world(|w| w.violations())
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
            e.within(|w| w.router().partition(a, b, after));
        });
    }

    /// Cuts only `from → to`.
    pub fn partition_one_way(&mut self, from: impl NodeRef, to: impl NodeRef, heal_at: Option<SimTime>) {
        let (from, to) = (self.node_id(from), self.node_id(to));
        self.call(move |e| {
            let after = heal_at.map(|t| t.since_start().saturating_sub(e.now().since_start()));
            e.within(|w| w.router().partition_one_way(from, to, after));
        });
    }

    /// Repairs both directions between `a` and `b`.
    pub fn heal_partition(&mut self, a: impl NodeRef, b: impl NodeRef) {
        let (a, b) = (self.node_id(a), self.node_id(b));
        self.world(move |w| w.router().repair(a, b));
    }

    /// Stops the node: its tasks and sessions die, its peers see timeouts; its store survives.
    pub fn crash(&mut self, node: impl NodeRef) {
        let id = self.node_id(node);
        self.world(move |w| w.crash(id, Cause::Test));
    }

    /// Starts a crashed node again from its surviving store.
    pub fn restart(&mut self, node: impl NodeRef) {
        let id = self.node_id(node);
        self.world(move |w| w.at(id).restart());
    }

    /// Stops scheduling the node's tasks for `length` (a GC pause, an overloaded host), then lets
    /// them carry on: timers fire late, frames wait in its mailboxes, peers' budgets run out.
    pub fn pause(&mut self, node: impl NodeRef, length: std::time::Duration) {
        let id = self.node_id(node);
        self.world(move |w| w.pause(id, length));
    }

    /// Drops the connection between `a` and `b`: every stream between them fails at once, and new
    /// ones are refused for `refuse_for`.
    pub fn drop_connection(&mut self, a: impl NodeRef, b: impl NodeRef, refuse_for: std::time::Duration) {
        let (a, b) = (self.node_id(a), self.node_id(b));
        self.world(move |w| w.router().drop_connection(a, b, refuse_for));
    }

    /// Replaces the fault configuration from now on; `config()` and failure reports show it.
    pub fn set_faults(&mut self, faults: FaultConfig) {
        self.world(move |w| w.set_faults(faults));
    }

    pub fn node_name(&self, node: impl NodeRef) -> String {
        self.names[self.node_id(node).index()].clone()
    }

    pub fn entity_count(&mut self, node: impl NodeRef) -> usize {
        let id = self.node_id(node);
        self.world(move |w| w.node(id).and_then(|n| n.storage().entity_count().ok()).unwrap_or(0))
    }

    pub fn has_entity(&mut self, node: impl NodeRef, entity: EntityId) -> bool {
        let id = self.node_id(node);
        self.world(move |w| w.node(id).is_some_and(|n| n.storage().exists(entity)))
    }

    /// A local application write on `node`: applied there, then gossiped to every peer as a
    /// delta.
    pub fn write(&mut self, node: impl NodeRef, entity: EntityId, data: &[u8]) {
        let id = self.node_id(node);
        let data = data.to_vec();
        self.world(move |w| w.at(id).write(entity, &data)).unwrap_or_else(|err| panic!("write on {id}: {err}"));
    }

    /// A local application delete on `node` (a tombstone): applied there, then gossiped like a
    /// write. The lost-delete oracle holds every node to it.
    pub fn delete(&mut self, node: impl NodeRef, entity: EntityId) {
        let id = self.node_id(node);
        self.world(move |w| w.at(id).delete(entity)).unwrap_or_else(|err| panic!("delete on {id}: {err}"));
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
        self.world(move |w| w.at(id).buffered())
    }

    /// Whether `node` takes part in no sync session right now.
    pub fn is_idle(&mut self, node: impl NodeRef) -> bool {
        let id = self.node_id(node);
        self.world(move |w| w.at(id).is_idle())
    }

    /// Every frame copy so far with its fate (a view of the trace).
    pub fn frames(&mut self) -> Vec<FrameRecord> {
        self.world(|w| w.frames())
    }

    /// SHA-256 of the frame table: equal for two runs iff they routed the same frames.
    pub fn frame_log_hash(&mut self) -> [u8; 32] {
        self.world(|w| w.frame_log_hash())
    }

    /// Everything that happened so far, in order.
    pub fn trace(&mut self) -> Vec<TraceEvent> {
        self.world(|w| w.trace().events())
    }

    /// The whole result of a run that stopped with `stop`, read in one step.
    pub(crate) fn finish(&mut self, stop: StopCondition, keep_trace: bool) -> Finished {
        self.call(move |e| e.finish(stop, keep_trace))
    }

    /// SHA-256 of the trace: equal for two runs iff they are the same run.
    pub fn trace_hash(&mut self) -> [u8; 32] {
        self.world(|w| w.trace().hash())
    }

    /// Node names, by id.
    pub fn node_names(&self) -> &[String] {
        &self.names
    }

    /// Runs `f` on the World inside the simulation: the escape hatch for what this handle does
    /// not wrap (a node's store, the router's partitions).
    pub fn with_world<R: Send + 'static>(&mut self, f: impl FnOnce(&World) -> R + Send + 'static) -> R {
        self.world(move |w| f(w))
    }

    /// The line that re-runs the test this runtime belongs to, with its seed.
    pub fn repro(&self) -> &Repro {
        &self.repro
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
