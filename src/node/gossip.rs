//! Local writes travel to peers as deltas, the way calimero broadcasts state deltas over
//! gossipsub: each write's calimero `Action` is sent to every peer through the router (so it can
//! be delayed, lost, duplicated, cut off by partitions) and applied on receipt with the real
//! `Interface::apply_action`.
//!
//! Invariant I6: a delta that arrives while its node is in a sync session is buffered and applied
//! only after the node's last session ends — never interleaved with a session's merges.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use borsh::{BorshDeserialize, BorshSerialize};
use calimero_storage::action::Action;

use super::cluster::Cluster;
use crate::net::mailbox::Next;
use crate::net::{FrameKind, NodeId, Route};
use crate::trace::TraceKind;

/// Stream id reserved for gossip; session streams are numbered from 1.
pub(crate) const GOSSIP_STREAM: u64 = 0;

/// One delta on the wire.
#[derive(Clone, Debug, BorshSerialize, BorshDeserialize)]
pub(crate) struct Delta {
    pub origin: u32,
    pub action: Action,
}

/// Sends `action`, just applied on `from`, to every other node.
pub(crate) fn broadcast(cluster: &Cluster, from: NodeId, action: &Action) {
    let Ok(bytes) = borsh::to_vec(&Delta { origin: from.0, action: action.clone() }) else {
        cluster.counters().delta_rejected("encode");
        return;
    };
    let targets: Vec<_> = cluster
        .members()
        .iter()
        .filter(|m| m.node.id() != from)
        .map(|m| (m.node.id(), Arc::downgrade(&m.gossip)))
        .collect();
    for (to, inbox) in targets {
        cluster.router.send(Route { stream: GOSSIP_STREAM, from, to }, FrameKind::Data, "Delta", bytes.clone(), inbox);
        cluster.counters().deltas_sent += 1;
    }
}

/// The node's gossip receiver: apply now, or buffer while a session is active.
pub(crate) async fn receive(cluster: Arc<Cluster>, id: NodeId) {
    let inbox = Arc::clone(&cluster.members()[id.0 as usize].gossip);
    loop {
        match inbox.take() {
            Next::Frame(frame) => handle(&cluster, id, &frame),
            Next::Finished => return,
            Next::Empty => inbox.changed().await,
        }
    }
}

fn handle(cluster: &Cluster, id: NodeId, frame: &[u8]) {
    let Ok(delta) = Delta::try_from_slice(frame) else {
        cluster.counters().delta_rejected("decode");
        return;
    };
    let busy = cluster.members()[id.0 as usize].active.load(Ordering::Relaxed) > 0;
    cluster.trace.record(TraceKind::DeltaReceived { node: id, origin: NodeId(delta.origin), buffered: busy });
    if busy {
        cluster.members()[id.0 as usize].buffer.push(delta);
        cluster.counters().deltas_buffered += 1;
    } else {
        apply(cluster, id, delta);
    }
}

/// Applies what was buffered during sessions, once the node has none left.
pub(crate) fn drain(cluster: &Cluster, id: NodeId) {
    let pending = {
        let mut members = cluster.members();
        let member = &mut members[id.0 as usize];
        if member.active.load(Ordering::Relaxed) > 0 {
            return;
        }
        std::mem::take(&mut member.buffer)
    };
    for delta in pending {
        apply(cluster, id, delta);
    }
}

fn apply(cluster: &Cluster, id: NodeId, delta: Delta) {
    let Some(node) = cluster.node(id) else { return };
    match node.storage().apply_remote(delta.action) {
        Ok(()) => cluster.counters().deltas_applied += 1,
        // A delta can legitimately fail here, e.g. a delete for an entity this node never got;
        // sync repairs what gossip could not. Counted, never silent.
        Err(_) => cluster.counters().delta_rejected("apply"),
    }
}
