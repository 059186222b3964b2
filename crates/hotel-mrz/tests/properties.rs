//! Property tests: generate→parse round trips for every format, single
//! character changes in checked fields are caught, parsing never panics.
//!
//! `PROPTEST_CASES` raises the case count (default 256) for a longer run.

use hotel_mrz::check::{char_value, check_digit};
use hotel_mrz::cli::run_parse_with;
use hotel_mrz::ocr::{CharSet, check_candidates};
use hotel_mrz::{CharClass, Date, Fields, Format, ParseOptions, generate, parse, validate};
use proptest::prelude::*;
use proptest::sample::select;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

fn options() -> ParseOptions {
    ParseOptions::new(Date::new(2025, 6, 15).unwrap())
}

fn format() -> impl Strategy<Value = Format> {
    select(Format::ALL.to_vec())
}

/// `YYMMDD` with days that exist in every month, or unknown parts.
fn mrz_date() -> impl Strategy<Value = String> {
    let part = |max: u8| {
        prop_oneof![
            9 => (1..=max).prop_map(|v| format!("{v:02}")),
            1 => Just("<<".to_owned()),
        ]
    };
    (0u8..100, part(12), part(28)).prop_map(|(y, m, d)| format!("{y:02}{m}{d}"))
}

/// Fields that fit `format` without truncation.
fn fields_for(format: Format) -> impl Strategy<Value = Fields> {
    let (codes, max_number, max_optional, max_optional_2): (Vec<&str>, usize, usize, usize) =
        match format {
            Format::Td3 => (vec!["P", "PO"], 9, 14, 0),
            Format::MrvA => (vec!["V", "VA"], 9, 16, 0),
            Format::MrvB => (vec!["V", "VC"], 9, 8, 0),
            Format::Td2 => (vec!["I", "AC", "IR"], 14, 7, 0),
            Format::Td1 => (vec!["I", "ID", "AC"], 22, 15, 11),
            _ => (vec!["ID"], 12, 0, 0),
        };
    let french = format == Format::FrenchId;
    (
        select(codes),
        "[A-Z]{3}|D",
        "[A-Z]{1,8}( [A-Z]{1,5})?",
        "([A-Z]{1,6}( [A-Z]{1,6})?)?",
        proptest::string::string_regex(&format!("[A-Z0-9]{{1,{max_number}}}")).unwrap(),
        "[A-Z]{3}",
        mrz_date(),
        select(vec!['M', 'F', 'X', '<']),
        mrz_date(),
        proptest::string::string_regex(&format!("([A-Z0-9]{{0,{max_optional}}})")).unwrap(),
        proptest::string::string_regex(&format!("[A-Z0-9]{{0,{max_optional_2}}}")).unwrap(),
        "[0-9]{3}[0-9A-Z]{3}",
    )
        .prop_map(move |t| {
            let (code, state, surname, given, number, nat, birth, sex, expiry, opt, opt2, admin) =
                t;
            if french {
                Fields {
                    document_code: code.into(),
                    issuing_state: "FRA".into(),
                    surname,
                    given_names: given,
                    document_number: number,
                    birth_date: birth,
                    sex,
                    administrative_code: admin,
                    ..Fields::default()
                }
            } else {
                Fields {
                    document_code: code.into(),
                    // "ID" issued by FRA on 2×36 reads as the French card.
                    issuing_state: if state == "FRA" { "FRB".into() } else { state },
                    surname,
                    given_names: given,
                    document_number: number,
                    nationality: nat,
                    birth_date: birth,
                    sex,
                    expiry_date: expiry,
                    optional_data: opt,
                    optional_data_2: opt2,
                    ..Fields::default()
                }
            }
        })
        // A long number and the optional data must share the optional field.
        .prop_filter("long number fits", move |f| {
            let (base, room) = match format {
                Format::Td1 => (9, 15),
                Format::Td2 => (9, 7),
                _ => return true,
            };
            let rest = f.document_number.len().saturating_sub(base);
            rest == 0 || rest + 2 + f.optional_data.len() <= room
        })
}

