//! How long `protocol::decode` takes per device message.
//!
//! Each bench id names its input and size (`decode/json_full_245B`); the
//! throughput is one message per iteration, so criterion reports messages/s.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotel_core::protocol::decode;

/// The receive time (2024-12-04T08:13:20Z, Unix ms).
const NOW: i64 = 1_733_300_000_000;

const JSON_TOPIC: &str = "hotel/101/telemetry/json";

/// A full message as current devices send it.
const JSON_FULL: &str = r#"{"room":"101","timestamp":1733300000,"sensors":{"temperature":22.5,"humidity":41.0,"light_percent":55,"gas_level":120,"target_temp":22.0},"state":{"thermostat_mode":"auto","fan_speed":"low","heating":true,"room_mode":"occupied","led1":true,"led2":false}}"#;

/// A message whose values are mostly wrong: types, ranges, words, timestamp.
const JSON_BAD: &str = r#"{"room":"101","timestamp":"yesterday","sensors":{"temperature":"22.5","humidity":140,"light_percent":-3,"gas_level":null,"target_temp":[22]},"state":{"thermostat_mode":"ECO","fan_speed":"turbo","heating":2,"room_mode":"party","led1":"maybe","led2":"OFF"}}"#;

fn protocol_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(1));

    let inputs = [
        ("json_full", JSON_TOPIC, JSON_FULL),
        (
            "plain_temperature",
            "hotel/101/telemetry/temperature",
            "22.5",
        ),
        ("json_bad_values", JSON_TOPIC, JSON_BAD),
    ];
    for (name, topic, payload) in inputs {
        // Every input must decode, or the bench measures the wrong path.
        assert!(decode(topic, payload.as_bytes(), NOW).is_ok(), "{name}");
        group.bench_function(format!("{name}_{}B", payload.len()), |b| {
            b.iter(|| decode(black_box(topic), black_box(payload.as_bytes()), NOW))
        });
    }
    group.finish();
}

criterion_group!(benches, protocol_decode);
criterion_main!(benches);
