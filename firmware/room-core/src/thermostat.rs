//! The heater relay and the fan: target with a deadband, minimum on and off
//! times that protect the relay, fan speed by distance to the target, an
//! over-temperature cut-off, and the DHT22 fault monitor.
//!
//! Temperatures are whole tenths of a degree Celsius (`_dc`, deci-Celsius),
//! as the DHT22 reports them, so every comparison is exact integer
//! arithmetic. This module decides; it does not switch anything.

use hotel_core::{ClimateMode, FanSpeed};

use crate::settings::Settings;

/// How many DHT22 reads in a row may fail before the sensor is at fault.
pub const READ_FAILURE_LIMIT: u8 = 3;
/// Plausible readings in a row that clear a read or range fault.
pub const RECOVERY_READINGS: u8 = 5;
/// Coldest temperature the DHT22 can report, tenths of °C.
pub const DHT22_MIN_DC: i16 = -400;
/// Warmest temperature the DHT22 can report, tenths of °C.
pub const DHT22_MAX_DC: i16 = 800;
/// Largest plausible change between two readings less than
/// [`JUMP_WINDOW_MS`] apart, tenths of °C: a room does not warm 5 °C in 10 s.
pub const JUMP_LIMIT_DC: i16 = 50;
/// Window of the jump check, ms.
pub const JUMP_WINDOW_MS: u64 = 10_000;
/// A reading unchanged (temperature and humidity to the tenth) this long is
/// a stuck sensor, ms.
pub const STUCK_AFTER_MS: u64 = 30 * 60 * 1000;

/// Tuning of the thermostat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThermostatConfig {
    /// Half-width of the deadband: heat below `target − deadband`, stop
    /// above `target + deadband`, tenths of °C.
    pub deadband_dc: i16,
    /// The relay stays on at least this long once switched on, ms.
    pub min_on_ms: u64,
    /// The relay stays off at least this long once switched off, ms.
    pub min_off_ms: u64,
    /// At or above this the heater is cut off at once, whatever the mode,
    /// tenths of °C.
    pub cutoff_dc: i16,
    /// The cut-off is released at or below this, tenths of °C.
    pub cutoff_release_dc: i16,
    /// In auto mode the fan runs medium at least this far below the target,
    /// tenths of °C.
    pub medium_from_dc: i16,
    /// In auto mode the fan runs high at least this far below the target,
    /// tenths of °C.
    pub high_from_dc: i16,
}

impl Default for ThermostatConfig {
    fn default() -> Self {
        Self {
            deadband_dc: 5,
            min_on_ms: 60_000,
            min_off_ms: 60_000,
            cutoff_dc: 350,
            cutoff_release_dc: 320,
            medium_from_dc: 10,
            high_from_dc: 25,
        }
    }
}

/// One DHT22 reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClimateReading {
    /// Temperature, tenths of °C.
    pub temperature_dc: i16,
    /// Relative humidity, tenths of %.
    pub humidity_dpct: u16,
}

/// Why the temperature sensor is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SensorFault {
    /// [`READ_FAILURE_LIMIT`] reads in a row failed (timeout, checksum).
    ReadFailures,
    /// A value outside the sensor's range, or a jump no room makes.
    Impossible,
    /// The same reading for [`STUCK_AFTER_MS`].
    Stuck,
}

impl SensorFault {
    /// A short description for `status/error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SensorFault::ReadFailures => "temperature sensor fault: reads fail",
            SensorFault::Impossible => "temperature sensor fault: impossible value",
            SensorFault::Stuck => "temperature sensor fault: value stuck",
        }
    }
}

/// Watches DHT22 readings and decides whether they can be trusted.
#[derive(Debug, Clone, Copy, Default)]
pub struct SensorMonitor {
    failures: u8,
    good_streak: u8,
    last: Option<(u64, ClimateReading)>,
    unchanged_since_ms: u64,
    fault: Option<SensorFault>,
}

/// What the thermostat decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThermostatOutput {
    /// Heater relay.
    pub heater_on: bool,
    /// Fan speed ([`FanSpeed::Off`] when stopped).
    pub fan: FanSpeed,
    /// The over-temperature cut-off holds the heater off.
    pub cutoff: bool,
}

