//! **crdt-semantics**: the app state every live node agrees on, held to what each collection
//! promises, against the operations the nodes acknowledged:
//!
//! - maps, sets, registers: per key, the operation with the greatest timestamp wins — a key is
//!   present with the last value written, and a removed (or cleared) key stays removed unless
//!   written again later; a key nobody wrote is never present;
//! - vectors: every pushed element is present unless popped, cleared or overwritten later (last
//!   timestamp wins per element), nothing else is, and elements keep their push order;
//! - map of vectors: the same per key, and an element a clear removed never comes back, even when
//!   its key is pushed to again;
//! - counters: the value is the acknowledged increments less the decrements;
//! - text: the characters typed and not erased, in an order that keeps every order a node once
//!   held (`text_model.rs`, a model of the edits independent of calimero's RGA).
//!
//! Timestamps are those calimero gave each write (read from the actions the operation recorded),
//! so concurrent operations are judged as calimero orders them; equal timestamps accept either
//! outcome (convergence, not this oracle, makes the nodes agree on one).
//!
//! Only judged when the live nodes agree: when they do not, app-divergence says where.

use std::collections::{BTreeMap, BTreeSet};

use super::listing::report;
use crate::cluster::{OpRecord, World};
use crate::crdt::{CollectionKind as K, CollectionValue, Verb};
use crate::ids::EntityId;
use crate::oracle::{Oracle, Violation};

/// One write (`Some(value)`) or removal (`None`) of a key or element.
struct Event<'r> {
    stamp: u64,
    value: Option<String>,
    by: &'r OpRecord,
    /// The entity it wrote or tombstoned.
    entity: EntityId,
}

/// The words of a vector element a clear removed that is back (F14's shape), which triage
/// reads as that finding's mechanism: the check that writes them is the mechanism's test.
pub(crate) const CLEARED_BACK: &str = "again after a clear removed it";

/// The words of an app root state's register holding an older write of it that the newest root
/// entry any call wrote carried (F22's shape), which triage reads as that finding's mechanism.
pub(crate) const ROOT_TAKEN_WHOLE: &str = "an older write, held in the newest root entry, taken whole";

/// A write invisible on every node because its key was removed before it (`lost-after-remove`).
pub(crate) struct AfterRemove {
    pub line: String,
    /// The last write's entity and stamp: F8 is that it came after a remove every node keeps.
    pub entity: EntityId,
    pub stamp: u64,
}

