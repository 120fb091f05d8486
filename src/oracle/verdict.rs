//! A run's verdict: one word for what went wrong (or that nothing did), chosen from the oracles'
//! violations and the stop condition.

use super::{Oracle, Signal, StopCondition, Violation};

/// What a run amounts to. Its label is the variant's in kebab case (`MaxTime` is `max-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::Display, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Verdict {
    /// An honest node keeps a delta a Byzantine member forged (another author, other parents).
    Forgery,
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
    /// A node's ordered read of a sorted collection lacks keys it holds, or lists removed ones.
    OrderedRead,
    /// Nodes that read a collection alike hand a client different bytes for it.
    AppView,
    /// An entity carries another CRDT type on one node than on the others.
    TypeTag,
    /// Converged, yet a node indexes an entity without its bytes (or the reverse).
    IndexRows,
    /// The chaos phase healed and the run did not converge within its liveness bound.
    #[strum(serialize = "liveness")]
    LivenessViolation,
    /// The run did not converge, and no oracle explains why.
    Diverged,
    Deadlock,
    MaxTime,
    MaxEvents,
    /// The run's heap passed its limit (`--max-memory`).
    MemoryLimit,
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
    pub const ALL: [Verdict; 25] = [
        Verdict::Converged,
        Verdict::Forgery,
        Verdict::HollowSuccess,
        Verdict::StaleAfterOk,
        Verdict::RootMismatch,
        Verdict::LostDelete,
        Verdict::Phantom,
        Verdict::AppDivergence,
        Verdict::CrdtSemantics,
        Verdict::LostAfterRemove,
        Verdict::AppError,
        Verdict::OrderedRead,
        Verdict::AppView,
        Verdict::TypeTag,
        Verdict::DataLoss,
        Verdict::IndexRows,
        Verdict::LivenessViolation,
        Verdict::Diverged,
        Verdict::Deadlock,
        Verdict::MaxTime,
        Verdict::MaxEvents,
        Verdict::MemoryLimit,
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

    /// The verdict of a run that stopped with `stop` and broke `violations`: the first silent
    /// violation in the table's order; else the stop condition if the run did not end well;
    /// else data loss; else what the protocol flagged; else converged.
    pub fn of(stop: StopCondition, violations: &[Violation]) -> Verdict {
        // A runaway cut short says nothing the oracles could trust about the run's end.
        if stop == StopCondition::MemoryLimit {
            return Verdict::MemoryLimit;
        }
        let fired = |oracle, signal| violations.iter().any(|v| v.oracle == oracle && v.signal == signal);
        let decided_first = DECIDES.iter().filter(|row| !row.after_stop);
        if let Some(row) = decided_first.clone().find(|row| fired(row.oracle, Signal::Silent)) {
            return row.silent;
        }
        match stop {
            StopCondition::Liveness | StopCondition::Stuck => return Verdict::LivenessViolation,
            StopCondition::Diverged => return Verdict::Diverged,
            StopCondition::Deadlock => return Verdict::Deadlock,
            StopCondition::MaxTime => return Verdict::MaxTime,
            StopCondition::MaxEvents => return Verdict::MaxEvents,
            StopCondition::MemoryLimit | StopCondition::Converged | StopCondition::Manual | StopCondition::Violated => {
            }
        }
        if let Some(row) = DECIDES.iter().filter(|row| row.after_stop).find(|row| fired(row.oracle, Signal::Silent)) {
            return row.silent;
        }
        DECIDES
            .iter()
            .find_map(|row| row.flagged.filter(|_| fired(row.oracle, Signal::Flagged)))
            .unwrap_or(Verdict::Converged)
    }

    /// The oracle whose violation decides this verdict, if one does.
    pub fn oracle(self) -> Option<Oracle> {
        DECIDES.iter().find(|row| row.silent == self || row.flagged == Some(self)).map(|row| row.oracle)
    }
}

/// One oracle's say in a verdict.
struct Decides {
    oracle: Oracle,
    /// The verdict when it fired and the protocol did not admit it.
    silent: Verdict,
    /// The verdict when it fired on something the protocol flagged (a run that otherwise
    /// converged).
    flagged: Option<Verdict>,
    /// Decides only a run that otherwise ended well: in one that did not converge, the missing
    /// writes are the divergence itself, listed beside the verdict.
    after_stop: bool,
}

/// Which oracle decides which verdict, most specific first — a session that lied about its work
/// explains a divergence better than "it hit max-time". The one place oracles map to verdicts.
const DECIDES: [Decides; 15] = [
    // A forgery taken explains whatever its out-of-order apply did to the state.
    row(Oracle::Forgery, Verdict::Forgery, None),
    row(Oracle::Phantom, Verdict::Phantom, None),
    row(Oracle::HollowSuccess, Verdict::HollowSuccess, Some(Verdict::FlaggedHollowSuccess)),
    row(Oracle::StaleAfterOk, Verdict::StaleAfterOk, Some(Verdict::FlaggedStaleAfterOk)),
    row(Oracle::RootMismatch, Verdict::RootMismatch, None),
    row(Oracle::LostDelete, Verdict::LostDelete, None),
    row(Oracle::TypeTag, Verdict::TypeTag, None),
    row(Oracle::CrdtSemantics, Verdict::CrdtSemantics, None),
    row(Oracle::AppDivergence, Verdict::AppDivergence, None),
    row(Oracle::OrderedRead, Verdict::OrderedRead, None),
    row(Oracle::AppView, Verdict::AppView, None),
    row(Oracle::LostAfterRemove, Verdict::LostAfterRemove, None),
    row(Oracle::AppError, Verdict::AppError, None),
    Decides { oracle: Oracle::DataLoss, silent: Verdict::DataLoss, flagged: None, after_stop: true },
    Decides { oracle: Oracle::IndexRows, silent: Verdict::IndexRows, flagged: None, after_stop: true },
];

const fn row(oracle: Oracle, silent: Verdict, flagged: Option<Verdict>) -> Decides {
    Decides { oracle, silent, flagged, after_stop: false }
}
