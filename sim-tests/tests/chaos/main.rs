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

/// Diverged nodes with their sync loops, `faults` on every link, 5-s receive budgets.
pub fn runtime(seed: u64, faults: FaultConfig, nodes: usize, entities: usize) -> SimRuntime {
    let config =
        SimConfig::with_seed(seed).with_faults(faults).with_recv_timeout(Duration::from_secs(5)).max_time(300_000);
    let mut rt = SimRuntime::with_config(config);
    rt.apply_scenario(Scenario::n_nodes_diverged(nodes, entities));
    rt
}
