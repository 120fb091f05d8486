//! Failing-seed minimisation (M17): re-run a failing seed with less — fewer nodes, fewer
//! entities, a shorter chaos phase, one fault kind fewer — keeping each reduction under which the
//! same verdict persists, until none does. The seed stays: a seed is a schedule, and the point
//! is the smallest world in which that schedule still breaks. Greedy and sequential, so
//! shrinking the same seed twice takes the same steps to the same result.

use std::fmt;
use std::time::Duration;

use super::{run_one, RunSpec};
use crate::faults::FaultArgs;
use crate::oracle::Verdict;
use crate::scenario::ScenarioSpec;

/// What shrinking found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub original: RunSpec,
    /// The verdict every accepted reduction kept.
    pub verdict: Verdict,
    pub smallest: RunSpec,
    /// The reductions accepted, in order.
    pub steps: Vec<String>,
    /// Runs made, the first included.
    pub runs: u32,
}

/// Why a seed cannot be shrunk.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShrinkError {
    #[error("seed {seed} passes ({verdict}): there is no failure to shrink")]
    Passes { seed: u64, verdict: Verdict },
}

/// How big a run is, compared lexicographically: nodes, entities written, fault kinds, chaos.
fn size(spec: &RunSpec) -> (usize, usize, usize, Duration) {
    let plan = spec.plan();
    let entities = plan.scenario.nodes.iter().map(|n| n.entities.len()).sum();
    (plan.scenario.nodes.len(), entities, plan.config.faults.kinds().len(), plan.config.node.chaos.unwrap_or_default())
}

/// The reductions to try from `spec`, each with a line saying what it does.
fn reductions(spec: &RunSpec) -> Vec<(String, RunSpec)> {
    let nodes = spec.plan().scenario.nodes.len();
    let (_, entities) = spec.workload.size();
    let sized = |n: usize, e: usize| {
        let mut smaller = spec.clone();
        smaller.workload.scenario =
            ScenarioSpec { kind: spec.workload.scenario.kind, nodes: Some(n), entities: Some(e) };
        (smaller.workload.nodes, smaller.workload.entities) = (n, e);
        smaller
    };
    let with_faults = |faults: FaultArgs| RunSpec { faults, ..spec.clone() };
    let mut out = Vec::new();
    if nodes > 2 {
        out.push((format!("nodes {nodes} -> {}", nodes - 1), sized(nodes - 1, entities)));
    }
    if entities > 1 {
        out.push((format!("entities {entities} -> {}", entities / 2), sized(nodes, entities / 2)));
        out.push((format!("entities {entities} -> {}", entities - 1), sized(nodes, entities - 1)));
    }
    if let Some(chaos) = spec.faults.chaos().filter(|c| *c >= Duration::from_secs(2)) {
        let half = Duration::from_secs(chaos.as_secs() / 2);
        let faults = FaultArgs { chaos: Some(half), ..spec.faults.clone() };
        out.push((format!("chaos {chaos:?} -> {half:?}"), with_faults(faults)));
    }
    for kind in spec.faults.resolve(spec.seed).kinds() {
        let mut faults = spec.faults.clone();
        faults.without.push(kind);
        out.push((format!("without {kind}"), with_faults(faults.canonical())));
    }
    out
}

/// Shrinks the failing run `options`; `progress` hears of every reduction tried and whether it
/// kept the failure.
pub fn shrink(options: &RunSpec, mut progress: impl FnMut(&str, bool)) -> Result<Shrunk, ShrinkError> {
    let verdict = run_one(options, false).outcome.verdict();
    if verdict.passed() {
        return Err(ShrinkError::Passes { seed: options.seed, verdict });
    }
    let mut current = options.clone();
    let mut steps = Vec::new();
    let mut runs = 1;
    'search: loop {
        let here = size(&current);
        for (what, candidate) in reductions(&current) {
            if size(&candidate) >= here {
                continue;
            }
            runs += 1;
            let kept = run_one(&candidate, false).outcome.verdict() == verdict;
            progress(&what, kept);
            if kept {
                steps.push(what);
                current = candidate;
                continue 'search;
            }
        }
        break;
    }
    Ok(Shrunk { original: options.clone(), verdict, smallest: current, steps, runs })
}

impl fmt::Display for Shrunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  verdict   {} (kept through every step)", self.verdict)?;
        let steps =
            if self.steps.is_empty() { "none: the failure needs all of it".to_owned() } else { self.steps.join("; ") };
        writeln!(f, "  steps     {steps}")?;
        let (n0, e0, k0, c0) = size(&self.original);
        let (n1, e1, k1, c1) = size(&self.smallest);
        writeln!(
            f,
            "  size      nodes {n0} -> {n1}, entities {e0} -> {e1}, fault kinds {k0} -> {k1}, chaos {c0:?} -> {c1:?} ({} runs)",
            self.runs
        )?;
        write!(f, "  smallest\n{}", self.smallest)
    }
}
