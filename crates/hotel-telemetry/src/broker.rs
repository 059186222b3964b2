//! The embedded MQTT broker (rumqttd), for a single-box install with no
//! other service.
//!
//! It speaks MQTT 3.1.1 over TCP and, optionally, over WebSocket. Its router
//! is sized for a hotel: each subscription filter keeps at most
//! [`SEGMENT_BYTES`] × [`SEGMENT_COUNT`] of routed messages in memory, so a
//! slow or stuck subscriber costs bounded memory, never unbounded buffering.
//!
//! Limit: rumqttd 0.20 has no per-topic authorization, so a device with valid
//! credentials could subscribe outside `hotel/<room>/control/#` or publish for
//! another room; an external Mosquitto with an `acl_file` lifts it (see
//! `docs/mqtt.md`).

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;

use futures_util::future::BoxFuture;
use rumqttd::{Config, ConnectionSettings, RouterConfig, ServerSettings};

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
}

/// A running embedded broker. It runs on its own threads until the process
/// exits (rumqttd has no stop call).
#[derive(Debug)]
pub struct EmbeddedBroker {
    mqtt_addr: SocketAddr,
    ws_addr: Option<SocketAddr>,
}

impl EmbeddedBroker {
    /// Starts the broker.
    ///
    /// # Errors
    ///
    /// [`BrokerError::Bind`] when an address cannot be listened on (checked
    /// before rumqttd starts, since rumqttd only logs that).
    pub fn start(config: BrokerConfig) -> Result<Self, BrokerError> {
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

        thread::Builder::new()
            .name("mqtt-broker".to_owned())
            .spawn(move || {
                let mut broker = rumqttd::Broker::new(rumqttd_config);
                if let Err(e) = broker.start() {
                    tracing::error!(error = %e, "embedded MQTT broker stopped");
                }
            })
            .map_err(BrokerError::Thread)?;

        tracing::info!(mqtt = %config.mqtt_addr, ws = ?config.ws_addr, "embedded MQTT broker listening");
        Ok(Self {
            mqtt_addr: config.mqtt_addr,
            ws_addr: config.ws_addr,
        })
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
