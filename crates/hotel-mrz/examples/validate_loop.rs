//! A plain loop of `validate()` or `parse()` calls, for instruction counts
//! and timing without criterion's harness (used by `docs/performance.md`).
//!
//! ```text
//! cargo build --release -p hotel-mrz --example validate_loop
//! valgrind --tool=callgrind --dump-instr=no target/release/examples/validate_loop td3 100000
//! ```
//!
//! The first argument picks the call: `td3` or `td1` run `validate()` on the
//! ICAO specimen, `parse-td3` or `parse-td1` run `parse()` and keep the whole
//! record, `score` runs the OCR check-digit scoring call. The second is the
//! number of calls. It prints how many calls succeeded and the time per call.

use std::hint::black_box;
use std::time::Instant;

use hotel_mrz::ocr::{CharSet, check_candidates};
use hotel_mrz::{Date, ParseOptions, parse, validate};

/// ICAO 9303 Part 4 specimen.
const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                   L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// ICAO 9303 Part 5 specimen.
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                   7408122F1204159UTO<<<<<<<<<<<6\n\
                   ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "td3".to_owned());
    let calls: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let options = ParseOptions::new(Date::new(2025, 6, 15).expect("a real date"));

    let started = Instant::now();
    let mut ok = 0u64;
    for _ in 0..calls {
        ok += u64::from(match what.as_str() {
            "td1" => validate(black_box(TD1), &options) == Ok(true),
            // The record goes through `black_box`, so all of it is built.
            "parse-td3" => black_box(parse(black_box(TD3), &options)).is_ok(),
            "parse-td1" => black_box(parse(black_box(TD1), &options)).is_ok(),
            "score" => !check_candidates(black_box(b"740812"), 3, 2, CharSet::DIGITS).is_empty(),
            _ => validate(black_box(TD3), &options) == Ok(true),
        });
    }
    let elapsed = started.elapsed();

    let per_call_ns = elapsed.as_secs_f64() * 1e9 / calls.max(1) as f64;
    eprintln!("{what}: {ok}/{calls} ok, {per_call_ns:.1} ns per call");
}
