//! How each known finding comes about, as a test over a finished run: its final stores and its
//! recorded history. Triage files a piece of evidence under a finding only when that finding's
//! mechanism is visibly at work on the very entity the evidence names — an entity hidden behind a
//! look-alike is F6, an entity that merely went missing is not, whatever else the run shows.
//!
//! Each test is written from the finding's cause (docs/findings.md), never from the words an
//! oracle printed: a planted bug that produces the same symptom without the cause stays NEW.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use super::carried::Carried;
use super::oracles::meta;
use crate::cluster::{value_hash, World};
use crate::ids::{EntityId, NodeId};
use crate::store::{EntityMeta, SimNode};
use crate::trace::FrameRecord;

/// A finding's cause, as triage tests for it. Its name (kebab case) is what `known.tsv` rows
/// name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::Display, strum::EnumString, strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Mechanism {
    /// F1: an entity with children, held without its own bytes (sync made it an ancestor index
    /// entry only).
    InteriorWithoutBytes,
    /// F4: the run delivered a damaged frame over a link without integrity; what it names is
    /// an entity nobody wrote, one its parent does not list, or bytes nobody wrote.
    DamagedFrameApplied,
    /// F6: the side missing the entity holds another id with the same parent and the same
    /// bytes, so their subtrees hash alike and are never compared.
    LookAlike,
    /// F8: a write stamped after a remove of its entity, which every live node holds as a
    /// tombstone: where tombstones are final the write is invisible, whatever bytes end up under
    /// the tombstone (a peer's older write can replace it there). For an app entry held by no
    /// live node it is enough that the writer holds the tombstone and no node holds the write
    /// (`own_write_hidden`): the writer lost its own write.
    WriteAfterRemove,
    /// F8: calimero refused a push to a key that a clear or remove of its collection took away.
    PushToRemovedKey,
    /// F9: the entity was removed, and written at a later stamp: nodes that met the write
    /// without the remove keep it live, the others keep the tombstone the write fell under (the
    /// writer may be the remover itself, when a peer missed the remove).
    RemoveCrossedUpdate,
    /// F10: a child the two child lists disagree on is tombstoned on every live node and was
    /// written again after one of its removes: where tombstones are final the write stays
    /// invisible but lists the child again where it is applied as a write, and a delete of a
    /// child already tombstoned leaves the list alone (a clear over the re-insert is the pinned
    /// test's way to show it).
    ReinsertOverTombstone,
    /// F16: a child the two child lists disagree on is tombstoned on both nodes, and the node
    /// that lists it applied a delta writing it a second time (`store/applies.rs`): calimero's
    /// delta store lost the delta's first apply (an `add_delta` whose cascade failed persists
    /// nothing), the second `Add` over the tombstone listed the child again and the second
    /// `DeleteRef` found the tombstone and left the list alone.
    ReappliedOverTombstone,
    /// F17: at a stop with every live store agreeing, where the run's last minute of traffic
    /// was parent pulls and nothing else, a live node holds an applied delta it persisted
    /// without an author claim (calimero persists a delta its cascade applied so), and another
    /// live node does not hold that delta: its parent pulls ask, the holder's delta responder
    /// answers `DeltaNotFound` for a row without an author claim, and the asks never end
    /// (0.11.0-rc.4 has no back-off for them, #3385).
    UnservedDelta,
    /// F12: the entity's parent lists more children than one HashComparison answer may carry.
    CrowdedParent,
    /// F13: a write stamped after the entity's tombstone lifted it, and no parent lists it (on a
    /// live node; or, for a run that settled but for its sessions with a Byzantine member, on
    /// the member's own store, which the honest nodes then sync with for ever).
    LiftedTombstoneUnlinked,
    /// F14: an element a clear removed is read again (the crdt-semantics check that says so).
    ClearedEntryBack,
    /// tombstone-blind, #3251: the entity's winning operation is a delete and it is live.
    DeleteNeverTravelled,
    /// #2418: a parent lists the same children in a different order on two nodes.
    ChildOrder,
    /// #2407-B: a session returned `Ok` having compared nothing, from unequal roots.
    HollowSession,
    /// #2407-C: an `Ok` session left its parties disagreeing on what it covered.
    StaleSession,
    /// #3323, #3328, #3338: a key a node's ordered read gets wrong changed on that node by sync
    /// (another node inserted it last, or removed it), which never touches the node-local ordered
    /// index, and the index was trusted anyway.
    SyncedPastIndex,
    /// #3165: a map (or map of vectors) that nodes read alike serializes apart, and its stored
    /// child lists hold the same entries in another order: serialization followed the child
    /// list, which orders entries by when each node first saw them.
    MapSerializedInChildOrder,
    /// F15: the same, for a set (whose `Serialize` still follows the child list).
    SetSerializedInChildOrder,
    /// F18: one of the two characters the text check names out of order has an origin (the
    /// character it was typed after, or one that one was typed after…) that the merged text, or
    /// the node's text the order came from, did not hold — erased, or not yet arrived: calimero's
    /// RGA orders only the characters a node holds, and places one whose origin it does not hold
    /// after the whole text.
    OriginNotHeld,
    /// #3148: a two-level map's key the check names was written (or is read back) under a
    /// `CompositeKey` that calimero's own `parse` does not turn back into the key written: a part
    /// holding `::` moves the split, and two places can share one stored key.
    AmbiguousCompositeKey,
    /// #3499: a node's delta store hangs — at the stop a gossiped delta has been in production's
    /// gossip handler for longer than production's own budget for one (60 s) and the node's
    /// context lock is held: a cascade keeps the lock while it waits for the DAG lock that
    /// another apply holds while it waits for the lock. What the node lacks or holds stale
    /// from then on is the hang's.
    WedgedDeltaStore,
    /// F19: a live node holds the entity as a User slot owned by a Byzantine member, which
    /// wrote a member's slot as its own (`crdt::forge`) and calimero took it.
    SquattedSlot,
    /// F20: live nodes hold the entity as User-owned by different members: an `AuthoredMap` entry
    /// two members inserted before either saw the other's, each node keeping the one it met first
    /// and refusing the other as an owner change.
    OwnerSplit,
    /// F21: an app call that wrote the entity failed at production's signer as an owner change
    /// (`owner mismatch`): a member claiming an `AuthoredMap` key another member gave up, which
    /// calimero stores under the old owner's stamp. execute commits the store before it signs,
    /// so the failed call's write stays on that node, in no delta.
    FailedClaimKept,
    /// F22: a register of an app's `Root<T>` state holds an older write of it, the one the newest
    /// root entry any call wrote carries: calimero stores the root entry as the state followed by
    /// its id, which the app's typed merge cannot read, so every root-entry merge takes one side
    /// whole, last writer by its stamp (a delta's merge by the registry's fallback, an older
    /// delta dropped by the stale-write guard, HashComparison by its opaque-leaf write).
    RootTakenWhole,
    /// #2971 and upstream's forged-author cases: an honest node keeps a delta under another
    /// author than the one who committed it (a Byzantine member's claim, taken).
    ForgedAuthorAdopted,
    /// #3540 / #3547: an honest node keeps a delta on other parents than its author committed it
    /// on (a Byzantine member's replay, taken before calimero recomputed ids on receive).
    RewrittenParentsAdopted,
    /// The robustness faults', not calimero's: the run's streams dropped or damaged frames
    /// inside sessions (production's never do), no chain of completed syncs joins the two nodes
    /// the evidence names, and a session between them failed on a stream the faults touched
    /// (`check/carried.rs`): no sync could have carried what they disagree on.
    NeverCarried,
    /// The robustness faults', too: every live node's state agrees at a time-limit or liveness
    /// stop and only sessions in flight kept the run from converging, in a run whose streams
    /// dropped or damaged frames — sessions there fail by running into their receive budgets,
    /// and the bound ran out while the last of them did.
    SettledInFlight,
}

