//! A run's verdict: one word for what went wrong (or that nothing did), chosen from the oracles'
//! violations and the stop condition, most specific first — a session that lied about its work
//! explains a divergence better than "it hit max-time".

use std::collections::BTreeMap;
use std::fmt;

use super::app_state::{app_divergence, app_errors, app_places};
use super::crdt_semantics::collection_promises;
use super::data_loss::{data_loss, phantoms};
use super::oracles::{lost_deletes, root_mismatch};
use super::{check_world, StopCondition};
use crate::cluster::{Oracle, OracleCounts, Signal, Violation, World};

/// What a run amounts to. Its label is the variant's in kebab case (`MaxTime` is `max-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::Display, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Verdict {
    /// A session returned `Ok` without doing anything, from unequal roots, and did not admit it.
    HollowSuccess,
    /// A quiet `Ok` session left its parties disagreeing on what it covered, and did not admit it.
    StaleAfterOk,
    /// Equal live state, different root hashes.
    RootMismatch,
    /// A deleted entity is live again.
    LostDelete,
    /// A live entity nobody wrote: damage reached a store.
    Phantom,
    /// The live nodes' apps read different values (named by collection and key).
    AppDivergence,
    /// The app state the nodes agree on breaks a collection's merge promise.
    CrdtSemantics,
    /// A write to a key after its remove is invisible everywhere (F8: tombstones are final).
    LostAfterRemove,
    /// calimero's collection API refused an operation the app made.
    AppError,
    /// The chaos phase healed and the run did not converge within its liveness bound.
    #[strum(serialize = "liveness")]
    LivenessViolation,
    /// The run did not converge, and no oracle explains why.
    Diverged,
    Deadlock,
    MaxTime,
    MaxEvents,
    /// Converged, yet an acknowledged write is missing or overwritten somewhere, unsuperseded.
    DataLoss,
    /// Converged, but a session broke its contract and said so (`root_hash_verified = false`).
    FlaggedHollowSuccess,
    FlaggedStaleAfterOk,
    Converged,
    /// The run could not be judged (a panic, a setup error).
    Error,
}

impl Verdict {
    /// In the order a sweep table lists them. Written out rather than strum's `VariantArray`: the
    /// table's order is not the declaration order, which the derived `Ord` follows.
    pub const ALL: [Verdict; 19] = [
        Verdict::Converged,
        Verdict::HollowSuccess,
        Verdict::StaleAfterOk,
        Verdict::RootMismatch,
        Verdict::LostDelete,
        Verdict::Phantom,
        Verdict::AppDivergence,
        Verdict::CrdtSemantics,
        Verdict::LostAfterRemove,
        Verdict::AppError,
        Verdict::DataLoss,
        Verdict::LivenessViolation,
        Verdict::Diverged,
        Verdict::Deadlock,
        Verdict::MaxTime,
        Verdict::MaxEvents,
        Verdict::FlaggedHollowSuccess,
        Verdict::FlaggedStaleAfterOk,
        Verdict::Error,
    ];

