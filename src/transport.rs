//! `SimStream`: calimero's `SyncTransport` over the simulated network.
//!
//! It does what production's libp2p `StreamTransport` does — borsh-encode, optionally encrypt,
//! send; receive, decrypt, decode, with a receive budget — except that bytes travel through the
//! [`NetworkRouter`] and every wait is in madsim's virtual time.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use calimero_crypto::{Nonce, SharedKey};
use calimero_node_primitives::sync::{EncryptionState, StreamMessage, SyncTransport};

use crate::error::TransportError;
use crate::ids::NodeId;
use crate::net::mailbox::{Mailbox, Next};
use crate::net::{FrameKind, NetworkRouter, Route};

/// Production's default receive budget for `recv()` (calimero-node `StreamTransport`).
pub const DEFAULT_RECV_TIMEOUT: Duration = Duration::from_secs(30);

/// Names a message for the trace. The exhaustive, version-specific namer lives in `protocols`
/// (which variants exist changes between calimero releases); a bare stream names the top level.
pub type MessageNamer = fn(&StreamMessage<'_>) -> &'static str;

/// Called on an end's `n`-th received frame, right before the protocol gets it: what lets a run
/// crash a node in the middle of merging what a session brought (the protocol applies each frame
/// synchronously, so everything before frame `n` is committed and nothing of it is torn).
pub type ReceiveHook = Box<dyn FnOnce() + Send>;

/// Rewrites each message an end sends: a Byzantine member's lies (`protocols::lies`). It sees
/// the message decoded and returns what goes out instead, or `None` to send it as it is.
pub type Rewrite = Box<dyn FnMut(&StreamMessage<'_>) -> Option<Vec<u8>> + Send>;

/// Asked before each received frame is handed over: how long the node takes to get to it
/// (`None`: at once). A slow consumer — a node whose storage applies slowly.
pub type Pacing = Box<dyn FnMut() -> Option<Duration> + Send>;

/// What the cluster may do to one end of a stream beyond what the network does: the hooks the
/// node-level faults and buggify points act through.
#[derive(Default)]
struct EndFaults {
    received: u32,
    on_receive: Option<(u32, ReceiveHook)>,
    pacing: Option<Pacing>,
    /// Close after this many sends: the next send closes the stream instead (an early close).
    close_after_sends: Option<u32>,
    sent: u32,
    rewrite: Option<Rewrite>,
}

/// One end of a bidirectional simulated stream between two nodes.
pub struct SimStream {
    router: NetworkRouter,
    stream: u64,
    local: NodeId,
    peer: NodeId,
    inbox: Arc<Mailbox>,
    peer_inbox: Weak<Mailbox>,
    encryption: EncryptionState,
    recv_timeout: Duration,
    namer: MessageNamer,
    closed: bool,
    faults: EndFaults,
}

impl SimStream {
    /// Opens a stream between `a` and `b`; returns `(a's end, b's end)`.
    pub fn pair(router: &NetworkRouter, a: NodeId, b: NodeId) -> (SimStream, SimStream) {
        Self::pair_for(router, a, b, "stream")
    }

    /// Like [`pair`](Self::pair), labelling the stream's frames with `protocol` in the trace.
    pub fn pair_for(router: &NetworkRouter, a: NodeId, b: NodeId, protocol: &'static str) -> (SimStream, SimStream) {
        let (inbox_a, inbox_b) = (Arc::new(Mailbox::default()), Arc::new(Mailbox::default()));
        let stream = router.open_stream(protocol, [(a, &inbox_a), (b, &inbox_b)]);
        let end = |local, peer, inbox: &Arc<Mailbox>, peer_inbox: &Arc<Mailbox>| SimStream {
            router: router.clone(),
            stream,
            local,
            peer,
            inbox: Arc::clone(inbox),
            peer_inbox: Arc::downgrade(peer_inbox),
            encryption: EncryptionState::new(),
            recv_timeout: DEFAULT_RECV_TIMEOUT,
            namer: top_level_name,
            closed: false,
            faults: EndFaults::default(),
        };
        (end(a, b, &inbox_a, &inbox_b), end(b, a, &inbox_b, &inbox_a))
    }

    /// Sets the budget `recv()` uses (production: 30 s).
    pub fn with_recv_timeout(mut self, timeout: Duration) -> Self {
        self.recv_timeout = timeout;
        self
    }

    /// How this end names the messages it sends, in the trace.
    pub fn with_namer(mut self, namer: MessageNamer) -> Self {
        self.namer = namer;
        self
    }

    /// Calls `hook` when this end receives its `n`-th frame (before handing it over).
    pub fn on_receive(&mut self, n: u32, hook: ReceiveHook) {
        self.faults.on_receive = Some((n.max(1), hook));
    }

    /// Paces every received frame by what `pacing` says.
    pub fn with_pacing(&mut self, pacing: Pacing) {
        self.faults.pacing = Some(pacing);
    }

    /// Closes this end early: after `sends` frames, the next send closes the stream and fails.
    pub fn close_after_sends(&mut self, sends: u32) {
        self.faults.close_after_sends = Some(sends);
    }

    /// Rewrites every message this end sends by `rewrite` (a Byzantine member's answers).
    pub fn with_rewrite(&mut self, rewrite: Rewrite) {
        self.faults.rewrite = Some(rewrite);
    }

    /// The budget `recv()` waits for.
    pub fn recv_budget(&self) -> Duration {
        self.recv_timeout
    }

    pub fn stream_id(&self) -> u64 {
        self.stream
    }

    pub fn local(&self) -> NodeId {
        self.local
    }

    pub fn peer(&self) -> NodeId {
        self.peer
    }

    fn route(&self) -> Route {
        Route { stream: self.stream, from: self.local, to: self.peer }
    }

    fn decode(&self, frame: Vec<u8>) -> Result<StreamMessage<'static>, TransportError> {
        let plain = self.encryption.decrypt(frame).map_err(|_| TransportError::Decrypt)?;
        borsh::from_slice::<StreamMessage<'static>>(&plain).map_err(|e| TransportError::Decode(e.to_string()))
    }
}

#[async_trait]
impl SyncTransport for SimStream {
    async fn send(&mut self, message: &StreamMessage<'_>) -> eyre::Result<()> {
        self.admit_send()?;
        let rewritten = self.faults.rewrite.as_mut().and_then(|rewrite| rewrite(message));
        let encoded = match rewritten {
            Some(bytes) => bytes,
            None => borsh::to_vec(message).map_err(|e| TransportError::Encode(e.to_string()))?,
        };
        let frame = self.encryption.encrypt(encoded).map_err(|_| TransportError::Encrypt)?;
        self.router.send(self.route(), FrameKind::Data, (self.namer)(message), frame, self.peer_inbox.clone());
        Ok(())
    }

    async fn recv(&mut self) -> eyre::Result<Option<StreamMessage<'static>>> {
        self.recv_timeout(self.recv_timeout).await
    }

    async fn recv_timeout(&mut self, budget: Duration) -> eyre::Result<Option<StreamMessage<'static>>> {
        let deadline = tokio::time::Instant::now() + budget;
        loop {
            match self.inbox.take() {
                Next::Frame(frame) => {
                    self.received(deadline).await;
                    return Ok(Some(self.decode(frame)?));
                }
                Next::Finished => return Ok(None),
                Next::Reset(reason) => return Err(TransportError::Reset(reason).into()),
                Next::Empty => {}
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if tokio::time::timeout(left, self.inbox.changed()).await.is_err() {
                return Err(TransportError::Timeout(budget).into());
            }
        }
    }

    fn set_encryption(&mut self, encryption: Option<(SharedKey, Nonce)>) {
        self.encryption.set(encryption);
    }

    fn encryption(&self) -> Option<(SharedKey, Nonce)> {
        self.encryption.get()
    }

    async fn close(&mut self) -> eyre::Result<()> {
        self.finish();
        Ok(())
    }
}

