//! Production's node path, the parts that speak to peers: each node's `SyncManager` (built once
//! per incarnation, on the node) serves every inbound stream through its own dispatch,
//! `handle_opened_stream`, and bootstraps a node without state with `request_snapshot_sync`. Its
//! streams to peers go through the network manager's stand-in: a `SimStream` through the router,
//! handed to the peer's acceptor and carried as a calimero `Stream` at both ends.
//!
//! What stays merosim's by default: who runs a tick and whom it picks (the sync loop), and the
//! HashComparison/LevelWise initiator the loop drives over a `SimStream` (its half is the
//! protocol's `run_initiator`, unchanged). With `--tick production` only the timer is: each tick
//! is the manager's `perform_interval_sync`.

use std::sync::{Arc, Weak};

use libp2p_identity::PeerId;
use rand::Rng;

use super::buggify::BuggifyPoint;
use super::node::{Held, Inbound, Node};
use super::World;
use crate::ids::NodeId;
use crate::protocols::{carried, first_request, message_name, peer_id, Dialer, ProductionResponder, TickResult};
use crate::trace::TraceKind;
use crate::transport::{RawFrame, SimStream};

/// Streams a node's manager opens, as the cluster routes them.
struct ClusterDialer {
    world: Weak<World>,
    me: NodeId,
}

impl Dialer for ClusterDialer {
    fn dial(&self, peer: PeerId) -> Option<SimStream> {
        let world = self.world.upgrade()?;
        let peer = world.node_of_peer(peer)?;
        let acceptor = world.registry().get(peer).and_then(Node::acceptor)?;
        let budget = world.options().node.session.recv_timeout;
        let (near, far) = SimStream::pair_for(world.router(), self.me, peer, "manager");
        let end = |s: SimStream| s.with_recv_timeout(budget).with_namer(message_name);
        acceptor.send(Inbound { stream: end(far) }).ok()?;
        Some(end(near))
    }

    fn peers(&self) -> Vec<PeerId> {
        let Some(world) = self.world.upgrade() else { return Vec::new() };
        let nodes = world.registry();
        nodes.iter().filter(|n| n.id() != self.me && n.is_live()).map(|n| peer_id(n.id().get())).collect()
    }

    fn local(&self) -> PeerId {
        peer_id(self.me.get())
    }
}

/// The session count an inbound stream holds on its node: let go when the dispatch returns, or,
/// for a stream the dispatch handed to production's session actor, when the stream has ended too.
struct Serving {
    session: Option<Held>,
    handed: bool,
    ended: bool,
}

impl Serving {
    fn ended(&mut self) {
        self.ended = true;
        if self.handed {
            self.session = None;
        }
    }

    fn returned(&mut self, handed: bool) {
        self.handed = handed;
        if !handed || self.ended {
            self.session = None;
        }
    }
}

impl World {
    /// Node `id`'s `SyncManager` for this incarnation, on the current madsim node (its context
    /// and network stand-ins run there, and die with it).
    pub(super) fn production_manager(self: &Arc<Self>, id: NodeId) -> Option<Arc<ProductionResponder>> {
        let node = self.node(id)?;
        let dialer = Arc::new(ClusterDialer { world: Arc::downgrade(self), me: id });
        let tick_every = self.options().node.sync_interval;
        match ProductionResponder::with_dialer(node.storage(), dialer, tick_every) {
            Ok(manager) => Some(Arc::new(manager)),
            // Never silent: the node then runs without production's manager (merosim's dispatch,
            // no delta store), and the report says so.
            Err(_) => {
                *self.book().count().refused.entry("production manager (not built)").or_default() += 1;
                None
            }
        }
    }

    fn node_of_peer(&self, peer: PeerId) -> Option<NodeId> {
        self.registry().iter().map(Node::id).find(|id| peer_id(id.get()) == peer)
    }