/// Production's soft budget for one gossiped delta (calimero-node's state-delta actor logs a
/// handler past it as over budget): a handler still running after it, with the context lock
/// held, is hung.
const HANDLER_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// One recorded operation on an entity, from a raw write or an app operation's effects.
#[derive(Clone, Debug)]
struct Touch {
    stamp: u64,
    /// The node that made the operation.
    node: NodeId,
    /// SHA-256 of the bytes written; `None` for a tombstone.
    value: Option<[u8; 32]>,
    /// Bytes that end with the entity's own id: an app entry or element, which calimero writes
    /// only in the operations that name it (never in a merge of others).
    embeds_id: bool,
}

/// A finished run as the mechanism tests read it: the live nodes' stores and the history.
pub(crate) struct Run<'w> {
    pub world: &'w World,
    pub live: Vec<SimNode>,
    history: BTreeMap<EntityId, Vec<Touch>>,
    /// Per live node: (parent, SHA-256 of the bytes) → the live ids there (read on first use).
    shapes: OnceCell<Vec<Shapes>>,
    /// Whether the run delivered a damaged frame (read on first use).
    damaged_delivered: OnceCell<bool>,
    /// Which nodes completed syncs could join, in a run whose streams the robustness faults
    /// touched (`None` in any other; read on first use).
    carried: OnceCell<Option<Carried>>,
    /// The node pairs an authored entry's two owners keep apart, their sessions ended by
    /// calimero's owner-change refusal (read on first use; `check/owners.rs`).
    pub(super) owner_split_pairs: OnceCell<std::collections::BTreeSet<(String, String)>>,
}

