//! Why `SimRuntime::run` returned.

/// Shown as the variant's own name (reports say `MaxTime at 120.000s`), not in kebab case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display)]
pub enum StopCondition {
    /// C1–C5 hold over the live nodes.
    Converged,
    /// The virtual clock reached `max_time`.
    MaxTime,
    /// `max_events` events were processed.
    MaxEvents,
    /// The run's heap passed `max_memory_mib` (`runtime::memory`): a runaway, stopped before it
    /// takes the machine down.
    MemoryLimit,
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
    /// The chaos phase healed, and sync reached a fixed point short of convergence: every pair
    /// of live nodes whose roots differ ran `Ok` sessions, twice, that changed neither root, and
    /// the run is at rest (no frame in flight, no session running, no delta buffered or waiting
    /// for its parents). Judged as `Liveness` is, without waiting out the bound.
    Stuck,
}
