//! merosim — a deterministic simulator for Calimero's state-sync protocols.
//!
//! The data path reads top to bottom: [`runtime`] (seeded madsim run) → [`net`] (router, faults,
//! partitions) → [`transport`] (`SimStream`, calimero's `SyncTransport`) → [`node`] (real
//! calimero-storage per node) → [`protocols`] (calimero-node's protocols, unchanged).

pub mod check;
pub mod error;
pub mod net;
pub mod node;
pub mod protocols;
pub mod runtime;
pub mod scenario;
pub mod transport;

/// Everything a test usually needs.
pub mod prelude {
    pub use crate::error::{SessionError, StorageError, TransportError};
    pub use crate::net::{DropReason, Fate, FaultConfig, FrameKind, FrameRecord, LinkFaults, NetworkRouter, NodeId};
    pub use crate::node::{EntityId, SimNode, SimStorage};
    pub use crate::protocols::{run_session, Protocol, SessionOptions, SessionReport, SessionStats};
    pub use crate::runtime::{simulate, World};
    pub use crate::transport::SimStream;
}
