//! madsim-tokio as calimero-node's `tokio`, with real tokio's `signal::unix` added: a source
//! tree's run.rs names it (to stop a real node on SIGTERM), madsim-tokio has no such module,
//! and no simulation calls it. Everything else is madsim-tokio's (its `signal` module included),
//! so calimero-node's timers and tasks run on the simulation's clock and queue.

pub use madsim_tokio::*;

pub mod signal {
    pub use madsim_tokio::signal::*;
    #[cfg(unix)]
    pub use real_tokio::signal::unix;
}
