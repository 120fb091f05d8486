//! merosim — a deterministic simulator for Calimero's state-sync protocols.
//!
//! The modules are layers, each importing only the ones above it in this list (the data path,
//! bottom to top; `docs/architecture.md` draws it):
//!
//! 1. [`ids`], [`time`], [`seed`], [`repro`], [`error`] — names, virtual time, seed streams,
//!    replay lines, typed errors;
//! 2. [`faults`] — every fault a run can inject, as data, and the named presets;
//! 3. [`net`] — partitions, the router, whole-stream failures;
//! 4. [`trace`] — the one typed event log (the frame table is a view of it);
//! 5. [`store`] — a node's real calimero-storage tree and what a handshake reads from it;
//! 6. [`crdt`] — an app on calimero's real CRDT collections: operations, their deltas, reading;
//! 7. [`transport`] — `SimStream`, calimero's `SyncTransport`;
//! 8. [`protocols`] — the only module naming calimero-node; the one `Session` builder;
//! 9. [`cluster`] — the `World`: options, trace, network, nodes, their processes, gossip, books;
//! 10. [`check`], [`scenario`], [`metrics`] — convergence and the oracles, starting states and
//!     app workloads, the metrics report;
//! 11. [`runtime`] — `simulate`, `SimRuntime` and the engine behind it;
//! 12. [`assertions`], [`run`] — the test macros; one seed as the CLI runs it.
//!
//! The `merosim` binary (feature `cli`, on by default) adds the command line and benchmarks on
//! top; a library user turns it off (`default-features = false`) and builds none of it.

pub mod ids;
pub mod repro;
pub mod seed;
pub mod time;

pub mod error;

pub mod faults;

pub mod net;

pub mod trace;

pub mod store;

pub mod crdt;

pub mod transport;

pub mod protocols;

pub mod cluster;

pub mod check;
pub mod metrics;
pub mod scenario;

pub mod runtime;

pub mod assertions;
pub mod run;

/// Everything a test usually needs.
pub mod prelude {
    pub use crate::check::{ConvergenceStatus, Property};
    pub use crate::cluster::{run_session, SimConfig, World};
    pub use crate::error::{SessionError, StorageError, TransportError};
    pub use crate::ids::{short_id, EntityId, NodeId};
    pub use crate::metrics::SimMetrics;
    pub use crate::net::{DropReason, FaultConfig, FaultPreset, FrameKind, Integrity, LinkFaults, NetworkRouter};
    pub use crate::protocols::{Protocol, Session, SessionOptions, SessionReport, SessionStats};
    pub use crate::repro::{seed_or, seeds, Repro};
    pub use crate::runtime::{simulate, SimRuntime, StopCondition};
    pub use crate::scenario::{RandomScenario, RandomScenarioConfig, Scenario};
    pub use crate::store::{EntityMeta, SimNode, SimStorage, WriteMeta};
    pub use crate::time::{SimClock, SimDuration, SimTime};
    pub use crate::trace::{Fate, FrameRecord};
    pub use crate::transport::SimStream;
    pub use crate::{
        assert_buffer_empty, assert_converged, assert_entity_count, assert_has_entity, assert_idle,
        assert_not_converged,
    };
}
