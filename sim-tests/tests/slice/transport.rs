//! SimStream's own contract, independent of any protocol: ordered drain before end-of-stream,
//! receive budgets that expire in virtual time, no sends after close.

use std::borrow::Cow;
use std::time::Duration;

use calimero_node_primitives::sync::{MessagePayload, StreamMessage, SyncTransport};
use merosim::prelude::*;
use sim_tests::repro;

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
/// gets every frame, then `Ok(None)`. Swept over 200 seeds, because madsim breaks ties between
/// timers at random and a FIN scheduled for the same instant as the last data frame used to win
/// half of them.
#[test]
fn close_drains_every_frame_before_end_of_stream() {
    for seed in seeds(0..200) {
        let context = repro("transport::close_drains_every_frame_before_end_of_stream", seed);
        simulate(seed, move || async move {
            let world = World::new(seed, FaultConfig::none().with_latency(5, 40));
            let (mut a, mut b) = SimStream::pair(world.router(), NodeId::new(0), NodeId::new(1));
            for i in 0..50 {
                a.send(&message(i)).await.unwrap();
            }
            a.close().await.unwrap();
            let mut got = Vec::new();
            while let Some(m) = b.recv().await.unwrap() {
                got.push(sequence(&m));
            }
            got.sort_unstable();
            assert_eq!(got, (0..50).collect::<Vec<_>>(), "every frame arrives before the end of stream; {context}");
            assert!(b.recv().await.unwrap().is_none(), "end of stream is sticky; {context}");
            assert!(a.send(&message(99)).await.is_err(), "no sends after close; {context}");
            assert_fin_last(&world, &context);
        });
    }
}

/// Both directions of a stream busy at once, with jitter, a reorder window and duplicates: each
/// direction's FIN is resolved after every copy sent before it, over 200 seeds.
#[test]
fn fin_follows_every_copy_of_a_jittered_multi_frame_stream() {
    for seed in seeds(0..200) {
        let context = repro("transport::fin_follows_every_copy_of_a_jittered_multi_frame_stream", seed);
        simulate(seed, move || async move {
            let faults = FaultConfig::none().with_latency(3, 7).with_reorder_window(11).with_duplicate(0.2);
            let world = World::new(seed, faults);
            let (mut a, mut b) = SimStream::pair(world.router(), NodeId::new(0), NodeId::new(1));
            for i in 0..20 {
                a.send(&message(i)).await.unwrap();
                b.send(&message(100 + i)).await.unwrap();
            }
            a.close().await.unwrap();
            b.close().await.unwrap();
            let (mut at_a, mut at_b) = (Vec::new(), Vec::new());
            while let Some(m) = b.recv().await.unwrap() {
                at_b.push(sequence(&m));
            }
            while let Some(m) = a.recv().await.unwrap() {
                at_a.push(sequence(&m));
            }
            at_a.sort_unstable();
            at_a.dedup();
            at_b.sort_unstable();
            at_b.dedup();
            assert_eq!(at_b, (0..20).collect::<Vec<_>>(), "{context}");
            assert_eq!(at_a, (100..120).collect::<Vec<_>>(), "{context}");
            assert_fin_last(&world, &context);
        });
    }
}

/// For every stream direction in `world`'s trace: its FIN was resolved (delivered or dropped)
/// after every data copy of that direction.
fn assert_fin_last(world: &World, context: &str) {
    use merosim::NetEvent;
    use merosim::TraceKind;
    use std::collections::BTreeMap;
    let frames = world.frames();
    let mut last_data: BTreeMap<(u64, NodeId), usize> = BTreeMap::new();
    let mut fin_at: BTreeMap<(u64, NodeId), usize> = BTreeMap::new();
    for (i, event) in world.trace().events().iter().enumerate() {
        let frame = match &event.kind {
            TraceKind::Net(NetEvent::Delivered { frame, .. } | NetEvent::Dropped { frame, .. }) => {
                &frames[*frame as usize]
            }
            _ => continue,
        };
        let direction = (frame.stream, frame.from);
        match frame.kind {
            FrameKind::Data => _ = last_data.insert(direction, i),
            FrameKind::Fin => _ = fin_at.insert(direction, i),
        }
    }
    assert!(!fin_at.is_empty(), "no FIN was resolved; {context}");
    for (direction, fin) in fin_at {
        if let Some(data) = last_data.get(&direction) {
            assert!(
                fin > *data,
                "FIN of s{} from {} (event {fin}) before its data (event {data}); {context}",
                direction.0,
                direction.1
            );
        }
    }
}

