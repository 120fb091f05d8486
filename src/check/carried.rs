//! Which nodes a completed sync could have joined over the run: a time-respecting chain of `ok`
//! sessions the robustness faults left alone (each carries both ways, since HashComparison pulls
//! and pushes; each counts at its end, which is generous). A session whose stream lost, doubled,
//! reordered or damaged a frame is no completed sync even when it returns `ok`: a push it lost
//! is one no side hears of, and production's streams never lose one.
//!
//! Only sync repairs state for certain: a failed session may leave part of its work done, and
//! gossip is best-effort — a delta it loses, or one that waits for a lost parent, is repaired
//! only over a stream (a parent pull, a session). Two nodes no chain joins, one of whose
//! sessions the faults broke, disagree on what no completed sync ever had the chance to repair:
//! the robustness faults' doing, which production's authenticated, reliable streams never show
//! (docs/fault-model.md).

use std::collections::{BTreeMap, BTreeSet};

use crate::trace::{Fate, FrameRecord, TraceEvent, TraceKind};

/// The pairs of nodes (by name) some chain joins, from the first to the second; and the pairs
/// (in name order) between which a session failed on a stream the faults touched.
pub(crate) struct Carried {
    reach: BTreeSet<(String, String)>,
    faulted: BTreeSet<(String, String)>,
}

/// `a` and `b` in name order: a pair of nodes either way round.
pub(super) fn pair(a: String, b: String) -> (String, String) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Carried {
    /// From the run's trace (in time order) and its frames; `name` names a node id.
    pub fn of(events: &[TraceEvent], frames: &[FrameRecord], name: impl Fn(crate::ids::NodeId) -> String) -> Carried {
        let tampered = tampered(frames);
        let mut edges: Vec<(String, String, std::time::Duration)> = Vec::new();
        let mut faulted = BTreeSet::new();
        for e in events {
            if let TraceKind::SessionEnd { stream, initiator, responder, outcome } = &e.kind {
                match (outcome.starts_with("ok"), tampered.contains(stream)) {
                    (true, false) => {
                        edges.push((name(*initiator), name(*responder), e.at));
                        edges.push((name(*responder), name(*initiator), e.at));
                    }
                    (false, true) => _ = faulted.insert(pair(name(*initiator), name(*responder))),
                    _ => {}
                }
            }
        }
        let nodes: BTreeSet<&String> = edges.iter().flat_map(|(a, b, _)| [a, b]).collect();
        let mut reach = BTreeSet::new();
        for source in nodes {
            // Earliest time each node could know what `source` held at the start.
            let mut known: BTreeMap<&String, std::time::Duration> = BTreeMap::from([(source, Default::default())]);
            for (from, to, at) in &edges {
                if known.get(from).is_some_and(|t| t <= at) && known.get(to).is_none_or(|t| t > at) {
                    known.insert(to, *at);
                }
            }
            reach.extend(known.into_keys().filter(|n| *n != source).map(|n| (source.clone(), n.clone())));
        }
        Carried { reach, faulted }
    }

    /// Whether a chain leads from `from` to `to`.
    fn reaches(&self, from: &str, to: &str) -> bool {
        from == to || self.reach.contains(&(from.to_owned(), to.to_owned()))
    }

    /// Whether some chain joins `a` and `b`, either way.
    pub fn joined(&self, a: &str, b: &str) -> bool {
        self.reaches(a, b) || self.reaches(b, a)
    }

    /// Whether no chain joins `a` and `b` and the faults are why: a session between them failed
    /// on a stream they touched. (Two nodes that merely had no time to sync, or whose sessions
    /// failed on clean streams, are not starved by the faults.)
    pub fn starved(&self, a: &str, b: &str) -> bool {
        !self.joined(a, b) && self.faulted.contains(&pair(a.to_owned(), b.to_owned()))
    }
}