    pub fn label(self) -> &'static str {
        self.into()
    }

    /// Whether the run is a success: converged, with nothing wrong or only what the protocol
    /// itself flagged.
    pub fn passed(self) -> bool {
        matches!(self, Verdict::Converged | Verdict::FlaggedHollowSuccess | Verdict::FlaggedStaleAfterOk)
    }

    fn of(stop: StopCondition, violations: &[Violation]) -> Verdict {
        let fired = |oracle, signal| violations.iter().any(|v| v.oracle == oracle && v.signal == signal);
        let silent = [
            (Oracle::Phantom, Verdict::Phantom),
            (Oracle::HollowSuccess, Verdict::HollowSuccess),
            (Oracle::StaleAfterOk, Verdict::StaleAfterOk),
            (Oracle::RootMismatch, Verdict::RootMismatch),
            (Oracle::LostDelete, Verdict::LostDelete),
            (Oracle::CrdtSemantics, Verdict::CrdtSemantics),
            (Oracle::AppDivergence, Verdict::AppDivergence),
            (Oracle::LostAfterRemove, Verdict::LostAfterRemove),
            (Oracle::AppError, Verdict::AppError),
        ];
        if let Some((_, verdict)) = silent.iter().find(|(oracle, _)| fired(*oracle, Signal::Silent)) {
            return *verdict;
        }
        match stop {
            StopCondition::Liveness => return Verdict::LivenessViolation,
            StopCondition::Diverged => return Verdict::Diverged,
            StopCondition::Deadlock => return Verdict::Deadlock,
            StopCondition::MaxTime => return Verdict::MaxTime,
            StopCondition::MaxEvents => return Verdict::MaxEvents,
            StopCondition::Converged | StopCondition::Manual | StopCondition::Violated => {}
        }
        // Data loss decides only a run that otherwise ended well: in one that did not converge,
        // the missing writes are the divergence itself, listed beside the verdict.
        if fired(Oracle::DataLoss, Signal::Silent) {
            return Verdict::DataLoss;
        }
        if fired(Oracle::HollowSuccess, Signal::Flagged) {
            Verdict::FlaggedHollowSuccess
        } else if fired(Oracle::StaleAfterOk, Signal::Flagged) {
            Verdict::FlaggedStaleAfterOk
        } else {
            Verdict::Converged
        }
    }
}

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
    let (mut violations, mut counts) = {
        let books = world.counters();
        (books.violations.clone(), books.oracles.clone())
    };
    let run_level = [
        (Oracle::RootMismatch, root_mismatch(world)),
        (Oracle::LostDelete, lost_deletes(world)),
        (Oracle::DataLoss, data_loss(world)),
        (Oracle::Phantom, phantoms(world)),
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
    let run_level = run_level.into_iter().chain(app_level.into_iter().flatten());
    for (oracle, outcome) in run_level {
        let count = counts.entry(oracle).or_default();
        count.checked += 1;
        if let Some(violation) = outcome {
            count.fired += 1;
            violations.push(violation);
        }
    }
    let roots = world
        .nodes()
        .iter()
        .map(|n| (n.name().to_owned(), world.is_live(n.id()), n.storage().root_hash().unwrap_or_default()))
        .collect();
    let verdict = Verdict::of(stop, &violations);
    let blocking = (verdict == Verdict::LivenessViolation).then(|| {
        let bound = world.liveness_bound().unwrap_or_default();
        let healed = world.healed_at().unwrap_or_default();
        format!("not converged {bound:?} after the heal at {:.3}s: {}", healed.as_secs_f64(), check_world(world, true))
    });
    let app_decided = matches!(
        verdict,
        Verdict::AppDivergence | Verdict::CrdtSemantics | Verdict::LostAfterRemove | Verdict::AppError
    );
    let places = (!verdict.passed() && !app_decided).then(|| app_places(world)).flatten();
    Judgement { verdict, violations, counts, roots, blocking, places }
}

impl Judgement {
    /// The first violation behind the verdict, if an oracle decided it.
    pub fn culprit(&self) -> Option<&Violation> {
        let oracle = match self.verdict {
            Verdict::HollowSuccess | Verdict::FlaggedHollowSuccess => Oracle::HollowSuccess,
            Verdict::StaleAfterOk | Verdict::FlaggedStaleAfterOk => Oracle::StaleAfterOk,
            Verdict::RootMismatch => Oracle::RootMismatch,
            Verdict::LostDelete => Oracle::LostDelete,
            Verdict::DataLoss => Oracle::DataLoss,
            Verdict::Phantom => Oracle::Phantom,
            Verdict::AppDivergence => Oracle::AppDivergence,
            Verdict::CrdtSemantics => Oracle::CrdtSemantics,
            Verdict::LostAfterRemove => Oracle::LostAfterRemove,
            Verdict::AppError => Oracle::AppError,
            _ => return None,
        };
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
