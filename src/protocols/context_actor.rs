//! A stand-in for calimero's context manager actor, run without actix-rt: what production's
//! HashComparison responder asks for before it applies a push (`AcquireContextLock`, answered
//! with a real per-context write guard), so the push path runs calimero's own code under a real
//! lock. actix 0.13 builds a running actor from `Context::new()` + `into_future(actor)` without
//! actix-rt (only `Actor::start`, `Context::run` and response futures call `actix_rt::spawn`);
//! the future is spawned on the current madsim node like any task, and the handler answers on
//! the message's own oneshot from a madsim task — no actor timers, no `actix::spawn`.
//!
//! `Execute` (a WASM call: the responder's deferred root-entity merge asks the app to merge two
//! root states) is answered `ApplicationNotInstalled`: merosim runs no app WASM, so calimero
//! skips that merge and warns, as the protocol's own responder drops it. Unanswered it would be
//! a panic inside calimero (`ContextClient::execute` expects an answer). Every other
//! `ContextMessage` is dropped unanswered: no sync path sends one.

use std::sync::Arc;

use actix::{Actor, Context, Handler};
use calimero_context_client::messages::{ContextMessage, ExecuteError};
use calimero_context_client::{ContextAtomicKey, ContextGuard};
use calimero_primitives::application::ApplicationId;
use calimero_primitives::context::ContextId;
use calimero_utils_actix::LazyRecipient;
use tokio::sync::RwLock;

/// The application every node's context names (merosim installs none): the context metadata
/// production's responder reads carries it, and `Execute` is refused as not installed for it.
pub(super) fn application() -> ApplicationId {
    ApplicationId::from([0; 32])
}

/// The actor: the node's lock for the one context it runs.
struct ContextLocks {
    context: ContextId,
    lock: Arc<RwLock<ContextId>>,
}

impl Actor for ContextLocks {
    type Context = Context<Self>;
}

impl Handler<ContextMessage> for ContextLocks {
    type Result = ();

    fn handle(&mut self, msg: ContextMessage, _ctx: &mut Context<Self>) {
        let (request, outcome) = match msg {
            ContextMessage::AcquireContextLock { request, outcome } => (request, outcome),
            ContextMessage::Execute { outcome, .. } => {
                let _ = outcome.send(Err(ExecuteError::ApplicationNotInstalled { application_id: application() }));
                return;
            }
            _ => return,
        };
        if request.context != self.context {
            let _ = outcome.send(None);
            return;
        }
        let lock = Arc::clone(&self.lock);
        madsim::task::spawn_local(async move {
            let guard = lock.write_owned().await;
            let _ = outcome.send(Some(ContextAtomicKey(ContextGuard::write(guard))));
        });
    }
}

/// Starts the stand-in on the current madsim node, handing out guards of `lock` (the node's
/// lock for `context`), and hands back the recipient calimero's `ContextClient` is built with,
/// already resolved.
pub fn context_manager(context: ContextId, lock: Arc<RwLock<ContextId>>) -> LazyRecipient<ContextMessage> {
    let recipient = LazyRecipient::new();
    let mut ctx = Context::new();
    let _ = recipient.init(&mut ctx);
    let actor = ContextLocks { context, lock };
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
            let lock = Arc::new(RwLock::new(context));
            let cm = context_manager(context, Arc::clone(&lock));
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
            let mut third = acquire(&context_manager(context, Arc::clone(&lock)), context).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(third.try_recv().is_err(), "two stand-ins on one node handed out one lock twice");
            drop(held);
        });
    }
}