type Shapes = BTreeMap<(EntityId, [u8; 32]), Vec<EntityId>>;

impl<'w> Run<'w> {
    pub fn new(world: &'w World) -> Self {
        let mut history: BTreeMap<EntityId, Vec<Touch>> = BTreeMap::new();
        for w in world.writes() {
            let touch = Touch { stamp: w.stamp, node: w.node, value: w.value, embeds_id: false };
            history.entry(w.entity).or_default().push(touch);
        }
        for op in world.app_ops() {
            for e in &op.effects {
                history.entry(e.entity).or_default().push(Touch {
                    stamp: e.stamp,
                    node: op.node,
                    value: e.data.as_deref().map(value_hash),
                    embeds_id: e.data.as_ref().is_some_and(|d| d.ends_with(&e.entity)),
                });
            }
        }
        let live = world.live_nodes();
        Run {
            world,
            live,
            history,
            shapes: OnceCell::new(),
            damaged_delivered: OnceCell::new(),
            carried: OnceCell::new(),
            owner_split_pairs: OnceCell::new(),
        }
    }

    fn shapes(&self, node: usize) -> &Shapes {
        let all = self.shapes.get_or_init(|| {
            let shapes_of = |node: &SimNode| {
                let mut shapes = Shapes::new();
                for e in node.storage().entities().unwrap_or_default() {
                    shapes.entry((e.parent, value_hash(&e.data))).or_default().push(e.id);
                }
                shapes
            };
            self.live.iter().map(shapes_of).collect()
        });
        &all[node]
    }

    /// `NeverCarried` between the nodes named `a` and `b`.
    pub fn never_carried(&self, a: &str, b: &str) -> bool {
        self.carried().is_some_and(|c| c.starved(a, b))
    }

    /// Whether the robustness faults dropped or damaged a frame inside a session's stream.
    pub fn in_stream_faults(&self) -> bool {
        self.carried().is_some()
    }

    fn carried(&self) -> Option<&Carried> {
        let carried = self.carried.get_or_init(|| {
            let frames = self.world.frames();
            // Only the robustness faults drop or damage a frame inside a session's stream.
            let in_stream = frames.iter().any(|f| {
                f.label != "gossip"
                    && (f.dropped() == Some(crate::net::DropReason::StreamDrop) || f.delivered_damaged())
            });
            let world = self.world;
            in_stream.then(|| Carried::of(&world.trace().events(), &frames, |id| world.at(id).name().to_owned()))
        });
        carried.as_ref()
    }

    fn damaged_delivered(&self) -> bool {
        *self.damaged_delivered.get_or_init(|| self.world.frames().iter().any(FrameRecord::delivered_damaged))
    }

