//! **ordered-read**: on every live node, a sorted collection read in order through calimero's
//! ordered API must list exactly the keys its entries hold. The ordered index behind that read is
//! node-local and never synced; calimero trusts it while a validity marker matches the
//! collection's hash, and rebuilds it otherwise. A marker that says "current" over an index sync
//! went around makes the app read a map without keys it holds (or with keys it removed) — the
//! published bugs #3323, #3328 and #3338, fixed in 0.11.0-rc.19. Judged per node, so it fires
//! even when every node is wrong the same way.

use super::listing::{first_n, report};
use super::mechanism::{Mechanism as M, Run};
use super::piece::Piece;
use crate::cluster::World;
use crate::crdt::{OrderedRead, Verb};
use crate::ids::NodeId;
use crate::oracle::{Oracle, Violation};

/// Keys listed per disagreeing read before "…".
const SHOW_KEYS: usize = 4;

/// Each live node's disagreeing ordered reads (or why it could not read), with the node.
fn disagreements(world: &World) -> Vec<(NodeId, String, Result<OrderedRead, String>)> {
    let Some(layout) = world.layout() else { return Vec::new() };
    let mut out = Vec::new();
    for node in world.live_nodes() {
        match layout.ordered_reads(node.storage()) {
            Ok(reads) => out
                .extend(reads.into_iter().filter(|r| !r.agrees()).map(|r| (node.id(), node.name().to_owned(), Ok(r)))),
            Err(err) => out.push((node.id(), node.name().to_owned(), Err(err.to_string()))),
        }
    }
    out
}

/// Whether the run's app declares a sorted collection (the oracle judges only those runs).
pub fn judged(world: &World) -> bool {
    world.layout().is_some_and(|l| l.collections().any(|(_, kind)| kind.sorted()))
}

/// Live nodes whose ordered reads disagree with their own entries, if any.
pub fn ordered_read(world: &World) -> Option<Violation> {
    let lines = disagreements(world)
        .into_iter()
        .map(|(_, name, read)| match read {
            Ok(read) => {
                let (missing, extra) = read.missing_and_extra();
                let show = |keys: Vec<&String>| {
                    let keys: Vec<String> = keys.into_iter().map(|k| format!("{k:?}")).collect();
                    first_n(&keys, SHOW_KEYS)
                };
                match (missing.is_empty(), extra.is_empty()) {
                    (true, true) => format!("{name}: {} read out of order", read.collection),
                    (false, true) => format!("{name}: {} read in order lacks {}", read.collection, show(missing)),
                    (true, false) => format!("{name}: {} read in order holds removed {}", read.collection, show(extra)),
                    (false, false) => format!(
                        "{name}: {} read in order lacks {} and holds removed {}",
                        read.collection,
                        show(missing),
                        show(extra)
                    ),
                }
            }
            Err(err) => format!("{name} cannot read its sorted collections: {err}"),
        })
        .collect();
    report(world, Oracle::OrderedRead, lines, "ordered reads that disagree with the node's own entries")
}

/// One piece per key a node's ordered read gets wrong, with whether sync put it there: an insert
/// of the key (for a key the read lacks) or a remove of it (for one it keeps) was made on another
/// node, so the entry change reached this node by sync, which never touches its ordered index.
/// (The node may have written the key itself since: an insert over an existing entry only
/// restamps the marker, so it never adds the key to a stale index.)
pub(super) fn pieces(run: &Run, items: &mut Vec<Piece>) {
    let ops = run.world.app_ops();
    let by_other = |node: NodeId, collection: &str, key: &str, removal: bool| {
        let on_key = |verb: &Verb| match verb {
            Verb::Insert { key: k, .. } => !removal && k == key,
            Verb::Remove { key: k } => removal && k == key,
            Verb::Clear => removal,
            _ => false,
        };
        ops.iter().any(|r| r.op.collection == collection && on_key(&r.op.verb) && r.node != node)
    };
    for (node, name, read) in disagreements(run.world) {
        let Ok(read) = read else {
            items.push(Piece::new(format!("ordered-read: {name} cannot read its sorted collections"), []));
            continue;
        };
        let (missing, extra) = read.missing_and_extra();
        let out_of_order = missing.is_empty() && extra.is_empty();
        let keys = missing.iter().map(|k| (k, false)).chain(extra.iter().map(|k| (k, true)));
        for (key, removal) in keys {
            let how = if removal { "holds removed" } else { "lacks" };
            items.push(Piece::new(
                format!("ordered-read: {name}: {} read in order {how} {key:?}", read.collection),
                [(by_other(node, &read.collection, key, removal), M::SyncedPastIndex)],
            ));
        }
        if out_of_order {
            items.push(Piece::new(format!("ordered-read: {name}: {} read out of order", read.collection), []));
        }
    }
}
