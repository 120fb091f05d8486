//! **app-divergence**: every live node's app must read the same state through calimero's
//! collection API. Entity-level convergence (C5) can hold while this fails only if the API reads
//! differently from equal stores; the point of this oracle is the other way round — when stores
//! differ, it says what the *app* sees differently, named by collection and key, which is what a
//! Calimero engineer triaging a seed needs first.

use super::data_loss::report;
use crate::cluster::{Oracle, Violation, World};
use crate::crdt::LogicalState;

/// Differences listed per diverging node before "…".
const SHOW_PER_NODE: usize = 4;

/// Live nodes whose app state differs from the majority's (or cannot be read), if any.
pub fn app_divergence(world: &World) -> Option<Violation> {
    let layout = world.layout()?;
    let mut lines = Vec::new();
    // Nodes in id order, so each group's first name is its lowest node.
    let mut groups: Vec<(LogicalState, Vec<String>)> = Vec::new();
    for node in world.nodes().into_iter().filter(|n| world.is_live(n.id())) {
        match layout.read(node.storage()) {
            Ok(state) => match groups.iter_mut().find(|(s, _)| *s == state) {
                Some((_, names)) => names.push(node.name().to_owned()),
                None => groups.push((state, vec![node.name().to_owned()])),
            },
            Err(err) => lines.push(format!("{} cannot read its app state: {err}", node.name())),
        }
    }
    if groups.len() > 1 {
        // The majority: the biggest group; a stable sort keeps ties in node order.
        let mut ordered: Vec<&(LogicalState, Vec<String>)> = groups.iter().collect();
        ordered.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
        let (majority, names) = ordered[0];
        for (state, others) in &ordered[1..] {
            let diffs = majority.differences(state);
            let shown: Vec<String> = diffs.iter().take(SHOW_PER_NODE).map(ToString::to_string).collect();
            let more = diffs.len().saturating_sub(SHOW_PER_NODE);
            lines.push(format!(
                "{} vs {}: {}{}",
                names.join(","),
                others.join(","),
                shown.join("; "),
                if more > 0 { format!(" …(+{more})") } else { String::new() }
            ));
        }
    }
    report(world, Oracle::AppDivergence, lines, "app-state differences (majority vs others: left vs right)")
}

/// App operations calimero's collection API refused, if any.
pub fn app_errors(world: &World) -> Option<Violation> {
    let name = |id: crate::ids::NodeId| world.node(id).map_or_else(|| id.to_string(), |n| n.name().to_owned());
    let lines = world
        .app_errors()
        .into_iter()
        .map(|(node, at, op, error)| format!("{op} by {} at {:.3}s: {error}", name(node), at.as_secs_f64()))
        .collect();
    report(world, Oracle::AppError, lines, "app operations refused by calimero")
}

/// For an app run that did not converge: where the stores differ, named by the app operation
/// that wrote each differing entity (collection, key, value), so a divergence the app cannot
/// read — an entry's or a nested collection's own bytes — still says which collection and key
/// it belongs to. `None` when the stores agree or the run has no app.
pub fn app_places(world: &World) -> Option<String> {
    world.layout()?;
    let status = super::check_world(world, true);
    if status.divergent.is_empty() {
        return None;
    }
    let ops = world.app_ops();
    let name = |id: crate::ids::NodeId| world.node(id).map_or_else(|| id.to_string(), |n| n.name().to_owned());
    let writer = |entity: &crate::ids::EntityId| {
        ops.iter().find(|r| r.effects.iter().any(|e| e.entity == *entity)).map_or_else(
            || "written by no app operation".to_owned(),
            |r| format!("written by {} on {} at {:.3}s", r.op, name(r.node), r.at.as_secs_f64()),
        )
    };
    let mut lines = Vec::new();
    for d in &status.divergent {
        let mut places: Vec<String> = Vec::new();
        places.extend(d.diff.only_left.iter().map(|e| format!("{} missing ({})", crate::ids::short_id(e), writer(e))));
        places.extend(d.diff.only_right.iter().map(|e| format!("{} extra ({})", crate::ids::short_id(e), writer(e))));
        places.extend(
            d.diff.different.iter().map(|(e, _)| format!("{} differs ({})", crate::ids::short_id(e), writer(e))),
        );
        let more = places.len().saturating_sub(SHOW_PER_NODE);
        places.truncate(SHOW_PER_NODE);
        let more = if more > 0 { format!(" …(+{more})") } else { String::new() };
        lines.push(format!("{} vs {}: {}{more}", status.majority.join(","), d.node, places.join("; ")));
    }
    Some(lines.join("\n"))
}