    fn touches(&self, entity: &EntityId) -> &[Touch] {
        self.history.get(entity).map_or(&[], Vec::as_slice)
    }

    /// The latest recorded operations on `entity` (several if they tie) and their stamp: what
    /// calimero's merge lets win, a delete winning a tie.
    fn latest(&self, entity: &EntityId) -> Option<(u64, Vec<&Touch>)> {
        let touches = self.touches(entity);
        let top = touches.iter().map(|t| t.stamp).max()?;
        Some((top, touches.iter().filter(|t| t.stamp == top).collect()))
    }

    /// Whether the run's history names `entity` at all (an entity nobody wrote is a phantom).
    pub fn written(&self, entity: &EntityId) -> bool {
        self.history.contains_key(entity)
    }

    fn index_of(&self, node: &str) -> Option<usize> {
        self.live.iter().position(|n| n.name() == node)
    }

    /// F6: `lacking` (a live node's name) holds, under the entity's parent, another id whose
    /// bytes equal the entity's bytes on a node that holds it.
    pub fn look_alike(&self, entity: &EntityId, lacking: &str) -> bool {
        let Some(lacking) = self.index_of(lacking) else { return false };
        self.live.iter().enumerate().filter(|(i, _)| *i != lacking).any(|(_, holder)| {
            let Some(bytes) = holder.storage().get(*entity) else { return false };
            let Some(parent) = holder.storage().parent(*entity) else { return false };
            let alike = self.shapes(lacking).get(&(parent, value_hash(&bytes)));
            alike.is_some_and(|ids| ids.iter().any(|id| id != entity))
        })
    }

    /// F8: every live node holds `entity` as a tombstone, and one of its recorded removes is
    /// stamped before `stamp` (the write's).
    pub fn write_after_remove(&self, entity: &EntityId, stamp: u64) -> bool {
        self.removed_before(entity, stamp) && self.tombstoned_everywhere(entity)
    }

    /// Whether one of `entity`'s recorded removes is stamped before `stamp`.
    fn removed_before(&self, entity: &EntityId, stamp: u64) -> bool {
        self.touches(entity).iter().any(|t| t.value.is_none() && t.stamp < stamp)
    }

    /// F8 on the writer itself: the write stamped `stamp` came after a remove of `entity`, the
    /// node that made it holds the entity as a tombstone (its own write hidden there, which sync
    /// never does to a node's own write), and every other live node holds the tombstone or an
    /// older write (the write never reached them live: the writer, where a fixed calimero would
    /// serve it, serves a tombstone).
    pub fn own_write_hidden(&self, entity: &EntityId, stamp: u64) -> bool {
        let touches = self.touches(entity);
        let Some(writer) = touches.iter().find(|t| t.value.is_some() && t.stamp == stamp).map(|t| t.node) else {
            return false;
        };
        let held = |n: &SimNode| meta(n.storage(), *entity);
        let hides = |n: &SimNode| held(n).is_some_and(|m| m.deleted_at.is_some());
        let older = |n: &SimNode| held(n).is_none_or(|m| m.deleted_at.is_some() || m.updated_at < stamp);
        self.removed_before(entity, stamp)
            && self.live.iter().any(|n| n.id() == writer && hides(n))
            && self.live.iter().all(older)
    }

    /// F9: a tombstone of `entity`, and a write of it stamped later.
    pub fn remove_crossed_update(&self, entity: &EntityId) -> bool {
        self.written_after_a_remove(entity)
    }

    /// Whether a write of `entity` is stamped after one of its recorded removes (F9's crossing,
    /// F10's re-insert and F13's lift all start there).
    fn written_after_a_remove(&self, entity: &EntityId) -> bool {
        let touches = self.touches(entity);
        touches
            .iter()
            .filter(|t| t.value.is_none())
            .any(|remove| touches.iter().any(|w| w.value.is_some() && w.stamp > remove.stamp))
    }

