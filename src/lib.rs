//! merosim — a deterministic simulator for Calimero's state-sync protocols.
//!
//! The data path reads top to bottom: [`runtime`] (seeded madsim run) → [`net`] (router, faults,
//! partitions) → [`transport`] (`SimStream`, calimero's `SyncTransport`) → [`node`] (real
//! calimero-storage per node) → [`protocols`] (calimero-node's protocols, unchanged).

pub mod assertions;
pub mod bench;
pub mod check;
pub mod cli;
pub mod error;
pub mod metrics;
pub mod net;
pub mod node;
pub mod protocols;
pub mod runtime;
pub mod scenario;
pub mod trace;
pub mod transport;

/// Everything a test usually needs.
pub mod prelude {
    pub use crate::check::{ConvergenceStatus, Property};
    pub use crate::error::{SessionError, StorageError, TransportError};
    pub use crate::metrics::SimMetrics;
    pub use crate::net::{DropReason, Fate, FaultConfig, FrameKind, FrameRecord, LinkFaults, NetworkRouter, NodeId};
    pub use crate::node::{EntityId, SimNode, SimStorage};
    pub use crate::protocols::{run_session, Protocol, SessionOptions, SessionReport, SessionStats};
    pub use crate::runtime::{simulate, SimClock, SimConfig, SimDuration, SimRuntime, SimTime, StopCondition, World};
    pub use crate::scenario::{RandomScenario, RandomScenarioConfig, Scenario};
    pub use crate::transport::SimStream;
    pub use crate::{
        assert_buffer_empty, assert_converged, assert_entity_count, assert_has_entity, assert_idle,
        assert_not_converged,
    };
}
