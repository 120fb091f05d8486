//! Names of wire messages, for the trace. The variants of `InitPayload` and `MessagePayload`
//! differ between calimero releases, so naming them belongs here, with the other version-specific
//! code: the variants a sync session can send are named on every release that has them; any
//! other (namespace joins, group keys, …) is named by its kind alone.

use calimero_node_primitives::sync::{InitPayload, MessagePayload, StreamMessage};

/// What a frame carries, for the trace: the init payload or message payload variant.
pub(crate) fn message_name(message: &StreamMessage<'_>) -> &'static str {
    match message {
        StreamMessage::Init { payload, .. } => init_payload_name(payload),
        StreamMessage::Message { payload, .. } => match payload {
            MessagePayload::BlobShare { .. } => "BlobShareChunk",
            MessagePayload::DeltaResponse { .. } => "DeltaResponse",
            MessagePayload::DeltaNotFound => "DeltaNotFound",
            MessagePayload::DagHeadsResponse { .. } => "DagHeadsResponse",
            MessagePayload::SnapshotBoundaryResponse { .. } => "SnapshotBoundaryResponse",
            MessagePayload::SnapshotPage { .. } => "SnapshotPage",
            MessagePayload::SnapshotError { .. } => "SnapshotError",
            MessagePayload::TreeNodeResponse { .. } => "TreeNodeResponse",
            MessagePayload::LevelWiseResponse { .. } => "LevelWiseResponse",
            MessagePayload::EntityPushAck { .. } => "EntityPushAck",
            #[cfg(calimero_delete_push)]
            MessagePayload::EntityDeletePushAck { .. } => "EntityDeletePushAck",
            MessagePayload::NamespaceBackfillResponse { .. } => "NamespaceBackfillResponse",
            MessagePayload::NamespaceJoinResponse { .. } => "NamespaceJoinResponse",
            MessagePayload::NamespaceJoinRejected { .. } => "NamespaceJoinRejected",
            #[allow(unreachable_patterns)]
            _ => "Message",
        },
        StreamMessage::OpaqueError => "OpaqueError",
        #[cfg(calimero_not_materialized)]
        StreamMessage::NotMaterialized => "NotMaterialized",
    }
}

/// The name of an init payload's variant (what a stream is opened for).
pub(crate) fn init_payload_name(payload: &InitPayload) -> &'static str {
    match payload {
        InitPayload::BlobShare { .. } => "BlobShare",
        InitPayload::DeltaRequest { .. } => "DeltaRequest",
        InitPayload::DagHeadsRequest { .. } => "DagHeadsRequest",
        InitPayload::SnapshotBoundaryRequest { .. } => "SnapshotBoundaryRequest",
        InitPayload::SnapshotStreamRequest { .. } => "SnapshotStreamRequest",
        InitPayload::TreeNodeRequest { .. } => "TreeNodeRequest",
        InitPayload::LevelWiseRequest { .. } => "LevelWiseRequest",
        InitPayload::EntityPush { .. } => "EntityPush",
        #[cfg(calimero_delete_push)]
        InitPayload::EntityDeletePush { .. } => "EntityDeletePush",
        InitPayload::NamespaceBackfillRequest { .. } => "NamespaceBackfillRequest",
        InitPayload::NamespaceJoinRequest { .. } => "NamespaceJoinRequest",
        #[allow(unreachable_patterns)]
        _ => "Init",
    }
}

#[cfg(calimero_node_path)]
/// The request a stream's first frame opens with (`Init`'s payload), when it decodes as one:
/// what production's dispatch will run, known before it runs.
pub fn first_request(frame: &[u8]) -> Option<&'static str> {
    match borsh::from_slice::<StreamMessage<'static>>(frame).ok()? {
        StreamMessage::Init { payload, .. } => Some(init_payload_name(&payload)),
        _ => None,
    }
}
