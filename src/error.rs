//! Typed errors. Protocol code speaks `eyre`; everything merosim adds speaks these, so a failing
//! session can say *why* (timeout vs. decryption vs. protocol bail) without string matching.

use std::time::Duration;

/// Errors from a node's store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("entity id {id} is the context root id; the root cannot be written as an entity")]
    ReservedId { id: String },
    #[error("entity {id} cannot be its own parent")]
    SelfParent { id: String },
    #[error("parent entity {id} does not exist (create parents before children)")]
    ParentMissing { id: String },
    #[error("entity {id} does not exist")]
    NotFound { id: String },
    #[error("tree deeper than {depth} levels: the index likely contains a cycle")]
    TooDeep { depth: usize },
    #[error("calimero-storage failed to {op}: {source}")]
    Calimero { op: &'static str, source: calimero_storage::error::StorageError },
}

/// Errors a `SimStream` hands to the protocol (wrapped in `eyre`, recovered by
/// [`SessionError::classify`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timeout receiving message from peer after {0:?} of virtual time")]
    Timeout(Duration),
    #[error("stream is closed")]
    Closed,
    /// The stream failed as a whole, as a libp2p stream does when its connection fails; both
    /// ends see it.
    #[error("stream was reset: {0}")]
    Reset(String),
    #[error("decryption failed (wrong key or corrupted frame)")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
    #[error("frame is not a valid StreamMessage: {0}")]
    Decode(String),
    #[error("could not encode StreamMessage: {0}")]
    Encode(String),
}

/// Why one side of a sync session did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("responder got an unsupported first message: {0}")]
    UnsupportedInit(String),
    #[error("session exceeded its virtual-time budget of {0:?}")]
    Budget(Duration),
    #[error("storage: {0}")]
    Storage(String),
    #[error("peer is down: nothing accepted the stream")]
    Unreachable,
    /// The responder ran on its own node, which keeps its outcome in the run's books; the
    /// initiator's report cannot see it.
    #[error("the responder's outcome is in its own node's books")]
    Unobserved,
}

impl SessionError {
    /// Recovers the typed transport cause from a protocol's `eyre` error, if there is one.
    pub fn classify(report: &eyre::Report) -> Self {
        report
            .chain()
            .find_map(|cause| cause.downcast_ref::<TransportError>().cloned())
            .map(SessionError::Transport)
            .unwrap_or_else(|| SessionError::Protocol(format!("{report:#}")))
    }

    /// A short stable label for metrics and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            SessionError::Transport(TransportError::Timeout(_)) => "timeout",
            SessionError::Transport(TransportError::Closed) => "closed",
            SessionError::Transport(TransportError::Reset(_)) => "reset",
            SessionError::Transport(TransportError::Decrypt) => "decrypt",
            SessionError::Transport(TransportError::Encrypt) => "encrypt",
            SessionError::Transport(TransportError::Decode(_)) => "decode",
            SessionError::Transport(TransportError::Encode(_)) => "encode",
            SessionError::Protocol(_) => "protocol",
            SessionError::UnsupportedInit(_) => "unsupported-init",
            SessionError::Budget(_) => "budget",
            SessionError::Storage(_) => "storage",
            SessionError::Unreachable => "unreachable",
            SessionError::Unobserved => "unobserved",
        }
    }
}
