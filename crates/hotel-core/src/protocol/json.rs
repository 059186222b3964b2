//! JSON telemetry payloads (`hotel/<room>/telemetry/json`).
//!
//! The decoder reads straight from the payload with serde_json and its own
//! visitors: no `serde_json::Value` tree, and no allocation unless a string or
//! key holds an escape or an object holds unknown keys. It is not a general
//! JSON reader: fields it does not know are checked for well-formedness and
//! depth, then ignored.
//!
//! The rules, shared by every backend:
//!
//! - The payload must be UTF-8 ([`RejectReason::Utf8`]) holding one JSON
//!   object ([`RejectReason::Json`]); a leading byte-order mark and
//!   surrounding whitespace are tolerated.
//! - Any field may be missing; `null` means "not read" (for `sensors` and
//!   `state` too); unknown fields are ignored.
//! - A repeated key at the top level, in `sensors` or in `state` refuses the
//!   message ([`RejectReason::Json`]), as does nesting deeper than
//!   [`MAX_DEPTH`](value::MAX_DEPTH) containers anywhere.
//! - A number beyond the range of `f64` (`1e999`) is a JSON error: serde_json
//!   cannot go on reading after it, so the whole message is refused with
//!   [`RejectReason::Json`], wherever the number sits.
//! - A value of the wrong JSON type is dropped and counted as
//!   [`RejectReason::Type`]; a number outside its metric's range or an
//!   unknown word is dropped and counted as [`RejectReason::Range`]. The rest
//!   of the message stands.
//! - `room` (a string, or an integer number written without fraction or
//!   exponent) must equal the topic's room as text; anything else is
//!   [`RejectReason::RoomMismatch`]. A JSON error wins over a room mismatch.
//! - `timestamp` is Unix seconds, Unix milliseconds (a number from `1e11`
//!   on) or an RFC 3339 string with an offset; a fractional number is rounded
//!   to the millisecond, an RFC 3339 fraction cut to it. A timestamp of the
//!   wrong type, unreadable, before 2020 or over a day ahead is replaced by
//!   the receive time and counted as [`RejectReason::Timestamp`].
//! - `led1`, `led2` and `heating` take JSON booleans or the switch words
//!   (`on/off`, `true/false`, `1/0`) as strings; a JSON number there is a
//!   type error. Mode words take strings only. `sensors.heating` is not a
//!   field: heating comes from `state.heating` alone.

mod value;

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::protocol::plain::set_room_mode;
use crate::protocol::{EARLIEST_TIMESTAMP_MS, MAX_FUTURE_SKEW_MS, RejectReason, Telemetry};
use crate::reading::Metric;
use crate::room::RoomId;
use crate::state::{ClimateMode, FanSpeed, parse_switch};

use value::{KeySeed, KeySet, MAX_KNOWN_FIELDS, Scalar, ScalarSeed, Skip};

/// A timestamp number from this value on is Unix milliseconds (1e11 s is in
/// the year 5138, 1e11 ms in 1973).
const MILLIS_FROM: i64 = 100_000_000_000;

/// The top-level fields.
const ROOT_FIELDS: &[(&str, RootField)] = &[
    ("room", RootField::Room),
    ("timestamp", RootField::Timestamp),
    ("sensors", RootField::Sensors),
    ("state", RootField::State),
];

/// The fields of `sensors`, each a metric.
const SENSOR_FIELDS: &[(&str, Metric)] = &[
    ("temperature", Metric::Temperature),
    ("humidity", Metric::Humidity),
    ("light_percent", Metric::LightPercent),
    ("gas_level", Metric::GasLevel),
    ("target_temp", Metric::TargetTemp),
];

/// The fields of `state`.
const STATE_FIELDS: &[(&str, StateField)] = &[
    ("thermostat_mode", StateField::ThermostatMode),
    ("fan_speed", StateField::FanSpeed),
    ("heating", StateField::Heating),
    ("room_mode", StateField::RoomMode),
    ("led1", StateField::Led1),
    ("led2", StateField::Led2),
];

