//! `tracing` output for `merosim repro`: calimero's own protocol logs, each line stamped with
//! the simulation's virtual time instead of the wall clock.

use std::fmt;

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::EnvFilter;

struct VirtualTime;

impl FormatTime for VirtualTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        match madsim::time::TimeHandle::try_current() {
            Some(clock) => write!(w, "t={:>11.6}s", clock.elapsed().as_secs_f64()),
            None => write!(w, "t=     (host)"),
        }
    }
}

/// madsim wraps every task of a simulated node in an error-level `node{id name}` span; letting
/// that span through puts the node's name before each line, which a five-node run's logs are
/// unreadable without (calimero's own lines rarely name the node they run on).
const NODE_SPANS: &str = "madsim::sim::task=error";

/// Installs a global subscriber writing to stderr. `filter` is an `EnvFilter` directive (e.g.
/// `debug`, `calimero_node=trace`); `RUST_LOG` overrides it when set. Unless the filter says
/// otherwise about madsim, each line carries the name of the node it was logged on.
pub fn init_virtual_time_logs(filter: &str) -> Result<(), String> {
    let with_nodes = if filter.contains("madsim") { filter.to_owned() } else { format!("{filter},{NODE_SPANS}") };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&with_nodes))
        .map_err(|e| format!("bad log filter '{filter}': {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(VirtualTime)
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log saved to a file is for grep.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init()
        .map_err(|e| format!("could not install the log subscriber: {e}"))
}
