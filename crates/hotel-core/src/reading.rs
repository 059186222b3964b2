//! Sensor readings: what a room device measures, and the physical limits of
//! each measurement.
//!
//! A *reading* is one metric's value at one time. Device settings that are
//! words (climate mode, fan speed) are not readings; they live in
//! [`crate::state::DeviceState`].

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::room::RoomId;

/// Something a room device measures or reports as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Air temperature, °C (DHT22), −40…85.
    Temperature,
    /// Relative humidity, %, 0…100.
    Humidity,
    /// Light level from the LDR, %, 0…100.
    LightPercent,
    /// Raw gas sensor reading (MQ-5, 12-bit ADC on the existing devices), ≥ 0.
    GasLevel,
    /// The thermostat's target temperature as the device reports it, °C, 10…32.
    TargetTemp,
    /// Whether the heater runs: 1 for on, 0 for off.
    Heating,
}

/// Why a metric's value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueError {
    /// NaN or an infinity.
    NotFinite,
    /// Outside the physical range of the metric.
    OutOfRange,
}

/// One metric's value in one room at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The room the device reported for.
    pub room: RoomId,
    /// What was measured.
    pub metric: Metric,
    /// When it was measured, Unix milliseconds.
    pub ts_ms: i64,
    /// The value, in the metric's unit.
    pub value: f64,
}

impl Metric {
    /// Every metric, in storage-code order.
    pub const ALL: [Metric; 6] = [
        Metric::Temperature,
        Metric::Humidity,
        Metric::LightPercent,
        Metric::GasLevel,
        Metric::TargetTemp,
        Metric::Heating,
    ];

    /// The name used in the API and in the JSON telemetry (`sensors` object).
    pub const fn as_str(self) -> &'static str {
        match self {
            Metric::Temperature => "temperature",
            Metric::Humidity => "humidity",
            Metric::LightPercent => "light_percent",
            Metric::GasLevel => "gas_level",
            Metric::TargetTemp => "target_temp",
            Metric::Heating => "heating",
        }
    }

    /// A stable small integer for storage; never reuse a retired code.
    pub const fn code(self) -> u8 {
        match self {
            Metric::Temperature => 0,
            Metric::Humidity => 1,
            Metric::LightPercent => 2,
            Metric::GasLevel => 3,
            Metric::TargetTemp => 4,
            Metric::Heating => 5,
        }
    }

    /// The metric stored under `code`, if any.
    pub fn from_code(code: u8) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The index of this metric in [`Metric::ALL`].
    pub const fn index(self) -> usize {
        self.code() as usize
    }

    /// Checks `value` against the physical range of the metric.
    ///
    /// # Errors
    ///
    /// [`ValueError::NotFinite`] for NaN and infinities,
    /// [`ValueError::OutOfRange`] outside the metric's range.
    pub fn check(self, value: f64) -> Result<f64, ValueError> {
        if !value.is_finite() {
            return Err(ValueError::NotFinite);
        }
        let (low, high) = self.range();
        if value < low || value > high {
            return Err(ValueError::OutOfRange);
        }
        Ok(value)
    }

    /// The inclusive physical range of the metric.
    pub const fn range(self) -> (f64, f64) {
        match self {
            Metric::Temperature => (-40.0, 85.0),
            Metric::Humidity | Metric::LightPercent => (0.0, 100.0),
            Metric::GasLevel => (0.0, f64::MAX),
            Metric::TargetTemp => (10.0, 32.0),
            Metric::Heating => (0.0, 1.0),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a [`Metric`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown sensor; expected one of temperature, humidity, light_percent, gas_level, target_temp, heating"
)]
pub struct UnknownMetric;

impl FromStr for Metric {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or(UnknownMetric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_index() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(Metric::from_code(m.code()), Some(m));
            assert_eq!(m.index(), i);
            assert_eq!(m.as_str().parse::<Metric>(), Ok(m));
        }
        assert_eq!(Metric::from_code(200), None);
    }

    #[test]
    fn checks_physical_ranges() {
        assert_eq!(Metric::Temperature.check(22.5), Ok(22.5));
        assert_eq!(Metric::Temperature.check(-40.0), Ok(-40.0));
        assert_eq!(Metric::Temperature.check(85.1), Err(ValueError::OutOfRange));
        assert_eq!(Metric::Humidity.check(-0.1), Err(ValueError::OutOfRange));
        assert_eq!(Metric::Humidity.check(100.0), Ok(100.0));
        assert_eq!(Metric::GasLevel.check(-1.0), Err(ValueError::OutOfRange));
        assert_eq!(Metric::GasLevel.check(4095.0), Ok(4095.0));
        assert_eq!(Metric::TargetTemp.check(9.5), Err(ValueError::OutOfRange));
        assert_eq!(
            Metric::LightPercent.check(f64::NAN),
            Err(ValueError::NotFinite)
        );
        assert_eq!(
            Metric::GasLevel.check(f64::INFINITY),
            Err(ValueError::NotFinite)
        );
    }
}
