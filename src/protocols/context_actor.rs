//! A stand-in for calimero's context manager actor, run without actix-rt: what production's
//! sync code asks of it, answered over the node's own store and lock. actix 0.13 builds a
//! running actor from `Context::new()` + `into_future(actor)` without actix-rt (only
//! `Actor::start`, `Context::run` and response futures call `actix_rt::spawn`); the future is
//! spawned on the current madsim node like any task, and the handler answers on the message's
//! own oneshot from a madsim task — no actor timers, no `actix::spawn`.
//!
//! - `AcquireContextLock` (production's HashComparison responder, before it applies a push):
//!   a real write guard of the node's per-context lock (`SimStorage::context_lock`).
//! - `Execute` of `__calimero_sync_next` (the delta store's applier, for each delta it applies):
//!   what the app's WASM export runs — calimero-storage's `Root::sync` on the artifact — inside
//!   the node's storage environment, under the same lock, kept only if it succeeds (a trapped
//!   WASM call commits nothing); the context's metadata then carries the new root, and the guard
//!   goes back to the caller when it asked to hold it (`ContextAtomic::Lock`/`Held`). This is the
//!   one step of the delta path that is merosim's: production runs the app's compiled export.
//! - `Execute` of `__calimero_merge_root_state` (a root-state merge a session deferred to the app,
//!   dispatched by production's selector, its responder after a push, or merosim's tick): what the
//!   export of merosim's one `Root<T>` app (`crdt::rooted`) runs, the SDK's typed merge of its
//!   state, under the same lock.
//! - Any other `Execute` is answered `ApplicationNotInstalled`: merosim has no app WASM.
//!
//! Every other `ContextMessage` is dropped unanswered: no sync path merosim runs sends one.

use std::sync::Arc;

use actix::{Actor, Context, Handler};
use calimero_context_client::messages::{ContextMessage, ExecuteError, ExecuteRequest, ExecuteResponse};
use calimero_context_client::{ContextAtomic, ContextAtomicKey, ContextGuard};
use calimero_primitives::application::ApplicationId;
use calimero_primitives::context::ContextId;
use calimero_storage::interface::Action;
use calimero_utils_actix::LazyRecipient;
use tokio::sync::RwLock;

use crate::store::SimStorage;

/// The app export calimero-node's delta store applies a delta through.
const SYNC_NEXT: &str = "__calimero_sync_next";

/// The app export production's sync hands a deferred root-state merge to.
const MERGE_ROOT_STATE: &str = "__calimero_merge_root_state";

/// Which of the app's exports a call runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Export {
    SyncNext,
    MergeRootState,
    None,
}

/// The application every node's context names (merosim installs none): the context metadata
/// production's responder reads carries it, and `Execute` is refused as not installed for it.
pub(super) fn application() -> ApplicationId {
    ApplicationId::from([0; 32])
}

/// The actor: the node's store and its lock for the one context it runs.
struct ContextManager {
    storage: SimStorage,
    lock: Arc<RwLock<ContextId>>,
}

impl Actor for ContextManager {
    type Context = Context<Self>;
}

impl Handler<ContextMessage> for ContextManager {
    type Result = ();

    fn handle(&mut self, msg: ContextMessage, _ctx: &mut Context<Self>) {
        match msg {
            ContextMessage::AcquireContextLock { request, outcome } => {
                if request.context != self.storage.context_id() {
                    let _ = outcome.send(None);
                    return;
                }
                let lock = Arc::clone(&self.lock);
                madsim::task::spawn_local(async move {
                    let guard = lock.write_owned().await;
                    let _ = outcome.send(Some(ContextAtomicKey(ContextGuard::write(guard))));
                });
            }
            ContextMessage::Execute { request, outcome } => {
                let export = match request.method.as_str() {
                    SYNC_NEXT => Export::SyncNext,
                    MERGE_ROOT_STATE => Export::MergeRootState,
                    _ => Export::None,
                };
                if export == Export::None || request.context != self.storage.context_id() {
                    let _ = outcome.send(Err(ExecuteError::ApplicationNotInstalled { application_id: application() }));
                    return;
                }
                let (storage, lock) = (self.storage.clone(), Arc::clone(&self.lock));
                madsim::task::spawn_local(async move {
                    let response = match export {
                        Export::SyncNext => sync_next(&storage, lock, request).await,
                        _ => merge_root_state(&storage, lock, request).await,
                    };
                    let _ = outcome.send(Ok(response));
                });
            }
            _ => {}
        }
    }
}

/// `__calimero_sync_next` on the node: under the context lock (the caller's, when it holds it),
/// calimero-storage's `Root::sync` applies the artifact, all or nothing.
async fn sync_next(storage: &SimStorage, lock: Arc<RwLock<ContextId>>, request: ExecuteRequest) -> ExecuteResponse {
    let ExecuteRequest { payload, atomic, .. } = request;
    let hold = atomic.is_some();
    let key = match atomic {
        Some(ContextAtomic::Held(key)) => key,
        _ => ContextAtomicKey(ContextGuard::write(lock.write_owned().await)),
    };
    let applied = storage.atomically(|| {
        storage.with_env(|| {
            calimero_storage::collections::Root::<(), calimero_storage::store::MainStorage>::sync(
                &payload,
                &calimero_storage::interface::ApplyContext::empty(),
            )
        })
    });
    if applied.is_ok() {
        note_applied(storage, &payload);
    }
    let root = storage.root_hash().unwrap_or_default();
    let published = super::context_store::publish_root(storage);
    let returns = match (applied, published) {
        (Ok(()), Ok(())) => Ok(None),
        (Err(e), _) => Err(eyre::eyre!("sync apply failed: {e}")),
        (_, Err(e)) => Err(eyre::eyre!("{e}")),
    };
    ExecuteResponse {
        returns,
        logs: Vec::new(),
        events: Vec::new(),
        root_hash: root.into(),
        artifact: Vec::new(),
        atomic: hold.then_some(key),
    }
}

