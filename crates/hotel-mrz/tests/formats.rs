//! Every format and every rule, on ICAO 9303 specimens and invented data.

use hotel_mrz::{
    CharClass, Date, DateProblem, DigitVerdict, Field, Fields, Format, MrzError, ParseOptions,
    ProblemKind, Resolved, Sex, generate, parse,
};

/// ICAO 9303 Part 4 (TD3) specimen.
const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                   L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// ICAO 9303 Part 5 (TD1) specimen.
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                   7408122F1204159UTO<<<<<<<<<<<6\n\
                   ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
/// ICAO 9303 Part 6 (TD2) specimen.
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
                   D231458907UTO7408122F1204159<<<<<<<6";
/// ICAO 9303 Part 7 (MRV-A) specimen.
const MRV_A: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                     L8988901C4XXX4009078F96121096ZE184226B<<<<<<";
/// ICAO 9303 Part 7 (MRV-B) specimen.
const MRV_B: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
                     L8988901C4XXX4009078F9612109<<<<<<<<";
/// Invented French ID card (1988–2021 layout): department 750, office 123.
const FRENCH: &str = "IDFRAMARTIN<<<<<<<<<<<<<<<<<<<750123\n\
                      9902750123453JEANNE<<LOUISE8507147F5";

fn options() -> ParseOptions {
    ParseOptions::new(Date::new(2025, 6, 15).unwrap())
}

fn date(y: u16, m: u8, d: u8) -> Resolved {
    Resolved::Full(Date::new(y, m, d).unwrap())
}

/// Replaces the character at (line, column), both 1-based.
fn with_char(text: &str, line: usize, column: usize, c: char) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[line - 1].replace_range(column - 1..column, &c.to_string());
    lines.join("\n")
}

fn check_names(text: &str) -> Vec<&'static str> {
    let mrz = parse(text, &options()).unwrap();
    mrz.checks().iter().map(|c| c.field.name()).collect()
}

#[test]
fn parses_td3_specimen() {
    let mrz = parse(TD3, &options()).unwrap();
    assert_eq!(mrz.format(), Format::Td3);
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(mrz.document_code(), "P");
    assert_eq!(mrz.issuing_state(), "UTO");
    assert_eq!(mrz.surname(), "ERIKSSON");
    assert_eq!(mrz.given_names(), "ANNA MARIA");
    assert_eq!(mrz.document_number(), "L898902C3");
    assert_eq!(mrz.nationality(), Some("UTO"));
    assert_eq!(mrz.birth_date_raw(), "740812");
    assert_eq!(mrz.birth_date(), date(1974, 8, 12));
    assert_eq!(mrz.sex(), Sex::Female);
    assert_eq!(mrz.expiry_date_raw(), Some("120415"));
    assert_eq!(mrz.expiry_date(), Some(date(2012, 4, 15)));
    assert_eq!(mrz.is_expired(Date::new(2025, 6, 15).unwrap()), Some(true));
    assert_eq!(mrz.optional_data(), Some("ZE184226B"));
    assert_eq!(
        check_names(TD3),
        [
            "document_number",
            "birth_date",
            "expiry_date",
            "optional_data",
            "composite"
        ]
    );
}

#[test]
fn parses_td1_specimen() {
    let mrz = parse(TD1, &options()).unwrap();
    assert_eq!(mrz.format(), Format::Td1);
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(mrz.document_code(), "I");
    assert_eq!(mrz.document_number(), "D23145890");
    assert!(!mrz.has_long_document_number());
    assert_eq!(mrz.surname(), "ERIKSSON");
    assert_eq!(mrz.given_names(), "ANNA MARIA");
    assert_eq!(mrz.nationality(), Some("UTO"));
    assert_eq!(mrz.optional_data(), Some(""));
    assert_eq!(mrz.optional_data_2(), Some(""));
    assert_eq!(
        check_names(TD1),
        ["document_number", "birth_date", "expiry_date", "composite"]
    );
}

#[test]
fn parses_td2_specimen() {
    let mrz = parse(TD2, &options()).unwrap();
    assert_eq!(mrz.format(), Format::Td2);
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(mrz.document_number(), "D23145890");
    assert_eq!(mrz.birth_date(), date(1974, 8, 12));
    assert_eq!(
        check_names(TD2),
        ["document_number", "birth_date", "expiry_date", "composite"]
    );
}

