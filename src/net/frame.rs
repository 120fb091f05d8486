//! What travels on a link and what can happen to it. The record of each frame's fate is not kept
//! here but in the run's trace (see `trace::frames`): the network reports, the trace remembers.

use sha2::{Digest, Sha256};

use crate::ids::NodeId;

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
    /// An authenticated link rejected the damaged frame, and its stream failed with it.
    Damaged,
    /// The frame's stream had already failed when it arrived, or failed with this frame.
    Reset,
    /// The frame's stream stalled: nothing on it moves any more.
    Stall,
    /// Silently dropped inside its stream: the robustness fault (`LinkFaults::drop`), which no
    /// reliable transport shows. Packet loss on a stream is a retransmission, never this.
    StreamDrop,
}

/// How a frame's bytes were damaged in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    BitFlips(u8),
    Truncated { to: usize },
}

/// Where a frame goes: the directed link and the stream it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub stream: u64,
    pub from: NodeId,
    pub to: NodeId,
}

/// First 8 bytes of SHA-256: enough to tell frames apart in a log.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    u64::from_be_bytes(digest[..8].try_into().expect("sha256 is 32 bytes"))
}
