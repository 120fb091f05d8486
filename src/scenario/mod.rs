//! Seeded starting states: the named catalogue for `SimRuntime`, and the nested diverged pair
//! the low-level tests use.

mod catalog;
mod diverge;

pub use catalog::{node_name, EntitySpec, NodeSpec, RandomScenario, RandomScenarioConfig, Scenario};
pub use diverge::{diverge_pair, Divergence, PairLayout};