#[test]
fn parses_visa_specimens_without_composite() {
    for (text, format, optional) in [
        (MRV_A, Format::MrvA, "6ZE184226B"),
        (MRV_B, Format::MrvB, ""),
    ] {
        let mrz = parse(text, &options()).unwrap();
        assert_eq!(mrz.format(), format);
        assert!(mrz.is_valid(), "{format}: {:?}", mrz.problems());
        assert_eq!(mrz.document_code(), "V");
        assert_eq!(mrz.document_number(), "L8988901C");
        assert_eq!(mrz.nationality(), Some("XXX"));
        assert_eq!(mrz.birth_date(), date(1940, 9, 7));
        assert_eq!(mrz.expiry_date(), Some(date(1996, 12, 10)));
        assert_eq!(mrz.optional_data(), Some(optional));
        assert_eq!(
            check_names(text),
            ["document_number", "birth_date", "expiry_date"]
        );
    }
}

#[test]
fn parses_french_identity_card() {
    let mrz = parse(FRENCH, &options()).unwrap();
    assert_eq!(mrz.format(), Format::FrenchId);
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(mrz.document_code(), "ID");
    assert_eq!(mrz.issuing_state(), "FRA");
    assert_eq!(mrz.surname(), "MARTIN");
    assert_eq!(mrz.given_names(), "JEANNE LOUISE");
    assert_eq!(mrz.administrative_code(), Some("750123"));
    assert_eq!(mrz.document_number(), "990275012345");
    assert_eq!(mrz.birth_date(), date(1985, 7, 14));
    assert_eq!(mrz.sex(), Sex::Female);
    assert_eq!(mrz.nationality(), None);
    assert_eq!(mrz.expiry_date(), None);
    assert_eq!(mrz.optional_data(), None);
    assert_eq!(
        check_names(FRENCH),
        ["document_number", "birth_date", "composite"]
    );
}

#[test]
fn generator_reproduces_the_french_fixture() {
    let fields = Fields {
        surname: "Martin".into(),
        given_names: "Jeanne  Louise".into(),
        document_number: "990275012345".into(),
        birth_date: "850714".into(),
        sex: 'F',
        administrative_code: "750123".into(),
        ..Fields::default()
    };
    assert_eq!(generate(Format::FrenchId, &fields).unwrap(), FRENCH);
}

#[test]
fn reads_td1_long_document_number_from_optional_data() {
    // Invented: number D23145890AB12, continuation "AB12", its check
    // digit, a filler, then optional data "XY".
    let fields = Fields {
        issuing_state: "UTO".into(),
        surname: "ERIKSSON".into(),
        given_names: "ANNA MARIA".into(),
        document_number: "D23145890AB12".into(),
        nationality: "UTO".into(),
        birth_date: "740812".into(),
        sex: 'F',
        expiry_date: "120415".into(),
        optional_data: "XY".into(),
        ..Fields::default()
    };
    let text = generate(Format::Td1, &fields).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        // The check digit of D23145890AB12 is 5 (computed independently).
        "I<UTOD23145890<AB125<XY<<<<<<<"
    );
    let mrz = parse(&text, &options()).unwrap();
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert!(mrz.has_long_document_number());
    assert_eq!(mrz.document_number(), "D23145890AB12");
    assert_eq!(mrz.optional_data(), Some("XY"));
    let check = mrz.check(Field::DocumentNumber).unwrap();
    assert_eq!((check.line, check.column), (1, 20));

    // A wrong digit in the continuation is caught by the moved check.
    let bad = with_char(&text, 1, 19, '3');
    let mrz = parse(&bad, &options()).unwrap();
    assert!(!mrz.check(Field::DocumentNumber).unwrap().is_valid());
}

#[test]
fn reads_td2_long_document_number_from_optional_data() {
    let fields = Fields {
        issuing_state: "UTO".into(),
        surname: "ERIKSSON".into(),
        document_number: "D231458907734".into(),
        nationality: "UTO".into(),
        birth_date: "740812".into(),
        sex: 'F',
        expiry_date: "120415".into(),
        ..Fields::default()
    };
    let text = generate(Format::Td2, &fields).unwrap();
    let mrz = parse(&text, &options()).unwrap();
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(mrz.document_number(), "D231458907734");
    assert_eq!(mrz.optional_data(), Some(""));
}

