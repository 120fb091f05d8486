//! A node's life inside the simulation, modelled on calimero-node's sync manager: a periodic
//! sync timer picks a peer, asks it for its DAG heads, builds both handshakes for
//! `select_protocol`, and runs the chosen protocol as initiator; an acceptor answers DAG-heads
//! requests and serves protocol sessions as responder; a gossip receiver applies peers' deltas.
//! All of them run as tasks of the node's madsim node, so a crash drops them — and their
//! streams — at once, while the store (in the World) survives.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::buggify::BuggifyPoint;
use super::gossip::next_frame;
use super::life::Cause;
use super::node::{Inbound, Node};
use super::session::Responder;
use super::NodeCtx;
use super::World;
use crate::error::StorageError;
use crate::ids::NodeId;
use crate::protocols::{Handshakes, Session};
use crate::seed::{self, Stream};
use crate::trace::TraceKind;
use crate::transport::SimStream;

impl World {
    /// Adds a node whose sync loop, acceptor and gossip receiver run as tasks of a madsim node of
    /// its own. Must be called inside the simulation.
    pub(crate) fn spawn_node(self: &Arc<Self>, name: &str) -> Result<NodeId, StorageError> {
        let id = self.registry().next_id();
        let node = self.new_node(id, name)?;
        self.registry().push(Node::new(node));
        let incarnations = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let world = Arc::clone(self);
        let handle = madsim::runtime::Handle::current()
            .create_node()
            .name(name)
            .init(move || {
                let incarnation = incarnations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                node_main(Arc::clone(&world), id, incarnation)
            })
            .build();
        self.with_node(id, |n| n.set_madsim_id(handle.id()));
        Ok(id)
    }
}

/// Entry point of a node's madsim task; re-run from scratch on restart.
async fn node_main(world: Arc<World>, id: NodeId, incarnation: u64) {
    if incarnation > 0 {
        world.resume_app(id);
    }
    let (tx, rx) = unbounded_channel();
    let Some(gossip) = world.with_node(id, |n| {
        n.set_acceptor(tx);
        n.gossip_mailbox()
    }) else {
        return;
    };
    #[cfg(calimero_node_path)]
    let manager = match world.production_path() {
        true => world.production_manager(id),
        false => None,
    };
    #[cfg(calimero_node_path)]
    if let Some(manager) = &manager {
        let (jobs, inbox) = unbounded_channel();
        world.with_node(id, |n| n.set_delta_process(jobs));
        let process = super::delta_process::delta_process(Arc::clone(&world), id, Arc::clone(manager), inbox);
        madsim::task::spawn_local(process);
    }
    #[cfg(not(calimero_node_path))]
    let manager: Option<Manager> = None;
    madsim::task::spawn_local(acceptor(Arc::clone(&world), id, rx, manager.clone()));
    let receiver = Arc::clone(&world);
    madsim::task::spawn_local(async move {
        while let Some(frame) = next_frame(&gossip).await {
            if let Some(mut rng) = receiver.at(id).buggify(BuggifyPoint::DelayedGossip) {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(1..=1_000))).await;
            }
            receiver.at(id).receive_delta(&frame);
        }
    });
    sync_loop(world, id, incarnation, manager).await;
}

/// Production's `SyncManager` for a node's incarnation (production's node path only).
#[cfg(calimero_node_path)]
type Manager = Arc<crate::protocols::ProductionResponder>;
/// A build without production's node path has none.
#[cfg(not(calimero_node_path))]
#[derive(Clone)]
enum Manager {}

async fn acceptor(world: Arc<World>, id: NodeId, mut inbox: UnboundedReceiver<Inbound>, manager: Option<Manager>) {
    while let Some(Inbound { mut stream }) = inbox.recv().await {
        let world = Arc::clone(&world);
        #[cfg(calimero_node_path)]
        if let Some(manager) = manager.clone() {
            // Production's node path: every inbound stream goes to the manager's own dispatch.
            madsim::task::spawn_local(async move {
                world.serve_production(id, &manager, stream).await;
                world.at(id).drain();
            });
            continue;
        }
        #[cfg(not(calimero_node_path))]
        let _ = &manager;
        madsim::task::spawn_local(async move {
            let Some(node) = world.node(id) else { return };
            if let Some(mut rng) = world.at(id).buggify(BuggifyPoint::EarlyClose) {
                stream.close_after_sends(rng.gen_range(0..4));
            }
            world.at(id).maybe_slow(&mut stream);
            let sid = stream.stream_id();
            let heads = || world.heads_answer(&node);
            let enter = || world.with_node(id, |n| n.enter_session(sid));
            let hc = world.options().node.hc_responder;
            let outcome = Session::serving_half(&mut stream, node.storage(), hc, heads, enter).await;
            world.at(id).drain();
            // A DAG-heads answer is not a session; only a protocol's outcome (or a failure) is booked.
            match outcome {
                Ok(None) => {}
                Ok(Some(protocol)) => world.responder_finished(&Ok(protocol)),
                Err(e) => world.responder_finished(&Err(e)),
            }
        });
    }
}

