//! Named starting states for `SimRuntime::apply_scenario`, after the upstream guide's
//! `Scenario::n_nodes_synced / n_nodes_diverged / partial_overlap / force_snapshot / force_none`
//! and `RandomScenario`. A scenario is plain data: node names, the entities each node starts
//! with (and deletes), and what keeps writing while sync runs — so it can be printed, compared,
//! and replayed.

use std::fmt;
use std::time::Duration;

use rand::Rng;

use super::app::AppWorkload;
use crate::ids::EntityId;
use crate::seed::{self, Stream};
use crate::store::WriteMeta;

/// One entity a node starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitySpec {
    pub id: EntityId,
    pub parent: Option<EntityId>,
    pub data: Vec<u8>,
    /// Explicit timestamps and type; `None` stamps the write with the node's clock.
    pub meta: Option<WriteMeta>,
}

/// One node: the entities it starts with, written in this order, then the ones it deletes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub entities: Vec<EntitySpec>,
    pub deletes: Vec<EntityId>,
}

/// Writes that keep coming while sync runs: each writer node makes `count` writes, one every
/// `every` (see `SimRuntime::start_workload`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Indexes into `Scenario::nodes`.
    pub writers: Vec<usize>,
    pub every: Duration,
    pub count: u32,
}

/// A whole starting state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub nodes: Vec<NodeSpec>,
    pub workload: Option<Workload>,
    /// An app on calimero's CRDT collections: its starting state and running operations.
    pub app: Option<AppWorkload>,
}

const NAMES: [&str; 8] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

/// The name of the `i`-th node of a scenario.
pub(crate) fn node_name(i: usize) -> String {
    NAMES.get(i).map_or_else(|| format!("node{i}"), |n| (*n).to_owned())
}

/// A recognisable id — tag, owner, index in the first eight bytes, which is what reports show;
/// never the root id (that is a random context id).
pub(crate) fn entity_id(tag: u8, owner: u32, index: u32) -> EntityId {
    let mut id = [0_u8; 32];
    id[0] = tag;
    id[1..3].copy_from_slice(&(owner as u16).to_be_bytes());
    id[3..8].copy_from_slice(&u64::from(index).to_be_bytes()[3..]);
    id
}

fn leaf(id: EntityId, label: &str) -> EntitySpec {
    EntitySpec { id, parent: None, data: label.as_bytes().to_vec(), meta: None }
}

fn shared(count: usize) -> Vec<EntitySpec> {
    (0..count as u32).map(|i| leaf(entity_id(0x5a, 0, i), &format!("shared-{i}"))).collect()
}

fn unique(owner: usize, count: usize) -> Vec<EntitySpec> {
    (0..count as u32).map(|i| leaf(entity_id(0x75, owner as u32, i), &format!("{}-{i}", node_name(owner)))).collect()
}

impl Scenario {
    pub(crate) fn from_nodes(name: String, nodes: impl IntoIterator<Item = Vec<EntitySpec>>) -> Self {
        let nodes = nodes
            .into_iter()
            .enumerate()
            .map(|(i, entities)| NodeSpec { name: node_name(i), entities, deletes: Vec::new() })
            .collect();
        Scenario { name, nodes, workload: None, app: None }
    }

    /// `n` nodes that all hold the same `entities` entities.
    pub fn n_nodes_synced(n: usize, entities: usize) -> Self {
        Self::from_nodes(format!("synced-{n}x{entities}"), (0..n).map(|_| shared(entities)))
    }

    /// `n` nodes, each holding `entities` entities no other node has.
    pub fn n_nodes_diverged(n: usize, entities: usize) -> Self {
        Self::from_nodes(format!("diverged-{n}x{entities}"), (0..n).map(|i| unique(i, entities)))
    }

    /// `n` nodes sharing `shared_count` entities, each with `unique_count` of its own.
    pub fn partial_overlap(n: usize, shared_count: usize, unique_count: usize) -> Self {
        Self::from_nodes(
            format!("overlap-{n}x{shared_count}+{unique_count}"),
            (0..n).map(|i| shared(shared_count).into_iter().chain(unique(i, unique_count)).collect()),
        )
    }

