//! A node's deltas, out and in. Out: each local operation's actions, gossiped to every peer as
//! the node's next delta. In: as calimero-node's delta store takes them: never during one of its sync
//! sessions (invariant I6: a delta that arrives then waits until the node's last session ends),
//! and in causal order, through calimero-dag's `DagStore` — a delta whose parents the node has
//! not applied waits, pending, while the node asks the peer that sent it for what it lacks
//! (calimero's delta request). A duplicate is recognised and dropped.
//!
//! Without causal order a lost delta would let a later one land first: an entry whose
//! collection's creation never arrived, a delete before the write it deletes — states production
//! cannot reach, which merosim would then report as calimero's. The requests go through the
//! router like any frame; a lost request is asked again at the node's next sync tick.
//!
//! The book each node keeps for this is `causal::CausalBook`.

use calimero_storage::action::Action;

use super::causal::Offered;
use super::gossip::{self, Arrival, Delta, DeltaJob, Envelope, GossipFrame};
use super::node::Node;
use super::NodeCtx;
use crate::ids::NodeId;
use crate::trace::TraceKind;

impl NodeCtx<'_> {
    /// Broadcasts the actions of an operation `id` just applied, as its next delta.
    pub(crate) fn gossip(&self, actions: &[Action]) {
        let id = self.id;
        #[cfg(calimero_node_path)]
        if self.world.production_path() {
            return self.gossip_committed(actions);
        }
        let root_after = self.world.node(id).and_then(|n| n.storage().root_hash().ok()).unwrap_or_default();
        let Some(delta) = self.world.with_node(id, |n| n.causal_mut().make(id.get(), actions, root_after)) else {
            return;
        };
        self.broadcast(delta, Envelope::default());
    }

    /// Sends `delta`, made here, to every other node, in its envelope.
    fn broadcast(&self, delta: Delta, envelope: Envelope) {
        let id = self.id;
        let targets: Vec<_> = {
            let nodes = self.world.registry();
            nodes.iter().filter(|n| n.id() != id).map(|n| (n.id(), n.gossip_address())).collect()
        };
        match gossip::send(self.world.router(), id, &GossipFrame::delta(id.get(), delta, envelope), &targets) {
            Some(sent) => self.world.book().count().gossip.deltas_sent += sent,
            None => self.world.book().count().gossip.rejected("encode"),
        }
    }

    /// A gossip frame arrived at `id`: a delta (applied now, or buffered while the node holds
    /// deltas, I6) or a peer's request for deltas.
    pub(crate) fn receive_delta(&self, frame: &[u8]) {
        let id = self.id;
        let arrival = match GossipFrame::decode(frame) {
            Some(GossipFrame::Delta { from, delta }) => {
                Arrival { delta, sender: from, author: from, envelope: Envelope::default() }
            }
            Some(GossipFrame::Enveloped { from, delta, envelope }) => {
                Arrival { delta, sender: from, author: from, envelope: *envelope }
            }
            Some(GossipFrame::Claimed { from, author, delta, envelope }) => {
                Arrival { delta, sender: from, author, envelope: *envelope }
            }
            Some(GossipFrame::Request { from, wanted }) => return self.answer(NodeId::new(from), &wanted),
            None => return self.world.book().count().gossip.rejected("decode"),
        };
        if self.world.is_byzantine(id) {
            self.replay(&arrival);
            #[cfg(calimero_user_storage)]
            self.push_unowned(&arrival);
        }
        let production = self.world.holds_deltas_as_production();
        // A sealed delta goes to calimero's own gossip handler, which buffers by the same
        // NodeState the manager's snapshot sync sets: a second buffer here would hold it twice.
        let calimero_buffers = production && arrival.envelope.sealed.is_some();
        let busy = !calimero_buffers && self.world.registry().get(id).is_some_and(|n| n.holds_deltas(production));
        let origin = NodeId::new(arrival.sender);
        self.world.trace().record(TraceKind::DeltaReceived { node: id, origin, buffered: busy });
        if busy {
            self.world.with_node(id, |n| n.buffer(arrival));
            self.world.book().count().gossip.deltas_buffered += 1;
        } else {
            self.deliver(arrival);
        }
    }

    /// Applies what was buffered, once the node no longer holds deltas.
    pub(crate) fn drain(&self) {
        let id = self.id;
        let production = self.world.holds_deltas_as_production();
        let buffered = self.world.with_node(id, |n| n.drain(production)).unwrap_or_default();
        for arrival in buffered {
            self.deliver(arrival);
        }
    }

    /// Asks again for what `id`'s pending deltas wait for (at each sync tick: a request can be lost).
    pub(crate) fn ask_for_missing(&self) {
        let id = self.id;
        if self.world.production_path() {
            self.world.with_node(id, |n| n.send_delta_job(DeltaJob::AskMissing));
            return;
        }
        let asks = self.world.registry().get(id).map(|n| n.causal().wanted()).unwrap_or_default();
        for (peer, wanted) in asks {
            self.request_deltas(NodeId::new(peer), wanted);
        }
    }

    /// Asks `peer` for the deltas `wanted`, over the router.
    fn request_deltas(&self, peer: NodeId, wanted: Vec<[u8; 32]>) {
        let id = self.id;
        let Some(address) = self.world.registry().get(peer).map(Node::gossip_address) else { return };
        let frame = GossipFrame::Request { from: id.get(), wanted };
        if gossip::send(self.world.router(), id, &frame, &[(peer, address)]).is_some() {
            self.world.book().count().gossip.delta_requests += 1;
        }
    }

    /// In causal order: the DAG applies `delta` if its parents are in, then whatever it
    /// unblocked; otherwise it holds it and the node asks `sender` for what it waits on.
    /// Duplicates are dropped. The `envelope` goes to production's delta store (the model has
    /// no use for it).
    fn deliver(&self, arrival: Arrival) {
        let id = self.id;
        let Arrival { delta, sender, author, envelope } = arrival;
        if self.world.production_path() {
            let (from, author) = (NodeId::new(sender), NodeId::new(author));
            self.world.with_node(id, |n| n.send_delta_job(DeltaJob::Remote { delta, from, author, envelope }));
            return;
        }
        let Some(offered) = self.world.with_node(id, |n| n.causal_mut().offer(delta, sender)) else { return };
        match offered {
            Offered::Duplicate => self.world.book().count().gossip.deltas_duplicate += 1,
            Offered::Pending => {
                self.world.book().count().gossip.deltas_pending += 1;
                self.ask_for_missing();
            }
            Offered::Released(deltas) => {
                for delta in &deltas {
                    self.apply_delta(delta);
                }
            }
        }
    }

    /// Applies a delta's actions in order; the first that fails rejects the rest. The delta still
    /// counts as applied: calimero's delta store marks a delta it executed, whatever its outcome.
    fn apply_delta(&self, delta: &Delta) {
        let id = self.id;
        let Some(node) = self.world.node(id) else { return };
        match delta.payload.iter().try_for_each(|action| node.storage().apply_remote(action.clone())) {
            Ok(()) => {
                self.world.with_node(id, Node::mutated);
                self.world.book().count().gossip.deltas_applied += 1;
            }
            // A delta can legitimately fail here, e.g. a delete for an entity this node never got;
            // sync repairs what gossip could not. Counted, never silent.
            Err(_) => self.world.book().count().gossip.rejected("apply"),
        }
    }

    /// `peer` asked `id` for deltas: send the ones `id` holds, straight to `peer`.
    fn answer(&self, peer: NodeId, wanted: &[[u8; 32]]) {
        let id = self.id;
        let (found, address): (Vec<Delta>, _) = {
            let nodes = self.world.registry();
            let (Some(target), Some(me)) = (nodes.get(peer), nodes.get(id)) else { return };
            (self.logged(me, wanted), target.gossip_address())
        };
        // The rows a node serves carry no events (production's own responder sends none), nor a
        // signature: this frame answers only on the model path or on releases before signing.
        for delta in found {
            let frame = GossipFrame::Delta { from: id.get(), delta };
            if gossip::send(self.world.router(), id, &frame, &[(peer, address.clone())]).is_some() {
                self.world.book().count().gossip.deltas_resent += 1;
            }
        }
    }

    /// The deltas of `wanted` that `me` holds applied: production's persisted rows, or the
    /// model's book.
    fn logged(&self, me: &Node, wanted: &[[u8; 32]]) -> Vec<Delta> {
        #[cfg(calimero_node_path)]
        if self.world.production_path() {
            return crate::protocols::applied_deltas(me.sim().storage(), wanted);
        }
        me.causal().logged(wanted)
    }

    /// Production's node path: the operation is committed as production's execute commits it
    /// (row and heads persisted), handed to the node's delta store, and broadcast — with one
    /// event when the node's apps emit events (`--app-events`), as production's broadcast
    /// carries them (its own row keeps none).
    #[cfg(calimero_node_path)]
    fn gossip_committed(&self, actions: &[Action]) {
        let id = self.id;
        let Some(node) = self.world.node(id) else { return };
        let (delta, signature) = match crate::protocols::commit_signed(node.storage(), actions) {
            Ok(committed) => committed,
            Err(_) => return self.world.book().count().gossip.rejected("commit"),
        };
        self.world.with_node(id, |n| n.send_delta_job(DeltaJob::Local(delta.clone())));
        let events = if self.world.options().node.app_events { crate::protocols::events(&["Changed"]) } else { None };
        #[cfg(calimero_gossip_handler)]
        let sealed = crate::protocols::seal(node.storage(), &delta, events.clone());
        #[cfg(not(calimero_gossip_handler))]
        let sealed = None;
        self.world.book().authored(delta.id, id, delta.parents.clone());
        self.broadcast(delta, Envelope { events, signature, sealed });
    }
}
