//! Production-faithful chaos: each fault kind shows the production behaviour it models (a stream
//! reset is a clean error on both ends, clock skew picks the last-writer-wins winner exactly as
//! the skew says, …), the chaos → heal phases end in convergence or a liveness verdict, the
//! no-data-loss checker fires on a planted lost write and on nothing else, and `merosim shrink`
//! makes a failing seed smaller.

mod buggify;
mod clocks;
mod data_loss;
mod nodes;
mod phases;
mod shrink;
mod streams;

use std::time::Duration;

use merosim::prelude::*;

/// `faults` on every link, 5-s receive budgets, 600 s of virtual time at most.
pub fn config(seed: u64, faults: FaultConfig) -> SimConfig {
    SimConfig::with_seed(seed).with_faults(faults).with_recv_timeout(Duration::from_secs(5)).max_time(600_000)
}

/// Diverged nodes with their sync loops under `faults` for the whole run.
pub fn runtime(seed: u64, faults: FaultConfig, nodes: usize, entities: usize) -> SimRuntime {
    let mut rt = SimRuntime::with_config(config(seed, faults));
    rt.apply_scenario(Scenario::n_nodes_diverged(nodes, entities));
    rt
}

/// Diverged nodes with their sync loops: `faults` for a chaos phase of `chaos_secs`, then the heal.
pub fn chaos_runtime(seed: u64, faults: FaultConfig, chaos_secs: u64, nodes: usize, entities: usize) -> SimRuntime {
    let mut rt = SimRuntime::with_config(config(seed, faults).with_chaos_phase(Duration::from_secs(chaos_secs)));
    rt.apply_scenario(Scenario::n_nodes_diverged(nodes, entities));
    rt
}
