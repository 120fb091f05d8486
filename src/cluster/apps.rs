//! The app on each node: operations on calimero's CRDT collections, applied to the node's store
//! through calimero's own collection API, recorded as the app saw them, and broadcast as one
//! delta of the actions calimero recorded — the way a node broadcasts an execution's delta.
//!
//! The record (`history::OpRecord`) keeps, per operation, each entity it wrote or tombstoned with
//! the timestamp calimero gave it, so the checkers can hold the final stores to what the
//! collections promise without re-deriving calimero's internal ids.

use std::sync::Arc;
use std::time::Duration;

use calimero_storage::action::Action;

use super::history::{effects, OpRecord, Planted, Refusal};
use super::node::{Held, Node};
use super::Injected;
use super::NodeCtx;
use super::World;
use crate::crdt::{self, CollectionKind, CrdtError, CrdtOp, Layout, Verb};
use crate::ids::NodeId;
use crate::trace::TraceKind;

/// The least virtual time between two app operations of one node. calimero-storage stamps a
/// collection write with the clock (`time_now`), and virtual time stands still between awaits:
/// two operations of one node at one instant would carry equal timestamps, and peers resolve
/// the tie by content, not by order — a tie no real clock makes (and merosim's raw writes avoid
/// by bumping their own stamps).
pub const APP_OP_GAP: Duration = Duration::from_micros(1);

impl World {
    /// Declares the app's collections for this run. The world must be in [`crdt::CONTEXT`]:
    /// a world with no nodes yet moves there; one with nodes in another context is refused.
    pub fn declare_collections(&self, collections: &[(String, CollectionKind)]) -> Result<(), CrdtError> {
        let context = crdt::context_id();
        // Refused before `Layout::new`, which touches calimero's process-wide collection root.
        if self.context_id() != context && !self.registry().is_empty() {
            return Err(CrdtError::ContextInUse);
        }
        let layout = Layout::new(context, collections)?;
        if !self.set_layout(context, layout) {
            return Err(CrdtError::ContextInUse);
        }
        Ok(())
    }

    /// App operations calimero refused, in the order they were refused.
    pub fn app_errors(&self) -> Vec<Refusal> {
        self.book().refused().to_vec()
    }

    /// Every application operation acknowledged so far, in the order they returned.
    pub fn app_ops(&self) -> Vec<OpRecord> {
        self.book().ops().to_vec()
    }

    /// Runs the app on `node`: each operation at its time after now, as a task of the node's own
    /// madsim node. A crash stops the app with the node; the restarted node runs the rest (what
    /// clients asked for while it was down is gone). An operation calimero refuses is in the
    /// books (see `app_op`), and the app carries on.
    pub(crate) fn start_app(self: &Arc<Self>, node: NodeId, ops: Vec<(Duration, CrdtOp)>) {
        let start = tokio::time::Instant::now();
        let plan: Vec<(tokio::time::Instant, CrdtOp)> = ops.into_iter().map(|(at, op)| (start + at, op)).collect();
        self.with_node(node, |n| n.set_app_plan(Arc::new(plan)));
        self.resume_app(node);
    }

    /// Runs what is left of `node`'s app plan (on start, and again after each restart).
    pub(crate) fn resume_app(self: &Arc<Self>, node: NodeId) {
        let Some((plan, madsim_id)) = self.registry().get(node).map(|n| (n.app_plan(), n.madsim_id())) else { return };
        let now = tokio::time::Instant::now();
        if plan.iter().all(|(at, _)| *at < now) {
            return;
        }
        let Some(handle) = madsim_id.and_then(|id| madsim::runtime::Handle::current().get_node(id)) else { return };
        let world = Arc::clone(self);
        let running = Held::new(self.writers());
        handle.spawn(async move {
            let _running = running;
            let mut next = now;
            for (at, op) in plan.iter().filter(|(at, _)| *at >= now) {
                next = next.max(*at);
                tokio::time::sleep_until(next).await;
                next += APP_OP_GAP;
                let _executing = world.executing(node).await;
                // A refused operation is in the books (see `app_op`); the app carries on.
                let _ = world.at(node).app_op(op);
            }
        });
    }
}

