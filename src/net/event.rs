//! What the network tells its observer. The router keeps no log of its own: every decision it
//! makes is one `NetEvent`, handed to a [`NetObserver`] (the run's trace), and the frame table
//! tests read is a view over those events. The router depends on this trait, not on the trace,
//! so the network stays the lower layer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::frame::{Corruption, DropReason, FrameKind};
use crate::ids::NodeId;

/// One thing the network did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetEvent {
    /// A frame copy entered the network (a duplicate carries the id of the frame it copies).
    Sent {
        frame: u64,
        from: NodeId,
        to: NodeId,
        stream: u64,
        /// What the stream carries (a protocol name, or `gossip`).
        protocol: &'static str,
        /// What the frame carries (a message variant, or `fin`).
        message: &'static str,
        kind: FrameKind,
        size: usize,
        hash: u64,
        copy_of: Option<u64>,
        /// The bytes as sent, when payload capture is on.
        payload: Option<Arc<[u8]>>,
    },
    /// The copy's bytes were damaged on the way.
    Corrupted {
        frame: u64,
        corruption: Corruption,
    },
    Delivered {
        frame: u64,
        to: NodeId,
    },
    Dropped {
        frame: u64,
        to: NodeId,
        reason: DropReason,
    },
    /// A stream failed as a whole; both ends see an error from now on.
    StreamReset {
        stream: u64,
        reason: String,
    },
    /// A cut: one direction, or both; `heal_at` is virtual time since the network started.
    Partition {
        from: NodeId,
        to: NodeId,
        both: bool,
        heal_at: Option<Duration>,
        random: bool,
    },
    Repair {
        from: NodeId,
        to: NodeId,
        both: bool,
    },
    /// The connection between two nodes dropped: their streams failed, and new ones are refused
    /// until `refused_until` (virtual time since the network started).
    ConnectionDropped {
        a: NodeId,
        b: NodeId,
        refused_until: Duration,
    },
    /// The fault configuration was replaced (printed in full).
    FaultsChanged {
        faults: String,
    },
}

/// Receives every event the network produces, in the order it produces them.
pub trait NetObserver: Send + Sync {
    fn observe(&self, event: NetEvent);
}

impl fmt::Display for NetEvent {
    /// One stable line per event; the trace hash is computed over these lines, so their wording
    /// is part of the replay contract.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrow = |both: bool| if both { "<->" } else { "->" };
        match self {
            NetEvent::Sent { frame, from, to, stream, protocol, message, size, hash, copy_of, .. } => {
                write!(f, "send #{frame} {from}->{to} s{stream} {protocol}/{message} {size}B h={hash:016x}")?;
                if let Some(orig) = copy_of {
                    write!(f, " dup-of=#{orig}")?;
                }
                Ok(())
            }
            NetEvent::Corrupted { frame, corruption } => write!(f, "fault corrupt #{frame} {corruption:?}"),
            NetEvent::Delivered { frame, to } => write!(f, "deliver #{frame} ->{to}"),
            NetEvent::Dropped { frame, to, reason } => write!(f, "drop #{frame} ->{to} {reason:?}"),
            NetEvent::StreamReset { stream, reason } => write!(f, "reset s{stream} {reason}"),
            NetEvent::Partition { from, to, both, heal_at, random: true } => {
                let heal_at = heal_at.unwrap_or_default();
                write!(f, "fault random partition {from}{}{to} heal_at={heal_at:?}", arrow(*both))
            }
            NetEvent::Partition { from, to, both, heal_at, random: false } => {
                write!(f, "fault partition {from}{}{to} heal_at={heal_at:?}", arrow(*both))
            }
            NetEvent::Repair { from, to, both } => write!(f, "fault repair {from}{}{to}", arrow(*both)),
            NetEvent::ConnectionDropped { a, b, refused_until } => {
                write!(f, "fault connection-drop {a}<->{b} refused_until={refused_until:?}")
            }
            NetEvent::FaultsChanged { faults } => write!(f, "fault faults now [{faults}]"),
        }
    }
}
