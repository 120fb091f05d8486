//! One sync session, described once: which protocol, with which receive budget, overall budget,
//! keys and (optionally) which root the initiator believes the peer has. The same [`Session`]
//! drives hand-written tests and every node's sync loop; `cluster` only decides where the
//! responder half runs and keeps the books.
//!
//! Every wait is bounded in virtual time, so a session can fail but not hang.

use std::time::Duration;

use calimero_crypto::{Nonce, SharedKey};
use calimero_node_primitives::sync::SyncTransport;

use super::{
    ask_dag_heads, initiate, message_name, respond_with, serve, HcResponder, HeadsAnswer, Protocol, SessionStats,
};
use crate::error::SessionError;
use crate::ids::NodeId;
use crate::net::NetworkRouter;
use crate::store::SimStorage;
use crate::transport::{SimStream, DEFAULT_RECV_TIMEOUT};

/// Knobs a session's two ends share. Only the receive budget is a command-line setting; the
/// rest are for tests that build sessions by hand.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct SessionOptions {
    /// Receive budget of every stream, in seconds (production: 30).
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "SECS", default_value = "30", value_parser = crate::args::parse_positive_secs)
    )]
    pub recv_timeout: Duration,
    /// Cap on the protocol run in virtual time (exceeding it is `SessionError::Budget`); closing
    /// the stream afterwards adds at most one receive budget.
    #[cfg_attr(feature = "cli", arg(skip = LOOP_BUDGET))]
    pub budget: Duration,
    /// Key and nonce on the initiator's end.
    #[cfg_attr(feature = "cli", arg(skip))]
    pub initiator_key: Option<(SharedKey, Nonce)>,
    /// Key and nonce on the responder's end.
    #[cfg_attr(feature = "cli", arg(skip))]
    pub responder_key: Option<(SharedKey, Nonce)>,
}

/// The cap on a session a node's sync loop starts (a hand-driven one defaults to ten minutes).
pub const LOOP_BUDGET: Duration = Duration::from_secs(120);

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

    /// The same key on both ends (calimero's sync-level `SharedKey` encryption).
    pub fn with_encryption(mut self, key: SharedKey, nonce: Nonce) -> Self {
        // `SharedKey` stopped being `Copy` in 0.11.0-rc.9; on earlier releases this clone is a copy.
        #[allow(clippy::clone_on_copy)]
        let second = key.clone();
        self.initiator_key = Some((key, nonce));
        self.responder_key = Some((second, nonce));
        self
    }

    pub fn encrypted(&self) -> bool {
        self.initiator_key.is_some() || self.responder_key.is_some()
    }

    /// Writes the command-line part back (keys and budget are not command-line settings).
    pub fn write_args(&self, out: &mut crate::args::ArgWriter) {
        out.secs("recv-timeout", self.recv_timeout);
    }
}

/// A session to run: a protocol, its options, and what the initiator believes the peer's root
/// is (by default: the peer's root when the session starts, as a fresh handshake says).
#[derive(Clone, Debug)]
pub struct Session {
    protocol: Protocol,
    options: SessionOptions,
    handshake_root: Option<[u8; 32]>,
    hc_responder: HcResponder,
}

impl Session {
    pub fn new(protocol: Protocol) -> Self {
        Session {
            protocol,
            options: SessionOptions::default(),
            handshake_root: None,
            hc_responder: HcResponder::default(),
        }
    }

    pub fn with_options(mut self, options: SessionOptions) -> Self {
        self.options = options;
        self
    }

    /// The root hash the initiator targets, as a handshake taken earlier would have carried it —
    /// for races between a handshake and the session it starts (the peer moved on in between).
    pub fn with_handshake_root(mut self, root: [u8; 32]) -> Self {
        self.handshake_root = Some(root);
        self
    }

    /// Which code answers if the session is HashComparison (hand-driven sessions; a node's
    /// acceptor answers with the run's [`SimConfig::hc_responder`](crate::SimConfig::hc_responder)).
    pub fn with_hc_responder(mut self, hc: HcResponder) -> Self {
        self.hc_responder = hc;
        self
    }

