//! The run's trace: the one ordered log of everything that happened — every frame sent, damaged,
//! delivered or dropped, every stream reset, sync tick, session start and end, delta, write, fault,
//! crash and restart — each with its virtual time. Two runs are the same run iff their traces are
//! equal; [`Trace::hash`] summarises one in 32 bytes. The frame table tests inspect is a view of
//! it ([`Trace::frames`]), not a second log.
//!
//! Run control (`step()`, `max_events`) counts only the kinds [`TraceKind::is_run_event`] names,
//! so annotating the trace with a new kind never changes when a run stops.

mod frames;
mod mermaid;
mod perfetto;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::time::Instant;

use frames::{frame_log_hash, frame_table};
pub use frames::{Fate, FrameRecord};
pub use mermaid::to_mermaid;
pub use perfetto::to_perfetto;

use crate::ids::NodeId;
use crate::net::{NetEvent, NetObserver};

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// Something the network did (frames, resets, partitions, fault changes).
    Net(NetEvent),
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
    Delete {
        node: NodeId,
        entity: [u8; 8],
    },
    /// An application operation on a CRDT collection (as `CrdtOp` prints it).
    AppOp {
        node: NodeId,
        op: String,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    /// The node stops being scheduled for `length`.
    Pause {
        node: NodeId,
        length: Duration,
    },
    Resume {
        node: NodeId,
    },
    /// The chaos phase ended: faults off, cuts repaired, crashed nodes restarting.
    Heal,
    /// A buggify point fired on the node.
    Buggify {
        node: NodeId,
        point: &'static str,
    },
}

impl TraceKind {
    /// Whether this is a step of the run (what `step()` waits for and `max_events` counts) rather
    /// than an annotation of one: frames moving, timers firing, sessions starting and ending,
    /// deltas, writes, crashes and restarts are; damage markers, resets and fault-plan changes
    /// are not. A new kind must choose here.
    pub fn is_run_event(&self) -> bool {
        match self {
            TraceKind::Net(net) => match net {
                NetEvent::Sent { .. } | NetEvent::Delivered { .. } | NetEvent::Dropped { .. } => true,
                NetEvent::Corrupted { .. }
                | NetEvent::StreamReset { .. }
                | NetEvent::Partition { .. }
                | NetEvent::Repair { .. }
                | NetEvent::ConnectionDropped { .. }
                | NetEvent::FaultsChanged { .. } => false,
            },
            TraceKind::SyncTick { .. }
            | TraceKind::SessionStart { .. }
            | TraceKind::SessionEnd { .. }
            | TraceKind::DeltaReceived { .. }
            | TraceKind::Write { .. }
            | TraceKind::Delete { .. }
            | TraceKind::AppOp { .. }
            | TraceKind::Crash { .. }
            | TraceKind::Restart { .. }
            | TraceKind::Pause { .. }
            | TraceKind::Resume { .. }
            | TraceKind::Heal => true,
            TraceKind::Buggify { .. } => false,
        }
    }
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
    run_events: AtomicU64,
    stepped: Notify,
}

impl Trace {
    /// Must be created inside the simulation: it anchors at the current virtual time.
    pub fn new() -> Self {
        Trace { epoch: Instant::now(), events: Mutex::default(), run_events: AtomicU64::new(0), stepped: Notify::new() }
    }

    /// Virtual time since the trace began.
    pub fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.epoch)
    }

    pub fn record(&self, kind: TraceKind) {
        let at = self.now();
        let step = kind.is_run_event();
        self.lock().push(TraceEvent { at, kind });
        if step {
            self.run_events.fetch_add(1, Ordering::Relaxed);
            self.stepped.notify_waiters();
        }
    }

    /// Lines in the trace, annotations included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Steps of the run so far (see [`TraceKind::is_run_event`]).
    pub fn run_events(&self) -> u64 {
        self.run_events.load(Ordering::Relaxed)
    }

    /// Resolves at the next step of the run.
    pub async fn next_run_event(&self) {
        self.stepped.notified().await;
    }

    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().clone()
    }

    /// SHA-256 over the trace's lines.
    pub fn hash(&self) -> [u8; 32] {
        hash_events(&self.lock())
    }

    /// Every frame copy so far with its fate, in the order the network handled them.
    pub fn frames(&self) -> Vec<FrameRecord> {
        frame_table(&self.lock())
    }

    /// Frame copies that were not delivered, each with its reason.
    pub fn drops(&self) -> Vec<FrameRecord> {
        self.frames().into_iter().filter(|f| f.dropped().is_some()).collect()
    }

    /// SHA-256 over the frame table's lines: equal for two runs iff they routed the same frames,
    /// at the same virtual times, with the same content and fates.
    pub fn frame_log_hash(&self) -> [u8; 32] {
        frame_log_hash(&self.frames())
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

impl NetObserver for Trace {
    fn observe(&self, event: NetEvent) {
        self.record(TraceKind::Net(event));
    }
}

/// SHA-256 over the events' display lines.
fn hash_events(events: &[TraceEvent]) -> [u8; 32] {
    hash_lines(events)
}

pub(crate) fn hash_lines<T: fmt::Display>(items: &[T]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(item.to_string().as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().into()
}

impl fmt::Display for TraceEvent {
    /// One stable line per event; the trace hash is computed over these lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>14}ns ", self.at.as_nanos())?;
        match &self.kind {
            TraceKind::Net(event) => write!(f, "{event}"),
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
            TraceKind::Delete { node, entity } => write!(f, "delete {node} {}", hex::encode(entity)),
            TraceKind::AppOp { node, op } => write!(f, "op {node} {op}"),
            TraceKind::Crash { node } => write!(f, "crash {node}"),
            TraceKind::Restart { node } => write!(f, "restart {node}"),
            TraceKind::Pause { node, length } => write!(f, "pause {node} for {length:?}"),
            TraceKind::Resume { node } => write!(f, "resume {node}"),
            TraceKind::Heal => write!(f, "heal"),
            TraceKind::Buggify { node, point } => write!(f, "buggify {node} {point}"),
        }
    }
}
