//! The alert rules as pure functions of readings, previous state and time:
//! gas thresholds with hysteresis, temperature and humidity bands, device
//! offline, sensor fault (stuck or impossible values).
//!
//! Nothing here does I/O or reads a clock; the [`engine`](super::engine)
//! feeds readings and the time in, and turns verdicts into stored alerts.

use hotel_core::alert::STUCK_MIN_READINGS;
use hotel_core::{AlertKind, AlertLevel, Metric, Thresholds};

/// Temperatures that a DHT/DS18B20-class sensor reports only when broken
/// (the ends of its range), °C.
const IMPOSSIBLE_TEMPERATURES_C: [f64; 2] = [-40.0, 85.0];

/// What a rule concluded about one condition of one room: the level it
/// should have now (`None`: cleared), with a line for staff.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The condition.
    pub kind: AlertKind,
    /// The level the alert should have; `None` when the condition is clear.
    pub level: Option<AlertLevel>,
    /// Condition and value, for staff.
    pub message: String,
    /// The value behind it.
    pub value: Option<f64>,
}

/// The gas level with hysteresis: a level is entered at its threshold and
/// left only once the value falls `gas_hysteresis` below it.
pub fn gas_level(previous: Option<AlertLevel>, value: f64, t: &Thresholds) -> Option<AlertLevel> {
    let entered = if value >= t.gas_critical {
        Some(AlertLevel::Critical)
    } else if value >= t.gas_warning {
        Some(AlertLevel::Warning)
    } else {
        None
    };
    let held = match previous {
        Some(AlertLevel::Critical) if value >= t.gas_critical - t.gas_hysteresis => {
            Some(AlertLevel::Critical)
        }
        Some(AlertLevel::Critical | AlertLevel::Warning)
            if value >= t.gas_warning - t.gas_hysteresis =>
        {
            Some(AlertLevel::Warning)
        }
        _ => None,
    };
    entered.max(held)
}

/// Whether a value is outside the band `[min, max]`, with hysteresis: once
/// outside, it is back only when `hysteresis` inside the band.
pub fn outside_band(was_outside: bool, value: f64, min: f64, max: f64, hysteresis: f64) -> bool {
    if was_outside {
        value < min + hysteresis || value > max - hysteresis
    } else {
        value < min || value > max
    }
}

/// Counts how long one sensor has repeated the same value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StuckTracker {
    value: Option<f64>,
    since_ms: i64,
    count: u32,
}

impl StuckTracker {
    /// Feeds a reading taken at `ts_ms`; true when the value has not changed
    /// for `stuck_after_s` over at least [`STUCK_MIN_READINGS`] readings.
    pub fn observe(&mut self, value: f64, ts_ms: i64, stuck_after_s: u64) -> bool {
        if self.value == Some(value) {
            self.count = self.count.saturating_add(1);
        } else {
            *self = StuckTracker {
                value: Some(value),
                since_ms: ts_ms,
                count: 1,
            };
        }
        let held_ms = ts_ms.saturating_sub(self.since_ms);
        let limit_ms = i64::try_from(stuck_after_s.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.count >= STUCK_MIN_READINGS && held_ms >= limit_ms
    }
}

/// What the offline rule knows of a device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    /// Last message of any kind, Unix ms; `None`: never heard.
    pub last_heard_ms: Option<i64>,
    /// The last message was an `offline` last will.
    pub said_offline: bool,
}

impl Presence {
    /// Any message but an `offline` status word.
    pub fn heard(&mut self, at_ms: i64) {
        self.last_heard_ms = Some(self.last_heard_ms.map_or(at_ms, |t| t.max(at_ms)));
        self.said_offline = false;
    }

    /// The device's `status/online` word.
    pub fn online_word(&mut self, online: bool, at_ms: i64) {
        self.heard(at_ms);
        self.said_offline = !online;
    }
}

/// The offline rule at `now_ms`. A device never heard from raises nothing.
pub fn offline(presence: &Presence, now_ms: i64, t: &Thresholds) -> Verdict {
    let limit_ms = i64::try_from(t.offline_after_s.saturating_mul(1000)).unwrap_or(i64::MAX);
    let (level, message) = match presence.last_heard_ms {
        None => (None, "Device never heard from".to_owned()),
        Some(_) if presence.said_offline => (
            Some(AlertLevel::Warning),
            "Device offline (its last will)".to_owned(),
        ),
        Some(at) if now_ms.saturating_sub(at) > limit_ms => (
            Some(AlertLevel::Warning),
            format!(
                "Device silent for {} (offline after {})",
                duration_words(now_ms.saturating_sub(at) / 1000),
                duration_words(i64::try_from(t.offline_after_s).unwrap_or(i64::MAX)),
            ),
        ),
        Some(_) => (None, "Device back online".to_owned()),
    };
    Verdict {
        kind: AlertKind::Offline,
        level,
        message,
        value: None,
    }
}

