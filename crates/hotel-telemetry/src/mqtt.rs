//! The MQTT client transport (rumqttc): receives device messages and
//! publishes control commands, through the embedded broker or an external
//! one (Mosquitto).
//!
//! Received messages go into a bounded channel; when the ingest falls behind,
//! the event loop stops reading the socket, so the broker holds (or, past its
//! own bounds, drops) the backlog rather than this process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hotel_core::transport::{Inbound, Publisher, TransportError};
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS, SubscribeFilter};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;

/// Requests (publishes, subscribes) queued for the event loop.
const REQUEST_CAPACITY: usize = 1024;

/// The largest packet read from the broker; the ingest refuses anything over
/// 64 KiB itself, so that it is counted rather than silently dropped.
const MAX_INCOMING_PACKET: usize = 256 * 1024;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// The topics the server subscribes to: every device topic, with and without
/// the leading slash.
pub const DEVICE_FILTERS: [&str; 6] = [
    "hotel/+/telemetry/+",
    "hotel/+/heartbeat",
    "hotel/+/status/+",
    "/hotel/+/telemetry/+",
    "/hotel/+/heartbeat",
    "/hotel/+/status/+",
];

/// How to reach the broker.
#[derive(Clone)]
pub struct MqttConfig {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// MQTT client id; unique per server instance.
    pub client_id: String,
    /// User name and password, if the broker wants them.
    pub credentials: Option<(String, String)>,
    /// Filters to subscribe to after every (re)connection.
    pub subscriptions: Vec<String>,
}

impl std::fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field(
                "credentials",
                &self
                    .credentials
                    .as_ref()
                    .map(|(user, _)| (user, "[redacted]")),
            )
            .field("subscriptions", &self.subscriptions)
            .finish()
    }
}

/// A connected MQTT client. Cloning shares the connection.
#[derive(Clone)]
pub struct MqttTransport {
    client: AsyncClient,
    connected: Arc<AtomicBool>,
}

impl MqttTransport {
    /// Starts the client; received publishes are sent to `inbound`. The task
    /// reconnects with backoff until `cancel` fires.
    pub fn start(
        config: MqttConfig,
        inbound: mpsc::Sender<Inbound>,
        cancel: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let mut options =
            MqttOptions::new(config.client_id.clone(), config.host.clone(), config.port);
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_clean_session(true)
            .set_max_packet_size(MAX_INCOMING_PACKET, MAX_INCOMING_PACKET);
        if let Some((user, pass)) = &config.credentials {
            options.set_credentials(user.clone(), pass.clone());
        }
        let (client, eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
        let connected = Arc::new(AtomicBool::new(false));
        let transport = Self {
            client: client.clone(),
            connected: connected.clone(),
        };
        let task = tokio::spawn(run(eventloop, client, config, inbound, connected, cancel));
        (transport, task)
    }

    /// Disconnects politely.
    pub async fn disconnect(&self) {
        let _ = self.client.disconnect().await;
    }
}

#[async_trait]
impl Publisher for MqttTransport {
    async fn publish(
        &self,
        topic: &str,
        payload: &[u8],
        retain: bool,
    ) -> Result<(), TransportError> {
        self.client
            .try_publish(topic, QoS::AtLeastOnce, retain, payload.to_vec())
            .map_err(|_| TransportError::Unavailable)
    }

    fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }
}

async fn run(
    mut eventloop: EventLoop,
    client: AsyncClient,
    config: MqttConfig,
    inbound: mpsc::Sender<Inbound>,
    connected: Arc<AtomicBool>,
    cancel: CancellationToken,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let event = tokio::select! {
            () = cancel.cancelled() => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let message = Inbound {
                    topic: publish.topic,
                    payload: publish.payload.to_vec(),
                    received_ms: now_ms(),
                };
                // Waiting here is the backpressure: the socket is not read
                // until the ingest has room.
                tokio::select! {
                    () = cancel.cancelled() => break,
                    sent = inbound.send(message) => if sent.is_err() { break },
                }
            }
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                connected.store(true, Ordering::Relaxed);
                backoff = Duration::from_millis(100);
                tracing::info!(host = %config.host, port = config.port, "connected to MQTT broker");
                let filters = config
                    .subscriptions
                    .iter()
                    .map(|f| SubscribeFilter::new(f.clone(), QoS::AtLeastOnce));
                if !config.subscriptions.is_empty() && client.try_subscribe_many(filters).is_err() {
                    tracing::warn!("could not queue MQTT subscriptions");
                }
            }
            Ok(_) => {}
            Err(e) => {
                if connected.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "lost MQTT broker connection; reconnecting");
                } else {
                    tracing::debug!(error = %e, "MQTT broker unreachable; retrying");
                }
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    connected.store(false, Ordering::Relaxed);
}
