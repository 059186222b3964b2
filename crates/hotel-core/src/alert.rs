//! Alerts: their kinds and levels, and the thresholds the rules compare
//! readings with.
//!
//! Only the vocabulary and the settings live here; the rules that turn
//! readings into alerts run in the server (`hotel-server`'s `alert` module).

use core::fmt;

use serde::{Deserialize, Serialize};

/// How serious an alert is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// Worth knowing; nobody needs to act.
    Info,
    /// Someone should look soon.
    Warning,
    /// Someone must act now.
    Critical,
}

impl AlertLevel {
    /// Every level, lowest first.
    pub const ALL: [AlertLevel; 3] = [AlertLevel::Info, AlertLevel::Warning, AlertLevel::Critical];

    /// The level's name in the API, the store and MQTT.
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Info => "info",
            AlertLevel::Warning => "warning",
            AlertLevel::Critical => "critical",
        }
    }

    /// Parses a level name.
    pub fn parse(name: &str) -> Option<AlertLevel> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }
}

impl fmt::Display for AlertLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The condition an alert is about; a room has at most one open alert per
/// kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Gas level above the warning or critical threshold.
    Gas,
    /// Temperature outside its band.
    Temperature,
    /// Humidity outside its band.
    Humidity,
    /// No message from the device for too long, or its last will said
    /// offline.
    Offline,
    /// A sensor value stuck at one value, or at a value no working sensor
    /// reports.
    SensorFault,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: [AlertKind; 5] = [
        AlertKind::Gas,
        AlertKind::Temperature,
        AlertKind::Humidity,
        AlertKind::Offline,
        AlertKind::SensorFault,
    ];

    /// The kind's name in the API, the store and the MQTT topic
    /// `hotel/alerts/<kind>`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertKind::Gas => "gas",
            AlertKind::Temperature => "temperature",
            AlertKind::Humidity => "humidity",
            AlertKind::Offline => "offline",
            AlertKind::SensorFault => "sensor_fault",
        }
    }

    /// Parses a kind name.
    pub fn parse(name: &str) -> Option<AlertKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The limits the alert rules use, for the whole hotel or, after
/// [`ThresholdOverrides`] are applied, for one room.
///
/// The defaults suit the existing devices: an MQ-5 gas sensor read raw by a
/// 12-bit ADC (0–4095), a DHT-class temperature and humidity sensor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Gas level (raw) from which a warning is raised. Default 1500.
    pub gas_warning: f64,
    /// Gas level (raw) from which the alert is critical. Default 2500.
    pub gas_critical: f64,
    /// How far below a gas threshold the value must fall before the level
    /// drops, so a value hovering at the line does not flap. Default 100.
    pub gas_hysteresis: f64,
    /// Below this temperature a warning is raised, °C. Default 16.
    pub temperature_min_c: f64,
    /// Above this temperature a warning is raised, °C. Default 30.
    pub temperature_max_c: f64,
    /// Hysteresis of the temperature band, °C. Default 0.5.
    pub temperature_hysteresis_c: f64,
    /// Below this relative humidity a warning is raised, %. Default 20.
    pub humidity_min_pct: f64,
    /// Above this relative humidity a warning is raised, %. Default 70.
    pub humidity_max_pct: f64,
    /// Hysteresis of the humidity band, %. Default 2.
    pub humidity_hysteresis_pct: f64,
    /// A device silent this long is offline, seconds. Default 300.
    pub offline_after_s: u64,
    /// A temperature or humidity value unchanged for this long, over at
    /// least [`STUCK_MIN_READINGS`] readings, is a sensor fault, seconds.
    /// Default 21600 (6 h).
    pub stuck_after_s: u64,
}

/// The fewest identical readings before a value counts as stuck.
pub const STUCK_MIN_READINGS: u32 = 10;

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            gas_warning: 1500.0,
            gas_critical: 2500.0,
            gas_hysteresis: 100.0,
            temperature_min_c: 16.0,
            temperature_max_c: 30.0,
            temperature_hysteresis_c: 0.5,
            humidity_min_pct: 20.0,
            humidity_max_pct: 70.0,
            humidity_hysteresis_pct: 2.0,
            offline_after_s: 300,
            stuck_after_s: 21_600,
        }
    }
}

/// Why a set of thresholds is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThresholdError {
    /// A number is NaN, infinite or negative where it cannot be.
    #[error("every threshold must be a finite number, hysteresis and times not negative")]
    NotFinite,
    /// A gas level (warning or critical) is zero or below, `-0` included:
    /// the MQ-5 reading is never negative, so such a level always alarms.
    #[error("gas_warning and gas_critical must be above 0")]
    GasNotPositive,
    /// The warning level is not below the critical one.
    #[error("gas_warning must be below gas_critical")]
    GasOrder,
    /// A band's minimum is not below its maximum.
    #[error("each band's minimum must be below its maximum")]
    BandOrder,
    /// A time is zero.
    #[error("offline_after_s and stuck_after_s must be at least 1")]
    ZeroTime,
}