// Each table must fit the key set's bit mask.
const _: () = assert!(
    ROOT_FIELDS.len() <= MAX_KNOWN_FIELDS
        && SENSOR_FIELDS.len() <= MAX_KNOWN_FIELDS
        && STATE_FIELDS.len() <= MAX_KNOWN_FIELDS
);

#[derive(Debug, Clone, Copy)]
enum RootField {
    Room,
    Timestamp,
    Sensors,
    State,
}

#[derive(Debug, Clone, Copy)]
enum StateField {
    ThermostatMode,
    FanSpeed,
    Heating,
    RoomMode,
    Led1,
    Led2,
}

/// Decodes a JSON telemetry payload for the topic's `room`.
///
/// Values that are wrong on their own are dropped and counted in
/// [`Telemetry::problems`]; see the module docs for the rules.
///
/// # Errors
///
/// [`RejectReason::Utf8`] for a payload that is not UTF-8,
/// [`RejectReason::Json`] for one that is not a single JSON object (or repeats
/// a key, or nests too deep), [`RejectReason::RoomMismatch`] when its `room`
/// is not the topic's.
pub(crate) fn decode_telemetry(
    room: RoomId,
    payload: &[u8],
    received_ms: i64,
) -> Result<Telemetry, RejectReason> {
    let text = core::str::from_utf8(payload).map_err(|_| RejectReason::Utf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let mut message = Message {
        room,
        received_ms,
        room_matches: true,
        telemetry: Telemetry::at(received_ms),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    RootSeed(&mut message)
        .deserialize(&mut de)
        .map_err(|_| RejectReason::Json)?;
    de.end().map_err(|_| RejectReason::Json)?;

    if !message.room_matches {
        return Err(RejectReason::RoomMismatch);
    }
    Ok(message.telemetry)
}

/// What the decoder learns while reading one message.
struct Message {
    room: RoomId,
    received_ms: i64,
    room_matches: bool,
    telemetry: Telemetry,
}

impl Message {
    fn check_room(&mut self, value: &Scalar<'_>) {
        let matches = match value {
            Scalar::Null => true,
            Scalar::Str(text) => text.as_ref() == self.room.as_str(),
            Scalar::UInt(n) => integer_text(false, *n).as_str() == self.room.as_str(),
            Scalar::Int(n) => integer_text(*n < 0, n.unsigned_abs()).as_str() == self.room.as_str(),
            // A room id holds no '.', so a fractional number never names one.
            Scalar::Float(_) | Scalar::Bool(_) | Scalar::Compound => false,
        };
        self.room_matches &= matches;
    }

    fn set_timestamp(&mut self, value: &Scalar<'_>) {
        if matches!(value, Scalar::Null) {
            return;
        }
        let latest = self.received_ms.saturating_add(MAX_FUTURE_SKEW_MS);
        match timestamp_ms(value) {
            Some(ms) if (EARLIEST_TIMESTAMP_MS..=latest).contains(&ms) => {
                self.telemetry.ts_ms = ms;
            }
            _ => {
                self.telemetry.ts_ms = self.received_ms;
                self.telemetry.problems.add(RejectReason::Timestamp);
            }
        }
    }
}

/// Converts a timestamp value to Unix ms, without checking its range.
fn timestamp_ms(value: &Scalar<'_>) -> Option<i64> {
    let from_int = |n: i64| {
        if n >= MILLIS_FROM {
            n
        } else {
            n.saturating_mul(1000)
        }
    };
    match value {
        Scalar::UInt(n) => i64::try_from(*n).ok().map(from_int),
        Scalar::Int(n) => Some(from_int(*n)),
        Scalar::Float(x) => {
            let ms = if *x >= MILLIS_FROM as f64 {
                *x
            } else {
                x * 1000.0
            };
            // `as` saturates; an out-of-range result fails the range check.
            Some(ms.round() as i64)
        }
        Scalar::Str(text) => text
            .parse::<jiff::Timestamp>()
            .ok()
            .map(jiff::Timestamp::as_millisecond),
        Scalar::Null | Scalar::Bool(_) | Scalar::Compound => None,
    }
}

/// The decimal text of an integer, on the stack.
struct IntegerText {
    buf: [u8; 21],
    start: usize,
}

impl IntegerText {
    fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are written.
        core::str::from_utf8(&self.buf[self.start..]).unwrap_or("")
    }
}

/// Writes `-magnitude` (when `negative`) or `magnitude` in decimal.
fn integer_text(negative: bool, mut magnitude: u64) -> IntegerText {
    let mut out = IntegerText {
        buf: [0; 21],
        start: 21,
    };
    loop {
        out.start -= 1;
        out.buf[out.start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        out.start -= 1;
        out.buf[out.start] = b'-';
    }
    out
}

/// The root object.
struct RootSeed<'m>(&'m mut Message);

impl<'de> DeserializeSeed<'de> for RootSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a telemetry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let message = self.0;
        let mut keys = KeySet::default();
        while let Some(key) = map.next_key_seed(KeySeed(ROOT_FIELDS))? {
            let Some(field) = keys.insert::<A::Error, _>(key)? else {
                map.next_value_seed(Skip { depth: 2 })?;
                continue;
            };
            match field {
                RootField::Room => {
                    let value = map.next_value_seed(ScalarSeed { depth: 2 })?;
                    message.check_room(&value);
                }
                RootField::Timestamp => {
                    let value = map.next_value_seed(ScalarSeed { depth: 2 })?;
                    message.set_timestamp(&value);
                }
                RootField::Sensors => {
                    map.next_value_seed(SensorsSeed(&mut message.telemetry))?;
                }
                RootField::State => map.next_value_seed(StateSeed(&mut message.telemetry))?,
            }
        }
        keys.finish()
    }
}

