//! The embedded MQTT broker (rumqttd), for a single-box install with no
//! other service.
//!
//! It speaks MQTT 3.1.1 over TCP and, optionally, over WebSocket. Its router
//! is sized for a hotel: each subscription filter keeps at most
//! [`SEGMENT_BYTES`] × [`SEGMENT_COUNT`] of routed messages in memory, so a
//! slow or stuck subscriber costs bounded memory, never unbounded buffering.
//!
//! The server itself reads device messages through a local link into the
//! router ([`LocalSubscriber`]), not through a TCP client: no MQTT encoding,
//! socket or second event loop on the ingest path. Control commands still go
//! out through the server's MQTT client, for QoS 1 and retained delivery.
//!
//! Limit: rumqttd 0.20 has no per-topic authorization, so a device with valid
//! credentials could subscribe outside `hotel/<room>/control/#` or publish for
//! another room; an external Mosquitto with an `acl_file` lifts it (see
//! `docs/mqtt.md`).

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, mpsc as std_mpsc};
use std::thread;

use futures_util::future::BoxFuture;
use hotel_core::transport::Inbound;
use rumqttd::local::{LinkRx, LinkTx};
use rumqttd::{Config, ConnectionSettings, Notification, RouterConfig, ServerSettings};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;

/// Bytes per router log segment of one subscription filter.
pub const SEGMENT_BYTES: usize = 1024 * 1024;

/// Segments kept per subscription filter before the oldest is dropped.
pub const SEGMENT_COUNT: usize = 4;

/// The largest MQTT payload the broker accepts; larger packets disconnect the
/// client. The ingest refuses payloads over 64 KiB itself, so that they are
/// counted rather than silently cut off.
pub const MAX_PACKET_BYTES: usize = 256 * 1024;

/// The most clients connected at once.
pub const MAX_CONNECTIONS: usize = 10_000;

/// Checks an MQTT client's credentials: (client id, user name, password).
pub type Authenticator =
    Arc<dyn Fn(String, String, String) -> BoxFuture<'static, bool> + Send + Sync>;

/// Where and how the embedded broker listens.
#[derive(Clone)]
pub struct BrokerConfig {
    /// MQTT over TCP.
    pub mqtt_addr: SocketAddr,
    /// MQTT over WebSocket, if wanted.
    pub ws_addr: Option<SocketAddr>,
    /// `None` accepts every client (loopback or `--dev` only); otherwise every
    /// connection must pass this check.
    pub authenticator: Option<Authenticator>,
    /// Client id of the server's local link into the router. Make it
    /// unguessable: a client connecting with the same id would take the
    /// session over and cut the ingest off.
    pub local_client_id: String,
}

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrokerError {
    /// A listen address is taken or not allowed.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The broker thread could not be started.
    #[error("cannot start the broker thread")]
    Thread(#[source] std::io::Error),
    /// The router refused the server's local link.
    #[error("the embedded broker refused the server's local link")]
    Link(#[source] Box<rumqttd::local::LinkError>),
    /// The broker thread stopped before it was ready.
    #[error("the embedded broker stopped while starting")]
    Stopped,
}

/// The server's own subscriber inside the embedded broker: a local link to
/// the router that hands device messages to the ingest.
pub struct LocalSubscriber {
    tx: LinkTx,
    rx: LinkRx,
}

impl std::fmt::Debug for LocalSubscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSubscriber").finish_non_exhaustive()
    }
}

/// A running embedded broker. It runs on its own threads until the process
/// exits (rumqttd has no stop call).
#[derive(Debug)]
pub struct EmbeddedBroker {
    mqtt_addr: SocketAddr,
    ws_addr: Option<SocketAddr>,
}

