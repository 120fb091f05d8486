//! Production's node path: each node's deltas go through calimero-node's own `DeltaStore`, run
//! by a process of the node's madsim node, as production's node handlers run it — a local
//! commit handed to `add_local_applied_delta`, a peer's delta to `add_delta_with_events`, a tick
//! asking `get_missing_parents` what to request. The store lives in the process: a crash drops
//! it and whatever it held pending; the restarted node's process rebuilds it from what was
//! persisted (`load_persisted_deltas`), as a restarted production node does.
//!
//! The store is the one the node's `SyncManager` keeps (`NodeState::delta_stores`), so the
//! manager's own DAG catch-up and delta responder see the same DAG.
//!
//! One job at a time, in arrival order, as the node's handlers take them. Missing parents are
//! pulled from the peer whose delta waits on them (on arrival, as production's state-delta
//! handler asks its source) and again at each sync tick from every peer a pending delta came
//! from, through production's `DeltaRequest` path (`SyncManager::request_missing_deltas`: a
//! stream to the peer, its manager's delta responder, the fetched deltas added to this store),
//! one pull per peer at a time, each in a task of the node beside the process. From
//! 0.11.0-rc.9 that path verifies each fetched delta's envelope signature: merosim's commits
//! are signed as production's execute signs them (`context_store::sign`).

#[cfg(calimero_node_path)]
use std::cell::RefCell;
#[cfg(calimero_node_path)]
use std::collections::{BTreeMap, BTreeSet};
#[cfg(calimero_node_path)]
use std::rc::Rc;
#[cfg(calimero_node_path)]
use std::sync::Arc;

#[cfg(calimero_node_path)]
use tokio::sync::mpsc::UnboundedReceiver;

#[cfg(calimero_node_path)]
use super::gossip::DeltaJob;
#[cfg(calimero_node_path)]
use super::World;
#[cfg(calimero_node_path)]
use crate::ids::NodeId;
#[cfg(calimero_node_path)]
use crate::protocols::{peer_id, NodeDeltas, ProductionResponder, Taken};

/// Who sent each pending delta: whom to ask for its parents.
#[cfg(calimero_node_path)]
type Senders = BTreeMap<[u8; 32], NodeId>;

