//! One sync session between two nodes: open a stream, start the responder (which learns the
//! protocol from the first frame, as production does), run the initiator, close both ends, and
//! report both outcomes. Every wait is bounded in virtual time, so a session can fail but not hang.

use std::time::Duration;

use calimero_crypto::{Nonce, SharedKey};
use calimero_node_primitives::sync::SyncTransport;

use super::{initiate, respond, Protocol, SessionStats};
use crate::error::SessionError;
use crate::node::{SimNode, SimStorage};
use crate::transport::{SimStream, DEFAULT_RECV_TIMEOUT};

/// Knobs for one session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Budget of each `recv()` on both ends (production default: 30 s).
    pub recv_timeout: Duration,
    /// Cap on the protocol run in virtual time (exceeding it is `SessionError::Budget`); closing
    /// the stream afterwards adds at most one receive budget.
    pub budget: Duration,
    /// Key and nonce on the initiator's end.
    pub initiator_key: Option<(SharedKey, Nonce)>,
    /// Key and nonce on the responder's end.
    pub responder_key: Option<(SharedKey, Nonce)>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            recv_timeout: DEFAULT_RECV_TIMEOUT,
            budget: Duration::from_secs(600),
            initiator_key: None,
            responder_key: None,
        }
    }
}

impl SessionOptions {
    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.recv_timeout = timeout;
        self
    }

    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The same key on both ends.
    pub fn with_encryption(mut self, key: SharedKey, nonce: Nonce) -> Self {
        self.initiator_key = Some((key.clone(), nonce));
        self.responder_key = Some((key, nonce));
        self
    }
}

/// What happened in one session, on both ends.
#[derive(Clone, Debug)]
pub struct SessionReport {
    pub protocol: Protocol,
    pub stream: u64,
    pub started_at: Duration,
    pub ended_at: Duration,
    pub initiator: Result<SessionStats, SessionError>,
    /// The protocol the responder recognised from the first frame, or why it failed.
    pub responder: Result<Protocol, SessionError>,
}

impl SessionReport {
    pub fn succeeded(&self) -> bool {
        self.initiator.is_ok() && self.responder.is_ok()
    }
}

/// Runs `protocol` with `initiator` pulling from (and pushing to) `responder`.
///
/// The initiator targets the responder's root hash as of session start — the value a handshake
/// would have carried.
pub async fn run_session(
    router: &crate::net::NetworkRouter,
    initiator: &SimNode,
    responder: &SimNode,
    protocol: Protocol,
    options: &SessionOptions,
) -> SessionReport {
    let started_at = router.now();
    let (mut near, mut far) = SimStream::pair_for(router, initiator.id(), responder.id(), protocol.name());
    near = near.with_recv_timeout(options.recv_timeout);
    far = far.with_recv_timeout(options.recv_timeout);
    near.set_encryption(options.initiator_key.clone());
    far.set_encryption(options.responder_key.clone());
    let stream = near.stream_id();

    let remote_root = match responder.storage().root_hash() {
        Ok(hash) => hash,
        Err(e) => {
            return SessionReport {
                protocol,
                stream,
                started_at,
                ended_at: router.now(),
                initiator: Err(SessionError::Storage(e.to_string())),
                responder: Err(SessionError::Storage("session not started".into())),
            }
        }
    };

    let serving = responder.storage().clone();
    let responder_task = madsim::task::spawn_local(async move { responder_half(&mut far, &serving).await });

    let initiator_outcome = initiator_half(&mut near, initiator.storage(), protocol, remote_root, options.budget).await;
    // The initiator has closed its end; the responder either sees that FIN or runs into its own
    // receive timeout, both well inside a budget's length.
    let responder_outcome = match tokio::time::timeout(options.budget, responder_task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join)) => Err(SessionError::Protocol(format!("responder task died: {join}"))),
        Err(_) => Err(SessionError::Budget(options.budget)),
    };

    SessionReport {
        protocol,
        stream,
        started_at,
        ended_at: router.now(),
        initiator: initiator_outcome,
        responder: responder_outcome,
    }
}

/// The initiator's half of a session: run `protocol` within `budget`, close, then wait (one
/// receive budget at most) for the responder's end-of-stream, so a healthy session leaves
/// nothing undelivered behind it.
pub async fn initiator_half(
    stream: &mut SimStream,
    storage: &SimStorage,
    protocol: Protocol,
    remote_root: [u8; 32],
    budget: Duration,
) -> Result<SessionStats, SessionError> {
    let outcome = tokio::time::timeout(budget, initiate(stream, storage, protocol, remote_root))
        .await
        .unwrap_or(Err(SessionError::Budget(budget)));
    let _ = stream.close().await;
    let wait = stream.recv_budget();
    let _ = tokio::time::timeout(wait, async { while let Ok(Some(_)) = stream.recv().await {} }).await;
    outcome
}

/// The responder's half: serve whatever the first frame asks for, then close.
pub async fn responder_half(stream: &mut SimStream, storage: &SimStorage) -> Result<Protocol, SessionError> {
    let outcome = respond(stream, storage).await;
    let _ = stream.close().await;
    outcome
}
