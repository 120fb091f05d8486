//! The overhead baseline's transport: calimero's `SyncTransport` over real tokio in-memory
//! channels, as plain as a transport gets — borsh frames, no router, no faults, no clock but the
//! real one — so the comparison measures what merosim adds.

use std::time::Duration;

use async_trait::async_trait;
use calimero_crypto::{Nonce, SharedKey};
use calimero_node_primitives::sync::{StreamMessage, SyncTransport};
use real_tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use merosim::TransportError;

pub struct ChannelStream {
    tx: Option<UnboundedSender<Vec<u8>>>,
    rx: UnboundedReceiver<Vec<u8>>,
}

impl ChannelStream {
    pub fn pair() -> (ChannelStream, ChannelStream) {
        let (a_tx, b_rx) = unbounded_channel();
        let (b_tx, a_rx) = unbounded_channel();
        (ChannelStream { tx: Some(a_tx), rx: a_rx }, ChannelStream { tx: Some(b_tx), rx: b_rx })
    }
}

#[async_trait]
impl SyncTransport for ChannelStream {
    async fn send(&mut self, message: &StreamMessage<'_>) -> eyre::Result<()> {
        let frame = borsh::to_vec(message).map_err(|e| TransportError::Encode(e.to_string()))?;
        let tx = self.tx.as_ref().ok_or(TransportError::Closed)?;
        tx.send(frame).map_err(|_| TransportError::Closed)?;
        Ok(())
    }

    async fn recv(&mut self) -> eyre::Result<Option<StreamMessage<'static>>> {
        self.recv_timeout(Duration::from_secs(30)).await
    }

    async fn recv_timeout(&mut self, budget: Duration) -> eyre::Result<Option<StreamMessage<'static>>> {
        match real_tokio::time::timeout(budget, self.rx.recv()).await {
            Err(_) => Err(TransportError::Timeout(budget).into()),
            Ok(None) => Ok(None),
            Ok(Some(frame)) => Ok(Some(
                borsh::from_slice::<StreamMessage<'static>>(&frame)
                    .map_err(|e| TransportError::Decode(e.to_string()))?,
            )),
        }
    }

    fn set_encryption(&mut self, _: Option<(SharedKey, Nonce)>) {}

    fn encryption(&self) -> Option<(SharedKey, Nonce)> {
        None
    }

    async fn close(&mut self) -> eyre::Result<()> {
        self.tx = None;
        Ok(())
    }
}
