//! One simulated room: the firmware's [`RoomController`] driving the
//! [`ThermalModel`], with injected faults; and the task that runs it in real
//! time against an MQTT broker, as the ESP32 application does.
//!
//! [`SimRoom::advance`] is pure (time is an argument), so tests run a day of
//! a room in moments; [`run_room`] adds the clock and the network.

use std::time::Duration;

use futures_util::{Stream, StreamExt, stream};
use hotel_core::RoomId;
use hotel_room_core::controller::{OFFLINE, control_filter, will_topic};
use hotel_room_core::settings::SETTINGS_BLOB_LEN;
use hotel_room_core::{Backoff, Inputs, Now, Outputs, RoomController, Settings};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::mqtt::MqttConfig;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, LastWill, MqttOptions, Packet, QoS};
use tokio_util::sync::CancellationToken;

use super::SimOptions;
use super::faults::{ActiveFaults, CLOCK_RESET_UNIX_MS, FaultPlan};
use super::model::ThermalModel;

/// Requests queued for one room's MQTT event loop.
const REQUEST_CAPACITY: usize = 64;
/// First reconnection delay, ms.
const BACKOFF_BASE_MS: u64 = 1_000;
/// Longest reconnection delay, ms.
const BACKOFF_MAX_MS: u64 = 30_000;

/// A simulated room: controller, model, faults and a seeded generator.
#[derive(Debug)]
pub struct SimRoom {
    /// The firmware's controller.
    pub controller: RoomController,
    /// The physics.
    pub model: ThermalModel,
    /// The last outputs, applied to the model on the next step.
    pub outputs: Outputs,
    /// What the settings blob in flash holds.
    pub flash: Option<[u8; SETTINGS_BLOB_LEN]>,
    faults: FaultPlan,
    airing: bool,
    rng: StdRng,
    start_unix_ms: i64,
    mono_ms: u64,
}

impl SimRoom {
    /// A room starting at `start_unix_ms`, seeded with `seed` (initial
    /// temperature, occupancy, noise, fault phase).
    pub fn new(room: RoomId, options: &SimOptions, seed: u64, start_unix_ms: i64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut model = ThermalModel::new(
            options
                .initial_temperature_c
                .unwrap_or_else(|| rng.random_range(17.0..23.0)),
        );
        model.occupied = rng.random_bool(0.6);
        let faults = FaultPlan::new(&options.faults, rng.random_range(0..600));
        let mut controller = RoomController::new(room, options.controller, Settings::default());
        // Read "flash": a fresh simulated device has none, so defaults stand.
        let _ = controller.take_settings_to_save();
        Self {
            controller,
            model,
            outputs: Outputs {
                heater_on: false,
                fan: hotel_core::FanSpeed::Off,
                lights: Default::default(),
                gas: hotel_room_core::GasLevel::WarmingUp,
            },
            flash: None,
            faults,
            airing: options.airing,
            rng,
            start_unix_ms,
            mono_ms: 0,
        }
    }

    /// Time since the room started, ms.
    pub fn mono_ms(&self) -> u64 {
        self.mono_ms
    }

    /// Hour of day (UTC, 0–24) of the simulated wall clock.
    pub fn hour(&self) -> f64 {
        let unix = self.start_unix_ms + self.mono_ms as i64;
        unix.rem_euclid(86_400_000) as f64 / 3_600_000.0
    }

    /// Advances the room by `dt_ms`: the model under the last outputs, then
    /// one controller turn on fresh sensor readings. Returns the faults now
    /// active (the caller handles `disconnected`).
    pub fn advance(&mut self, dt_ms: u64) -> ActiveFaults {
        let hour = self.hour();
        let active = self.faults.active_at(self.mono_ms / 1_000);
        // Occupied rooms air for a quarter of an hour each morning.
        if self.airing {
            self.model.window_open = self.model.occupied && (8.0..8.25).contains(&hour);
        }
        self.model.step(
            dt_ms as f64 / 1_000.0,
            hour,
            self.outputs.heater_on,
            self.outputs.fan,
            active.gas_leak,
        );
        self.mono_ms += dt_ms;

        let noise = |rng: &mut StdRng| rng.random_range(-1.0..=1.0);
        let climate = if active.sensor_failed {
            None
        } else {
            Some(self.model.dht22(noise(&mut self.rng)))
        };
        let inputs = Inputs {
            climate,
            ldr_pct: Some(ThermalModel::ldr_pct(self.hour(), noise(&mut self.rng))),
            gas_raw: Some(self.model.mq5_raw(noise(&mut self.rng))),
        };
        let unix_ms = if active.clock_reset {
            CLOCK_RESET_UNIX_MS + self.mono_ms as i64
        } else {
            self.start_unix_ms + self.mono_ms as i64
        };
        let now = Now {
            mono_ms: self.mono_ms,
            unix_ms: Some(unix_ms),
        };
        self.outputs = self.controller.step(now, &inputs);
        if let Some(blob) = self.controller.take_settings_to_save() {
            self.flash = Some(blob);
        }
        active
    }

