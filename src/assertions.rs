//! Test assertions over a `SimRuntime`, named as in the upstream guide. Every failure message
//! carries the seed, the expanded options, a metrics summary and a line that re-runs the test.

use crate::runtime::SimRuntime;

/// Builds the failure report; public for the macros, not meant to be called directly.
/// `package` and `binary` are the caller's `CARGO_PKG_NAME` and `CARGO_CRATE_NAME`, exact where
/// the runtime's own guess (from the running executable) could be off.
#[doc(hidden)]
pub fn failure(rt: &mut SimRuntime, assertion: &str, detail: &str, package: &str, binary: &str) -> String {
    let metrics = rt.metrics().summary();
    let options = rt.config();
    let repro = rt.repro().clone().package(package).binary(binary);
    format!(
        "{assertion} failed: {detail}\n  seed: {}\n  options: {options}\n  metrics: {metrics}\n  {repro}",
        rt.seed()
    )
}

/// Asserts C1–C5 hold; on failure, names the blocking properties and how nodes differ.
#[macro_export]
macro_rules! assert_converged {
    ($rt:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        let status = rt.check_convergence();
        if !status.is_converged() {
            let detail = status.to_string();
            panic!(
                "{}",
                $crate::__failure(rt, "assert_converged!", &detail, env!("CARGO_PKG_NAME"), env!("CARGO_CRATE_NAME"))
            );
        }
    }};
}

/// Asserts the run has *not* converged.
#[macro_export]
macro_rules! assert_not_converged {
    ($rt:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        if rt.check_convergence().is_converged() {
            panic!(
                "{}",
                $crate::__failure(
                    rt,
                    "assert_not_converged!",
                    "all live nodes converged",
                    env!("CARGO_PKG_NAME"),
                    env!("CARGO_CRATE_NAME")
                )
            );
        }
    }};
}

/// Asserts `node` (name or id) holds exactly `count` live entities.
#[macro_export]
macro_rules! assert_entity_count {
    ($rt:expr, $node:expr, $count:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        let (actual, expected) = (rt.entity_count($node), $count as usize);
        if actual != expected {
            let detail = format!("{} holds {actual} entities, expected {expected}", rt.node_name($node));
            panic!(
                "{}",
                $crate::__failure(
                    rt,
                    "assert_entity_count!",
                    &detail,
                    env!("CARGO_PKG_NAME"),
                    env!("CARGO_CRATE_NAME")
                )
            );
        }
    }};
}

/// Asserts `node` holds the live entity `id`.
#[macro_export]
macro_rules! assert_has_entity {
    ($rt:expr, $node:expr, $id:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        let id: $crate::EntityId = $id;
        if !rt.has_entity($node, id) {
            let detail = format!("{} lacks entity {}", rt.node_name($node), $crate::short_id(&id));
            panic!(
                "{}",
                $crate::__failure(rt, "assert_has_entity!", &detail, env!("CARGO_PKG_NAME"), env!("CARGO_CRATE_NAME"))
            );
        }
    }};
}

/// Asserts `node` takes part in no sync session.
#[macro_export]
macro_rules! assert_idle {
    ($rt:expr, $node:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        if !rt.is_idle($node) {
            let detail = format!("{} is in a sync session", rt.node_name($node));
            panic!(
                "{}",
                $crate::__failure(rt, "assert_idle!", &detail, env!("CARGO_PKG_NAME"), env!("CARGO_CRATE_NAME"))
            );
        }
    }};
}

/// Asserts `node` holds no deltas buffered from a session (I6: drained once it is idle).
#[macro_export]
macro_rules! assert_buffer_empty {
    ($rt:expr, $node:expr) => {{
        let rt: &mut $crate::SimRuntime = &mut $rt;
        let buffered = rt.buffered($node);
        if buffered > 0 {
            let detail = format!("{} still buffers {buffered} deltas", rt.node_name($node));
            panic!(
                "{}",
                $crate::__failure(
                    rt,
                    "assert_buffer_empty!",
                    &detail,
                    env!("CARGO_PKG_NAME"),
                    env!("CARGO_CRATE_NAME")
                )
            );
        }
    }};
}
