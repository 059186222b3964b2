//! [`RoomController`]: one room's device, minus the hardware and the network.
//!
//! Each turn of the device's loop calls [`RoomController::step`] with the
//! time and the sensor readings and applies the returned [`Outputs`] to the
//! relay, the fan and the LEDs. Control messages go to
//! [`RoomController::handle_message`]. What to publish comes from
//! [`RoomController::next_publish`], and leaves the queue only when the caller
//! confirms with [`RoomController::published`], so a publish that fails is
//! retried rather than lost, and none goes out twice.
//!
//! Reporting: a snapshot every [`Config::report_every_ms`], and at once after
//! a command changed a setting, when the gas level reaches danger, and when
//! the heater is cut off or the temperature sensor fails. Faults and refused
//! commands also go to `status/error`.

use core::fmt::Write;

use heapless::Deque;
use hotel_core::{FanSpeed, RoomId};

use crate::CommandFault;
use crate::command::{ErrorText, parse_control, rejection_text};
use crate::gas::{GasConfig, GasLevel, GasMonitor};
use crate::lights::{LightOutput, Lights, LightsConfig};
use crate::replay::ReplayBuffer;
use crate::sample::{Payload, Sample};
use crate::settings::{SETTINGS_BLOB_LEN, Settings};
use crate::thermostat::{ClimateReading, SensorFault, SensorMonitor, Thermostat, ThermostatConfig};

/// Capacity of a topic buffer: `hotel/` + a 32-character room + the rest.
pub const TOPIC_CAPACITY: usize = 64;
/// Error texts kept while offline; older ones are dropped.
pub const ERROR_QUEUE_CAPACITY: usize = 4;
/// Payload of the online status and of the last will.
pub const ONLINE: &str = "online";
/// Payload of the last will on `hotel/<room>/status/online`.
pub const OFFLINE: &str = "offline";

/// A topic.
pub type TopicBuf = heapless::String<TOPIC_CAPACITY>;

/// Tuning of the whole controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Thermostat.
    pub thermostat: ThermostatConfig,
    /// Lights.
    pub lights: LightsConfig,
    /// Gas alarm.
    pub gas: GasConfig,
    /// Period of regular telemetry, ms.
    pub report_every_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            thermostat: ThermostatConfig::default(),
            lights: LightsConfig::default(),
            gas: GasConfig::default(),
            report_every_ms: 10_000,
        }
    }
}

/// The time of one turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time since boot, ms: drives every timer.
    pub mono_ms: u64,
    /// Wall-clock time, Unix ms, once known (SNTP); snapshots need it.
    pub unix_ms: Option<i64>,
}

/// One turn's sensor readings; `None` for a failed read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inputs {
    /// DHT22.
    pub climate: Option<ClimateReading>,
    /// LDR, %.
    pub ldr_pct: Option<u8>,
    /// MQ-5, raw ADC counts.
    pub gas_raw: Option<u16>,
}

/// What the hardware should do after a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    /// Heater relay.
    pub heater_on: bool,
    /// Fan speed ([`FanSpeed::Off`] to stop it).
    pub fan: FanSpeed,
    /// LED brightness per channel.
    pub lights: LightOutput,
    /// Gas alarm level (drives a buzzer, if fitted).
    pub gas: GasLevel,
}

/// Something to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publish {
    /// `hotel/<room>/status/online` = `online`, retained, after each connect.
    Online,
    /// `hotel/<room>/status/error`: a fault or a refused command.
    Error(ErrorText),
    /// `hotel/<room>/telemetry/json`: a snapshot.
    Telemetry(Sample),
}

impl Publish {
    /// The topic.
    pub fn topic(&self, room: RoomId) -> TopicBuf {
        let tail = match self {
            Publish::Online => "status/online",
            Publish::Error(_) => "status/error",
            Publish::Telemetry(_) => "telemetry/json",
        };
        topic(room, tail)
    }