/// What one end finds next when it reads frames as bytes (the relay that carries a calimero
/// `Stream` over the router reads this way).
#[derive(Debug, PartialEq, Eq)]
pub enum RawFrame {
    /// A frame's bytes, exactly as the peer's end sent them (encrypted or not).
    Frame(Vec<u8>),
    /// The peer closed the stream and every frame before the close arrived.
    Finished,
    /// The stream failed as a whole (a reset, a crash): the reason.
    Reset(String),
}

impl SimStream {
    /// Sends a frame as bytes, as a calimero `Stream` hands them over: the protocol's own
    /// encoding (and encryption, if it encrypts), named in the trace by its message when it
    /// decodes as one.
    pub fn send_raw(&mut self, mut frame: Vec<u8>) -> Result<(), TransportError> {
        self.admit_send()?;
        let name = match borsh::from_slice::<StreamMessage<'static>>(&frame) {
            Ok(message) => {
                if let Some(lie) = self.faults.rewrite.as_mut().and_then(|rewrite| rewrite(&message)) {
                    frame = lie;
                }
                (self.namer)(&message)
            }
            Err(_) => "Encrypted",
        };
        self.router.send(self.route(), FrameKind::Data, name, frame, self.peer_inbox.clone());
        Ok(())
    }

    /// Whether this end may send one more frame (counted if so): not after a reset or a close,
    /// and an early close (`close_after_sends`) closes instead of sending.
    fn admit_send(&mut self) -> Result<(), TransportError> {
        if let Some(reason) = self.inbox.reset_reason() {
            return Err(TransportError::Reset(reason));
        }
        if self.closed {
            return Err(TransportError::Closed);
        }
        if self.faults.close_after_sends.is_some_and(|n| self.faults.sent >= n) {
            self.finish();
            return Err(TransportError::Closed);
        }
        self.faults.sent += 1;
        Ok(())
    }

    /// Closes this end: a FIN to the peer, once (what `close` does, without the await).
    pub(crate) fn finish(&mut self) {
        if !self.closed {
            self.closed = true;
            self.router.send(self.route(), FrameKind::Fin, "fin", Vec::new(), self.peer_inbox.clone());
        }
    }

    /// The peer's life as a connection sees it (see `NetworkRouter::life`): compare two readings
    /// to tell whether the peer crashed in between.
    pub fn peer_life(&self) -> (u64, bool) {
        self.router.life(self.peer)
    }

    /// Whether the peer let go of its end (dropped it without a close): a libp2p stream dropped
    /// by its owner is reset, which its peer learns.
    pub fn peer_dropped(&self) -> bool {
        self.peer_inbox.strong_count() == 0
    }

    /// Whether this stream stalled (nothing more gets through, its close included).
    pub fn stalled(&self) -> bool {
        self.router.stream_stalled(self.stream)
    }

    /// Waits, without a budget, for what comes next: the relay has none of its own (the code
    /// reading the calimero `Stream` keeps its own timeouts). Pacing and receive hooks act as on
    /// any frame. Every wait comes before anything is taken, so a caller that stops waiting (a
    /// `select!` that took its other branch) loses nothing.
    pub async fn recv_raw(&mut self) -> RawFrame {
        let frame_waits = loop {
            match self.inbox.peek() {
                Some(frame) => break frame,
                None => self.inbox.changed().await,
            }
        };
        if frame_waits {
            if let Some(delay) = self.faults.pacing.as_mut().and_then(|pace| pace()) {
                tokio::time::sleep(delay.min(DEFAULT_RECV_TIMEOUT)).await;
            }
        }
        match self.inbox.take() {
            Next::Frame(frame) => {
                self.hook();
                RawFrame::Frame(frame)
            }
            Next::Finished => RawFrame::Finished,
            Next::Reset(reason) => RawFrame::Reset(reason),
            // Only this end takes from its inbox: what `peek` saw is still there.
            Next::Empty => RawFrame::Reset("relay: frame vanished".to_owned()),
        }
    }

    /// Books one received frame: pace it, and fire the receive hook on its frame.
    async fn received(&mut self, deadline: tokio::time::Instant) {
        self.faults.received += 1;
        if let Some(delay) = self.faults.pacing.as_mut().and_then(|pace| pace()) {
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + delay)).await;
        }
        self.fire_hook();
    }

    /// Counts a frame the relay took and fires the receive hook on its frame.
    fn hook(&mut self) {
        self.faults.received += 1;
        self.fire_hook();
    }

    fn fire_hook(&mut self) {
        if self.faults.on_receive.as_ref().is_some_and(|(n, _)| self.faults.received >= *n) {
            if let Some((_, hook)) = self.faults.on_receive.take() {
                hook();
            }
        }
    }
}

/// The top-level variant: what a bare stream can say about a message without knowing the
/// release's payload variants.
fn top_level_name(message: &StreamMessage<'_>) -> &'static str {
    match message {
        StreamMessage::Init { .. } => "Init",
        StreamMessage::Message { .. } => "Message",
        // Later releases add variants; a bare stream need not know them.
        #[allow(unreachable_patterns)]
        _ => "Other",
    }
}

impl std::fmt::Debug for SimStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimStream")
            .field("stream", &self.stream)
            .field("local", &self.local)
            .field("peer", &self.peer)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}
