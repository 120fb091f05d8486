//! The chaos process: node-level faults over time, and the heal that ends a chaos phase. It runs
//! on a madsim node of its own ("chaos"), so pausing or crashing a node never stops it.
//!
//! - **Pauses** and **crashes** over time, through the same `World::pause` and `World::crash` as
//!   the test verbs (see `life`). A crash can also hit a party *during* a session
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

use super::life::Cause;
use super::node::Node;
use super::world::Healed;
use super::{SimConfig, World};
use crate::faults::{Episodes, FaultConfig};
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
        if nodes.pause.is_none() && nodes.crash.is_none() && self.options().node.chaos.is_none() {
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
        let end = config.node.chaos;
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
                .filter(|id| self.at(*id).is_live() && !(kind == &Episode::Pause && self.at(*id).is_paused()))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let node = candidates[rng.gen_range(0..candidates.len())];
            match kind {
                Episode::Pause => self.pause(node, length),
                Episode::Crash => self.crash(node, Cause::Fault { restart_after: Some(length) }),
            }
        }
    }

    /// Nodes with processes (added by a `SimRuntime`), in id order.
    fn process_nodes(&self) -> Vec<NodeId> {
        self.registry().iter().filter(|n| n.has_processes()).map(Node::id).collect()
    }

    /// The end of the chaos phase: every fault off, every cut and dropped connection repaired,
    /// every paused node resumed and every node a fault crashed restarted.
    pub(crate) fn heal(&self) {
        self.note_heal(self.router().faults());
        self.router().set_faults(self.router().faults().healed());
        self.router().heal_all();
        for id in self.process_nodes() {
            self.at(id).resume();
            self.at(id).restart_faulted();
        }
        self.trace().record(TraceKind::Heal);
    }

    /// Notes the heal, keeping the faults the chaos phase had and fixing the liveness bound.
    fn note_heal(&self, faults: FaultConfig) {
        let entities = self.nodes().iter().filter_map(|n| n.storage().entity_count().ok()).max().unwrap_or(0);
        let acted = SimConfig { faults: faults.clone(), ..self.options().clone() };
        let bound = acted.liveness_bound(self.registry().len(), entities);
        let _ = self.healed_cell().set(Healed { at: self.router().now(), faults, bound });
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