    /// The payload.
    pub fn payload(&self, room: RoomId) -> Payload {
        let mut out = Payload::new();
        let _ = match self {
            Publish::Online => out.push_str(ONLINE),
            Publish::Error(text) => out.push_str(text),
            // Always fits; an empty payload would be refused by the server.
            Publish::Telemetry(s) => s.write_json(room, &mut out).map_err(|_| ()),
        };
        out
    }

    /// Whether the broker should retain it (only the online status).
    pub fn retain(&self) -> bool {
        matches!(self, Publish::Online)
    }
}

/// `hotel/<room>/<tail>`.
pub fn topic(room: RoomId, tail: &str) -> TopicBuf {
    let mut out = TopicBuf::new();
    let _ = write!(out, "hotel/{room}/{tail}");
    out
}

/// The filter a device subscribes to: `hotel/<room>/control/+`.
pub fn control_filter(room: RoomId) -> TopicBuf {
    topic(room, "control/+")
}

/// The last will's topic: `hotel/<room>/status/online` (payload [`OFFLINE`],
/// retained).
pub fn will_topic(room: RoomId) -> TopicBuf {
    topic(room, "status/online")
}

/// The room controller.
#[derive(Debug)]
pub struct RoomController {
    room: RoomId,
    config: Config,
    settings: Settings,
    settings_unsaved: bool,
    sensor: SensorMonitor,
    thermostat: Thermostat,
    lights: Lights,
    gas: GasMonitor,
    last: Option<Snapshot>,
    online: bool,
    announce: bool,
    errors: Deque<ErrorText, ERROR_QUEUE_CAPACITY>,
    samples: ReplayBuffer,
    next_report_ms: u64,
    report_now: bool,
}

/// The values of the last turn, for the next snapshot.
#[derive(Debug, Clone, Copy)]
struct Snapshot {
    climate: Option<ClimateReading>,
    ldr_pct: Option<u8>,
    gas_raw: Option<u16>,
    outputs: Outputs,
    fault: Option<SensorFault>,
    cutoff: bool,
}

impl RoomController {
    /// A controller for `room` with the settings read from flash (see
    /// [`Settings::from_blob_or_default`]); it starts offline.
    pub fn new(room: RoomId, config: Config, settings: Settings) -> Self {
        Self {
            room,
            config,
            settings,
            settings_unsaved: false,
            sensor: SensorMonitor::new(),
            thermostat: Thermostat::new(config.thermostat),
            lights: Lights::new(config.lights),
            gas: GasMonitor::new(config.gas),
            last: None,
            online: false,
            announce: false,
            errors: Deque::new(),
            samples: ReplayBuffer::new(),
            next_report_ms: 0,
            report_now: false,
        }
    }