/// How much older than the newest value of its metric a value may be and
/// still count, ms: whole-second JSON timestamps and millisecond arrival
/// times of plain topics mix within a second.
pub const LATE_AFTER_MS: i64 = 2_000;

/// Every rule's memory for one room.
#[derive(Debug, Clone, Default)]
pub struct RoomRules {
    /// Gas level last concluded.
    pub gas: Option<AlertLevel>,
    /// Temperature outside its band.
    pub temperature_out: bool,
    /// Humidity outside its band.
    pub humidity_out: bool,
    /// Sensor fault last concluded.
    pub fault: bool,
    /// Repetition of temperature values.
    pub temperature_stuck: StuckTracker,
    /// Repetition of humidity values.
    pub humidity_stuck: StuckTracker,
    /// What the offline rule knows.
    pub presence: Presence,
    /// Timestamp of the newest value evaluated, per metric (by
    /// [`Metric::index`]): one more than [`LATE_AFTER_MS`] older, such as a
    /// reading a device replays after a reconnect, is stored but changes no
    /// alert.
    pub newest_ms: [Option<i64>; Metric::ALL.len()],
}

impl RoomRules {
    /// Evaluates the reading rules on one message's values (by
    /// [`Metric::index`]) taken at `ts_ms`; returns a verdict for each
    /// condition the message says something about. A value well older than
    /// one already evaluated for its metric says nothing.
    pub fn readings(
        &mut self,
        values: &[Option<f64>; Metric::ALL.len()],
        ts_ms: i64,
        t: &Thresholds,
    ) -> Vec<Verdict> {
        let mut out = Vec::new();
        let mut current = *values;
        for (value, newest) in current.iter_mut().zip(self.newest_ms.iter_mut()) {
            if value.is_none() {
                continue;
            }
            if newest.is_some_and(|n| ts_ms < n.saturating_sub(LATE_AFTER_MS)) {
                *value = None;
            } else {
                *newest = Some(newest.map_or(ts_ms, |n| n.max(ts_ms)));
            }
        }
        let value = |m: Metric| current[m.index()];

        if let Some(gas) = value(Metric::GasLevel) {
            self.gas = gas_level(self.gas, gas, t);
            let message = match self.gas {
                Some(AlertLevel::Critical) => {
                    format!("Gas level {gas:.0} (critical from {:.0})", t.gas_critical)
                }
                Some(_) => format!("Gas level {gas:.0} (warning from {:.0})", t.gas_warning),
                None => format!("Gas level back to normal ({gas:.0})"),
            };
            out.push(Verdict {
                kind: AlertKind::Gas,
                level: self.gas,
                message,
                value: Some(gas),
            });
        }

        let mut faults = Vec::new();
        if let Some(c) = value(Metric::Temperature) {
            self.temperature_out = outside_band(
                self.temperature_out,
                c,
                t.temperature_min_c,
                t.temperature_max_c,
                t.temperature_hysteresis_c,
            );
            out.push(band_verdict(
                AlertKind::Temperature,
                self.temperature_out,
                c,
                (t.temperature_min_c, t.temperature_max_c),
                "Temperature",
                "°C",
            ));
            if IMPOSSIBLE_TEMPERATURES_C.contains(&c) {
                faults.push(format!(
                    "Temperature sensor reports {c:.1} °C, a value it gives only when broken"
                ));
            }
            if self.temperature_stuck.observe(c, ts_ms, t.stuck_after_s) {
                faults.push(format!(
                    "Temperature sensor stuck at {c:.1} °C for over {}",
                    duration_words(i64::try_from(t.stuck_after_s).unwrap_or(i64::MAX))
                ));
            }
        }
        if let Some(pct) = value(Metric::Humidity) {
            self.humidity_out = outside_band(
                self.humidity_out,
                pct,
                t.humidity_min_pct,
                t.humidity_max_pct,
                t.humidity_hysteresis_pct,
            );
            out.push(band_verdict(
                AlertKind::Humidity,
                self.humidity_out,
                pct,
                (t.humidity_min_pct, t.humidity_max_pct),
                "Humidity",
                "%",
            ));
            if self.humidity_stuck.observe(pct, ts_ms, t.stuck_after_s) {
                faults.push(format!(
                    "Humidity sensor stuck at {pct:.1} % for over {}",
                    duration_words(i64::try_from(t.stuck_after_s).unwrap_or(i64::MAX))
                ));
            }
        }
        if value(Metric::Temperature).is_some() || value(Metric::Humidity).is_some() {
            self.fault = !faults.is_empty();
            out.push(Verdict {
                kind: AlertKind::SensorFault,
                level: self.fault.then_some(AlertLevel::Warning),
                message: if faults.is_empty() {
                    "Sensors report plausible values again".to_owned()
                } else {
                    faults.join("; ")
                },
                value: None,
            });
        }
        out
    }
}

