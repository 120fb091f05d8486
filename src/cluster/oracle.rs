//! Session oracles: what a session that returns `Ok` owes, checked the moment it ends, on every
//! session of every run (hand-driven or sync loop). "Converged eventually" hides a session that
//! did nothing, or left its peer stale for the next session to repair; these name it.
//!
//! - **hollow-success**: an `Ok` that compared, merged and pushed nothing must have started from
//!   equal roots.
//! - **stale-after-ok**: after an `Ok` session that nothing else touched — no other session on
//!   either party, no write or delta applied to either, no fault on its stream — the two parties
//!   agree on what the protocol covers: everything for HashComparison (it pulls and pushes); the
//!   responder's entities for LevelWise (it only pulls; an initiator copy newer than the
//!   responder's may stay, as last-writer-wins says).
//! - **lost-delete**, session side: in such a session, an entity live on one party and deleted on
//!   the other later than that copy was written is a delete the protocol did not carry (the run
//!   side, in `check`, holds every node to every delete at the end).
//!
//! A violation the protocol itself admitted (`root_hash_verified = false`, reported by the
//! protocol) is *flagged*; one it did not is *silent*. Reading roots and stores here never awaits
//! and draws no randomness, so the oracles cannot change a run.

use std::fmt;
use std::time::Duration;

use strum::{Display, EnumCount, IntoStaticStr, VariantArray};

use crate::ids::{short_id, EntityId, NodeId};
use crate::protocols::{Protocol, SessionStats};
use crate::store::{diff_entities, SimNode, SimStorage};

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

/// Judges one finished `Ok` session; `quiet` says nothing else touched its parties or its stream.
pub(crate) fn judge(
    facts: &SessionFacts,
    me: &SimNode,
    peer: &SimNode,
    quiet: bool,
) -> Vec<(Oracle, Option<Violation>)> {
    let signal = if facts.stats.flagged() { Signal::Flagged } else { Signal::Silent };
    let violation =
        |oracle, detail: String| Violation { oracle, signal, at: facts.ended_at, session: Some(facts.clone()), detail };
    let mut verdicts = Vec::new();
    let (before_i, before_r) = facts.roots_before;
    let hollow = (facts.stats.did_nothing() && before_i != before_r).then(|| {
        violation(
            Oracle::HollowSuccess,
            format!(
                "Ok with nothing compared, merged or pushed, from roots {} vs {}",
                hex8(&before_i),
                hex8(&before_r)
            ),
        )
    });
    verdicts.push((Oracle::HollowSuccess, hollow));
    if quiet {
        let (after_i, after_r) = facts.roots_after;
        let found = if after_i == after_r {
            Disagreement::default()
        } else {
            disagreement(facts.protocol, me.storage(), peer.storage())
        };
        let described = |kind: &str, ids: &[String]| format!("{kind} ({}): {}", ids.len(), ids.join(" "));
        let stale = (!found.stale.is_empty()).then(|| {
            violation(
                Oracle::StaleAfterOk,
                format!("initiator vs responder after the session, {}", described("out of date", &found.stale)),
            )
        });
        let deletes = (!found.deletes.is_empty()).then(|| {
            violation(
                Oracle::LostDelete,
                format!(
                    "a delete one party holds did not reach the other: {}",
                    described("still live", &found.deletes)
                ),
            )
        });
        verdicts.push((Oracle::StaleAfterOk, stale));
        verdicts.push((Oracle::LostDelete, deletes));
    }
    verdicts
}

/// What a quiet session left unequal, sorted by cause.
#[derive(Default)]
struct Disagreement {
    /// Entities one party lacks, or holds an older copy of, that the protocol should have moved.
    stale: Vec<String>,
    /// Entities live on one party and deleted (later than the live copy was written) on the other.
    deletes: Vec<String>,
}

/// What the protocol should have brought into agreement and did not: everything for
/// HashComparison (it pulls and pushes), the responder's side for LevelWise (it only pulls; an
/// initiator copy newer than the responder's is last-writer-wins keeping its own).
fn disagreement(protocol: Protocol, initiator: &SimStorage, responder: &SimStorage) -> Disagreement {
    let (Ok(mine), Ok(theirs)) = (initiator.entities(), responder.entities()) else { return Disagreement::default() };
    let diff = diff_entities(&mine, &theirs);
    let meta = |s: &SimStorage, id: &EntityId| s.metadata(*id).ok().flatten();
    // Live on `live`, and deleted on `other` after `live`'s copy was last written: a delete lost.
    let deleted_later = |other: &SimStorage, live: &SimStorage, id: &EntityId| {
        let live_at = meta(live, id).map_or(0, |m| m.updated_at);
        meta(other, id).and_then(|m| m.deleted_at).is_some_and(|at| at > live_at)
    };
    let newer_on_initiator =
        |id: &EntityId| meta(initiator, id).map(|m| m.updated_at) > meta(responder, id).map(|m| m.updated_at);
    let pushes = matches!(protocol, Protocol::HashComparison);
    let mut found = Disagreement::default();
    for id in &diff.only_left {
        // Initiator has it, responder does not.
        if deleted_later(responder, initiator, id) {
            found.deletes.push(short_id(id));
        } else if pushes {
            found.stale.push(short_id(id));
        }
    }
    for id in &diff.only_right {
        // Responder has it, initiator does not.
        if deleted_later(initiator, responder, id) {
            if pushes {
                found.deletes.push(short_id(id));
            }
        } else {
            found.stale.push(short_id(id));
        }
    }
    for (id, _) in &diff.different {
        if pushes || !newer_on_initiator(id) {
            found.stale.push(short_id(id));
        }
    }
    found
}

fn hex8(root: &[u8; 32]) -> String {
    hex::encode(&root[..8])
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
            if s.verified_by == crate::protocols::Verifier::Computed { " (computed by merosim)" } else { "" },
            hex8(&self.roots_before.0),
            hex8(&self.roots_before.1),
            hex8(&self.roots_after.0),
            hex8(&self.roots_after.1),
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
