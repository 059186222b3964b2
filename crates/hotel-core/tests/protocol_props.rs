//! Properties of the device protocol, through the public API: decoding never
//! panics, what devices write decodes back to the same message, and one bad
//! value costs only itself.

use hotel_core::protocol::encode::{TimestampUnit, write_telemetry};
use hotel_core::protocol::{Body, EARLIEST_TIMESTAMP_MS, RejectReason, Telemetry, decode};
use hotel_core::{ClimateMode, DeviceState, FanSpeed, LightMode, Metric, Occupancy, RoomId};
use proptest::prelude::*;
use proptest::sample::select;

/// The receive time used throughout (2024-12-04T08:13:20Z).
const NOW: i64 = 1_733_300_000_000;

/// The sensor metrics the JSON `sensors` object carries.
const SENSORS: [Metric; 5] = [
    Metric::Temperature,
    Metric::Humidity,
    Metric::LightPercent,
    Metric::GasLevel,
    Metric::TargetTemp,
];

const FULL: &str = r#"{"room":"101","timestamp":1733300000,"sensors":{"temperature":22.5,"humidity":41.0,"light_percent":55,"gas_level":120,"target_temp":22.0},"state":{"thermostat_mode":"auto","fan_speed":"low","heating":true,"room_mode":"occupied","led1":true,"led2":false}}"#;

fn room_id() -> impl Strategy<Value = RoomId> {
    "[A-Za-z0-9_-]{1,32}".prop_map(|text| RoomId::parse(&text).unwrap())
}

/// The range of `metric` in hundredths, as devices report to two decimals.
/// Gas has no upper limit; 12-bit ADC readings are what devices send.
fn hundredths(metric: Metric) -> (i64, i64) {
    match metric {
        Metric::GasLevel => (0, 409_500),
        other => {
            let (low, high) = other.range();
            ((low * 100.0) as i64, (high * 100.0) as i64)
        }
    }
}

/// An in-range value of `metric` with at most two decimals.
fn good_value(metric: Metric) -> impl Strategy<Value = f64> {
    let (low, high) = hundredths(metric);
    (low..=high).prop_map(|n| n as f64 / 100.0)
}

/// Each sensor present or not, in range.
fn sensor_values() -> impl Strategy<Value = [Option<f64>; 5]> {
    SENSORS.map(|m| proptest::option::of(good_value(m)))
}

/// A state as one message can carry it: `room_mode` holds an occupancy or a
/// light mode, never both.
fn device_state() -> impl Strategy<Value = DeviceState> {
    let room_mode = prop_oneof![
        Just((None, None)),
        select(LightMode::ALL).prop_map(|l| (Some(l), None)),
        select(Occupancy::ALL).prop_map(|o| (None, Some(o))),
    ];
    (
        proptest::option::of(select(ClimateMode::ALL)),
        proptest::option::of(select(FanSpeed::ALL)),
        proptest::option::of(any::<bool>()),
        room_mode,
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(
            |(climate_mode, fan_speed, heating, (light_mode, occupancy), led1, led2)| DeviceState {
                climate_mode,
                fan_speed,
                heating,
                light_mode,
                occupancy,
                led1,
                led2,
                do_not_disturb: None,
                make_up_room: None,
            },
        )
}

/// A valid message as a device would hold it.
fn telemetry() -> impl Strategy<Value = Telemetry> {
    (EARLIEST_TIMESTAMP_MS..=NOW, sensor_values(), device_state()).prop_map(
        |(ts_ms, sensors, state)| {
            let mut t = Telemetry::at(ts_ms);
            for (metric, value) in SENSORS.into_iter().zip(sensors) {
                t.values[metric.index()] = value;
            }
            t.values[Metric::Heating.index()] = state.heating.map(|on| f64::from(u8::from(on)));
            t.state = state;
            t
        },
    )
}

/// A value just or far outside the range of `metric`.
fn bad_value(metric: Metric) -> BoxedStrategy<f64> {
    let (low, high) = hundredths(metric);
    let below = (1..100_000i64).prop_map(move |d| (low - d) as f64 / 100.0);
    if metric == Metric::GasLevel {
        below.boxed()
    } else {
        let above = (1..100_000i64).prop_map(move |d| (high + d) as f64 / 100.0);
        prop_oneof![below, above].boxed()
    }
}

fn topic() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "/?hotel/[A-Za-z0-9_/-]{0,6}/(telemetry|status|control)/[a-z_0-9]{0,14}",
        Just("hotel/101/telemetry/json".to_owned()),
        Just("/hotel/101/telemetry/json".to_owned()),
        Just("hotel/101/heartbeat".to_owned()),
    ]
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // JSON-like text reaches deeper into the decoder than random bytes.
        r#"[\[\]{}":, 0-9a-z.eE+\\-]{0,200}"#.prop_map(String::into_bytes),
        (0..FULL.len(), any::<u8>()).prop_map(|(at, byte)| {
            let mut bytes = FULL.as_bytes().to_vec();
            bytes[at] = byte;
            bytes
        }),
        (0..FULL.len(), 0..FULL.len()).prop_map(|(a, b)| {
            let (from, to) = (a.min(b), a.max(b));
            let mut bytes = FULL.as_bytes().to_vec();
            bytes.drain(from..to);
            bytes
        }),
    ]
}

