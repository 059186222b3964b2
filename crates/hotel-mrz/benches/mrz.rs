//! Parse and validate speed of the MRZ text layer, and OCR scoring.
//!
//! Run: `cargo bench -p hotel-mrz --bench mrz`. Each id names its input:
//! a 2×44 TD3, a 3×30 TD1, one 6-character field, a whole 2×44 MRZ.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotel_mrz::ocr::{CharSet, check_candidates, position_candidates};
use hotel_mrz::{Date, Format, ParseOptions, parse, validate};

/// ICAO 9303 Part 4 specimen.
const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                   L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// ICAO 9303 Part 5 specimen.
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                   7408122F1204159UTO<<<<<<<<<<<6\n\
                   ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn parsing(c: &mut Criterion) {
    let options = ParseOptions::new(Date::new(2025, 6, 15).expect("a real date"));
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("validate/td3_2x44", |b| {
        b.iter(|| validate(black_box(TD3), &options))
    });
    group.bench_function("validate/td1_3x30", |b| {
        b.iter(|| validate(black_box(TD1), &options))
    });
    group.bench_function("parse/td3_2x44", |b| {
        b.iter(|| parse(black_box(TD3), &options))
    });
    group.bench_function("parse/td1_3x30", |b| {
        b.iter(|| parse(black_box(TD1), &options))
    });
    group.bench_function("parse_and_fields/td3_2x44", |b| {
        b.iter(|| parse(black_box(TD3), &options).map(|m| m.to_fields()))
    });
    group.finish();
}

fn scoring(c: &mut Criterion) {
    let lines: Vec<&[u8]> = TD3.lines().map(str::as_bytes).collect();
    let mut group = c.benchmark_group("ocr");
    group.throughput(Throughput::Elements(1));
    group.bench_function("check_candidates/field_6", |b| {
        b.iter(|| check_candidates(black_box(b"740812"), 3, 2, CharSet::DIGITS))
    });
    group.bench_function("position_candidates/td3_2x44", |b| {
        b.iter(|| position_candidates(Format::Td3, black_box(&lines), 1, black_box(15)))
    });
    group.finish();
}

criterion_group!(benches, parsing, scoring);
criterion_main!(benches);
