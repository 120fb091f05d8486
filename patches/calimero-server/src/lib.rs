//! calimero-server's API as calimero-node 0.11.0-rc.4 uses it (`run.rs`: a `ServerConfig` field
//! in `NodeConfig`, and `start` when a node boots), without the server. A simulated node is a
//! store, a Merkle tree and the sync protocols; merosim never calls `calimero_node::start`, so the
//! server never runs — and if it were started, `start` panics naming the call rather than
//! opening a socket (Cargo.toml says why the stand-in exists).

use calimero_context_client::client::ContextClient;
use calimero_node_primitives::client::NodeClient;
use calimero_store::Store;
use prometheus_client::registry::Registry;

pub mod config {
    /// The server's configuration. Only ever cloned and handed to `start` by calimero-node, so it
    /// carries nothing; no simulation builds one.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct ServerConfig {}
}

/// Would serve the node's admin, JSON-RPC, WebSocket and SSE APIs; panics instead.
pub async fn start(
    _config: config::ServerConfig,
    _ctx_client: ContextClient,
    _node_client: NodeClient,
    _datastore: Store,
    _prom_registry: Registry,
) -> eyre::Result<()> {
    panic!(
        "calimero_server::start: merosim builds calimero without its server \
         (patches/calimero-server); simulated nodes are never started as servers"
    )
}
