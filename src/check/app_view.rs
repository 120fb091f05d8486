//! **app-view**: nodes whose app reads the same state must hand a client the same bytes for it.
//! An app's view returns its collections through calimero's `serde::Serialize`; a client that
//! asks two nodes, or anything that hashes or compares what they return, must not tell them apart.
//! Maps serialized in the order of their stored child list, which sorts entries by the time each
//! node first saw them (`created_at`), until calimero's #3165 (0.11.0-rc.10) sorted them by key;
//! sets still do (F15).

use super::listing::report;
use super::mechanism::{Mechanism as M, Run};
use super::piece::Piece;
use crate::cluster::World;
use crate::crdt::{CollectionKind, LogicalState};
use crate::oracle::{Oracle, Violation};
use crate::store::SimNode;

/// One collection that nodes reading the same state serialize differently.
struct Apart {
    collection: String,
    kind: CollectionKind,
    /// A node of the first serialization, and of another one, with what each serialized.
    left: (SimNode, String),
    right: (SimNode, String),
}

fn apart(world: &World) -> Vec<Apart> {
    let Some(layout) = world.layout() else { return Vec::new() };
    let read: Vec<(SimNode, LogicalState, std::collections::BTreeMap<String, String>)> = world
        .live_nodes()
        .into_iter()
        .filter_map(|n| Some((layout.read(n.storage()).ok()?, layout.views(n.storage()).ok()?)).map(|(s, v)| (n, s, v)))
        .collect();
    let mut out = Vec::new();
    for (collection, kind) in layout.collections() {
        // Among nodes that read this collection alike, the first serialization and any other.
        let mut groups: Vec<(&SimNode, &crate::crdt::CollectionValue, &String)> = Vec::new();
        for (node, state, views) in &read {
            let (Some(value), Some(json)) = (state.collections.get(collection), views.get(collection)) else {
                continue;
            };
            match groups.iter().find(|(_, v, _)| *v == value) {
                Some((first, _, first_json)) if *first_json != json => out.push(Apart {
                    collection: collection.to_owned(),
                    kind,
                    left: ((*first).clone(), (*first_json).clone()),
                    right: (node.clone(), json.clone()),
                }),
                Some(_) => {}
                None => groups.push((node, value, json)),
            }
        }
    }
    out
}

/// Collections that nodes reading them alike serialize differently, if any.
pub fn app_view(world: &World) -> Option<Violation> {
    let lines = apart(world)
        .into_iter()
        .map(|a| {
            format!(
                "{} reads alike on {} and {} but serializes {} vs {}",
                a.collection,
                a.left.0.name(),
                a.right.0.name(),
                a.left.1,
                a.right.1
            )
        })
        .collect();
    report(world, Oracle::AppView, lines, "collections read alike and serialized apart")
}

/// One piece per collection serialized apart, with whether its stored child lists hold the same
/// live entries in another order on the two nodes (what a serialization that follows the child
/// list makes of equal state). Tombstoned children are left out: they are not serialized, and a
/// list may keep one the other dropped (F10 relists a removed entry) without it mattering here.
pub(super) fn pieces(run: &Run, items: &mut Vec<Piece>) {
    let Some(layout) = run.world.layout() else { return };
    for a in apart(run.world) {
        let children = |node: &SimNode| {
            let storage = node.storage();
            let listed = layout.anchor(&a.collection).and_then(|id| storage.metadata(id).ok().flatten());
            listed.map(|m| m.children.into_iter().filter(|c| storage.exists(*c)).collect::<Vec<_>>())
        };
        let reordered = match (children(&a.left.0), children(&a.right.0)) {
            (Some(mut l), Some(mut r)) if l != r => {
                l.sort_unstable();
                r.sort_unstable();
                l == r
            }
            _ => false,
        };
        let map = matches!(a.kind, CollectionKind::Map | CollectionKind::MapOfVectors);
        items.push(Piece::new(
            format!("app-view: {} serialized apart on {} and {}", a.collection, a.left.0.name(), a.right.0.name()),
            [(reordered && map, M::MapSerializedInChildOrder), (reordered && !map, M::SetSerializedInChildOrder)],
        ));
    }
}

/// Whether the run's app declares a collection an app's view serializes.
pub fn judged(world: &World) -> bool {
    world.layout().is_some_and(|l| l.collections().any(|(_, kind)| kind.viewed()))
}
