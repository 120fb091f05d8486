//! Seeded starting states: the named catalogue for `SimRuntime`, the names the CLI and sweeps
//! use, and the nested diverged pair the hand-driven tests use. Scenarios are data; applying one
//! is the runtime's job.

mod app;
mod app_mix;
mod args;
mod bugs;
mod catalog;
mod diverge;
mod spec;

pub use app_mix::AppMix;
pub use args::WorkloadArgs;
pub use bugs::BugScenario;
pub use catalog::{EntitySpec, NodeSpec, RandomScenario, RandomScenarioConfig, Scenario, Workload};
pub use diverge::{diverge_pair, flat_leaves, Divergence, PairLayout};
pub use spec::{ScenarioError, ScenarioKind, ScenarioSpec};