async fn sync_loop(world: Arc<World>, id: NodeId, incarnation: u64, manager: Option<Manager>) {
    let config = world.options().node.clone();
    // Each incarnation of each node has its own timer stream, all derived from the run's seed.
    let mut rng = seed::rng(world.seed(), Stream::SyncTimer { node: id.get(), incarnation });
    let mut mid_merge = seed::rng(world.seed(), Stream::MidMerge { node: id.get(), incarnation });
    // A node's timer starts somewhere in its first period, as nodes started at different times
    // do: lined-up timers make every node's first sessions overlap, and overlapping sessions are
    // the ones the session oracles cannot judge.
    let mut wait = rng.gen_range(Duration::ZERO..=config.sync_interval);
    // Production's tick chooses when and with whom the node syncs, from the end of the node's
    // first period on (as merosim's would, after the scenario's state is in); this loop then only
    // asks for missing parents and applies what waited.
    #[cfg(calimero_node_path)]
    let (production_tick, mut tick_pending) = match (&manager, config.tick) {
        (Some(manager), crate::protocols::Tick::Production) => (true, Some(Arc::clone(manager))),
        _ => (false, None),
    };
    loop {
        tokio::time::sleep(wait).await;
        let jitter = if config.sync_jitter.is_zero() {
            Duration::ZERO
        } else {
            rng.gen_range(Duration::ZERO..=config.sync_jitter)
        };
        wait = config.sync_interval + jitter;
        if world.at(id).buggify(BuggifyPoint::SkipTick).is_some() {
            continue;
        }
        world.at(id).ask_for_missing();
        #[cfg(calimero_node_path)]
        if production_tick {
            if let Some(manager) = tick_pending.take() {
                let world = Arc::clone(&world);
                madsim::task::spawn_local(async move { world.production_tick(id, &manager).await });
            }
            world.at(id).drain();
            continue;
        }
        let peers = world.at(id).live_peers();
        if peers.is_empty() {
            world.trace().record(TraceKind::SyncTick { node: id, peer: None, selected: "none" });
            continue;
        }
        let peer = peers[rng.gen_range(0..peers.len())].clone();
        let Some(me) = world.node(id) else { return };
        // Production asks the peer for its root and DAG heads first; with no answer there is no
        // sync with that peer this tick (`query_peer_dag_state` gives `None`).
        let answer = match config.handshakes {
            Handshakes::Production => match world.ask_heads(&me, &peer).await {
                Some(answer) => Some(answer),
                None => continue,
            },
            Handshakes::FullTree => None,
        };
        let plan = match &answer {
            Some(answer) => world.plan_answered(&me, answer),
            None => world.plan(id, peer.id()),
        };
        let Ok(plan) = plan else { continue };
        world.trace().record(TraceKind::SyncTick { node: id, peer: Some(peer.id()), selected: plan.selected });
        #[cfg(calimero_node_path)]
        if let (Some(manager), true) = (&manager, plan.fallback && plan.selected != "delta-sync") {
            // Production's manager bootstraps a node without state with a snapshot sync (what
            // snapshot, bloom-filter and subtree-prefetch lead to there); it runs, not a stand-in.
            let plan = crate::protocols::SyncPlan { run: None, fallback: false, ..plan };
            world.book().count().planned(id, peer.id(), &plan);
            world.snapshot(id, manager, peer.id()).await;
            world.at(id).drain();
            continue;
        }
        #[cfg(not(calimero_node_path))]
        let _ = &manager;
        world.book().count().planned(id, peer.id(), &plan);
        let Some(protocol) = plan.run else { continue };

        let mut session = Session::new(protocol).with_options(config.session.clone());
        if let Some((root, _)) = answer {
            // The initiator targets the root the peer answered with, a round trip old.
            session = session.with_handshake_root(root);
        }
        let crash = world.mid_merge_crash(&mut mid_merge).map(|(initiator, after)| {
            let victim = if initiator { id } else { peer.id() };
            (victim, after, world.downtime(&mut mid_merge))
        });
        let prepare = |near: &mut SimStream, far: &mut SimStream| {
            world.at(id).maybe_slow(near);
            if let Some((victim, after, downtime)) = crash {
                let end = if victim == id { near } else { far };
                let world = Arc::clone(&world);
                let cause = Cause::Fault { restart_after: Some(downtime) };
                end.on_receive(after, Box::new(move || world.crash(victim, cause)));
            }
        };
        world.drive(&session, &me, &peer, Responder::Acceptor, prepare).await;
        world.at(id).drain();
    }
}

impl NodeCtx<'_> {
    /// The slow-apply buggify point on one end of a session: each frame it receives waits a
    /// drawn while before the protocol gets it.
    pub(super) fn maybe_slow(&self, end: &mut SimStream) {
        if let Some(mut rng) = self.buggify(BuggifyPoint::SlowApply) {
            let healed = self.world.healed_cell();
            end.with_pacing(Box::new(move || {
                let slow = healed.get().is_none() && rng.gen_bool(0.5);
                slow.then(|| Duration::from_millis(rng.gen_range(1..=200)))
            }));
        }
    }
}
