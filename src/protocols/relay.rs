//! A calimero `Stream` carried over the simulated network. Production's manager reads and writes
//! `calimero_network_primitives::stream::Stream` (a libp2p stream, framed); upstream's
//! `Stream::test_pair()` (feature `test-utils`) gives the same framing over an in-memory pipe.
//! One end goes to calimero's code; the relay moves every frame between the other end and a
//! [`SimStream`], so the router's latency, loss, resets, partitions and crashes act on it as on
//! any frame. A reset on the simulated side drops the calimero end (its reader sees the stream
//! end); a close on either side closes the other.

use calimero_network_primitives::stream::{Message, Stream};
use futures_util::{SinkExt, StreamExt};

use crate::transport::{RawFrame, SimStream};

/// A calimero `Stream` end whose frames travel over `sim`, and the task that carries them (to be
/// spawned on the node the end belongs to, so a crash kills it with the node). `first`, if
/// given, is a frame that already arrived on `sim` (read to dispatch the stream).
pub fn carried(sim: SimStream, first: Option<Vec<u8>>) -> (Stream, impl std::future::Future<Output = ()>) {
    let (ours, relayed) = Stream::test_pair();
    (ours, relay(relayed, sim, first))
}

/// How often a relay checks that its peer is still there: libp2p's ping (every 15 s) is
/// what closes a connection whose peer crashed, or that stopped carrying anything (a stalled
/// stream); a stream on it then fails at both ends. A stream its peer dropped without closing
/// is reset by libp2p; merosim's ends send nothing when dropped, so the relay learns it here.
const PING: std::time::Duration = std::time::Duration::from_secs(15);

async fn relay(mut calimero: Stream, mut sim: SimStream, first: Option<Vec<u8>>) {
    let (crashes, _) = sim.peer_life();
    // A fixed beat, not a quiet-time timer: a calimero end that keeps writing into a stream
    // nothing reads (an error every receive budget) must not keep it alive.
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    if let Some(frame) = first {
        if calimero.send(Message::new(frame)).await.is_err() {
            return;
        }
    }
    let (mut outbound, mut inbound) = (true, true);
    while outbound || inbound {
        // `biased`: tokio's `select!` otherwise starts from a branch its own thread RNG picks,
        // seeded from a process-wide counter — the order two ready branches are taken in (and
        // with it the trace) would depend on what ran before in the process.
        tokio::select! {
            biased;
            item = calimero.next(), if outbound => match item {
                Some(Ok(message)) => {
                    if sim.send_raw(message.data.into_owned()).is_err() {
                        return;
                    }
                }
                // The calimero side closed (or its framing failed): the peer sees the stream end,
                // unless it closed first and has gone (nothing would read the close).
                _ => {
                    outbound = false;
                    if inbound || !sim.peer_dropped() {
                        sim.finish();
                    }
                }
            },
            frame = sim.recv_raw(), if inbound => match frame {
                RawFrame::Frame(bytes) => {
                    if calimero.send(Message::new(bytes)).await.is_err() {
                        inbound = false;
                    }
                }
                RawFrame::Finished => {
                    inbound = false;
                    let _ = calimero.close().await;
                }
                // Dropping the calimero end is what a failed connection looks like to its reader.
                RawFrame::Reset(_) => return,
            },
            _ = ping.tick() => {
                let (now, down) = sim.peer_life();
                if down || now != crashes || sim.stalled() || sim.peer_dropped() {
                    return;
                }
            }
        }
    }
}