/// The streams a robustness fault touched: a frame dropped inside it, a damaged one delivered, a
/// duplicate, or one delivered before a frame sent ahead of it in the same direction.
fn tampered(frames: &[FrameRecord]) -> BTreeSet<u64> {
    let mut touched = BTreeSet::new();
    let mut last: BTreeMap<(u64, crate::ids::NodeId), std::time::Duration> = BTreeMap::new();
    for f in frames.iter().filter(|f| f.label != "gossip") {
        let delivered = match f.fate {
            Fate::Delivered { at } => Some(at),
            _ => None,
        };
        let stream_drop = f.dropped() == Some(crate::net::DropReason::StreamDrop);
        let overtook = delivered.is_some_and(|at| {
            let latest = last.entry((f.stream, f.from)).or_default();
            let early = at < *latest;
            *latest = (*latest).max(at);
            early
        });
        if stream_drop || f.delivered_damaged() || f.copy_of.is_some() || overtook {
            touched.insert(f.stream);
        }
    }
    touched
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ids::NodeId;

    fn at(secs: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent { at: Duration::from_secs(secs), kind }
    }

    fn session(secs: u64, a: u32, b: u32, outcome: &str) -> TraceEvent {
        let (initiator, responder) = (NodeId::new(a), NodeId::new(b));
        at(secs, TraceKind::SessionEnd { stream: 0, initiator, responder, outcome: outcome.to_owned() })
    }

    #[test]
    fn chains_respect_time_and_only_completed_sessions_carry() {
        let delta = |secs, origin, node| {
            at(secs, TraceKind::DeltaReceived { node: NodeId::new(node), origin: NodeId::new(origin), buffered: false })
        };
        let events = [
            session(1, 0, 1, "failed:timeout (recv)"),
            session(2, 1, 2, "ok"),
            session(3, 0, 1, "ok (snapshot)"),
            delta(4, 3, 4),
            session(5, 3, 5, "ok"),
        ];
        let carried = Carried::of(&events, &[], |id| format!("n{}", id.get()));
        assert!(carried.reaches("n0", "n1") && carried.reaches("n1", "n0"), "an ok session carries both ways");
        assert!(!carried.reaches("n0", "n2"), "n1 met n2 before it heard from n0");
        assert!(carried.reaches("n2", "n0") && carried.joined("n0", "n2"), "n2's state went on to n0 through n1");
        assert!(!carried.joined("n3", "n4"), "a delta is no sync: what it lost only a stream repairs");
        assert!(carried.joined("n3", "n5"));
        assert!(!carried.joined("n0", "n3"), "no session ever touched n3");
        assert!(carried.joined("n5", "n5"));
    }

    /// Apart is not starved: only a session between the two that failed on a stream the faults
    /// touched says the faults kept them apart (not a short run, not a protocol failing alone).
    #[test]
    fn starved_pairs_are_those_whose_own_session_the_faults_broke() {
        use crate::net::{DropReason, FrameKind};
        let frame = |stream, fate| FrameRecord {
            id: 0,
            copy_of: None,
            stream,
            label: "hash-comparison",
            message: "TreeNodeRequest",
            from: NodeId::new(0),
            to: NodeId::new(1),
            kind: FrameKind::Data,
            sent_at: Duration::ZERO,
            size: 1,
            content_hash: 0,
            corruption: None,
            fate,
            payload: None,
        };
        let frames = [
            frame(1, Fate::Dropped { at: Duration::ZERO, reason: DropReason::StreamDrop }),
            frame(2, Fate::Delivered { at: Duration::ZERO }),
            frame(3, Fate::Dropped { at: Duration::ZERO, reason: DropReason::StreamDrop }),
        ];
        let end = |secs, stream, a, b, outcome: &str| {
            let (initiator, responder) = (NodeId::new(a), NodeId::new(b));
            at(secs, TraceKind::SessionEnd { stream, initiator, responder, outcome: outcome.to_owned() })
        };
        let events = [
            end(1, 1, 0, 1, "failed:timeout (recv)"),
            end(2, 2, 2, 3, "failed:protocol (unexpected)"),
            end(3, 3, 4, 5, "ok"),
        ];
        let carried = Carried::of(&events, &frames, |id| format!("n{}", id.get()));
        assert!(carried.starved("n1", "n0"), "their session failed on a stream that lost a frame");
        assert!(!carried.starved("n2", "n3"), "a failure on a clean stream is not the faults'");
        assert!(!carried.starved("n0", "n2"), "they never tried");
        assert!(!carried.joined("n4", "n5"), "an ok session that lost a frame is no completed sync");
        assert!(!carried.starved("n4", "n5"), "but nothing failed between them either");
    }
}