impl AfterRemove {
    fn of(line: String, events: &[Event<'_>]) -> Option<AfterRemove> {
        let write = events.iter().filter(|e| e.value.is_some()).max_by_key(|e| e.stamp)?;
        Some(AfterRemove { line, entity: write.entity, stamp: write.stamp })
    }
}

/// What the history allows at the end for one key or element.
enum Expect {
    Absent,
    /// Present, with any of these values (several only when writes tie).
    Present(BTreeSet<String>),
    /// A write and a removal tie: either.
    Either(BTreeSet<String>),
}

fn expect(events: &[Event<'_>]) -> Expect {
    let Some(top) = events.iter().map(|e| e.stamp).max() else { return Expect::Absent };
    let tied: Vec<&Event<'_>> = events.iter().filter(|e| e.stamp == top).collect();
    let values: BTreeSet<String> = tied.iter().filter_map(|e| e.value.clone()).collect();
    match (values.is_empty(), tied.iter().any(|e| e.value.is_none())) {
        (true, _) => Expect::Absent,
        (false, false) => Expect::Present(values),
        (false, true) => Expect::Either(values),
    }
}

/// The last operation among `events`, for a report.
fn last<'e>(events: &'e [Event<'_>]) -> Option<&'e Event<'e>> {
    events.iter().max_by_key(|e| e.stamp)
}

/// Whether a removal precedes the last write: the write then meets a tombstone.
fn removed_before_last(events: &[Event<'_>]) -> bool {
    let top = events.iter().filter(|e| e.value.is_some()).map(|e| e.stamp).max();
    top.is_some_and(|top| events.iter().any(|e| e.value.is_none() && e.stamp < top))
}

fn borsh_str(s: &str) -> Vec<u8> {
    borsh::to_vec(s).expect("strings serialize")
}

/// From one reading of the nodes, `(crdt-semantics, lost-after-remove)`:
///
/// - broken collection promises in the app state the live nodes agree on, if they agree — except
///   writes lost to an earlier remove of the same key, which the second reports;
/// - writes invisible because the key (or its entry) was removed earlier: calimero-storage's
///   tombstones are final, so a re-insert — or a concurrent write stamped after the remove — is
///   acknowledged and then never seen on any node (docs/findings.md F8).
pub fn collection_promises(world: &World) -> (Option<Violation>, Option<Violation>) {
    let Some((broken, after_remove)) = promises(world) else { return (None, None) };
    let after_remove = after_remove.into_iter().map(|a| a.line).collect();
    (
        report(world, Oracle::CrdtSemantics, broken, "collection promises broken"),
        report(world, Oracle::LostAfterRemove, after_remove, "writes lost to an earlier remove of their key (F8)"),
    )
}

/// The key node `node` signs its User-owned writes with (their owner), if it has keys.
fn signer(world: &World, node: crate::ids::NodeId) -> Option<calimero_primitives::identity::PublicKey> {
    Some(world.node(node)?.storage().keys()?.signing_key())
}

/// An acknowledged operation as the checks name it: what, by whom, when.
pub(crate) fn op_by(world: &World, r: &OpRecord) -> String {
    format!("{} by {} at {:.3}s", r.op, world.at(r.node).name(), r.at.as_secs_f64())
}

/// `(broken promises, writes lost after a remove)`, or `None` if the live nodes disagree.
pub(crate) fn promises(world: &World) -> Option<(Vec<String>, Vec<AfterRemove>)> {
    let layout = world.layout()?;
    let mut states = world.live_nodes().into_iter().map(|n| layout.read(n.storage()));
    let state = states.next()?.ok()?;
    for other in states {
        if other.ok()? != state {
            return None;
        }
    }
    let ops = world.app_ops();
    let who = |r: &OpRecord| op_by(world, r);
    let (mut problems, mut after_remove) = (Vec::new(), Vec::new());
    for (collection, kind) in layout.collections() {
        let mine: Vec<&OpRecord> = ops.iter().filter(|r| r.op.collection == collection).collect();
        let mut judge =
            Judge { world, collection, who: &who, problems: &mut problems, after_remove: &mut after_remove };
        match (kind, state.collections.get(collection)) {
            (K::Counter | K::PnCounter, Some(CollectionValue::Count(value))) => judge.counter(&mine, *value),
            (
                K::Map | K::Registers | K::SortedMap | K::Nested | K::MapOfMaps | K::User | K::Authored,
                Some(CollectionValue::Entries(entries)),
            ) => judge.keyed(&mine, entries, kind),
            (K::Set | K::SortedSet, Some(CollectionValue::Members(members))) => {
                let entries = members.iter().map(|m| (m.clone(), String::new())).collect();
                judge.keyed(&mine, &entries, kind)
            }
            (K::Vector, Some(CollectionValue::List(list))) => judge.vector(&mine, list),
            (K::MapOfVectors, Some(CollectionValue::Lists(lists))) => judge.lists(&mine, lists),
            (K::Frozen, Some(CollectionValue::Members(values))) => judge.frozen(&mine, values),
            (K::Rooted, Some(CollectionValue::Entries(view))) => judge.rooted(&mine, view, layout.anchor(collection)),
            (K::Text, Some(CollectionValue::Text(text))) => {
                problems.extend(super::text_model::text_problems(collection, &mine, text, &who))
            }
            (_, value) => problems.push(format!("{collection}: reads as {value:?}, not a {kind}")),
        }
    }
    Some((problems, after_remove))
}

struct Judge<'a> {
    world: &'a World,
    collection: &'a str,
    who: &'a dyn Fn(&OpRecord) -> String,
    problems: &'a mut Vec<String>,
    /// Writes lost to an earlier tombstone of the same entry (F8), kept apart from `problems`.
    after_remove: &'a mut Vec<AfterRemove>,
}

impl Judge<'_> {
    fn counter(&mut self, ops: &[&OpRecord], value: i64) {
        let up = ops.iter().filter(|r| r.op.verb == Verb::Increment).count() as i64;
        let down = ops.iter().filter(|r| r.op.verb == Verb::Decrement).count() as i64;
        if value != up - down {
            self.problems.push(format!(
                "{} = {value}, but {up} increments and {down} decrements were acknowledged (expected {})",
                self.collection,
                up - down
            ));
        }
    }

    /// Frozen storage only grows: every value an acknowledged insert froze is held, and
    /// nothing else (a value read under a key that is not its hash is never one an app froze).
    fn frozen(&mut self, ops: &[&OpRecord], values: &BTreeSet<String>) {
        let frozen: BTreeMap<&str, &OpRecord> = ops
            .iter()
            .filter_map(|r| match &r.op.verb {
                Verb::Freeze { value } => Some((value.as_str(), *r)),
                _ => None,
            })
            .collect();
        for (value, r) in &frozen {
            if !values.contains(*value) {
                self.problems.push(format!("{}: {value:?} missing, frozen {}", self.collection, (self.who)(r)));
            }
        }
        for value in values.iter().filter(|v| !frozen.contains_key(v.as_str())) {
            self.problems.push(format!("{} holds {value:?}, frozen by no operation", self.collection));
        }
    }

    /// Maps, registers, two-level maps and sets (membership only, values are empty), by the key
    /// each operation named: a two-level map's entry is found by the composite key the app
    /// stored it under, and judged by the key the app reads back.
    fn keyed(&mut self, ops: &[&OpRecord], entries: &BTreeMap<String, String>, kind: K) {
        let set = matches!(kind, K::Set | K::SortedSet);
        let mut key_of: BTreeMap<EntityId, String> = BTreeMap::new();
        let mut events: BTreeMap<String, Vec<Event<'_>>> = BTreeMap::new();
        for r in ops {
            let Verb::Insert { key, value } = &r.op.verb else { continue };
            // A member's User slot is named by its owner, the writer's signing key.
            let owner = (kind == K::User).then(|| signer(self.world, r.node)).flatten();
            let key = &owner.map_or_else(|| key.clone(), |pk| crate::crdt::user_slot(&pk));
            let mut prefix = match (kind, owner) {
                (K::Nested, _) => borsh::to_vec(&crate::crdt::composite_key(key)).expect("a composite key serializes"),
                // The inner map's entry: its own key, then the value.
                (K::MapOfMaps, _) => borsh_str(key.split_once('/').map_or("", |(_, inner)| inner)),
                (K::User, Some(pk)) => AsRef::<[u8; 32]>::as_ref(&pk).to_vec(),
                _ => borsh_str(key),
            };
            if !set {
                prefix.extend(borsh_str(value));
            }
            match r.written_with_prefix(&prefix) {
                Some(effect) => {
                    key_of.insert(effect.entity, key.clone());
                    let value = if set { String::new() } else { value.clone() };
                    events.entry(key.clone()).or_default().push(Event {
                        stamp: effect.stamp,
                        value: Some(value),
                        by: r,
                        entity: effect.entity,
                    });
                }
                None if r.changed => self.problems.push(format!("{}: recorded no entry write", (self.who)(r))),
                None => {}
            }
        }
        self.removals(ops, &key_of, &mut events);
        let show = |v: &str| if set { "member".to_owned() } else { format!("{v:?}") };
        for (key, events) in &events {
            let held = entries.get(key);
            let place = format!("{}[{key:?}]", self.collection);
            let last = last(events).map(|e| (self.who)(e.by)).unwrap_or_default();
            match (expect(events), held) {
                (Expect::Absent, Some(v)) => {
                    self.problems.push(format!("{place} = {} after its last op {last}", show(v)))
                }
                (Expect::Present(_), None) if removed_before_last(events) => {
                    let line = format!("{place} missing: {last} came after its remove");
                    self.after_remove.extend(AfterRemove::of(line, events))
                }
                (Expect::Present(_), None) => self.problems.push(format!("{place} missing after its last op {last}")),
                (Expect::Present(values) | Expect::Either(values), Some(v)) if !values.contains(v) => {
                    self.problems.push(format!("{place} = {}, not the last write {last}", show(v)))
                }
                _ => {}
            }
        }
        for (key, value) in entries.iter().filter(|(k, _)| !events.contains_key(*k)) {
            self.problems.push(format!("{}[{key:?}] = {}, written by no operation", self.collection, show(value)));
        }
    }

    /// Removals: each tombstone a remove, pop or clear recorded, on an entity `owner_of` knows.
    fn removals<'r>(
        &mut self,
        ops: &[&'r OpRecord],
        owner_of: &BTreeMap<EntityId, String>,
        events: &mut BTreeMap<String, Vec<Event<'r>>>,
    ) {
        for r in ops.iter().filter(|r| matches!(r.op.verb, Verb::Remove { .. } | Verb::Pop { .. } | Verb::Clear)) {
            for t in r.tombstoned() {
                if let Some(owner) = owner_of.get(&t.entity) {
                    let event = Event { stamp: t.stamp, value: None, by: r, entity: t.entity };
                    events.entry(owner.clone()).or_default().push(event);
                }
            }
        }
    }

    /// The `Root<T>` app's state, field by field as its view names them: its map of registers
    /// held to what registers promise, its set to a set's, each under its field's name, and each
    /// of its two registers to the value of the call (a `set` for the title, an `unset` for the
    /// other) whose root-state write (`anchor`, the root entry) came last — the register a
    /// root-state merge keeps by its stamp.
    fn rooted(&mut self, ops: &[&OpRecord], view: &BTreeMap<String, String>, anchor: Option<EntityId>) {
        let field = |prefix: &str| -> BTreeMap<String, String> {
            view.iter().filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_owned(), v.clone()))).collect()
        };
        // A set's entry is its member and its id, nothing more: a call's tag is the write of
        // exactly that length (its register entry starts with the same key), and a `set` of a
        // key already tagged writes no tag.
        let tag_of = |r: &&OpRecord| -> OpRecord {
            let mut r = (*r).clone();
            if let Verb::Insert { key, .. } = &r.op.verb {
                let len = borsh_str(key).len() + 32;
                r.effects.retain(|e| e.data.as_ref().is_none_or(|d| d.len() == len));
                r.changed = r.effects.iter().any(|e| e.data.is_some());
            }
            r
        };
        let tags: Vec<OpRecord> = ops.iter().map(tag_of).collect();
        let tags: Vec<&OpRecord> = tags.iter().collect();
        for (name, prefix, kind, ops) in [("items", "item/", K::Registers, ops), ("tags", "tag/", K::Set, &tags[..])] {
            let collection = format!("{}.{name}", self.collection);
            let mut judge = Judge {
                collection: &collection,
                problems: &mut *self.problems,
                after_remove: &mut *self.after_remove,
                ..*self
            };
            judge.keyed(ops, &field(prefix), kind);
        }
        // The newest root entry any call wrote: what taking one side whole leaves every node.
        let newest = ops
            .iter()
            .flat_map(|r| r.effects.iter())
            .filter(|e| Some(e.entity) == anchor)
            .filter_map(|e| Some((e.stamp, crate::crdt::rooted_registers(e.data.as_deref()?)?)))
            .max_by_key(|(stamp, _)| *stamp);
        // Each register: what the call that last wrote the root entry among those writing it set.
        for register in ["title", "unset"] {
            let writes = ops.iter().filter_map(|r| {
                let value = match (&r.op.verb, register) {
                    (Verb::Insert { value, .. }, "title") => value,
                    (Verb::Remove { key }, "unset") => key,
                    _ => return None,
                };
                let written = r.effects.iter().find(|e| Some(e.entity) == anchor && e.data.is_some())?;
                Some((written.stamp, value.clone(), *r))
            });
            let Some(top) = writes.clone().map(|(stamp, ..)| stamp).max() else { continue };
            let values: BTreeSet<String> = writes.clone().filter(|(s, ..)| *s == top).map(|(_, v, _)| v).collect();
            let held = view.get(register).cloned().unwrap_or_default();
            if values.contains(&held) {
                continue;
            }
            let last = writes.clone().filter(|(s, ..)| *s == top).map(|(.., r)| r).next();
            let line = format!("{}.{register} = {held:?}, not the last write", self.collection);
            let line = format!("{line} {}", last.map(|r| (self.who)(r)).unwrap_or_default());
            // The cause on the record: the value is one an earlier call (or the init) wrote, and
            // it is what the newest root entry any call wrote holds — that entry, taken whole.
            let older = held.is_empty() || writes.clone().any(|(s, v, _)| s < top && v == held);
            let whole = newest.as_ref().is_some_and(|(stamp, r)| *stamp > top && r.get(register) == Some(&held));
            match older && whole {
                true => self.problems.push(format!("{line}: {ROOT_TAKEN_WHOLE}")),
                false => self.problems.push(line),
            }
        }
    }

    /// Elements pushed (or overwritten) by `ops`, keyed by element entity; with their push stamp.
    fn elements<'r>(&mut self, ops: &[&'r OpRecord]) -> (BTreeMap<String, Vec<Event<'r>>>, BTreeMap<String, u64>) {
        let mut owner: BTreeMap<EntityId, String> = BTreeMap::new();
        let mut events: BTreeMap<String, Vec<Event<'r>>> = BTreeMap::new();
        let mut pushed_at: BTreeMap<String, u64> = BTreeMap::new();
        for r in ops {
            let (Verb::Push { value, .. } | Verb::Update { value, .. }) = &r.op.verb else { continue };
            match r.written_with_prefix(&borsh_str(value)) {
                Some(effect) => {
                    let element = hex::encode(effect.entity);
                    owner.insert(effect.entity, element.clone());
                    pushed_at.entry(element.clone()).or_insert(effect.stamp);
                    events.entry(element).or_default().push(Event {
                        stamp: effect.stamp,
                        value: Some(value.clone()),
                        by: r,
                        entity: effect.entity,
                    });
                }
                None if r.changed => self.problems.push(format!("{}: recorded no element write", (self.who)(r))),
                None => {}
            }
        }
        self.removals(ops, &owner, &mut events);
        (events, pushed_at)
    }

    fn vector(&mut self, ops: &[&OpRecord], list: &[String]) {
        let (events, pushed_at) = self.elements(ops);
        let place = self.collection.to_owned();
        self.list(&place, &events, &pushed_at, list, &BTreeSet::new());
    }

    /// One vector's final `list` against its elements' histories (`cleared`: values a clear removed).
    fn list(
        &mut self,
        place: &str,
        events: &BTreeMap<String, Vec<Event<'_>>>,
        pushed_at: &BTreeMap<String, u64>,
        list: &[String],
        cleared: &BTreeSet<String>,
    ) {
        // Each element may hold only its winning value (any of them when writes tie).
        let mut allowed: BTreeMap<String, &str> = BTreeMap::new();
        for (element, history) in events {
            let last = last(history).map(|e| (self.who)(e.by)).unwrap_or_default();
            let winners = match expect(history) {
                Expect::Present(values) => {
                    if values.iter().all(|v| !list.contains(v) && !cleared.contains(v)) {
                        self.problems.push(format!("{place} lost {values:?}: last op {last}"));
                    }
                    values
                }
                Expect::Either(values) => values,
                Expect::Absent => BTreeSet::new(),
            };
            for v in winners.into_iter().filter(|v| !cleared.contains(v)) {
                allowed.insert(v, element);
            }
        }
        let mut seen = BTreeSet::new();
        for v in list {
            if !seen.insert(v) {
                self.problems.push(format!("{place} holds {v:?} twice"));
            } else if cleared.contains(v) {
                self.problems.push(format!("{place} holds {v:?} {CLEARED_BACK}"));
            } else if !allowed.contains_key(v.as_str()) {
                self.problems.push(format!("{place} holds {v:?}, which is popped, overwritten or was never pushed"));
            }
        }
        // Order: elements as they were pushed (calimero orders children by creation time).
        let stamps: Vec<(u64, &String)> = list
            .iter()
            .filter_map(|v| allowed.get(v.as_str()).and_then(|e| pushed_at.get(*e)).map(|s| (*s, v)))
            .collect();
        if let Some(w) = stamps.windows(2).find(|w| w[0].0 > w[1].0) {
            self.problems.push(format!(
                "{place} holds {:?} (pushed at {}) before {:?} (pushed at {})",
                w[0].1, w[0].0, w[1].1, w[1].0
            ));
        }
    }

    fn lists(&mut self, ops: &[&OpRecord], lists: &BTreeMap<String, Vec<String>>) {
        let keys: BTreeSet<&str> = ops.iter().filter_map(|r| r.op.key()).collect();
        let clears: Vec<&OpRecord> = ops.iter().copied().filter(|r| r.op.verb == Verb::Clear).collect();
        for key in keys {
            let place = format!("{}[{key:?}]", self.collection);
            let of_key: Vec<&OpRecord> = ops.iter().copied().filter(|r| r.op.key() == Some(key)).collect();
            let (elements, pushed_at) = self.elements(&of_key);
            // The entry: written by every push and pop on the key, tombstoned by clears.
            let element_ids: BTreeSet<String> = elements.keys().cloned().collect();
            let prefix = borsh_str(key);
            let mut entry: BTreeMap<EntityId, String> = BTreeMap::new();
            let mut entry_events: BTreeMap<String, Vec<Event<'_>>> = BTreeMap::new();
            for r in &of_key {
                for e in r.effects.iter().filter(|e| !element_ids.contains(&hex::encode(e.entity))) {
                    if e.data.as_ref().is_some_and(|d| d.starts_with(&prefix) && d.ends_with(&e.entity)) {
                        entry.insert(e.entity, key.to_owned());
                        entry_events.entry(key.to_owned()).or_default().push(Event {
                            stamp: e.stamp,
                            value: Some(String::new()),
                            by: r,
                            entity: e.entity,
                        });
                    }
                }
            }
            self.removals(&clears, &entry, &mut entry_events);
            let cleared: BTreeSet<String> = clears
                .iter()
                .filter_map(|r| match &r.before {
                    Some(CollectionValue::Lists(before)) => before.get(key).cloned(),
                    _ => None,
                })
                .flatten()
                .collect();
            let history = entry_events.remove(key).unwrap_or_default();
            let last = last(&history).map(|e| (self.who)(e.by)).unwrap_or_default();
            match (expect(&history), lists.get(key)) {
                (Expect::Absent, Some(list)) if !list.is_empty() => {
                    self.problems.push(format!("{place} = {list:?} after its last op {last}"))
                }
                (Expect::Absent, _) | (Expect::Either(_), None) => {}
                (Expect::Present(_), None) if removed_before_last(&history) => {
                    let line = format!("{place} missing: {last} came after a clear removed it");
                    self.after_remove.extend(AfterRemove::of(line, &history))
                }
                (Expect::Present(_), None) if !history.is_empty() => {
                    self.problems.push(format!("{place} missing after its last op {last}"))
                }
                (_, list) => self.list(&place, &elements, &pushed_at, list.map_or(&[][..], Vec::as_slice), &cleared),
            }
        }
        for key in lists.keys().filter(|k| !ops.iter().any(|r| r.op.key() == Some(k.as_str()))) {
            self.problems.push(format!("{}[{key:?}] exists, written by no operation", self.collection));
        }
    }
}