/// The process: opens the node's delta store, then takes jobs until the node goes down.
#[cfg(calimero_node_path)]
pub(super) async fn delta_process(
    world: Arc<World>,
    id: NodeId,
    manager: Arc<ProductionResponder>,
    mut jobs: UnboundedReceiver<DeltaJob>,
) {
    let Some(node) = world.node(id) else { return };
    let storage = node.storage().clone();
    let deltas = match manager.open_deltas(&storage).await {
        Ok(deltas) => deltas,
        Err(_) => return world.book().count().gossip.rejected("delta store"),
    };
    let senders = Rc::new(RefCell::new(Senders::new()));
    // The handler's turns, unless production's concurrency is asked for (`concurrent_deltas`).
    #[cfg(calimero_gossip_handler)]
    let one_at_a_time = Rc::new(tokio::sync::Mutex::new(()));
    let pulls = Pulls { world: Arc::clone(&world), id, manager: Arc::clone(&manager), busy: Rc::default() };
    // Production's `DagCompactor` sweeps on its own timer (an actix actor there; here the sweep's
    // one call for this node's one context, on the compactor's period and thresholds).
    let compaction = world.options().node.dag_compaction;
    let mut sweep = tokio::time::interval_at(tokio::time::Instant::now() + compaction.every, compaction.every);
    loop {
        let pending = deltas.pending().await;
        world.with_node(id, |n| n.set_pending(pending));
        // `biased`: jobs first, in a fixed order (see the relay for why never unbiased).
        let job = tokio::select! {
            biased;
            job = jobs.recv() => job,
            _ = sweep.tick() => {
                let pruned = deltas.compact(compaction.min, compaction.retain).await;
                world.book().count().gossip.deltas_pruned += pruned as u64;
                continue;
            }
        };
        let Some(job) = job else { return };
        let before = storage.root_hash().ok();
        match job {
            DeltaJob::Local(delta) => {
                if deltas.add_local(delta).await.is_err() {
                    world.book().count().gossip.rejected("local delta");
                }
            }
            DeltaJob::Remote { delta, from, author, mut envelope } => {
                #[cfg(calimero_gossip_handler)]
                if let Some(sealed) = envelope.sealed.take() {
                    let turn = (!world.options().node.concurrent_deltas).then(|| Rc::clone(&one_at_a_time));
                    let job = (delta, from, author, envelope, sealed);
                    handler::spawn(&world, id, (&manager, &deltas, &senders, turn), job);
                    continue;
                }
                let delta_id = delta.id;
                let author = world.node(author).map(|n| n.storage().identity());
                // Where calimero's handler is not built, its gates still stand before the store.
                #[cfg(not(calimero_gossip_handler))]
                if let Some(Err(gate)) =
                    author.map(|a| crate::protocols::admits(&storage, &delta, a, envelope.signature))
                {
                    world.book().count().gossip.rejected(gate);
                    continue;
                }
                let taken = deltas.add_received(delta, author, envelope.events, envelope.signature).await;
                {
                    let mut book = world.book();
                    let gossip = &mut book.count().gossip;
                    match taken {
                        Taken::Duplicate => gossip.deltas_duplicate += 1,
                        Taken::Applied => gossip.deltas_applied += 1,
                        Taken::Refused => gossip.rejected("apply"),
                        Taken::Pending => gossip.deltas_pending += 1,
                    }
                }
                if taken == Taken::Pending {
                    senders.borrow_mut().insert(delta_id, from);
                    ask(&pulls, &deltas, &senders, Some(from)).await;
                }
            }
            DeltaJob::AskMissing => ask(&pulls, &deltas, &senders, None).await,
        }
        // Applies (the delta's, the children it released, parents loaded from the store) change
        // the store outside any session: the session oracles' watch must see it.
        if storage.root_hash().ok() != before {
            world.with_node(id, super::node::Node::mutated);
        }
    }
}

/// Requests what the store's pending deltas wait on: from `only` (the source of a delta that
/// just went pending), else from every peer a still-pending delta came from.
#[cfg(calimero_node_path)]
async fn ask(pulls: &Pulls, deltas: &NodeDeltas, senders: &Rc<RefCell<Senders>>, only: Option<NodeId>) {
    let missing = deltas.missing().await;
    let mut still = Senders::new();
    let before = std::mem::take(&mut *senders.borrow_mut());
    for (delta, from) in before {
        if !deltas.applied(&delta).await {
            still.insert(delta, from);
        }
    }
    // A handler task may have named a sender meanwhile: keep both.
    senders.borrow_mut().extend(still);
    if missing.is_empty() {
        return;
    }
    let peers: BTreeSet<NodeId> = match only {
        Some(peer) => BTreeSet::from([peer]),
        None => senders.borrow().values().copied().collect(),
    };
    for peer in peers {
        pulls.start(deltas, peer, missing.clone());
    }
}

/// The node's parent pulls: at most one per peer in flight.
#[cfg(calimero_node_path)]
struct Pulls {
    world: Arc<World>,
    id: NodeId,
    manager: Arc<ProductionResponder>,
    busy: Rc<RefCell<BTreeSet<NodeId>>>,
}

#[cfg(calimero_node_path)]
impl Pulls {
    /// Pulls `missing` from `peer` in a task of the node (it dies with a crash), unless a pull
    /// from that peer is still running.
    fn start(&self, deltas: &NodeDeltas, peer: NodeId, missing: Vec<[u8; 32]>) {
        let Some(node) = self.world.node(self.id) else { return };
        if !self.busy.borrow_mut().insert(peer) {
            return;
        }
        let (world, id, manager, busy) =
            (Arc::clone(&self.world), self.id, Arc::clone(&self.manager), self.busy.clone());
        let (storage, deltas) = (node.storage().clone(), deltas.share());
        world.book().count().gossip.delta_requests += 1;
        madsim::task::spawn_local(async move {
            let before = storage.root_hash().ok();
            if manager.pull_parents(&storage, deltas, missing, peer_id(peer.get())).await.is_err() {
                world.book().count().gossip.rejected("parent pull");
            }
            busy.borrow_mut().remove(&peer);
            // What the pull applied changed the store outside any session (see the process).
            if storage.root_hash().ok() != before {
                world.with_node(id, super::node::Node::mutated);
            }
        });
    }
}

