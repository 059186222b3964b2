//! Writing JSON telemetry the way room devices do, without allocation.
//!
//! The simulator, the load generator and the firmware publish with this, so
//! the decoder is tested against the exact bytes devices send.

use core::fmt::{self, Write};

use crate::protocol::Telemetry;
use crate::reading::Metric;
use crate::room::RoomId;

/// How a device writes its timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Unix seconds, as the existing devices send.
    Seconds,
    /// Unix milliseconds (for latency measurements).
    Millis,
}

/// Writes `t` as a `hotel/<room>/telemetry/json` payload.
///
/// Only the values and settings present in `t` are written; `t.problems` is
/// not part of the wire format. The output is always valid JSON:
///
/// - a NaN or infinite value (which no decoder accepts) is left out;
/// - `heating` comes from `t.state.heating`, or else from the `Heating`
///   reading (non-zero is on), since JSON carries it only in `state`;
/// - `room_mode` carries one word, so when `t.state` holds both an occupancy
///   and a light mode, only the occupancy is written.
///
/// # Errors
///
/// Whatever `out` returns when it runs out of room.
pub fn write_telemetry<W: Write>(
    out: &mut W,
    room: RoomId,
    t: &Telemetry,
    unit: TimestampUnit,
) -> fmt::Result {
    let ts = match unit {
        TimestampUnit::Seconds => t.ts_ms.div_euclid(1000),
        TimestampUnit::Millis => t.ts_ms,
    };
    write!(out, r#"{{"room":"{room}","timestamp":{ts},"sensors":{{"#)?;
    let mut first = true;
    for metric in Metric::ALL {
        if metric == Metric::Heating {
            continue;
        }
        if let Some(v) = t.values[metric.index()].filter(|v| v.is_finite()) {
            separator(out, &mut first)?;
            write!(out, r#""{metric}":{v}"#)?;
        }
    }
    out.write_str(r#"},"state":{"#)?;
    let mut first = true;
    let s = &t.state;
    if let Some(m) = s.climate_mode {
        separator(out, &mut first)?;
        write!(out, r#""thermostat_mode":"{m}""#)?;
    }
    if let Some(f) = s.fan_speed {
        separator(out, &mut first)?;
        write!(out, r#""fan_speed":"{f}""#)?;
    }
    let heating = s.heating.or_else(|| {
        t.values[Metric::Heating.index()]
            .filter(|v| v.is_finite())
            .map(|v| v != 0.0)
    });
    if let Some(h) = heating {
        separator(out, &mut first)?;
        write!(out, r#""heating":{h}"#)?;
    }
    if let Some(o) = s.occupancy {
        separator(out, &mut first)?;
        write!(out, r#""room_mode":"{o}""#)?;
    } else if let Some(l) = s.light_mode {
        separator(out, &mut first)?;
        write!(out, r#""room_mode":"{l}""#)?;
    }
    for (name, led) in [("led1", s.led1), ("led2", s.led2)] {
        if let Some(on) = led {
            separator(out, &mut first)?;
            write!(out, r#""{name}":{on}"#)?;
        }
    }
    out.write_str("}}")
}

fn separator<W: Write>(out: &mut W, first: &mut bool) -> fmt::Result {
    if !core::mem::take(first) {
        out.write_char(',')?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ClimateMode, FanSpeed, LightMode, Occupancy};

    fn write(t: &Telemetry, unit: TimestampUnit) -> String {
        let mut out = String::new();
        write_telemetry(&mut out, RoomId::parse("101").unwrap(), t, unit).unwrap();
        out
    }

    #[test]
    fn writes_the_device_layout() {
        let mut t = Telemetry::at(1_733_300_000_750);
        t.values[Metric::Temperature.index()] = Some(22.5);
        t.values[Metric::GasLevel.index()] = Some(120.0);
        t.values[Metric::Heating.index()] = Some(1.0);
        t.state.climate_mode = Some(ClimateMode::Auto);
        t.state.fan_speed = Some(FanSpeed::Low);
        t.state.heating = Some(true);
        t.state.led2 = Some(false);
        assert_eq!(
            write(&t, TimestampUnit::Seconds),
            r#"{"room":"101","timestamp":1733300000,"sensors":{"temperature":22.5,"gas_level":120},"state":{"thermostat_mode":"auto","fan_speed":"low","heating":true,"led2":false}}"#
        );
        assert!(write(&t, TimestampUnit::Millis).contains(r#""timestamp":1733300000750,"#));
    }

    #[test]
    fn leaves_out_values_that_are_not_finite() {
        let mut t = Telemetry::at(1_733_300_000_000);
        t.values[Metric::Temperature.index()] = Some(f64::NAN);
        t.values[Metric::Humidity.index()] = Some(f64::INFINITY);
        t.values[Metric::LightPercent.index()] = Some(f64::NEG_INFINITY);
        t.values[Metric::Heating.index()] = Some(f64::NAN);
        assert_eq!(
            write(&t, TimestampUnit::Seconds),
            r#"{"room":"101","timestamp":1733300000,"sensors":{},"state":{}}"#
        );
    }

    #[test]
    fn writes_heating_from_the_reading_when_state_lacks_it() {
        let mut t = Telemetry::at(1_733_300_000_000);
        t.values[Metric::Heating.index()] = Some(0.0);
        assert!(write(&t, TimestampUnit::Seconds).ends_with(r#""state":{"heating":false}}"#));
        t.values[Metric::Heating.index()] = Some(1.0);
        assert!(write(&t, TimestampUnit::Seconds).ends_with(r#""state":{"heating":true}}"#));
    }

    #[test]
    fn writes_one_room_mode_preferring_occupancy() {
        let mut t = Telemetry::at(1_733_300_000_000);
        t.state.light_mode = Some(LightMode::Manual);
        assert!(write(&t, TimestampUnit::Seconds).contains(r#""room_mode":"manual""#));
        t.state.occupancy = Some(Occupancy::CheckedOut);
        let out = write(&t, TimestampUnit::Seconds);
        assert!(out.contains(r#""room_mode":"checked_out""#));
        assert_eq!(out.matches("room_mode").count(), 1);
    }
}