    pub fn hc_responder(&self) -> HcResponder {
        self.hc_responder
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The root the initiator targets when the peer's current root is `peer_root`.
    pub(crate) fn target_root(&self, peer_root: [u8; 32]) -> [u8; 32] {
        self.handshake_root.unwrap_or(peer_root)
    }

    /// A fresh stream between `initiator` and `responder` with this session's receive budget,
    /// keys and message names on both ends: `(initiator's end, responder's end)`.
    pub fn open(&self, router: &NetworkRouter, initiator: NodeId, responder: NodeId) -> (SimStream, SimStream) {
        let (near, far) = SimStream::pair_for(router, initiator, responder, self.protocol.name());
        let end = |stream: SimStream, key: Option<(SharedKey, Nonce)>| {
            let mut stream = stream.with_recv_timeout(self.options.recv_timeout).with_namer(message_name);
            stream.set_encryption(key);
            stream
        };
        #[allow(clippy::clone_on_copy)]
        let (near_key, far_key) = (self.options.initiator_key.clone(), self.options.responder_key.clone());
        (end(near, near_key), end(far, far_key))
    }

    /// The initiator's half on a stream of its own: run the protocol against `remote_root` within
    /// the budget, close, then wait (one receive budget at most) for the responder's end of
    /// stream, so a healthy session leaves nothing undelivered behind it.
    pub async fn initiator_half(
        &self,
        stream: &mut SimStream,
        storage: &SimStorage,
        remote_root: [u8; 32],
    ) -> Result<SessionStats, SessionError> {
        let budget = self.options.budget;
        let outcome = tokio::time::timeout(budget, initiate(stream, storage, self.protocol, remote_root))
            .await
            .unwrap_or(Err(SessionError::Budget(budget)));
        let _ = stream.close().await;
        await_peer_close(stream).await;
        outcome
    }

    /// A fresh stream for a DAG-heads exchange between `asker` and `peer`, with `options`' receive
    /// budget: `(asker's end, peer's end)`. It carries no session keys (see [`ask_dag_heads`]).
    pub fn open_heads(
        router: &NetworkRouter,
        options: &SessionOptions,
        asker: NodeId,
        peer: NodeId,
    ) -> (SimStream, SimStream) {
        let (near, far) = SimStream::pair_for(router, asker, peer, "dag-heads");
        let end = |stream: SimStream| stream.with_recv_timeout(options.recv_timeout).with_namer(message_name);
        (end(near), end(far))
    }

    /// The asking half of a DAG-heads exchange (see [`ask_dag_heads`]): ask within one receive
    /// budget, then close; the answer is all it waits for, so a lost close never holds up the
    /// node's next tick.
    pub async fn heads_half(stream: &mut SimStream, storage: &SimStorage) -> Result<HeadsAnswer, SessionError> {
        let wait = stream.recv_budget();
        let answer =
            tokio::time::timeout(wait, ask_dag_heads(stream, storage)).await.unwrap_or(Err(SessionError::Budget(wait)));
        let _ = stream.close().await;
        answer
    }

    /// A node's acceptor half: serve what the first frame asks for — a DAG-heads answer from
    /// `heads` (`Ok(None)`) or a protocol session inside `enter`'s guard — then close. After a
    /// DAG-heads answer it waits (one budget at most) for the asker's close instead of sending
    /// its own, which would land on a stream the asker has already dropped.
    pub async fn serving_half<G>(
        stream: &mut SimStream,
        storage: &SimStorage,
        hc: HcResponder,
        heads: impl FnOnce() -> HeadsAnswer,
        enter: impl FnOnce() -> G,
    ) -> Result<Option<Protocol>, SessionError> {
        let outcome = serve(stream, storage, hc, heads, enter).await;
        if let Ok(None) = outcome {
            await_peer_close(stream).await;
            return outcome;
        }
        let _ = stream.close().await;
        outcome
    }

    /// The responder's half: serve whatever the first frame asks for (as calimero's manager
    /// dispatches, HashComparison by the build's default [`HcResponder`]), then close. Returns
    /// the protocol the peer spoke.
    pub async fn responder_half(stream: &mut SimStream, storage: &SimStorage) -> Result<Protocol, SessionError> {
        Session::responder_half_with(stream, storage, HcResponder::default()).await
    }

    /// [`Session::responder_half`] with `hc` answering a HashComparison session.
    pub async fn responder_half_with(
        stream: &mut SimStream,
        storage: &SimStorage,
        hc: HcResponder,
    ) -> Result<Protocol, SessionError> {
        let outcome = respond_with(stream, storage, hc).await;
        let _ = stream.close().await;
        outcome
    }
}

/// Reads (and drops) what is left on `stream` until the peer's end of stream, one receive budget
/// at most, so the peer's close lands on a stream still there.
async fn await_peer_close(stream: &mut SimStream) {
    let wait = stream.recv_budget();
    let _ = tokio::time::timeout(wait, async { while let Ok(Some(_)) = stream.recv().await {} }).await;
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
