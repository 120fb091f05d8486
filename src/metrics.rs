//! What happened in a run, counted. Nodes bump [`Counters`] as they go; [`SimMetrics`] is the
//! report `SimRuntime::metrics()` assembles from those counters and the router's frame log,
//! shaped like the upstream guide's (`protocol.messages_sent`, `effects.messages_dropped`,
//! `convergence.time_to_converge`, …).

use crate::error::SessionError;
use calimero_node_primitives::sync::SyncHandshake;
use std::collections::BTreeMap;

use crate::net::{DropReason, Fate, FrameKind, FrameRecord, NodeId};
use crate::protocols::{Protocol, SyncPlan};
use crate::runtime::SimTime;

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

/// Raw counters, updated as the run goes.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub sessions: BTreeMap<&'static str, SessionCounts>,
    /// What `select_protocol` chose, by name, per handshake.
    pub selected: BTreeMap<&'static str, u64>,
    /// Handshakes where the chosen protocol is not exported and HashComparison ran instead.
    pub fallbacks: BTreeMap<&'static str, u64>,
    /// Responder-side failures by kind.
    pub responder_failed: BTreeMap<&'static str, u64>,
    pub deltas_sent: u64,
    pub deltas_applied: u64,
    /// Deltas that arrived during a session and waited for it to end (I6).
    pub deltas_buffered: u64,
    pub deltas_rejected: BTreeMap<&'static str, u64>,
    /// Every handshake that led to a session, in order: enough to re-check the choice.
    pub handshakes: Vec<HandshakeRecord>,
    pub(crate) streams: BTreeMap<u64, &'static str>,
    /// Sessions under way: stream → (protocol, initiator), so a crash can close their books.
    open: BTreeMap<u64, (Protocol, NodeId)>,
}

/// One handshake: both sides' `SyncHandshake`s, what `select_protocol` chose, what ran.
#[derive(Clone, Debug)]
pub struct HandshakeRecord {
    pub initiator: NodeId,
    pub responder: NodeId,
    pub local: SyncHandshake,
    pub remote: SyncHandshake,
    pub selected: &'static str,
    pub ran: Option<Protocol>,
}

impl Counters {
    pub(crate) fn planned(&mut self, initiator: NodeId, responder: NodeId, plan: &SyncPlan) {
        *self.selected.entry(plan.selected).or_default() += 1;
        if plan.fallback {
            *self.fallbacks.entry(plan.selected).or_default() += 1;
        }
        self.handshakes.push(HandshakeRecord {
            initiator,
            responder,
            local: plan.local.clone(),
            remote: plan.remote.clone(),
            selected: plan.selected,
            ran: plan.run,
        });
    }

    pub(crate) fn session_started(&mut self, protocol: Protocol, stream: u64, initiator: NodeId) {
        self.sessions.entry(protocol.name()).or_default().started += 1;
        self.streams.insert(stream, protocol.name());
        self.open.insert(stream, (protocol, initiator));
    }

    pub(crate) fn session_finished(&mut self, stream: u64, outcome: Result<(), &SessionError>) {
        let Some((protocol, _)) = self.open.remove(&stream) else { return };
        let counts = self.sessions.entry(protocol.name()).or_default();
        match outcome {
            Ok(()) => counts.succeeded += 1,
            Err(e) => *counts.failed.entry(e.kind()).or_default() += 1,
        }
    }

    pub(crate) fn delta_rejected(&mut self, why: &'static str) {
        *self.deltas_rejected.entry(why).or_default() += 1;
    }

    /// The initiator died with its node: its sessions count as failed with kind `crash`.
    pub(crate) fn node_crashed(&mut self, node: NodeId) {
        let dead: Vec<u64> = self.open.iter().filter(|(_, (_, i))| *i == node).map(|(s, _)| *s).collect();
        for stream in dead {
            if let Some((protocol, _)) = self.open.remove(&stream) {
                *self.sessions.entry(protocol.name()).or_default().failed.entry("crash").or_default() += 1;
            }
        }
    }

    pub(crate) fn responder_finished(&mut self, error: Option<&SessionError>) {
        if let Some(e) = error {
            *self.responder_failed.entry(e.kind()).or_default() += 1;
        }
    }
}

