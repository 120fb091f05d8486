//! Which nodes a completed sync could have joined over the run: a time-respecting chain of `ok`
//! sessions (each carries both ways, since HashComparison pulls and pushes; each counts at its
//! end, which is generous). Sync is what repairs state: a failed session may leave part of its
//! work done, and gossip is best-effort — a delta it loses, or one that waits for a lost parent,
//! is repaired only over a stream (a parent pull, a session). So two nodes no chain joins are two
//! whose disagreement no completed sync ever had the chance to repair.
//!
//! Under the robustness faults (an in-stream drop, a damaged frame delivered) every session
//! between two nodes can fail for the whole run; what they then disagree on is the faults'
//! doing, which production's authenticated, reliable streams never see (docs/fault-model.md).

use std::collections::{BTreeMap, BTreeSet};

use crate::trace::{TraceEvent, TraceKind};

/// The pairs of nodes (by name) some chain joins, from the first to the second.
pub(crate) struct Carried {
    reach: BTreeSet<(String, String)>,
}

impl Carried {
    /// From the run's trace, in time order; `name` names a node id.
    pub fn of(events: &[TraceEvent], name: impl Fn(crate::ids::NodeId) -> String) -> Carried {
        let mut edges: Vec<(String, String, std::time::Duration)> = Vec::new();
        for e in events {
            match &e.kind {
                TraceKind::SessionEnd { initiator, responder, outcome, .. } if outcome.starts_with("ok") => {
                    edges.push((name(*initiator), name(*responder), e.at));
                    edges.push((name(*responder), name(*initiator), e.at));
                }
                _ => {}
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
        Carried { reach }
    }

    /// Whether a chain leads from `from` to `to`.
    fn reaches(&self, from: &str, to: &str) -> bool {
        from == to || self.reach.contains(&(from.to_owned(), to.to_owned()))
    }

    /// Whether some chain joins `a` and `b`, either way.
    pub fn joined(&self, a: &str, b: &str) -> bool {
        self.reaches(a, b) || self.reaches(b, a)
    }
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
        let carried = Carried::of(&events, |id| format!("n{}", id.get()));
        assert!(carried.reaches("n0", "n1") && carried.reaches("n1", "n0"), "an ok session carries both ways");
        assert!(!carried.reaches("n0", "n2"), "n1 met n2 before it heard from n0");
        assert!(carried.reaches("n2", "n0") && carried.joined("n0", "n2"), "n2's state went on to n0 through n1");
        assert!(!carried.joined("n3", "n4"), "a delta is no sync: what it lost only a stream repairs");
        assert!(carried.joined("n3", "n5"));
        assert!(!carried.joined("n0", "n3"), "a failed session carries nothing");
        assert!(carried.joined("n5", "n5"));
    }
}
