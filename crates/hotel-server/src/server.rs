//! Wiring: store, broker, MQTT transport, ingest, writer, HTTP API and the
//! background jobs, started together and stopped in order.
//!
//! Shutdown order matters for durability: stop taking new MQTT messages,
//! let the ingest finish what it holds, let the writer commit its last batch,
//! save room status, close the store.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use hotel_core::Role;
use hotel_core::notify::Notifier;
use hotel_core::store::{AlertStore, HotelStore, OccupancyStore, ReadingStore, UserRecord};
use hotel_core::transport::Publisher;
use hotel_telemetry::broker::{Authenticator, BrokerConfig, EmbeddedBroker, LocalSubscriber};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::ingest::{Ingest, IngestMetrics, run_ingest};
use hotel_telemetry::live::LiveRooms;
use hotel_telemetry::mqtt::{DEVICE_FILTERS, MqttConfig, MqttTransport};
use hotel_telemetry::sqlite::SqliteStore;
use hotel_telemetry::writer::{CHANNEL_CAPACITY, WriterMetrics, run_writer};
use metrics_exporter_prometheus::PrometheusBuilder;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::alert::engine::{AlertEngine, OBSERVATION_CAPACITY};
use crate::alert::notify::queue::{NotifyQueue, RetryPolicy};
use crate::alert::notify::telegram::{TelegramConfig, TelegramNotifier};
use crate::alert::notify::webhook::WebhookNotifier;
use crate::alert::{AlertHub, AlertSettings, ThresholdBook};
use crate::password;
use crate::state::{AppState, Metrics};

/// Messages received from the broker waiting for the ingest at most.
const INBOUND_CAPACITY: usize = 4_096;

/// How often changed room status is saved to the store.
const SAVE_STATUS_EVERY: Duration = Duration::from_secs(2);

/// How often old readings, sessions and guests are purged.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// How often expired sessions and guest accounts are removed.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(60);

/// Buckets of the latency histograms, seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

/// Which MQTT broker to use.
#[derive(Debug, Clone)]
pub enum BrokerChoice {
    /// Run rumqttd in-process.
    Embedded {
        /// MQTT over TCP, or none.
        mqtt: Option<SocketAddr>,
        /// MQTT over WebSocket, or none.
        ws: Option<SocketAddr>,
        /// Accept clients without credentials on non-loopback addresses too.
        dev: bool,
    },
    /// Connect to an external broker (Mosquitto).
    External {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
        /// User name and password, if needed.
        credentials: Option<(String, String)>,
    },
}

/// Everything `hotel serve` needs, already validated.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Staff HTTP address.
    pub http: SocketAddr,
    /// The broker.
    pub broker: BrokerChoice,
    /// Simulated rooms to run in-process.
    pub demo_rooms: u32,
    /// Publish commands on `/hotel/...` too.
    pub legacy_slash_topics: bool,
    /// How long raw readings are kept.
    pub retention: Duration,
    /// How long hourly rollups are kept.
    pub rollup_retention: Duration,
    /// The first admin's password (from `HOTEL_ADMIN_PASSWORD`), if given.
    pub admin_password: Option<String>,
    /// Alert thresholds and timing.
    pub alerts: AlertSettings,
    /// Notification channels.
    pub notify: NotifySettings,
    /// Room automation targets and timing.
    pub automation: crate::automation::AutomationSettings,
}

/// Where notifications go; no channel by default.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    /// Telegram, when `TELEGRAM_BOT_TOKEN` and `TELEGRAM_CHAT_ID` are set.
    pub telegram: Option<TelegramConfig>,
    /// A webhook URL (may hold a secret).
    pub webhook: Option<secrecy::SecretString>,
    /// How failed deliveries are retried.
    pub retry: RetryPolicy,
}

