//! The frame table: every frame copy with its route, size, content hash, damage and fate, read
//! off the trace's network events. It is the ground truth for "nothing is lost silently" (an
//! undelivered copy carries its reason) and for the frame-level determinism checks.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{hash_lines, TraceEvent, TraceKind};
use crate::ids::NodeId;
use crate::net::{Corruption, DropReason, FrameKind, NetEvent};

/// Where a frame copy ended up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    InFlight,
    Delivered { at: Duration },
    Dropped { at: Duration, reason: DropReason },
}

/// One frame copy as the network handled it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRecord {
    pub id: u64,
    /// For a duplicate: the frame it copies.
    pub copy_of: Option<u64>,
    pub stream: u64,
    /// What the stream carries: a protocol name, `gossip`, or `stream` for a bare pair.
    pub label: &'static str,
    /// What the frame carries (`TreeNodeRequest`, `EntityPushAck`, …; `Fin` for a close).
    pub message: &'static str,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: FrameKind,
    pub sent_at: Duration,
    pub size: usize,
    /// First 8 bytes of SHA-256 of the bytes as sent (before any corruption).
    pub content_hash: u64,
    pub corruption: Option<Corruption>,
    pub fate: Fate,
    /// The bytes as they went on the wire, kept only when payload capture is on.
    pub payload: Option<Arc<[u8]>>,
}

impl FrameRecord {
    pub fn dropped(&self) -> Option<DropReason> {
        match self.fate {
            Fate::Dropped { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// Handed over damaged: what only a link without integrity does.
    pub fn delivered_damaged(&self) -> bool {
        self.corruption.is_some() && matches!(self.fate, Fate::Delivered { .. })
    }
}

/// The frame table of `events`, in the order frames were sent (a frame's id is its index).
pub(super) fn frame_table(events: &[TraceEvent]) -> Vec<FrameRecord> {
    let mut frames: Vec<FrameRecord> = Vec::new();
    for event in events {
        let TraceKind::Net(net) = &event.kind else { continue };
        match net {
            NetEvent::Sent { frame, from, to, stream, protocol, message, kind, size, hash, copy_of, payload } => {
                debug_assert_eq!(*frame as usize, frames.len(), "frames are numbered in send order");
                frames.push(FrameRecord {
                    id: *frame,
                    copy_of: *copy_of,
                    stream: *stream,
                    label: protocol,
                    message,
                    from: *from,
                    to: *to,
                    kind: *kind,
                    sent_at: event.at,
                    size: *size,
                    content_hash: *hash,
                    corruption: None,
                    fate: Fate::InFlight,
                    payload: payload.clone(),
                });
            }
            NetEvent::Corrupted { frame, corruption } => {
                if let Some(f) = frames.get_mut(*frame as usize) {
                    f.corruption = Some(*corruption);
                }
            }
            NetEvent::Delivered { frame, .. } => {
                if let Some(f) = frames.get_mut(*frame as usize) {
                    f.fate = Fate::Delivered { at: event.at };
                }
            }
            NetEvent::Dropped { frame, reason, .. } => {
                if let Some(f) = frames.get_mut(*frame as usize) {
                    f.fate = Fate::Dropped { at: event.at, reason: *reason };
                }
            }
            NetEvent::StreamReset { .. }
            | NetEvent::Partition { .. }
            | NetEvent::Repair { .. }
            | NetEvent::ConnectionDropped { .. }
            | NetEvent::FaultsChanged { .. } => {}
        }
    }
    frames
}

/// SHA-256 over the frame table's lines.
pub(super) fn frame_log_hash(frames: &[FrameRecord]) -> [u8; 32] {
    hash_lines(frames)
}

impl fmt::Display for FrameRecord {
    /// One stable line per frame copy; the frame-log hash is computed over these lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} t={}ns {}->{} s{} {:?} {}B h={:016x}",
            self.id,
            self.sent_at.as_nanos(),
            self.from,
            self.to,
            self.stream,
            self.kind,
            self.size,
            self.content_hash
        )?;
        if let Some(orig) = self.copy_of {
            write!(f, " dup-of=#{orig}")?;
        }
        if let Some(c) = self.corruption {
            write!(f, " corrupt={c:?}")?;
        }
        match self.fate {
            Fate::InFlight => write!(f, " in-flight"),
            Fate::Delivered { at } => write!(f, " delivered@{}ns", at.as_nanos()),
            Fate::Dropped { at, reason } => write!(f, " dropped@{}ns:{reason:?}", at.as_nanos()),
        }
    }
}
