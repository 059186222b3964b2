//! `hotel sim` and `hotel serve --demo`: simulated rooms that run the room
//! firmware's control core ([`hotel_room_core`]) against a thermal model and
//! talk real MQTT, so the server sees exactly what real devices send.
//!
//! # Layout
//!
//! - [`model`]: the thermal model of a room.
//! - [`faults`]: disconnects, sensor failures, gas leaks, clock resets.
//! - [`room`]: one room (controller + model) and its MQTT task.

pub mod faults;
pub mod model;
pub mod room;

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use hotel_core::RoomId;
use hotel_telemetry::mqtt::MqttConfig;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use faults::Fault;

/// `hotel sim` settings.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// How many rooms (ids 101–120, 201–220, …).
    #[arg(long, default_value_t = 20)]
    pub rooms: u32,
    /// The MQTT broker, host:port. Credentials come from MQTT_USERNAME and
    /// MQTT_PASSWORD.
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub broker: String,
    /// Seconds between two telemetry reports of a room.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub rate: f64,
    /// Faults to inject, comma-separated: disconnect, sensor, gas, clock.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub faults: Vec<Fault>,
}

/// How simulated rooms run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The controller's tuning (report period included).
    pub controller: hotel_room_core::Config,
    /// One controller turn per tick, in real time.
    pub tick: Duration,
    /// Faults to inject.
    pub faults: Vec<Fault>,
    /// Start every room at this temperature instead of a random 17–23 °C.
    pub initial_temperature_c: Option<f64>,
    /// Occupied rooms open the window 08:00–08:15.
    pub airing: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            controller: hotel_room_core::Config {
                report_every_ms: 5_000,
                ..hotel_room_core::Config::default()
            },
            tick: Duration::from_secs(1),
            faults: Vec::new(),
            initial_temperature_c: None,
            airing: true,
        }
    }
}

/// Runs `rooms` until `cancel` fires; `seed` makes each room's noise and
/// fault phase reproducible.
pub async fn run(
    rooms: Vec<RoomId>,
    broker: MqttConfig,
    options: SimOptions,
    seed: u64,
    cancel: CancellationToken,
) {
    let count = rooms.len().max(1);
    let mut tasks = JoinSet::new();
    for (i, room) in rooms.into_iter().enumerate() {
        let (broker, options, cancel) = (broker.clone(), options.clone(), cancel.clone());
        tasks.spawn(async move {
            // Spread the rooms' turns over a tick.
            let offset = options.tick.mul_f64(i as f64 / count as f64);
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(offset) => {}
            }
            room::run_room(room, broker, options, seed.wrapping_add(i as u64), cancel).await;
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// `hotel sim`: runs until Ctrl-C.
///
/// # Errors
///
/// A broker that is not `host:port`, or a rate that is not a positive number
/// of seconds.
pub async fn run_cli(args: SimArgs) -> anyhow::Result<()> {
    let (host, port) = args
        .broker
        .rsplit_once(':')
        .context("--broker must be host:port")?;
    let port: u16 = port.parse().context("--broker must be host:port")?;
    anyhow::ensure!(
        args.rate.is_finite() && args.rate >= 0.1,
        "--rate must be at least 0.1 seconds"
    );
    let options = SimOptions {
        controller: hotel_room_core::Config {
            report_every_ms: (args.rate * 1_000.0) as u64,
            ..hotel_room_core::Config::default()
        },
        faults: args.faults,
        ..SimOptions::default()
    };
    let broker = MqttConfig {
        host: host.to_owned(),
        port,
        client_id: String::new(),
        credentials: match (
            std::env::var("MQTT_USERNAME"),
            std::env::var("MQTT_PASSWORD"),
        ) {
            (Ok(u), Ok(p)) => Some((u, p)),
            _ => None,
        },
        subscriptions: Vec::new(),
    };
    let cancel = CancellationToken::new();
    let rooms = crate::demo::room_ids(args.rooms);
    tracing::info!(rooms = rooms.len(), broker = %args.broker, faults = ?options.faults, "simulating rooms");
    let runner = tokio::spawn(run(rooms, broker, options, rand::random(), cancel.clone()));
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    cancel.cancel();
    let _ = runner.await;
    Ok(())
}