    /// A random number for backoff jitter.
    fn random(&mut self) -> u32 {
        self.rng.random()
    }
}

/// Runs `room` in real time against the broker until `cancel` fires: one
/// controller turn per `options.tick`, reconnecting with the controller's
/// backoff, and dropping the connection while a `disconnect` fault lasts.
pub async fn run_room(
    room: RoomId,
    broker: MqttConfig,
    options: SimOptions,
    seed: u64,
    cancel: CancellationToken,
) {
    let mut sim = SimRoom::new(room, &options, seed, now_ms());
    let tick_ms = u64::try_from(options.tick.as_millis())
        .unwrap_or(1_000)
        .max(1);
    let mut tick = tokio::time::interval(options.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut backoff = Backoff::new(BACKOFF_BASE_MS, BACKOFF_MAX_MS);

    'session: loop {
        let (client, eventloop) = connect(room, &broker, seed);
        let mut events = Box::pin(events(eventloop));
        loop {
            tokio::select! {
                () = cancel.cancelled() => {
                    let _ = client.disconnect().await;
                    break 'session;
                }
                _ = tick.tick() => {
                    if sim.advance(tick_ms).disconnected {
                        // Drop the socket without DISCONNECT: the broker
                        // publishes the last will.
                        drop((client, events));
                        sim.controller.on_disconnected();
                        tracing::debug!(%room, "simulated disconnect");
                        if run_offline(&mut sim, &mut tick, tick_ms, &cancel, |s| {
                            s.faults.active_at(s.mono_ms / 1_000).disconnected
                        }).await {
                            break 'session;
                        }
                        continue 'session;
                    }
                    flush(&mut sim, &client);
                }
                Some(event) = events.next() => match event {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        backoff.succeeded();
                        let _ = client.try_subscribe(control_filter(room).as_str(), QoS::AtLeastOnce);
                        sim.controller.on_connected();
                        flush(&mut sim, &client);
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        // A refusal is queued for status/error by the controller.
                        let _ = sim.controller.handle_message(&p.topic, &p.payload);
                    }
                    Ok(_) => {}
                    Err(error) => {
                        sim.controller.on_disconnected();
                        let random = sim.random();
                        let delay = backoff.failed(sim.mono_ms(), random);
                        tracing::debug!(%room, %error, delay_ms = delay, "broker unreachable, retrying");
                        let until = sim.mono_ms() + delay;
                        if run_offline(&mut sim, &mut tick, tick_ms, &cancel, |s| s.mono_ms < until).await {
                            break 'session;
                        }
                        // The event loop reconnects on the next poll.
                    }
                },
            }
        }
    }
}

/// Keeps the room running offline while `offline` holds; true when cancelled.
async fn run_offline(
    sim: &mut SimRoom,
    tick: &mut tokio::time::Interval,
    tick_ms: u64,
    cancel: &CancellationToken,
    offline: impl Fn(&SimRoom) -> bool,
) -> bool {
    while offline(sim) {
        tokio::select! {
            () = cancel.cancelled() => return true,
            _ = tick.tick() => {
                sim.advance(tick_ms);
            }
        }
    }
    false
}

/// The event loop's events as a stream that never ends.
///
/// The stream holds the pending `poll` between calls, so a `select!` that
/// takes another branch (the tick) does not cancel it. rumqttc's `poll` is
/// not cancel-safe while connecting: a connect dropped after its CONNECT
/// left leaves a half-open session whose socket closes, and the broker
/// publishes the room's last will, `offline`, at every start.
fn events(eventloop: EventLoop) -> impl Stream<Item = Result<Event, ConnectionError>> {
    stream::unfold(eventloop, |mut eventloop| async move {
        let event = eventloop.poll().await;
        Some((event, eventloop))
    })
}