fn band_verdict(
    kind: AlertKind,
    outside: bool,
    value: f64,
    (min, max): (f64, f64),
    name: &str,
    unit: &str,
) -> Verdict {
    let message = if !outside {
        format!("{name} back in range ({value:.1} {unit})")
    } else if value < min + (max - min) / 2.0 {
        format!("{name} {value:.1} {unit} below {min:.1} {unit}")
    } else {
        format!("{name} {value:.1} {unit} above {max:.1} {unit}")
    };
    Verdict {
        kind,
        level: outside.then_some(AlertLevel::Warning),
        message,
        value: Some(value),
    }
}

/// `90` → `1 min 30 s`, `7200` → `2 h`.
fn duration_words(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let parts: Vec<String> = [(h, "h"), (m, "min"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if parts.is_empty() {
        "0 s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Option<AlertLevel> = Some(AlertLevel::Warning);
    const C: Option<AlertLevel> = Some(AlertLevel::Critical);

    /// Feeds a recorded sequence of gas readings; the level after each.
    fn gas_run(values: &[f64]) -> Vec<Option<AlertLevel>> {
        let t = Thresholds::default();
        let mut level = None;
        values
            .iter()
            .map(|v| {
                level = gas_level(level, *v, &t);
                level
            })
            .collect()
    }

    fn values_with(metric: Metric, value: f64) -> [Option<f64>; Metric::ALL.len()] {
        let mut values = [None; Metric::ALL.len()];
        values[metric.index()] = Some(value);
        values
    }

    #[test]
    fn gas_hovering_at_the_warning_line_does_not_flap() {
        // Recorded around the 1500 line: once raised, dips of less than the
        // hysteresis (100) keep the warning.
        let levels = gas_run(&[
            1200.0, 1499.0, 1500.0, 1480.0, 1510.0, 1420.0, 1495.0, 1401.0,
        ]);
        assert_eq!(levels, [None, None, W, W, W, W, W, W]);
    }

    #[test]
    fn gas_recovers_only_below_the_hysteresis() {
        let levels = gas_run(&[1600.0, 1450.0, 1399.0, 1450.0, 1500.0]);
        assert_eq!(levels, [W, W, None, None, W]);
    }

    #[test]
    fn gas_spike_goes_critical_and_steps_down_through_warning() {
        let levels = gas_run(&[120.0, 2710.0, 2450.0, 2399.0, 2450.0, 1300.0]);
        assert_eq!(levels, [None, C, C, W, W, None]);
        // A spike straight from normal to critical and back to zero clears.
        assert_eq!(gas_run(&[4095.0, 0.0]), [C, None]);
    }

    #[test]
    fn bands_have_hysteresis_on_both_sides() {
        let mut out = false;
        let mut run = |v: f64| {
            out = outside_band(out, v, 16.0, 30.0, 0.5);
            out
        };
        let seq: Vec<bool> = [22.0, 30.1, 29.8, 29.4, 15.9, 16.3, 16.6]
            .into_iter()
            .map(&mut run)
            .collect();
        assert_eq!(seq, [false, true, true, false, true, true, false]);
    }

    #[test]
    fn a_late_reading_changes_no_alert() {
        let t = Thresholds::default();
        let mut rules = RoomRules::default();
        let gas = |rules: &mut RoomRules, level: f64, ts: i64| {
            rules
                .readings(&values_with(Metric::GasLevel, level), ts, &t)
                .into_iter()
                .map(|v| v.level)
                .collect::<Vec<_>>()
        };
        assert_eq!(gas(&mut rules, 2710.0, 60_000), [C]);
        // Replayed after a reconnect: taken before the critical one.
        assert!(gas(&mut rules, 120.0, 30_000).is_empty());
        assert_eq!(rules.gas, C, "still critical");
        // Other metrics keep their own order.
        let v = rules.readings(&values_with(Metric::Temperature, 31.5), 10_000, &t);
        assert!(
            v.iter()
                .any(|v| v.kind == AlertKind::Temperature && v.level == W)
        );
        // A newer reading (or one at the same time) is evaluated.
        assert_eq!(gas(&mut rules, 120.0, 60_000), [None]);
    }

    #[test]
    fn temperature_and_humidity_verdicts_name_the_side_and_value() {
        let t = Thresholds::default();
        let mut rules = RoomRules::default();
        let v = rules.readings(&values_with(Metric::Temperature, 31.5), 0, &t);
        let temp = v.iter().find(|v| v.kind == AlertKind::Temperature).unwrap();
        assert_eq!(temp.level, W);
        assert_eq!(temp.message, "Temperature 31.5 °C above 30.0 °C");
        let v = rules.readings(&values_with(Metric::Humidity, 12.0), 0, &t);
        let hum = v.iter().find(|v| v.kind == AlertKind::Humidity).unwrap();
        assert_eq!(hum.message, "Humidity 12.0 % below 20.0 %");
        // A message without gas says nothing about gas.
        assert!(v.iter().all(|v| v.kind != AlertKind::Gas));
    }

    #[test]
    fn stuck_sensor_is_a_fault_only_after_enough_time_and_readings() {
        let t = Thresholds {
            stuck_after_s: 600,
            ..Thresholds::default()
        };
        let mut rules = RoomRules::default();
        let fault_after = |rules: &mut RoomRules, value: f64, ts_ms: i64| {
            rules
                .readings(&values_with(Metric::Temperature, value), ts_ms, &t)
                .into_iter()
                .find(|v| v.kind == AlertKind::SensorFault)
                .unwrap()
                .level
        };
        // Nine identical readings over 20 minutes: not enough readings.
        for i in 0..9 {
            assert_eq!(fault_after(&mut rules, 22.0, i * 150_000), None);
        }
        // The tenth, 22.5 minutes after the first: stuck.
        assert_eq!(fault_after(&mut rules, 22.0, 9 * 150_000), W);
        // Any change clears it and restarts the count.
        assert_eq!(fault_after(&mut rules, 22.1, 10 * 150_000), None);
        // Many identical readings within a short time are not stuck.
        for i in 0..20 {
            assert_eq!(fault_after(&mut rules, 23.0, 2_000_000 + i * 1_000), None);
        }
    }

    #[test]
    fn impossible_temperature_is_a_fault() {
        let t = Thresholds::default();
        let mut rules = RoomRules::default();
        let v = rules.readings(&values_with(Metric::Temperature, -40.0), 0, &t);
        let fault = v.iter().find(|v| v.kind == AlertKind::SensorFault).unwrap();
        assert_eq!(fault.level, W);
        assert!(fault.message.contains("-40.0 °C"), "{}", fault.message);
        let v = rules.readings(&values_with(Metric::Temperature, 21.0), 1, &t);
        let fault = v.iter().find(|v| v.kind == AlertKind::SensorFault).unwrap();
        assert_eq!(fault.level, None);
    }

    #[test]
    fn offline_after_silence_without_last_will() {
        let t = Thresholds {
            offline_after_s: 60,
            ..Thresholds::default()
        };
        let mut p = Presence::default();
        assert_eq!(
            offline(&p, 1_000_000, &t).level,
            None,
            "never heard: nothing"
        );
        p.heard(1_000_000);
        assert_eq!(
            offline(&p, 1_060_000, &t).level,
            None,
            "exactly at the limit"
        );
        let v = offline(&p, 1_090_000, &t);
        assert_eq!(v.level, W);
        assert_eq!(
            v.message,
            "Device silent for 1 min 30 s (offline after 1 min)"
        );
        p.heard(1_095_000);
        assert_eq!(offline(&p, 1_096_000, &t).level, None, "heard again: clear");
    }

    #[test]
    fn offline_at_once_with_last_will_until_heard_again() {
        let t = Thresholds::default();
        let mut p = Presence::default();
        p.heard(1_000);
        p.online_word(false, 2_000);
        let v = offline(&p, 2_001, &t);
        assert_eq!(v.level, W);
        assert_eq!(v.message, "Device offline (its last will)");
        p.online_word(true, 3_000);
        assert_eq!(offline(&p, 3_001, &t).level, None);
        p.online_word(false, 4_000);
        p.heard(5_000);
        assert_eq!(
            offline(&p, 5_001, &t).level,
            None,
            "a message after the will"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(0), "0 s");
        assert_eq!(duration_words(90), "1 min 30 s");
        assert_eq!(duration_words(21_600), "6 h");
        assert_eq!(duration_words(-5), "0 s");
    }
}
