//! What happened in a run, counted: the report `SimRuntime::metrics()` assembles from the World's
//! books and the trace's frame table, shaped like the upstream guide's (`protocol.messages_sent`,
//! `effects.messages_dropped`, `convergence.time_to_converge`, …).

use std::collections::BTreeMap;

use crate::cluster::{Counters, GossipCounts, World};
pub use crate::cluster::{HandshakeRecord, SessionCounts};
use crate::net::{DropReason, FrameKind};
use crate::time::SimTime;
use crate::trace::{Fate, FrameRecord};

/// Frame-level totals (guide: `metrics.protocol`).
#[derive(Clone, Debug, Default)]
pub struct ProtocolMetrics {
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub sessions: BTreeMap<&'static str, SessionCounts>,
    pub selected: BTreeMap<&'static str, u64>,
    pub fallbacks: BTreeMap<&'static str, u64>,
    /// Ticks that synced nothing as production's would not: a refused snapshot fallback (by the
    /// selection) or an unanswered DAG-heads request (`dag-heads (unanswered)`).
    pub refused: BTreeMap<&'static str, u64>,
    pub responder_failed: BTreeMap<&'static str, u64>,
    pub handshakes: Vec<HandshakeRecord>,
    /// HashComparison's pushes to the responder (its bidirectional repair).
    pub pushes: PushCounts,
}

/// Pushes an initiator sent (`EntityPush`, `EntityDeletePush`) and the ones a responder applied
/// and acknowledged: a responder that cannot apply them (as production's could not before it
/// had a context manager here) shows as served < offered on a healthy network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushCounts {
    pub offered: u64,
    pub served: u64,
}

impl PushCounts {
    fn count(&mut self, message: &str) {
        match message {
            "EntityPush" | "EntityDeletePush" => self.offered += 1,
            "EntityPushAck" | "EntityDeletePushAck" => self.served += 1,
            _ => {}
        }
    }
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
    pub gossip: GossipCounts,
    pub convergence: ConvergenceMetrics,
}

impl SimMetrics {
    /// The report for `world` so far; the runtime supplies what only it knows (convergence).
    pub fn of(world: &World, convergence: ConvergenceMetrics) -> Self {
        Self::assemble(&world.counters(), &world.frames(), convergence)
    }

    fn assemble(counters: &Counters, frames: &[FrameRecord], convergence: ConvergenceMetrics) -> Self {
        let mut sessions = counters.sessions.clone();
        let mut protocol = ProtocolMetrics::default();
        let mut effects = EffectMetrics::default();
        for f in frames {
            if f.copy_of.is_none() && f.kind == FrameKind::Data {
                protocol.messages_sent += 1;
                protocol.pushes.count(f.message);
                protocol.bytes_sent += f.size as u64;
                if let Some(counts) = sessions.get_mut(f.label) {
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
        protocol.refused = counters.refused.clone();
        protocol.responder_failed = counters.responder_failed.clone();
        protocol.handshakes = counters.handshakes.clone();
        let gossip = counters.gossip.clone();
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
            "sessions [{}]; selected {:?}, fallbacks {:?}, refused {:?}; pushes {} offered / {} served; {} frames / {} bytes; dropped {:?}, {} duplicates, \
             {} corrupted, {} in flight; deltas {} sent / {} applied / {} buffered / rejected {:?} / {} waited / {} duplicate / {} asked / {} resent{}{}; \
             converged={} at {}; \
             {} events",
            sessions.join("; "),
            self.protocol.selected,
            self.protocol.fallbacks,
            self.protocol.refused,
            self.protocol.pushes.offered,
            self.protocol.pushes.served,
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
            self.gossip.deltas_pending,
            self.gossip.deltas_duplicate,
            self.gossip.delta_requests,
            self.gossip.deltas_resent,
            // Only where compaction pruned something: production's default never does in a run.
            match self.gossip.deltas_pruned {
                0 => String::new(),
                pruned => format!(" / {pruned} pruned"),
            },
            // Only where a Byzantine member lied.
            match self.gossip.lies.is_empty() {
                true => String::new(),
                false => format!("; lies {:?}", self.gossip.lies),
            },
            self.convergence.converged,
            self.convergence.time_to_converge.map_or("-".to_owned(), |t| t.to_string()),
            self.convergence.events_processed,
        )
    }
}
