//! The simulation side of a `SimRuntime`: the seeded madsim runtime, the World, and the stop
//! conditions. It lives on the run's own thread (see `sim.rs`) and is only touched through jobs
//! sent there.
//!
//! Every `block_on` here polls madsim's scheduler, which advances virtual time by a seeded few
//! nanoseconds; the sequence of calls a run makes *while it runs* is therefore part of its trace.
//! Keep it stable. What is read after the stop is read in one job (`finish`), so reading order
//! is not.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::check::{check_world, evidence, judge, root_mismatch, ConvergenceStatus, Evidence, Judgement, Property};
use crate::cluster::{Limits, SimConfig, World, APP_OP_GAP};
use crate::crdt::CrdtError;
use crate::error::StorageError;
use crate::ids::NodeId;
use crate::metrics::{ConvergenceMetrics, SimMetrics};
use crate::oracle::StopCondition;
use crate::scenario::Scenario;
use crate::store::StoreIo;
use crate::time::SimTime;
use crate::trace::TraceEvent;

/// Everything a finished run is read for, read in one step (see [`Engine::finish`]).
pub(crate) struct Finished {
    pub now: SimTime,
    pub metrics: SimMetrics,
    pub status: ConvergenceStatus,
    pub judgement: Judgement,
    pub evidence: Evidence,
    pub store: StoreIo,
    pub trace: Vec<TraceEvent>,
    pub trace_hash: [u8; 32],
    /// The most heap the run's thread held (`runtime::memory`; 0 where nothing counts).
    pub heap_peak: u64,
}

pub(crate) struct Engine {
    runtime: madsim::runtime::Runtime,
    world: Arc<World>,
    /// The run's limits, fixed at start (the faults live in the router, the nodes' settings in
    /// the World).
    limits: Limits,
    converged_at: Option<SimTime>,
    /// When `evaluate` may next look for equal data under different roots.
    next_root_check: Duration,
    /// Every node's root at the last check that found equal live states under different roots:
    /// a run ends on the mismatch only when the next check finds the same roots (see `evaluate`),
    /// and, with production's tick, only once every live node has synced since (its count then).
    suspect_roots: Option<Vec<[u8; 32]>>,
    suspect_ticks: Option<BTreeMap<NodeId, u64>>,
    /// Whether the run's own processes (the chaos process) have been started: on the first step.
    started: bool,
}

/// Why a scenario could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("app: {0}")]
    App(#[from] CrdtError),
}

impl Engine {
    pub fn new(config: SimConfig) -> Self {
        let runtime = super::seeded_runtime(config.seed);
        let limits = config.limits.clone();
        let world = runtime.block_on(async move {
            let world = Arc::new(World::with_config(config));
            world.mark_history_complete();
            world
        });
        Engine {
            runtime,
            world,
            limits,
            converged_at: None,
            next_root_check: Duration::ZERO,
            suspect_roots: None,
            suspect_ticks: None,
            started: false,
        }
    }

    /// Runs `f` inside the simulation (virtual clock, seeded randomness, madsim context).
    pub fn within<R>(&self, f: impl FnOnce(&Arc<World>) -> R) -> R {
        let world = Arc::clone(&self.world);
        self.runtime.block_on(async move { f(&world) })
    }

    pub fn now(&self) -> SimTime {
        self.within(|w| SimTime::from(w.router().now()))
    }

    pub fn add_node(&mut self, name: &str) -> Result<NodeId, StorageError> {
        let name = name.to_owned();
        self.within(move |w| w.spawn_node(&name))
    }

