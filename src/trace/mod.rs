//! The run's trace: one ordered log of everything that happened — every frame sent, delivered or
//! dropped, every sync tick, session start and end, delta, fault, crash and restart — each with its
//! virtual time. Two runs are the same run iff their traces are equal; [`Trace::hash`] summarises
//! one in 32 bytes. The trace also paces the runtime: `step()` waits for it to grow, `max_events`
//! bounds its length.

mod mermaid;
mod perfetto;

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::time::Instant;

pub use mermaid::to_mermaid;
pub use perfetto::to_perfetto;

use crate::net::{Corruption, DropReason, NodeId};

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceKind {
    FrameSent {
        frame: u64,
        from: NodeId,
        to: NodeId,
        stream: u64,
        protocol: &'static str,
        message: &'static str,
        size: usize,
        hash: u64,
        copy_of: Option<u64>,
        corruption: Option<Corruption>,
    },
    FrameDelivered {
        frame: u64,
        to: NodeId,
    },
    FrameDropped {
        frame: u64,
        to: NodeId,
        reason: DropReason,
    },
    SyncTick {
        node: NodeId,
        peer: Option<NodeId>,
        selected: &'static str,
    },
    SessionStart {
        stream: u64,
        initiator: NodeId,
        responder: NodeId,
        protocol: &'static str,
    },
    SessionEnd {
        stream: u64,
        initiator: NodeId,
        responder: NodeId,
        outcome: String,
    },
    DeltaReceived {
        node: NodeId,
        origin: NodeId,
        buffered: bool,
    },
    Write {
        node: NodeId,
        entity: [u8; 8],
    },
    Fault {
        description: String,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
}

/// One trace entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub at: Duration,
    pub kind: TraceKind,
}

/// The shared, append-only trace of a run.
pub struct Trace {
    epoch: Instant,
    events: Mutex<Vec<TraceEvent>>,
    grew: Notify,
}

impl Trace {
    /// Must be created inside the simulation: it anchors at the current virtual time.
    pub fn new() -> Self {
        Trace { epoch: Instant::now(), events: Mutex::default(), grew: Notify::new() }
    }

    /// Virtual time since the trace began.
    pub fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.epoch)
    }

    pub fn record(&self, kind: TraceKind) {
        let at = self.now();
        self.lock().push(TraceEvent { at, kind });
        self.grew.notify_waiters();
    }

    /// Number of events so far.
    pub fn len(&self) -> u64 {
        self.lock().len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().clone()
    }

    /// Resolves at the next recorded event.
    pub async fn next(&self) {
        self.grew.notified().await;
    }

    /// SHA-256 over the trace's lines.
    pub fn hash(&self) -> [u8; 32] {
        hash_events(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Vec<TraceEvent>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for Trace {
    fn default() -> Self {
        Self::new()
    }
}

/// SHA-256 over the events' display lines.
pub fn hash_events(events: &[TraceEvent]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for event in events {
        hasher.update(event.to_string().as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().into()
}

impl fmt::Display for TraceEvent {
    /// One stable line per event; the trace hash is computed over these lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>14}ns ", self.at.as_nanos())?;
        match &self.kind {
            TraceKind::FrameSent { frame, from, to, stream, protocol, message, size, hash, copy_of, corruption } => {
                write!(f, "send #{frame} {from}->{to} s{stream} {protocol}/{message} {size}B h={hash:016x}")?;
                if let Some(orig) = copy_of {
                    write!(f, " dup-of=#{orig}")?;
                }
                if let Some(c) = corruption {
                    write!(f, " corrupt={c:?}")?;
                }
                Ok(())
            }
            TraceKind::FrameDelivered { frame, to } => write!(f, "deliver #{frame} ->{to}"),
            TraceKind::FrameDropped { frame, to, reason } => write!(f, "drop #{frame} ->{to} {reason:?}"),
            TraceKind::SyncTick { node, peer, selected } => match peer {
                Some(peer) => write!(f, "tick {node} peer={peer} select={selected}"),
                None => write!(f, "tick {node} no-peer"),
            },
            TraceKind::SessionStart { stream, initiator, responder, protocol } => {
                write!(f, "session-start s{stream} {initiator}->{responder} {protocol}")
            }
            TraceKind::SessionEnd { stream, initiator, responder, outcome } => {
                write!(f, "session-end s{stream} {initiator}->{responder} {outcome}")
            }
            TraceKind::DeltaReceived { node, origin, buffered } => {
                write!(f, "delta {origin}->{node} {}", if *buffered { "buffered" } else { "applied" })
            }
            TraceKind::Write { node, entity } => write!(f, "write {node} {}", hex::encode(entity)),
            TraceKind::Fault { description } => write!(f, "fault {description}"),
            TraceKind::Crash { node } => write!(f, "crash {node}"),
            TraceKind::Restart { node } => write!(f, "restart {node}"),
        }
    }
}
