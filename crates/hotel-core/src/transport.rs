//! Message transport: how the server talks to devices (MQTT, through the
//! embedded broker or an external one).

use async_trait::async_trait;

/// A transport failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The outgoing queue is full or the connection is gone.
    #[error("transport is not accepting messages")]
    Unavailable,
    /// The transport failed; the cause says how.
    #[error("transport failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// One message received from a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The MQTT topic.
    pub topic: String,
    /// The raw payload.
    pub payload: Vec<u8>,
    /// When it arrived, Unix ms.
    pub received_ms: i64,
}

/// Sends messages to devices.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes `payload` on `topic` with QoS 1; `retain` keeps it for devices
    /// that connect later.
    async fn publish(
        &self,
        topic: &str,
        payload: &[u8],
        retain: bool,
    ) -> Result<(), TransportError>;

    /// True while the connection to the broker is up.
    fn is_connected(&self) -> bool;
}
