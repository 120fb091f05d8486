//! The receiving end of one stream direction (or of a node's gossip): frames the router delivered,
//! waiting for `recv`. Receivers sleep on a `Notify` and wake on arrival — no polling, so an idle
//! simulation has no events and madsim can jump the clock straight to the next timer.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

#[derive(Default)]
pub(crate) struct Mailbox {
    state: Mutex<MailboxState>,
    notify: Notify,
}

#[derive(Default)]
struct MailboxState {
    frames: VecDeque<Vec<u8>>,
    fin: bool,
    reset: Option<String>,
}

/// What a receiver finds when it looks.
pub(crate) enum Next {
    Frame(Vec<u8>),
    /// The peer closed the stream and every frame before the close was drained.
    Finished,
    /// The stream failed as a whole; what was buffered is gone, as with a failed connection.
    Reset(String),
    Empty,
}

impl Mailbox {
    pub(crate) fn push(&self, frame: Vec<u8>) {
        self.lock().frames.push_back(frame);
        self.notify.notify_one();
    }

    pub(crate) fn finish(&self) {
        self.lock().fin = true;
        self.notify.notify_one();
    }

    pub(crate) fn reset(&self, reason: &str) {
        self.lock().reset.get_or_insert_with(|| reason.to_owned());
        self.notify.notify_one();
    }

    /// Why the stream failed, if it did.
    pub(crate) fn reset_reason(&self) -> Option<String> {
        self.lock().reset.clone()
    }

    /// What `take` would find, without taking it: whether a frame waits (`Some(true)`), the
    /// stream ended or failed (`Some(false)`), or nothing happened yet (`None`).
    pub(crate) fn peek(&self) -> Option<bool> {
        let state = self.lock();
        match (&state.reset, state.frames.is_empty(), state.fin) {
            (Some(_), _, _) => Some(false),
            (None, false, _) => Some(true),
            (None, true, true) => Some(false),
            (None, true, false) => None,
        }
    }

    pub(crate) fn take(&self) -> Next {
        let mut state = self.lock();
        if let Some(reason) = &state.reset {
            return Next::Reset(reason.clone());
        }
        match state.frames.pop_front() {
            Some(frame) => Next::Frame(frame),
            None if state.fin => Next::Finished,
            None => Next::Empty,
        }
    }

    /// Resolves after the next `push`/`finish`/`reset` (or at once if one happened since the last
    /// wait).
    pub(crate) async fn changed(&self) {
        self.notify.notified().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MailboxState> {
        // A panic while holding this lock already failed the run; keep reporting, don't cascade.
        self.state.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}
