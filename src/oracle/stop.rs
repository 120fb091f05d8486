//! Why `SimRuntime::run` returned.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopCondition {
    /// C1–C5 hold over the live nodes.
    Converged,
    /// The virtual clock reached `max_time`.
    MaxTime,
    /// `max_events` events were processed.
    MaxEvents,
    /// No live node is left to make progress.
    Deadlock,
    /// Stable divergence: the network is quiet, nobody syncs (all root hashes are equal, so every
    /// handshake selects `None`), and yet the nodes' states differ.
    Diverged,
    /// `run_until`'s predicate returned true.
    Manual,
    /// An oracle's verdict is already certain (`SimConfig::stop_on_violation`): a session broke
    /// its contract silently, or the nodes hold equal data under different roots.
    Violated,
    /// The chaos phase healed, and the run did not converge within its liveness bound
    /// (`SimConfig::liveness_bound`).
    Liveness,
}

impl fmt::Display for StopCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