fn valid_mrz() -> impl Strategy<Value = (Format, Fields, String)> {
    format().prop_flat_map(|format| {
        fields_for(format).prop_map(move |fields| {
            let text = generate(format, &fields).unwrap();
            (format, fields, text)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        max_global_rejects: 1_000_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generate_then_parse_round_trips((format, fields, text) in valid_mrz()) {
        let mrz = parse(&text, &options()).unwrap();
        prop_assert_eq!(mrz.format(), format);
        prop_assert!(mrz.is_valid(), "{:?}\n{}", mrz.problems(), text);
        prop_assert!(mrz.to_fields() == fields, "fields differ for\n{}", text);
        prop_assert!(mrz.checks().iter().all(|c| c.is_valid()));
    }

    #[test]
    fn single_change_in_a_checked_field_is_detected(
        (format, _fields, text) in valid_mrz(),
        rule_pick in any::<prop::sample::Index>(),
        pos_pick in any::<prop::sample::Index>(),
        shift in 1usize..ALPHABET.len(),
    ) {
        let mrz = parse(&text, &options()).unwrap();
        prop_assume!(!mrz.has_long_document_number());
        let rule = rule_pick.get(format.checks());

        // Every position the check covers, plus the check digit itself.
        let mut positions: Vec<(usize, usize)> = rule
            .covers
            .iter()
            .flat_map(|s| (s.start..s.start + s.len).map(move |c| (s.line.into(), c.into())))
            .collect();
        positions.push((rule.line.into(), rule.column.into()));
        let (line, column) = *pos_pick.get(&positions);

        let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
        let old = lines[line][column];
        let old_index = ALPHABET.iter().position(|&c| c == old).unwrap();
        let new_char = ALPHABET[(old_index + shift) % ALPHABET.len()];
        lines[line][column] = new_char;
        let changed: Vec<String> =
            lines.iter().map(|l| String::from_utf8(l.clone()).unwrap()).collect();
        let changed = changed.join("\n");
        let after = parse(&changed, &options()).unwrap();

        let class = format.class_at(line, column).unwrap();
        let same_residue = char_value(old).unwrap() % 10 == char_value(new_char).unwrap() % 10;
        let is_check_digit = class == CharClass::CheckDigit;
        // A filler check digit over an all-filler field equals '0'.
        let filler_zero = is_check_digit && matches!((old, new_char), (b'<', b'0') | (b'0', b'<'));
        if is_check_digit && !filler_zero {
            prop_assert!(!after.is_valid(), "check digit change unseen:\n{}", changed);
        }
        if !is_check_digit && (!same_residue || !class.allows(new_char)) {
            prop_assert!(!after.is_valid(), "change unseen:\n{}", changed);
        }
        // In a date, every single change is caught.
        if class == CharClass::Numeric {
            prop_assert!(!after.is_valid(), "date change unseen:\n{}", changed);
        }
    }

    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        let _ = parse(&text, &options());
    }

    #[test]
    fn parse_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, &options());
        let _ = run_parse_with(&text, true, &options(), &mut Vec::new());
    }

    #[test]
    fn parse_never_panics_on_mrz_shaped_noise(
        len in select(vec![30usize, 36, 44]),
        lines in 1usize..=3,
        seed in proptest::collection::vec(select(ALPHABET.to_vec()), 132),
        prefix in select(vec!["", "IDFRA", "V", "I<", "P<"]),
    ) {
        let mut text = String::new();
        for l in 0..lines {
            if l > 0 {
                text.push('\n');
            }
            let line: String = seed[l * 44..l * 44 + len].iter().map(|&b| char::from(b)).collect();
            if l == 0 {
                text.push_str(prefix);
                text.push_str(&line[prefix.len()..]);
            } else {
                text.push_str(&line);
            }
        }
        // The validate-only path agrees with the full parse.
        let parsed = parse(&text, &options());
        prop_assert_eq!(validate(&text, &options()), parsed.as_ref().map(|m| m.is_valid()).map_err(|e| *e));
        if let Ok(mrz) = parsed {
            // Every accessor works on any well-formed MRZ.
            let _ = (mrz.to_fields(), mrz.surname(), mrz.given_names(), mrz.document_number());
            let _ = (mrz.optional_data(), mrz.birth_date().to_iso(), mrz.expiry_date());
            prop_assert_eq!(mrz.is_valid(), mrz.problems().is_empty());
        }
        let _ = run_parse_with(&text, false, &options(), &mut Vec::new());
    }

    #[test]
    fn check_candidates_match_the_check_digit(
        field in proptest::collection::vec(select(ALPHABET.to_vec()), 1..20),
        pick in any::<prop::sample::Index>(),
    ) {
        let position = pick.index(field.len());
        let check = check_digit(&field).unwrap();
        let set = check_candidates(&field, position, check, CharSet::ALL);
        prop_assert!(set.contains(field[position]));
        for c in set.iter() {
            let mut f = field.clone();
            f[position] = c;
            prop_assert_eq!(check_digit(&f), Some(check));
        }
    }
}
