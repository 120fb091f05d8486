//! The vertical slice: calimero-node's published protocols, unchanged, exchanging every byte
//! through SimStream and the fault-injecting router on madsim.

// The upstream guide passes node ids by reference (`partition_bidirectional(&a, &b, ..)`); tests
// written in its style must keep compiling as written.
#![allow(clippy::needless_borrows_for_generic_args)]

mod convergence;
mod corruption;
mod cycle;
mod determinism;
mod docs;
mod drops;
mod encryption;
mod findings;
mod integrity;
mod latency;
mod partition;
mod transport;
