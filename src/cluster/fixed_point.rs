//! Sync's fixed point short of convergence. After the heal nothing but sync changes a store, and
//! a HashComparison session between two given stores does the same work every time it runs. So
//! once every pair of live nodes whose roots differ has run an `Ok` session — twice, in case one
//! was unlucky — that started and ended at the same two roots, further sessions can only repeat
//! themselves: the run will not converge however long it waits, and the engine stops it at once
//! instead of spending the liveness bound re-running them (a parent past 256 children, F12, costs seconds of
//! CPU per session; an interior entity's missing bytes, F1, re-merge forever).

use std::collections::BTreeMap;

use crate::ids::NodeId;

/// How many such sessions a pair needs before it counts as stuck.
const CONFIRMATIONS: u32 = 2;

/// An ordered pair's two roots, (initiator, responder).
pub(crate) type Roots = ([u8; 32], [u8; 32]);

/// Per ordered pair (initiator, responder): the roots its last `Ok` sessions left unchanged, and
/// how many in a row did.
#[derive(Debug, Default)]
pub(crate) struct FixedPoints {
    pairs: BTreeMap<(NodeId, NodeId), (Roots, u32)>,
}

impl FixedPoints {
    /// One finished `Ok` session; one that moved a root, or met equal roots, clears the pair.
    /// Another session touching a party meanwhile would move its root too, so a session that
    /// ends where it started changed nothing, quiet or not (with three or more nodes, sessions
    /// overlap too often to wait for quiet ones).
    pub fn note(&mut self, pair: (NodeId, NodeId), before: Roots, after: Roots) {
        if before != after || after.0 == after.1 {
            self.pairs.remove(&pair);
            return;
        }
        let entry = self.pairs.entry(pair).or_insert((after, 0));
        if entry.0 != after {
            *entry = (after, 0);
        }
        entry.1 += 1;
    }

    /// Whether every ordered pair of `live` (id, root) whose roots differ is stuck at exactly
    /// those roots. False when all roots agree: that is for the convergence checks to judge.
    pub fn hold_for(&self, live: &[(NodeId, [u8; 32])]) -> bool {
        let mut apart = false;
        for (a, root_a) in live {
            for (b, root_b) in live.iter().filter(|(b, root_b)| b != a && root_b != root_a) {
                apart = true;
                match self.pairs.get(&(*a, *b)) {
                    Some((roots, n)) if *roots == (*root_a, *root_b) && *n >= CONFIRMATIONS => {}
                    _ => return false,
                }
            }
        }
        apart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> NodeId {
        NodeId::new(n as u32)
    }

    #[test]
    fn a_pair_is_stuck_only_after_two_sessions_that_moved_nothing() {
        let (ra, rb) = ([1; 32], [2; 32]);
        let live = [(id(0), ra), (id(1), rb)];
        let mut fixed = FixedPoints::default();
        fixed.note((id(0), id(1)), (ra, rb), (ra, rb));
        fixed.note((id(1), id(0)), (rb, ra), (rb, ra));
        assert!(!fixed.hold_for(&live), "once each is not yet stuck");
        fixed.note((id(0), id(1)), (ra, rb), (ra, rb));
        assert!(!fixed.hold_for(&live), "one direction confirmed is not enough");
        fixed.note((id(1), id(0)), (rb, ra), (rb, ra));
        assert!(fixed.hold_for(&live));
        assert!(!fixed.hold_for(&[(id(0), [3; 32]), (id(1), rb)]), "other roots: not the fixed point seen");
        fixed.note((id(0), id(1)), (ra, rb), ([3; 32], rb));
        assert!(!fixed.hold_for(&live), "a session that moved a root clears its pair");
        assert!(!FixedPoints::default().hold_for(&[(id(0), ra), (id(1), ra)]), "equal roots are not stuck");
    }
}
