//! A failing run's signature: what the oracles saw, reduced to the few facts that tell one kind
//! of failure from another — the verdict, and the shape of what was wrong (which entities differ
//! and how, whether the roots agree, what the culprit oracle's line says). Two seeds of one bug
//! share a signature however their ids and timings differ, so a sweep can report a failure class
//! once, with its smallest seed, instead of every seed of it.
//!
//! The shape tags come from the structured checks where there is one (the convergence status's
//! entity differences, the final roots) and from the culprit's own words where the oracle only
//! writes prose (a root mismatch's first difference, a CRDT promise, calimero's error text).

use std::collections::BTreeSet;
use std::fmt;

use super::outcome::Outcome;
use crate::check::Divergence;
use crate::oracle::{Oracle, Signal};
use crate::store::EntityDifference;

/// What a failing run looked like to the oracles.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature {
    /// The verdict's label (`lost-after-remove`, `liveness`, …), or `error` for a run that broke.
    pub verdict: &'static str,
    /// The oracle whose violation decided the verdict, when one did.
    pub culprit: Option<Oracle>,
    /// Every other oracle that fired silently in the run: a second bug can hide behind the one
    /// that decided the verdict (an app divergence behind a root mismatch).
    pub also: BTreeSet<&'static str>,
    /// The shape of what was wrong, as sorted tags.
    pub shape: BTreeSet<&'static str>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verdict)?;
        if !self.also.is_empty() {
            let also: Vec<&str> = self.also.iter().copied().collect();
            write!(f, " (also {})", also.join(", "))?;
        }
        if !self.shape.is_empty() {
            let tags: Vec<&str> = self.shape.iter().copied().collect();
            write!(f, ": {}", tags.join(", "))?;
        }
        Ok(())
    }
}

impl Outcome {
    /// The run's signature; `None` for a run that passed.
    pub fn signature(&self) -> Option<Signature> {
        if self.passed() {
            return None;
        }
        let Some(judgement) = &self.judgement else {
            return Some(Signature { verdict: "error", culprit: None, also: BTreeSet::new(), shape: BTreeSet::new() });
        };
        let mut shape = BTreeSet::new();
        let culprit = judgement.culprit();
        // A session oracle stops the run the moment a session breaks its contract, mid-run: the
        // state then is wherever the run was, not where sync left it, so what the state oracles
        // and the convergence check make of it says nothing about the bug. Such a signature is
        // the session oracles' alone.
        let mid_run = culprit.is_some_and(|v| v.session.is_some());
        let counted = |v: &&crate::oracle::Violation| v.signal == Signal::Silent && (!mid_run || v.session.is_some());
        // Every silent violation's words: the culprit's, and those of the oracles that also fired.
        for violation in judgement.violations.iter().filter(counted) {
            shape.extend(words(violation.oracle, &violation.detail));
        }
        if let Some(status) = self.status.as_ref().filter(|_| !mid_run) {
            for divergence in &status.divergent {
                shape.extend(differences(divergence));
            }
            if !status.divergent.is_empty() {
                let live: Vec<&[u8; 32]> = judgement.roots.iter().filter(|(_, up, _)| *up).map(|(_, _, r)| r).collect();
                shape.insert(if live.windows(2).all(|w| w[0] == w[1]) { "roots equal" } else { "roots apart" });
            }
        }
        let also = judgement
            .violations
            .iter()
            .filter(counted)
            .filter(|v| Some(v.oracle) != culprit.map(|c| c.oracle))
            .map(|v| v.oracle.name())
            .collect();
        Some(Signature { verdict: judgement.verdict.label(), culprit: culprit.map(|v| v.oracle), also, shape })
    }
}

/// How one node's live state differs from the majority's.
fn differences(divergence: &Divergence) -> Vec<&'static str> {
    let diff = &divergence.diff;
    let mut tags = Vec::new();
    for id in diff.only_left.iter().chain(&diff.only_right) {
        tags.push(if divergence.unlinked.contains(id) { "live but unlinked" } else { "entity missing" });
    }
    if !divergence.crowded.is_empty() {
        tags.push("under a parent past 256 children");
    }
    for (_, difference) in &diff.different {
        tags.push(match difference {
            EntityDifference::Parent { .. } => "parent differs",
            EntityDifference::Data { left, right } if left.is_empty() || right.is_empty() => "own bytes missing",
            EntityDifference::Data { .. } => "bytes differ",
        });
    }
    tags
}

/// What the culprit's own line says, for the oracles that write prose.
fn words(oracle: Oracle, detail: &str) -> Vec<&'static str> {
    const PHRASES: &[(&str, &str)] = &[
        ("has different children", "children differ"),
        ("same children in a different order", "children ordered differently"),
        ("own bytes hash differently", "own hash differs"),
        ("is missing on one side", "entity missing under a parent"),
        ("again after a clear removed it", "cleared entry back"),
        ("Record not found", "record not found"),
    ];
    let mut tags: Vec<&'static str> =
        PHRASES.iter().filter(|(phrase, _)| detail.contains(phrase)).map(|(_, tag)| *tag).collect();
    if tags.is_empty() && oracle == Oracle::CrdtSemantics {
        tags.push("a collection's promise");
    }
    tags
}
