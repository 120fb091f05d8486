//! **app-divergence**: every live node's app must read the same state through calimero's
//! collection API. Entity-level convergence (C5) can hold while this fails only if the API reads
//! differently from equal stores; the point of this oracle is the other way round — when stores
//! differ, it says what the *app* sees differently, named by collection and key, which is what a
//! Calimero engineer triaging a seed needs first.

use super::listing::{first_n, report};
use std::collections::BTreeSet;

use crate::cluster::World;
use crate::crdt::LogicalState;
use crate::ids::{short_id, EntityId};
use crate::oracle::{Oracle, Violation};
use crate::store::SimNode;

/// Differences listed per diverging node before "…".
const SHOW_PER_NODE: usize = 4;

/// Live nodes whose app state differs from the majority's (or cannot be read), if any.
pub fn app_divergence(world: &World) -> Option<Violation> {
    let layout = world.layout()?;
    let mut lines = Vec::new();
    // Nodes in id order, so each group's first name is its lowest node.
    let mut groups: Vec<(LogicalState, Vec<String>)> = Vec::new();
    for node in world.live_nodes() {
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
            let diffs: Vec<String> = diffs.iter().map(ToString::to_string).collect();
            lines.push(format!("{} vs {}: {}", names.join(","), others.join(","), first_n(&diffs, SHOW_PER_NODE)));
        }
    }
    report(world, Oracle::AppDivergence, lines, "app-state differences (majority vs others: left vs right)")
}

/// App operations calimero's collection API refused, if any.
pub fn app_errors(world: &World) -> Option<Violation> {
    let lines = world
        .app_errors()
        .into_iter()
        .map(|r| format!("{} by {} at {:.3}s: {}", r.op, world.at(r.node).name(), r.at.as_secs_f64(), r.error))
        .collect();
    report(world, Oracle::AppError, lines, "app operations refused by calimero")
}

/// For an app run that failed without an app oracle deciding it: where the stores differ,
/// named by the app operation that wrote each differing entity (collection, key, value) — so a
/// divergence the app cannot read (an entry's or a nested collection's own bytes, a parent's
/// list of children under equal data) still says which collection and key it is. `None` when the
/// stores agree or the run has no app.
pub fn app_places(world: &World) -> Option<String> {
    let layout = world.layout()?;
    let ops = world.app_ops();
    let name = |id| world.at(id).name();
    let writer = |entity: &EntityId| {
        if let Some(collection) = layout.collection_at(entity) {
            return format!("{} (collection {collection})", short_id(entity));
        }
        ops.iter().find(|r| r.effects.iter().any(|e| e.entity == *entity)).map_or_else(
            || format!("{} (written by no app operation)", short_id(entity)),
            |r| format!("{} (written by {} on {} at {:.3}s)", short_id(entity), r.op, name(r.node), r.at.as_secs_f64()),
        )
    };
    let status = super::check_world(world, true);
    let mut lines = Vec::new();
    for d in &status.divergent {
        let mut places: Vec<String> = Vec::new();
        places.extend(d.diff.only_left.iter().map(|e| format!("missing {}", writer(e))));
        places.extend(d.diff.only_right.iter().map(|e| format!("extra {}", writer(e))));
        places.extend(d.diff.different.iter().map(|(e, _)| format!("differs {}", writer(e))));
        lines.push(format!("{} vs {}: {}", status.majority.join(","), d.node, first_n(&places, SHOW_PER_NODE)));
    }
    if lines.is_empty() {
        lines = child_lists(world, &writer);
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Equal live data under different roots: the parents whose child lists differ (and the children
/// only one side lists), and entities (tombstoned ones too) whose own hash differs, each named by the
/// operation that wrote it.
fn child_lists(world: &World, writer: &dyn Fn(&EntityId) -> String) -> Vec<String> {
    let live: Vec<SimNode> = world.live_nodes();
    let Some(reference) = live.first() else { return Vec::new() };
    let root = *reference.storage().root_id().as_bytes();
    let meta = |node: &SimNode, id: EntityId| node.storage().metadata(id).ok().flatten();
    let children = |node: &SimNode, id: EntityId| -> BTreeSet<EntityId> {
        meta(node, id).map(|m| m.children.into_iter().collect()).unwrap_or_default()
    };
    // Every entity either side lists, tombstoned ones included (they still count in the hash).
    let listed = |a: &SimNode, b: &SimNode| -> Vec<EntityId> {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![root]);
        while let Some(id) = stack.pop() {
            if seen.len() < crate::store::MAX_WALK_DEPTH * 64 && seen.insert(id) {
                stack.extend(children(a, id).union(&children(b, id)).copied());
            }
        }
        seen.into_iter().collect()
    };
    let mut lines = Vec::new();
    for other in live.iter().skip(1) {
        if other.storage().root_hash().ok() == reference.storage().root_hash().ok() {
            continue;
        }
        let mut places = Vec::new();
        for id in &listed(reference, other) {
            let (mine, theirs) = (children(reference, *id), children(other, *id));
            let parent = if *id == root { "the root".to_owned() } else { writer(id) };
            for child in mine.difference(&theirs) {
                places.push(format!("{parent} lists {} on {} only", writer(child), reference.name()));
            }
            for child in theirs.difference(&mine) {
                places.push(format!("{parent} lists {} on {} only", writer(child), other.name()));
            }
            let own = |node: &SimNode| meta(node, *id).map(|m| m.own_hash);
            if *id != root && own(reference) != own(other) {
                places.push(format!("{parent}: its own hash differs"));
            }
        }
        if !places.is_empty() {
            lines.push(format!("{} vs {}: {}", reference.name(), other.name(), first_n(&places, SHOW_PER_NODE)));
        }
    }
    lines
}
