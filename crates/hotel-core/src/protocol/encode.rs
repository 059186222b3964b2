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
/// not part of the wire format.
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
        if let Some(v) = t.values[metric.index()] {
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
    if let Some(h) = s.heating {
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
