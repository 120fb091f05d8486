//! The World's books: what the nodes did that the trace does not already say in a form a report
//! can sum (sessions by outcome kind, what `select_protocol` chose, every handshake, the fate of
//! gossiped deltas). `metrics` turns them, with the trace's frame table, into `SimMetrics`.

use std::collections::BTreeMap;

use calimero_node_primitives::sync::SyncHandshake;

use crate::error::SessionError;
use crate::ids::NodeId;
use crate::oracle::{Oracle, OracleCounts, Violation};
use crate::protocols::{Protocol, SyncPlan};

/// Violations kept in full per oracle (all are counted): enough to explain a run, bounded for
/// long ones.
const KEPT_PER_ORACLE: u64 = 16;

/// Per-protocol session counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionCounts {
    pub started: u64,
    pub succeeded: u64,
    /// Failed sessions by error kind (`SessionError::kind`).
    pub failed: BTreeMap<&'static str, u64>,
    /// Frames and bytes sent on this protocol's streams (both directions).
    pub frames: u64,
    pub bytes: u64,
}

/// Local writes broadcast as deltas, and what became of them: counted as the run goes, and shown
/// as they are in the metrics report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GossipCounts {
    pub deltas_sent: u64,
    pub deltas_applied: u64,
    /// Deltas that arrived during a session and waited for it to end (I6).
    pub deltas_buffered: u64,
    pub deltas_rejected: BTreeMap<&'static str, u64>,
    /// Deltas that arrived before a predecessor and waited for it (causal order).
    pub deltas_pending: u64,
    /// Copies of a delta the node already had (dropped).
    pub deltas_duplicate: u64,
    /// Requests for missing deltas sent, and deltas re-sent to answer them.
    pub delta_requests: u64,
    pub deltas_resent: u64,
    /// Deltas calimero's compaction pruned from the nodes' stores (production's node path).
    pub deltas_pruned: u64,
    /// What Byzantine members told, by lie: deltas relayed (a forged author, a copied signature,
    /// emptied parents) and answers rewritten (DAG heads, tree nodes).
    pub lies: BTreeMap<&'static str, u64>,
}

impl GossipCounts {
    pub(crate) fn rejected(&mut self, why: &'static str) {
        *self.deltas_rejected.entry(why).or_default() += 1;
    }
}

/// One handshake: both sides' `SyncHandshake`s, what `select_protocol` chose, what ran.
#[derive(Clone, Debug)]
pub struct HandshakeRecord {
    pub initiator: NodeId,
    pub responder: NodeId,
    pub local: SyncHandshake,
    pub remote: SyncHandshake,
    pub selected: &'static str,
    /// `select_protocol`'s stated reason for the choice.
    pub reason: &'static str,
    pub ran: Option<Protocol>,
}

/// Raw counters, updated as the run goes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counters {
    pub sessions: BTreeMap<&'static str, SessionCounts>,
    /// What `select_protocol` chose, by name, per handshake.
    pub selected: BTreeMap<&'static str, u64>,
    /// Handshakes where the chosen protocol is not exported and HashComparison ran instead.
    pub fallbacks: BTreeMap<&'static str, u64>,
    /// Ticks on which production would not sync at all: by what was selected when its snapshot
    /// fallback was refused, or `dag-heads (unanswered)` when the peer never answered.
    pub refused: BTreeMap<&'static str, u64>,
    /// Responder-side failures by kind.
    pub responder_failed: BTreeMap<&'static str, u64>,
    /// What happened to gossiped deltas (the metrics report shows it as it is).
    pub gossip: GossipCounts,
    /// Every handshake that led to a session, in order: enough to re-check the choice.
    pub handshakes: Vec<HandshakeRecord>,
    /// Sessions under way: stream → (protocol, initiator), so a crash can close their books.
    open: BTreeMap<u64, (Protocol, NodeId)>,
    /// Sessions production's manager ran whole so far (their numbers, see `whole_started`).
    whole: u64,
    pub oracles: BTreeMap<Oracle, OracleCounts>,
    pub violations: Vec<Violation>,
}

impl Counters {
    pub fn planned(&mut self, initiator: NodeId, responder: NodeId, plan: &SyncPlan) {
        *self.selected.entry(plan.selected).or_default() += 1;
        if plan.fallback {
            *self.fallbacks.entry(plan.selected).or_default() += 1;
        }
        if plan.refused.is_some() {
            *self.refused.entry(plan.selected).or_default() += 1;
        }
        self.handshakes.push(HandshakeRecord {
            initiator,
            responder,
            local: plan.local.clone(),
            remote: plan.remote.clone(),
            selected: plan.selected,
            reason: plan.reason,
            ran: plan.run,
        });
    }

    pub fn session_started(&mut self, protocol: Protocol, stream: u64, initiator: NodeId) {
        self.sessions.entry(protocol.name()).or_default().started += 1;
        self.open.insert(stream, (protocol, initiator));
    }

    pub fn session_finished(&mut self, stream: u64, outcome: Result<(), &SessionError>) {
        let Some((protocol, _)) = self.open.remove(&stream) else { return };
        let counts = self.sessions.entry(protocol.name()).or_default();
        match outcome {
            Ok(()) => counts.succeeded += 1,
            Err(e) => *counts.failed.entry(e.kind()).or_default() += 1,
        }
    }

    /// A session calimero's manager runs whole starts (production's node path: a snapshot, a
    /// production tick): merosim sees only its outcome. Counted under `name`, numbered apart
    /// from the router's streams (its trace events name this number).
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs one"))]
    pub fn whole_started(&mut self, name: &'static str) -> u64 {
        self.sessions.entry(name).or_default().started += 1;
        self.whole += 1;
        u64::MAX - self.whole
    }

    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs one"))]
    pub fn whole_finished(&mut self, name: &'static str, outcome: Result<(), &SessionError>) {
        let counts = self.sessions.entry(name).or_default();
        match outcome {
            Ok(()) => counts.succeeded += 1,
            Err(e) => *counts.failed.entry(e.kind()).or_default() += 1,
        }
    }

    /// A protocol production's own tick selected and ran.
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs one"))]
    pub fn selected(&mut self, protocol: &'static str) {
        *self.selected.entry(protocol).or_default() += 1;
    }

    /// A tick on which the peer never answered the DAG-heads request: production would not sync.
    pub fn unanswered_heads(&mut self) {
        *self.refused.entry("dag-heads (unanswered)").or_default() += 1;
    }

    /// The initiator died with its node: its sessions count as failed with kind `crash`.
    pub fn node_crashed(&mut self, node: NodeId) {
        let dead: Vec<u64> = self.open.iter().filter(|(_, (_, i))| *i == node).map(|(s, _)| *s).collect();
        for stream in dead {
            if let Some((protocol, _)) = self.open.remove(&stream) {
                *self.sessions.entry(protocol.name()).or_default().failed.entry("crash").or_default() += 1;
            }
        }
    }

    /// One oracle judgement: `None` passed.
    pub fn judged(&mut self, oracle: Oracle, outcome: Option<Violation>) {
        let counts = self.oracles.entry(oracle).or_default();
        counts.count(outcome.as_ref());
        if let Some(violation) = outcome.filter(|_| counts.fired <= KEPT_PER_ORACLE) {
            self.violations.push(violation);
        }
    }

    pub fn responder_finished(&mut self, error: Option<&SessionError>) {
        if let Some(e) = error {
            *self.responder_failed.entry(e.kind()).or_default() += 1;
        }
    }
}