    /// F10: `child` is tombstoned on both nodes whose parents list it differently (`between`),
    /// and a write of it is stamped after one of its removes: a write applied over a tombstone
    /// lists the child again where it lands as a write, not where it arrives otherwise. (Other
    /// nodes may hold it live: a remove that crossed the write, F9, leaves it so.)
    pub fn reinsert_over_tombstone(&self, child: &EntityId, between: &[NodeId; 2]) -> bool {
        self.written_after_a_remove(child) && self.tombstoned_on(child, between)
    }

    /// F16: `child` is tombstoned on both nodes of `between`, and one of them that lists it
    /// under its parent applied a delta writing `child` twice.
    pub fn reapplied_over_tombstone(&self, child: &EntityId, parent: &EntityId, between: &[NodeId; 2]) -> bool {
        let lists = |n: &SimNode| meta(n.storage(), *parent).is_some_and(|m| m.children.contains(child));
        let twice = |n: &SimNode| n.storage().applies().reapplied().iter().any(|r| r.writes.contains(child));
        self.tombstoned_on(child, between)
            && self.live.iter().filter(|n| between.contains(&n.id())).any(|n| lists(n) && twice(n))
    }

    /// F17: some live node holds an applied delta persisted without an author claim that
    /// another live node lacks (see [`Mechanism::UnservedDelta`]).
    pub fn unserved_delta(&self) -> bool {
        #[cfg(calimero_node_path)]
        return self.only_parent_pulls_at_the_end()
            && self.live.iter().any(|holder| {
                let lacks = |id: &[u8; 32]| self.live.iter().any(|n| !crate::protocols::holds_delta(n.storage(), id));
                crate::protocols::unclaimed_deltas(holder.storage()).iter().any(lacks)
            });
        #[cfg(not(calimero_node_path))]
        false
    }

    /// Whether, over the run's last minute of traffic, nodes only asked each other for deltas
    /// (and for DAG heads): parent pulls are what kept the network busy, no sync session was.
    #[cfg(calimero_node_path)]
    fn only_parent_pulls_at_the_end(&self) -> bool {
        let frames = self.world.frames();
        let Some(end) = frames.iter().map(|f| f.sent_at).max() else { return false };
        let last = frames.iter().filter(|f| f.sent_at + std::time::Duration::from_secs(60) >= end);
        let (mut pulls, mut others) = (0, 0);
        for f in last {
            match (f.label, f.message) {
                (_, "DeltaRequest") => pulls += 1,
                ("manager" | "dag-heads" | "gossip", _) => {}
                _ => others += 1,
            }
        }
        pulls > 0 && others == 0
    }

    fn tombstoned_everywhere(&self, entity: &EntityId) -> bool {
        let tombstoned = |n: &SimNode| meta(n.storage(), *entity).is_some_and(|m| m.deleted_at.is_some());
        !self.live.is_empty() && self.live.iter().all(tombstoned)
    }

    fn tombstoned_on(&self, entity: &EntityId, nodes: &[NodeId; 2]) -> bool {
        let tombstoned = |n: &&SimNode| meta(n.storage(), *entity).is_some_and(|m| m.deleted_at.is_some());
        let on: Vec<&SimNode> = self.live.iter().filter(|n| nodes.contains(&n.id())).collect();
        on.len() == nodes.len() && on.iter().all(tombstoned)
    }

    /// F1: some live node lists children under `entity`, live or tombstoned: a collection
    /// emptied after sync made it an ancestor index entry stays without its bytes.
    pub fn interior(&self, entity: &EntityId) -> bool {
        let had_children = |m: EntityMeta| !m.children.is_empty() || !m.deleted_children.is_empty();
        self.live.iter().any(|n| meta(n.storage(), *entity).is_some_and(had_children))
    }

    /// F1 as the type-tag oracle shows it: a nested collection whose own bytes never reached a
    /// node is made there, untagged, as the parent of the first entry written or synced under it:
    /// an untagged copy with a `created_at` of its own, where the tagged copies keep their maker's.
    pub fn made_as_parent(&self, entity: &EntityId) -> bool {
        let copies: Vec<EntityMeta> = self.live.iter().filter_map(|n| meta(n.storage(), *entity)).collect();
        let made = |m: &&EntityMeta| m.crdt_type.is_some();
        let tagged: Vec<u64> = copies.iter().filter(made).map(|m| m.created_at).collect();
        self.interior(entity)
            && !tagged.is_empty()
            && copies.iter().any(|m| m.crdt_type.is_none() && !tagged.contains(&m.created_at))
    }

