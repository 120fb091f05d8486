//! Running one seed and describing how it ended: the stop condition, and the oracles' verdict.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::RunSpec;
use crate::check::{ConvergenceStatus, Evidence, Judgement};
use crate::metrics::SimMetrics;
use crate::oracle::{StopCondition, Verdict};
use crate::runtime::{panic_message, SimRuntime};
use crate::store::StoreIo;
use crate::time::SimTime;
use crate::trace::TraceEvent;

/// How one run ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub seed: u64,
    /// `Err` holds a panic or setup error message.
    pub stop: Result<StopCondition, String>,
    pub virtual_time: SimTime,
    /// The convergence check at the stop (`None` when the run failed before reaching it): kept
    /// whole so a caller can ask which property blocked, and rendered only when printed.
    pub status: Option<ConvergenceStatus>,
    /// The run's counts (`None` when the run failed before reporting them).
    pub metrics: Option<SimMetrics>,
    /// What calimero read from and wrote to the nodes' stores over the run.
    pub store: StoreIo,
    /// What the oracles make of the run (`None` when it could not be judged).
    pub judgement: Option<Judgement>,
    /// A failed run's evidence, each piece with the finding mechanisms at work on it (what
    /// triage files it by); where a planted bug acted. `None` when the run could not be judged.
    pub evidence: Option<Evidence>,
    pub trace_hash: [u8; 32],
    pub wall: Duration,
    /// The most heap the run held, in bytes (`runtime::memory`; 0 where the binary does not
    /// count, and for a run that failed before its end).
    pub heap_peak: u64,
}

impl Outcome {
    pub fn converged(&self) -> bool {
        matches!(self.stop, Ok(StopCondition::Converged))
    }

    pub fn verdict(&self) -> Verdict {
        self.judgement.as_ref().map_or(Verdict::Error, |j| j.verdict)
    }

    /// Converged with no silent violation: what a sweep counts as a pass.
    pub fn passed(&self) -> bool {
        self.verdict().passed()
    }

    /// `converged`, `hollow-success`, `max-time`, `error`, … — the sweep table's row key.
    pub fn label(&self) -> &'static str {
        self.verdict().label()
    }

    /// Virtual time at which the run was first seen converged.
    pub fn converged_at(&self) -> Option<SimTime> {
        self.metrics.as_ref().and_then(|m| m.convergence.time_to_converge)
    }

    /// Events the run processed (0 when it failed before reporting).
    pub fn events(&self) -> u64 {
        self.metrics.as_ref().map_or(0, |m| m.convergence.events_processed)
    }

    /// Frames the network dropped (any reason).
    pub fn dropped(&self) -> u64 {
        self.metrics.as_ref().map_or(0, |m| m.effects.messages_dropped)
    }
}

/// What [`run_one`] hands back: the outcome, and what drawing the run needs besides.
#[derive(Clone, Debug)]
pub struct Run {
    pub outcome: Outcome,
    /// Every trace event, when `keep_trace` asked for them; empty otherwise, and when the run
    /// failed before it could be read.
    pub trace: Vec<TraceEvent>,
    /// The nodes' names in index order: trace events name nodes by index, and the exports label
    /// their tracks with these (empty when the run failed before it had nodes).
    pub node_names: Vec<String>,
}

/// Runs one seed to a stop condition. Never panics: a panic inside the simulation becomes an
/// `Err` outcome carrying its message. `keep_trace` hands the full trace back too.
pub fn run_one(spec: &RunSpec, keep_trace: bool) -> Run {
    let wall = Instant::now();
    let seed = spec.seed;
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        let plan = spec.plan();
        let mut rt = SimRuntime::with_config(plan.config);
        rt.apply_scenario(plan.scenario);
        let stop = rt.run();
        (stop, rt.finish(stop, keep_trace), rt.node_names().to_vec())
    }));
    match attempt {
        Ok((stop, done, node_names)) => {
            let outcome = Outcome {
                seed,
                stop: Ok(stop),
                virtual_time: done.now,
                status: Some(done.status),
                metrics: Some(done.metrics),
                store: done.store,
                judgement: Some(done.judgement),
                evidence: Some(done.evidence),
                trace_hash: done.trace_hash,
                wall: wall.elapsed(),
                heap_peak: done.heap_peak,
            };
            Run { outcome: judged_at_rest(spec, outcome), trace: done.trace, node_names }
        }
        Err(panic) => {
            let message = panic_message(&*panic);
            let outcome = Outcome {
                seed,
                stop: Err(message.lines().next().unwrap_or_default().to_owned()),
                virtual_time: SimTime::ZERO,
                status: None,
                metrics: None,
                store: StoreIo::default(),
                judgement: None,
                evidence: None,
                trace_hash: [0; 32],
                wall: wall.elapsed(),
                heap_peak: 0,
            };
            Run { outcome, trace: Vec::new(), node_names: Vec::new() }
        }
    }
}

/// A silent violation stops a run where it becomes certain, which may be mid-sync for the nodes
/// it does not involve: a piece of their state that nothing explains there can be a repair still
/// on its way. Before such a run is filed NEW it runs on to its own end (`--run-on`), and if
/// everything there is explained, that is the evidence triage reads (marked `at_rest`); what
/// still nothing explains at rest stays NEW, with the stop's own evidence. (Default seed 1910 on
/// 0.11.0-rc.4: a root mismatch between alice and carol, certain at 81 s, while bob still lacked
/// two elements carol pushed at 28 s, which he got by 90 s.)
fn judged_at_rest(spec: &RunSpec, mut outcome: Outcome) -> Outcome {
    let flags = spec.flags();
    let new = matches!(outcome.triage(&flags), Some(super::Triage::New { .. }));
    if !new || outcome.stop != Ok(StopCondition::Violated) || !spec.limits.stop_on_violation {
        return outcome;
    }
    let on = run_one(&spec.clone().run_on(), false).outcome;
    if matches!(on.triage(&flags), Some(super::Triage::Known(_))) {
        outcome.evidence = on.evidence.map(|e| Evidence { at_rest: Some(on.virtual_time.since_start()), ..e });
    }
    outcome
}

impl fmt::Display for Outcome {
    /// The verdict first (with the session behind it and every node's root), then how the run
    /// stopped, its status, metrics, trace hash and wall time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(judgement) = &self.judgement {
            writeln!(f, "  {}", judgement.to_string().replace('\n', "\n  "))?;
        }
        match &self.stop {
            Ok(stop) => writeln!(f, "  outcome   {stop} at {} virtual ({} events)", self.virtual_time, self.events())?,
            Err(e) => writeln!(f, "  outcome   error: {e}")?,
        }
        if let Some(status) = &self.status {
            writeln!(f, "  status    {}", status.to_string().replace('\n', "\n            "))?;
        }
        if let Some(metrics) = &self.metrics {
            writeln!(f, "  metrics   {}", metrics.summary())?;
            writeln!(f, "  store     {}", self.store)?;
        }
        writeln!(f, "  trace     {}", hex::encode(self.trace_hash))?;
        write!(f, "  wall      {:.3}s", self.wall.as_secs_f64())?;
        if self.heap_peak > 0 {
            write!(f, "\n  heap      peak {}", crate::store::human_bytes(self.heap_peak))?;
        }
        Ok(())
    }
}
