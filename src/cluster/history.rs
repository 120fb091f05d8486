//! The run's book: every write, delete and app operation a node acknowledged (as the application
//! saw it), every operation calimero refused, the session counts and what the oracles found.
//! The stores alone cannot say what was lost — a write no node kept leaves no trace in any of
//! them — so the record is kept beside them, as each write returns; the checkers hold the final
//! stores to it.

use std::collections::BTreeMap;
use std::time::Duration;

use calimero_storage::action::Action;
use sha2::{Digest, Sha256};

use super::counters::Counters;
use super::fixed_point::Roots;
use crate::crdt::{CollectionValue, CrdtOp};
use crate::ids::{EntityId, NodeId};

/// One acknowledged write or delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRecord {
    pub node: NodeId,
    pub entity: EntityId,
    /// The parent it was written under (`None`: the root, or unknown for a delete).
    pub parent: Option<EntityId>,
    /// Virtual time the write returned.
    pub at: Duration,
    /// The timestamp it carries (`updated_at`, or `deleted_at` for a delete): what
    /// last-writer-wins compares, from the writer's possibly skewed clock.
    pub stamp: u64,
    /// SHA-256 of the bytes written; `None` for a delete.
    pub value: Option<[u8; 32]>,
}

impl WriteRecord {
    pub fn deleted(&self) -> bool {
        self.value.is_none()
    }
}

/// SHA-256 of a value, as [`WriteRecord::value`] holds it.
pub fn value_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// One entity an operation wrote (`data: Some`) or tombstoned (`None`), with its timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub entity: EntityId,
    /// The parent the action names (`None` for a tombstone).
    pub parent: Option<EntityId>,
    /// `updated_at` of a write, `deleted_at` of a tombstone.
    pub stamp: u64,
    pub data: Option<Vec<u8>>,
}

/// One acknowledged application operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpRecord {
    pub node: NodeId,
    /// Virtual time the operation returned.
    pub at: Duration,
    pub op: CrdtOp,
    /// What the call returned (previous, removed or popped value).
    pub returned: Option<String>,
    pub changed: bool,
    pub effects: Vec<Effect>,
    /// For a clear or a text edit: what the collection held on this node just before it (the
    /// text model replays each edit on it).
    pub before: Option<CollectionValue>,
    /// Part of the starting state rather than the running app.
    pub setup: bool,
}

impl OpRecord {
    /// The entity this operation wrote whose bytes begin with `prefix` (borsh of what the app
    /// passed: key, value, or both) — calimero stores an entry as its item followed by its id.
    pub fn written_with_prefix(&self, prefix: &[u8]) -> Option<&Effect> {
        self.effects
            .iter()
            .filter(|e| e.data.as_ref().is_some_and(|d| d.starts_with(prefix) && d.ends_with(&e.entity)))
            .min_by_key(|e| e.data.as_ref().map_or(usize::MAX, Vec::len))
    }

    /// The entities this operation tombstoned.
    pub fn tombstoned(&self) -> impl Iterator<Item = &Effect> {
        self.effects.iter().filter(|e| e.data.is_none())
    }
}

pub(super) fn effects(actions: &[Action]) -> Vec<Effect> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Add { id, data, ancestors, metadata } | Action::Update { id, data, ancestors, metadata } => {
                Some(Effect {
                    entity: *id.as_bytes(),
                    parent: ancestors.first().map(|a| *a.id().as_bytes()),
                    stamp: metadata.updated_at(),
                    data: Some(data.clone()),
                })
            }
            Action::DeleteRef { id, deleted_at, .. } => {
                Some(Effect { entity: *id.as_bytes(), parent: None, stamp: *deleted_at, data: None })
            }
            #[cfg(not(calimero_no_compare))]
            Action::Compare { .. } => None,
        })
        .collect()
}

/// An app operation calimero's collection API refused: not acknowledged, not gossiped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub node: NodeId,
    /// Virtual time it was refused.
    pub at: Duration,
    pub op: CrdtOp,
    /// calimero's error.
    pub error: String,
}

