//! The chaos process: node-level faults over time, and the heal that ends a chaos phase. It runs
//! on a madsim node of its own ("chaos"), so pausing or crashing a node never stops it.
//!
//! - **Pauses** (a GC pause, an overloaded host): madsim stops scheduling the node's tasks —
//!   timers fire late, frames wait in its mailboxes, its peers' receive budgets run out — and
//!   then carries on where it stopped.
//! - **Crashes**: the node's processes and open streams die, its store survives; it restarts
//!   after a downtime with a fresh sync loop. A crash can also hit a party *during* a session
//!   (`crash_mid_merge`, set up by the sync loop): the party dies right after handing the
//!   protocol its n-th frame, so it keeps every action it committed and nothing of one is torn.
//! - **The heal**: at the end of the chaos phase every fault goes off, partitions and dropped
//!   connections are repaired, nodes crashed by a fault restart and paused nodes resume. From
//!   then on the run must converge within its liveness bound.
//!
//! Episodes arrive as one Poisson process per kind over all nodes, drawn from the run's chaos
//! stream; each picks a node that is up (and, for a pause, not already paused).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::World;
use crate::faults::Episodes;
use crate::ids::NodeId;
use crate::seed::{self, Stream};
use crate::trace::TraceKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Episode {
    Pause,
    Crash,
}

impl World {
    /// Starts the chaos process when the run has node faults over time or a chaos phase; once,
    /// inside the simulation, before the run's first step.
    pub(crate) fn start_chaos(self: &Arc<Self>) {
        let nodes = &self.options().faults.nodes;
        if nodes.pause.is_none() && nodes.crash.is_none() && self.options().chaos.is_none() {
            return;
        }
        let world = Arc::clone(self);
        self.control().spawn(async move { world.chaos_main().await });
    }

    async fn chaos_main(self: Arc<Self>) {
        let config = self.options().clone();
        let mut rng = seed::rng(config.seed, Stream::Chaos);
        let kinds: Vec<(Episode, Episodes)> =
            [(Episode::Pause, &config.faults.nodes.pause), (Episode::Crash, &config.faults.nodes.crash)]
                .into_iter()
                .filter_map(|(kind, e)| e.clone().map(|e| (kind, e)))
                .collect();
        let end = config.chaos;
        loop {
            let nodes = self.process_nodes().len().max(1) as f64;
            // Per-node rates summed over nodes; an exponential gap to the next episode of any kind.
            let rates: Vec<f64> = kinds.iter().map(|(_, e)| nodes / e.every.as_secs_f64()).collect();
            let total: f64 = rates.iter().sum();
            let now = self.router().now();
            let gap = if total > 0.0 {
                Duration::from_secs_f64(-(1.0 - rng.gen::<f64>()).ln() / total)
            } else {
                Duration::MAX
            };
            let Some(at) = now.checked_add(gap).filter(|at| end.is_none_or(|end| *at < end)) else {
                if let Some(end) = end {
                    tokio::time::sleep(end.saturating_sub(now)).await;
                    self.heal();
                }
                return;
            };
            tokio::time::sleep(at - now).await;
            let mut pick = rng.gen_range(0.0..total);
            let Some((kind, episodes)) = kinds.iter().zip(&rates).find_map(|(k, r)| {
                pick -= r;
                (pick < 0.0).then_some(k)
            }) else {
                continue;
            };
            let length = rng.gen_range(episodes.length.clone());
            let candidates: Vec<NodeId> = self
                .process_nodes()
                .into_iter()
                .filter(|id| self.is_live(*id) && !(kind == &Episode::Pause && self.is_paused(*id)))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let node = candidates[rng.gen_range(0..candidates.len())];
            match kind {
                Episode::Pause => self.pause_for(node, length),
                Episode::Crash => self.crash_now(node, Some(length)),
            }
        }
    }

    /// Nodes with processes (added by a `SimRuntime`), in id order.
    fn process_nodes(&self) -> Vec<NodeId> {
        self.members().iter().filter(|m| m.madsim_id.is_some()).map(|m| m.node.id()).collect()
    }