    pub fn apply_scenario(&mut self, scenario: &Scenario) -> Result<Vec<NodeId>, SetupError> {
        // An app's collections fix the run's context, so they are declared before any node.
        if let Some(app) = &scenario.app {
            let collections = app.collections.clone();
            self.within(move |w| w.declare_collections(&collections))?;
        }
        let mut ids = Vec::with_capacity(scenario.nodes.len());
        let initialized = scenario.app.is_some();
        for spec in &scenario.nodes {
            let id = self.add_node(&spec.name)?;
            // Production's members of an app's context hold the state its `init` made (the
            // creator ran it; joiners synced it) before anyone calls the app: production refuses
            // to execute on a context without state (`ExecuteError::Uninitialized`).
            if initialized {
                self.within(move |w| w.node(id).map(|n| n.storage().initialize()));
            }
            let (entities, deletes) = (spec.entities.clone(), spec.deletes.clone());
            self.within(move |w| {
                for e in &entities {
                    w.at(id).seed_write(e.id, e.parent, &e.data, e.meta.as_ref())?;
                }
                deletes.iter().try_for_each(|entity| w.at(id).seed_delete(*entity))
            })?;
            ids.push(id);
        }
        // The run's Byzantine members join after the scenario's own, holding nothing of theirs
        // and writing nothing: every write the oracles judge by is an honest node's.
        for name in self.world.config().faults.nodes.byzantine_names() {
            let id = self.add_node(&name)?;
            if initialized {
                self.within(move |w| w.node(id).map(|n| n.storage().initialize()));
            }
        }
        if let Some(workload) = &scenario.workload {
            let writers = workload.writers.iter().filter_map(|i| ids.get(*i).copied()).collect();
            self.start_workload(writers, workload.every, workload.count);
        }
        if let Some(app) = &scenario.app {
            let (app, nodes, world) = (app.clone(), ids.clone(), Arc::clone(&self.world));
            self.runtime.block_on(async move {
                for setup in &app.setup {
                    let node =
                        nodes.get(setup.node).copied().ok_or(CrdtError::NoNode { node: setup.node.to_string() })?;
                    world.at(node).seed_app_op(&setup.op, setup.shared)?;
                    // calimero stamps collection writes with the clock: two at one instant tie.
                    tokio::time::sleep(APP_OP_GAP).await;
                }
                for (i, node) in nodes.iter().enumerate() {
                    let ops = app.ops_of(i).into_iter().map(|t| (t.at, t.op)).collect();
                    world.start_app(*node, ops);
                }
                Ok::<(), CrdtError>(())
            })?;
        }
        Ok(ids)
    }

    /// Keeps writing on `writers` while sync runs (see `World::start_writer`).
    pub fn start_workload(&mut self, writers: Vec<NodeId>, every: Duration, count: u32) {
        for writer in writers {
            self.within(move |w| w.start_writer(writer, every, count));
        }
    }