    /// F1 as an unlinked entity shows it: on `node` (a live node's name) the entity, or its
    /// parent, is an interior entity held without its own bytes — an index entry sync made as
    /// an ancestor, which no parent lists, and under which the elements sync brought hang
    /// unlisted (a vector made on one node whose push never arrived).
    pub fn under_interior(&self, entity: &EntityId, node: &str) -> bool {
        let Some(holder) = self.index_of(node).map(|i| &self.live[i]) else { return false };
        let storage = holder.storage();
        let bare = |id: EntityId| storage.get(id).is_none_or(|b| b.is_empty()) && self.interior(&id);
        bare(*entity) || storage.parent(*entity).is_some_and(bare)
    }

    /// F12: the entity's parent, on some live node, lists more than `protocols::MAX_CHILDREN`.
    pub fn crowded(&self, entity: &EntityId) -> bool {
        let parents: BTreeSet<EntityId> =
            self.live.iter().filter_map(|n| meta(n.storage(), *entity).and_then(|m| m.parent)).collect();
        parents.iter().any(|parent| {
            self.live.iter().any(|n| {
                let children = meta(n.storage(), *parent).map_or(0, |m| m.children.len());
                children > crate::protocols::MAX_CHILDREN
            })
        })
    }

    /// F13: a write of `entity` stamped after one of its tombstones, and some live node holds it
    /// live while its parent does not list it.
    pub fn lifted_unlinked(&self, entity: &EntityId) -> bool {
        self.written_after_a_remove(entity) && self.live.iter().any(|n| self.unlinked_on(n, entity))
    }

    /// F13 on a Byzantine member's own store: some entity written after one of its tombstones is
    /// live there and unlisted by its parent. The member runs calimero's code for its own state,
    /// so it meets F13 as any node does; HashComparison never repairs the shape, so the honest
    /// nodes' sessions with the member never end, long after they agree among themselves.
    pub fn lifted_unlinked_on_a_byzantine_member(&self) -> bool {
        let members = self.world.byzantine_nodes();
        self.history
            .keys()
            .any(|entity| self.written_after_a_remove(entity) && members.iter().any(|n| self.unlinked_on(n, entity)))
    }

    fn unlinked_on(&self, node: &SimNode, entity: &EntityId) -> bool {
        let storage = node.storage();
        let Some(parent) = storage.exists(*entity).then(|| storage.parent(*entity)).flatten() else { return false };
        meta(storage, parent).is_some_and(|m| !m.children.contains(entity))
    }

    /// tombstone-blind, #3251: the entity's latest recorded operation is a delete (a delete wins
    /// a tie), and a live node holds it live.
    pub fn delete_never_travelled(&self, entity: &EntityId) -> bool {
        self.removed_last(entity).is_some() && self.live.iter().any(|n| n.storage().exists(*entity))
    }

    /// The stamp of `entity`'s latest recorded operations, if a delete is among them.
    fn removed_last(&self, entity: &EntityId) -> Option<u64> {
        let (top, winners) = self.latest(entity)?;
        winners.iter().any(|t| t.value.is_none()).then_some(top)
    }

    /// F4: a damaged frame was delivered (only links without integrity deliver one) and the
    /// entity is one nobody wrote, or one its parent does not list on some node, or holds bytes
    /// nobody wrote there (whatever else then differs about it is the same damage's).
    pub fn damaged_frame(&self, entity: &EntityId) -> bool {
        self.damaged_delivered()
            && (!self.written(entity)
                || self.live.iter().any(|n| self.unlinked_on(n, entity) || self.damaged_value(entity, n)))
    }

    /// F4: a damaged frame was delivered and `node` holds bytes for `entity` that no recorded
    /// write or app operation produced.
    pub fn damaged_value(&self, entity: &EntityId, node: &SimNode) -> bool {
        let Some(held) = node.storage().get(*entity) else { return false };
        let held = value_hash(&held);
        self.damaged_delivered() && !self.touches(entity).iter().any(|t| t.value == Some(held))
    }