    pub fn is_paused(&self, id: NodeId) -> bool {
        self.members().get(id.0 as usize).is_some_and(|m| m.paused)
    }

    /// Stops scheduling `id`'s tasks for `length`, then resumes them (unless the heal or a crash
    /// got there first).
    pub(crate) fn pause_for(self: &Arc<Self>, id: NodeId, length: Duration) {
        let Some(madsim_id) = self.members().get_mut(id.0 as usize).and_then(|m| {
            m.paused = true;
            m.madsim_id
        }) else {
            return;
        };
        madsim::runtime::Handle::current().pause(madsim_id);
        self.trace().record(TraceKind::Pause { node: id, length });
        let world = Arc::clone(self);
        self.control().spawn(async move {
            tokio::time::sleep(length).await;
            world.resume(id);
        });
    }

    fn resume(&self, id: NodeId) {
        let Some(madsim_id) = self.members().get_mut(id.0 as usize).and_then(|m| {
            let was = std::mem::replace(&mut m.paused, false);
            m.madsim_id.filter(|_| was && !m.crashed)
        }) else {
            return;
        };
        madsim::runtime::Handle::current().resume(madsim_id);
        self.trace().record(TraceKind::Resume { node: id });
    }

    /// Crashes `id` now, from inside the simulation; it restarts after `restart_after` if given
    /// (else at the heal). Its store keeps what it committed.
    pub(crate) fn crash_now(self: &Arc<Self>, id: NodeId, restart_after: Option<Duration>) {
        if !self.is_live(id) {
            return;
        }
        let Some(madsim_id) = self.mark_crashed(id) else { return };
        {
            let mut members = self.members();
            members[id.0 as usize].crashed_by_fault = true;
            members[id.0 as usize].paused = false;
        }
        madsim::runtime::Handle::current().kill(madsim_id);
        self.trace().record(TraceKind::Crash { node: id });
        if let Some(after) = restart_after {
            let world = Arc::clone(self);
            self.control().spawn(async move {
                tokio::time::sleep(after).await;
                world.restart_now(id);
            });
        }
    }

    /// Restarts `id` if a fault crashed it: a fresh sync loop, acceptor and gossip receiver.
    pub(crate) fn restart_now(&self, id: NodeId) {
        let faulted = self.members().get(id.0 as usize).is_some_and(|m| m.crashed && m.crashed_by_fault);
        if !faulted {
            return;
        }
        self.members()[id.0 as usize].crashed_by_fault = false;
        if let Some(madsim_id) = self.mark_restarted(id) {
            madsim::runtime::Handle::current().restart(madsim_id);
        }
        self.trace().record(TraceKind::Restart { node: id });
    }

    /// The end of the chaos phase: every fault off, every cut and dropped connection repaired,
    /// every paused node resumed and every node a fault crashed restarted.
    pub(crate) fn heal(&self) {
        self.healed(self.router().faults());
        self.router().set_faults(self.router().faults().healed());
        self.router().heal_all();
        for id in self.process_nodes() {
            self.resume(id);
            self.restart_now(id);
        }
        self.trace().record(TraceKind::Heal);
    }

    /// A mid-merge crash for the next session, if the dice say so: which party (true: the
    /// initiator) and after how many of its received frames.
    pub(crate) fn mid_merge_crash(&self, rng: &mut ChaCha8Rng) -> Option<(bool, u32)> {
        let p = self.options().faults.nodes.crash_mid_merge;
        if p <= 0.0 || self.is_healed() || !rng.gen_bool(p) {
            return None;
        }
        Some((rng.gen_bool(0.5), rng.gen_range(1..=8)))
    }

    /// A downtime drawn for a mid-merge crash.
    pub(crate) fn downtime(&self, rng: &mut ChaCha8Rng) -> Duration {
        rng.gen_range(self.options().faults.nodes.downtime())
    }
}