/// The relay state and the cut-off latch.
#[derive(Debug, Clone, Copy)]
pub struct Thermostat {
    config: ThermostatConfig,
    relay_on: bool,
    last_switch_ms: Option<u64>,
    cutoff: bool,
}

impl SensorMonitor {
    /// A monitor with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current fault, if any.
    pub fn fault(&self) -> Option<SensorFault> {
        self.fault
    }

    /// Takes one read attempt (`None` when the read failed) at `now_ms` and
    /// returns the reading when it can be trusted.
    pub fn observe(
        &mut self,
        now_ms: u64,
        reading: Option<ClimateReading>,
    ) -> Option<ClimateReading> {
        let Some(r) = reading else {
            self.failures = self.failures.saturating_add(1);
            self.good_streak = 0;
            if self.failures >= READ_FAILURE_LIMIT {
                self.fault = Some(SensorFault::ReadFailures);
            }
            return None;
        };
        self.failures = 0;

        let jumped = self.last.is_some_and(|(at, last)| {
            now_ms.saturating_sub(at) < JUMP_WINDOW_MS
                && (i32::from(r.temperature_dc) - i32::from(last.temperature_dc)).abs()
                    > i32::from(JUMP_LIMIT_DC)
        });
        let impossible = !(DHT22_MIN_DC..=DHT22_MAX_DC).contains(&r.temperature_dc)
            || r.humidity_dpct > 1000
            || jumped;
        if impossible {
            self.fault = Some(SensorFault::Impossible);
            self.good_streak = 0;
            // A jump is judged against the last plausible reading, not the
            // spike itself.
            return None;
        }

        let unchanged = self.last.is_some_and(|(_, last)| last == r);
        if !unchanged {
            self.unchanged_since_ms = now_ms;
        }
        self.last = Some((now_ms, r));
        self.good_streak = self.good_streak.saturating_add(1);

        self.fault = match self.fault {
            _ if now_ms.saturating_sub(self.unchanged_since_ms) >= STUCK_AFTER_MS => {
                Some(SensorFault::Stuck)
            }
            Some(SensorFault::Stuck) => None,
            Some(_) if self.good_streak < RECOVERY_READINGS => self.fault,
            _ => None,
        };
        if self.fault.is_some() { None } else { Some(r) }
    }
}

impl Thermostat {
    /// A thermostat with its relay off, free to switch at once.
    pub fn new(config: ThermostatConfig) -> Self {
        Self {
            config,
            relay_on: false,
            last_switch_ms: None,
            cutoff: false,
        }
    }

    /// Whether the relay is on.
    pub fn is_heating(&self) -> bool {
        self.relay_on
    }

    /// Decides the relay and fan at `now_ms` from the trusted temperature
    /// (`None` during a sensor fault) and the settings.
    ///
    /// Safety comes first: at or above the cut-off, or without a trusted
    /// temperature, the heater goes off at once, minimum on time or not.
    pub fn decide(
        &mut self,
        now_ms: u64,
        temperature_dc: Option<i16>,
        settings: &Settings,
    ) -> ThermostatOutput {
        let c = self.config;
        if let Some(t) = temperature_dc {
            if t >= c.cutoff_dc {
                self.cutoff = true;
            } else if t <= c.cutoff_release_dc {
                self.cutoff = false;
            }
        }

        let manual_fan = match settings.climate_mode {
            ClimateMode::Manual => settings.fan_speed,
            _ => FanSpeed::Off,
        };
        let t = match temperature_dc {
            Some(t) if !self.cutoff => t,
            _ => {
                self.switch(now_ms, false);
                return ThermostatOutput {
                    heater_on: false,
                    fan: manual_fan,
                    cutoff: self.cutoff,
                };
            }
        };

        let target = settings.target_dc;
        let wanted = match settings.climate_mode {
            ClimateMode::Off => false,
            _ if t < target - c.deadband_dc => true,
            _ if t > target + c.deadband_dc => false,
            _ => self.relay_on,
        };
        if wanted != self.relay_on && self.may_switch(now_ms) {
            self.switch(now_ms, wanted);
        }

        let fan = match settings.climate_mode {
            ClimateMode::Auto if self.relay_on => {
                let below = target - t;
                if below >= c.high_from_dc {
                    FanSpeed::High
                } else if below >= c.medium_from_dc {
                    FanSpeed::Medium
                } else {
                    FanSpeed::Low
                }
            }
            _ => manual_fan,
        };
        ThermostatOutput {
            heater_on: self.relay_on,
            fan,
            cutoff: false,
        }
    }

