//! The router's book of session streams: both ends of each, the fault fate drawn for it when it
//! opened, what its directions still have on the wire, and which node pairs refuse new streams
//! after a connection drop. Production streams (libp2p over yamux/QUIC) never lose or reorder
//! bytes while they live; they fail whole — reset, stall, or die with their connection — and
//! this is where those whole-stream failures are decided.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::mailbox::Mailbox;
use crate::ids::NodeId;

/// How a stream is going to fail, drawn when it opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// It carries this many frames, then both ends see a reset.
    Reset { after: u32 },
    /// It carries this many frames, then nothing more moves (and no error comes).
    Stall { after: u32 },
}

/// What happens to a data frame of a stream, counting it against the stream's cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Passage {
    Pass,
    /// This frame is the one the stream resets on: it and everything after fail.
    ResetNow,
    /// The stream is stalled: the frame never arrives.
    Stalled,
}

pub(crate) struct StreamEnds {
    pub label: &'static str,
    pub nodes: [NodeId; 2],
    pub ends: [Weak<Mailbox>; 2],
    pub reset: bool,
    /// Some copy of this stream was lost, duplicated, damaged or cut off: the session oracles
    /// only judge sessions whose streams behaved as production's do.
    pub faulted: bool,
    cut: Option<Cut>,
    frames: u32,
    stalled: bool,
}

/// Per stream direction: the latest scheduled data arrival, data copies still on the wire, a
/// FIN waiting for them; and the retransmitted frame latest to arrive (its id and arrival), with
/// the copies sent after each retransmitted frame that would have overtaken it: a reliable
/// stream hands them over right after it, in the order sent.
pub(crate) struct Direction<F> {
    pub last_arrival: Duration,
    pub unresolved: usize,
    pub held_fin: Option<F>,
    pub retransmitted: Option<(u64, Duration)>,
    pub behind: BTreeMap<u64, Vec<F>>,
}

// By hand: a derive would demand `F: Default`, and a frame in flight has no default.
impl<F> Default for Direction<F> {
    fn default() -> Self {
        Direction {
            last_arrival: Duration::ZERO,
            unresolved: 0,
            held_fin: None,
            retransmitted: None,
            behind: BTreeMap::new(),
        }
    }
}

pub(crate) struct Streams<F> {
    next: u64,
    pub open: BTreeMap<u64, StreamEnds>,
    pub directions: BTreeMap<(u64, NodeId), Direction<F>>,
    /// Node pairs (lower id first) whose connection dropped: new streams are refused until then.
    refused_until: BTreeMap<(NodeId, NodeId), Duration>,
}

impl<F> Default for Streams<F> {
    fn default() -> Self {
        Streams { next: 0, open: BTreeMap::new(), directions: BTreeMap::new(), refused_until: BTreeMap::new() }
    }
}

fn pair(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}

impl<F> Streams<F> {
    /// Books a new stream; `cut` is the fate drawn for it.
    pub fn open(&mut self, label: &'static str, ends: [(NodeId, &Arc<Mailbox>); 2], cut: Option<Cut>) -> u64 {
        self.next += 1;
        let stream = self.next;
        let entry = StreamEnds {
            label,
            nodes: ends.map(|(node, _)| node),
            ends: ends.map(|(_, mailbox)| Arc::downgrade(mailbox)),
            reset: false,
            faulted: false,
            cut,
            frames: 0,
            stalled: false,
        };
        self.open.insert(stream, entry);
        stream
    }

    pub fn label(&self, stream: u64) -> &'static str {
        self.open.get(&stream).map_or("gossip", |s| s.label)
    }

    pub fn mark_faulted(&mut self, stream: u64) {
        if let Some(ends) = self.open.get_mut(&stream) {
            ends.faulted = true;
        }
    }

    pub fn is_reset(&self, stream: u64) -> bool {
        self.open.get(&stream).is_some_and(|s| s.reset)
    }

    /// Counts a data frame of `stream` against its cut.
    pub fn pass(&mut self, stream: u64) -> Passage {
        let Some(ends) = self.open.get_mut(&stream) else { return Passage::Pass };
        if ends.stalled {
            return Passage::Stalled;
        }
        ends.frames += 1;
        match ends.cut {
            Some(Cut::Reset { after }) if ends.frames > after => Passage::ResetNow,
            Some(Cut::Stall { after }) if ends.frames > after => {
                ends.stalled = true;
                ends.faulted = true;
                Passage::Stalled
            }
            _ => Passage::Pass,
        }
    }

    /// Whether `stream` stalled (its FIN is swallowed too).
    pub fn is_stalled(&self, stream: u64) -> bool {
        self.open.get(&stream).is_some_and(|s| s.stalled)
    }

    /// Marks `stream` failed and returns its live ends, so the caller can tell them `reason`;
    /// `None` if it already failed (or never existed).
    pub fn fail(&mut self, stream: u64) -> Option<Vec<Arc<Mailbox>>> {
        let ends = self.open.get_mut(&stream).filter(|s| !s.reset)?;
        ends.reset = true;
        Some(ends.ends.iter().filter_map(Weak::upgrade).collect())
    }

    /// Streams between `a` and `b` (either direction) that have not failed, oldest first.
    pub fn between(&self, a: NodeId, b: NodeId) -> Vec<u64> {
        let key = pair(a, b);
        self.open.iter().filter(|(_, s)| !s.reset && pair(s.nodes[0], s.nodes[1]) == key).map(|(id, _)| *id).collect()
    }

    /// New streams between `a` and `b` are refused until `until`.
    pub fn refuse(&mut self, a: NodeId, b: NodeId, until: Duration) {
        let slot = self.refused_until.entry(pair(a, b)).or_default();
        *slot = (*slot).max(until);
    }

    pub fn refused(&self, a: NodeId, b: NodeId, now: Duration) -> bool {
        self.refused_until.get(&pair(a, b)).is_some_and(|until| now < *until)
    }

    /// The heal: refusals forgotten (everyone reconnects) and no open stream still doomed; a
    /// stream that already stalled stays stalled (its bytes are gone), and its budget ends it.
    pub fn heal(&mut self) {
        self.refused_until.clear();
        for stream in self.open.values_mut() {
            stream.cut = None;
        }
    }
}
