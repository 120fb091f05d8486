//! One seed from start to stop condition, as the CLI runs it and as a sweep counts it: named
//! options in, an `Outcome` (stop condition, status, metrics, trace hash) out, never a panic —
//! and, for a failing seed, the smallest options that still fail the same way.

mod options;
mod outcome;
mod plants;
mod shrink;
mod signature;
mod triage;

pub use options::{RunOptions, DEFAULT_CHAOS};
pub use outcome::{run_one, Outcome, Run};
pub use plants::{measure_plants, plant_fate, PlantFate};
pub use shrink::{shrink, ShrinkError, Shrunk};
pub use signature::Signature;
pub use triage::{catalogue, triage, KnownFailure, Triage};
