//! The words merosim judges in, shared by the layer that records (the session driver, in
//! `cluster`) and the layer that judges a whole run (`check`): which oracle, whether the protocol
//! admitted what it found, the violation itself, and — in `verdict` — what a run amounts to.
//! One vocabulary, so a session oracle and a run-level one are counted and reported alike.

mod stop;
mod verdict;

use std::fmt;
use std::time::Duration;

use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use crate::ids::{short_id, NodeId};
use crate::protocols::{Protocol, SessionStats, Verifier};

pub use stop::StopCondition;
pub use verdict::Verdict;

/// A named check. Its name is the variant's in kebab case (`StaleAfterOk` is `stale-after-ok`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Display, IntoStaticStr, EnumCount, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Oracle {
    HollowSuccess,
    StaleAfterOk,
    RootMismatch,
    LostDelete,
    /// An acknowledged write is missing (or holds another value) on a live node at the end,
    /// though nothing superseded it (run-level, against the recorded history).
    DataLoss,
    /// A live entity that no node ever wrote (damage that reached a store).
    Phantom,
    /// Live nodes read different app state through the collection API (run-level).
    AppDivergence,
    /// The app state all live nodes read breaks a collection's merge promise, judged against
    /// the recorded operations (run-level).
    CrdtSemantics,
    /// A write to a key after the key's remove is invisible on every node (run-level; F8).
    LostAfterRemove,
    /// calimero's collection API refused an app operation (run-level).
    AppError,
    /// A node's ordered read of a sorted collection disagrees with its own entries (run-level).
    OrderedRead,
    /// Nodes that read a collection alike serialize it apart, as an app's view returns it
    /// (run-level).
    AppView,
    /// An entity the live nodes hold carries another CRDT type (or none) on one of them, so it
    /// merges differently there (run-level).
    TypeTag,
    /// A live node indexes an entity without its bytes, or holds bytes without their index
    /// entry (run-level).
    IndexRows,
    /// An honest node keeps a delta as its author did not commit it: another author, other
    /// parents (run-level, runs with Byzantine members only).
    Forgery,
}

impl Oracle {
    /// An array rather than strum's slice, so callers can iterate it by value and `map` it.
    pub const ALL: [Oracle; Oracle::COUNT] = *Oracle::VARIANTS.first_chunk().unwrap();

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Whether the protocol admitted what the oracle found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signal {
    /// Nothing said so: the protocol reported success as if all was well.
    Silent,
    /// The protocol reported `root_hash_verified = false`.
    Flagged,
}

/// One session, as the oracles saw it.
#[derive(Clone, Debug)]
pub struct SessionFacts {
    pub stream: u64,
    pub initiator: NodeId,
    pub responder: NodeId,
    pub protocol: Protocol,
    pub started_at: Duration,
    pub ended_at: Duration,
    pub stats: SessionStats,
    /// (initiator, responder) roots when the session started and when it ended.
    pub roots_before: ([u8; 32], [u8; 32]),
    pub roots_after: ([u8; 32], [u8; 32]),
}

/// One broken contract.
#[derive(Clone, Debug)]
pub struct Violation {
    pub oracle: Oracle,
    pub signal: Signal,
    /// Virtual time it was found.
    pub at: Duration,
    /// The session that broke it (session oracles only).
    pub session: Option<SessionFacts>,
    pub detail: String,
}

/// How often one oracle judged, fired, and fired on something the protocol flagged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OracleCounts {
    pub checked: u64,
    pub fired: u64,
    pub flagged: u64,
}

impl OracleCounts {
    /// One judgement: `None` passed.
    pub fn count(&mut self, outcome: Option<&Violation>) {
        self.checked += 1;
        if let Some(violation) = outcome {
            self.fired += 1;
            if violation.signal == Signal::Flagged {
                self.flagged += 1;
            }
        }
    }
}

impl std::ops::AddAssign for OracleCounts {
    fn add_assign(&mut self, other: Self) {
        self.checked += other.checked;
        self.fired += other.fired;
        self.flagged += other.flagged;
    }
}

impl fmt::Display for SessionFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "s{} {}->{} {} {:.3}s..{:.3}s: compared {} merged {} pushed {} requests {} verified {}{}; roots before {}/{} after {}/{}",
            self.stream,
            self.initiator,
            self.responder,
            self.protocol,
            self.started_at.as_secs_f64(),
            self.ended_at.as_secs_f64(),
            s.nodes_compared,
            s.entities_merged,
            s.entities_pushed,
            s.requests_sent,
            s.root_hash_verified,
            if s.verified_by == Verifier::Computed { " (computed by merosim)" } else { "" },
            short_id(&self.roots_before.0),
            short_id(&self.roots_before.1),
            short_id(&self.roots_after.0),
            short_id(&self.roots_after.1),
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signal = match self.signal {
            Signal::Silent => "silent",
            Signal::Flagged => "flagged by the protocol",
        };
        write!(f, "{} ({signal}) at {:.3}s", self.oracle, self.at.as_secs_f64())?;
        if let Some(session) = &self.session {
            write!(f, "\n  session {session}")?;
        }
        write!(f, "\n  {}", self.detail.replace('\n', "\n  "))
    }
}
