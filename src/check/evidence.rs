//! A failed run's evidence, piece by piece: every entity on which a live node differs from the
//! majority, every item a run-level oracle reported (a lost write, a revived delete, a phantom,
//! a root mismatch's first difference, a broken collection promise, a refused operation), every
//! silent session violation, and every app entry whose latest write no live node holds. Each
//! piece carries the finding mechanisms (`mechanism.rs`) visibly at work on it.
//!
//! Triage (`run::triage`) then files a seed as known only when every piece is explained by a
//! finding present on the running release; one piece nothing explains makes the seed NEW,
//! however much of the rest a known finding covers. Kinds of difference are not evidence of a
//! cause: a planted lost write looks like F6's missing entity, and only the look-alike tells
//! them apart.

use std::collections::BTreeSet;
use std::time::Duration;

use super::app_losses::app_losses;
use super::convergence::{check_world, ConvergenceStatus};
use super::crdt_semantics::{promises, CLEARED_BACK, ROOT_TAKEN_WHOLE};
use super::data_loss::{losses, phantom_entities};
use super::mechanism::{Mechanism as M, Run};
use super::oracles::{mismatch, revived, Mismatch};
use super::piece::Piece;
use super::Judgement;
use crate::cluster::World;
use crate::crdt::Verb;
use crate::ids::{short_id, EntityId, NodeId};
use crate::oracle::{Oracle, Signal};
use crate::store::EntityDifference;

/// What a failed run shows, piece by piece.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    pub pieces: Vec<Piece>,
    /// What the bug merosim planted in itself did, if one was planted and acted.
    pub plant: Option<PlantReport>,
    /// Set when these pieces were read where the run came to rest (virtual time since its
    /// start) rather than where a silent violation stopped it mid-sync (`run::run_one`).
    pub at_rest: Option<Duration>,
}

/// Where a planted bug acted, and whether the run's own history made it moot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlantReport {
    pub node: NodeId,
    pub at: Duration,
    /// Whether the lost or damaged write or operation changed anything, as calimero reported it
    /// (a set insert of a member already there did not, though it rewrote the entry).
    pub changed: bool,
    /// Every entity the plant lost or damaged was written or removed again at a later stamp:
    /// the final state owes the plant nothing, so no oracle can be expected to see it.
    pub superseded: bool,
    /// Every entry the plant lost was written after a remove of it that every live node keeps:
    /// where tombstones are final (F8) the write would have been invisible anyway.
    pub after_remove: bool,
}

/// Where the collection checks name a two-level map's key that calimero's `CompositeKey` does
/// not carry faithfully (`collection["key"]`): every key an operation wrote whose stored form
/// this release parses back as another key, and the key it parses back as.
fn misread_keys(world: &World) -> Vec<String> {
    use crate::crdt::{composite_key, CollectionKind};
    let mut places = Vec::new();
    for record in world.app_ops() {
        let (CollectionKind::Nested, Verb::Insert { key, .. }) = (record.op.kind, &record.op.verb) else { continue };
        let read_back = crate::crdt::logical_key(&composite_key(key));
        if read_back != *key {
            let collection = &record.op.collection;
            places.push(format!("{collection}[{key:?}]"));
            places.push(format!("{collection}[{read_back:?}]"));
        }
    }
    places
}

/// The text check's order lines that F18 explains (`text_model::displaced_order_lines`), for every
/// text the app declares.
fn displaced_order_lines(world: &World) -> BTreeSet<String> {
    let Some(layout) = world.layout() else { return BTreeSet::new() };
    let (ops, mut lines) = (world.app_ops(), BTreeSet::new());
    let who = |r: &crate::cluster::OpRecord| super::crdt_semantics::op_by(world, r);
    for (text, _) in layout.collections().filter(|(_, kind)| *kind == crate::crdt::CollectionKind::Text) {
        let edits: Vec<&crate::cluster::OpRecord> = ops.iter().filter(|r| r.op.collection == text).collect();
        let Some(node) = world.live_nodes().into_iter().next() else { break };
        let Ok(crate::crdt::CollectionValue::Text(merged)) = layout.read_collection(node.storage(), text) else {
            continue;
        };
        lines.extend(super::text_model::displaced_order_lines(text, &edits, &merged, &who));
    }
    lines
}

