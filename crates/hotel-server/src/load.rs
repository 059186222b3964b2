//! `hotel load`: a load generator for the ingest path.
//!
//! N simulated devices publish JSON telemetry (timestamps in ms) to a broker
//! at a fixed rate each. The tool reads the server's `/metrics` to count
//! messages received and readings stored, and watches `/ws/rooms/` to time
//! publish → visible in the API for every update it sees. Traffic goes only
//! to the addresses given (loopback by default), and the run stops by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::StreamExt;
use hotel_core::protocol::Telemetry;
use hotel_core::protocol::encode::{TimestampUnit, write_telemetry};
use hotel_core::{ClimateMode, Metric, RoomId};
use hotel_telemetry::clock::now_ms;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Device connections being opened at once.
const CONNECTING_AT_ONCE: usize = 64;

/// `hotel load` settings.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// MQTT broker, host:port.
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub broker: String,
    /// The server's HTTP base URL, or `off` to load a broker with no server
    /// behind it (only publishing is measured then).
    #[arg(long, default_value = "http://127.0.0.1:8001")]
    pub http: String,
    /// Simulated devices, one MQTT connection each.
    #[arg(long, default_value_t = 100)]
    pub devices: u32,
    /// Messages per second per device.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// How long to publish, seconds (at most one hour).
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// API user for the latency feed; its password comes from
    /// HOTEL_LOAD_PASSWORD. Without a password latency is not measured.
    #[arg(long, default_value = "admin")]
    pub user: String,
}

/// What a run measured.
#[derive(Debug, Serialize)]
pub struct LoadReport {
    devices: u32,
    seconds: f64,
    published: u64,
    published_per_s: f64,
    /// Messages the server received during the run, drain included.
    received: Option<u64>,
    /// Readings the server stored during the run, drain included.
    stored: Option<u64>,
    /// Publish time plus the drain, seconds: what the rates divide by.
    elapsed_s: f64,
    received_per_s: Option<f64>,
    readings_stored_per_s: Option<f64>,
    latency_samples: usize,
    latency_p50_ms: Option<i64>,
    latency_p99_ms: Option<i64>,
    latency_max_ms: Option<i64>,
}

