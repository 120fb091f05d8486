//! merosim — a deterministic simulator for Calimero's state-sync protocols.
//!
//! The modules are private layers, each importing only the ones before it in this list (the
//! data path, bottom to top; `docs/architecture.md` draws it and `tests/layers.rs` holds the code
//! to it): ids, time, seed streams, repro lines and errors → faults → net → trace → store → crdt
//! → transport → protocols (the only module naming calimero-node) → oracle (the words both
//! sides judge in) → cluster (the World and its nodes) → check, scenario, metrics → runtime →
//! assertions, run. What a test author or the CLI needs is re-exported below, one path per type;
//! [`prelude`] is the glob the upstream sync-sim guide's tests start from.
//!
//! The `merosim` binary (feature `cli`, on by default) adds the command line and benchmarks on
//! top; a library user turns it off (`default-features = false`) and builds none of it.

mod args;
mod error;
mod ids;
mod repro;
mod seed;
mod time;

mod faults;

mod net;

mod trace;

mod store;

mod crdt;

mod transport;

mod protocols;

mod oracle;

mod cluster;

mod check;
mod metrics;
mod scenario;

mod runtime;

mod assertions;
mod run;

// The public API, one path per type (grouped by home module). Modules stay private so a
// type's home can move without breaking a test.
pub use args::{ArgWriter, UnknownName};
#[doc(hidden)] // what the assertion macros expand to
pub use assertions::failure as __failure;
pub use check::{data_loss, judge, lost_deletes, root_mismatch, ConvergenceStatus, Judgement, Property};
pub use check::{evidence, Evidence, Mechanism, Piece, PlantReport};
pub use cluster::APP_OP_GAP;
pub use cluster::{
    run_session, BuggifyPoint, Effect, GossipCounts, Injected, Limits, NodeSettings, OpRecord, Planted, Refusal,
    SimConfig, World, WriteRecord,
};
pub use crdt::{
    CollectionKind, CollectionValue, CrdtError, CrdtOp, KindError, LogicalState, NotDriven, Verb, NOT_DRIVEN,
    USER_STORAGE,
};
pub use error::{SessionError, StorageError, TransportError};
pub use faults::{
    Episodes, FaultArgs, FaultConfig, FaultKind, FaultPreset, Integrity, LinkFaults, NodeFaults, DEFAULT_CHAOS,
};
pub use ids::{short_id, EntityId, NodeId};
pub use metrics::{ConvergenceMetrics, SimMetrics};
pub use net::{DropReason, FrameKind, NetEvent, NetworkRouter};
pub use oracle::{Oracle, OracleCounts, SessionFacts, Signal, StopCondition, Verdict, Violation};
pub use protocols::DagCompaction;
pub use protocols::{
    calimero_in, calimero_node_virtual_time, calimero_since, protocol_name, reset_storage_environment, SyncPlan,
    Verifier, CALIMERO_VERSION,
};
#[cfg(calimero_node_path)]
pub use protocols::{commit_local, commit_signed, events, unclaimed_deltas, Delta, LoneHandler, NodeDeltas, Taken};
pub use protocols::{
    initiate, plan, plan_as_production, respond, respond_with, Handshakes, HcResponder, HeadsView, NodePath, Protocol,
    Session, SessionOptions, Tick,
};
pub use protocols::{walk_tree, NodeAnswer, SessionReport, SessionStats, TreeAnswers};
pub use repro::{seed_or, seeds, Repro, SEED_VAR, TEST_COMMAND};
pub use run::{catalogue, triage, KnownFailure, Triage};
pub use run::{measure_plants, plant_fate, PlantFate};
pub use run::{par_map, seeded, sweep};
pub use run::{run_one, shrink, Outcome, Plan, Run, RunSpec, ShrinkError, Shrunk, Signature};
pub use runtime::{memory, simulate, warm_up, NodeRef, SimRuntime};
pub use scenario::{diverge_pair, flat_leaves, AppMix, BugScenario, Divergence, EntitySpec, NodeSpec, PairLayout};
pub use scenario::{
    RandomScenario, RandomScenarioConfig, Scenario, ScenarioError, ScenarioKind, ScenarioSpec, WorkloadArgs,
};
pub use store::WriteMeta;
pub use store::{
    diff_entities, human_bytes, DeltaApplies, EntityDifference, EntityMeta, Reapplied, SimNode, SimStorage, StateDiff,
    StoreIo,
};
pub use time::{SimClock, SimDuration, SimTime};
pub use trace::{to_mermaid, to_perfetto, Fate, FrameRecord, TraceEvent, TraceKind};
pub use transport::SimStream;

/// Everything a test usually needs.
pub mod prelude {
    pub use crate::{
        assert_buffer_empty, assert_converged, assert_entity_count, assert_has_entity, assert_idle,
        assert_not_converged,
    };
    pub use crate::{
        run_session, seed_or, seeds, short_id, simulate, ConvergenceStatus, DropReason, EntityId, EntityMeta, Fate,
        FaultConfig, FaultPreset, FrameKind, FrameRecord, Integrity, LinkFaults, NetworkRouter, NodeId, NodePath,
        Property, Protocol, RandomScenario, RandomScenarioConfig, Repro, Scenario, Session, SessionError,
        SessionOptions, SessionReport, SessionStats, SimClock, SimConfig, SimDuration, SimMetrics, SimNode, SimRuntime,
        SimStorage, SimStream, SimTime, StopCondition, StorageError, TransportError, World, WriteMeta,
    };
}
