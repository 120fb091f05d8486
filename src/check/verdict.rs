//! Judging a run: the run-level oracles over the World, with the session oracles' findings, make
//! the `Judgement` — the verdict (see `oracle::Verdict`), the violation behind it, every root.

use std::collections::BTreeMap;
use std::fmt;

use super::app_state::{app_divergence, app_errors, app_places};
use super::check_world;
use super::crdt_semantics::collection_promises;
use super::data_loss::{data_loss, phantoms};
use super::oracles::{lost_deletes, root_mismatch};
use crate::cluster::World;
use crate::oracle::{Oracle, OracleCounts, StopCondition, Verdict, Violation};

/// Everything the oracles say about a run.
#[derive(Clone, Debug)]
pub struct Judgement {
    pub verdict: Verdict,
    /// Session violations as they happened (the first few per oracle), then run-level ones.
    pub violations: Vec<Violation>,
    /// Per oracle: sessions (or runs) judged, fired, fired on what the protocol flagged.
    pub counts: BTreeMap<Oracle, OracleCounts>,
    /// Every node's name, liveness and root hash at the end.
    pub roots: Vec<(String, bool, [u8; 32])>,
    /// For a liveness violation: what kept the healed run from converging.
    pub blocking: Option<String>,
    /// For an app run that failed without an app-level culprit: the differing entities, named by
    /// the app operations that wrote them (collection and key).
    pub places: Option<String>,
}

/// Judges `world` as it stands after a run that stopped with `stop`.
pub fn judge(world: &World, stop: StopCondition) -> Judgement {
    let (mut violations, mut counts) = (world.violations(), world.oracle_counts());
    let run_level = [
        (Oracle::RootMismatch, root_mismatch(world)),
        (Oracle::LostDelete, lost_deletes(world)),
        (Oracle::DataLoss, data_loss(world)),
        (Oracle::Phantom, phantoms(world)),
        (Oracle::TypeTag, super::type_tag::type_tag(world)),
        (Oracle::IndexRows, super::index_rows::index_rows(world)),
    ];
    // The app oracles judge only runs with an app.
    let app_level = world.layout().map(|_| {
        let (broken, after_remove) = collection_promises(world);
        [
            (Oracle::AppDivergence, app_divergence(world)),
            (Oracle::CrdtSemantics, broken),
            (Oracle::LostAfterRemove, after_remove),
            (Oracle::AppError, app_errors(world)),
        ]
    });
    // Only apps with a sorted collection have an ordered index to judge.
    let sorted =
        super::ordered_read::judged(world).then(|| (Oracle::OrderedRead, super::ordered_read::ordered_read(world)));
    // Only runs with a Byzantine member have forgeries to look for.
    let forged = super::forgery::judged(world).then(|| (Oracle::Forgery, super::forgery::forgery(world)));
    // Only apps with a collection a view serializes have bytes to compare.
    let viewed = super::app_view::judged(world).then(|| (Oracle::AppView, super::app_view::app_view(world)));
    let run_level =
        run_level.into_iter().chain(app_level.into_iter().flatten()).chain(sorted).chain(viewed).chain(forged);
    for (oracle, outcome) in run_level {
        counts.entry(oracle).or_default().count(outcome.as_ref());
        violations.extend(outcome);
    }
    let roots = world
        .nodes()
        .iter()
        .map(|n| (n.name().to_owned(), world.at(n.id()).is_live(), n.storage().root_hash().unwrap_or_default()))
        .collect();
    let verdict = Verdict::of(stop, &violations);
    let blocking = (verdict == Verdict::LivenessViolation).then(|| {
        let bound = world.liveness_bound().unwrap_or_default();
        let healed = world.healed_at().unwrap_or_default();
        let status = check_world(world, true);
        match stop {
            StopCondition::Stuck => format!(
                "stuck after the heal at {:.3}s: every pair of nodes whose roots differ ran Ok sessions that \
                 changed neither root: {status}",
                healed.as_secs_f64()
            ),
            _ => format!("not converged {bound:?} after the heal at {:.3}s: {status}", healed.as_secs_f64()),
        }
    });
    let app_decided = matches!(
        verdict,
        Verdict::AppDivergence
            | Verdict::CrdtSemantics
            | Verdict::LostAfterRemove
            | Verdict::AppError
            | Verdict::OrderedRead
            | Verdict::AppView
    );
    let places = (!verdict.passed() && !app_decided).then(|| app_places(world)).flatten();
    Judgement { verdict, violations, counts, roots, blocking, places }
}

impl Judgement {
    /// The first violation behind the verdict, if an oracle decided it.
    pub fn culprit(&self) -> Option<&Violation> {
        let oracle = self.verdict.oracle()?;
        self.violations.iter().find(|v| v.oracle == oracle)
    }

    /// `oracle fired/checked` for every oracle that judged something.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(oracle, c)| match c.flagged {
                0 => format!("{oracle} {}/{}", c.fired, c.checked),
                flagged => format!("{oracle} {}/{} ({flagged} flagged)", c.fired, c.checked),
            })
            .collect();
        parts.join(", ")
    }
}

impl fmt::Display for Judgement {
    /// The verdict, the violation behind it, every node's root; then the other violations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "verdict   {}", self.verdict)?;
        if let Some(culprit) = self.culprit() {
            writeln!(f, "because   {}", culprit.to_string().replace('\n', "\n          "))?;
        }
        if let Some(blocking) = &self.blocking {
            writeln!(f, "because   {}", blocking.replace('\n', "\n          "))?;
        }
        if let Some(places) = &self.places {
            writeln!(f, "where     {}", places.replace('\n', "\n          "))?;
        }
        let roots: Vec<String> = self
            .roots
            .iter()
            .map(|(name, live, root)| {
                format!("{name} {}{}", hex::encode(&root[..8]), if *live { "" } else { " (down)" })
            })
            .collect();
        write!(f, "roots     {}\noracles   {}", roots.join(", "), self.summary())?;
        let others: Vec<&Violation> =
            self.violations.iter().filter(|v| self.culprit().is_none_or(|c| !std::ptr::eq(*v, c))).collect();
        for v in others.iter().take(5) {
            write!(f, "\nalso      {}", v.to_string().replace('\n', "\n          "))?;
        }
        if others.len() > 5 {
            write!(f, "\nalso      …(+{} more violations)", others.len() - 5)?;
        }
        Ok(())
    }
}
