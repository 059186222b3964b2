//! `hotel serve --demo N`: simulated rooms that publish realistic telemetry
//! through the real broker and obey control commands, so a newcomer sees a
//! living hotel at once.
//!
//! Each room is a small thermal model: heat leaks to an outside temperature
//! that follows the day, a heater drives the room toward its target with
//! hysteresis, lights follow daylight and occupancy, and the gas sensor idles
//! near its baseline with rare spikes.

use std::time::Duration;

use hotel_core::protocol::Telemetry;
use hotel_core::protocol::encode::{TimestampUnit, write_telemetry};
use hotel_core::{ClimateMode, ControlCommand, FanSpeed, LightMode, Metric, Occupancy, RoomId};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::mqtt::MqttConfig;
use rand::Rng;
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, QoS};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Seconds between two telemetry messages of a simulated room.
pub const REPORT_EVERY: Duration = Duration::from_secs(5);

/// The state of one simulated room.
#[derive(Debug, Clone)]
pub struct RoomModel {
    /// Air temperature, °C.
    pub temperature_c: f64,
    /// Relative humidity, %.
    pub humidity_pct: f64,
    /// Raw gas reading.
    pub gas: f64,
    /// Thermostat target, °C.
    pub target_c: f64,
    /// Thermostat mode.
    pub climate_mode: ClimateMode,
    /// Fan speed.
    pub fan_speed: FanSpeed,
    /// Heater relay.
    pub heating: bool,
    /// Light mode.
    pub light_mode: LightMode,
    /// Manual brightness, %.
    pub brightness_pct: u8,
    /// Whether a guest is in.
    pub occupied: bool,
}

impl RoomModel {
    /// A room at `temperature_c` with a 21 °C target.
    pub fn new(temperature_c: f64, occupied: bool) -> Self {
        Self {
            temperature_c,
            humidity_pct: 45.0,
            gas: 180.0,
            target_c: 21.0,
            climate_mode: ClimateMode::Auto,
            fan_speed: FanSpeed::Low,
            heating: false,
            light_mode: LightMode::Auto,
            brightness_pct: 60,
            occupied,
        }
    }

    /// Advances the model by `dt_s` seconds at hour-of-day `hour` (0–24),
    /// with `noise` in −1…1 for sensor jitter and `spike` true when a gas
    /// leak starts now.
    pub fn step(&mut self, dt_s: f64, hour: f64, noise: f64, spike: bool) {
        let outside_c = 8.0 + 6.0 * ((hour - 9.0) / 24.0 * std::f64::consts::TAU).sin();

        // Thermostat with a 0.3 °C deadband.
        self.heating = match self.climate_mode {
            ClimateMode::Off => false,
            ClimateMode::Manual => self.heating,
            ClimateMode::Auto if self.temperature_c < self.target_c - 0.3 => true,
            ClimateMode::Auto if self.temperature_c > self.target_c + 0.3 => false,
            ClimateMode::Auto => self.heating,
        };
        let heater_c_per_s = if self.heating { 0.004 } else { 0.0 };
        let leak_per_s = 0.0002;
        self.temperature_c +=
            dt_s * (heater_c_per_s - leak_per_s * (self.temperature_c - outside_c));
        self.temperature_c = self.temperature_c.clamp(-40.0, 85.0);

        self.humidity_pct = (self.humidity_pct + noise * 0.3
            - 0.001 * dt_s * (self.humidity_pct - 45.0))
            .clamp(20.0, 80.0);
        self.gas = if spike {
            2_600.0
        } else {
            180.0 + (self.gas - 180.0) * 0.9 + noise * 5.0
        };
        self.gas = self.gas.max(0.0);
    }

    /// Light level, %, from daylight and lamps.
    pub fn light_percent(&self, hour: f64) -> f64 {
        let daylight = (((hour - 6.0) / 12.0 * std::f64::consts::PI).sin() * 70.0).max(0.0);
        let lamps = match self.light_mode {
            LightMode::Off => 0.0,
            LightMode::Manual => f64::from(self.brightness_pct) * 0.5,
            LightMode::Auto if self.occupied && daylight < 30.0 => 40.0,
            LightMode::Auto => 0.0,
        };
        (daylight + lamps).clamp(0.0, 100.0)
    }

    /// Applies a control command.
    pub fn apply(&mut self, command: ControlCommand) {
        match command {
            ControlCommand::TargetTemperature(c) => self.target_c = c,
            ControlCommand::ClimateMode(m) => self.climate_mode = m,
            ControlCommand::FanSpeed(s) => self.fan_speed = s,
            ControlCommand::LightMode(m) => self.light_mode = m,
            ControlCommand::Luminosity(p) => self.brightness_pct = p,
        }
    }

    /// The telemetry a device in this room would publish at `ts_ms`.
    pub fn telemetry(&self, ts_ms: i64, hour: f64) -> Telemetry {
        let mut t = Telemetry::at(ts_ms);
        let round = |v: f64| (v * 10.0).round() / 10.0;
        t.values[Metric::Temperature.index()] = Some(round(self.temperature_c));
        t.values[Metric::Humidity.index()] = Some(round(self.humidity_pct));
        t.values[Metric::LightPercent.index()] = Some(self.light_percent(hour).round());
        t.values[Metric::GasLevel.index()] = Some(self.gas.round());
        t.values[Metric::TargetTemp.index()] = Some(self.target_c);
        t.state.climate_mode = Some(self.climate_mode);
        t.state.fan_speed = Some(self.fan_speed);
        t.state.heating = Some(self.heating);
        t.state.occupancy = Some(if self.occupied {
            Occupancy::Occupied
        } else {
            Occupancy::Vacant
        });
        t.state.led1 = Some(self.light_mode != LightMode::Off);
        t.state.led2 = Some(false);
        t
    }
}