#[test]
fn flags_long_number_marker_without_continuation() {
    // A filler in the number's check position, nothing in the optional data.
    let text = with_char(TD1, 1, 15, '<');
    let mrz = parse(&text, &options()).unwrap();
    assert!(!mrz.is_valid());
    assert!(
        mrz.problems()
            .iter()
            .any(|p| p.kind == ProblemKind::MissingNumberContinuation)
    );
}

#[test]
fn names_each_failing_check_digit_with_its_position() {
    let cases = [
        (TD3, 2, 10, Field::DocumentNumber),
        (TD3, 2, 20, Field::BirthDate),
        (TD3, 2, 28, Field::ExpiryDate),
        (TD3, 2, 43, Field::OptionalData),
        (TD3, 2, 44, Field::Composite),
        (TD1, 1, 15, Field::DocumentNumber),
        (TD1, 2, 7, Field::BirthDate),
        (TD1, 2, 15, Field::ExpiryDate),
        (TD1, 2, 30, Field::Composite),
        (TD2, 2, 36, Field::Composite),
        (MRV_A, 2, 28, Field::ExpiryDate),
        (MRV_B, 2, 10, Field::DocumentNumber),
        (FRENCH, 2, 13, Field::DocumentNumber),
        (FRENCH, 2, 34, Field::BirthDate),
        (FRENCH, 2, 36, Field::Composite),
    ];
    for (text, line, column, field) in cases {
        let original = text.lines().nth(line - 1).unwrap().as_bytes()[column - 1];
        let replacement = if original == b'9' { '8' } else { '9' };
        let bad = with_char(text, line, column, replacement);
        let mrz = parse(&bad, &options()).unwrap();
        assert!(!mrz.is_valid());
        let check = mrz.check(field).unwrap();
        assert!(
            matches!(check.digit, DigitVerdict::Mismatch { .. }),
            "{field:?}"
        );
        assert_eq!((check.line as usize, check.column as usize), (line, column));
        let problem = mrz.problems().iter().find(|p| p.field == field).unwrap();
        assert_eq!(
            (problem.line as usize, problem.column as usize),
            (line, column)
        );
        // Only this check fails, and the composite, which covers it.
        assert!(
            mrz.checks()
                .iter()
                .all(|c| c.is_valid() || c.field == field || c.field == Field::Composite)
        );
    }
}

#[test]
fn reports_the_computed_and_written_digit() {
    let bad = with_char(TD3, 2, 20, '7');
    let mrz = parse(&bad, &options()).unwrap();
    let check = mrz.check(Field::BirthDate).unwrap();
    assert_eq!(
        check.digit,
        DigitVerdict::Mismatch {
            expected: 2,
            found: 7
        }
    );
    // The composite covers the birth check digit too.
    assert!(!mrz.check(Field::Composite).unwrap().is_valid());
}

#[test]
fn letter_in_check_digit_position_is_not_a_digit() {
    let bad = with_char(TD3, 2, 10, 'G');
    let mrz = parse(&bad, &options()).unwrap();
    assert_eq!(
        mrz.check(Field::DocumentNumber).unwrap().digit,
        DigitVerdict::NotADigit { expected: 6 }
    );
}

#[test]
fn impossible_date_is_invalid_even_with_right_check_digit() {
    for (raw, problem, column) in [
        ("741312", DateProblem::Month, 16),
        ("740841", DateProblem::Day, 18),
        ("740230", DateProblem::Day, 18),
    ] {
        let fields = Fields {
            surname: "ERIKSSON".into(),
            document_number: "L898902C3".into(),
            birth_date: raw.into(),
            expiry_date: "300101".into(),
            sex: 'F',
            ..Fields::default()
        };
        let text = generate(Format::Td3, &fields).unwrap();
        let mrz = parse(&text, &options()).unwrap();
        let check = mrz.check(Field::BirthDate).unwrap();
        assert_eq!(check.digit, DigitVerdict::Match);
        assert!(!check.content_ok);
        assert!(!check.is_valid());
        assert!(!mrz.is_valid());
        assert_eq!(mrz.birth_date(), Resolved::Impossible(problem));
        let p = mrz.problems()[0];
        assert_eq!(p.kind, ProblemKind::ImpossibleDate(problem));
        assert_eq!((p.field, p.line, p.column), (Field::BirthDate, 2, column));
        assert!(p.to_string().contains("cannot be a date"));
    }
}