/// Runs the load and prints the report.
pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    if !(args.rate > 0.0 && args.rate <= 10_000.0) {
        bail!("--rate must be between 0 and 10000 messages per second per device");
    }
    if args.seconds == 0 || args.seconds > 3_600 {
        bail!("--seconds must be between 1 and 3600");
    }
    let (host, port) = args
        .broker
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        .context("--broker must be host:port")?;
    let http = reqwest::Client::new();
    let base = (args.http != "off").then(|| args.http.trim_end_matches('/').to_owned());

    // Latency feed first, so that it sees the first messages.
    let cancel = CancellationToken::new();
    let latencies = match (&base, std::env::var("HOTEL_LOAD_PASSWORD")) {
        (None, _) => None,
        (Some(base), Ok(password)) => {
            let token = sign_in(&http, base, &args.user, &password).await?;
            Some(tokio::spawn(watch_latency(
                base.clone(),
                token,
                cancel.clone(),
            )))
        }
        (Some(_), Err(_)) => {
            eprintln!("HOTEL_LOAD_PASSWORD is not set: latency is not measured");
            None
        }
    };

    // Connect every device first, so that the connection storm is not
    // measured as ingest latency.
    let mqtt_user = std::env::var("HOTEL_LOAD_MQTT_USERNAME").ok();
    let mqtt_pass = std::env::var("HOTEL_LOAD_MQTT_PASSWORD").ok();
    // A bounded number of connections at a time: a thousand at once overflow
    // the listener's SYN backlog, and the kernel then drops some of them.
    let opening = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let mut connecting = JoinSet::new();
    let mut connected = Vec::with_capacity(args.devices as usize);
    for i in 0..args.devices {
        let room = RoomId::parse(&format!("load-{i}")).context("room id")?;
        let mut options = MqttOptions::new(
            format!("hotel-load-{i}-{}", std::process::id()),
            host.clone(),
            port,
        );
        options.set_keep_alive(Duration::from_secs(30));
        if let (Some(u), Some(p)) = (&mqtt_user, &mqtt_pass) {
            options.set_credentials(u.clone(), p.clone());
        }
        // A device that could not connect ends the run now, not after the
        // rest have each tried.
        while let Some(done) = connecting.try_join_next() {
            connected.push(done.context("a device task failed")??);
        }
        let permit = Arc::clone(&opening).acquire_owned().await?;
        connecting.spawn(async move {
            let device = connect_device(i, room, options).await;
            drop(permit);
            device
        });
    }
    while let Some(done) = connecting.join_next().await {
        connected.push(done.context("a device task failed")??);
    }

    let first = counters(&http, base.as_deref()).await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    // Devices send at evenly spread phases of the period, as devices that
    // booted at different times do, not all in the same instant.
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut devices = JoinSet::new();
    for device in connected {
        let phase = period.mul_f64(f64::from(device.index) / f64::from(args.devices));
        devices.spawn(publish_device(device, started + phase, period, deadline));
    }
    let mut published = 0;
    while let Some(done) = devices.join_next().await {
        published += done.unwrap_or(0);
    }
    let publish_secs = started.elapsed().as_secs_f64();

    // Let the server drain, then read the counters again.
    let mut last = counters(&http, base.as_deref()).await?;
    for _ in 0..50 {
        if last.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = counters(&http, base.as_deref()).await?;
        if now == last {
            break;
        }
        last = now;
    }
    let elapsed = started.elapsed().as_secs_f64();
    cancel.cancel();
    let mut samples = match latencies {
        Some(task) => task.await.unwrap_or_default(),
        None => Vec::new(),
    };
    samples.sort_unstable();
    let pct = |p: f64| {
        (!samples.is_empty()).then(|| samples[((samples.len() - 1) as f64 * p).round() as usize])
    };
    // What the server counted during the run: last minus first reading.
    let counted = |pick: fn((f64, f64)) -> f64| Some(pick(last?) - pick(first?));
    let report = LoadReport {
        devices: args.devices,
        seconds: publish_secs,
        published,
        published_per_s: published as f64 / publish_secs,
        received: counted(|c| c.0).map(|n| n as u64),
        stored: counted(|c| c.1).map(|n| n as u64),
        elapsed_s: elapsed,
        received_per_s: counted(|c| c.0).map(|n| n / elapsed),
        readings_stored_per_s: counted(|c| c.1).map(|n| n / elapsed),
        latency_samples: samples.len(),
        latency_p50_ms: pct(0.5),
        latency_p99_ms: pct(0.99),
        latency_max_ms: samples.last().copied(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{report:#?}");
    }
    Ok(())
}

/// One simulated device with its MQTT connection up.
struct Device {
    index: u32,
    room: RoomId,
    client: AsyncClient,
    driver: tokio::task::JoinHandle<()>,
}

/// Opens device `index`'s connection and waits for the broker's CONNACK.
async fn connect_device(index: u32, room: RoomId, options: MqttOptions) -> anyhow::Result<Device> {
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    loop {
        let event = eventloop
            .poll()
            .await
            .with_context(|| format!("device {room} cannot connect"))?;
        if matches!(event, Event::Incoming(Packet::ConnAck(_))) {
            break;
        }
    }
    let driver = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    Ok(Device {
        index,
        room,
        client,
        driver,
    })
}

async fn publish_device(
    device: Device,
    start: Instant,
    period: Duration,
    deadline: Instant,
) -> u64 {
    let Device {
        room,
        client,
        driver,
        ..
    } = device;
    let topic = format!("hotel/{room}/telemetry/json");
    let mut tick = tokio::time::interval_at(start.into(), period);
    let mut last_ts = 0;
    let mut sent = 0;
    let mut payload = String::with_capacity(320);
    while tokio::time::timeout_at(deadline.into(), tick.tick())
        .await
        .is_ok()
    {
        // One reading per millisecond at most, so none collides in the store.
        let ts = now_ms().max(last_ts + 1);
        last_ts = ts;
        let mut t = Telemetry::at(ts);
        t.values[Metric::Temperature.index()] = Some(20.0 + (sent % 50) as f64 / 10.0);
        t.values[Metric::Humidity.index()] = Some(45.0);
        t.values[Metric::LightPercent.index()] = Some(55.0);
        t.values[Metric::GasLevel.index()] = Some(180.0);
        t.values[Metric::TargetTemp.index()] = Some(21.0);
        t.state.climate_mode = Some(ClimateMode::Auto);
        payload.clear();
        if write_telemetry(&mut payload, room, &t, TimestampUnit::Millis).is_err() {
            continue;
        }
        if client
            .publish(topic.as_str(), QoS::AtMostOnce, false, payload.clone())
            .await
            .is_ok()
        {
            sent += 1;
        }
    }
    // Give the event loop a moment to flush what is queued.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = client.disconnect().await;
    driver.abort();
    sent
}

async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/api/auth/token"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await
        .map_err(reqwest::Error::without_url)?;
    if !response.status().is_success() {
        bail!("sign-in as {user} failed: {}", response.status());
    }
    let body: serde_json::Value = response.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in sign-in answer")
}

async fn watch_latency(base: String, token: String, cancel: CancellationToken) -> Vec<i64> {
    let url = format!("{}/ws/rooms/?token={token}", base.replacen("http", "ws", 1));
    let Ok((mut socket, _)) = tokio_tungstenite::connect_async(url).await else {
        eprintln!("cannot open the room feed: latency is not measured");
        return Vec::new();
    };
    let mut samples = Vec::new();
    loop {
        let message = tokio::select! {
            () = cancel.cancelled() => break,
            m = socket.next() => m,
        };
        let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) = message else {
            if message.is_none() {
                break;
            }
            continue;
        };
        let now = now_ms();
        let Ok(view) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let is_load = view["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("load-"));
        if let (true, Some(ts)) = (is_load, view["reading_ts_ms"].as_i64()) {
            samples.push((now - ts).max(0));
        }
    }
    samples
}

/// (messages received, readings stored) from `/metrics`.
/// The server's (received, stored) totals; `None` with no server.
async fn counters(
    http: &reqwest::Client,
    base: Option<&str>,
) -> anyhow::Result<Option<(f64, f64)>> {
    let Some(base) = base else {
        return Ok(None);
    };
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .map_err(reqwest::Error::without_url)?
        .text()
        .await?;
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Some((
        value("hotel_telemetry_received_total"),
        value("hotel_telemetry_stored_total"),
    )))
}
