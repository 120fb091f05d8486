//! One seed from start to stop condition, as the CLI runs it and as a sweep counts it: a spec
//! in, an `Outcome` (stop condition, status, metrics, trace hash) out, never a panic —
//! and, for a failing seed, the smallest options that still fail the same way.

mod outcome;
mod plan;
mod plants;
mod shrink;
mod signature;
mod spec;
mod sweep;
mod triage;

pub use outcome::{run_one, Outcome, Run};
pub use plan::Plan;
pub use plants::{measure_plants, plant_fate, PlantFate};
pub use shrink::{shrink, ShrinkError, Shrunk};
pub use signature::Signature;
pub use spec::RunSpec;
pub use sweep::{par_map, seeded, sweep};
pub use triage::{catalogue, triage, KnownFailure, Triage};