    /// Serves one inbound stream on `id` through production's dispatch. Its first frame is read
    /// here (within one receive budget) only to keep merosim's books: a DAG-heads request is not
    /// a session; any other request holds the node's session count while it is served, as
    /// merosim's own responders do.
    pub(super) async fn serve_production(
        self: &Arc<Self>,
        id: NodeId,
        manager: &ProductionResponder,
        mut stream: SimStream,
    ) {
        let Some(node) = self.node(id) else { return };
        // The acceptor's buggify points, as on merosim's own responders.
        if let Some(mut rng) = self.at(id).buggify(BuggifyPoint::EarlyClose) {
            stream.close_after_sends(rng.gen_range(0..4));
        }
        self.at(id).maybe_slow(&mut stream);
        if self.is_byzantine(id) {
            let seed = self.with_node(id, |n| n.adversary(self.seed()).draw()).unwrap_or_default();
            let world = Arc::downgrade(self);
            let told = move |lie| {
                if let Some(world) = world.upgrade() {
                    *world.book().count().gossip.lies.entry(lie).or_default() += 1;
                }
            };
            stream.with_rewrite(crate::protocols::liar(seed, told));
        }
        let budget = stream.recv_budget();
        let first = match tokio::time::timeout(budget, stream.recv_raw()).await {
            Ok(RawFrame::Frame(frame)) => frame,
            _ => return,
        };
        let request = first_request(&first);
        let sid = stream.stream_id();
        let session = match request {
            Some("DagHeadsRequest") | None => None,
            Some(_) => self.with_node(id, |n| n.enter_session(sid)),
        };
        let peer = stream.peer();
        let Some(dialer) = self.node(peer).map(|n| n.storage().identity()) else { return };
        let (calimero, relay) = carried(stream, Some(first));
        // Held while the node serves: until the dispatch returns, or, once production's session
        // actor serves it (`--tick production`), until the stream ends as well.
        let serving = Arc::new(std::sync::Mutex::new(Serving { session, handed: false, ended: false }));
        let relayed = Arc::clone(&serving);
        madsim::task::spawn_local(async move {
            relay.await;
            relayed.lock().map(|mut s| s.ended()).ok();
        });
        // calimero's dispatch keeps its own outcome (it logs and answers `OpaqueError`); what
        // merosim books is a stream it could not hand over.
        let served = manager.serve_stream(node.storage(), peer_id(peer.get()), dialer, calimero).await;
        serving.lock().map(|mut s| s.returned(served.as_ref().is_ok_and(|handed| *handed))).ok();
        if let Err(e) = served {
            self.responder_finished(&Err(e));
        }
    }

    /// Production's tick on node `id` (`--tick production`): its `SyncManager::start` and session
    /// actor, which choose when and with whom the node syncs; runs until the node dies. Each
    /// session's result is booked (`production-tick`, by the protocol that ran, or failed) and
    /// traced as the tick that ran it. A node whose tick cannot start says so in the report.
    pub(super) async fn production_tick(self: &Arc<Self>, id: NodeId, manager: &ProductionResponder) {
        let Some(node) = self.node(id) else { return };
        // merosim's empty store holds a root entity; production's fresh context holds nothing.
        node.storage().clear_if_fresh();
        let world = Arc::downgrade(self);
        let mut root = node.storage().root_hash().ok();
        let on_result = move |result: TickResult| {
            let Some(world) = world.upgrade() else { return };
            let Some(node) = world.node(id) else { return };
            let peer = world.node_of_peer(result.peer);
            let selected = *result.outcome.as_ref().unwrap_or(&"failed");
            world.trace().record(TraceKind::SyncTick { node: id, peer, selected });
            let now = node.storage().root_hash().ok();
            if now != root {
                root = now;
                world.with_node(id, Node::mutated);
            }
            world.with_node(id, Node::ticked);
            let mut book = world.book();
            let _ = book.count().whole_started("production-tick");
            book.count().whole_finished("production-tick", result.outcome.as_ref().map(drop));
            if let Ok(protocol) = result.outcome {
                book.count().selected(protocol);
            }
        };
        if manager.tick(node.storage(), on_result).await.is_err() {
            *self.book().count().refused.entry("production tick (not started)").or_default() += 1;
        }
    }

    /// Bootstraps `id` from `peer` as production bootstraps a node without state (the manager's
    /// own sync with that peer, `ProductionResponder::bootstrap`), booked as a `snapshot` session.
    pub(super) async fn snapshot(&self, id: NodeId, manager: &ProductionResponder, peer: NodeId) {
        let Some(node) = self.node(id) else { return };
        let sid = self.book().count().whole_started("snapshot");
        self.trace().record(TraceKind::SessionStart {
            stream: sid,
            initiator: id,
            responder: peer,
            protocol: "snapshot",
        });
        let _session = self.with_node(id, |n| (n.enter_session(sid), n.enter_snapshot()));
        // merosim's empty store holds a root entity; production's fresh context holds nothing.
        node.storage().clear_if_fresh();
        let outcome = manager.bootstrap(node.storage(), peer_id(peer.get())).await;
        if outcome.is_ok() {
            self.with_node(id, Node::mutated);
        }
        self.book().count().whole_finished("snapshot", outcome.as_ref().map(drop));
        let outcome = match &outcome {
            Ok(protocol) => format!("ok ({protocol})"),
            Err(e) => format!("failed:{} ({e})", e.kind()),
        };
        self.trace().record(TraceKind::SessionEnd { stream: sid, initiator: id, responder: peer, outcome });
    }
}