impl Thresholds {
    /// Checks that the limits make sense together.
    ///
    /// # Errors
    ///
    /// [`ThresholdError`] naming the first problem.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        let all = [
            self.gas_warning,
            self.gas_critical,
            self.gas_hysteresis,
            self.temperature_min_c,
            self.temperature_max_c,
            self.temperature_hysteresis_c,
            self.humidity_min_pct,
            self.humidity_max_pct,
            self.humidity_hysteresis_pct,
        ];
        let hysteresis = [
            self.gas_hysteresis,
            self.temperature_hysteresis_c,
            self.humidity_hysteresis_pct,
        ];
        if all.iter().any(|v| !v.is_finite()) || hysteresis.iter().any(|h| *h < 0.0) {
            return Err(ThresholdError::NotFinite);
        }
        // `<=` also catches -0.0, which compares equal to 0.0.
        if self.gas_warning <= 0.0 || self.gas_critical <= 0.0 {
            return Err(ThresholdError::GasNotPositive);
        }
        if self.gas_warning >= self.gas_critical {
            return Err(ThresholdError::GasOrder);
        }
        if self.temperature_min_c >= self.temperature_max_c
            || self.humidity_min_pct >= self.humidity_max_pct
        {
            return Err(ThresholdError::BandOrder);
        }
        if self.offline_after_s == 0 || self.stuck_after_s == 0 {
            return Err(ThresholdError::ZeroTime);
        }
        Ok(())
    }

    /// These thresholds with every field `overrides` sets replaced.
    pub fn with(mut self, overrides: &ThresholdOverrides) -> Self {
        macro_rules! take {
            ($($field:ident),+) => {
                $(if let Some(v) = overrides.$field { self.$field = v; })+
            };
        }
        take!(
            gas_warning,
            gas_critical,
            gas_hysteresis,
            temperature_min_c,
            temperature_max_c,
            temperature_hysteresis_c,
            humidity_min_pct,
            humidity_max_pct,
            humidity_hysteresis_pct,
            offline_after_s,
            stuck_after_s
        );
        self
    }
}

/// Some thresholds changed from what applies above (the hotel's over the
/// defaults, a room's over the hotel's); `None` keeps the value above.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ThresholdOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_warning: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_critical: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_hysteresis: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature_min_c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature_max_c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature_hysteresis_c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub humidity_min_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub humidity_max_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub humidity_hysteresis_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_after_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stuck_after_s: Option<u64>,
}

impl ThresholdOverrides {
    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == ThresholdOverrides::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_mq5_devices() {
        let t = Thresholds::default();
        assert_eq!(t.validate(), Ok(()));
        assert_eq!((t.gas_warning, t.gas_critical), (1500.0, 2500.0));
    }

    #[test]
    fn overrides_replace_only_what_they_set() {
        let room = ThresholdOverrides {
            gas_warning: Some(1200.0),
            ..ThresholdOverrides::default()
        };
        let t = Thresholds::default().with(&room);
        assert_eq!(t.gas_warning, 1200.0);
        assert_eq!(t.gas_critical, 2500.0);
        assert!(ThresholdOverrides::default().is_empty());
        assert!(!room.is_empty());
    }

    #[test]
    fn refuses_thresholds_that_contradict_each_other() {
        let bad = |f: fn(&mut Thresholds)| {
            let mut t = Thresholds::default();
            f(&mut t);
            t.validate()
        };
        assert_eq!(
            bad(|t| t.gas_warning = 3000.0),
            Err(ThresholdError::GasOrder)
        );
        assert_eq!(
            bad(|t| t.temperature_min_c = 40.0),
            Err(ThresholdError::BandOrder)
        );
        for level in [-1.0, -0.0, 0.0] {
            let warning = Thresholds {
                gas_warning: level,
                ..Thresholds::default()
            };
            assert_eq!(
                warning.validate(),
                Err(ThresholdError::GasNotPositive),
                "warning {level}"
            );
            let both = Thresholds {
                gas_critical: level,
                ..warning
            };
            assert_eq!(
                both.validate(),
                Err(ThresholdError::GasNotPositive),
                "both {level}"
            );
        }
        assert_eq!(
            bad(|t| t.gas_hysteresis = -1.0),
            Err(ThresholdError::NotFinite)
        );
        assert_eq!(
            bad(|t| t.humidity_max_pct = f64::NAN),
            Err(ThresholdError::NotFinite)
        );
        assert_eq!(
            bad(|t| t.offline_after_s = 0),
            Err(ThresholdError::ZeroTime)
        );
    }

    #[test]
    fn names_round_trip() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
        }
        for l in AlertLevel::ALL {
            assert_eq!(AlertLevel::parse(l.as_str()), Some(l));
        }
        assert!(AlertLevel::Critical > AlertLevel::Warning);
    }
}