    /// Whether the minimum on or off time of the current state has passed.
    fn may_switch(&self, now_ms: u64) -> bool {
        let Some(since) = self.last_switch_ms else {
            return true;
        };
        let hold = if self.relay_on {
            self.config.min_on_ms
        } else {
            self.config.min_off_ms
        };
        now_ms.saturating_sub(since) >= hold
    }

    fn switch(&mut self, now_ms: u64, on: bool) {
        if self.relay_on != on {
            self.relay_on = on;
            self.last_switch_ms = Some(now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading(t: i16) -> Option<ClimateReading> {
        Some(ClimateReading {
            temperature_dc: t,
            humidity_dpct: 450,
        })
    }

    fn auto(target_dc: i16) -> Settings {
        Settings {
            target_dc,
            ..Settings::default()
        }
    }

    #[test]
    fn heats_below_the_deadband_and_stops_above_it() {
        let mut th = Thermostat::new(ThermostatConfig::default());
        let s = auto(210);
        assert!(
            !th.decide(0, Some(206), &s).heater_on,
            "inside the band, stays off"
        );
        assert!(th.decide(1_000, Some(204), &s).heater_on, "below the band");
        assert!(
            th.decide(100_000, Some(214), &s).heater_on,
            "inside the band, stays on"
        );
        assert!(
            !th.decide(200_000, Some(216), &s).heater_on,
            "above the band"
        );
    }

    #[test]
    fn holds_the_relay_for_its_minimum_times() {
        let mut th = Thermostat::new(ThermostatConfig::default());
        let s = auto(210);
        assert!(th.decide(0, Some(200), &s).heater_on);
        assert!(
            th.decide(59_999, Some(230), &s).heater_on,
            "minimum on time"
        );
        assert!(!th.decide(60_000, Some(230), &s).heater_on);
        assert!(
            !th.decide(119_999, Some(190), &s).heater_on,
            "minimum off time"
        );
        assert!(th.decide(120_000, Some(190), &s).heater_on);
    }

    #[test]
    fn cutoff_wins_over_minimum_on_time_and_latches_until_release() {
        let mut th = Thermostat::new(ThermostatConfig::default());
        let s = auto(320);
        assert!(th.decide(0, Some(300), &s).heater_on);
        let out = th.decide(1_000, Some(350), &s);
        assert!(!out.heater_on && out.cutoff);
        assert!(
            th.decide(200_000, Some(330), &s).cutoff,
            "latched above release"
        );
        let out = th.decide(300_000, Some(310), &s);
        assert!(!out.cutoff && out.heater_on, "released");
    }

    #[test]
    fn fan_speed_follows_distance_in_auto_and_the_setting_in_manual() {
        let mut th = Thermostat::new(ThermostatConfig::default());
        let s = auto(220);
        assert_eq!(th.decide(0, Some(190), &s).fan, FanSpeed::High);
        assert_eq!(th.decide(1, Some(205), &s).fan, FanSpeed::Medium);
        assert_eq!(th.decide(2, Some(214), &s).fan, FanSpeed::Low);
        let manual = Settings {
            climate_mode: ClimateMode::Manual,
            fan_speed: FanSpeed::Medium,
            ..s
        };
        assert_eq!(th.decide(3, Some(214), &manual).fan, FanSpeed::Medium);
        let off = Settings {
            climate_mode: ClimateMode::Off,
            ..s
        };
        let out = th.decide(100_000, Some(150), &off);
        assert!(!out.heater_on);
        assert_eq!(out.fan, FanSpeed::Off);
    }

    #[test]
    fn a_sensor_fault_turns_heating_off_at_once() {
        let mut th = Thermostat::new(ThermostatConfig::default());
        let s = auto(210);
        assert!(th.decide(0, Some(180), &s).heater_on);
        assert!(!th.decide(1_000, None, &s).heater_on);
    }

    #[test]
    fn monitor_reports_read_failures_after_the_limit_and_recovers() {
        let mut m = SensorMonitor::new();
        assert!(m.observe(0, reading(200)).is_some());
        assert_eq!(m.observe(2_000, None), None);
        assert_eq!(m.observe(4_000, None), None);
        assert_eq!(m.fault(), None);
        assert_eq!(m.observe(6_000, None), None);
        assert_eq!(m.fault(), Some(SensorFault::ReadFailures));
        for i in 0..4 {
            assert_eq!(m.observe(8_000 + i * 2_000, reading(201 + i as i16)), None);
        }
        assert_eq!(m.observe(20_000, reading(205)), reading(205));
        assert_eq!(m.fault(), None);
    }

    #[test]
    fn monitor_rejects_impossible_values_and_jumps() {
        let mut m = SensorMonitor::new();
        assert_eq!(m.observe(0, reading(900)), None);
        assert_eq!(m.fault(), Some(SensorFault::Impossible));

        let mut m = SensorMonitor::new();
        m.observe(0, reading(200));
        assert_eq!(m.observe(2_000, reading(260)), None, "6 °C in 2 s");
        assert_eq!(m.fault(), Some(SensorFault::Impossible));

        let mut m = SensorMonitor::new();
        m.observe(0, reading(200));
        let humid = ClimateReading {
            temperature_dc: 200,
            humidity_dpct: 1001,
        };
        assert_eq!(m.observe(2_000, Some(humid)), None);
    }

    #[test]
    fn monitor_finds_a_stuck_sensor_and_clears_when_it_moves() {
        let mut m = SensorMonitor::new();
        let mut now = 0;
        while now < STUCK_AFTER_MS {
            assert!(m.observe(now, reading(215)).is_some(), "at {now}");
            now += 2_000;
        }
        assert_eq!(m.observe(now, reading(215)), None);
        assert_eq!(m.fault(), Some(SensorFault::Stuck));
        assert_eq!(m.observe(now + 2_000, reading(216)), reading(216));
    }

    proptest! {
        /// Whatever the noise, the relay never switches sooner than its
        /// minimum on or off time, except to turn off for safety.
        #[test]
        fn no_relay_chatter_under_noisy_readings(
            base in 150i16..300,
            noise in proptest::collection::vec(-8i16..=8, 1..600),
            target in 20i16..=64,
        ) {
            let config = ThermostatConfig::default();
            let mut th = Thermostat::new(config);
            let s = auto(target * 5);
            let (mut was_on, mut last_switch) = (false, None::<u64>);
            for (i, n) in noise.iter().enumerate() {
                let now = i as u64 * 2_000;
                let on = th.decide(now, Some(base + n), &s).heater_on;
                if on != was_on {
                    if let Some(at) = last_switch {
                        let hold = if was_on { config.min_on_ms } else { config.min_off_ms };
                        prop_assert!(now - at >= hold, "switched after {} ms", now - at);
                    }
                    (was_on, last_switch) = (on, Some(now));
                }
            }
        }

        /// At or above the cut-off the heater is off, in every mode and
        /// after any history.
        #[test]
        fn cutoff_always_wins(
            history in proptest::collection::vec((0i16..=400, 0u8..3), 0..100),
            hot in 350i16..=800,
        ) {
            let mut th = Thermostat::new(ThermostatConfig::default());
            let modes = [ClimateMode::Auto, ClimateMode::Manual, ClimateMode::Off];
            let mut now = 0;
            for (t, m) in history {
                let s = Settings { target_dc: 320, climate_mode: modes[usize::from(m)], ..Settings::default() };
                th.decide(now, Some(t), &s);
                now += 1_000;
            }
            for m in modes {
                let s = Settings { target_dc: 320, climate_mode: m, ..Settings::default() };
                let out = th.decide(now, Some(hot), &s);
                prop_assert!(!out.heater_on && out.cutoff);
            }
        }
    }
}
