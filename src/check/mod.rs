//! Checks over a World: the C1–C5 convergence properties (and so why a run stops), and the
//! run-level oracles (equal data means equal roots; deletions propagate; no acknowledged write is
//! lost; nothing nobody wrote appears), which with the session oracles' findings turn a run into
//! a verdict.

mod app_state;
mod convergence;
mod crdt_semantics;
mod data_loss;
mod oracles;
mod stop;
mod verdict;

pub use crate::store::{diff_entities, EntityDifference, StateDiff};
pub use app_state::{app_divergence, app_errors, app_places};
pub use convergence::{check_world, ConvergenceStatus, Divergence, Property};
pub use crdt_semantics::{collection_promises, crdt_semantics, lost_after_remove};
pub use data_loss::{data_loss, phantoms};
pub use oracles::{lost_deletes, root_mismatch};
pub use stop::StopCondition;
pub use verdict::{judge, Judgement, Verdict};
