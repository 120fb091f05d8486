//! A node's life as the run changes it: crash, restart, pause, resume. Test verbs
//! (`SimRuntime::crash`, …), the chaos process and a mid-merge crash all come through these,
//! so a node goes down, comes back and is traced the same way whoever did it.
//!
//! A crash kills the node's madsim tasks — its sync loop, acceptor, responders, gossip receiver,
//! app — and with them its open streams; its store survives. A pause stops madsim scheduling
//! those tasks: timers fire late, frames wait in its mailboxes, its peers' budgets run out.

use std::sync::Arc;
use std::time::Duration;

use super::node::Node;
use super::NodeCtx;
use super::World;
use crate::ids::NodeId;
use crate::trace::TraceKind;

/// Who brought a node down, which decides who brings it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The test: the node stays down until the test restarts it.
    Test,
    /// A fault (chaos, mid-merge): restarted after `restart_after` if given, else at the heal.
    Fault { restart_after: Option<Duration> },
}

impl World {
    /// Crashes `id` now: its acceptor is gone, frames to and from it drop, its sessions as
    /// initiator fail with kind `crash`, the deltas it buffered are lost. A node already down
    /// stays as it is.
    pub(crate) fn crash(self: &Arc<Self>, id: NodeId, cause: Cause) {
        let by_fault = matches!(cause, Cause::Fault { .. });
        let Some((madsim_id, lost)) = self.with_node(id, |n| n.crash(by_fault)).flatten() else { return };
        self.router().set_down(id, true);
        {
            let mut book = self.book();
            book.count().node_crashed(id);
            for _ in 0..lost {
                book.count().gossip.rejected("crash");
            }
        }
        if let Some(madsim_id) = madsim_id {
            madsim::runtime::Handle::current().kill(madsim_id);
        }
        self.trace().record(TraceKind::Crash { node: id });
        if let Cause::Fault { restart_after: Some(after) } = cause {
            self.after(after, move |world| world.at(id).restart_faulted());
        }
    }

    /// Stops scheduling `id`'s tasks for `length`, then resumes them (unless the heal or a crash
    /// got there first).
    pub(crate) fn pause(self: &Arc<Self>, id: NodeId, length: Duration) {
        let Some(madsim_id) = self.with_node(id, Node::pause).flatten() else { return };
        madsim::runtime::Handle::current().pause(madsim_id);
        self.trace().record(TraceKind::Pause { node: id, length });
        self.after(length, move |world| world.at(id).resume());
    }

    /// Runs `then` after `wait` of virtual time, on the control node (never paused or crashed),
    /// so the end of an episode comes whatever happened to the node meanwhile.
    fn after(self: &Arc<Self>, wait: Duration, then: impl FnOnce(&World) + Send + 'static) {
        let world = Arc::clone(self);
        self.control().spawn(async move {
            tokio::time::sleep(wait).await;
            then(&world);
        });
    }
}

impl NodeCtx<'_> {
    /// Starts a crashed node again from its surviving store: a fresh sync loop, acceptor and
    /// gossip receiver, and what is left of its app. A node that is up stays as it is.
    pub(crate) fn restart(&self) {
        let id = self.id;
        let Some(madsim_id) = self.world.with_node(id, Node::restart).flatten() else { return };
        self.world.router().set_down(id, false);
        if let Some(madsim_id) = madsim_id {
            madsim::runtime::Handle::current().restart(madsim_id);
        }
        self.world.trace().record(TraceKind::Restart { node: id });
    }

    /// Restarts `id` if a fault crashed it (a node the test crashed is the test's to restart).
    pub(crate) fn restart_faulted(&self) {
        let id = self.id;
        if self.world.registry().get(id).is_some_and(Node::down_by_fault) {
            self.restart();
        }
    }

    pub(crate) fn resume(&self) {
        let id = self.id;
        let Some(madsim_id) = self.world.with_node(id, Node::resume).flatten() else { return };
        madsim::runtime::Handle::current().resume(madsim_id);
        self.world.trace().record(TraceKind::Resume { node: id });
    }
}
