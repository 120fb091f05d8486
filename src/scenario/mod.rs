//! Seeded state generators: put nodes into a known diverged state before a sync.

mod diverge;

pub use diverge::{diverge_pair, Divergence, PairLayout};