/// The `sensors` object, or `null`.
struct SensorsSeed<'t>(&'t mut Telemetry);

impl<'de> DeserializeSeed<'de> for SensorsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SensorsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sensors object or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let t = self.0;
        let mut keys = KeySet::default();
        while let Some(key) = map.next_key_seed(KeySeed(SENSOR_FIELDS))? {
            let known = keys.insert::<A::Error, _>(key)?;
            let value = map.next_value_seed(ScalarSeed { depth: 3 })?;
            let Some(metric) = known else { continue };
            match value.number() {
                Some(v) => t.set_checked(metric, v),
                None if matches!(value, Scalar::Null) => {}
                None => t.problems.add(RejectReason::Type),
            }
        }
        keys.finish()
    }
}

/// The `state` object, or `null`.
struct StateSeed<'t>(&'t mut Telemetry);

impl<'de> DeserializeSeed<'de> for StateSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StateSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a state object or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let t = self.0;
        let mut keys = KeySet::default();
        while let Some(key) = map.next_key_seed(KeySeed(STATE_FIELDS))? {
            let known = keys.insert::<A::Error, _>(key)?;
            let value = map.next_value_seed(ScalarSeed { depth: 3 })?;
            let Some(field) = known else { continue };
            if let Err(reason) = set_state(t, field, &value) {
                t.problems.add(reason);
            }
        }
        keys.finish()
    }
}

