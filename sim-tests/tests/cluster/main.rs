//! The SimRuntime test API: nodes with sync loops, scenarios, convergence C1–C5, metrics,
//! assertions, partitions and crashes.

// The upstream guide passes node ids by reference (`partition_bidirectional(&a, &b, ..)`); tests
// written in its style must keep compiling as written.
#![allow(clippy::needless_borrows_for_generic_args)]

mod byzantine;
mod faults;
mod gossip;
mod guide;
mod index_rows;
mod oracles;
mod replay;
mod runtime;
mod sessions;
mod signatures;
mod tick;
mod topology;
mod triage;
