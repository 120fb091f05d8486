//! The pieces behind the `merosim` binary, kept in the library so they are tested like the rest:
//! option expansion, single runs, sweeps, and logs stamped with virtual time.

mod logs;
mod options;
mod outcome;
mod sweep;

pub use logs::init_virtual_time_logs;
pub use options::{fault_preset, RunOptions, ScenarioSpec, FAULT_PRESETS, SCENARIOS};
pub use outcome::{run_one, Outcome};
pub use sweep::{parse_seeds, parse_shard, sweep, SweepReport};