/// Frame-level totals (guide: `metrics.protocol`).
#[derive(Clone, Debug, Default)]
pub struct ProtocolMetrics {
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub sessions: BTreeMap<&'static str, SessionCounts>,
    pub selected: BTreeMap<&'static str, u64>,
    pub fallbacks: BTreeMap<&'static str, u64>,
    pub responder_failed: BTreeMap<&'static str, u64>,
    pub handshakes: Vec<HandshakeRecord>,
}

/// What the network did (guide: `metrics.effects`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EffectMetrics {
    pub messages_dropped: u64,
    pub dropped_by_reason: BTreeMap<DropReason, u64>,
    pub duplicates_delivered: u64,
    pub corrupted: u64,
    pub in_flight: u64,
}

/// Local writes broadcast as deltas.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GossipMetrics {
    pub deltas_sent: u64,
    pub deltas_applied: u64,
    pub deltas_buffered: u64,
    pub deltas_rejected: BTreeMap<&'static str, u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvergenceMetrics {
    pub converged: bool,
    /// Virtual time at which the run was first seen converged.
    pub time_to_converge: Option<SimTime>,
    pub events_processed: u64,
}

#[derive(Clone, Debug, Default)]
pub struct SimMetrics {
    pub protocol: ProtocolMetrics,
    pub effects: EffectMetrics,
    pub gossip: GossipMetrics,
    pub convergence: ConvergenceMetrics,
}

impl SimMetrics {
    pub(crate) fn assemble(counters: &Counters, frames: &[FrameRecord], convergence: ConvergenceMetrics) -> Self {
        let mut sessions = counters.sessions.clone();
        let mut protocol = ProtocolMetrics::default();
        let mut effects = EffectMetrics::default();
        for f in frames {
            if f.copy_of.is_none() && f.kind == FrameKind::Data {
                protocol.messages_sent += 1;
                protocol.bytes_sent += f.size as u64;
                if let Some(counts) = counters.streams.get(&f.stream).and_then(|p| sessions.get_mut(p)) {
                    counts.frames += 1;
                    counts.bytes += f.size as u64;
                }
            }
            match f.fate {
                Fate::Dropped { reason, .. } => {
                    effects.messages_dropped += 1;
                    *effects.dropped_by_reason.entry(reason).or_default() += 1;
                }
                Fate::Delivered { .. } if f.copy_of.is_some() => effects.duplicates_delivered += 1,
                Fate::InFlight => effects.in_flight += 1,
                Fate::Delivered { .. } => {}
            }
            effects.corrupted += u64::from(f.corruption.is_some());
        }
        protocol.sessions = sessions;
        protocol.selected = counters.selected.clone();
        protocol.fallbacks = counters.fallbacks.clone();
        protocol.responder_failed = counters.responder_failed.clone();
        protocol.handshakes = counters.handshakes.clone();
        let gossip = GossipMetrics {
            deltas_sent: counters.deltas_sent,
            deltas_applied: counters.deltas_applied,
            deltas_buffered: counters.deltas_buffered,
            deltas_rejected: counters.deltas_rejected.clone(),
        };
        SimMetrics { protocol, effects, gossip, convergence }
    }

    /// One line per area, for failure reports and the CLI.
    pub fn summary(&self) -> String {
        let sessions: Vec<String> = self
            .protocol
            .sessions
            .iter()
            .map(|(p, c)| format!("{p}: {} started, {} ok, failed {:?}", c.started, c.succeeded, c.failed))
            .collect();
        format!(
            "sessions [{}]; selected {:?}, fallbacks {:?}; {} frames / {} bytes; dropped {:?}, {} duplicates, \
             {} corrupted, {} in flight; deltas {} sent / {} applied / {} buffered / rejected {:?}; converged={} at {}; \
             {} events",
            sessions.join("; "),
            self.protocol.selected,
            self.protocol.fallbacks,
            self.protocol.messages_sent,
            self.protocol.bytes_sent,
            self.effects.dropped_by_reason,
            self.effects.duplicates_delivered,
            self.effects.corrupted,
            self.effects.in_flight,
            self.gossip.deltas_sent,
            self.gossip.deltas_applied,
            self.gossip.deltas_buffered,
            self.gossip.deltas_rejected,
            self.convergence.converged,
            self.convergence.time_to_converge.map_or("-".to_owned(), |t| t.to_string()),
            self.convergence.events_processed,
        )
    }
}