impl EmbeddedBroker {
    /// Starts the broker, with the server's local link into it.
    ///
    /// # Errors
    ///
    /// [`BrokerError::Bind`] when an address cannot be listened on (checked
    /// before rumqttd starts, since rumqttd only logs that);
    /// [`BrokerError::Link`] when the router refuses the local link.
    pub fn start(config: BrokerConfig) -> Result<(Self, LocalSubscriber), BrokerError> {
        for addr in std::iter::once(config.mqtt_addr).chain(config.ws_addr) {
            TcpListener::bind(addr).map_err(|source| BrokerError::Bind { addr, source })?;
        }

        let settings = |name: &str, listen: SocketAddr| {
            let mut connections = ConnectionSettings {
                connection_timeout_ms: 10_000,
                max_payload_size: MAX_PACKET_BYTES,
                max_inflight_count: 100,
                auth: None,
                external_auth: None,
                dynamic_filters: true,
            };
            if let Some(check) = config.authenticator.clone() {
                connections.set_auth_handler(move |client, user, pass| check(client, user, pass));
            }
            let server = ServerSettings {
                name: name.to_owned(),
                listen,
                tls: None,
                next_connection_delay_ms: 0,
                connections,
            };
            HashMap::from([(name.to_owned(), server)])
        };

        let rumqttd_config = Config {
            id: 0,
            router: RouterConfig {
                max_connections: MAX_CONNECTIONS,
                max_outgoing_packet_count: 200,
                max_segment_size: SEGMENT_BYTES,
                max_segment_count: SEGMENT_COUNT,
                ..RouterConfig::default()
            },
            v4: Some(settings("mqtt", config.mqtt_addr)),
            ws: config.ws_addr.map(|addr| settings("mqtt-ws", addr)),
            ..Config::default()
        };

        // The link must be made before `start`, which blocks its thread.
        let (link_tx, link_rx) = std_mpsc::sync_channel(1);
        let local_client_id = config.local_client_id.clone();
        thread::Builder::new()
            .name("mqtt-broker".to_owned())
            .spawn(move || {
                let mut broker = rumqttd::Broker::new(rumqttd_config);
                let link = broker.link(&local_client_id);
                let linked = link.is_ok();
                if link_tx.send(link).is_err() || !linked {
                    return;
                }
                if let Err(e) = broker.start() {
                    tracing::error!(error = %e, "embedded MQTT broker stopped");
                }
            })
            .map_err(BrokerError::Thread)?;
        let (tx, rx) = link_rx
            .recv()
            .map_err(|_| BrokerError::Stopped)?
            .map_err(|e| BrokerError::Link(Box::new(e)))?;

        tracing::info!(mqtt = %config.mqtt_addr, ws = ?config.ws_addr, "embedded MQTT broker listening");
        let broker = Self {
            mqtt_addr: config.mqtt_addr,
            ws_addr: config.ws_addr,
        };
        Ok((broker, LocalSubscriber { tx, rx }))
    }

    /// The MQTT over TCP address.
    pub fn mqtt_addr(&self) -> SocketAddr {
        self.mqtt_addr
    }

    /// The MQTT over WebSocket address, if any.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws_addr
    }
}

impl LocalSubscriber {
    /// Subscribes to `filters` and forwards every matching message to
    /// `inbound` until `cancel` fires or `inbound` closes.
    ///
    /// Waiting on a full `inbound` is the backpressure: the router then keeps
    /// the backlog in its bounded log, as it does for a slow TCP client.
    pub fn start(
        self,
        filters: &[&str],
        inbound: mpsc::Sender<Inbound>,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        let filters: Vec<String> = filters.iter().map(|f| (*f).to_owned()).collect();
        tokio::spawn(forward(self, filters, inbound, cancel))
    }
}

async fn forward(
    link: LocalSubscriber,
    filters: Vec<String>,
    inbound: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
) {
    let LocalSubscriber { mut tx, mut rx } = link;
    for filter in filters {
        if let Err(e) = tx.subscribe(filter) {
            tracing::error!(error = %e, "cannot subscribe the ingest to the embedded broker");
            return;
        }
    }
    loop {
        let notification = tokio::select! {
            () = cancel.cancelled() => break,
            n = rx.next() => n,
        };
        match notification {
            Ok(Some(Notification::Forward(forward))) => {
                let publish = forward.publish;
                // A topic that is not UTF-8 is refused and counted by the
                // ingest, like any other topic that names no valid room.
                let topic = match String::from_utf8(publish.topic.to_vec()) {
                    Ok(topic) => topic,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                let message = Inbound {
                    topic,
                    payload: publish.payload.to_vec(),
                    received_ms: now_ms(),
                };
                tokio::select! {
                    () = cancel.cancelled() => break,
                    sent = inbound.send(message) => if sent.is_err() { break },
                }
            }
            // The router paused this link once its buffer filled; we have
            // drained it, so ask for more.
            Ok(Some(Notification::Unschedule)) => {
                if rx.wake().await.is_err() {
                    break;
                }
            }
            Ok(Some(Notification::Disconnect(..))) => {
                tracing::error!("the embedded broker dropped the ingest's local link");
                break;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "the embedded broker's local link closed");
                break;
            }
        }
    }
    tracing::debug!("local ingest link stopped");
}