fn encode(room: RoomId, t: &Telemetry, unit: TimestampUnit) -> String {
    let mut out = String::new();
    write_telemetry(&mut out, room, t, unit).unwrap();
    out
}

fn decode_json(room: RoomId, payload: &str) -> Telemetry {
    let topic = format!("hotel/{room}/telemetry/json");
    match decode(&topic, payload.as_bytes(), NOW) {
        Ok(msg) => match msg.body {
            Body::Telemetry(t) => t,
            other => panic!("not telemetry: {other:?}"),
        },
        Err(rejection) => panic!("{payload} refused: {rejection:?}"),
    }
}

proptest! {
    #[test]
    fn decode_never_panics(topic in topic(), payload in payload(), now in any::<i64>()) {
        let _ = decode(&topic, &payload, now);
    }

    #[test]
    fn device_output_decodes_to_the_same_message(
        room in room_id(),
        t in telemetry(),
        millis in any::<bool>(),
    ) {
        let (unit, ts_ms) = if millis {
            (TimestampUnit::Millis, t.ts_ms)
        } else {
            (TimestampUnit::Seconds, t.ts_ms.div_euclid(1000) * 1000)
        };
        let payload = encode(room, &t, unit);
        let decoded = decode_json(room, &payload);
        prop_assert_eq!(decoded, Telemetry { ts_ms, ..t }, "{}", payload);
    }

    #[test]
    fn one_out_of_range_value_costs_only_itself(
        room in room_id(),
        sensors in SENSORS.map(good_value),
        (bad_at, bad) in (0..SENSORS.len()).prop_flat_map(|i| (Just(i), bad_value(SENSORS[i]))),
    ) {
        let mut t = Telemetry::at(NOW);
        for (metric, value) in SENSORS.into_iter().zip(sensors) {
            t.values[metric.index()] = Some(value);
        }
        let bad_metric = SENSORS[bad_at];
        t.values[bad_metric.index()] = Some(bad);

        let payload = encode(room, &t, TimestampUnit::Millis);
        let decoded = decode_json(room, &payload);
        prop_assert_eq!(decoded.problems.count(RejectReason::Range), 1, "{}", payload);
        prop_assert_eq!(decoded.problems.iter().count(), 1);
        for metric in SENSORS {
            let expected = if metric == bad_metric { None } else { t.values[metric.index()] };
            prop_assert_eq!(decoded.values[metric.index()], expected, "{}", metric);
        }
    }
}
