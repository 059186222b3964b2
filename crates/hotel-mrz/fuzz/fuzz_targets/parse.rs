//! Fuzz target: the MRZ parser and the `parse --json` command on any bytes.
//!
//! Checks that nothing panics, that validity and the problem list agree, and
//! that a valid MRZ's fields generate an MRZ that is valid again.
#![no_main]

use hotel_mrz::cli::run_parse_with;
use hotel_mrz::{Date, ParseOptions, generate, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = ParseOptions::new(Date::new(2025, 6, 15).expect("a real date"));
    if let Ok(mrz) = parse(&text, &options) {
        assert_eq!(mrz.is_valid(), mrz.problems().is_empty());
        let fields = mrz.to_fields();
        if mrz.is_valid() {
            if let Ok(again) = generate(mrz.format(), &fields) {
                let reparsed = parse(&again, &options).expect("generated MRZ is well formed");
                assert!(reparsed.is_valid(), "generated MRZ is invalid");
            }
        }
    }
    let _ = run_parse_with(&text, true, &options, &mut Vec::new());
});
