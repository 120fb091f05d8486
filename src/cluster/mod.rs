//! One simulated run's World — options, trace, network and nodes — and what happens inside it:
//! the session driver both hand-written tests and sync loops use, the nodes' processes (sync
//! timer, acceptor, gossip receiver), gossiped deltas and the books behind the metrics.

mod apps;
mod buggify;
mod byzantine;
mod causal;
mod chaos;
mod config;
mod counters;
mod delta_process;
mod deltas;
mod fixed_point;
mod gossip;
mod history;
mod inject;
mod life;
mod limits;
mod node;
mod node_ctx;
mod process;
#[cfg(calimero_node_path)]
mod production;
mod session;
mod session_oracles;
mod settings;
mod world;
mod writes;

pub use apps::APP_OP_GAP;
pub use buggify::BuggifyPoint;
pub use config::SimConfig;
pub(crate) use counters::Counters;
pub use counters::{GossipCounts, HandshakeRecord, SessionCounts};
pub use history::{value_hash, Effect, OpRecord, Planted, Refusal, WriteRecord};
pub use inject::Injected;
pub(crate) use life::Cause;
pub use limits::Limits;
pub use node_ctx::NodeCtx;
pub use settings::NodeSettings;
pub use world::World;

use crate::protocols::{Protocol, Session, SessionOptions, SessionReport};
use crate::store::SimNode;

/// One hand-driven session in `world`: shorthand for
/// `world.run_session(&Session::new(protocol).with_options(options.clone()), initiator, responder)`.
pub async fn run_session(
    world: &World,
    initiator: &SimNode,
    responder: &SimNode,
    protocol: Protocol,
    options: &SessionOptions,
) -> SessionReport {
    world.run_session(&Session::new(protocol).with_options(options.clone()), initiator, responder).await
}
