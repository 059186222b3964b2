//! Parse and validate speed of the MRZ text layer, OCR scoring, and reading
//! a 1280×720 camera frame (locate, classify, the whole read).
//!
//! Run: `cargo bench -p hotel-mrz --bench mrz`. Each id names its input:
//! a 2×44 TD3, a 3×30 TD1, one 6-character field, a whole 2×44 MRZ, a
//! generated 1280×720 frame of a clean TD3 (needs `fonts-ocr-b`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotel_mrz::ocr::{CharSet, check_candidates, position_candidates};
use hotel_mrz::reader::{cells, classify::Model, locate, read_gray};
use hotel_mrz::synth::{Bucket, render::OcrB, sample};
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

fn reading(c: &mut Criterion) {
    let Ok(font) = OcrB::load() else {
        eprintln!("reading benches skipped: no OCR-B font (apt-get install fonts-ocr-b)");
        return;
    };
    // The first clean, valid TD3 generated into a 1280×720 frame.
    let Some(s) = (0..500u64)
        .map(|seed| sample(seed, Bucket::Clean, &font))
        .find(|s| s.truth.valid && s.truth.format == "td3" && s.truth.params.frame == [1280, 720])
    else {
        eprintln!("reading benches skipped: no 1280×720 TD3 among the seeds tried");
        return;
    };
    let frame = image::DynamicImage::ImageRgb8(s.image.clone()).to_luma8();
    let options = ParseOptions::new(Date::new(2026, 1, 1).expect("a real date"));
    let model = Model::builtin().expect("the built-in model loads");
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("locate/frame_1280x720", |b| {
        b.iter(|| locate::locate(black_box(&frame)))
    });
    group.bench_function("classify/td3_88_cells", |b| {
        b.iter(|| {
            let patches = cells::patches(black_box(&frame), &s.grid);
            model.probabilities(&patches)
        })
    });
    group.bench_function("read/frame_1280x720", |b| {
        b.iter(|| read_gray(black_box(&frame), &options))
    });
    group.finish();
}

criterion_group!(benches, parsing, scoring, reading);
criterion_main!(benches);
