//! Convergence as five properties (upstream sync-sim's C1–C5), each checked separately so a
//! failing check names what blocks it:
//!
//! - C1 network quiescent: no frame in flight;
//! - C2 all nodes idle: no live node is in a sync session;
//! - C3 no pending buffers: no live node holds buffered deltas;
//! - C4 no pending sync that would change state: all live nodes report the same root hash, so
//!   every handshake selects `None`;
//! - C5 states equal: all live nodes hold the same live entities (digest over ids, parents, bytes).
//!
//! Crashed nodes are left out: a node that is down cannot converge and is not waited for.

use std::collections::BTreeMap;
use std::fmt;

use crate::cluster::World;
use crate::ids::{short_id, EntityId, NodeId};
use crate::store::SimStorage;
use crate::store::{diff_entities, short_list, EntitySnapshot, StateDiff};

/// One of the five convergence properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Property {
    C1NetworkQuiescent,
    C2AllIdle,
    C3NoPendingBuffers,
    C4NoPendingSync,
    C5StatesEqual,
}

/// A node as the checker sees it.
struct NodeView {
    pub id: NodeId,
    pub name: String,
    pub live: bool,
    pub active_sessions: u32,
    pub buffered: usize,
    pub storage: SimStorage,
}

/// How one node differs from the majority state.
#[derive(Clone, Debug)]
pub struct Divergence {
    pub node: String,
    /// Left = the majority representative, right = this node.
    pub diff: StateDiff,
    /// The ids of `diff.only_left` and `diff.only_right` that the side missing them does hold
    /// live (an index row with no tombstone) but that its tree never reaches: no parent lists
    /// them. A merge that revives an entity without re-linking it looks like this (F13), and it
    /// is a different bug from an entity that never arrived, so the status says which it is.
    pub unlinked: Vec<EntityId>,
    /// The differing ids whose parent lists more children, on either side, than one
    /// HashComparison answer may carry (`protocols::MAX_CHILDREN`): the initiator skips such a
    /// parent (F12), so where an entity under one differs is a clue of its own.
    pub crowded: Vec<EntityId>,
}

/// The result of a convergence check.
#[derive(Clone, Debug)]
pub struct ConvergenceStatus {
    pub live_nodes: usize,
    pub in_flight: usize,
    /// Properties that do not hold, in order C1…C5.
    pub blocking: Vec<Property>,
    /// Nodes holding the majority state (when C5 fails).
    pub majority: Vec<String>,
    /// Every other live node, with its entity-level difference from the majority.
    pub divergent: Vec<Divergence>,
}

impl ConvergenceStatus {
    /// All five properties hold over at least one live node (nothing is vacuously converged).
    pub fn is_converged(&self) -> bool {
        self.blocking.is_empty() && self.live_nodes > 0
    }

    pub fn holds(&self, property: Property) -> bool {
        !self.blocking.contains(&property)
    }

    /// A status from a check that stopped before C5 (nothing to say about majorities).
    fn cut_short(live_nodes: usize, in_flight: usize, blocking: Vec<Property>) -> Self {
        ConvergenceStatus { live_nodes, in_flight, blocking, majority: Vec::new(), divergent: Vec::new() }
    }
}

/// A view of every node of `world`, live or not.
fn views(world: &World) -> Vec<NodeView> {
    world
        .node_states()
        .into_iter()
        .map(|n| NodeView {
            id: n.sim.id(),
            name: n.sim.name().to_owned(),
            live: n.live,
            active_sessions: n.sessions,
            buffered: n.buffered,
            storage: n.sim.storage().clone(),
        })
        .collect()
}

/// C1–C5 over `world`'s live nodes (see [`check`]).
pub fn check_world(world: &World, full: bool) -> ConvergenceStatus {
    check(&views(world), world.router().in_flight(), full)
}

