//! The SimRuntime test API: nodes with sync loops, scenarios, convergence C1–C5, metrics,
//! assertions, partitions and crashes.

mod faults;
mod gossip;
mod guide;
mod replay;
mod runtime;
mod topology;