/// A running server.
pub struct RunningServer {
    /// Where the HTTP API listens.
    pub http_addr: SocketAddr,
    /// Where the embedded broker listens, if it runs.
    pub mqtt_addr: Option<SocketAddr>,
    /// The admin password generated at first start, to show once.
    pub generated_admin_password: Option<String>,
    /// Readings committed so far.
    pub stored: watch::Receiver<u64>,
    state: AppState,
    store: SqliteStore,
    transport: MqttTransport,
    cancel: CancellationToken,
    transport_task: JoinHandle<()>,
    /// The embedded broker's local link into the ingest, if it runs.
    local_task: Option<JoinHandle<()>>,
    ingest_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
    other_tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops taking messages, stores what was received, closes the store.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.transport.disconnect().await;
        let _ = self.transport_task.await;
        if let Some(task) = self.local_task {
            let _ = task.await;
        }
        let _ = self.ingest_task.await;
        let _ = self.writer_task.await;
        for task in self.other_tasks {
            let _ = task.await;
        }
        save_status(&self.state).await;
        self.store.close().await;
        tracing::info!("server stopped");
    }

    /// Waits until a termination signal, then shuts down.
    pub async fn run_until_signal(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

/// Starts every part of the server.
///
/// # Errors
///
/// When the data directory, the store, a listener or the admin account
/// cannot be set up.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = SqliteStore::open(&config.data_dir.join("hotel.db"))
        .await
        .context("cannot open the SQLite store")?;
    let records: Arc<dyn HotelStore> = Arc::new(store.clone());
    let readings: Arc<dyn ReadingStore> = Arc::new(store.clone());
    let alert_store: Arc<dyn AlertStore> = Arc::new(store.clone());
    let generated_admin_password =
        ensure_admin(records.as_ref(), config.admin_password.as_deref()).await?;

    let recorder = PrometheusBuilder::new()
        .set_buckets(&LATENCY_BUCKETS)
        .context("invalid histogram buckets")?
        .build_recorder();
    let metrics = Arc::new(Metrics {
        handle: recorder.handle(),
        recorder,
    });

    let live = Arc::new(LiveRooms::new());
    live.load(records.rooms().await?, readings.latest().await?);

    // The broker, and how our own client reaches it. With the embedded
    // broker, device messages come through its local link and the client
    // only publishes commands.
    let cancel = CancellationToken::new();
    let (mqtt_config, mqtt_addr, local) = broker_client_config(&config, records.clone())?;
    let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_CAPACITY);
    let local_task =
        local.map(|link| link.start(&DEVICE_FILTERS, inbound_tx.clone(), cancel.clone()));
    let (transport, transport_task) =
        MqttTransport::start(mqtt_config.clone(), inbound_tx, cancel.clone());
    let publisher: Arc<dyn Publisher> = Arc::new(transport.clone());

    // Ingest and writer.
    let (sets_tx, sets_rx) = mpsc::channel(CHANNEL_CAPACITY);
    let (stored_tx, stored_rx) = watch::channel(0);
    let (ingest_metrics, writer_metrics) =
        metrics.with(|| (IngestMetrics::register(), WriterMetrics::register()));
    let (observations_tx, observations_rx) = mpsc::channel(OBSERVATION_CAPACITY);
    let ingest = Ingest {
        live: live.clone(),
        store: records.clone(),
        readings: sets_tx,
        metrics: ingest_metrics,
        observer: Some(observations_tx),
    };
    let ingest_task = tokio::spawn(run_ingest(ingest, inbound_rx));
    let writer_task = tokio::spawn(run_writer(
        readings.clone(),
        sets_rx,
        writer_metrics,
        stored_tx,
    ));

    // Alerts: thresholds, notification queues, the engine.
    let thresholds = ThresholdBook::new(&config.alerts, alert_store.threshold_overrides().await?);
    let hub = Arc::new(AlertHub::new(alert_store.clone(), thresholds));
    let notifiers = notifiers(&config.notify)?;
    let (notify_queue, notify_tasks) = metrics
        .with(|| NotifyQueue::start(notifiers, alert_store.clone(), config.notify.retry, &cancel));
    let notify_queue = Arc::new(notify_queue);
    let channels = Arc::new(crate::alert::notify::ChannelSummary::of(
        config.notify.telegram.as_ref(),
        config.notify.webhook.as_ref(),
    ));
    let engine = AlertEngine::new(
        hub.clone(),
        publisher.clone(),
        notify_queue.clone(),
        live.clone(),
        config.alerts.clone(),
    );
    let engine_task = tokio::spawn(engine.run(observations_rx, cancel.clone()));

    let occupancy_store: Arc<dyn OccupancyStore> = Arc::new(store.clone());
    let automation =
        Arc::new(crate::automation::Automation::load(occupancy_store, config.automation).await?);

    let state = AppState {
        live,
        records,
        readings,
        publisher,
        metrics,
        legacy_slash_topics: config.legacy_slash_topics,
        alerts: hub,
        automation,
        notify: notify_queue,
        channels,
        web: Arc::new(crate::web::WebShared::default()),
    };

    let listener = tokio::net::TcpListener::bind(config.http)
        .await
        .with_context(|| format!("cannot listen on {} for HTTP", config.http))?;
    let http_addr = listener.local_addr()?;
    let app = crate::http::router(state.clone());
    let http_cancel = cancel.clone();
    let mut other_tasks = vec![tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { http_cancel.cancelled().await });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    })];
    tracing::info!(addr = %http_addr, "staff HTTP API listening");
    other_tasks.push(engine_task);
    other_tasks.extend(notify_tasks);

    other_tasks.push(tokio::spawn(status_saver(state.clone(), cancel.clone())));
    other_tasks.push(tokio::spawn(crate::automation::run(
        state.clone(),
        cancel.clone(),
    )));
    other_tasks.push(tokio::spawn(crate::web::sampler::run(
        state.clone(),
        store.clone(),
        cancel.clone(),
    )));
    other_tasks.push(tokio::spawn(purger(
        state.clone(),
        config.clone(),
        cancel.clone(),
    )));
    if matches!(config.broker, BrokerChoice::Embedded { .. }) {
        other_tasks.push(tokio::spawn(republish_retained(
            state.clone(),
            cancel.clone(),
        )));
    }
    if config.demo_rooms > 0 {
        other_tasks.push(tokio::spawn(crate::demo::run(
            config.demo_rooms,
            mqtt_config,
            cancel.clone(),
        )));
        tracing::info!(rooms = config.demo_rooms, "demo rooms started");
    }

    Ok(RunningServer {
        http_addr,
        mqtt_addr,
        generated_admin_password,
        stored: stored_rx,
        state,
        store,
        transport,
        cancel,
        transport_task,
        local_task,
        ingest_task,
        writer_task,
        other_tasks,
    })
}

