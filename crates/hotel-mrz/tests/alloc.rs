//! The validate-only path does not allocate: parse and every verdict run
//! while `allocation-counter` counts this thread's allocations.
//!
//! The workspace forbids `unsafe_code` (and `forbid` cannot be relaxed by an
//! `allow` in one file), so the counting global allocator comes from the
//! `allocation-counter` dev-dependency instead of a local `GlobalAlloc`.

use hotel_mrz::ocr::{CharSet, check_candidates, position_candidates};
use hotel_mrz::{Date, Format, ParseOptions, parse, validate};

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                   L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// Invented TD1 with a long number, an impossible birth month, a digit in
/// the name and a wrong composite: every problem path runs.
const TD1_BAD: &str = "I<UTOD23145890<AB125<XY<<<<<<<\n\
                       7413122F1204159UTO<<<<<<<<<<<7\n\
                       ERIKSS0N<<ANNA<MARIA<<<<<<<<<<";

#[test]
fn validate_only_path_does_not_allocate() {
    let options = ParseOptions::new(Date::new(2025, 6, 15).unwrap());
    let mut seen = 0;
    let info = allocation_counter::measure(|| {
        for text in [TD3, TD1_BAD, "p<uto bad\r\n", "", "P<UTO#"] {
            if validate(text, &options) == Ok(true) {
                seen += 1;
            }
            if let Ok(mrz) = parse(text, &options) {
                for check in mrz.checks() {
                    seen += usize::from(check.is_valid());
                }
                seen += mrz.problems().len();
                seen += mrz.document_number().len() + mrz.birth_date_raw().len();
                seen += usize::from(mrz.birth_date().date().is_some());
            }
        }
    });
    assert_eq!(info.count_total, 0, "allocations on the validate path");
    assert!(seen > 10);
}

#[test]
fn ocr_scoring_does_not_allocate() {
    let l1 = &TD3.as_bytes()[..44];
    let l2 = &TD3.as_bytes()[45..];
    let mut total = 0;
    let info = allocation_counter::measure(|| {
        total += check_candidates(b"740812", 3, 2, CharSet::DIGITS).len();
        for column in 0..44 {
            total += position_candidates(Format::Td3, &[l1, l2], 1, column).map_or(0, CharSet::len);
        }
    });
    assert_eq!(info.count_total, 0);
    assert!(total > 0);
}

#[test]
fn counter_sees_allocations() {
    let info = allocation_counter::measure(|| {
        let v: Vec<u8> = Vec::with_capacity(std::hint::black_box(16));
        std::hint::black_box(v);
    });
    assert_eq!(info.count_total, 1);
}
