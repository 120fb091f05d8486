//! A node's life inside the simulation, modelled on calimero-node's sync manager: a periodic
//! sync timer picks a peer, both sides' handshakes go through `select_protocol`, and the chosen
//! protocol runs as initiator; an acceptor serves inbound streams as responder; a gossip receiver
//! applies peers' deltas. All of them run as tasks of the node's madsim node, so a crash drops
//! them — and their streams — at once, while the store (in the World) survives.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::buggify::BuggifyPoint;
use super::gossip::next_frame;
use super::member::{ActiveGuard, Inbound, Member};
use super::session::Responder;
use super::World;
use crate::error::StorageError;
use crate::ids::{EntityId, NodeId};
use crate::protocols::{plan, Session};
use crate::seed::{self, Stream};
use crate::trace::TraceKind;
use crate::transport::SimStream;

impl World {
    /// Adds a node whose sync loop, acceptor and gossip receiver run as tasks of a madsim node of
    /// its own. Must be called inside the simulation.
    pub(crate) fn spawn_node(self: &Arc<Self>, name: &str) -> Result<NodeId, StorageError> {
        let id = NodeId(self.members().len() as u32);
        let node = self.new_node(id, name)?;
        self.members().push(Member::new(node));
        let incarnations = Arc::new(AtomicU64::new(0));
        let world = Arc::clone(self);
        let handle = madsim::runtime::Handle::current()
            .create_node()
            .name(name)
            .init(move || node_main(Arc::clone(&world), id, incarnations.fetch_add(1, Ordering::Relaxed)))
            .build();
        self.members()[id.0 as usize].madsim_id = Some(handle.id());
        Ok(id)
    }

    /// Marks `id` down: its acceptor is gone, frames to and from it drop, its sessions as
    /// initiator fail with kind `crash`, the deltas it buffered are lost. Returns the madsim node
    /// whose tasks the caller kills.
    pub(crate) fn mark_crashed(&self, id: NodeId) -> Option<madsim::task::NodeId> {
        let mut members = self.members();
        let member = &mut members[id.0 as usize];
        member.crashed = true;
        member.acceptor = None;
        // Deltas waiting for a session to end live in the process's memory: they die with it
        // (sync repairs what they carried).
        let lost = std::mem::take(&mut member.gossip.buffer).len();
        self.router().set_down(id, true);
        let mut counters = self.counters();
        counters.node_crashed(id);
        for _ in 0..lost {
            counters.delta_rejected("crash");
        }
        member.madsim_id
    }

    /// Marks `id` up again; returns the madsim node the caller restarts.
    pub(crate) fn mark_restarted(&self, id: NodeId) -> Option<madsim::task::NodeId> {
        let mut members = self.members();
        members[id.0 as usize].crashed = false;
        self.router().set_down(id, false);
        members[id.0 as usize].madsim_id
    }

    /// Keeps writing on `writer`: `count` writes, one every `every`, as a task of the writer's
    /// own madsim node (a crash stops it). Ids are `[0x77, writer, sequence…]`.
    pub(crate) fn start_writer(self: &Arc<Self>, writer: NodeId, every: Duration, count: u32) {
        let Some(madsim_id) = self.members()[writer.0 as usize].madsim_id else { return };
        let Some(node) = madsim::runtime::Handle::current().get_node(madsim_id) else { return };
        let world = Arc::clone(self);
        let running = Running::new(self.writers());
        node.spawn(async move {
            let _running = running;
            for seq in 0..count {
                tokio::time::sleep(every).await;
                let mut id: EntityId = [0; 32];
                id[0] = 0x77;
                id[1..3].copy_from_slice(&(writer.0 as u16).to_be_bytes());
                id[3..7].copy_from_slice(&seq.to_be_bytes());
                // A failed write is not gossiped; the workload carries on, as an app would.
                let _ = world.write(writer, id, format!("write-{seq}").as_bytes());
            }
        });
    }
}

/// Entry point of a node's madsim task; re-run from scratch on restart.
async fn node_main(world: Arc<World>, id: NodeId, incarnation: u64) {
    if incarnation > 0 {
        world.resume_app(id);
    }
    let (tx, rx) = unbounded_channel();
    let gossip = {
        let mut members = world.members();
        let member = &mut members[id.0 as usize];
        member.acceptor = Some(tx);
        member.gossip.mailbox()
    };
    madsim::task::spawn_local(acceptor(Arc::clone(&world), id, rx));
    let receiver = Arc::clone(&world);
    madsim::task::spawn_local(async move {
        while let Some(frame) = next_frame(&gossip).await {
            if let Some(mut rng) = receiver.buggify(id, BuggifyPoint::DelayedGossip) {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(1..=1_000))).await;
            }
            receiver.receive_delta(id, &frame);
        }
    });
    sync_loop(world, id, incarnation).await;
}

