//! Legacy plain-value payloads: one bare number or word per topic.
//!
//! `hotel/<room>/telemetry/<name>` carries `temperature`, `humidity`,
//! `luminosity` / `ldr_percent` (both the light percentage), `gas`,
//! `heating`, `climate_mode` or `fan_speed`; `hotel/<room>/status/<name>`
//! carries `online`, `led1`, `led2`, `room_mode`, `dnd`, `make_up` or `error`.

use crate::protocol::{Body, DeviceErrorText, RejectReason, Telemetry};
use crate::reading::Metric;
use crate::state::{ClimateMode, FanSpeed, LightMode, Occupancy, parse_switch};

/// Decodes a legacy telemetry value; the message holds that one value, so a
/// bad value refuses the message.
pub(crate) fn decode_value(
    name: &str,
    text: &str,
    received_ms: i64,
) -> Result<Telemetry, RejectReason> {
    let mut t = Telemetry::at(received_ms);
    let metric = match name {
        "temperature" => Some(Metric::Temperature),
        "humidity" => Some(Metric::Humidity),
        "luminosity" | "ldr_percent" => Some(Metric::LightPercent),
        "gas" => Some(Metric::GasLevel),
        _ => None,
    };
    if let Some(metric) = metric {
        let value = parse_number(text)?;
        metric.check(value).map_err(|_| RejectReason::Range)?;
        t.values[metric.index()] = Some(value);
        return Ok(t);
    }

    match name {
        "heating" => {
            let on = parse_switch(text).ok_or(RejectReason::Range)?;
            t.state.heating = Some(on);
            t.values[Metric::Heating.index()] = Some(f64::from(u8::from(on)));
        }
        "climate_mode" => {
            t.state.climate_mode = Some(ClimateMode::parse_word(text).ok_or(RejectReason::Range)?);
        }
        "fan_speed" => {
            t.state.fan_speed = Some(FanSpeed::parse_word(text).ok_or(RejectReason::Range)?);
        }
        _ => return Err(RejectReason::UnknownTopic),
    }
    Ok(t)
}

/// Decodes a status topic.
pub(crate) fn decode_status(
    name: &str,
    text: &str,
    received_ms: i64,
) -> Result<Body, RejectReason> {
    let word = text.trim_ascii();
    let mut t = Telemetry::at(received_ms);
    match name {
        "online" => {
            let online = if word.eq_ignore_ascii_case("online") {
                true
            } else if word.eq_ignore_ascii_case("offline") {
                false
            } else {
                parse_switch(word).ok_or(RejectReason::Range)?
            };
            return Ok(Body::Online(online));
        }
        "error" => return Ok(Body::DeviceError(DeviceErrorText::new(text))),
        "led1" => t.state.led1 = Some(parse_switch(word).ok_or(RejectReason::Range)?),
        "led2" => t.state.led2 = Some(parse_switch(word).ok_or(RejectReason::Range)?),
        "room_mode" => set_room_mode(&mut t, word)?,
        "dnd" => t.state.do_not_disturb = Some(parse_switch(word).ok_or(RejectReason::Range)?),
        "make_up" => t.state.make_up_room = Some(parse_switch(word).ok_or(RejectReason::Range)?),
        _ => return Err(RejectReason::UnknownTopic),
    }
    Ok(Body::Telemetry(t))
}

/// `room_mode` carries a light mode on older devices (`auto|manual|off`) and
/// an occupancy on newer ones (`occupied`, ...).
pub(crate) fn set_room_mode(t: &mut Telemetry, word: &str) -> Result<(), RejectReason> {
    if let Some(mode) = LightMode::parse_word(word) {
        t.state.light_mode = Some(mode);
    } else if let Some(occupancy) = Occupancy::parse_word(word) {
        t.state.occupancy = Some(occupancy);
    } else {
        return Err(RejectReason::Range);
    }
    Ok(())
}

