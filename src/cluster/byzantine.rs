//! A Byzantine member: a node that joins a run beside the scenario's own (`mallory`), runs
//! calimero's code for its own state, makes no app call of its own, and lies to its peers
//! (`NodeFaults::byzantine`). It is a member, so it holds what members hold: the group key,
//! every other member's `sender_key` (it can seal a delta as anyone's), and the signatures on the
//! deltas it received. Half of the honest deltas that reach it, it relays at once to the other
//! honest nodes, each relay one lie drawn from its own seeded stream:
//!
//! - **forged author**: the delta as another honest member's, sealed under that member's key,
//!   carrying its real author's signature (upstream's forged-author case, #3121; calimero
//!   #2971 took it whenever the envelope was unsigned);
//! - **copied signature**: the delta as its author's, carrying the signature that author put
//!   on an earlier delta (upstream's copied signature on a new delta id);
//! - **emptied parents**: the delta as its author's, genuine key and signature, with no parents
//!   (#3540), which nothing rejects before calimero recomputes the id on receive (#3547);
//! - **swapped parents**: the same, on the last delta it received instead of its own parents
//!   (upstream's swapped-parents case; a parentless delta is refused on its own from rc.25,
//!   #3565, a swapped one only by the recomputed id).
//!
//! Where deltas carry a member's signed `UserStorage` write, half of them also make it push a
//! write into a member's slot, tampered or squatted (`crdt::forge`), as a delta it authors.
//!
//! Its DAG-heads and tree-node answers are rewritten on the way out (`protocols::lies`).
//!
//! Honest nodes take all of it through calimero's own code. The oracles judge them only
//! (`World::live_nodes`), and the forgery oracle (`check/forgery.rs`) holds the delta rows they
//! persisted to what each author committed.

use std::collections::BTreeMap;
use std::sync::Weak;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::gossip::{self, Arrival, Delta, Envelope, GossipFrame};
use super::NodeCtx;
use crate::ids::NodeId;
use crate::net::mailbox::Mailbox;
use crate::seed::{self, Stream};

/// What a Byzantine member keeps to lie with.
pub(crate) struct Adversary {
    rng: ChaCha8Rng,
    /// The last envelope signature each author put on a delta this node received.
    signatures: BTreeMap<u32, [u8; 64]>,
    /// The last delta this node received: the parent a swapped-parents relay names.
    last: Option<[u8; 32]>,
    /// How many slot writes it forged (numbers each forged value).
    #[cfg_attr(not(calimero_user_storage), allow(dead_code, reason = "only builds that drive User storage forge"))]
    forged: u32,
}

impl Adversary {
    pub fn new(run_seed: u64, node: u32) -> Self {
        Adversary {
            rng: seed::rng(run_seed, Stream::Byzantine { node }),
            signatures: BTreeMap::new(),
            last: None,
            forged: 0,
        }
    }

    /// A seed for the liar that answers one stream.
    #[cfg_attr(
        not(calimero_node_path),
        allow(dead_code, reason = "only production's node path answers through a liar")
    )]
    pub fn draw(&mut self) -> u64 {
        self.rng.gen()
    }
}

/// One relay's lie.
#[derive(Clone, Copy)]
enum Lie {
    ForgedAuthor,
    CopiedSignature,
    EmptiedParents,
    SwappedParents([u8; 32]),
}

impl Lie {
    fn name(self) -> &'static str {
        match self {
            Lie::ForgedAuthor => "forged author",
            Lie::CopiedSignature => "copied signature",
            Lie::EmptiedParents => "emptied parents",
            Lie::SwappedParents(_) => "swapped parents",
        }
    }
}