/// The evidence of `world`'s run, which `judgement` judged. A passing run has none.
pub fn evidence(world: &World, judgement: &Judgement) -> Evidence {
    let run = Run::new(world);
    let plant = world.planted().map(|p| {
        let entries = p.effects.iter().filter(|e| e.data.as_ref().is_some_and(|d| d.ends_with(&e.entity)));
        let after_remove = !p.accumulates
            && entries.clone().count() > 0
            && entries.into_iter().all(|e| run.write_after_remove(&e.entity, e.stamp));
        PlantReport {
            node: p.node,
            at: p.at,
            changed: p.changed && !p.effects.is_empty(),
            superseded: run.superseded(&p),
            after_remove,
        }
    });
    if judgement.verdict.passed() {
        return Evidence { pieces: Vec::new(), plant, at_rest: None };
    }
    let mut items = Vec::new();
    let silent = |v: &&crate::oracle::Violation| v.signal == Signal::Silent;
    for v in judgement.violations.iter().filter(silent).filter(|v| v.session.is_some()) {
        let session = v.session.as_ref().map(ToString::to_string).unwrap_or_default();
        let by = [
            (v.oracle == Oracle::HollowSuccess, M::HollowSession),
            (v.oracle == Oracle::StaleAfterOk, M::StaleSession),
        ];
        items.push(Piece::new(format!("{}: session {session}", v.oracle), by));
    }
    // A session oracle stops the run mid-sync: the state then says nothing about the bug.
    let mid_run = judgement.culprit().is_some_and(|v| v.session.is_some());
    if !mid_run {
        let fired =
            |o: Oracle| judgement.violations.iter().filter(silent).any(|v| v.oracle == o && v.session.is_none());
        let status = check_world(world, true);
        let wedged = hung(&run, &mut items);
        let before = items.len();
        state(&run, &status, &wedged, &mut items);
        let stores_differ = items.len() > before;
        oracles(&run, &fired, &wedged, &mut items);
        // Where it decided the verdict (a run that otherwise ended well): in any other, a bare
        // entry is part of the divergence the other pieces explain.
        if judgement.verdict == crate::oracle::Verdict::IndexRows {
            for u in super::index_rows::unpaired(world) {
                let f1 = u.bare && run.interior(&u.entity);
                items.push(Piece::new(format!("index-rows: {}", u.line()), [(f1, M::InteriorWithoutBytes)]));
            }
        }
        if fired(Oracle::AppView) {
            super::app_view::pieces(&run, &mut items);
        }
        if fired(Oracle::OrderedRead) {
            super::ordered_read::pieces(&run, &mut items);
        }
        if fired(Oracle::AppDivergence) && !stores_differ {
            items.push(Piece::new("app-divergence: the apps read differently from equal stores".to_owned(), []));
        }
    }
    if items.is_empty() {
        let (what, settled) = unexplained(world, judgement);
        let by = [
            (settled && run.in_stream_faults(), M::SettledInFlight),
            (settled && run.unserved_delta(), M::UnservedDelta),
            (settled && run.lifted_unlinked_on_a_byzantine_member(), M::LiftedTombstoneUnlinked),
        ];
        items.push(Piece::new(what, by));
    }
    Evidence { pieces: items, plant, at_rest: None }
}