    /// Runs until the next step of the run (a frame sent, delivered or dropped; a sync tick; a
    /// session start or end; …). False once a limit (`max_time`, `max_events`) is reached.
    pub fn step(&mut self) -> bool {
        if self.limit_reached().is_some() {
            return false;
        }
        self.start();
        let left = self.limits.max_time.saturating_sub(self.now().since_start());
        let world = Arc::clone(&self.world);
        self.runtime.block_on(async move {
            let trace = world.trace();
            let start = trace.run_events();
            let _ = tokio::time::timeout(left, async {
                while trace.run_events() == start {
                    trace.next_run_event().await;
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
        self.start();
        let left = self.limits.max_time.saturating_sub(self.now().since_start());
        let span = span.min(left);
        self.runtime.block_on(async move { tokio::time::sleep(span).await });
        self.limit_reached()
    }

    /// Starts the chaos process before the run's first step (after the scenario's nodes exist).
    fn start(&mut self) {
        let config = self.world.options();
        let nodes = &config.faults.nodes;
        let chaos = config.node.chaos.is_some() || nodes.pause.is_some() || nodes.crash.is_some();
        // Runs without chaos make no extra job, so their schedules (and traces) stay as they were.
        if chaos && !std::mem::replace(&mut self.started, true) {
            self.within(|w| w.start_chaos());
        }
    }

    fn limit_reached(&self) -> Option<StopCondition> {
        let (now, events) = self.within(|w| (w.router().now(), w.trace().run_events()));
        if now >= self.limits.max_time {
            Some(StopCondition::MaxTime)
        } else if events >= self.limits.max_events {
            Some(StopCondition::MaxEvents)
        } else if self.limits.max_memory_mib > 0 && super::memory::thread_heap().live > self.limits.max_memory_mib << 20
        {
            Some(StopCondition::MemoryLimit)
        } else {
            None
        }
    }

    /// One stop-condition evaluation of `run()`: `None` means keep going. While workload
    /// writers still have writes to make, a moment of agreement is not the end of the run.
    ///
    /// With `stop_on_violation`, a silent session violation ends the run, and so do equal live
    /// states under different roots — looked for at most once per sync interval, when nothing
    /// but the roots keeps the run from converging (the walk reads every entity), and certain
    /// only when the next look finds the very same roots: a tombstone one node has and another
    /// never needed (a delete of an entity it never held) differs the roots until a session
    /// carries it, which a sync interval gives the nodes time to do.
    ///
    /// With a chaos phase, nothing but a violation ends the run before the heal (agreement in
    /// the middle of the chaos proves nothing); after it, the run must converge within the
    /// liveness bound or stop with `Liveness` — or with `Stuck`, as soon as sync has reached a
    /// fixed point short of convergence (`cluster::fixed_point`) and the run is at rest.
    pub fn evaluate(&mut self) -> Option<StopCondition> {
        let watch = self.limits.stop_on_violation;
        let root_check_due = self.next_root_check;
        let phases = self.world.options().node.chaos.is_some();
        // One job per evaluation: each `block_on` is part of the run's schedule (see the top).
        let (status, writing, violated, checked_roots_at, liveness, stuck) = self.within(move |w| {
            let writing = w.writers_running() > 0;
            let now = w.router().now();
            // With a chaos phase: `Some(None)` until the heal, then whether the bound ran out.
            let liveness = phases.then(|| w.healed_at().zip(w.liveness_bound()).map(|(at, bound)| now >= at + bound));
            let violated = watch && w.silent_violation();
            // Before the heal only a violation ends a run: agreement mid-chaos proves nothing,
            // and every node down is a moment of the chaos, not a deadlock. No need to look.
            if violated || liveness == Some(None) {
                return (None, writing, violated, None, liveness, false);
            }
            let status = check_world(w, false);
            if watch && status.blocking == [Property::C4NoPendingSync] && now >= root_check_due {
                let roots = root_mismatch(w)
                    .map(|_| w.nodes().iter().map(|n| n.storage().root_hash().unwrap_or_default()).collect());
                return (Some(status), writing, false, Some((now, roots, w.production_ticks())), liveness, false);
            }
            // A fixed point is final only at rest: a frame in flight, a session running, a delta
            // buffered or waiting for its parents may still move a root. At rest nothing but
            // the next sync tick acts, and the fixed point says what it will do.
            let at_rest = [Property::C1NetworkQuiescent, Property::C2AllIdle, Property::C3NoPendingBuffers]
                .iter()
                .all(|p| status.holds(*p))
                && w.no_pending_deltas();
            let stuck = liveness.is_some() && !writing && at_rest && w.sync_is_stuck();
            (Some(status), writing, false, None, liveness, stuck)
        });
        let mut violated = violated;
        if let Some((at, roots, ticks)) = checked_roots_at {
            self.next_root_check = at + self.world.options().node.sync_interval;
            let same = roots.is_some() && roots == self.suspect_roots;
            // Every node that is live now and was then has finished a session of its own since.
            let synced = match (&self.suspect_ticks, &ticks) {
                (Some(then), Some(now)) => now.iter().all(|(id, n)| then.get(id).is_none_or(|t| n > t)),
                _ => true,
            };
            violated = same && synced;
            // Equal roots nobody has synced over yet keep the suspicion, and its counts, as it was.
            if !same || synced {
                self.suspect_roots = roots;
                self.suspect_ticks = ticks;
            }
        }
        if violated {
            return Some(StopCondition::Violated);
        }
        let status = status?;
        if status.live_nodes == 0 {
            return Some(StopCondition::Deadlock);
        }
        if liveness == Some(Some(true)) && !status.is_converged() {
            return Some(StopCondition::Liveness);
        }
        if stuck && !status.is_converged() {
            return Some(StopCondition::Stuck);
        }
        if writing {
            return None;
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
        self.start();
        if let Some(stop) = self.evaluate() {
            return stop;
        }
        loop {
            let span = self.limits.check_interval;
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
        self.within(|w| check_world(w, full))
    }

    /// The oracles' verdict on the run so far, which stopped with `stop`.
    pub fn judge(&self, stop: StopCondition) -> Judgement {
        self.within(move |w| judge(w, stop))
    }

    pub fn metrics(&self) -> SimMetrics {
        let converged = self.converged_at.is_some() && self.convergence(false).is_converged();
        self.within(|w| {
            let convergence = ConvergenceMetrics {
                converged,
                time_to_converge: self.converged_at,
                events_processed: w.trace().run_events(),
            };
            SimMetrics::of(w, convergence)
        })
    }

    /// Reads the whole result of a run that stopped with `stop` in one job: one `block_on`, so
    /// what is read, and in which order, is no part of the run's schedule. `keep_trace` copies
    /// every trace event out too.
    pub fn finish(&self, stop: StopCondition, keep_trace: bool) -> Finished {
        let converged_at = self.converged_at;
        self.within(move |w| {
            let status = check_world(w, true);
            let convergence = ConvergenceMetrics {
                converged: converged_at.is_some() && status.is_converged(),
                time_to_converge: converged_at,
                events_processed: w.trace().run_events(),
            };
            let judgement = judge(w, stop);
            Finished {
                now: SimTime::from(w.router().now()),
                metrics: SimMetrics::of(w, convergence),
                evidence: evidence(w, &judgement),
                judgement,
                status,
                store: w.nodes().iter().map(|n| n.storage().io()).sum(),
                trace: if keep_trace { w.trace().events() } else { Vec::new() },
                trace_hash: w.trace().hash(),
                heap_peak: super::memory::thread_heap().peak,
            }
        })
    }
}

impl Drop for Engine {
    /// Breaks the cycle between the World and the tasks that hold it (`World::tear_down`), so a
    /// finished run's memory goes back before the next seed's starts.
    fn drop(&mut self) {
        // Unwinding from a panic inside the simulation, the runtime may be mid-poll: leave it.
        if std::thread::panicking() {
            return;
        }
        let world = Arc::clone(&self.world);
        self.runtime.block_on(async move {
            world.tear_down();
            // Killed tasks are woken, and dropped when the executor reaches them: no virtual time
            // passes, so nothing else of the run moves on.
            tokio::task::yield_now().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The World outlives its engine only through the tasks and handles that hold it; after a
    /// run and the engine's drop nothing does (before the teardown, a 3 × 20 run left 30 holders
    /// and every byte of its stores behind).
    #[test]
    fn a_finished_run_lets_go_of_its_world() {
        crate::runtime::warm_up();
        let world = std::thread::spawn(|| {
            let mut engine = Engine::new(SimConfig::with_seed(7));
            engine.apply_scenario(&Scenario::n_nodes_diverged(3, 20)).expect("the scenario sets up");
            assert!(engine.run() == StopCondition::Converged);
            let world = Arc::downgrade(&engine.world);
            assert!(world.strong_count() > 1, "the run's tasks hold the World while it lives");
            drop(engine);
            world.strong_count()
        })
        .join()
        .expect("the run finished");
        assert_eq!(world, 0, "something still holds the finished run's World");
    }
}
