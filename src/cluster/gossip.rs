//! Local writes travel to peers as deltas, the way calimero broadcasts state deltas over
//! gossipsub: each operation's calimero `Action`s are sent to every peer as one delta through the
//! router (so it can be delayed, lost, duplicated, cut off by partitions) and applied on receipt
//! with the real `Interface::apply_action` — in causal order (see `deltas`).
//!
//! This file knows the wire format and the inbox, nothing about the World that owns them.

use std::sync::{Arc, Weak};

use borsh::{BorshDeserialize, BorshSerialize};

pub(crate) use super::causal::Delta;
use crate::ids::NodeId;
use crate::net::mailbox::{Mailbox, Next};
use crate::net::{FrameKind, NetworkRouter, Route};

/// Stream id reserved for gossip; session streams are numbered from 1.
pub(crate) const GOSSIP_STREAM: u64 = 0;

/// What travels on the gossip stream.
#[derive(Clone, Debug, BorshSerialize, BorshDeserialize)]
pub(crate) enum GossipFrame {
    /// A delta — the actions of one local operation, applied in order (a collection operation
    /// records several: the collection, the entry, its ancestors) — as node `from` sends it.
    Delta { from: u32, delta: Delta },
    /// `from` lacks these deltas and asks the receiver for them, as calimero-node's delta
    /// request asks the peer a delta came from for its missing parents.
    Request { from: u32, wanted: Vec<[u8; 32]> },
    /// A delta with what production's broadcast carries beside it (events, a signature): only
    /// when there is any, so a delta without keeps the bytes — and every seed its trajectory —
    /// it had before envelopes existed.
    Enveloped { from: u32, delta: Delta, envelope: Box<Envelope> },
    /// A delta `from` sends as `author`'s: only a Byzantine member sends one (a forged author,
    /// or another's delta replayed with its parents rewritten); an honest broadcast names no
    /// author beside its sender, as production's gossip carries the author in the envelope.
    Claimed { from: u32, author: u32, delta: Delta, envelope: Box<Envelope> },
}

impl GossipFrame {
    /// `delta` from `from`, in its envelope when it has one.
    pub fn delta(from: u32, delta: Delta, envelope: Envelope) -> GossipFrame {
        match envelope == Envelope::default() {
            true => GossipFrame::Delta { from, delta },
            false => GossipFrame::Enveloped { from, delta, envelope: Box::new(envelope) },
        }
    }

    pub fn decode(frame: &[u8]) -> Option<GossipFrame> {
        GossipFrame::try_from_slice(frame).ok()
    }

    fn label(&self) -> &'static str {
        match self {
            GossipFrame::Delta { .. } => "Delta",
            GossipFrame::Request { .. } => "DeltaRequest",
            GossipFrame::Enveloped { .. } => "Delta",
            GossipFrame::Claimed { .. } => "Delta",
        }
    }
}

/// Sends `frame` from `from` to each of `targets`; returns how many copies went out, or `None` if
/// it cannot be encoded.
pub(crate) fn send(
    router: &NetworkRouter,
    from: NodeId,
    frame: &GossipFrame,
    targets: &[(NodeId, Weak<Mailbox>)],
) -> Option<u64> {
    let bytes = borsh::to_vec(frame).ok()?;
    for (to, inbox) in targets {
        router.send(
            Route { stream: GOSSIP_STREAM, from, to: *to },
            FrameKind::Data,
            frame.label(),
            bytes.clone(),
            inbox.clone(),
        );
    }
    Some(targets.len() as u64)
}

/// A node's gossip inbox: where deltas arrive, and the ones waiting for its sessions to end
/// (with the node that sent each).
#[derive(Default)]
pub(crate) struct GossipInbox {
    mailbox: Arc<Mailbox>,
    pub buffer: Vec<Arrival>,
}

impl GossipInbox {
    /// Where senders deliver (weak: a node that is gone drops what arrives).
    pub fn address(&self) -> Weak<Mailbox> {
        Arc::downgrade(&self.mailbox)
    }

    pub fn mailbox(&self) -> Arc<Mailbox> {
        Arc::clone(&self.mailbox)
    }
}

/// What production's broadcast carries beside a delta: the events its app emitted, its
/// author's envelope signature (production's execute signs from 0.11.0-rc.9 on; the rows a
/// receiver persists keep it, so the peers that later pull the delta from it can verify it),
/// and, where production's gossip handler runs, the artifact encrypted under the author's
/// `sender_key` with its nonce: all the handler reads of the actions. The delta's own payload
/// stays readable for merosim's books.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub(crate) struct Envelope {
    pub events: Option<Vec<u8>>,
    pub signature: Option<[u8; 64]>,
    pub sealed: Option<(Vec<u8>, [u8; 12])>,
}

/// A delta as it arrived: the delta, who sent it, whose it claims to be, what rode with it. One
/// that waits for the node's sessions to end waits as this.
pub(crate) struct Arrival {
    pub delta: Delta,
    pub sender: u32,
    pub author: u32,
    pub envelope: Envelope,
}

/// Waits for the next delta frame in `mailbox`; `None` once it is closed for good.
pub(crate) async fn next_frame(mailbox: &Mailbox) -> Option<Vec<u8>> {
    loop {
        match mailbox.take() {
            Next::Frame(frame) => return Some(frame),
            Next::Finished | Next::Reset(_) => return None,
            Next::Empty => mailbox.changed().await,
        }
    }
}

/// What a node's delta-store process is asked to do.
#[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path runs the process"))]
pub(crate) enum DeltaJob {
    /// A delta this node committed (its row and heads already persisted).
    Local(Delta),
    /// A peer's delta, sent by `from` as `author`'s (the same node but for a Byzantine sender).
    Remote { delta: Delta, from: NodeId, author: NodeId, envelope: Envelope },
    /// A sync tick: ask again for what pending deltas wait on.
    AskMissing,
}