/// Checks C1–C5 over `nodes` with `in_flight` frames on the network. With `full = false`, each
/// costlier property is only evaluated once the cheaper ones hold: C4 (every root hash) after
/// C1–C3, C5 (every entity) after C4.
fn check(nodes: &[NodeView], in_flight: usize, full: bool) -> ConvergenceStatus {
    let live: Vec<&NodeView> = nodes.iter().filter(|n| n.live).collect();
    let mut blocking = Vec::new();
    if in_flight > 0 {
        blocking.push(Property::C1NetworkQuiescent);
    }
    if live.iter().any(|n| n.active_sessions > 0) {
        blocking.push(Property::C2AllIdle);
    }
    if live.iter().any(|n| n.buffered > 0) {
        blocking.push(Property::C3NoPendingBuffers);
    }
    // C4 and C5 read every node's tree; while the network or a node is busy, `run()`'s frequent
    // polls stop here.
    if !full && !blocking.is_empty() {
        return ConvergenceStatus::cut_short(live.len(), in_flight, blocking);
    }
    let roots: Vec<[u8; 32]> = live.iter().map(|n| n.storage.root_hash().unwrap_or([0; 32])).collect();
    if roots.windows(2).any(|w| w[0] != w[1]) {
        blocking.push(Property::C4NoPendingSync);
    }

    if !full && !blocking.is_empty() {
        return ConvergenceStatus::cut_short(live.len(), in_flight, blocking);
    }
    // C5: group nodes by digest; the biggest group (ties: the one with the lowest node id) is
    // the majority, everyone else is described against it.
    let mut groups: BTreeMap<[u8; 32], Vec<&NodeView>> = BTreeMap::new();
    for node in &live {
        groups.entry(node.storage.digest().unwrap_or([0xff; 32])).or_default().push(node);
    }
    let (mut majority, mut divergent) = (Vec::new(), Vec::new());
    if groups.len() > 1 {
        blocking.push(Property::C5StatesEqual);
        let biggest = groups
            .values()
            .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b[0].id.cmp(&a[0].id)))
            .expect("at least two groups");
        let representative = biggest[0];
        let reference = representative.storage.entities().unwrap_or_default();
        majority = biggest.iter().map(|n| n.name.clone()).collect();
        for node in live.iter().filter(|n| !majority.contains(&n.name)) {
            let theirs = node.storage.entities().unwrap_or_default();
            let diff = diff_entities(&reference, &theirs);
            let unlinked = (diff.only_left.iter().filter(|id| node.storage.exists(**id)))
                .chain(diff.only_right.iter().filter(|id| representative.storage.exists(**id)))
                .copied()
                .collect();
            let crowded = crowded(&diff, [&reference, &theirs]);
            divergent.push(Divergence { node: node.name.clone(), diff, unlinked, crowded });
        }
    }
    ConvergenceStatus { live_nodes: live.len(), in_flight, blocking, majority, divergent }
}

/// The ids of `diff` whose parent, on either side, lists more than `protocols::MAX_CHILDREN`.
fn crowded(diff: &StateDiff, sides: [&[EntitySnapshot]; 2]) -> Vec<EntityId> {
    let mut children: BTreeMap<EntityId, usize> = BTreeMap::new();
    let mut parents: BTreeMap<EntityId, Vec<EntityId>> = BTreeMap::new();
    for side in sides {
        let mut here: BTreeMap<EntityId, usize> = BTreeMap::new();
        for entity in side {
            *here.entry(entity.parent).or_default() += 1;
            parents.entry(entity.id).or_default().push(entity.parent);
        }
        for (parent, n) in here {
            let most = children.entry(parent).or_default();
            *most = (*most).max(n);
        }
    }
    let differing = diff.only_left.iter().chain(&diff.only_right).chain(diff.different.iter().map(|(id, _)| id));
    differing
        .filter(|id| {
            let mut of = parents.get(*id).into_iter().flatten();
            of.any(|p| children.get(p).is_some_and(|n| *n > crate::protocols::MAX_CHILDREN))
        })
        .copied()
        .collect()
}

impl fmt::Display for ConvergenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.live_nodes == 0 {
            return f.write_str("no live nodes");
        }
        if self.is_converged() {
            return write!(f, "converged ({} live nodes)", self.live_nodes);
        }
        write!(f, "not converged; blocking: {:?}", self.blocking)?;
        if !self.holds(Property::C1NetworkQuiescent) {
            write!(f, "; {} frames in flight", self.in_flight)?;
        }
        if !self.divergent.is_empty() {
            write!(f, "\nmajority state: {}", self.majority.join(", "))?;
            for d in &self.divergent {
                write!(f, "\n{} differs from the majority:\n{}", d.node, d.diff)?;
                if !d.unlinked.is_empty() {
                    let ids = short_list(d.unlinked.iter().map(short_id), d.unlinked.len());
                    write!(
                        f,
                        "\nlive on the side missing them, but listed by no parent ({}): {ids}",
                        d.unlinked.len()
                    )?;
                }
                if !d.crowded.is_empty() {
                    let ids = short_list(d.crowded.iter().map(short_id), d.crowded.len());
                    let limit = crate::protocols::MAX_CHILDREN;
                    write!(f, "\nunder a parent with more than {limit} children ({}): {ids}", d.crowded.len())?;
                }
            }
        }
        Ok(())
    }
}