fn connect(room: RoomId, broker: &MqttConfig, seed: u64) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new(
        format!("sim-{room}-{seed:x}"),
        broker.host.clone(),
        broker.port,
    );
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_last_will(LastWill::new(
            will_topic(room).as_str(),
            OFFLINE,
            QoS::AtLeastOnce,
            true,
        ));
    if let Some((user, pass)) = &broker.credentials {
        options.set_credentials(user.clone(), pass.clone());
    }
    AsyncClient::new(options, REQUEST_CAPACITY)
}

/// Hands the controller's queue to the client until it is empty or the
/// client's queue is full (the rest goes on the next tick).
fn flush(sim: &mut SimRoom, client: &AsyncClient) {
    let room = sim.controller.room();
    while let Some(p) = sim.controller.next_publish() {
        let sent = client.try_publish(
            p.topic(room).as_str(),
            QoS::AtLeastOnce,
            p.retain(),
            p.payload(room).as_bytes().to_vec(),
        );
        if sent.is_err() {
            break;
        }
        sim.controller.published();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::Fault;
    use hotel_core::protocol::{Body, RejectReason, decode};

    /// 2024-12-04T00:00:00Z.
    const MIDNIGHT: i64 = 1_733_270_400_000;

    fn room(id: &str) -> RoomId {
        RoomId::parse(id).unwrap()
    }

    /// Publishes the controller's queue as the runner does; returns what the
    /// server decodes.
    fn drain(sim: &mut SimRoom) -> Vec<Result<Body, RejectReason>> {
        let r = sim.controller.room();
        let mut out = Vec::new();
        let received = sim.start_unix_ms + sim.mono_ms as i64;
        while let Some(p) = sim.controller.next_publish() {
            let decoded = decode(p.topic(r).as_str(), p.payload(r).as_bytes(), received);
            out.push(decoded.map(|m| m.body).map_err(|e| e.reason));
            sim.controller.published();
        }
        out
    }

    #[test]
    fn twenty_four_hours_stay_within_the_deadband() {
        let options = SimOptions {
            airing: true,
            ..SimOptions::default()
        };
        let deadband_c = f64::from(options.controller.thermostat.deadband_dc) / 10.0;
        // The DHT22 reads to ±0.1 °C (noise and rounding), so the air can be
        // that much past the band when the relay switches.
        let sensor_error_c = 0.1;
        for (i, target) in [(0u64, 21.0), (1, 23.0), (2, 19.5), (3, 22.0), (4, 25.0)] {
            let mut sim = SimRoom::new(room("101"), &options, i, MIDNIGHT);
            sim.controller.on_connected();
            let target_text = format!("{target:.1}");
            sim.controller
                .handle_message(
                    "hotel/101/control/target_temperature",
                    target_text.as_bytes(),
                )
                .unwrap();
            let mut settled = false;
            let mut switches = 0;
            let mut last_heating = false;
            let mut worst: f64 = 0.0;
            let mut airing_seen = false;
            for s in 0..86_400u64 {
                sim.advance(1_000);
                let t = sim.model.temperature_c;
                settled |= (t - target).abs() < deadband_c;
                airing_seen |= sim.model.window_open;
                // Airing and the half hour after it are allowed to leave the band.
                let hour = sim.hour();
                let excused = sim.model.occupied && (8.0..8.75).contains(&hour);
                if settled && !excused {
                    worst = worst.max((t - target).abs());
                }
                if sim.outputs.heater_on != last_heating {
                    switches += 1;
                    last_heating = sim.outputs.heater_on;
                }
                if s % 600 == 0 {
                    drain(&mut sim);
                }
            }
            assert!(settled, "room {i} reached its target");
            assert!(
                worst <= deadband_c + sensor_error_c,
                "room {i}: {worst:.2} °C off a {target} °C target"
            );
            // The minimum on and off times bound the switching: at most one
            // switch a minute, and in practice far fewer.
            assert!(switches < 24 * 60, "room {i}: {switches} relay switches");
            assert_eq!(airing_seen, sim.model.occupied);
        }
    }

    #[test]
    fn gas_leak_is_reported_at_once_and_sensor_fault_stops_heating() {
        let options = SimOptions {
            faults: vec![Fault::Gas, Fault::Sensor],
            ..SimOptions::default()
        };
        let mut sim = SimRoom::new(room("102"), &options, 7, MIDNIGHT);
        sim.controller.on_connected();
        let mut danger_at = None;
        let mut fault_seen = false;
        let mut failing_for = 0;
        for _ in 0..1_200 {
            let active = sim.advance(1_000);
            failing_for = if active.sensor_failed {
                failing_for + 1
            } else {
                0
            };
            if failing_for >= 3 {
                assert!(!sim.outputs.heater_on, "heating stops on a sensor fault");
            }
            for body in drain(&mut sim) {
                match body {
                    Ok(Body::DeviceError(text)) if text.as_str() == "gas danger" => {
                        danger_at.get_or_insert(sim.mono_ms());
                    }
                    Ok(Body::DeviceError(text)) if text.as_str().contains("sensor fault") => {
                        fault_seen = true;
                    }
                    Ok(_) => {}
                    Err(reason) => panic!("server refused {reason:?}"),
                }
            }
        }
        assert!(danger_at.is_some(), "danger reported");
        assert!(fault_seen, "sensor fault reported");
    }

    #[test]
    fn clock_reset_is_caught_by_the_server_and_messages_still_count() {
        let options = SimOptions {
            faults: vec![Fault::Clock],
            ..SimOptions::default()
        };
        let mut sim = SimRoom::new(room("103"), &options, 3, MIDNIGHT);
        sim.controller.on_connected();
        let mut replaced = 0;
        for _ in 0..600 {
            sim.advance(1_000);
            for body in drain(&mut sim) {
                if let Ok(Body::Telemetry(t)) = body {
                    replaced += t.problems.count(RejectReason::Timestamp);
                }
            }
        }
        assert!(
            replaced > 0,
            "the server replaced the reset clock's timestamps"
        );
    }

    #[test]
    fn window_open_makes_the_heater_work_harder() {
        let options = SimOptions {
            initial_temperature_c: Some(21.0),
            airing: false,
            ..SimOptions::default()
        };
        let run = |window: bool| {
            let mut sim = SimRoom::new(room("104"), &options, 1, MIDNIGHT);
            let mut on_s = 0;
            for _ in 0..7_200 {
                sim.model.window_open = window;
                sim.advance(1_000);
                on_s += u32::from(sim.outputs.heater_on);
            }
            on_s
        };
        assert!(run(true) > run(false));
    }

    /// A broker that is slow to answer CONNECT: the room's ticks (every
    /// 10 ms) must not cancel the connect in progress, or the room drops
    /// its half-made session, connects again, and a real broker publishes
    /// its last will.
    #[tokio::test]
    async fn a_slow_connack_is_waited_for_not_dropped_by_ticks() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio::net::TcpListener;

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (accepted_tx, mut accepted) = tokio::sync::mpsc::unbounded_channel();
        let broker = tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let accepted_tx = accepted_tx.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    // CONNECT, then a slow CONNACK, then read and ignore.
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    let _ = accepted_tx.send(buf.first().copied().filter(|_| n > 0));
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if socket.write_all(&[0x20, 0x02, 0x00, 0x00]).await.is_err() {
                        return;
                    }
                    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
                });
            }
        });

        let options = SimOptions {
            tick: Duration::from_millis(10),
            ..SimOptions::default()
        };
        let config = MqttConfig {
            host: "127.0.0.1".into(),
            port,
            client_id: String::new(),
            credentials: None,
            subscriptions: Vec::new(),
        };
        let cancel = CancellationToken::new();
        let runner = tokio::spawn(run_room(room("101"), config, options, 7, cancel.clone()));
        // The first connection's CONNECT (packet type 1 in the high nibble).
        let first = accepted.recv().await.unwrap();
        assert_eq!(first.map(|b| b >> 4), Some(1));
        tokio::time::sleep(Duration::from_millis(800)).await;
        cancel.cancel();
        runner.await.unwrap();
        broker.abort();
        let mut again = 0;
        while accepted.try_recv().is_ok() {
            again += 1;
        }
        assert_eq!(again, 0, "the room connected again {again} times");
    }
}
