//! SimStream's own contract, independent of any protocol: ordered drain before end-of-stream,
//! receive budgets that expire in virtual time, no sends after close.

use std::borrow::Cow;
use std::time::Duration;

use calimero_node_primitives::sync::{MessagePayload, StreamMessage, SyncTransport};
use merosim::prelude::*;
use sim_tests::seed_or;

fn message(sequence_id: u64) -> StreamMessage<'static> {
    StreamMessage::Message {
        sequence_id,
        payload: MessagePayload::BlobShare { chunk: Cow::Owned(vec![sequence_id as u8; 16]) },
        next_nonce: [0; 12],
    }
}

fn sequence(m: &StreamMessage<'_>) -> u64 {
    match m {
        StreamMessage::Message { sequence_id, .. } => *sequence_id,
        other => panic!("unexpected {other:?}"),
    }
}

/// With jitter, frames may overtake each other, but the FIN never overtakes data: the receiver
/// gets every frame, then `Ok(None)`.
#[test]
fn close_drains_every_frame_before_end_of_stream() {
    simulate(seed_or(71), || async {
        let router = NetworkRouter::new(71, FaultConfig::none().with_latency(5, 40));
        let (mut a, mut b) = SimStream::pair(&router, NodeId(0), NodeId(1));
        for i in 0..50 {
            a.send(&message(i)).await.unwrap();
        }
        a.close().await.unwrap();
        let mut got = Vec::new();
        while let Some(m) = b.recv().await.unwrap() {
            got.push(sequence(&m));
        }
        got.sort_unstable();
        assert_eq!(got, (0..50).collect::<Vec<_>>(), "every frame arrives before the end of stream");
        assert!(b.recv().await.unwrap().is_none(), "end of stream is sticky");
        assert!(a.send(&message(99)).await.is_err(), "no sends after close");
    });
}

/// `recv_timeout` waits its budget in virtual time (an hour, instantly), then fails with a typed
/// timeout.
#[test]
fn recv_timeout_expires_in_virtual_time() {
    simulate(seed_or(72), || async {
        let router = NetworkRouter::new(72, FaultConfig::none());
        let (_a, mut b) = SimStream::pair(&router, NodeId(0), NodeId(1));
        let start = router.now();
        let err = b.recv_timeout(Duration::from_secs(3_600)).await.unwrap_err();
        let waited = router.now() - start;
        // madsim charges a few nanoseconds of virtual time per scheduler step.
        assert!(
            waited >= Duration::from_secs(3_600) && waited < Duration::from_secs(3_600) + Duration::from_millis(1),
            "waited {waited:?}"
        );
        assert_eq!(
            SessionError::classify(&err),
            SessionError::Transport(TransportError::Timeout(Duration::from_secs(3_600)))
        );
    });
}

/// A frame in flight when the partition starts is dropped on arrival, with the reason; after the
/// partition heals by itself, frames flow again.
#[test]
fn partition_eats_frames_in_flight_and_heals_on_time() {
    simulate(seed_or(73), || async {
        let router = NetworkRouter::new(73, FaultConfig::none().with_latency(100, 0));
        let (mut a, mut b) = SimStream::pair(&router, NodeId(0), NodeId(1));
        a.send(&message(1)).await.unwrap();
        router.partition(NodeId(0), NodeId(1), Some(Duration::from_secs(1)));
        assert!(b.recv_timeout(Duration::from_millis(500)).await.is_err(), "frame crossed a cut link");
        assert_eq!(router.drops().len(), 1);
        assert_eq!(router.drops()[0].dropped(), Some(DropReason::Partition));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!router.is_partitioned(NodeId(0), NodeId(1)), "partition did not heal on time");
        a.send(&message(2)).await.unwrap();
        assert_eq!(sequence(&b.recv().await.unwrap().unwrap()), 2);
    });
}
