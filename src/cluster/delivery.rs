//! How a node takes deltas in, as calimero-node's delta store does: never during one of its sync
//! sessions (invariant I6: a delta that arrives then waits until the node's last session ends),
//! and in causal order — a delta whose predecessors the node has not applied waits, pending,
//! while the node asks the delta's origin for what it lacks (calimero's delta request). A
//! duplicate is recognised and dropped.
//!
//! Without causal order a lost delta would let a later one land first: an entry whose
//! collection's creation never arrived, a delete before the write it deletes — states production
//! cannot reach, which merosim would then report as calimero's. The requests go through the
//! router like any frame; a lost request is asked again at the node's next sync tick.
//!
//! The book each node keeps for this is `causal::CausalBook`.

use calimero_storage::action::Action;

use super::gossip::{self, Delta, GossipFrame};
use super::World;
use crate::ids::NodeId;
use crate::trace::TraceKind;

impl World {
    /// Broadcasts the actions of an operation `id` just applied, as its next delta.
    pub(crate) fn gossip(&self, id: NodeId, actions: &[Action]) {
        let (delta, targets) = {
            let mut members = self.members();
            let delta = members[id.0 as usize].causal.make(id.0, actions);
            let targets: Vec<_> =
                members.iter().filter(|m| m.node.id() != id).map(|m| (m.node.id(), m.gossip.address())).collect();
            (delta, targets)
        };
        match gossip::send(self.router(), id, &GossipFrame::Delta(delta), &targets) {
            Some(sent) => self.counters().deltas_sent += sent,
            None => self.counters().delta_rejected("encode"),
        }
    }

    /// A gossip frame arrived at `id`: a delta (applied now, or buffered while a session runs,
    /// I6) or a peer's request for deltas.
    pub(crate) fn receive_delta(&self, id: NodeId, frame: &[u8]) {
        let delta = match GossipFrame::decode(frame) {
            Some(GossipFrame::Delta(delta)) => delta,
            Some(GossipFrame::Request { from, wanted }) => return self.answer(id, NodeId(from), &wanted),
            None => return self.counters().delta_rejected("decode"),
        };
        let busy = self.members()[id.0 as usize].busy();
        self.trace().record(TraceKind::DeltaReceived { node: id, origin: NodeId(delta.origin), buffered: busy });
        if busy {
            self.members()[id.0 as usize].gossip.buffer.push(delta);
            self.counters().deltas_buffered += 1;
        } else {
            self.deliver(id, delta);
        }
    }

    /// Applies what was buffered during sessions, once the node has none left.
    pub(crate) fn drain(&self, id: NodeId) {
        let buffered = {
            let mut members = self.members();
            let member = &mut members[id.0 as usize];
            if member.busy() {
                return;
            }
            std::mem::take(&mut member.gossip.buffer)
        };
        for delta in buffered {
            self.deliver(id, delta);
        }
    }

    /// Deltas waiting on `id` for predecessors.
    pub fn pending_deltas(&self, id: NodeId) -> usize {
        self.members().get(id.0 as usize).map_or(0, |m| m.causal.pending_len())
    }

    /// Asks again for what `id`'s pending deltas wait for (at each sync tick: a request can be lost).
    pub(crate) fn ask_for_missing(&self, id: NodeId) {
        let asks = self.members()[id.0 as usize].causal.wanted();
        for (peer, wanted) in asks {
            let Some(address) = self.members().get(peer as usize).map(|m| m.gossip.address()) else { continue };
            let frame = GossipFrame::Request { from: id.0, wanted };
            if gossip::send(self.router(), id, &frame, &[(NodeId(peer), address)]).is_some() {
                self.counters().delta_requests += 1;
            }
        }
    }

    /// In causal order: apply `delta` if its predecessors are in, then whatever it unblocked;
    /// otherwise hold it and ask for what it waits on. Duplicates are dropped.
    fn deliver(&self, id: NodeId, delta: Delta) {
        let ready = {
            let mut members = self.members();
            let book = &mut members[id.0 as usize].causal;
            if book.is_duplicate(&delta) {
                drop(members);
                self.counters().deltas_duplicate += 1;
                return;
            }
            let ready = book.ready(&delta);
            if !ready {
                book.pending.insert((delta.origin, delta.seq), delta.clone());
            }
            ready
        };
        if !ready {
            self.counters().deltas_pending += 1;
            self.ask_for_missing(id);
            return;
        }
        let mut next = Some(delta);
        while let Some(delta) = next {
            self.apply_delta(id, &delta);
            let mut members = self.members();
            let book = &mut members[id.0 as usize].causal;
            book.record_applied(delta);
            next = book.take_ready();
        }
    }

    /// Applies a delta's actions in order; the first that fails rejects the rest. The delta still
    /// counts as applied: calimero's delta store marks a delta it executed, whatever its outcome.
    fn apply_delta(&self, id: NodeId, delta: &Delta) {
        let Some(node) = self.node(id) else { return };
        match delta.actions.iter().try_for_each(|action| node.storage().apply_remote(action.clone())) {
            Ok(()) => {
                self.members()[id.0 as usize].mutations += 1;
                self.counters().deltas_applied += 1;
            }
            // A delta can legitimately fail here, e.g. a delete for an entity this node never got;
            // sync repairs what gossip could not. Counted, never silent.
            Err(_) => self.counters().delta_rejected("apply"),
        }
    }

    /// `peer` asked `id` for deltas: send the ones `id` holds, straight to `peer`.
    fn answer(&self, id: NodeId, peer: NodeId, wanted: &[(u32, u64)]) {
        let (found, address): (Vec<Delta>, _) = {
            let members = self.members();
            let Some(target) = members.get(peer.0 as usize) else { return };
            let book = &members[id.0 as usize].causal;
            (wanted.iter().filter_map(|k| book.log.get(k).cloned()).collect(), target.gossip.address())
        };
        for delta in found {
            if gossip::send(self.router(), id, &GossipFrame::Delta(delta), &[(peer, address.clone())]).is_some() {
                self.counters().deltas_resent += 1;
            }
        }
    }
}
