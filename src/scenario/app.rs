//! An app as data: the collections it declares, the operations of its starting state, and the
//! timed operations it runs while sync does — so a workload prints, compares and replays like
//! the rest of a scenario.

use std::time::Duration;

use crate::crdt::{CollectionKind, CrdtOp};

/// How long the generated operations are spread over, unless a chaos phase stretches them.
pub const APP_SPAN: Duration = Duration::from_secs(10);

/// One operation of the starting state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupOp {
    /// Index into `Scenario::nodes`.
    pub node: usize,
    pub op: CrdtOp,
    /// Applied on every node (state they all held), not only on `node`.
    pub shared: bool,
}

/// One operation of the running app, `at` after the run starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOp {
    pub node: usize,
    pub at: Duration,
    pub op: CrdtOp,
}

/// An app: its collections, its starting state and what it does while sync runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppWorkload {
    pub collections: Vec<(String, CollectionKind)>,
    pub setup: Vec<SetupOp>,
    /// Sorted by time, then node.
    pub ops: Vec<TimedOp>,
}

impl AppWorkload {
    /// Rescales operation times so they cover `span` (a chaos phase) instead of [`APP_SPAN`].
    pub fn spread_over(&mut self, span: Duration) {
        for op in &mut self.ops {
            op.at = op.at.mul_f64(span.as_secs_f64() / APP_SPAN.as_secs_f64());
        }
    }

    /// Operations of the running app per node.
    pub fn ops_of(&self, node: usize) -> Vec<TimedOp> {
        self.ops.iter().filter(|o| o.node == node).cloned().collect()
    }
}
