//! Plants as a measure of triage. A bug merosim plants in itself (`Injected`: a lost write, a
//! lost app operation, a flipped byte) is a failure no known finding explains, so a run that
//! carries one must come out NEW — on a seed that already fails with a known finding as much as
//! on a clean one. The score is the share of planted runs that do, among those whose plant
//! changed the final state; a plant that changed nothing is shown to have changed nothing.

use std::fmt;

use super::{run_one, triage, Outcome, RunSpec, Triage};
use crate::cluster::Injected;
use crate::scenario::Scenario;

/// What became of one planted run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlantFate {
    /// The node made fewer writes or operations than the plant's `nth`: nothing was planted.
    NotFired,
    /// The plant acted but the final state owes it nothing (why).
    NoEffect(&'static str),
    /// Triage filed it NEW: what the score counts.
    New,
    /// Filed NEW, but so was the same seed without the plant: proves nothing about the plant.
    NewWithoutIt,
    /// Triage filed it as known, or the run passed, though the plant changed the final state.
    Missed(String),
}

impl fmt::Display for PlantFate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlantFate::NotFired => f.write_str("not fired"),
            PlantFate::NoEffect(why) => write!(f, "no effect ({why})"),
            PlantFate::New => f.write_str("NEW"),
            PlantFate::NewWithoutIt => f.write_str("NEW without it too"),
            PlantFate::Missed(how) => write!(f, "MISSED ({how})"),
        }
    }
}

/// The fate of `planted`, a run of `options` with a plant, against `clean`, the same run
/// without it.
pub fn plant_fate(clean: &Outcome, planted: &Outcome, flags: &str) -> PlantFate {
    let Some(evidence) = &planted.evidence else {
        // The run broke before it could be judged: triage files that NEW.
        return PlantFate::New;
    };
    let Some(report) = &evidence.plant else { return PlantFate::NotFired };
    let verdict = planted.triage(flags);
    if let Some(Triage::New { .. }) = verdict {
        return match clean.triage(flags) {
            Some(Triage::New { .. }) => PlantFate::NewWithoutIt,
            _ => PlantFate::New,
        };
    }
    let f8_here = triage::catalogue().iter().any(|r| r.finding == "F8" && r.applies_here());
    if !report.changed {
        PlantFate::NoEffect("calimero reports the operation changed nothing")
    } else if report.superseded {
        PlantFate::NoEffect("written or removed again later")
    } else if report.after_remove && f8_here {
        PlantFate::NoEffect("written after its remove: F8 hides it on this release")
    } else if planted.trace_hash == clean.trace_hash {
        PlantFate::NoEffect("the run is byte-identical to the one without it")
    } else if same_evidence(clean, evidence) {
        // What it lost was made again by another node (a nested collection two nodes create under
        // one key, say): nothing in the final state tells the two runs apart, so triage had
        // nothing of the plant's to file.
        PlantFate::NoEffect("the run ends with the same evidence as the one without it")
    } else {
        PlantFate::Missed(match verdict {
            Some(Triage::Known(findings)) => format!("filed as known {}", findings.join("+")),
            _ => "the run passed".to_owned(),
        })
    }
}

/// Whether the clean run's evidence has exactly the pieces `planted` has (the same words).
fn same_evidence(clean: &Outcome, planted: &crate::check::Evidence) -> bool {
    let words =
        |e: &crate::check::Evidence| e.pieces.iter().map(|p| p.what.clone()).collect::<std::collections::BTreeSet<_>>();
    clean.evidence.as_ref().is_some_and(|c| words(c) == words(planted))
}

/// Whether `plant` can act in `scenario` at all: a lost app operation needs an app, a raw-write
/// plant a node that writes raw entities. A plant that cannot is not run (it would not fire).
fn can_fire(plant: &Injected, scenario: &Scenario) -> bool {
    match *plant {
        Injected::LoseAppOp { node, .. } => scenario.app.is_some() && (node as usize) < scenario.nodes.len(),
        Injected::LoseWrite { node, .. } | Injected::FlipByte { node, .. } => {
            scenario.workload.as_ref().is_some_and(|w| w.writers.contains(&(node as usize)))
        }
    }
}

/// Runs `options` without a plant, then with each of `plants`: the clean outcome and each
/// plant's fate.
pub fn measure_plants(spec: &RunSpec, plants: &[Injected]) -> (Outcome, Vec<(Injected, PlantFate)>) {
    let with = |inject: Option<Injected>| {
        let mut spec = spec.clone();
        spec.node.inject = inject;
        spec
    };
    let clean_spec = with(None);
    let clean = run_one(&clean_spec, false).outcome;
    let scenario = clean_spec.plan().scenario;
    let fates = plants
        .iter()
        .map(|plant| {
            if !can_fire(plant, &scenario) {
                return (*plant, PlantFate::NotFired);
            }
            let planted_spec = with(Some(*plant));
            let planted = run_one(&planted_spec, false).outcome;
            (*plant, plant_fate(&clean, &planted, &planted_spec.flags()))
        })
        .collect();
    (clean, fates)
}