/// `__calimero_merge_root_state` on the node: merosim's `Root<T>` app's export (`crdt::rooted`),
/// under the context lock, inside the node's storage environment — the typed merge reads both
/// sides' collections from the node's store and writes what it merges there, kept only if the
/// export answers. The export's own writes are the node's; no delta leaves for them, as none
/// leaves an export production's host calls outside a transaction.
async fn merge_root_state(
    storage: &SimStorage,
    lock: Arc<RwLock<ContextId>>,
    request: ExecuteRequest,
) -> ExecuteResponse {
    let _guard = lock.write_owned().await;
    let merged = storage.atomically(|| {
        storage.with_env(|| {
            calimero_storage::delta::clear_pending_delta();
            let merged = crate::crdt::merge_root_state_export(&request.payload);
            calimero_storage::delta::clear_pending_delta();
            merged.ok_or(())
        })
    });
    ExecuteResponse {
        returns: merged.map(Some).map_err(|()| eyre::eyre!("__calimero_merge_root_state: not a MergeRootStateRequest")),
        logs: Vec::new(),
        events: Vec::new(),
        root_hash: storage.root_hash().unwrap_or_default().into(),
        artifact: Vec::new(),
        atomic: None,
    }
}

/// Tells the node's store which delta it just applied (the artifact names it), and what the
/// delta writes should it be one the node had applied before (`store/applies.rs`).
fn note_applied(storage: &SimStorage, artifact: &[u8]) {
    use calimero_storage::delta::StorageDelta;
    let Ok(StorageDelta::CausalActions { actions, delta_id, .. }) = borsh::from_slice::<StorageDelta>(artifact) else {
        return;
    };
    storage.applies().note(delta_id, || {
        let written = |a: &Action| match a {
            Action::Add { id, .. } | Action::Update { id, .. } => Some(*id.as_bytes()),
            _ => None,
        };
        actions.iter().filter_map(written).collect()
    });
}

/// Starts the stand-in on the current madsim node for `storage`'s context, handing out guards
/// of the node's lock, and hands back the recipient calimero's `ContextClient` is built with,
/// already resolved.
pub fn context_manager(storage: &SimStorage) -> LazyRecipient<ContextMessage> {
    let recipient = LazyRecipient::new();
    let mut ctx = Context::new();
    let _ = recipient.init(&mut ctx);
    let actor = ContextManager { storage: storage.clone(), lock: storage.context_lock() };
    madsim::task::spawn_local(ctx.into_future(actor));
    recipient
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use calimero_context_client::messages::AcquireContextLockRequest;
    use tokio::sync::oneshot;

    use super::*;

    async fn acquire(
        cm: &LazyRecipient<ContextMessage>,
        context: ContextId,
    ) -> oneshot::Receiver<Option<ContextAtomicKey>> {
        let (outcome, answer) = oneshot::channel();
        let request = AcquireContextLockRequest { context };
        cm.send(ContextMessage::AcquireContextLock { request, outcome }).await.expect("the actor takes the message");
        answer
    }

    /// The experiment the production-path issue asked for first: an actix actor's future polls
    /// under madsim with no actix-rt, answers through calimero's `LazyRecipient`, and its guard
    /// is a real lock — a second acquire waits, in virtual time, until the first guard drops.
    #[test]
    fn the_stand_in_actor_hands_out_a_real_per_context_lock_under_madsim() {
        let runtime = madsim::runtime::Runtime::with_seed_and_config(7, madsim::Config::default());
        runtime.block_on(async {
            let context = ContextId::from([7; 32]);
            let storage = SimStorage::new(context, [1; 32].into()).expect("a store");
            let lock = storage.context_lock();
            let cm = context_manager(&storage);
            let first = acquire(&cm, context).await.await.expect("answered").expect("a guard for the context");
            assert_eq!(*first.0, context);
            let mut second = acquire(&cm, context).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(second.try_recv().is_err(), "a second writer got the lock while the first held it");
            drop(first);
            let second = tokio::time::timeout(Duration::from_secs(1), second).await;
            assert!(second.is_ok_and(|g| g.is_ok_and(|g| g.is_some())), "the lock never came free");
            let other = acquire(&cm, ContextId::from([8; 32])).await.await.expect("answered");
            assert!(other.is_none(), "an unknown context gets no guard");
            // A second stand-in over the same node's lock excludes the first's holders.
            let held = lock.clone().write_owned().await;
            let mut third = acquire(&context_manager(&storage), context).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(third.try_recv().is_err(), "two stand-ins on one node handed out one lock twice");
            drop(held);
        });
    }
}