async fn acceptor(world: Arc<World>, id: NodeId, mut inbox: UnboundedReceiver<Inbound>) {
    while let Some(Inbound { mut stream }) = inbox.recv().await {
        let world = Arc::clone(&world);
        madsim::task::spawn_local(async move {
            let Some(node) = world.node(id) else { return };
            if let Some(mut rng) = world.buggify(id, BuggifyPoint::EarlyClose) {
                stream.close_after_sends(rng.gen_range(0..4));
            }
            world.maybe_slow(id, &mut stream);
            let active = ActiveGuard::new(&world.members()[id.0 as usize].active);
            let outcome = Session::responder_half(&mut stream, node.storage()).await;
            drop(active);
            world.drain(id);
            world.responder_finished(&outcome);
        });
    }
}

async fn sync_loop(world: Arc<World>, id: NodeId, incarnation: u64) {
    let config = world.options().clone();
    // Each incarnation of each node has its own timer stream, all derived from the run's seed.
    let mut rng = seed::rng(config.seed, Stream::SyncTimer { node: id.0, incarnation });
    let mut mid_merge = seed::rng(config.seed, Stream::MidMerge { node: id.0, incarnation });
    // A node's timer starts somewhere in its first period, as nodes started at different times
    // do: lined-up timers make every node's first sessions overlap, and overlapping sessions are
    // the ones the session oracles cannot judge.
    let mut wait = rng.gen_range(Duration::ZERO..=config.sync_interval);
    loop {
        tokio::time::sleep(wait).await;
        let jitter = if config.sync_jitter.is_zero() {
            Duration::ZERO
        } else {
            rng.gen_range(Duration::ZERO..=config.sync_jitter)
        };
        wait = config.sync_interval + jitter;
        if world.buggify(id, BuggifyPoint::SkipTick).is_some() {
            continue;
        }
        world.ask_for_missing(id);
        let peers = world.live_peers(id);
        if peers.is_empty() {
            world.trace().record(TraceKind::SyncTick { node: id, peer: None, selected: "none" });
            continue;
        }
        let peer = peers[rng.gen_range(0..peers.len())].clone();
        let Some(me) = world.node(id) else { return };
        let (Ok(mine), Ok(theirs)) = (me.storage().summary(), peer.storage().summary()) else { continue };
        let plan = plan(&mine, &theirs);
        world.trace().record(TraceKind::SyncTick { node: id, peer: Some(peer.id()), selected: plan.selected });
        world.counters().planned(id, peer.id(), &plan);
        let Some(protocol) = plan.run else { continue };

        let active = ActiveGuard::new(&world.members()[id.0 as usize].active);
        let session = Session::new(protocol).with_options(config.session.clone());
        let crash = world.mid_merge_crash(&mut mid_merge).map(|(initiator, after)| {
            let victim = if initiator { id } else { peer.id() };
            (victim, after, world.downtime(&mut mid_merge))
        });
        let prepare = |near: &mut SimStream, far: &mut SimStream| {
            world.maybe_slow(id, near);
            if let Some((victim, after, downtime)) = crash {
                let end = if victim == id { near } else { far };
                let world = Arc::clone(&world);
                end.on_receive(after, Box::new(move || world.crash_now(victim, Some(downtime))));
            }
        };
        world.drive(&session, &me, &peer, Responder::Acceptor, prepare).await;
        drop(active);
        world.drain(id);
    }
}

impl World {
    /// The slow-apply buggify point on one end of a session: each frame it receives waits a
    /// drawn while before the protocol gets it.
    fn maybe_slow(&self, id: NodeId, end: &mut SimStream) {
        if let Some(mut rng) = self.buggify(id, BuggifyPoint::SlowApply) {
            let healed = self.healed_flag();
            end.with_pacing(Box::new(move || {
                let slow = !healed.load(Ordering::Relaxed) && rng.gen_bool(0.5);
                slow.then(|| Duration::from_millis(rng.gen_range(1..=200)))
            }));
        }
    }
}

/// Counts a writer as running for as long as its task lives (a crash drops it too).
pub(super) struct Running(Arc<AtomicU32>);

impl Running {
    pub(super) fn new(counter: &Arc<AtomicU32>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Running(Arc::clone(counter))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
