//! Two nodes that share part of a nested tree and each hold (and delete) things the other lacks.
//!
//! Layout for `n` entities: `n/10` (at least one) folders under the root, each with one
//! sub-folder, exist on both nodes — the shape of an app whose collections exist everywhere and
//! whose entries diverge. Every other entity is a leaf under a random folder or sub-folder (depth
//! 2 or 3), placed on both nodes (40 %), only on `a` (30 %) or only on `b` (30 %). Then 5 % of the
//! shared leaves are deleted on `a` and 5 % on `b`.
//!
//! Interior entities are never one-sided here: neither calimero protocol transfers an interior
//! entity's own bytes (see docs/findings.md, F1), so a one-sided folder could not converge.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::error::StorageError;
use crate::ids::EntityId;
use crate::seed::{self, Stream};
use crate::store::SimStorage;

/// Shape knobs; `PairLayout::default()` is the layout described in the module docs.
#[derive(Clone, Debug)]
pub struct PairLayout {
    pub shared_fraction: f64,
    pub delete_fraction: f64,
    pub nested: bool,
    /// Put leaves directly under the root instead of under shared folders (overrides `nested`).
    pub flat: bool,
}

impl Default for PairLayout {
    fn default() -> Self {
        Self { shared_fraction: 0.4, delete_fraction: 0.05, nested: true, flat: false }
    }
}

/// What the generator did, so a test can state the expected end state exactly.
#[derive(Clone, Debug, Default)]
pub struct Divergence {
    pub written_both: BTreeSet<EntityId>,
    pub only_a: BTreeSet<EntityId>,
    pub only_b: BTreeSet<EntityId>,
    pub deleted_on_a: BTreeSet<EntityId>,
    pub deleted_on_b: BTreeSet<EntityId>,
}

impl Divergence {
    /// Entities that should be live on both nodes once they have converged.
    pub fn expected_union(&self) -> BTreeSet<EntityId> {
        let deleted: BTreeSet<_> = self.deleted_on_a.union(&self.deleted_on_b).copied().collect();
        self.written_both
            .iter()
            .chain(&self.only_a)
            .chain(&self.only_b)
            .filter(|id| !deleted.contains(*id))
            .copied()
            .collect()
    }

    pub fn deleted(&self) -> BTreeSet<EntityId> {
        self.deleted_on_a.union(&self.deleted_on_b).copied().collect()
    }
}

/// Writes about `entities` entities across `a` and `b` as described above; deterministic in `seed`.
pub fn diverge_pair(
    a: &SimStorage,
    b: &SimStorage,
    entities: usize,
    seed: u64,
    layout: &PairLayout,
) -> Result<Divergence, StorageError> {
    let mut rng = seed::rng(seed, Stream::Diverge);
    let mut out = Divergence::default();
    let folders = if layout.flat { 0 } else { (entities / 10).max(1) };
    let layout = &PairLayout { nested: layout.nested && !layout.flat, ..layout.clone() };
    let mut serial = 0_u32;
    let mut next_id = |rng: &mut ChaCha8Rng| {
        serial += 1;
        let mut id: EntityId = rng.gen();
        id[..4].copy_from_slice(&serial.to_be_bytes());
        id
    };

    let mut containers = Vec::with_capacity(folders * 2);
    let shared = |id: EntityId, parent: Option<EntityId>, data: &[u8], out: &mut Divergence| {
        a.upsert(id, parent, data)?;
        b.upsert(id, parent, data)?;
        out.written_both.insert(id);
        Ok::<(), StorageError>(())
    };
    for f in 0..folders {
        let folder = next_id(&mut rng);
        shared(folder, None, format!("folder-{f}").as_bytes(), &mut out)?;
        containers.push(Some(folder));
        if layout.nested {
            let sub = next_id(&mut rng);
            shared(sub, Some(folder), format!("folder-{f}/sub").as_bytes(), &mut out)?;
            containers.push(Some(sub));
        }
    }
    if containers.is_empty() {
        containers.push(None);
    }

    let mut shared_leaves = Vec::new();
    for leaf in 0..entities.saturating_sub(out.written_both.len()) {
        let id = next_id(&mut rng);
        let parent = containers[rng.gen_range(0..containers.len())];
        let data = format!("leaf-{leaf}-{:08x}", rng.gen::<u32>()).into_bytes();
        let roll: f64 = rng.gen();
        let one_side = (1.0 - layout.shared_fraction) / 2.0;
        if roll < layout.shared_fraction {
            shared(id, parent, &data, &mut out)?;
            shared_leaves.push(id);
        } else if roll < layout.shared_fraction + one_side {
            a.upsert(id, parent, &data)?;
            out.only_a.insert(id);
        } else {
            b.upsert(id, parent, &data)?;
            out.only_b.insert(id);
        }
    }

    let deletions = ((shared_leaves.len() as f64) * layout.delete_fraction).round() as usize;
    for (i, id) in shared_leaves.iter().take(deletions * 2).enumerate() {
        if i % 2 == 0 {
            a.delete(*id)?;
            out.deleted_on_a.insert(*id);
        } else {
            b.delete(*id)?;
            out.deleted_on_b.insert(*id);
        }
    }
    Ok(out)
}

/// Writes `leaves` leaves directly under the root of `storage`: the flattest tree, where one
/// node holds everything the other must pull. It is the shape in which calimero's per-leaf
/// ancestor reads cost most (docs/findings.md, F11), so the finding's test and `merosim bench`
/// measure on it.
pub fn flat_leaves(storage: &SimStorage, leaves: usize) -> Result<(), StorageError> {
    for i in 0..leaves as u32 {
        let mut id = [0x11; 32];
        id[..4].copy_from_slice(&i.to_be_bytes());
        storage.upsert(id, None, &i.to_le_bytes())?;
    }
    Ok(())
}
