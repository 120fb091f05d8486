//! One seed from start to stop condition, as the CLI runs it and as a sweep counts it: named
//! options in, an `Outcome` (stop condition, status, metrics, trace hash) out, never a panic.

mod options;
mod outcome;

pub use options::RunOptions;
pub use outcome::{run_one, Outcome};