    /// The room.
    pub fn room(&self) -> RoomId {
        self.room
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Snapshots waiting to be published.
    pub fn pending_samples(&self) -> usize {
        self.samples.len()
    }

    /// Snapshots dropped because the offline buffer was full.
    pub fn dropped_samples(&self) -> u32 {
        self.samples.dropped()
    }

    /// Runs one turn: reads the sensors' values, decides the outputs, and
    /// queues a snapshot when one is due.
    pub fn step(&mut self, now: Now, inputs: &Inputs) -> Outputs {
        let climate = self.sensor.observe(now.mono_ms, inputs.climate);
        let fault = self.sensor.fault();
        let thermo = self.thermostat.decide(
            now.mono_ms,
            climate.map(|c| c.temperature_dc),
            &self.settings,
        );
        let lights = self.lights.update(inputs.ldr_pct, &self.settings);
        let gas = self.gas.update(now.mono_ms, inputs.gas_raw);
        let outputs = Outputs {
            heater_on: thermo.heater_on,
            fan: thermo.fan,
            lights,
            gas,
        };

        // Report what got worse at once; what got better waits its turn.
        let before = self.last;
        if fault.is_some() && fault != before.and_then(|b| b.fault) {
            if let Some(f) = fault {
                warn!("temperature sensor fault: {}", f.as_str());
                self.queue_error(f.as_str());
            }
            self.report_now = true;
        }
        if thermo.cutoff && !before.is_some_and(|b| b.cutoff) {
            warn!("over-temperature cut-off");
            self.queue_error("over-temperature cut-off: heater off");
            self.report_now = true;
        }
        if gas == GasLevel::Danger && before.is_none_or(|b| b.outputs.gas != GasLevel::Danger) {
            warn!("gas danger");
            self.queue_error("gas danger");
            self.report_now = true;
        }

        self.last = Some(Snapshot {
            climate,
            ldr_pct: inputs.ldr_pct,
            gas_raw: inputs.gas_raw,
            outputs,
            fault,
            cutoff: thermo.cutoff,
        });
        if self.report_now || now.mono_ms >= self.next_report_ms {
            // Without a wall clock a snapshot has no timestamp to replay
            // with; it is skipped and the next turn tries again.
            if let Some(unix_ms) = now.unix_ms {
                self.queue_sample(unix_ms);
                self.report_now = false;
                self.next_report_ms = now.mono_ms.saturating_add(self.config.report_every_ms);
            }
        }
        outputs
    }

    /// Handles a message received on the control filter. A valid command
    /// changes the settings and brings a report forward; a refused one
    /// changes nothing and queues a `status/error` text.
    ///
    /// # Errors
    ///
    /// [`CommandFault`] for a refused message.
    pub fn handle_message(&mut self, topic: &str, payload: &[u8]) -> Result<(), CommandFault> {
        match parse_control(self.room, topic, payload) {
            Ok(command) => {
                if self.settings.apply(command) {
                    info!("setting changed: {}", command.name());
                    self.settings_unsaved = true;
                    self.report_now = true;
                }
                Ok(())
            }
            Err(fault) => {
                warn!("command refused: {}", fault.as_str());
                let text = rejection_text(topic, fault);
                self.push_error(text);
                Err(fault)
            }
        }
    }

    /// The settings blob to write to flash, once after each change.
    pub fn take_settings_to_save(&mut self) -> Option<[u8; SETTINGS_BLOB_LEN]> {
        core::mem::take(&mut self.settings_unsaved).then(|| self.settings.to_blob())
    }

    /// The MQTT session is up (after subscribing to [`control_filter`]):
    /// announce online, then replay what waited.
    pub fn on_connected(&mut self) {
        info!("connected; {} snapshots to replay", self.samples.len());
        self.online = true;
        self.announce = true;
    }

    /// The MQTT session is down: snapshots wait in the buffer.
    pub fn on_disconnected(&mut self) {
        self.online = false;
    }

    /// What to publish next, if anything (nothing while offline): the online
    /// status, then errors, then snapshots oldest first.
    pub fn next_publish(&self) -> Option<Publish> {
        if !self.online {
            return None;
        }
        if self.announce {
            return Some(Publish::Online);
        }
        if let Some(e) = self.errors.front() {
            return Some(Publish::Error(e.clone()));
        }
        self.samples.front().map(|s| Publish::Telemetry(*s))
    }

    /// Confirms that the item from [`next_publish`](Self::next_publish) was
    /// handed to the MQTT client; it leaves the queue.
    pub fn published(&mut self) {
        if self.announce {
            self.announce = false;
        } else if self.errors.pop_front().is_none() {
            let _ = self.samples.confirm_front();
        }
    }

    fn queue_sample(&mut self, unix_ms: i64) {
        let Some(last) = self.last else { return };
        let o = last.outputs;
        self.samples.push(Sample {
            unix_ms,
            temperature_dc: last.climate.map(|c| c.temperature_dc),
            humidity_dpct: last.climate.map(|c| c.humidity_dpct),
            light_pct: last.ldr_pct.map(|v| v.min(100)),
            gas_raw: last.gas_raw.filter(|_| o.gas != GasLevel::WarmingUp),
            target_dc: self.settings.target_dc,
            climate_mode: self.settings.climate_mode,
            fan_speed: o.fan,
            heating: o.heater_on,
            light_mode: self.settings.light_mode,
            led1: o.lights.led1_pct > 0,
            led2: o.lights.led2_pct > 0,
        });
    }

    fn queue_error(&mut self, text: &str) {
        let mut t = ErrorText::new();
        let _ = t.push_str(text);
        self.push_error(t);
    }

    fn push_error(&mut self, text: ErrorText) {
        if self.errors.is_full() {
            let _ = self.errors.pop_front();
        }
        let _ = self.errors.push_back(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotel_core::protocol::{Body, decode};
    use hotel_core::{ClimateMode, Metric};

    const T0: i64 = 1_733_300_000_000;

    fn room() -> RoomId {
        RoomId::parse("101").unwrap()
    }

    fn now(mono_ms: u64) -> Now {
        Now {
            mono_ms,
            unix_ms: Some(T0 + mono_ms as i64),
        }
    }

    fn inputs(temperature_dc: i16) -> Inputs {
        Inputs {
            climate: Some(ClimateReading {
                temperature_dc,
                humidity_dpct: 450,
            }),
            ldr_pct: Some(50),
            gas_raw: Some(200),
        }
    }

    /// Publishes everything queued; returns (topic, payload) pairs.
    fn drain(c: &mut RoomController) -> Vec<(String, String)> {
        let mut out = Vec::new();
        while let Some(p) = c.next_publish() {
            out.push((
                p.topic(c.room()).to_string(),
                p.payload(c.room()).to_string(),
            ));
            c.published();
        }
        out
    }

    fn controller() -> RoomController {
        RoomController::new(room(), Config::default(), Settings::default())
    }

    #[test]
    fn reports_every_period_and_announces_online_first() {
        let mut c = controller();
        c.on_connected();
        for s in 0..25 {
            c.step(now(s * 1_000), &inputs(210));
        }
        let out = drain(&mut c);
        let topics: Vec<&str> = out.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            topics,
            [
                "hotel/101/status/online",
                "hotel/101/telemetry/json",
                "hotel/101/telemetry/json",
                "hotel/101/telemetry/json"
            ]
        );
        assert_eq!(out[0].1, "online");
    }

    #[test]
    fn command_changes_heating_and_reports_at_once() {
        let mut c = controller();
        c.on_connected();
        assert!(!c.step(now(0), &inputs(210)).heater_on);
        drain(&mut c);
        c.handle_message("hotel/101/control/target_temperature", b"25.0")
            .unwrap();
        assert!(c.step(now(1_000), &inputs(210)).heater_on);
        let out = drain(&mut c);
        assert_eq!(out.len(), 1);
        assert!(out[0].1.contains(r#""target_temp":25"#) && out[0].1.contains(r#""heating":true"#));
        assert_eq!(
            Settings::from_blob(&c.take_settings_to_save().unwrap())
                .unwrap()
                .target_dc,
            250
        );
        assert_eq!(c.take_settings_to_save(), None, "saved once");
    }

    #[test]
    fn refused_command_changes_nothing_and_goes_to_status_error() {
        let mut c = controller();
        c.on_connected();
        c.step(now(0), &inputs(210));
        drain(&mut c);
        let before = c.settings();
        assert_eq!(
            c.handle_message("hotel/101/control/climate_mode", b"party"),
            Err(CommandFault::UnknownWord)
        );
        assert_eq!(c.settings(), before);
        assert_eq!(c.take_settings_to_save(), None);
        let out = drain(&mut c);
        assert_eq!(
            out,
            [(
                "hotel/101/status/error".to_string(),
                "rejected climate_mode: unknown value".to_string()
            )]
        );
        // The server reads it as a device error.
        let msg = decode(&out[0].0, out[0].1.as_bytes(), T0).unwrap();
        assert!(matches!(msg.body, Body::DeviceError(t) if t.as_str() == out[0].1));
    }

    #[test]
    fn offline_snapshots_replay_in_order_with_original_timestamps() {
        let mut c = controller();
        for s in 0..60 {
            c.step(now(s * 1_000), &inputs(210));
        }
        assert_eq!(c.next_publish(), None, "offline");
        assert_eq!(c.pending_samples(), 6);
        c.on_connected();
        let out = drain(&mut c);
        let stamps: Vec<i64> = out[1..]
            .iter()
            .map(
                |(t, p)| match decode(t, p.as_bytes(), T0 + 120_000).unwrap().body {
                    Body::Telemetry(t) => t.ts_ms,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        let expected: Vec<i64> = (0..6).map(|i| T0 + i * 10_000).collect();
        assert_eq!(stamps, expected);
    }

    #[test]
    fn publish_not_confirmed_is_offered_again() {
        let mut c = controller();
        c.on_connected();
        c.published();
        c.step(now(0), &inputs(210));
        let first = c.next_publish();
        c.on_disconnected();
        c.on_connected();
        c.published();
        assert_eq!(c.next_publish(), first);
    }

    #[test]
    fn gas_danger_reports_at_once_outside_the_period() {
        let mut c = controller();
        c.on_connected();
        let warm = Config::default().gas.warmup_ms;
        let mut t = 0;
        while t <= warm {
            c.step(now(t), &inputs(210));
            t += 1_000;
        }
        drain(&mut c);
        // Right after a regular report, so only the danger can explain one.
        let leak = Inputs {
            gas_raw: Some(2_500),
            ..inputs(210)
        };
        let out = c.step(now(t), &leak);
        assert_eq!(out.gas, GasLevel::Danger);
        let sent = drain(&mut c);
        assert_eq!(
            sent[0],
            ("hotel/101/status/error".into(), "gas danger".into())
        );
        assert!(sent[1].1.contains(r#""gas_level":2500"#));
    }

    #[test]
    fn sensor_fault_stops_heating_reports_and_leaves_temperature_out() {
        let mut c = controller();
        c.on_connected();
        assert!(c.step(now(0), &inputs(180)).heater_on);
        drain(&mut c);
        let broken = Inputs {
            climate: None,
            ..inputs(180)
        };
        for s in 1..=3 {
            c.step(now(s * 1_000), &broken);
        }
        let out = c.step(now(4_000), &broken);
        assert!(!out.heater_on);
        let sent = drain(&mut c);
        assert_eq!(sent[0].1, "temperature sensor fault: reads fail");
        let Body::Telemetry(t) = decode(&sent[1].0, sent[1].1.as_bytes(), T0).unwrap().body else {
            panic!()
        };
        assert_eq!(t.values[Metric::Temperature.index()], None);
        assert_eq!(t.state.heating, Some(false));
    }

    #[test]
    fn off_mode_and_lights_reach_the_outputs() {
        let mut c = controller();
        c.handle_message("hotel/101/control/climate_mode", b"off")
            .unwrap();
        c.handle_message("hotel/101/control/light_mode", b"manual")
            .unwrap();
        c.handle_message("hotel/101/control/luminosity", b"40")
            .unwrap();
        let out = c.step(now(0), &inputs(150));
        assert!(!out.heater_on);
        assert_eq!(out.fan, FanSpeed::Off);
        assert_eq!((out.lights.led1_pct, out.lights.led2_pct), (40, 40));
        assert_eq!(c.settings().climate_mode, ClimateMode::Off);
    }

    #[test]
    fn no_snapshot_without_a_wall_clock() {
        let mut c = controller();
        c.on_connected();
        c.step(
            Now {
                mono_ms: 0,
                unix_ms: None,
            },
            &inputs(210),
        );
        assert_eq!(c.pending_samples(), 0);
        c.step(now(1_000), &inputs(210));
        assert_eq!(c.pending_samples(), 1);
    }

    #[test]
    fn topics_fit_the_longest_room_id() {
        let long = RoomId::parse(&"r".repeat(32)).unwrap();
        assert_eq!(
            control_filter(long).as_str(),
            format!("hotel/{}/control/+", "r".repeat(32))
        );
        assert!(
            Publish::Telemetry(Sample {
                unix_ms: -1,
                temperature_dc: Some(-400),
                humidity_dpct: Some(1000),
                light_pct: Some(100),
                gas_raw: Some(u16::MAX),
                target_dc: 325,
                climate_mode: ClimateMode::Manual,
                fan_speed: FanSpeed::Medium,
                heating: false,
                light_mode: hotel_core::LightMode::Manual,
                led1: false,
                led2: false,
            })
            .payload(long)
            .ends_with("}}")
        );
    }
}
