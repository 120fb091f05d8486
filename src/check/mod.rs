//! Checks over node state: entity-level diffs and the C1–C5 convergence properties.

mod convergence;
mod diff;

pub use convergence::{check_world, ConvergenceStatus, Divergence, Property};
pub use diff::{diff_entities, EntityDifference, StateDiff};