#[test]
fn keeps_unknown_date_parts_unknown() {
    let fields = Fields {
        surname: "DOE".into(),
        document_number: "L898902C3".into(),
        birth_date: "80<<<<".into(),
        expiry_date: "3001<<".into(),
        ..Fields::default()
    };
    let text = generate(Format::Td3, &fields).unwrap();
    let mrz = parse(&text, &options()).unwrap();
    assert!(mrz.is_valid(), "{:?}", mrz.problems());
    assert_eq!(
        mrz.birth_date(),
        Resolved::Partial {
            year: 1980,
            month: None
        }
    );
    assert_eq!(mrz.birth_date().to_iso().as_deref(), Some("1980"));
    assert_eq!(
        mrz.expiry_date().and_then(Resolved::to_iso).as_deref(),
        Some("2030-01")
    );
}

#[test]
fn never_corrects_a_letter_in_a_date() {
    let bad = with_char(TD3, 2, 16, 'O');
    let mrz = parse(&bad, &options()).unwrap();
    assert_eq!(mrz.birth_date_raw(), "74O812");
    let p = mrz
        .problems()
        .iter()
        .find(|p| p.field == Field::BirthDate && p.column == 16)
        .unwrap();
    assert_eq!(
        p.kind,
        ProblemKind::WrongCharacter {
            expected: CharClass::Numeric
        }
    );
}

#[test]
fn flags_digits_in_names_and_country_codes() {
    let bad = with_char(TD3, 1, 12, '0');
    let mrz = parse(&bad, &options()).unwrap();
    assert_eq!(mrz.surname(), "ERIKSS0N");
    let p = mrz.problems()[0];
    assert_eq!((p.field, p.line, p.column), (Field::Name, 1, 12));

    let bad = with_char(TD3, 2, 12, '7');
    let mrz = parse(&bad, &options()).unwrap();
    assert!(
        mrz.problems()
            .iter()
            .any(|p| p.field == Field::Nationality && p.column == 12)
    );
}

#[test]
fn flags_a_filler_before_a_letter_in_a_country_code() {
    // Germany's one-letter code is padded at its end.
    let padded = TD3.replacen("P<UTO", "P<D<<", 1);
    assert!(parse(&padded, &options()).unwrap().is_valid());

    for (line, column, field) in [
        (1, 3, Field::IssuingState),
        (1, 4, Field::IssuingState),
        (2, 11, Field::Nationality),
    ] {
        let bad = with_char(TD3, line, column, '<');
        let mrz = parse(&bad, &options()).unwrap();
        assert!(!mrz.is_valid(), "{bad}");
        let p = mrz.problems()[0];
        assert_eq!(
            (p.field, usize::from(p.line), usize::from(p.column), p.kind),
            (field, line, column, ProblemKind::FillerInsideCode)
        );
        assert_eq!(p.kind.name(), "filler_inside_code");
    }
}

#[test]
fn accepts_sexes_m_f_x_and_filler_only() {
    for (c, sex) in [
        ('M', Sex::Male),
        ('F', Sex::Female),
        ('X', Sex::Unspecified),
        ('<', Sex::NotStated),
    ] {
        let fields = Fields {
            surname: "DOE".into(),
            document_number: "L898902C3".into(),
            sex: c,
            ..Fields::default()
        };
        let mrz = parse(&generate(Format::Td3, &fields).unwrap(), &options()).unwrap();
        assert!(mrz.is_valid());
        assert_eq!(mrz.sex(), sex);
    }
    let bad = with_char(TD3, 2, 21, 'Q');
    let mrz = parse(&bad, &options()).unwrap();
    assert_eq!(mrz.sex(), Sex::Invalid);
    assert!(
        mrz.problems()
            .iter()
            .any(|p| p.kind == ProblemKind::InvalidSex)
    );
}

