//! A node's life inside the simulation, modelled on calimero-node's sync manager: a periodic
//! sync timer picks a peer, both sides' handshakes go through `select_protocol`, and the chosen
//! protocol runs as initiator; an acceptor serves inbound streams as responder. Both run as
//! tasks of the node's madsim node, so a crash drops them — and their streams — at once.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::cluster::{ActiveGuard, Cluster, Inbound};
use super::gossip;
use super::SimNode;
use crate::error::SessionError;
use crate::net::NodeId;
use crate::protocols::{initiator_half, plan, responder_half, Protocol};
use crate::trace::TraceKind;
use crate::transport::SimStream;

/// Entry point of a node's madsim task; re-run from scratch on restart.
pub(crate) async fn node_main(cluster: Arc<Cluster>, id: NodeId, incarnation: u64) {
    let (tx, rx) = unbounded_channel();
    if let Some(member) = cluster.members().get_mut(id.0 as usize) {
        member.acceptor = Some(tx);
    }
    madsim::task::spawn_local(acceptor(Arc::clone(&cluster), id, rx));
    madsim::task::spawn_local(gossip::receive(Arc::clone(&cluster), id));
    sync_loop(cluster, id, incarnation).await;
}

async fn acceptor(cluster: Arc<Cluster>, id: NodeId, mut inbox: UnboundedReceiver<Inbound>) {
    while let Some(Inbound { mut stream }) = inbox.recv().await {
        let cluster = Arc::clone(&cluster);
        madsim::task::spawn_local(async move {
            let Some(node) = cluster.node(id) else { return };
            let active = ActiveGuard::new(&cluster.active_counter(id));
            let outcome = responder_half(&mut stream, node.storage()).await;
            drop(active);
            gossip::drain(&cluster, id);
            cluster.counters().responder_finished(outcome.as_ref().err());
        });
    }
}

async fn sync_loop(cluster: Arc<Cluster>, id: NodeId, incarnation: u64) {
    let config = cluster.config.clone();
    // Each incarnation of each node has its own timer stream, all derived from the run's seed.
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ (u64::from(id.0) << 32) ^ incarnation ^ 0x7379_6e63);
    loop {
        let jitter = if config.sync_jitter.is_zero() {
            Duration::ZERO
        } else {
            rng.gen_range(Duration::ZERO..=config.sync_jitter)
        };
        tokio::time::sleep(config.sync_interval + jitter).await;
        let peers = cluster.live_peers(id);
        if peers.is_empty() {
            cluster.trace.record(TraceKind::SyncTick { node: id, peer: None, selected: "none" });
            continue;
        }
        let peer = peers[rng.gen_range(0..peers.len())].clone();
        let Some(me) = cluster.node(id) else { return };
        let (Ok(mine), Ok(theirs)) = (me.storage().summary(), peer.storage().summary()) else { continue };
        let plan = plan(&mine, &theirs);
        cluster.trace.record(TraceKind::SyncTick { node: id, peer: Some(peer.id()), selected: plan.selected });
        cluster.counters().planned(id, peer.id(), &plan);
        let Some(protocol) = plan.run else { continue };

        let active = ActiveGuard::new(&cluster.active_counter(id));
        initiate_session(&cluster, &me, &peer, protocol).await;
        drop(active);
        gossip::drain(&cluster, id);
    }
}

/// One initiator session against `peer`, from opening the stream to the responder's
/// end-of-stream, with its books kept.
async fn initiate_session(cluster: &Cluster, me: &SimNode, peer: &SimNode, protocol: Protocol) {
    let config = &cluster.config;
    let id = me.id();
    let (near, far) = SimStream::pair_for(&cluster.router, id, peer.id(), protocol.name());
    let (mut near, far) = (near.with_recv_timeout(config.recv_timeout), far.with_recv_timeout(config.recv_timeout));
    let stream = near.stream_id();
    cluster.counters().session_started(protocol, stream, id);
    cluster.trace.record(TraceKind::SessionStart {
        stream,
        initiator: id,
        responder: peer.id(),
        protocol: protocol.name(),
    });
    let accepted = cluster.acceptor(peer.id()).is_some_and(|acceptor| acceptor.send(Inbound { stream: far }).is_ok());
    let outcome = if accepted {
        let remote_root = peer.storage().root_hash().unwrap_or([0; 32]);
        initiator_half(&mut near, me.storage(), protocol, remote_root, config.session_budget).await.map(drop)
    } else {
        Err(SessionError::Unreachable)
    };
    cluster.counters().session_finished(stream, outcome.as_ref().copied());
    let outcome = match outcome {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("failed:{} ({e})", e.kind()),
    };
    cluster.trace.record(TraceKind::SessionEnd { stream, initiator: id, responder: peer.id(), outcome });
}
