//! A stand-in for calimero's network manager actor (libp2p), run without actix-rt like the
//! context manager's (`context_actor`): production's sync code opens streams through
//! `NetworkClient::open_stream` and asks `subscribed_peers`; here a stream to a peer is a
//! [`SimStream`] through the router, handed to the peer's acceptor, and carried as a calimero
//! `Stream` by a relay (`relay`). This is the transport merosim substitutes by design; every
//! byte on it is calimero's.
//!
//! A publish is answered with an error: the one production's gossip handler sends (a hash
//! heartbeat after it applied a peer's delta) goes nowhere, as merosim raises no heartbeats, and
//! calimero ignores the failure. Every other `NetworkMessage` (dial, …) is dropped unanswered, which calimero's
//! client turns into a panic ("Mailbox not to be dropped"): a run that meets one breaks with
//! that line, and the message gets an answer here.

use std::sync::Arc;

use actix::{Actor, Context, Handler};
use calimero_network_primitives::messages::NetworkMessage;
use calimero_utils_actix::LazyRecipient;
use libp2p_identity::PeerId;

use crate::transport::SimStream;

/// What the network knows of the cluster, from the node's side: how to reach a peer and who is
/// there.
pub trait Dialer: Send + Sync + 'static {
    /// A stream to `peer` whose other end its node's acceptor now holds; `None` when the peer
    /// is unknown or down (the dial fails, as libp2p's would).
    fn dial(&self, peer: PeerId) -> Option<SimStream>;
    /// The peers subscribed to the context: every other node that is up.
    fn peers(&self) -> Vec<PeerId>;
    /// This node's own id (what its proofs of possession bind to, from 0.11.0-rc.10).
    #[cfg_attr(not(calimero_init_pop), allow(dead_code, reason = "only releases that sign ask for it"))]
    fn local(&self) -> PeerId;
}

struct NetworkManager {
    dialer: Arc<dyn Dialer>,
}

impl Actor for NetworkManager {
    type Context = Context<Self>;
}

impl Handler<NetworkMessage> for NetworkManager {
    type Result = ();

    fn handle(&mut self, msg: NetworkMessage, _ctx: &mut Context<Self>) {
        match msg {
            NetworkMessage::OpenStream { request, outcome } => {
                let opened = match self.dialer.dial(request.0) {
                    Some(sim) => {
                        let (stream, relay) = super::relay::carried(sim, None);
                        madsim::task::spawn_local(relay);
                        Ok(stream)
                    }
                    None => Err(eyre::eyre!("peer {} unreachable", request.0)),
                };
                let _ = outcome.send(opened);
            }
            NetworkMessage::SubscribedPeers { outcome, .. } => {
                let _ = outcome.send(self.dialer.peers());
            }
            NetworkMessage::MeshPeers { outcome, .. } => {
                let _ = outcome.send(self.dialer.peers());
            }
            // Counted by the tick's peer discovery when the mesh looks empty (rc.25's fallback);
            // every live node is connected and in the mesh. A message left unanswered panics
            // calimero's client ("Mailbox not to be dropped").
            NetworkMessage::PeerCount { outcome, .. } => {
                let _ = outcome.send(self.dialer.peers().len());
            }
            NetworkMessage::MeshPeerCount { outcome, .. } => {
                let _ = outcome.send(self.dialer.peers().len());
            }
            // The manager asks once, for the `PeerId` it signs its proofs of possession over.
            #[cfg(calimero_init_pop)]
            NetworkMessage::NetworkStatus { outcome, .. } => {
                use calimero_network_primitives::network_status::{
                    AutonatEntry, NetworkStatusSnapshot, ReachabilityKind,
                };
                let _ = outcome.send(NetworkStatusSnapshot {
                    local_peer_id: self.dialer.local(),
                    listen_addrs: Vec::new(),
                    external_addrs: Vec::new(),
                    relays: Vec::new(),
                    rendezvous: Vec::new(),
                    direct_upgrades: Vec::new(),
                    autonat: AutonatEntry { reachability: ReachabilityKind::Unknown, last_test: None },
                });
            }
            NetworkMessage::Publish { outcome, .. } => {
                let _ = outcome
                    .send(Err(eyre::eyre!("merosim delivers no gossipsub publish (heartbeats are not simulated)")));
            }
            _ => {}
        }
    }
}

/// Starts the stand-in on the current madsim node and hands back the recipient calimero's
/// `NetworkClient` is built with, already resolved.
pub fn network_manager(dialer: Arc<dyn Dialer>) -> LazyRecipient<NetworkMessage> {
    let recipient = LazyRecipient::new();
    let mut ctx = Context::new();
    let _ = recipient.init(&mut ctx);
    madsim::task::spawn_local(ctx.into_future(NetworkManager { dialer }));
    recipient
}