/// What to say of a failed run no piece of evidence explains, and whether it stopped settled. A
/// liveness or time-limit stop whose stores all agree was a repair that came late (the bound ran
/// out while its last sessions were in flight), and the state that would say why is gone by the
/// end: the words say how to see it.
fn unexplained(world: &World, judgement: &Judgement) -> (String, bool) {
    use super::convergence::Property as P;
    use crate::oracle::Verdict;
    let status = check_world(world, true);
    let settled = [P::C3NoPendingBuffers, P::C4NoPendingSync, P::C5StatesEqual].iter().all(|p| status.holds(*p));
    let verdict = judgement.verdict;
    if !matches!(verdict, Verdict::LivenessViolation | Verdict::MaxTime) || !settled {
        return (format!("{verdict}: the run failed with nothing a finding could explain"), false);
    }
    let stop = world.router().now().as_secs_f64();
    let what = format!(
        "{verdict}: every live node's state agrees at the stop ({stop:.3}s) and only sessions in flight kept the run \
         from converging by its bound: a repair that came late; rerun with --max-time {} to see what differed before it",
        (stop.floor() as u64).saturating_sub(1)
    );
    (what, true)
}

/// A piece for each live node whose delta store hangs (#3499); their names.
fn hung(run: &Run, items: &mut Vec<Piece>) -> Vec<String> {
    let wedged = run.wedged();
    for (name, since) in &wedged {
        let what = format!(
            "{name}'s delta store hangs: a gossiped delta in production's handler since {:.3}s, over its 60 s \
             budget, with the context lock held",
            since.as_secs_f64()
        );
        items.push(Piece::new(what, [(true, M::WedgedDeltaStore)]));
    }
    wedged.into_iter().map(|(name, _)| name).collect()
}

/// Every entity on which a live node differs from the majority. Whether its parent is crowded
/// (F12) the convergence check already worked out, from both sides' listings; a side whose
/// delta store hangs (#3499, `wedged`) explains any difference it is part of.
fn state(run: &Run, status: &ConvergenceStatus, wedged: &[String], items: &mut Vec<Piece>) {
    let Some(majority) = status.majority.first() else { return };
    for d in &status.divergent {
        let hung = wedged.iter().any(|w| *w == d.node || w == majority);
        let sides =
            d.diff.only_left.iter().map(|id| (id, &d.node)).chain(d.diff.only_right.iter().map(|id| (id, majority)));
        for (id, lacking) in sides {
            let unlinked = d.unlinked.contains(id);
            let crowded = d.crowded.contains(id);
            let how = if unlinked { "live but unlinked" } else { "missing" };
            items.push(Piece::new(
                format!("{} {how} on {lacking}", short_id(id)),
                [
                    (run.look_alike(id, lacking), M::LookAlike),
                    (run.remove_crossed_update(id), M::RemoveCrossedUpdate),
                    (crowded, M::CrowdedParent),
                    (unlinked && run.lifted_unlinked(id), M::LiftedTombstoneUnlinked),
                    (unlinked && run.under_interior(id, lacking), M::InteriorWithoutBytes),
                    (run.damaged_frame(id), M::DamagedFrameApplied),
                    (run.delete_never_travelled(id), M::DeleteNeverTravelled),
                    (run.squatted_slot(id), M::SquattedSlot),
                    (run.owner_split(id) || run.owner_split_between(&d.node, majority), M::OwnerSplit),
                    (run.failed_claim_kept(id), M::FailedClaimKept),
                    (hung, M::WedgedDeltaStore),
                    (run.never_carried(&d.node, majority), M::NeverCarried),
                ],
            ));
        }
        for (id, difference) in &d.diff.different {
            let crowded = d.crowded.contains(id);
            let (what, by) = match difference {
                EntityDifference::Data { left, right } if left.is_empty() || right.is_empty() => (
                    "own bytes missing",
                    vec![(run.interior(id), M::InteriorWithoutBytes), (crowded, M::CrowdedParent)],
                ),
                EntityDifference::Data { .. } => (
                    "bytes differ",
                    vec![
                        (crowded, M::CrowdedParent),
                        (run.damaged_frame(id), M::DamagedFrameApplied),
                        (run.squatted_slot(id), M::SquattedSlot),
                        (run.owner_split(id) || run.owner_split_between(&d.node, majority), M::OwnerSplit),
                        (run.failed_claim_kept(id), M::FailedClaimKept),
                    ],
                ),
                EntityDifference::Parent { .. } => (
                    "parent differs",
                    vec![(crowded, M::CrowdedParent), (run.damaged_frame(id), M::DamagedFrameApplied)],
                ),
            };
            let apart = run.never_carried(&d.node, majority);
            let by = by.into_iter().chain([(hung, M::WedgedDeltaStore), (apart, M::NeverCarried)]);
            items.push(Piece::new(format!("{} {what} on {} and {majority}", short_id(id), d.node), by));
        }
    }
}