/// The configured notification channels.
fn notifiers(settings: &NotifySettings) -> anyhow::Result<Vec<Arc<dyn Notifier>>> {
    let mut out: Vec<Arc<dyn Notifier>> = Vec::new();
    if let Some(telegram) = &settings.telegram {
        let notifier = TelegramNotifier::new(telegram)
            .map_err(|e| anyhow::anyhow!("cannot set up Telegram: {}", e.without_url()))?;
        out.push(Arc::new(notifier));
        tracing::info!(api = %telegram.api_url, "Telegram notifications on");
    }
    if let Some(url) = &settings.webhook {
        let notifier = WebhookNotifier::new(url.clone())
            .map_err(|e| anyhow::anyhow!("cannot set up the webhook: {}", e.without_url()))?;
        out.push(Arc::new(notifier));
        tracing::info!("webhook notifications on");
    }
    Ok(out)
}

/// Starts the embedded broker if chosen, and says how our client reaches
/// whichever broker is in use; with the embedded one, also the local link
/// device messages come through (the client then subscribes to nothing).
fn broker_client_config(
    config: &ServerConfig,
    records: Arc<dyn HotelStore>,
) -> anyhow::Result<(MqttConfig, Option<SocketAddr>, Option<LocalSubscriber>)> {
    let client_id = format!("hotel-server-{}", password::random_secret(4));
    let subscriptions = DEVICE_FILTERS.iter().map(|f| (*f).to_owned()).collect();
    match &config.broker {
        BrokerChoice::External {
            host,
            port,
            credentials,
        } => Ok((
            MqttConfig {
                host: host.clone(),
                port: *port,
                client_id,
                credentials: credentials.clone(),
                subscriptions,
            },
            None,
            None,
        )),
        BrokerChoice::Embedded { mqtt, ws, dev } => {
            let Some(mqtt_addr) = *mqtt else {
                bail!(
                    "the embedded MQTT listener is off and no MQTT_BROKER is set: nothing to connect to"
                );
            };
            let open = *dev
                || std::iter::once(mqtt_addr)
                    .chain(*ws)
                    .all(|a| a.ip().is_loopback());
            let internal_user = "hotel-server".to_owned();
            let internal_pass = password::random_secret(24);
            let authenticator =
                (!open).then(|| device_authenticator(records, &internal_user, &internal_pass));
            if open && !mqtt_addr.ip().is_loopback() {
                tracing::warn!(
                    "--dev: the embedded broker accepts anonymous clients on every address"
                );
            }
            let (broker, local) = EmbeddedBroker::start(BrokerConfig {
                mqtt_addr,
                ws_addr: *ws,
                authenticator,
                local_client_id: format!("hotel-server-ingest-{}", password::random_secret(8)),
            })?;
            let host = if mqtt_addr.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                mqtt_addr.ip().to_string()
            };
            Ok((
                MqttConfig {
                    host,
                    port: mqtt_addr.port(),
                    client_id,
                    credentials: (!open).then_some((internal_user, internal_pass)),
                    subscriptions: Vec::new(),
                },
                Some(broker.mqtt_addr()),
                Some(local),
            ))
        }
    }
}

