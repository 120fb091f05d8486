//! Local writes travel to peers as deltas, the way calimero broadcasts state deltas over
//! gossipsub: each write's calimero `Action` is sent to every peer through the router (so it can
//! be delayed, lost, duplicated, cut off by partitions) and applied on receipt with the real
//! `Interface::apply_action`.
//!
//! Invariant I6: a delta that arrives while its node is in a sync session is buffered and applied
//! only after the node's last session ends — never interleaved with a session's merges.
//!
//! This file knows the wire format and the inbox, nothing about the World that owns them: the
//! World decides when a node is busy and keeps the books.

use std::sync::{Arc, Weak};

use borsh::{BorshDeserialize, BorshSerialize};
use calimero_storage::action::Action;

use crate::ids::NodeId;
use crate::net::mailbox::{Mailbox, Next};
use crate::net::{FrameKind, NetworkRouter, Route};

/// Stream id reserved for gossip; session streams are numbered from 1.
pub(crate) const GOSSIP_STREAM: u64 = 0;

/// One delta on the wire.
#[derive(Clone, Debug, BorshSerialize, BorshDeserialize)]
pub(crate) struct Delta {
    pub origin: u32,
    pub action: Action,
}

impl Delta {
    pub fn decode(frame: &[u8]) -> Option<Delta> {
        Delta::try_from_slice(frame).ok()
    }
}

/// Sends `action`, just applied on `from`, to each of `targets`; returns how many copies went
/// out, or `None` if the action cannot be encoded.
pub(crate) fn broadcast(
    router: &NetworkRouter,
    from: NodeId,
    action: &Action,
    targets: &[(NodeId, Weak<Mailbox>)],
) -> Option<u64> {
    let bytes = borsh::to_vec(&Delta { origin: from.0, action: action.clone() }).ok()?;
    for (to, inbox) in targets {
        router.send(
            Route { stream: GOSSIP_STREAM, from, to: *to },
            FrameKind::Data,
            "Delta",
            bytes.clone(),
            inbox.clone(),
        );
    }
    Some(targets.len() as u64)
}

/// A node's gossip inbox: where deltas arrive, and the ones waiting for its sessions to end.
#[derive(Default)]
pub(crate) struct GossipInbox {
    mailbox: Arc<Mailbox>,
    pub buffer: Vec<Delta>,
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
