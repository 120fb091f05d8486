//! Checks over node state.

mod diff;

pub use diff::{diff_entities, EntityDifference, StateDiff};
