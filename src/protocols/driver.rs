//! Production's sync tick, composed as calimero-node's `run.rs` composes it: the node's original
//! `SyncManager` runs `start` (its `SyncDriver`: the interval timer, the `SessionTracker` with its
//! dispatch backoff, wedge watchdog and dispatch-generation guard, explicit sync requests), and
//! the initiator jobs it dispatches run on a `SyncSessionActor` holding a clone of the manager
//! (the mailbox bound, the concurrency semaphore, the per-context in-flight refusal, the session
//! deadline), whose results flow back to the driver.
//!
//! Two pieces differ from production, both wiring:
//! - The actor is not started on an actix-rt `Arbiter` (a real OS thread with a real tokio
//!   runtime, which a simulation cannot run): it is built with the constructor
//!   `start_sync_session_actor` calls and run as actix runs an actor, `Context::into_future`,
//!   on the node's madsim task queue, like merosim's other actor stand-ins.
//! - The actor's `started` arms actix's `run_interval` for its once-a-minute summary log, and
//!   actix builds that timer on real tokio, whose `Sleep` needs a real runtime when it is made.
//!   The first poll (where `started` runs, before any job reaches the mailbox) runs inside a real
//!   tokio runtime that is never driven, so the summary never logs and nothing else changes. No
//!   later poll is inside it: a real-tokio timer or spawn anywhere else still panics loudly.
//!
//! Each result the actor sends the driver passes through merosim on the way, unchanged, so the
//! run's books and trace see which peer and protocol each tick ran.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use actix::{AsyncContext, Context};
use calimero_network_primitives::stream::Stream;
use calimero_node::sync::{SyncConfig, SyncManager};
use calimero_node::sync_session_bridge::{
    SyncSessionActor, SyncSessionJob, SyncSessionMetrics, SyncSessionSender, SYNC_SESSION_CHANNEL_CAPACITY,
};
use libp2p_identity::PeerId;
use tokio::sync::{mpsc, oneshot};

use crate::error::SessionError;

/// One session production's tick ran, as its result reached the driver.
#[derive(Debug)]
pub struct TickResult {
    /// The peer it synced with (a random id when it failed before choosing one, as production's).
    pub peer: PeerId,
    /// The protocol that ran, or why the session failed (`budget` when the actor's session
    /// deadline cut it).
    pub outcome: Result<&'static str, SessionError>,
}

/// Runs production's tick for `manager` (the node's original, which holds the driver's request
/// channels) until the node's task queue dies with it; `on_result` sees every session result
/// before the driver does, and `inbound` gets the actor for the node's inbound streams.
pub(super) async fn run(
    mut manager: SyncManager,
    config: SyncConfig,
    inbound: &Actor,
    mut on_result: impl FnMut(TickResult) + 'static,
) {
    let (result_tx, mut result_rx) = mpsc::unbounded_channel();
    let (driver_tx, driver_rx) = mpsc::unbounded_channel();
    // Production registers the actor's drop counters in the node's metrics registry; nothing
    // here reads them.
    let metrics = SyncSessionMetrics::new(&mut prometheus_client::registry::Registry::default());
    let mut ctx = Context::new();
    ctx.set_mailbox_capacity(SYNC_SESSION_CHANNEL_CAPACITY);
    let addr = ctx.address();
    let actor = SyncSessionActor::new(
        manager.clone(),
        config.session_deadline,
        config.max_concurrent,
        Some(result_tx),
        metrics.clone(),
    );
    let (first_polled, polled) = oneshot::channel();
    madsim::task::spawn_local(FirstPollInRealTokio {
        actor: Box::pin(ctx.into_future(actor)),
        first: Some(first_polled),
    });
    // The driver dispatches its first job on its first tick, at once: the actor has started first.
    if polled.await.is_err() {
        return;
    }
    let sender = SyncSessionSender { addr, metrics };
    if let Ok(mut slot) = inbound.0.lock() {
        *slot = Some(sender.clone());
    }
    manager.set_session_handles(sender, driver_rx);
    madsim::task::spawn_local(async move {
        while let Some(result) = result_rx.recv().await {
            on_result(TickResult {
                peer: result.peer_id,
                outcome: match &result.result {
                    Ok(Ok(protocol)) => Ok(super::plan::protocol_name(protocol)),
                    Ok(Err(e)) => Err(SessionError::classify(e)),
                    Err(_) => Err(SessionError::Budget(config.session_deadline)),
                },
            });
            if driver_tx.send(result).is_err() {
                return;
            }
        }
    });
    manager.start().await;
}

/// A node's session actor once its tick runs: what production's network handler hands each
/// inbound stream to.
#[derive(Default)]
pub(super) struct Actor(std::sync::Mutex<Option<SyncSessionSender>>);

impl Actor {
    /// Hands `stream` to the actor as production's handler does, or gives it back before the
    /// tick runs. A full mailbox or a stopped actor drops the stream, and the peer's session
    /// fails.
    pub(super) fn serve(&self, peer: PeerId, stream: Box<Stream>) -> Result<Result<(), SessionError>, Box<Stream>> {
        let Some(sender) = self.0.lock().ok().and_then(|s| s.clone()) else { return Err(stream) };
        let job = SyncSessionJob::Responder { peer_id: peer, stream };
        Ok(sender
            .try_send(job)
            .map_err(|e| SessionError::Protocol(format!("the session actor refused the stream: {e:?}"))))
    }
}

/// The manager's sync settings for a tick every `frequency`: production's defaults (10 s ticks,
/// 5 s between syncs of one context) scaled to merosim's sync interval, keeping their ratio. A
/// zero interval (tokio's `interval` refuses one) ticks every millisecond.
pub(super) fn tick_every(frequency: Duration) -> SyncConfig {
    let frequency = frequency.max(Duration::from_millis(1));
    SyncConfig { frequency, interval: frequency / 2, ..Default::default() }
}

/// The actor's future, its first poll inside a real tokio runtime (see the module's comment).
struct FirstPollInRealTokio<F> {
    actor: Pin<Box<F>>,
    first: Option<oneshot::Sender<()>>,
}

impl<F: Future> Future for FirstPollInRealTokio<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let Some(first) = self.first.take() else { return self.actor.as_mut().poll(cx) };
        let inside = idle_runtime().map(real_tokio::runtime::Runtime::enter);
        let polled = self.actor.as_mut().poll(cx);
        drop(inside);
        let _ = first.send(());
        polled
    }
}

static IDLE: OnceLock<Option<real_tokio::runtime::Runtime>> = OnceLock::new();

/// Builds the never-driven runtime ahead of any simulation (`warm_up`), on a thread of its own:
/// building one draws a `RandomState`, and on the caller's thread that would fix the thread's
/// hash keys from the OS before madsim could seed them (a simulation thread's first warm-up
/// is on it) — calimero's maps would then iterate differently in every process.
pub(super) fn warm_up() {
    IDLE.get_or_init(|| {
        std::thread::spawn(|| real_tokio::runtime::Builder::new_current_thread().enable_time().build().ok())
            .join()
            .ok()
            .flatten()
    });
}

fn idle_runtime() -> Option<&'static real_tokio::runtime::Runtime> {
    IDLE.get().and_then(Option::as_ref)
}
