//! How two nodes' live states differ, entity by entity — the answer a failing convergence check
//! owes its reader, instead of two unequal hashes.

use std::collections::BTreeMap;
use std::fmt;

use super::EntitySnapshot;
use crate::ids::{short_id as short, EntityId};

/// What differs about one entity present on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntityDifference {
    Parent { left: EntityId, right: EntityId },
    Data { left: Vec<u8>, right: Vec<u8> },
}

/// Entity-level difference between a left and a right state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    pub only_left: Vec<EntityId>,
    pub only_right: Vec<EntityId>,
    pub different: Vec<(EntityId, EntityDifference)>,
}

impl StateDiff {
    pub fn is_empty(&self) -> bool {
        self.only_left.is_empty() && self.only_right.is_empty() && self.different.is_empty()
    }
}

/// Compares two entity listings (as [`SimStorage::entities`](super::SimStorage::entities)
/// returns them); ids come out sorted.
pub fn diff_entities(left: &[EntitySnapshot], right: &[EntitySnapshot]) -> StateDiff {
    let (l, r) = (by_id(left), by_id(right));
    let mut diff = StateDiff::default();
    for (id, le) in &l {
        match r.get(id) {
            None => diff.only_left.push(*id),
            Some(re) if le.parent != re.parent => {
                diff.different.push((*id, EntityDifference::Parent { left: le.parent, right: re.parent }))
            }
            Some(re) if le.data != re.data => {
                diff.different.push((*id, EntityDifference::Data { left: le.data.clone(), right: re.data.clone() }))
            }
            Some(_) => {}
        }
    }
    diff.only_right = r.keys().filter(|id| !l.contains_key(*id)).copied().collect();
    diff
}

fn by_id(list: &[EntitySnapshot]) -> BTreeMap<EntityId, &EntitySnapshot> {
    list.iter().map(|e| (e.id, e)).collect()
}

/// At most ten items, then how many more.
pub(crate) fn list(items: impl Iterator<Item = String>, total: usize) -> String {
    const SHOW: usize = 10;
    let shown: Vec<String> = items.take(SHOW).collect();
    match total.saturating_sub(SHOW) {
        0 => shown.join(" "),
        more => format!("{} …(+{more})", shown.join(" ")),
    }
}

impl fmt::Display for StateDiff {
    /// At most ten ids per category, so a thousand-entity divergence stays readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no differences");
        }
        writeln!(
            f,
            "only left ({}): {}",
            self.only_left.len(),
            list(self.only_left.iter().map(short), self.only_left.len())
        )?;
        writeln!(
            f,
            "only right ({}): {}",
            self.only_right.len(),
            list(self.only_right.iter().map(short), self.only_right.len())
        )?;
        let describe = |(id, d): &(EntityId, EntityDifference)| match d {
            EntityDifference::Parent { left, right } => {
                format!("{}: parent {} vs {}", short(id), short(left), short(right))
            }
            EntityDifference::Data { left, right } => format!(
                "{}: data {:?} vs {:?}",
                short(id),
                String::from_utf8_lossy(left),
                String::from_utf8_lossy(right)
            ),
        };
        write!(
            f,
            "different ({}): {}",
            self.different.len(),
            list(self.different.iter().map(describe), self.different.len())
        )
    }
}