impl NodeCtx<'_> {
    /// An application operation on `id`: applied there, recorded, then gossiped as one delta.
    /// An operation calimero's collection API refuses is not acknowledged; it is kept in the
    /// books (`app_errors`), which the app-error oracle reports.
    pub fn app_op(&self, op: &CrdtOp) -> Result<(), CrdtError> {
        let id = self.id;
        let planted = match self.world.options().node.inject {
            Some(Injected::LoseAppOp { node, nth }) if node == id.get() => {
                self.world.book().ops().iter().filter(|r| r.node == id && !r.setup).count() as u32 + 1 == nth
            }
            _ => false,
        };
        if planted {
            // The test-only bug: calimero runs the operation and the app is told it happened,
            // with what calimero recorded; the store forgets it and no peer hears of it.
            let node = self.world.node(id).ok_or(CrdtError::NoNode { node: id.to_string() })?;
            node.storage().undoing(|| self.app_op_local(op, false))?;
            let (effects, changed) =
                self.world.book().ops().last().map(|r| (r.effects.clone(), r.changed)).unwrap_or_default();
            let accumulates = matches!(op.verb, Verb::Increment | Verb::Decrement);
            let planted = Planted { node: id, at: self.world.router().now(), effects, changed, accumulates };
            self.world.book().plant(planted);
            self.world.trace().record(TraceKind::AppOp { node: id, op: op.to_string() });
            return Ok(());
        }
        let applied = match self.app_op_local(op, false) {
            Ok(applied) => applied,
            Err(err) => {
                // Refused by calimero's collection API, or by production's signer after the
                // store took the write (execute commits before it signs): the app is told either
                // way, and in the second the write stays behind (F21).
                if matches!(err, CrdtError::Calimero { .. } | CrdtError::Sign { .. }) {
                    let at = self.world.router().now();
                    self.world.book().refuse(Refusal { node: id, at, op: op.clone(), error: err.to_string() });
                }
                return Err(err);
            }
        };
        self.world.trace().record(TraceKind::AppOp { node: id, op: op.to_string() });
        if !applied.is_empty() {
            self.gossip(&applied);
        }
        Ok(())
    }

    /// An operation of the starting state: applied on `id` and recorded; with `shared`, its
    /// actions are applied on every other node too, as state all nodes held before the run.
    pub(crate) fn seed_app_op(&self, op: &CrdtOp, shared: bool) -> Result<(), CrdtError> {
        let id = self.id;
        let actions = self.app_op_local(op, true)?;
        if shared {
            for node in self.world.nodes().into_iter().filter(|n| n.id() != id) {
                for action in &actions {
                    node.storage().apply_remote(action.clone())?;
                }
            }
        }
        Ok(())
    }

    fn app_op_local(&self, op: &CrdtOp, setup: bool) -> Result<Vec<Action>, CrdtError> {
        let id = self.id;
        let layout = self.world.layout().ok_or(CrdtError::Undeclared { collection: op.collection.clone() })?;
        let node = self.world.node(id).ok_or(CrdtError::NoNode { node: id.to_string() })?;
        let before = match op.verb {
            Verb::Clear | Verb::Type { .. } | Verb::Erase { .. } => {
                Some(layout.read_collection(node.storage(), &op.collection)?)
            }
            _ => None,
        };
        #[allow(unused_mut, reason = "signed in place where this build drives UserStorage")]
        let mut applied = layout.apply(node.storage(), op)?;
        // A User-owned write (a slot, an authored entry) is signed as production's execute signs
        // it before it becomes the delta (`protocols::signing`).
        #[cfg(calimero_user_storage)]
        if op.kind.signed() {
            crate::protocols::sign_user_writes(node.storage(), &mut applied.actions)
                .map_err(|reason| CrdtError::Sign { collection: op.collection.clone(), reason })?;
        }
        self.world.with_node(id, Node::mutated);
        let record = OpRecord {
            node: id,
            at: self.world.router().now(),
            op: op.clone(),
            returned: applied.returned,
            changed: applied.changed,
            effects: effects(&applied.actions),
            before,
            setup,
        };
        self.world.book().record_op(record);
        Ok(applied.actions)
    }
}
