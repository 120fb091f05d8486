//! Which directed links are cut, and until when. A cut is checked both when a frame is sent and
//! when it would arrive, so a partition that starts while a frame is in flight eats it (a pulled
//! cable, not a polite queue).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::ids::NodeId;

/// Directed cuts with optional timed healing (virtual time since the world started).
#[derive(Clone, Debug, Default)]
pub(crate) struct Partitions {
    cuts: BTreeMap<(NodeId, NodeId), Option<Duration>>,
}

impl Partitions {
    /// Cuts `from → to` only (asymmetric partition); heals by itself at `heal_at` if given.
    pub(crate) fn cut(&mut self, from: NodeId, to: NodeId, heal_at: Option<Duration>) {
        self.cuts.insert((from, to), heal_at);
    }

    /// Cuts both directions between `a` and `b`.
    pub(crate) fn cut_both(&mut self, a: NodeId, b: NodeId, heal_at: Option<Duration>) {
        self.cut(a, b, heal_at);
        self.cut(b, a, heal_at);
    }

    /// Repairs `from → to`.
    pub(crate) fn repair(&mut self, from: NodeId, to: NodeId) {
        self.cuts.remove(&(from, to));
    }

    /// Repairs both directions between `a` and `b`.
    pub(crate) fn repair_both(&mut self, a: NodeId, b: NodeId) {
        self.repair(a, b);
        self.repair(b, a);
    }

    /// Every cut link, healed by time or not.
    pub(crate) fn cuts(&self) -> Vec<(NodeId, NodeId)> {
        self.cuts.keys().copied().collect()
    }

    /// Whether `from → to` drops frames at virtual time `now`.
    pub(crate) fn is_cut(&self, from: NodeId, to: NodeId, now: Duration) -> bool {
        match self.cuts.get(&(from, to)) {
            None => false,
            Some(None) => true,
            Some(Some(heal_at)) => now < *heal_at,
        }
    }
}