/// A bare decimal number: ASCII whitespace trimmed, `.` as the decimal point,
/// finite.
fn parse_number(text: &str) -> Result<f64, RejectReason> {
    let text = text.trim_ascii();
    // Rust's float parser also takes "inf", "NaN" and "infinity": refuse
    // anything that is not digits, sign, point or exponent before parsing.
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !plain {
        return Err(RejectReason::Type);
    }
    let value: f64 = text.parse().map_err(|_| RejectReason::Type)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RejectReason::Range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_733_300_000_000;

    fn value(name: &str, text: &str, metric: Metric) -> Option<f64> {
        decode_value(name, text, NOW).unwrap().values[metric.index()]
    }

    #[test]
    fn decodes_each_legacy_number() {
        assert_eq!(
            value("temperature", " 22.5\n", Metric::Temperature),
            Some(22.5)
        );
        assert_eq!(value("humidity", "41", Metric::Humidity), Some(41.0));
        assert_eq!(value("luminosity", "55", Metric::LightPercent), Some(55.0));
        assert_eq!(value("ldr_percent", "56", Metric::LightPercent), Some(56.0));
        assert_eq!(value("gas", "120", Metric::GasLevel), Some(120.0));
    }

    #[test]
    fn refuses_bad_numbers_by_reason() {
        let reason = |name, text| decode_value(name, text, NOW).unwrap_err();
        assert_eq!(reason("temperature", "22,5"), RejectReason::Type);
        assert_eq!(reason("temperature", "NaN"), RejectReason::Type);
        assert_eq!(reason("temperature", "inf"), RejectReason::Type);
        assert_eq!(reason("temperature", ""), RejectReason::Type);
        assert_eq!(reason("temperature", "1e999"), RejectReason::Range);
        assert_eq!(reason("temperature", "86"), RejectReason::Range);
        assert_eq!(reason("humidity", "100.1"), RejectReason::Range);
        assert_eq!(reason("gas", "-1"), RejectReason::Range);
        assert_eq!(reason("co2", "400"), RejectReason::UnknownTopic);
    }

    #[test]
    fn decodes_words_and_switches() {
        let t = decode_value("heating", "ON", NOW).unwrap();
        assert_eq!(t.state.heating, Some(true));
        assert_eq!(t.values[Metric::Heating.index()], Some(1.0));
        let t = decode_value("climate_mode", "manual", NOW).unwrap();
        assert_eq!(t.state.climate_mode, Some(ClimateMode::Manual));
        assert_eq!(
            decode_value("fan_speed", "turbo", NOW).unwrap_err(),
            RejectReason::Range
        );
        assert_eq!(
            decode_value("heating", "maybe", NOW).unwrap_err(),
            RejectReason::Range
        );
    }

    #[test]
    fn decodes_status_topics() {
        assert_eq!(
            decode_status("online", "offline", NOW),
            Ok(Body::Online(false))
        );
        assert_eq!(
            decode_status("online", "online", NOW),
            Ok(Body::Online(true))
        );
        let Ok(Body::Telemetry(t)) = decode_status("led1", "ON", NOW) else {
            panic!()
        };
        assert_eq!(t.state.led1, Some(true));
        let Ok(Body::Telemetry(t)) = decode_status("room_mode", "AUTO", NOW) else {
            panic!()
        };
        assert_eq!(t.state.light_mode, Some(LightMode::Auto));
        let Ok(Body::Telemetry(t)) = decode_status("room_mode", "occupied", NOW) else {
            panic!()
        };
        assert_eq!(t.state.occupancy, Some(Occupancy::Occupied));
        assert_eq!(
            decode_status("uptime", "5", NOW),
            Err(RejectReason::UnknownTopic)
        );
    }

    #[test]
    fn decodes_do_not_disturb_and_make_up_words() {
        let Ok(Body::Telemetry(t)) = decode_status("dnd", "on", NOW) else {
            panic!()
        };
        assert_eq!(t.state.do_not_disturb, Some(true));
        assert_eq!(t.state.make_up_room, None);
        let Ok(Body::Telemetry(t)) = decode_status("make_up", "OFF", NOW) else {
            panic!()
        };
        assert_eq!(t.state.make_up_room, Some(false));
        assert_eq!(decode_status("dnd", "maybe", NOW), Err(RejectReason::Range));
        assert_eq!(decode_status("make_up", "", NOW), Err(RejectReason::Range));
    }
}