/// Applies one `state` value; `null` leaves the setting unreported.
fn set_state(t: &mut Telemetry, field: StateField, value: &Scalar<'_>) -> Result<(), RejectReason> {
    let text = match value {
        Scalar::Null => return Ok(()),
        Scalar::Str(text) => Some(text.as_ref()),
        Scalar::Bool(_) => None,
        _ => return Err(RejectReason::Type),
    };
    // Modes are words only; switches are JSON booleans or switch words.
    let word = || text.ok_or(RejectReason::Type);
    let switch = || match (value, text) {
        (Scalar::Bool(on), _) => Ok(*on),
        (_, Some(text)) => parse_switch(text).ok_or(RejectReason::Range),
        _ => Err(RejectReason::Type),
    };

    match field {
        StateField::ThermostatMode => {
            let mode = ClimateMode::parse_word(word()?).ok_or(RejectReason::Range)?;
            t.state.climate_mode = Some(mode);
        }
        StateField::FanSpeed => {
            let speed = FanSpeed::parse_word(word()?).ok_or(RejectReason::Range)?;
            t.state.fan_speed = Some(speed);
        }
        StateField::RoomMode => set_room_mode(t, word()?)?,
        StateField::Heating => {
            let on = switch()?;
            t.state.heating = Some(on);
            t.values[Metric::Heating.index()] = Some(f64::from(u8::from(on)));
        }
        StateField::Led1 => t.state.led1 = Some(switch()?),
        StateField::Led2 => t.state.led2 = Some(switch()?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::state::{LightMode, Occupancy};

    const NOW: i64 = 1_733_300_000_000;

    const FULL: &str = r#"{"room":"101","timestamp":1733300000,"sensors":{"temperature":22.5,"humidity":41.0,"light_percent":55,"gas_level":120,"target_temp":22.0},"state":{"thermostat_mode":"auto","fan_speed":"low","heating":true,"room_mode":"occupied","led1":true,"led2":false}}"#;

    fn room() -> RoomId {
        RoomId::parse("101").unwrap()
    }

    fn decode(payload: &str) -> Result<Telemetry, RejectReason> {
        decode_telemetry(room(), payload.as_bytes(), NOW)
    }

    fn ok(payload: &str) -> Telemetry {
        decode(payload).unwrap()
    }

    fn value(t: &Telemetry, metric: Metric) -> Option<f64> {
        t.values[metric.index()]
    }

    /// `n` nested arrays under an unknown top-level key.
    fn nested_unknown(n: usize) -> String {
        format!(r#"{{"extra":{}{}}}"#, "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn decodes_the_full_example() {
        let t = ok(FULL);
        assert_eq!(t.ts_ms, 1_733_300_000_000);
        assert_eq!(value(&t, Metric::Temperature), Some(22.5));
        assert_eq!(value(&t, Metric::Humidity), Some(41.0));
        assert_eq!(value(&t, Metric::LightPercent), Some(55.0));
        assert_eq!(value(&t, Metric::GasLevel), Some(120.0));
        assert_eq!(value(&t, Metric::TargetTemp), Some(22.0));
        assert_eq!(value(&t, Metric::Heating), Some(1.0));
        assert_eq!(t.state.climate_mode, Some(ClimateMode::Auto));
        assert_eq!(t.state.fan_speed, Some(FanSpeed::Low));
        assert_eq!(t.state.heating, Some(true));
        assert_eq!(t.state.occupancy, Some(Occupancy::Occupied));
        assert_eq!(t.state.light_mode, None);
        assert_eq!(t.state.led1, Some(true));
        assert_eq!(t.state.led2, Some(false));
        assert!(t.problems.is_empty());
    }

    #[test]
    fn accepts_upper_case_words_and_switch_strings_of_older_devices() {
        let t = ok(r#"{"state":{"thermostat_mode":"AUTO","fan_speed":"LOW",
            "room_mode":"MANUAL","led1":"ON","led2":"OFF","heating":"On"}}"#);
        assert_eq!(t.state.climate_mode, Some(ClimateMode::Auto));
        assert_eq!(t.state.fan_speed, Some(FanSpeed::Low));
        assert_eq!(t.state.light_mode, Some(LightMode::Manual));
        assert_eq!(t.state.occupancy, None);
        assert_eq!(t.state.led1, Some(true));
        assert_eq!(t.state.led2, Some(false));
        assert_eq!(t.state.heating, Some(true));
        assert!(t.problems.is_empty());
    }

    #[test]
    fn switches_take_booleans_and_every_switch_word() {
        for (text, on) in [
            ("true", true),
            ("false", false),
            (r#""true""#, true),
            (r#""FALSE""#, false),
            (r#""1""#, true),
            (r#""0""#, false),
            (r#""on""#, true),
            (r#""off""#, false),
        ] {
            let t = ok(&format!(
                r#"{{"state":{{"led1":{text},"led2":{text},"heating":{text}}}}}"#
            ));
            assert_eq!(t.state.led1, Some(on), "{text}");
            assert_eq!(t.state.led2, Some(on), "{text}");
            assert_eq!(t.state.heating, Some(on), "{text}");
            assert_eq!(value(&t, Metric::Heating), Some(f64::from(u8::from(on))));
        }
    }

    #[test]
    fn room_mode_sets_light_mode_or_occupancy() {
        let t = ok(r#"{"state":{"room_mode":"off"}}"#);
        assert_eq!(t.state.light_mode, Some(LightMode::Off));
        for (word, occupancy) in [
            ("vacant", Occupancy::Vacant),
            ("booked", Occupancy::Booked),
            ("OCCUPIED", Occupancy::Occupied),
            ("checked_out", Occupancy::CheckedOut),
        ] {
            let t = ok(&format!(r#"{{"state":{{"room_mode":"{word}"}}}}"#));
            assert_eq!(t.state.occupancy, Some(occupancy));
            assert_eq!(t.state.light_mode, None);
        }
    }

    #[test]
    fn every_part_may_be_missing() {
        let t = ok("{}");
        assert_eq!(t, Telemetry::at(NOW));
        assert!(t.is_empty());
        let t = ok(r#"{"sensors":{"humidity":40}}"#);
        assert_eq!(t.ts_ms, NOW);
        assert_eq!(value(&t, Metric::Humidity), Some(40.0));
        assert!(t.problems.is_empty());
    }

    #[test]
    fn ignores_unknown_fields_at_every_level() {
        let t = ok(r#"{"fw":"1.2","extra":{"a":[1,{"b":null}],"c":"x"},
            "sensors":{"co2":400,"temperature":21,"nested":[[1],{"k":true}]},
            "state":{"blinds":"up","led1":false,"more":{"x":[]}}}"#);
        assert_eq!(value(&t, Metric::Temperature), Some(21.0));
        assert_eq!(t.state.led1, Some(false));
        assert!(t.problems.is_empty());
    }

    #[test]
    fn null_means_not_read_and_counts_nothing() {
        let t = ok(r#"{"room":null,"timestamp":null,
            "sensors":{"temperature":null,"humidity":null,"light_percent":null,
                "gas_level":null,"target_temp":null},
            "state":{"thermostat_mode":null,"fan_speed":null,"heating":null,
                "room_mode":null,"led1":null,"led2":null}}"#);
        assert_eq!(t, Telemetry::at(NOW));
        assert_eq!(ok(r#"{"sensors":null,"state":null}"#), Telemetry::at(NOW));
    }

    #[test]
    fn refuses_payload_that_is_not_utf8() {
        let reason = |payload: &[u8]| decode_telemetry(room(), payload, NOW).unwrap_err();
        assert_eq!(reason(b"{\"fw\":\"\xff\"}"), RejectReason::Utf8);
        assert_eq!(reason(b"\xc3\x28{}"), RejectReason::Utf8);
        assert_eq!(reason(b"{}\xed\xa0\x80"), RejectReason::Utf8);
    }

    #[test]
    fn refuses_text_that_is_not_one_json_object() {
        for bad in [
            "",
            " ",
            "{",
            "{}}",
            "{} {}",
            "{}x",
            r#"{"room":"101",}"#,
            "[]",
            "42",
            r#""text""#,
            "null",
            "true",
            r#"{'room':'101'}"#,
            "{\"sensors\":{\"temperature\":NaN}}",
            "{\"sensors\":{\"temperature\":Infinity}}",
        ] {
            assert_eq!(decode(bad), Err(RejectReason::Json), "{bad:?}");
        }
    }

    #[test]
    fn refuses_sensors_or_state_that_are_not_objects() {
        for bad in [
            r#"{"sensors":[]}"#,
            r#"{"sensors":22.5}"#,
            r#"{"sensors":"temperature"}"#,
            r#"{"state":true}"#,
            r#"{"state":[{"led1":true}]}"#,
        ] {
            assert_eq!(decode(bad), Err(RejectReason::Json), "{bad:?}");
        }
    }

    #[test]
    fn tolerates_byte_order_mark_and_surrounding_whitespace() {
        let payload = format!("\u{feff} \r\n\t{FULL}\n ");
        assert_eq!(ok(&payload), ok(FULL));
        // A mark anywhere else is not whitespace.
        assert_eq!(decode(&format!(" \u{feff}{FULL}")), Err(RejectReason::Json));
        assert_eq!(decode("\u{feff}"), Err(RejectReason::Json));
    }

    #[test]
    fn refuses_repeated_keys_at_top_sensors_and_state() {
        for bad in [
            r#"{"room":"101","room":"101"}"#,
            r#"{"timestamp":1733300000,"timestamp":null}"#,
            r#"{"sensors":{},"sensors":{}}"#,
            r#"{"state":{},"state":null}"#,
            r#"{"fw":1,"x":2,"fw":1}"#,
            r#"{"room":"101","r\u006fom":"101"}"#,
            r#"{"f\u0077":1,"fw":2}"#,
            r#"{"sensors":{"temperature":20,"temperature":21}}"#,
            r#"{"sensors":{"co2":400,"co2":401}}"#,
            r#"{"state":{"led1":true,"led1":true}}"#,
            r#"{"state":{"blinds":"up","blinds":"down"}}"#,
        ] {
            assert_eq!(decode(bad), Err(RejectReason::Json), "{bad}");
        }
    }

    #[test]
    fn does_not_check_repeats_inside_unknown_values() {
        let t = ok(r#"{"extra":{"a":1,"a":2},"sensors":{"temperature":20}}"#);
        assert_eq!(value(&t, Metric::Temperature), Some(20.0));
    }

    #[test]
    fn accepts_nesting_up_to_the_depth_limit_and_refuses_beyond() {
        // The root object is level 1, so 7 arrays under it reach level 8.
        assert!(decode(&nested_unknown(value::MAX_DEPTH - 1)).is_ok());
        assert_eq!(
            decode(&nested_unknown(value::MAX_DEPTH)),
            Err(RejectReason::Json)
        );
        let in_sensors = format!(
            r#"{{"sensors":{{"co2":{}{}}}}}"#,
            "[".repeat(value::MAX_DEPTH - 1),
            "]".repeat(value::MAX_DEPTH - 1)
        );
        assert_eq!(decode(&in_sensors), Err(RejectReason::Json));
    }

    #[test]
    fn refuses_deep_nesting_quickly_without_recursing() {
        let deep = "[".repeat(100_000);
        let started = Instant::now();
        for payload in [
            deep.clone(),
            format!(r#"{{"extra":{deep}"#),
            format!(r#"{{"room":{deep}"#),
            format!(r#"{{"timestamp":{deep}"#),
            format!(r#"{{"sensors":{{"temperature":{deep}"#),
            format!(r#"{{"state":{{"led1":{deep}"#),
            format!(r#"{{"x":{}"#, r#"{"a":"#.repeat(100_000)),
        ] {
            assert_eq!(decode(&payload), Err(RejectReason::Json));
        }
        // Each refusal reads only the first few levels.
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn drops_sensor_value_of_wrong_type_and_keeps_the_rest() {
        let t = ok(r#"{"sensors":{"temperature":"22.5","humidity":true,
            "light_percent":[55],"gas_level":{"v":1},"target_temp":21}}"#);
        assert_eq!(t.problems.count(RejectReason::Type), 4);
        assert_eq!(value(&t, Metric::Temperature), None);
        assert_eq!(value(&t, Metric::Humidity), None);
        assert_eq!(value(&t, Metric::LightPercent), None);
        assert_eq!(value(&t, Metric::GasLevel), None);
        assert_eq!(value(&t, Metric::TargetTemp), Some(21.0));
    }

    #[test]
    fn refuses_numbers_beyond_f64_as_json_errors() {
        for bad in [
            r#"{"sensors":{"temperature":1e999}}"#,
            r#"{"sensors":{"gas_level":-1e999}}"#,
            r#"{"timestamp":1e999}"#,
            r#"{"extra":[1e400]}"#,
        ] {
            assert_eq!(decode(bad), Err(RejectReason::Json), "{bad}");
        }
    }

    #[test]
    fn drops_out_of_range_numbers_as_range_problems() {
        for (name, bad, good) in [
            ("temperature", "-40.5", "-40"),
            ("temperature", "85.5", "85"),
            ("humidity", "-0.1", "0"),
            ("humidity", "100.5", "100"),
            ("light_percent", "101", "100"),
            ("light_percent", "-1", "0"),
            ("gas_level", "-1", "0"),
            ("target_temp", "9.9", "10"),
            ("target_temp", "32.1", "32"),
        ] {
            let metric: Metric = name.parse().unwrap();
            let t = ok(&format!(r#"{{"sensors":{{"{name}":{bad},"co2":1}}}}"#));
            assert_eq!(value(&t, metric), None, "{name} {bad}");
            assert_eq!(t.problems.count(RejectReason::Range), 1);
            let t = ok(&format!(r#"{{"sensors":{{"{name}":{good}}}}}"#));
            assert_eq!(
                value(&t, metric),
                Some(good.parse().unwrap()),
                "{name} {good}"
            );
        }
        // Big numbers are fine where the range allows them.
        let t = ok(r#"{"sensors":{"gas_level":18446744073709551616}}"#);
        assert_eq!(
            value(&t, Metric::GasLevel),
            Some(18_446_744_073_709_551_616.0)
        );
    }

    #[test]
    fn drops_unknown_state_words_as_range_problems() {
        let t = ok(r#"{"state":{"fan_speed":"turbo","thermostat_mode":"eco",
            "room_mode":"party","led1":"maybe","heating":"2","led2":true}}"#);
        assert_eq!(t.problems.count(RejectReason::Range), 5);
        assert_eq!(t.problems.count(RejectReason::Type), 0);
        assert_eq!(
            t.state,
            crate::state::DeviceState {
                led2: Some(true),
                ..Default::default()
            }
        );
        assert_eq!(value(&t, Metric::Heating), None);
    }

    #[test]
    fn drops_state_values_of_wrong_type_as_type_problems() {
        let t = ok(r#"{"state":{"fan_speed":2,"thermostat_mode":true,
            "room_mode":["auto"],"led1":1,"led2":{"on":true},"heating":0}}"#);
        assert_eq!(t.problems.count(RejectReason::Type), 6);
        assert!(t.state.is_empty());
        assert_eq!(value(&t, Metric::Heating), None);
    }

    #[test]
    fn compares_body_room_with_topic_room_as_text() {
        for good in [
            r#"{"room":"101"}"#,
            r#"{"room":101}"#,
            r#"{"room":null}"#,
            r#"{"sensors":{}}"#,
        ] {
            assert!(decode(good).is_ok(), "{good}");
        }
        for bad in [
            r#"{"room":"102"}"#,
            r#"{"room":" 101"}"#,
            r#"{"room":"0101"}"#,
            r#"{"room":102}"#,
            r#"{"room":101.0}"#,
            r#"{"room":1.01e2}"#,
            r#"{"room":-101}"#,
            r#"{"room":true}"#,
            r#"{"room":{"id":"101"}}"#,
            r#"{"room":["101"]}"#,
        ] {
            assert_eq!(decode(bad), Err(RejectReason::RoomMismatch), "{bad}");
        }
    }

    #[test]
    fn matches_negative_and_escaped_room_ids() {
        let minus = RoomId::parse("-7").unwrap();
        assert!(decode_telemetry(minus, br#"{"room":-7}"#, NOW).is_ok());
        assert!(decode_telemetry(minus, br#"{"room":"\u002d7"}"#, NOW).is_ok());
        assert_eq!(
            decode_telemetry(minus, br#"{"room":7}"#, NOW),
            Err(RejectReason::RoomMismatch)
        );
    }

    #[test]
    fn json_errors_win_over_room_mismatch() {
        assert_eq!(decode(r#"{"room":"999","x":}"#), Err(RejectReason::Json));
        assert_eq!(
            decode(r#"{"room":"999","room":"999"}"#),
            Err(RejectReason::Json)
        );
    }

    #[test]
    fn reads_timestamp_in_seconds_millis_or_rfc3339() {
        let ts = |text: &str| ok(&format!(r#"{{"timestamp":{text}}}"#));
        for (text, ms) in [
            ("1733300000", 1_733_300_000_000),
            ("1733300000.25", 1_733_300_000_250),
            ("1733300000123", 1_733_300_000_123),
            ("1733300000123.0", 1_733_300_000_123),
            (r#""2024-12-04T08:13:20Z""#, 1_733_300_000_000),
            (r#""2024-12-04T09:13:20.5+01:00""#, 1_733_300_000_500),
            ("1577836800", EARLIEST_TIMESTAMP_MS),
            (
                &(NOW + MAX_FUTURE_SKEW_MS).to_string(),
                NOW + MAX_FUTURE_SKEW_MS,
            ),
        ] {
            let t = ts(text);
            assert_eq!(t.ts_ms, ms, "{text}");
            assert!(t.problems.is_empty(), "{text}");
        }
    }

    #[test]
    fn replaces_wrong_or_unreadable_timestamp_and_keeps_readings() {
        for text in [
            "1577836799",
            "1577836799999",
            "0",
            "-1733300000",
            "-9223372036854775808",
            "18446744073709551615",
            "1e300",
            "-1e300",
            &(NOW + MAX_FUTURE_SKEW_MS + 1).to_string(),
            r#""2024-12-04T08:13:20""#,
            r#""yesterday""#,
            r#""1733300000""#,
            "true",
            "[1733300000]",
            r#"{"s":1733300000}"#,
        ] {
            let t = ok(&format!(
                r#"{{"timestamp":{text},"sensors":{{"temperature":20}}}}"#
            ));
            assert_eq!(t.ts_ms, NOW, "{text}");
            assert_eq!(t.problems.count(RejectReason::Timestamp), 1, "{text}");
            assert_eq!(value(&t, Metric::Temperature), Some(20.0));
        }
    }

    #[test]
    fn keeps_message_whose_every_value_is_bad_with_problems_counted() {
        let t = ok(
            r#"{"timestamp":"soon","sensors":{"temperature":"hot","humidity":200},
            "state":{"fan_speed":"turbo"}}"#,
        );
        assert!(t.is_empty());
        assert_eq!(t.problems.count(RejectReason::Timestamp), 1);
        assert_eq!(t.problems.count(RejectReason::Type), 1);
        assert_eq!(t.problems.count(RejectReason::Range), 2);
    }

    #[test]
    fn borrows_escaped_strings_correctly() {
        let t = ok(r#"{"state":{"fan_speed":"hi\u0067h","led1":"\u006fn"}}"#);
        assert_eq!(t.state.fan_speed, Some(FanSpeed::High));
        assert_eq!(t.state.led1, Some(true));
    }

    #[test]
    fn writes_integer_text_of_extreme_values() {
        assert_eq!(integer_text(false, 0).as_str(), "0");
        assert_eq!(
            integer_text(false, u64::MAX).as_str(),
            "18446744073709551615"
        );
        assert_eq!(
            integer_text(true, i64::MIN.unsigned_abs()).as_str(),
            "-9223372036854775808"
        );
    }
}
