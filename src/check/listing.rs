//! How the run-level oracles word what they found: a count, the first few items, and how many
//! more — so a report stays readable on a run with thousands of differences.

use crate::cluster::World;
use crate::oracle::{Oracle, Signal, Violation};

/// Lines a run-level violation lists before "…(+N)".
const SHOW: usize = 10;

/// The first `n` of `items` joined by "; ", then " …(+k)" for the `k` left out.
pub(super) fn first_n(items: &[String], n: usize) -> String {
    let more = items.len().saturating_sub(n);
    let shown = items[..items.len().min(n)].join("; ");
    if more > 0 {
        format!("{shown} …(+{more})")
    } else {
        shown
    }
}

/// A run-level violation listing `lines` (the first few, then how many more), or `None` if there
/// are none.
pub(super) fn report(world: &World, oracle: Oracle, lines: Vec<String>, what: &str) -> Option<Violation> {
    if lines.is_empty() {
        return None;
    }
    let detail = format!("{} {what}: {}", lines.len(), first_n(&lines, SHOW));
    Some(Violation { oracle, signal: Signal::Silent, at: world.router().now(), session: None, detail })
}
