//! What one directed link does to what crosses it. Two families of knobs, because production has
//! two kinds of failure: per-frame faults (loss, duplication, reordering, corruption) that a raw
//! datagram network shows and the robustness presets use to exercise decoders; and whole-stream
//! faults (reset, stall) that a libp2p stream — reliable and ordered while it lives — shows instead.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// What a link's transport does with a frame damaged in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Integrity {
    /// The damaged bytes reach the receiver's decoder. Production never does this (its streams are
    /// authenticated), but it is how the robustness presets exercise the protocols' decoders.
    #[default]
    Unchecked,
    /// An authenticated transport, as libp2p's Noise AEAD is: a damaged frame fails its stream and
    /// both ends see an error; nothing damaged reaches a decoder.
    Authenticated,
}

/// Fault parameters of one directed link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkFaults {
    /// Base one-way delay.
    pub latency: Duration,
    /// Uniform extra delay in `[0, jitter]`.
    pub jitter: Duration,
    /// Probability that a packet carrying a frame is lost. On a session stream (a reliable
    /// transport) the frame is retransmitted: it arrives later, after a timeout that doubles with
    /// each consecutive loss, nothing behind it on the stream overtakes it, and a frame lost
    /// [`MAX_RETRANSMITS`] times in a row resets its stream, as a transport that gives up would.
    /// On gossip (datagram-like) the frame is gone (`DropReason::Loss`).
    pub loss: f64,
    /// Probability that a frame inside a session stream is silently dropped (`DropReason::
    /// StreamDrop`): a robustness fault no reliable transport shows, which `heavy` keeps to
    /// exercise the protocols' loss handling. Gossip ignores it.
    pub drop: f64,
    /// Probability that a frame is delivered twice (the copy gets its own delay).
    pub duplicate: f64,
    /// Uniform extra delay in `[0, reorder_window]`, so frames overtake each other.
    pub reorder_window: Duration,
    /// Probability that a frame's bytes are damaged in flight (bit flips or truncation).
    pub corruption: f64,
    /// What happens to a damaged frame.
    pub integrity: Integrity,
    /// Probability that a session stream opened on this link is reset (both ends see an error,
    /// as a libp2p stream reset or a yamux RST does) once it has carried a number of frames drawn
    /// from `cut_after`.
    pub reset: f64,
    /// Probability that a session stream stalls after a number of frames drawn from `cut_after`:
    /// nothing more arrives and no error comes either, until the receivers' budgets expire (a
    /// peer that stopped reading, a send window that never reopens).
    pub stall: f64,
    /// Frames (both directions together) a reset or stalled stream carries before it fails.
    pub cut_after: Range<u32>,
}

/// Consecutive losses of one frame after which a stream's transport gives up and resets it.
pub const MAX_RETRANSMITS: u32 = 6;

/// The shortest retransmission timeout (Linux TCP's minimum RTO); a link's is at least twice its
/// longest round trip's one-way delay.
pub const MIN_RTO: Duration = Duration::from_millis(200);

impl LinkFaults {
    pub const NONE: LinkFaults = LinkFaults {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        loss: 0.0,
        drop: 0.0,
        duplicate: 0.0,
        reorder_window: Duration::ZERO,
        corruption: 0.0,
        integrity: Integrity::Unchecked,
        reset: 0.0,
        stall: 0.0,
        cut_after: 1..64,
    };

    /// Largest delay this link can give a frame; used to bound waits and budgets.
    pub fn max_delay(&self) -> Duration {
        self.latency + self.jitter + self.reorder_window
    }

    /// The retransmission timeout of a frame lost on this link's streams (the first: each
    /// further consecutive loss doubles it).
    pub fn rto(&self) -> Duration {
        (2 * (self.latency + self.jitter)).max(MIN_RTO)
    }

    /// Whether streams on this link can fail whole (so the router draws a fate per stream).
    pub fn cuts_streams(&self) -> bool {
        self.reset > 0.0 || self.stall > 0.0
    }

    /// The same link with every fault off: delays and integrity stay (they are the link, not a
    /// fault of it).
    pub fn healed(&self) -> LinkFaults {
        LinkFaults {
            latency: self.latency,
            jitter: self.jitter,
            integrity: self.integrity,
            cut_after: self.cut_after.clone(),
            ..LinkFaults::NONE
        }
    }
}

impl Default for LinkFaults {
    fn default() -> Self {
        Self::NONE
    }
}

impl fmt::Display for LinkFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={:?} jitter={:?} loss={} duplicate={} reorder_window={:?} corruption={}",
            self.latency, self.jitter, self.loss, self.duplicate, self.reorder_window, self.corruption
        )?;
        // Printed only when set, so the lines of existing configurations (which traces record when
        // faults change) stay as they were.
        if self.drop > 0.0 {
            write!(f, " stream_drop={}", self.drop)?;
        }
        if self.integrity == Integrity::Authenticated {
            f.write_str(" integrity=authenticated")?;
        }
        if self.cuts_streams() {
            write!(
                f,
                " reset={} stall={} after={}..{} frames",
                self.reset, self.stall, self.cut_after.start, self.cut_after.end
            )?;
        }
        Ok(())
    }
}

pub(crate) fn clamp_probability(p: f64) -> f64 {
    if p.is_nan() {
        0.0
    } else {
        p.clamp(0.0, 1.0)
    }
}

/// `lo..hi` in order and never empty (`hi` at least `lo + 1`), for ranges a user typed.
pub(crate) fn ordered<T: Ord + Copy + std::ops::Add<Output = T>>(range: Range<T>, one: T) -> Range<T> {
    let (lo, hi) = (range.start.min(range.end), range.end.max(range.start));
    lo..hi.max(lo + one)
}