/// Production's gossip handler on this node (`protocols::state_delta`): one task per delta, as
/// production's state-delta actor spawns one handler future per broadcast. By default the tasks
/// take turns (a FIFO lock, so in arrival order, as the process took deltas before the handler
/// ran); with `concurrent_deltas` they run at once, as production's do.
#[cfg(calimero_gossip_handler)]
mod handler {
    use super::*;
    use crate::protocols::{Arrived, SealedArtifact};

    /// The delta, its sender, the author it claims, its envelope and the sealed artifact.
    type Job = (crate::protocols::Delta, NodeId, NodeId, super::super::gossip::Envelope, SealedArtifact);
    /// The node's manager, delta store, pending senders, and the handler's turns when they take
    /// turns.
    type Handles<'a> =
        (&'a Arc<ProductionResponder>, &'a NodeDeltas, &'a Rc<RefCell<Senders>>, Option<Rc<tokio::sync::Mutex<()>>>);

    /// Runs the handler on `job` in a task of node `id` (it dies with a crash), and books what it
    /// made of the delta from the store: held before, a duplicate; applied, pending or neither
    /// (rejected or buffered by the handler) after.
    pub(super) fn spawn(
        world: &Arc<World>,
        id: NodeId,
        (manager, deltas, senders, turn): Handles<'_>,
        (delta, from, author, envelope, sealed): Job,
    ) {
        let Some(node) = world.node(id) else { return };
        let Some(author) = world.node(author).and_then(|n| n.storage().keys()) else {
            return world.book().count().gossip.rejected("unknown author");
        };
        let (world, manager, senders) = (Arc::clone(world), Arc::clone(manager), Rc::clone(senders));
        let (storage, deltas) = (node.storage().clone(), deltas.share());
        madsim::task::spawn_local(async move {
            let _turn = match &turn {
                Some(turns) => Some(turns.lock().await),
                None => None,
            };
            let now = world.router().now();
            let call = world.with_node(id, |n| n.handler_started(now));
            let before = storage.root_hash().ok();
            let delta_id = delta.id;
            let held = deltas.holds(&delta_id).await;
            let (events, signature) = (envelope.events, envelope.signature);
            let arrived = Arrived { delta, author, source: peer_id(from.get()), sealed, events, signature };
            let handled = manager.handle_delta(&storage, arrived).await;
            if let Some(call) = call {
                world.with_node(id, |n| n.handler_finished(call));
            }
            let taken = match (held, handled) {
                (true, _) => Some(Taken::Duplicate),
                (false, Err(_)) => None,
                (false, Ok(())) if deltas.applied(&delta_id).await => Some(Taken::Applied),
                (false, Ok(())) if deltas.holds(&delta_id).await => Some(Taken::Pending),
                (false, Ok(())) => Some(Taken::Refused),
            };
            {
                let mut book = world.book();
                let gossip = &mut book.count().gossip;
                match taken {
                    Some(Taken::Duplicate) => gossip.deltas_duplicate += 1,
                    Some(Taken::Applied) => gossip.deltas_applied += 1,
                    Some(Taken::Pending) => gossip.deltas_pending += 1,
                    Some(Taken::Refused) => gossip.rejected("not taken by the handler"),
                    None => gossip.rejected("handler error"),
                }
            }
            // The handler pulled the parents from `from` itself; the tick asks again (`ask`).
            if taken == Some(Taken::Pending) {
                senders.borrow_mut().insert(delta_id, from);
            }
            if storage.root_hash().ok() != before {
                world.with_node(id, super::super::node::Node::mutated);
            }
        });
    }
}
