//! The router's record of every frame copy it handled. The log is the ground truth for the
//! determinism checks (same seed ⇒ same log, byte for byte) and for "nothing is lost silently":
//! a frame that was not delivered carries the reason in its fate.

use std::fmt;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::NodeId;

/// What a frame carries: protocol bytes, or the end-of-stream marker `close` sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    Data,
    Fin,
}

/// Why a frame copy never reached its receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropReason {
    /// Random loss on the link.
    Loss,
    /// The link was cut when the frame was sent or when it would have arrived.
    Partition,
    /// The receiving end of the stream no longer exists.
    ReceiverGone,
    /// The receiving node is down.
    Crash,
}

/// How a frame's bytes were damaged in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    BitFlips(u8),
    Truncated { to: usize },
}

/// Where a frame copy ended up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    InFlight,
    Delivered { at: Duration },
    Dropped { at: Duration, reason: DropReason },
}

/// One frame copy as the router saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRecord {
    pub id: u64,
    /// For a duplicate: the frame it copies.
    pub copy_of: Option<u64>,
    pub stream: u64,
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
    pub payload: Option<Vec<u8>>,
}

impl FrameRecord {
    pub fn dropped(&self) -> Option<DropReason> {
        match self.fate {
            Fate::Dropped { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    u64::from_be_bytes(digest[..8].try_into().expect("sha256 is 32 bytes"))
}

impl fmt::Display for FrameRecord {
    /// One stable line per frame copy; the determinism hash is computed over these lines.
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
