//! Checks over a World: the C1–C5 convergence properties (and so why a run stops), and the
//! run-level oracles (equal data means equal roots; deletions propagate; no acknowledged write is
//! lost; nothing nobody wrote appears), which with the session oracles' findings turn a run into
//! a verdict.

mod app_state;
mod convergence;
mod crdt_semantics;
mod data_loss;
mod listing;
mod oracles;
mod verdict;

pub use convergence::{check_world, ConvergenceStatus, Divergence, Property};
pub use data_loss::data_loss;
pub use oracles::{lost_deletes, root_mismatch};
pub use verdict::{judge, Judgement};
