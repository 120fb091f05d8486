//! The vertical slice: calimero-node's published protocols, unchanged, exchanging every byte
//! through SimStream and the fault-injecting router on madsim.

mod convergence;
mod corruption;
mod cycle;
mod determinism;
mod docs;
mod drops;
mod encryption;
mod findings;
mod latency;
mod partition;
mod transport;