/// Accepts the server's own client and devices with credentials from
/// `hotel device add`.
fn device_authenticator(
    records: Arc<dyn HotelStore>,
    internal_user: &str,
    internal_pass: &str,
) -> Authenticator {
    let internal_user = internal_user.to_owned();
    let internal_hash = password::sha256_hex(internal_pass);
    Arc::new(move |_client_id, user, pass| {
        let records = records.clone();
        let internal = user == internal_user;
        let internal_hash = internal_hash.clone();
        Box::pin(async move {
            let given = password::sha256_hex(&pass);
            if internal {
                return password::constant_time_eq(&given, &internal_hash);
            }
            match records.device(&user).await {
                Ok(Some(device)) => password::constant_time_eq(&given, &device.secret_sha256),
                Ok(None) => false,
                Err(e) => {
                    tracing::error!(error = %e, "device credential lookup failed");
                    false
                }
            }
        })
    })
}

/// Creates the `admin` account on first start. Returns the password when it
/// was generated, so the caller can show it once.
async fn ensure_admin(
    records: &dyn HotelStore,
    given: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if !records.users().await?.is_empty() {
        if given.is_some() {
            tracing::info!(
                "accounts exist already; HOTEL_ADMIN_PASSWORD applies to the first start only"
            );
        }
        return Ok(None);
    }
    let (secret, generated) = match given {
        Some(p) => {
            password::check_strength(p).context("HOTEL_ADMIN_PASSWORD is refused")?;
            (p.to_owned(), false)
        }
        None => (password::random_secret(12), true),
    };
    let hash_input = secret.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&hash_input))
        .await?
        .map_err(|e| anyhow::anyhow!("cannot hash the admin password: {e}"))?;
    records
        .create_user(&UserRecord {
            username: "admin".to_owned(),
            password_hash: hash,
            role: Role::Admin,
            room: None,
            expires_ms: None,
            disabled: false,
        })
        .await?;
    tracing::info!("created the admin account");
    Ok(generated.then_some(secret))
}

async fn save_status(state: &AppState) {
    for record in state.live.take_dirty() {
        if let Err(e) = state.records.save_room_status(&record).await {
            tracing::warn!(room = %record.id, error = %e, "could not save room status");
        }
    }
}

async fn status_saver(state: AppState, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(SAVE_STATUS_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        save_status(&state).await;
        let online = state.live.online_count(now_ms());
        state
            .metrics
            .with(|| metrics::gauge!("hotel_devices_online").set(online as f64));
    }
}

async fn purger(state: AppState, config: ServerConfig, cancel: CancellationToken) {
    let mut hourly = tokio::time::interval(PURGE_EVERY);
    let mut minutely = tokio::time::interval(SESSION_PURGE_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = minutely.tick() => {
                if let Err(e) = state.records.purge_expired(now_ms()).await {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
            }
            _ = hourly.tick() => {
                let now = now_ms();
                let raw = now - i64::try_from(config.retention.as_millis()).unwrap_or(i64::MAX);
                let rollup = now - i64::try_from(config.rollup_retention.as_millis()).unwrap_or(i64::MAX);
                match state.readings.prune(raw, rollup).await {
                    Ok(n) if n > 0 => tracing::info!(readings = n, "pruned old readings"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune old readings"),
                }
            }
        }
    }
}

/// The embedded broker keeps retained messages in memory only: after a
/// restart, publish each room's last commands again so that a device that
/// reconnects still finds its settings.
async fn republish_retained(state: AppState, cancel: CancellationToken) {
    while !state.publisher.is_connected() {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let commands = match state.records.last_commands().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "could not load last commands to retain");
            return;
        }
    };
    for record in &commands {
        if let Err(e) = crate::control::publish(&state, record.room, &record.command).await {
            tracing::warn!(room = %record.room, error = %e, "could not republish retained command");
        }
    }
    if !commands.is_empty() {
        tracing::info!(
            commands = commands.len(),
            "republished retained control commands"
        );
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