/// Room ids for `count` demo rooms: 101–120, 201–220, …
pub fn room_ids(count: u32) -> Vec<RoomId> {
    (0..count)
        .filter_map(|i| RoomId::parse(&format!("{}{:02}", 1 + i / 20, i % 20 + 1)).ok())
        .collect()
}

/// Runs the demo rooms until `cancel` fires.
pub async fn run(count: u32, broker: MqttConfig, cancel: CancellationToken) {
    let mut rooms = JoinSet::new();
    for (i, room) in room_ids(count).into_iter().enumerate() {
        let broker = broker.clone();
        let cancel = cancel.clone();
        rooms.spawn(async move {
            // Spread the rooms' report times over the period.
            let offset = REPORT_EVERY.mul_f64(i as f64 / f64::from(count.max(1)));
            tokio::time::sleep(offset).await;
            simulate_room(room, broker, cancel).await;
        });
    }
    while rooms.join_next().await.is_some() {}
}

async fn simulate_room(room: RoomId, broker: MqttConfig, cancel: CancellationToken) {
    let mut options = MqttOptions::new(format!("demo-{room}"), broker.host.clone(), broker.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_last_will(LastWill::new(
            format!("hotel/{room}/status/online"),
            "offline",
            QoS::AtLeastOnce,
            true,
        ));
    if let Some((user, pass)) = &broker.credentials {
        options.set_credentials(user.clone(), pass.clone());
    }
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    let mut model = {
        let mut rng = rand::rng();
        RoomModel::new(rng.random_range(17.0..23.0), rng.random_bool(0.6))
    };
    let mut tick = tokio::time::interval(REPORT_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {
                let now = now_ms();
                let hour = (now.rem_euclid(86_400_000)) as f64 / 3_600_000.0;
                let (noise, spike) = {
                    let mut rng = rand::rng();
                    (rng.random_range(-1.0..1.0), rng.random_bool(0.0005))
                };
                model.step(REPORT_EVERY.as_secs_f64(), hour, noise, spike);
                let mut payload = String::with_capacity(320);
                if write_telemetry(&mut payload, room, &model.telemetry(now, hour), TimestampUnit::Seconds).is_ok() {
                    let _ = client.try_publish(format!("hotel/{room}/telemetry/json"), QoS::AtMostOnce, false, payload);
                }
            }
            event = eventloop.poll() => match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let _ = client.try_subscribe(format!("hotel/{room}/control/+"), QoS::AtLeastOnce);
                    let _ = client.try_publish(format!("hotel/{room}/status/online"), QoS::AtLeastOnce, true, "online");
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let name = p.topic.rsplit('/').next().unwrap_or_default();
                    if let Ok(command) = ControlCommand::parse(name, &String::from_utf8_lossy(&p.payload)) {
                        model.apply(command);
                    }
                }
                Ok(_) => {}
                Err(_) => {
                    tokio::select! {
                        () = cancel.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            },
        }
    }
    let _ = client.disconnect().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heater_brings_a_cold_room_to_target_and_holds_it() {
        let mut model = RoomModel::new(15.0, true);
        model.apply(ControlCommand::TargetTemperature(21.0));
        // Six simulated hours in 5 s steps.
        for i in 0..(6 * 720) {
            model.step(5.0, 8.0 + f64::from(i) * 5.0 / 3600.0, 0.0, false);
        }
        assert!(
            (model.temperature_c - 21.0).abs() < 0.6,
            "ends near target: {}",
            model.temperature_c
        );
    }

    #[test]
    fn off_mode_lets_the_room_cool() {
        let mut model = RoomModel::new(21.0, false);
        model.apply(ControlCommand::ClimateMode(ClimateMode::Off));
        for _ in 0..720 {
            model.step(5.0, 3.0, 0.0, false);
        }
        assert!(!model.heating);
        assert!(
            model.temperature_c < 20.0,
            "cools without heat: {}",
            model.temperature_c
        );
    }

    #[test]
    fn gas_spike_decays_back_to_baseline() {
        let mut model = RoomModel::new(20.0, false);
        model.step(5.0, 12.0, 0.0, true);
        assert!(model.gas > 2_500.0);
        for _ in 0..100 {
            model.step(5.0, 12.0, 0.0, false);
        }
        assert!(model.gas < 200.0);
    }

    #[test]
    fn telemetry_is_in_range_and_room_ids_are_valid() {
        let model = RoomModel::new(20.0, true);
        let t = model.telemetry(1_733_300_000_000, 20.0);
        for metric in Metric::ALL {
            if let Some(v) = t.values[metric.index()] {
                assert!(metric.check(v).is_ok(), "{metric} = {v}");
            }
        }
        let ids = room_ids(45);
        assert_eq!(ids.len(), 45);
        assert_eq!(ids[0].as_str(), "101");
        assert_eq!(ids[20].as_str(), "201");
        assert_eq!(ids[44].as_str(), "305");
    }
}