#[test]
fn empty_personal_number_takes_filler_or_zero_check_digit() {
    let fields = Fields {
        surname: "DOE".into(),
        document_number: "L898902C3".into(),
        ..Fields::default()
    };
    let text = generate(Format::Td3, &fields).unwrap();
    assert_eq!(&text[text.len() - 2..text.len() - 1], "<");
    assert!(parse(&text, &options()).unwrap().is_valid());
    let zero = with_char(&text, 2, 43, '0');
    assert!(parse(&zero, &options()).unwrap().is_valid());
}

#[test]
fn tolerates_whitespace_crlf_and_lower_case_and_says_so() {
    let messy = format!(
        "\r\n   {}\r\n{}   \r\n\r\n",
        "p<uto ERIKSSON<<ANNA<MARIA <<<<<<<<<<<<<<<<<<<",
        "L898902C36 UTO 7408122 F 1204159 ZE184226B<<<<<10"
    );
    let mrz = parse(&messy, &options()).unwrap();
    assert!(mrz.is_valid());
    assert!(mrz.normalisation().lowercase);
    assert!(mrz.normalisation().inner_whitespace);
    assert_eq!(mrz.lines().collect::<Vec<_>>().join("\n"), TD3);
}

#[test]
fn malformed_input_names_line_and_column() {
    let cases: [(&str, &str, usize, usize); 5] = [
        ("", "empty", 0, 0),
        (&TD3[..TD3.len() - 1], "line_length", 2, 44),
        ("P<UTO\nL898", "unknown_format", 1, 0),
        (TD3.split('\n').next().unwrap(), "line_count", 2, 0),
        (
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F12041_9UTO<<<<<<<<<<<6\nX",
            "invalid_character",
            2,
            14,
        ),
    ];
    for (text, kind, line, column) in cases {
        let error = parse(text, &options()).unwrap_err();
        assert_eq!(
            (error.kind(), error.line(), error.column()),
            (kind, line, column),
            "{text:?}"
        );
    }
    // The character is not shown: it may be a letter of a name.
    let error = parse(&TD3.replacen('A', "\u{c4}", 1), &options()).unwrap_err();
    assert_eq!(error.kind(), "invalid_character");
    assert!(!error.to_string().contains('\u{c4}'), "{error}");
    assert_eq!(
        parse(&TD3.replace('\n', "\n\n"), &options()).map(|m| m.is_valid()),
        Ok(true),
        "blank lines between MRZ lines are tolerated"
    );
    assert!(matches!(
        parse("P<UTO€", &options()),
        Err(MrzError::InvalidCharacter { found: '€', .. })
    ));
}

#[test]
fn format_is_chosen_by_shape_and_document_code() {
    // A 2×36 starting "IDFRA" is the French card; other 2×36 are TD2 or,
    // with code V, MRV-B.
    assert_eq!(
        parse(FRENCH, &options()).unwrap().format(),
        Format::FrenchId
    );
    assert_eq!(parse(TD2, &options()).unwrap().format(), Format::Td2);
    assert_eq!(parse(MRV_B, &options()).unwrap().format(), Format::MrvB);
    assert_eq!(parse(MRV_A, &options()).unwrap().format(), Format::MrvA);
}

#[test]
fn check_digits_cannot_see_swaps_within_a_residue_class() {
    // Documented limit of ICAO 9303: 'S' (28) and '8' have the same value
    // modulo 10 (as have 'A', 'K', 'U', '<' and '0'), so swapping them in an
    // alphanumeric field leaves every check digit right. Only the field
    // class can catch such a swap, and a document number allows both.
    let swapped = with_char(TD3, 2, 2, 'S');
    assert!(parse(&swapped, &options()).unwrap().is_valid());
}

#[test]
fn nothing_personal_reaches_debug_or_error_text() {
    let bad = with_char(TD3, 2, 20, '7');
    let mrz = parse(&bad, &options()).unwrap();
    let mut text = format!("{mrz:?} {:?}", mrz.to_fields());
    for p in mrz.problems() {
        text.push_str(&format!("{p} {p:?}"));
    }
    for secret in ["L898902C3", "ERIKSSON", "ANNA", "740812", "ZE184226B"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}
