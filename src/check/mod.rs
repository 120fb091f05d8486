//! Checks over a World: the C1–C5 convergence properties (and so why a run stops), and the
//! run-level oracles (equal data means equal roots; deletions propagate; no acknowledged write is
//! lost; nothing nobody wrote appears), which with the session oracles' findings turn a run into
//! a verdict; and the evidence a failed run shows, each piece with the finding mechanisms at work
//! on it, which triage files it by.

mod app_losses;
mod app_state;
mod app_view;
mod carried;
mod convergence;
mod crdt_semantics;
mod data_loss;
mod evidence;
mod forgery;
mod index_rows;
mod listing;
mod mechanism;
mod oracles;
mod ordered_read;
mod owners;
mod piece;
mod text_model;
mod type_tag;
mod verdict;

pub use convergence::{check_world, ConvergenceStatus, Divergence, Property};
pub use data_loss::data_loss;
pub use evidence::{evidence, Evidence, PlantReport};
pub use mechanism::Mechanism;
pub use oracles::{lost_deletes, root_mismatch};
pub use piece::Piece;
pub use verdict::{judge, Judgement};