/// `recv_timeout` waits its budget in virtual time (an hour, instantly), then fails with a typed
/// timeout.
#[test]
fn recv_timeout_expires_in_virtual_time() {
    let seed = seed_or(72);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none());
        let router = world.router();
        let (_a, mut b) = SimStream::pair(router, NodeId::new(0), NodeId::new(1));
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
    let seed = seed_or(73);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::none().with_latency(100, 0));
        let router = world.router();
        let (mut a, mut b) = SimStream::pair(router, NodeId::new(0), NodeId::new(1));
        a.send(&message(1)).await.unwrap();
        router.partition(NodeId::new(0), NodeId::new(1), Some(Duration::from_secs(1)));
        assert!(b.recv_timeout(Duration::from_millis(500)).await.is_err(), "frame crossed a cut link");
        assert_eq!(world.drops().len(), 1);
        assert_eq!(world.drops()[0].dropped(), Some(DropReason::Partition));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!router.is_partitioned(NodeId::new(0), NodeId::new(1)), "partition did not heal on time");
        a.send(&message(2)).await.unwrap();
        assert_eq!(sequence(&b.recv().await.unwrap().unwrap()), 2);
    });
}

/// Packet loss on a stream is what a reliable transport makes of it: every frame arrives, in the
/// order sent, the lost ones later (retransmitted, so the run takes longer than its latency
/// alone); nothing inside the stream is missing. A frame lost too often in a row resets the
/// stream instead, never leaving a gap: what arrived is then a prefix of what was sent, and the
/// receiver sees the reset.
#[test]
fn a_stream_under_loss_delivers_every_frame_in_order_later() {
    for seed in seeds(0..40) {
        let context = repro("transport::a_stream_under_loss_delivers_every_frame_in_order_later", seed);
        simulate(seed, move || async move {
            let world = World::new(seed, FaultConfig::none().with_latency(10, 0).with_loss(0.2));
            let (mut a, mut b) = SimStream::pair(world.router(), NodeId::new(0), NodeId::new(1));
            let start = tokio::time::Instant::now();
            // A millisecond apart: frames sent at one instant arrive at one instant, and madsim
            // orders simultaneous deliveries at random (docs/fault-model.md).
            send_then_close(&mut a, 100, Duration::from_millis(1)).await;
            let mut got = Vec::new();
            let reset = loop {
                match b.recv().await {
                    Ok(Some(m)) => got.push(sequence(&m)),
                    Ok(None) => break false,
                    Err(_) => break true,
                }
            };
            let expected: Vec<u64> = (0..got.len() as u64).collect();
            assert_eq!(got, expected, "in order and without a gap; {context}");
            if !reset {
                assert_eq!(got.len(), 100, "every frame arrives; {context}");
                // 100 frames a millisecond apart at 10 ms with none lost would be in by 110 ms: a
                // fifth of them waited for their retransmission timeout (200 ms at least).
                assert!(start.elapsed() >= Duration::from_millis(300), "nothing was retransmitted; {context}");
            }
            let missing = world.drops().iter().filter(|d| d.dropped() == Some(DropReason::Loss)).count();
            assert_eq!(missing, 0, "no stream frame is lost for good; {context}");
        });
    }
}

/// Sends frames `0..count`, `gap` apart, until the stream fails, then closes it.
async fn send_then_close(stream: &mut SimStream, count: u64, gap: Duration) {
    for i in 0..count {
        if stream.send(&message(i)).await.is_err() {
            break;
        }
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
    }
    let _ = stream.close().await;
}

/// `heavy`'s in-stream drop, the robustness fault, still drops frames inside a stream.
#[test]
fn heavy_drops_frames_inside_a_stream() {
    let seed = seed_or(3);
    let context = repro("transport::heavy_drops_frames_inside_a_stream", seed);
    simulate(seed, move || async move {
        let world = World::new(seed, FaultConfig::heavy_chaos());
        let (mut a, mut b) = SimStream::pair(world.router(), NodeId::new(0), NodeId::new(1));
        send_then_close(&mut a, 200, Duration::ZERO).await;
        while let Ok(Some(_)) = b.recv().await {}
        let dropped = world.drops().iter().filter(|d| d.dropped() == Some(DropReason::StreamDrop)).count();
        assert!(dropped > 0, "heavy dropped nothing inside the stream; {context}");
    });
}
