//! Starting states built to reach the classes of sync bug calimero has shipped (see
//! `shared/reference/known-bugs.md` and docs/reproducing-bugs.md), each seeded:
//!
//! - [`deletes`](BugScenario::Deletes): every node deletes some of the shared leaves — deletions
//!   must travel (tombstone-blind sync resurrects them);
//! - [`conflict`](BugScenario::Conflict): nodes overwrite shared leaves with their own bytes at
//!   strictly ordered timestamps — last writer wins, on both sides of every session (#2407-C left
//!   the peer with the older copy);
//! - [`reorder`](BugScenario::Reorder): every node creates the same children, in its own order —
//!   equal data must give equal roots (#2418 hashed children in creation order);
//! - [`race`](BugScenario::Race): every node keeps writing while sync runs, so roots move between
//!   a handshake and the session it starts (#2407-B returned `Ok` having compared nothing);
//! - [`mixed`](BugScenario::Mixed): each seed draws its own mix of the above, for untargeted sweeps;
//! - [`alike`](BugScenario::Alike): every node's own leaves, the same number on every node, at
//!   the same places, with the same bytes — the shape the others step around because of F6
//!   (docs/findings.md): equal subtree hashes keep those leaves from ever crossing.
//!
//! Trees are nested (folders, sub-folders, leaves: depth 3) so `select_protocol` picks
//! HashComparison; a seed may flatten them so LevelWise runs too.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::catalog::{entity_id, node_name, EntitySpec, NodeSpec, Scenario, Workload};
use crate::ids::EntityId;
use crate::seed::{self, Stream};
use crate::store::WriteMeta;

/// A scenario aimed at one bug class. Its name, which starts the names of the scenarios it
/// builds, is the variant's in kebab case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum BugScenario {
    Deletes,
    Conflict,
    Reorder,
    Race,
    Mixed,
    Alike,
}

/// What a seed turned on, for `Mixed` (the others turn on their own one).
#[derive(Clone, Copy, Debug, Default)]
struct Mix {
    flat: bool,
    unique: bool,
    deletes: bool,
    conflict: bool,
    reorder: bool,
    race: bool,
    /// Every node's own leaves alike but for their ids (F6).
    same_bytes: bool,
}

/// Tags of the ids these scenarios write (first byte), so reports show where an id came from.
const FOLDER: u8 = 0xf0;
const SHARED: u8 = 0x5b;
const UNIQUE: u8 = 0x75;
const REORDERED: u8 = 0x0d;