    /// `n` empty nodes whose app declares `collections`, for tests that drive the app by hand
    /// (`SimRuntime::app_op`); the generated workloads are `AppMix`'s.
    pub fn app(n: usize, collections: &[(&str, crate::crdt::CollectionKind)]) -> Self {
        let collections = collections.iter().map(|(name, kind)| ((*name).to_owned(), *kind)).collect();
        let app = AppWorkload { collections, setup: Vec::new(), ops: Vec::new() };
        Scenario { app: Some(app), ..Self::from_nodes(format!("app-{n}"), (0..n).map(|_| Vec::new())) }
    }

    /// A node with state and a fresh one: `select_protocol` picks snapshot bootstrap for the
    /// fresh node (which merosim runs as HashComparison, counted as a fallback).
    pub fn force_snapshot() -> Self {
        Self::from_nodes("force-snapshot".into(), [shared(20), Vec::new()])
    }

    /// Two empty nodes: equal roots, so `select_protocol` picks `None` and nothing is sent.
    pub fn force_none() -> Self {
        Self::from_nodes("force-none".into(), [Vec::new(), Vec::new()])
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| match n.deletes.len() {
                0 => format!("{}={}", n.name, n.entities.len()),
                d => format!("{}={}-{d}", n.name, n.entities.len()),
            })
            .collect();
        write!(f, "{} [{}]", self.name, sizes.join(" "))?;
        if let Some(w) = &self.workload {
            let writers: Vec<&str> =
                w.writers.iter().filter_map(|i| self.nodes.get(*i)).map(|n| n.name.as_str()).collect();
            write!(f, " workload {}x{} every {:?} on {}", w.count, writers.len(), w.every, writers.join(","))?;
        }
        if let Some(app) = &self.app {
            let kinds: Vec<String> = app.collections.iter().map(|(n, k)| format!("{n}:{k}")).collect();
            let last = app.ops.last().map_or(0.0, |o| o.at.as_secs_f64());
            write!(
                f,
                " app [{}] {} start ops, {} ops over {last:.1}s",
                kinds.join(" "),
                app.setup.len(),
                app.ops.len()
            )?;
        }
        Ok(())
    }
}

/// Knobs of a random scenario; every draw comes from `seed`.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomScenarioConfig {
    pub seed: u64,
    pub node_count: (usize, usize),
    pub entity_count: (usize, usize),
    /// Probability that a node misses a shared entity, and share of its own unique entities.
    pub divergence: f64,
}

impl RandomScenarioConfig {
    pub fn new(seed: u64) -> Self {
        Self { seed, node_count: (2, 5), entity_count: (5, 20), divergence: 0.3 }
    }

    /// Inclusive bounds; reversed bounds are swapped, and at least two nodes are made.
    pub fn with_node_count(mut self, lo: usize, hi: usize) -> Self {
        self.node_count = (lo.min(hi).max(2), hi.max(lo).max(2));
        self
    }

    pub fn with_entity_count(mut self, lo: usize, hi: usize) -> Self {
        self.entity_count = (lo.min(hi), hi.max(lo));
        self
    }

    pub fn with_divergence(mut self, p: f64) -> Self {
        self.divergence = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self
    }
}

/// Random scenarios for property-style loops over seeds.
pub struct RandomScenario;

impl RandomScenario {
    pub fn generate(config: &RandomScenarioConfig) -> Scenario {
        let mut rng = seed::rng(config.seed, Stream::Scenario);
        let n = rng.gen_range(config.node_count.0..=config.node_count.1);
        let base = rng.gen_range(config.entity_count.0..=config.entity_count.1);
        let uniques = ((base as f64) * config.divergence).round() as usize;
        let nodes: Vec<Vec<EntitySpec>> = (0..n)
            .map(|i| {
                let mut entities: Vec<EntitySpec> =
                    shared(base).into_iter().filter(|_| !rng.gen_bool(config.divergence)).collect();
                entities.extend(unique(i, rng.gen_range(0..=uniques)));
                entities
            })
            .collect();
        Scenario::from_nodes(format!("random-{}", config.seed), nodes)
    }
}