impl NodeCtx<'_> {
    /// The honest nodes other than this one and `but`, with their gossip addresses.
    fn honest_peers(&self, but: &[NodeId]) -> Vec<(NodeId, Weak<Mailbox>)> {
        let nodes = self.world.registry();
        let honest = |n: NodeId| n != self.id && !but.contains(&n) && !self.world.is_byzantine_among(&nodes, n);
        nodes.iter().filter(|n| honest(n.id())).map(|n| (n.id(), n.gossip_address())).collect()
    }

    /// A peer's delta reached a Byzantine member: it keeps the signature, and half the time
    /// relays the delta with a lie (see the module) to every honest node but its sender and author.
    pub(super) fn replay(&self, arrival: &Arrival) {
        let (id, seed) = (self.id, self.world.seed());
        let author = NodeId::new(arrival.author);
        if self.world.is_byzantine(author) {
            return;
        }
        let others: Vec<NodeId> = self.honest_peers(&[author]).into_iter().map(|(n, _)| n).collect();
        let drawn = self.world.with_node(id, |n| {
            let adversary = n.adversary(seed);
            let earlier = match arrival.envelope.signature {
                Some(signature) => adversary.signatures.insert(arrival.author, signature),
                None => adversary.signatures.get(&arrival.author).copied(),
            }
            .filter(|earlier| Some(*earlier) != arrival.envelope.signature);
            let last = adversary.last.replace(arrival.delta.id).filter(|l| !arrival.delta.parents.contains(l));
            if !adversary.rng.gen_bool(0.5) {
                return None;
            }
            let lie = match (adversary.rng.gen_range(0..4), earlier, last) {
                (0, ..) => Lie::ForgedAuthor,
                (1, Some(_), _) => Lie::CopiedSignature,
                (1, None, _) => Lie::ForgedAuthor,
                (2, _, Some(other)) => Lie::SwappedParents(other),
                _ => Lie::EmptiedParents,
            };
            let claimed = match lie {
                Lie::ForgedAuthor => others.choose(&mut adversary.rng).copied()?,
                _ => author,
            };
            Some((lie, claimed, earlier))
        });
        let Some((lie, claimed, earlier)) = drawn.flatten() else { return };
        let mut delta = arrival.delta.clone();
        let mut envelope = arrival.envelope.clone();
        match lie {
            Lie::ForgedAuthor => {}
            Lie::CopiedSignature => envelope.signature = earlier,
            Lie::EmptiedParents | Lie::SwappedParents(_) if delta.parents.is_empty() => return,
            Lie::EmptiedParents => delta.parents.clear(),
            Lie::SwappedParents(other) => delta.parents = vec![other],
        }
        let envelope = self.sealed_as(claimed, &delta, envelope);
        let targets = self.honest_peers(&[author, NodeId::new(arrival.sender)]);
        if targets.is_empty() {
            return;
        }
        let frame = GossipFrame::Claimed { from: id.get(), author: claimed.get(), delta, envelope: Box::new(envelope) };
        if let Some(sent) = gossip::send(self.world.router(), id, &frame, &targets) {
            *self.world.book().count().gossip.lies.entry(lie.name()).or_default() += sent;
        }
    }

    /// A peer's delta carrying a member's signed User-owned write reached a Byzantine member:
    /// half the time it pushes a write of its own into a member's slot, tampered (its owner's
    /// signature from this delta on another value) or squatted (stored as its own, which it
    /// signs, and keeps), as a delta it authors (`crdt::forge`). The coin is only tossed for such deltas,
    /// so runs without User storage keep every draw they had.
    #[cfg(calimero_user_storage)]
    pub(super) fn push_unowned(&self, arrival: &Arrival) {
        use crate::crdt::{CollectionKind, SlotForgery};
        use crate::store::NodeKeys;

        let (id, seed) = (self.id, self.world.seed());
        let Some((owner, signature)) = crate::crdt::signed_slot(&arrival.delta.payload) else { return };
        let Some(layout) = self.world.layout() else { return };
        let Some(collection) =
            layout.collections().find(|(_, k)| *k == CollectionKind::User).map(|(n, _)| n.to_owned())
        else {
            return;
        };
        let Some(storage) = self.world.node(id).map(|n| n.storage().clone()) else { return };
        let forger = NodeKeys::new(id.get()).signing_key();
        if owner == forger {
            return;
        }
        let members: Vec<_> =
            self.honest_peers(&[]).into_iter().map(|(n, _)| NodeKeys::new(n.get()).signing_key()).collect();
        let drawn = self.world.with_node(id, |n| {
            let adversary = n.adversary(seed);
            if !adversary.rng.gen_bool(0.5) {
                return None;
            }
            adversary.forged += 1;
            let forgery = match adversary.rng.gen_bool(0.5) {
                true => SlotForgery::Tampered { member: owner, signature },
                false => SlotForgery::Squatted { member: *members.choose(&mut adversary.rng)?, forger },
            };
            Some((forgery, adversary.forged))
        });
        let Some((forgery, nth)) = drawn.flatten() else { return };
        let value = format!("forged.{id}.{nth}");
        let Ok(mut actions) = layout.forge_slot(&storage, &collection, forgery, &value) else {
            return self.world.book().count().gossip.rejected("forge");
        };
        if let SlotForgery::Squatted { .. } = forgery {
            if crate::protocols::sign_only(&storage, &mut actions).is_err() {
                return self.world.book().count().gossip.rejected("forge");
            }
            // She keeps the slot she took, so honest nodes also meet it by HashComparison: in her
            // answers, and in what she pushes as an initiator. calimero verifies it on her store
            // as on theirs (her signature, her ownership), or refuses it where the slot is held.
            for action in &actions {
                let _ = storage.apply_remote(action.clone());
            }
        }
        *self.world.book().count().gossip.lies.entry(forgery.name()).or_default() += 1;
        self.gossip(&actions);
    }

    /// `envelope` with `delta` sealed under `author`'s `sender_key`, where calimero's gossip
    /// handler reads sealed deltas.
    fn sealed_as(&self, author: NodeId, delta: &Delta, envelope: Envelope) -> Envelope {
        #[cfg(calimero_gossip_handler)]
        if envelope.sealed.is_some() {
            let Some(storage) = self.world.node(author).map(|n| n.storage().clone()) else { return envelope };
            let sealed = crate::protocols::seal(&storage, delta, envelope.events.clone());
            return Envelope { sealed, ..envelope };
        }
        let _ = (author, delta);
        envelope
    }
}
