//! A run-wide event counter with a wake-up: the router bumps it for every frame sent, delivered
//! or dropped, nodes for every timer tick and session start/end. `SimRuntime::step` waits for it
//! to move, and `max_events` bounds it.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

#[derive(Default)]
pub struct Activity {
    events: AtomicU64,
    notify: Notify,
}

impl Activity {
    pub fn bump(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
        self.notify.notify_waiters();
    }

    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Resolves at the next `bump`.
    pub async fn next(&self) {
        self.notify.notified().await;
    }
}