/// Every item the run-level oracles that fired reported, and what the app lost (`app_losses`).
fn oracles(run: &Run, fired: &dyn Fn(Oracle) -> bool, wedged: &[String], items: &mut Vec<Piece>) {
    let world = run.world;
    if fired(Oracle::DataLoss) {
        for loss in losses(world) {
            let stamp = run.last_write(&loss.entity).map(|(s, _)| s);
            let after_remove = stamp.is_some_and(|s| run.write_after_remove(&loss.entity, s));
            for node in &loss.missing {
                items.push(Piece::new(
                    format!("data-loss: {}: missing on {}", loss.write, node.name()),
                    [
                        (run.look_alike(&loss.entity, node.name()), M::LookAlike),
                        (run.remove_crossed_update(&loss.entity), M::RemoveCrossedUpdate),
                        (run.crowded(&loss.entity), M::CrowdedParent),
                        (after_remove, M::WriteAfterRemove),
                        (run.lifted_unlinked(&loss.entity), M::LiftedTombstoneUnlinked),
                        (wedged.iter().any(|w| w == node.name()), M::WedgedDeltaStore),
                        (run.never_carried(&loss.writer, node.name()), M::NeverCarried),
                        (run.owner_split_between(&loss.writer, node.name()), M::OwnerSplit),
                    ],
                ));
            }
            // Another value where the write should stand: no look-alike or tombstone explains
            // that; an interior entity without its own bytes (F1) or a crowded parent (F12) does.
            for node in &loss.other {
                let empty = node.storage().get(loss.entity).is_some_and(|b| b.is_empty());
                items.push(Piece::new(
                    format!("data-loss: {}: another value on {}", loss.write, node.name()),
                    [
                        (run.crowded(&loss.entity), M::CrowdedParent),
                        (empty && run.interior(&loss.entity), M::InteriorWithoutBytes),
                        (run.damaged_value(&loss.entity, node), M::DamagedFrameApplied),
                        (run.never_carried(&loss.writer, node.name()), M::NeverCarried),
                        (run.owner_split_between(&loss.writer, node.name()), M::OwnerSplit),
                    ],
                ));
            }
        }
    }
    if fired(Oracle::LostDelete) {
        for r in revived(world) {
            let apart = r.holders.iter().all(|h| run.never_carried(&r.by, h));
            let split = !r.holders.is_empty() && r.holders.iter().all(|h| run.owner_split_between(&r.by, h));
            let by = [
                (run.crowded(&r.entity), M::CrowdedParent),
                (run.delete_never_travelled(&r.entity), M::DeleteNeverTravelled),
                (apart, M::NeverCarried),
                (split, M::OwnerSplit),
            ];
            items.push(Piece::new(format!("lost-delete: {}", r.line), by));
        }
    }
    if fired(Oracle::Phantom) {
        for (entity, line) in phantom_entities(world) {
            items.push(Piece::new(format!("phantom: {line}"), [(run.damaged_frame(&entity), M::DamagedFrameApplied)]));
        }
    }
    if fired(Oracle::Forgery) {
        for f in super::forgery::forged(run.world) {
            let by: Vec<_> = f.mechanism.map(|m| (true, m)).into_iter().collect();
            items.push(Piece::new(format!("forgery: {}", f.line), by));
        }
    }
    if fired(Oracle::TypeTag) {
        // F1: a nested collection whose own bytes never arrived is made, untagged, as the parent
        // of the first entry a node writes into it (or sync brings under it). Any other is NEW.
        for (entity, line) in super::type_tag::tags_apart(world) {
            items.push(Piece::new(
                format!("type-tag: {line}"),
                [(run.made_as_parent(&entity), M::InteriorWithoutBytes)],
            ));
        }
    }
    if fired(Oracle::RootMismatch) {
        if let Some((found, words)) = mismatch(world) {
            let by = match &found {
                Mismatch::Children { parent, apart, between } => {
                    let all = |f: &dyn Fn(&EntityId) -> bool| !apart.is_empty() && apart.iter().all(f);
                    vec![
                        (all(&|c| run.reinsert_over_tombstone(c, between)), M::ReinsertOverTombstone),
                        (all(&|c| run.reapplied_over_tombstone(c, parent, between)), M::ReappliedOverTombstone),
                        (all(&|c| run.failed_claim_kept(c)), M::FailedClaimKept),
                    ]
                }
                Mismatch::Order { .. } => vec![(true, M::ChildOrder)],
                Mismatch::OwnHash { entity } => {
                    // Under a tombstone final everywhere (F8) the bytes are whatever write last
                    // landed there on each node, so the entity's own hash may differ.
                    let stamp = run.last_write(entity).map(|(s, _)| s);
                    let f8 = stamp.is_some_and(|s| run.write_after_remove(entity, s));
                    vec![
                        (run.interior(entity), M::InteriorWithoutBytes),
                        (f8, M::WriteAfterRemove),
                        (run.failed_claim_kept(entity), M::FailedClaimKept),
                    ]
                }
                Mismatch::Other => Vec::new(),
            };
            items.push(Piece::new(format!("root-mismatch: {}", words.replace('\n', "; ")), by));
        }
    }
    if fired(Oracle::CrdtSemantics) || fired(Oracle::LostAfterRemove) {
        if let Some((problems, after_remove)) = promises(world) {
            let misread = misread_keys(world);
            let displaced = displaced_order_lines(world);
            for line in problems {
                let back = line.contains(CLEARED_BACK);
                let whole = line.contains(ROOT_TAKEN_WHOLE);
                let ambiguous = misread.iter().any(|place| line.starts_with(place.as_str()));
                let reordered = displaced.contains(&line);
                items.push(Piece::new(
                    format!("crdt-semantics: {line}"),
                    [
                        (back, M::ClearedEntryBack),
                        (whole, M::RootTakenWhole),
                        (ambiguous, M::AmbiguousCompositeKey),
                        (reordered, M::OriginNotHeld),
                    ],
                ));
            }
            for lost in after_remove {
                let f8 = run.write_after_remove(&lost.entity, lost.stamp);
                items.push(Piece::new(format!("lost-after-remove: {}", lost.line), [(f8, M::WriteAfterRemove)]));
            }
        }
    }
    if fired(Oracle::AppError) {
        let ops = world.app_ops();
        for refusal in world.app_errors() {
            let taken_away = ops.iter().any(|o| {
                o.op.collection == refusal.op.collection
                    && o.at <= refusal.at
                    && (o.op.verb == Verb::Clear
                        || (matches!(o.op.verb, Verb::Remove { .. }) && o.op.key() == refusal.op.key()))
            });
            let refused = refusal.error.contains("Record not found") && taken_away;
            let what =
                format!("app-error: {} by {} refused: {}", refusal.op, world.at(refusal.node).name(), refusal.error);
            let owner_change = run.owner_change_refused(&refusal);
            let by = [(refused, M::PushToRemovedKey)].into_iter().chain(owner_change.map(|m| (true, m)));
            items.push(Piece::new(what, by));
        }
    }
    app_losses(run, items);
}