    /// Whether the latest recorded operations on `entity` (several if they tie) are writes none
    /// of whose bytes any live node holds, though every one of them is an entry or element whose
    /// bytes embed its id (written by its own operations only). `None` if they are held, or not
    /// such writes.
    pub fn lost_everywhere(&self, entity: &EntityId) -> Option<u64> {
        let (top, winners) = self.latest(entity)?;
        let values: BTreeSet<[u8; 32]> = winners.iter().filter_map(|t| t.value).collect();
        if values.is_empty() || winners.iter().any(|t| t.value.is_none() || !t.embeds_id) {
            return None;
        }
        let held = self.live.iter().any(|n| n.storage().get(*entity).is_some_and(|b| values.contains(&value_hash(&b))));
        (!held).then_some(top)
    }

    /// Whether the latest recorded operations on `entity` (a delete winning a tie) remove an app
    /// entry that every live node still holds live: the stamp, if so.
    pub fn removal_undone_everywhere(&self, entity: &EntityId) -> Option<u64> {
        let top = self.removed_last(entity)?;
        let entry = self.touches(entity).iter().any(|t| t.embeds_id);
        if !entry || self.live.is_empty() {
            return None;
        }
        self.live.iter().all(|n| n.storage().exists(*entity)).then_some(top)
    }

    /// #3499: the live nodes whose delta store hangs at the stop (see the mechanism), with when
    /// the oldest hung handler call began.
    pub fn wedged(&self) -> Vec<(String, std::time::Duration)> {
        let now = self.world.router().now();
        let nodes = self.world.registry();
        nodes
            .iter()
            .filter(|n| n.is_live())
            .filter_map(|n| {
                let since = n.handling_since()?;
                let held = n.sim().storage().context_lock().try_write().is_err();
                (held && now.saturating_sub(since) > HANDLER_BUDGET).then(|| (n.sim().name().to_owned(), since))
            })
            .collect()
    }

    /// Every entity the history names.
    pub fn entities(&self) -> impl Iterator<Item = &EntityId> {
        self.history.keys()
    }

    /// The latest recorded write of `entity`: its stamp and value.
    pub fn last_write(&self, entity: &EntityId) -> Option<(u64, [u8; 32])> {
        self.touches(entity).iter().filter_map(|t| t.value.map(|v| (t.stamp, v))).max_by_key(|(s, _)| *s)
    }

    /// Whether a planted write or operation is superseded: it replaces values rather than adding
    /// to them, and every entity it lost whose value a later write replaces outright (a raw
    /// write, an app entry or element, any tombstone) was written or removed again at a later
    /// stamp — so the final state owes the plant nothing. A collection's own entity, which other
    /// writes touch too, proves nothing either way and is left out; so is an entity the planted
    /// operation made and tombstoned itself that nothing else touches (calimero's stub of a new
    /// nested collection, deleted once it is re-keyed under its entry): its net is nothing.
    pub fn superseded(&self, planted: &crate::cluster::Planted) -> bool {
        let raw: BTreeSet<EntityId> = self.world.writes().iter().map(|w| w.entity).collect();
        let scaffold = |e: &crate::cluster::Effect| {
            let own: Vec<_> = planted.effects.iter().filter(|p| p.entity == e.entity).collect();
            own.last().is_some_and(|last| last.data.is_none())
                && own.iter().any(|p| p.data.is_some())
                && self.touches(&e.entity).iter().all(|t| own.iter().any(|p| p.stamp == t.stamp))
        };
        let replaceable = |e: &&crate::cluster::Effect| {
            (e.data.as_ref().is_none_or(|d| d.ends_with(&e.entity)) || raw.contains(&e.entity)) && !scaffold(e)
        };
        let lost: Vec<&crate::cluster::Effect> = planted.effects.iter().filter(replaceable).collect();
        !planted.accumulates
            && !lost.is_empty()
            && lost.iter().all(|e| self.touches(&e.entity).iter().any(|t| t.stamp > e.stamp))
    }
}