impl BugScenario {
    /// `nodes` × about `entities` entities per node, drawn from `seed`.
    pub fn build(self, seed: u64, nodes: usize, entities: usize) -> Scenario {
        let mut rng = seed::rng(seed, Stream::Scenario);
        let mix = match self {
            BugScenario::Deletes => Mix { deletes: true, ..Mix::default() },
            BugScenario::Conflict => Mix { conflict: true, ..Mix::default() },
            BugScenario::Reorder => Mix { reorder: true, ..Mix::default() },
            BugScenario::Race => Mix { race: true, unique: true, ..Mix::default() },
            // F6's shape alone: with anything else in the mix, a sub-folder's hash would differ
            // and the comparison would descend and find the look-alike leaves after all.
            BugScenario::Alike => Mix { flat: rng.gen_bool(0.25), unique: true, same_bytes: true, ..Mix::default() },
            BugScenario::Mixed => Mix {
                flat: rng.gen_bool(0.25),
                unique: rng.gen_bool(0.5),
                deletes: rng.gen_bool(0.5),
                conflict: rng.gen_bool(0.5),
                reorder: rng.gen_bool(0.5),
                race: rng.gen_bool(0.5),
                same_bytes: false,
            },
        };
        let nodes = if self == BugScenario::Mixed { rng.gen_range(2..=nodes.max(2)) } else { nodes.max(2) };
        let tree = Tree::new(if mix.flat { 0 } else { (entities / 8).max(1) }, entities.max(1));
        let mut specs: Vec<NodeSpec> =
            (0..nodes).map(|i| NodeSpec { name: node_name(i), ..NodeSpec::default() }).collect();
        for spec in &mut specs {
            spec.entities = tree.shared();
        }
        if mix.unique {
            let alike = rng.gen_range(1..=(entities / 4).max(1));
            for (i, spec) in specs.iter_mut().enumerate() {
                let count = if mix.same_bytes { alike } else { rng.gen_range(1..=(entities / 4).max(1)) };
                let leaf = |k: usize| match mix.same_bytes {
                    true => tree.alike_leaf(entity_id(UNIQUE, i as u32, k as u32), k),
                    false => tree.leaf(entity_id(UNIQUE, i as u32, k as u32), i, k),
                };
                spec.entities.extend((0..count).map(leaf));
            }
        }
        if mix.conflict {
            conflicting_writes(&mut specs, &tree, &mut rng);
        }
        if mix.reorder {
            let count = rng.gen_range(2..=(entities / 2).clamp(2, 12));
            let children: Vec<EntityId> = (0..count).map(|k| entity_id(REORDERED, 0, k as u32)).collect();
            for spec in &mut specs {
                let mut order = children.clone();
                order.shuffle(&mut rng);
                // Stamped by each node's own clock, in its own order: same data, different
                // creation times and order.
                spec.entities.extend(order.into_iter().map(|id| EntitySpec {
                    id,
                    parent: tree.folders.first().copied(),
                    data: format!("created everywhere {}", hex::encode(&id[..8])).into_bytes(),
                    meta: None,
                }));
            }
        }
        if mix.deletes {
            for spec in &mut specs {
                let count = rng.gen_range(1..=(tree.leaves.len() / 4).max(1));
                spec.deletes = tree.leaves.choose_multiple(&mut rng, count).copied().collect();
            }
        }
        let workload = mix.race.then(|| Workload {
            writers: (0..nodes).collect(),
            every: Duration::from_millis(rng.gen_range(40..=160)),
            count: rng.gen_range(10..=40),
        });
        let flags = [
            (mix.flat, "flat"),
            (mix.unique, "unique"),
            (mix.deletes, "deletes"),
            (mix.conflict, "conflict"),
            (mix.reorder, "reorder"),
            (mix.race, "race"),
            (mix.same_bytes, "same-bytes"),
        ];
        let on: Vec<&str> = flags.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
        Scenario { name: format!("{}-{seed}({})", self.name(), on.join("+")), nodes: specs, workload, app: None }
    }

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Nodes overwrite a few shared leaves each (some leaves by several nodes) at strictly ordered
/// timestamps: the newest write of each leaf is the one every node must end with.
fn conflicting_writes(specs: &mut [NodeSpec], tree: &Tree, rng: &mut ChaCha8Rng) {
    let count = (tree.leaves.len() / 3).max(1);
    let mut stamp = CREATED + 1_000;
    for (i, spec) in specs.iter_mut().enumerate() {
        for leaf in tree.leaves.choose_multiple(rng, count) {
            stamp += rng.gen_range(1..1_000);
            let parent = tree.parent_of(leaf);
            spec.entities.push(EntitySpec {
                id: *leaf,
                parent,
                data: format!("{}'s write at {stamp}", node_name(i)).into_bytes(),
                meta: Some(WriteMeta { updated_at: stamp, ..WriteMeta::at(CREATED) }),
            });
        }
    }
}

/// When the shared tree was created (ns since the epoch): the same instant on every node, so
/// shared entities start identical, metadata included.
const CREATED: u64 = 1_000_000;

/// A nested tree every node starts with: `folders` folders, each with one sub-folder, and leaves
/// spread over the sub-folders (or directly under the root when there are no folders).
struct Tree {
    folders: Vec<EntityId>,
    subs: Vec<EntityId>,
    leaves: Vec<EntityId>,
}

impl Tree {
    fn new(folders: usize, leaves: usize) -> Tree {
        Tree {
            folders: (0..folders).map(|f| entity_id(FOLDER, 0, f as u32)).collect(),
            subs: (0..folders).map(|f| entity_id(FOLDER, 1, f as u32)).collect(),
            leaves: (0..leaves).map(|l| entity_id(SHARED, 0, l as u32)).collect(),
        }
    }

    fn parent_of(&self, leaf: &EntityId) -> Option<EntityId> {
        let index = self.leaves.iter().position(|l| l == leaf)?;
        self.subs.get(index % self.subs.len().max(1)).copied()
    }

    /// Every shared entity, parents first, with identical metadata on every node. Bytes are
    /// distinct per entity: calimero's Merkle hash does not commit to ids, so same-bytes siblings
    /// would make different trees hash alike (docs/findings.md, F6) and hide other bugs.
    fn shared(&self) -> Vec<EntitySpec> {
        let meta = Some(WriteMeta::at(CREATED));
        let folders = self.folders.iter().enumerate().map(|(i, id)| (*id, None, format!("folder {i}")));
        let subs = self
            .subs
            .iter()
            .zip(&self.folders)
            .enumerate()
            .map(|(i, (id, f))| (*id, Some(*f), format!("sub-folder {i}")));
        let leaves =
            self.leaves.iter().enumerate().map(|(i, id)| (*id, self.parent_of(id), format!("shared leaf {i}")));
        folders
            .chain(subs)
            .chain(leaves)
            .map(|(id, parent, data)| EntitySpec { id, parent, data: data.into_bytes(), meta: meta.clone() })
            .collect()
    }

    /// A node's own leaf that every node's `index`-th own leaf matches in place and bytes.
    fn alike_leaf(&self, id: EntityId, index: usize) -> EntitySpec {
        let parent = self.subs.get(index % self.subs.len().max(1)).copied();
        EntitySpec { id, parent, data: format!("own leaf {index}").into_bytes(), meta: None }
    }

    /// A node's own leaf, under one of the shared sub-folders.
    fn leaf(&self, id: EntityId, owner: usize, index: usize) -> EntitySpec {
        let parent = self.subs.get((owner + index) % self.subs.len().max(1)).copied();
        EntitySpec { id, parent, data: format!("{}'s leaf {index}", node_name(owner)).into_bytes(), meta: None }
    }
}
