//! Which deltas a node's store took, and which it took twice.
//!
//! A delta is applied once per node: calimero-node's delta store persists each applied delta and
//! restores them all at a restart, so the DAG refuses a copy as a duplicate. A second apply of
//! the same delta means that bookkeeping lost it (F16: a delta applied in an `add_delta` whose
//! cascade failed is never persisted), and applying again is not idempotent where tombstones are
//! final: the second `Add` of an entity already deleted lists it under its parent again, and the
//! second `DeleteRef` finds the tombstone and leaves the list alone (F10's half). Triage reads the
//! re-applied deltas here; nothing else does. Shared by a store's clones and kept across a crash,
//! as the store is.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::ids::EntityId;

/// A delta a node applied a second time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reapplied {
    pub delta: [u8; 32],
    /// Entities the delta adds or updates.
    pub writes: Vec<EntityId>,
}

#[derive(Default)]
struct Log {
    seen: BTreeSet<[u8; 32]>,
    again: Vec<Reapplied>,
}

/// The node's record of applied deltas (ids only; the actions of a delta only when it comes back).
#[derive(Clone, Default)]
pub struct DeltaApplies(Arc<Mutex<Log>>);

impl DeltaApplies {
    /// Records that delta `id` was applied; `writes` (what it adds or updates) is asked for only
    /// when the node had applied it before.
    pub fn note(&self, id: [u8; 32], writes: impl FnOnce() -> Vec<EntityId>) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !log.seen.insert(id) {
            log.again.push(Reapplied { delta: id, writes: writes() });
        }
    }

    /// The deltas applied more than once, in the order of their second applies.
    pub fn reapplied(&self) -> Vec<Reapplied> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).again.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_second_apply_is_recorded_with_what_it_writes() {
        let applies = DeltaApplies::default();
        let (a, b) = ([1; 32], [2; 32]);
        let x: EntityId = [7; 32];
        applies.note(a, || unreachable!("a first apply is not asked what it touched"));
        applies.note(b, || unreachable!("nor is this one"));
        assert!(applies.reapplied().is_empty());
        applies.clone().note(a, || vec![x]);
        assert_eq!(applies.reapplied(), vec![Reapplied { delta: a, writes: vec![x] }]);
    }
}