/// What a bug merosim planted in itself did (`Injected`): the write or operation it hit, as the
/// app was told it happened. Triage is measured by whether a run that lost (or damaged) these
/// comes out NEW.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planted {
    pub node: NodeId,
    /// Virtual time the plant acted.
    pub at: Duration,
    /// The entities the acknowledged write or operation wrote (`data: Some`, the bytes the app
    /// was told were stored) or tombstoned, with the timestamps calimero gave them.
    pub effects: Vec<Effect>,
    /// What calimero said of the operation: whether it changed anything (a raw write always
    /// does; a set insert of a member already there does not).
    pub changed: bool,
    /// The operation adds to what is there (a counter's increment or decrement): a later write
    /// of the same entity was computed without it and does not replace it.
    pub accumulates: bool,
}

/// Everything that happened in a run that a report or a checker reads back, behind the World's
/// one lock. Append-only from outside: what happened is recorded through the verbs below, and
/// read back as it was recorded.
#[derive(Default)]
pub(crate) struct Book {
    writes: Vec<WriteRecord>,
    ops: Vec<OpRecord>,
    refused: Vec<Refusal>,
    /// The planted bug, once it acted.
    planted: Option<Planted>,
    /// Sessions, handshakes, deltas, and the oracles' counts and violations.
    counters: Counters,
    /// Pairs whose sessions stopped changing anything (see `fixed_point`).
    fixed: super::fixed_point::FixedPoints,
    /// Every write of the run went through the World (a `SimRuntime` run), so an entity the book
    /// does not know is one nobody wrote. Hand-driven worlds write around it.
    complete: bool,
    /// Every delta committed on production's node path: its author and parents as committed,
    /// what the forgery oracle holds each node's persisted rows to.
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path commits deltas"))]
    authored: BTreeMap<[u8; 32], Authored>,
}

/// A delta as its authors committed it. Usually one; a delta's id is its content (parents,
/// actions, stamp), so two members that make the same change on the same state at the same stamp
/// commit one delta between them (seen: two `users.clear()` of one map), and each is its author.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Authored {
    pub authors: Vec<NodeId>,
    pub parents: Vec<[u8; 32]>,
}

impl Book {
    pub fn record_write(&mut self, record: WriteRecord) {
        self.writes.push(record);
    }

    /// `author` committed delta `id` on `parents`.
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path commits deltas"))]
    pub fn authored(&mut self, id: [u8; 32], author: NodeId, parents: Vec<[u8; 32]>) {
        let made = self.authored.entry(id).or_insert_with(|| Authored { authors: Vec::new(), parents });
        if !made.authors.contains(&author) {
            made.authors.push(author);
        }
    }

    /// Every delta committed so far, by id.
    #[cfg_attr(not(calimero_node_path), allow(dead_code, reason = "only production's node path commits deltas"))]
    pub fn authentic(&self) -> &BTreeMap<[u8; 32], Authored> {
        &self.authored
    }

    pub fn record_op(&mut self, record: OpRecord) {
        self.ops.push(record);
    }

    pub fn refuse(&mut self, refusal: Refusal) {
        self.refused.push(refusal);
    }

    /// The planted bug acted (once per run).
    pub fn plant(&mut self, planted: Planted) {
        self.planted = Some(planted);
    }

    /// From now on every write goes through the World.
    pub fn mark_complete(&mut self) {
        self.complete = true;
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    pub fn writes(&self) -> &[WriteRecord] {
        &self.writes
    }

    pub fn ops(&self) -> &[OpRecord] {
        &self.ops
    }

    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    pub fn planted(&self) -> Option<&Planted> {
        self.planted.as_ref()
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The counters, to count on (their own verbs say what).
    pub fn count(&mut self) -> &mut Counters {
        &mut self.counters
    }

    /// A session between `pair` moved the roots from `before` to `after` (see `fixed_point`).
    pub fn note_roots(&mut self, pair: (NodeId, NodeId), before: Roots, after: Roots) {
        self.fixed.note(pair, before, after);
    }

    /// Whether sync among `live` (node, root) has reached a fixed point short of convergence.
    pub fn fixed_point_holds(&self, live: &[(NodeId, [u8; 32])]) -> bool {
        self.fixed.hold_for(live)
    }
}
