//! Invented holders and documents: the text a synthetic document carries.
//!
//! Names are built from syllables (no list of real people), country codes
//! come from [`crate::country`], dates are plausible (birth 1935–2025,
//! expiry 2015–2037) and document numbers follow common shapes. About one
//! document in ten is made invalid on purpose: one check digit changed, or
//! an impossible date written with correct check digits. Nothing here
//! renders pixels.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::country;
use crate::fields::Fields;
use crate::generate::generate;
use crate::layout::Format;

/// Chance that a document is made invalid on purpose.
pub(crate) const INVALID_RATE: f64 = 0.1;

/// How a document was made invalid on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    /// One check digit replaced by another digit.
    CheckDigit,
    /// A month or day that no calendar has, with correct check digits.
    ImpossibleDate,
}

/// An invented document: its fields, its MRZ and the extra text of its
/// visual zone.
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) format: Format,
    pub(crate) fields: Fields,
    /// The MRZ text, lines joined by `\n` (after any deliberate damage).
    pub(crate) mrz: String,
    pub(crate) invalid: Option<Invalid>,
    /// An invented place of birth for the visual zone.
    pub(crate) place: String,
}

const ONSETS: &[&str] = &[
    "B", "C", "D", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W", "Z", "BR",
    "CH", "DR", "GR", "KL", "PR", "SH", "ST", "TR", "",
];
const VOWELS: &[&str] = &[
    "A", "E", "I", "O", "U", "A", "E", "O", "AI", "EI", "OU", "IA", "Y",
];
const CODAS: &[&str] = &[
    "", "", "", "", "N", "R", "S", "L", "M", "K", "T", "ND", "RS", "SS",
];

/// Invents a document of a format chosen by weight (TD3 most, then TD1).
pub(crate) fn invent(rng: &mut ChaCha8Rng) -> Identity {
    let format = *[
        (Format::Td3, 35),
        (Format::Td1, 25),
        (Format::Td2, 10),
        (Format::MrvA, 10),
        (Format::MrvB, 10),
        (Format::FrenchId, 10),
    ]
    .choose_weighted(rng, |(_, w)| *w)
    .map(|(f, _)| f)
    .unwrap_or(&Format::Td3);
    invent_format(rng, format)
}

/// Invents a document of `format`.
pub(crate) fn invent_format(rng: &mut ChaCha8Rng, format: Format) -> Identity {
    let mut fields = invent_fields(rng, format);
    let invalid = rng.random_bool(INVALID_RATE).then(|| {
        if rng.random_bool(0.7) {
            Invalid::CheckDigit
        } else {
            Invalid::ImpossibleDate
        }
    });
    if invalid == Some(Invalid::ImpossibleDate) {
        spoil_a_date(rng, format, &mut fields);
    }
    let mut mrz = generate(format, &fields).expect("invented fields fit every format");
    if invalid == Some(Invalid::CheckDigit) {
        spoil_a_check_digit(rng, format, &mut mrz);
    }
    let place = word(rng, 2, 3);
    Identity {
        format,
        fields,
        mrz,
        invalid,
        place,
    }
}

/// Fields that [`generate`] accepts for `format`.
fn invent_fields(rng: &mut ChaCha8Rng, format: Format) -> Fields {
    let codes: Vec<&str> = country::all()
        .map(|(c, _)| c)
        .filter(|c| c.len() == 3 || *c == "D")
        .collect();
    let mut state = (*codes.choose(rng).unwrap_or(&"UTO")).to_owned();
    let nationality = if rng.random_bool(0.8) {
        state.clone()
    } else {
        (*codes.choose(rng).unwrap_or(&"UTO")).to_owned()
    };
    let document_code = match format {
        Format::Td3 => pick(rng, &["P", "P", "P", "P", "PN", "PD", "PO", "PS"]),
        Format::Td1 => pick(rng, &["I", "I", "ID", "IR", "AC", "IP"]),
        // A TD2 starting `IDFRA` would read as a French ID card.
        Format::Td2 if state == "FRA" => pick(rng, &["I", "IR", "AC"]),
        Format::Td2 => pick(rng, &["I", "I", "ID", "IR", "AC"]),
        Format::MrvA | Format::MrvB => pick(rng, &["V", "V", "VA", "VB", "VC"]),
        Format::FrenchId => "ID".to_owned(),
    };
    if format == Format::FrenchId {
        state = "FRA".to_owned();
    }

    let surname = surname(rng);
    let given_names = (0..rng.random_range(1..=3))
        .map(|_| word(rng, 2, 3))
        .collect::<Vec<_>>()
        .join(" ");
    let birth = date(rng, 1935, 2025);
    let expiry = date(rng, 2015, 2037);
    let sex = *[('M', 48), ('F', 48), ('X', 3), ('<', 1)]
        .choose_weighted(rng, |(_, w)| *w)
        .map(|(s, _)| s)
        .unwrap_or(&'M');

    let mut fields = Fields {
        document_code,
        issuing_state: state,
        surname,
        given_names,
        nationality,
        birth_date: birth,
        sex,
        expiry_date: expiry,
        ..Fields::default()
    };
    match format {
        Format::FrenchId => {
            fields.nationality.clear();
            fields.expiry_date.clear();
            fields.document_number = digits(rng, 12);
            fields.administrative_code = format!("{}{}", digits(rng, 3), digits(rng, 3));
        }
        Format::Td1 | Format::Td2 => {
            // The long-number rule (number continuing in the optional data).
            let long = rng.random_bool(0.1);
            let len = if long { rng.random_range(10..=12) } else { 9 };
            fields.document_number = document_number(rng, len);
            let room = if format == Format::Td1 { 15 } else { 7 };
            let room = if long { room - (len - 9) - 2 } else { room };
            fields.optional_data = optional(rng, room);
            if format == Format::Td1 {
                fields.optional_data_2 = optional(rng, 11);
            }
        }
        Format::Td3 | Format::MrvA | Format::MrvB => {
            let len = if rng.random_bool(0.9) { 9 } else { 8 };
            fields.document_number = document_number(rng, len);
            let room = match format {
                Format::Td3 => 14,
                Format::MrvA => 16,
                _ => 8,
            };
            fields.optional_data = optional(rng, room);
        }
    }
    fields
}

/// A surname: one word, sometimes two joined by a space or a hyphen, rarely
/// long enough to be cut by the name field.
fn surname(rng: &mut ChaCha8Rng) -> String {
    let mut name = word(rng, 1, 4);
    let parts = *[(1, 80), (2, 17), (3, 3)]
        .choose_weighted(rng, |(_, w)| *w)
        .map(|(n, _)| n)
        .unwrap_or(&1);
    for _ in 1..parts {
        name.push(if rng.random_bool(0.5) { ' ' } else { '-' });
        name.push_str(&word(rng, 2, 4));
    }
    name
}

/// An invented word of `lo..=hi` syllables.
pub(crate) fn word(rng: &mut ChaCha8Rng, lo: usize, hi: usize) -> String {
    let n = rng.random_range(lo..=hi);
    let mut out = String::new();
    for _ in 0..n {
        out.push_str(ONSETS.choose(rng).unwrap_or(&"K"));
        out.push_str(VOWELS.choose(rng).unwrap_or(&"A"));
        out.push_str(CODAS.choose(rng).unwrap_or(&""));
    }
    if out.len() < 2 {
        out.push_str("AN");
    }
    out
}

fn pick(rng: &mut ChaCha8Rng, options: &[&str]) -> String {
    (*options.choose(rng).unwrap_or(&"P")).to_owned()
}

/// A `YYMMDD` date in `from..=to` (years), a real calendar day; rarely with
/// an unknown day (`<<`).
fn date(rng: &mut ChaCha8Rng, from: u16, to: u16) -> String {
    let year = rng.random_range(from..=to);
    let month = rng.random_range(1..=12u8);
    let day = rng.random_range(1..=days_in_month(year, month));
    if rng.random_bool(0.02) {
        format!("{:02}{month:02}<<", year % 100)
    } else {
        format!("{:02}{month:02}{day:02}", year % 100)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn letters(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
        .collect()
}

/// A document number of `len` characters: digits, or one or two letters
/// then digits, or mixed.
fn document_number(rng: &mut ChaCha8Rng, len: usize) -> String {
    match rng.random_range(0..4) {
        0 => digits(rng, len),
        1 => letters(rng, 1) + &digits(rng, len - 1),
        2 => letters(rng, 2) + &digits(rng, len - 2),
        _ => (0..len)
            .map(|_| {
                if rng.random_bool(0.3) {
                    char::from(b'A' + rng.random_range(0..26u8))
                } else {
                    char::from(b'0' + rng.random_range(0..10u8))
                }
            })
            .collect(),
    }
}

/// Optional data of at most `room` characters: empty half the time, else a
/// personal number.
fn optional(rng: &mut ChaCha8Rng, room: usize) -> String {
    if room == 0 || rng.random_bool(0.5) {
        return String::new();
    }
    let len = rng.random_range(1..=room);
    if rng.random_bool(0.7) {
        digits(rng, len)
    } else {
        document_number(rng, len.max(2))
    }
}

/// Replaces the birth or expiry date by one with a month or day that cannot
/// exist.
fn spoil_a_date(rng: &mut ChaCha8Rng, format: Format, fields: &mut Fields) {
    let target = if format == Format::FrenchId || rng.random_bool(0.5) {
        &mut fields.birth_date
    } else {
        &mut fields.expiry_date
    };
    let yy = target.get(..2).unwrap_or("80").to_owned();
    let (mm, dd) = match rng.random_range(0..4) {
        0 => (rng.random_range(13..=19u8), rng.random_range(1..=28u8)),
        1 => (0, rng.random_range(1..=28u8)),
        2 => (rng.random_range(1..=12u8), rng.random_range(32..=39u8)),
        _ => (2, rng.random_range(30..=31u8)),
    };
    *target = format!("{yy}{mm:02}{dd:02}");
}

/// Changes one check digit of `mrz` to another digit.
fn spoil_a_check_digit(rng: &mut ChaCha8Rng, format: Format, mrz: &mut String) {
    let mut lines: Vec<Vec<u8>> = mrz.lines().map(|l| l.as_bytes().to_vec()).collect();
    let places: Vec<(usize, usize)> = format
        .checks()
        .iter()
        .map(|c| (usize::from(c.line), usize::from(c.column)))
        .filter(|&(l, c)| lines[l][c].is_ascii_digit())
        .collect();
    let Some(&(l, c)) = places.choose(rng) else {
        return;
    };
    let old = lines[l][c] - b'0';
    lines[l][c] = b'0' + (old + rng.random_range(1..10u8)) % 10;
    *mrz = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::{Date, ParseOptions, parse};

    #[test]
    fn invented_documents_parse_back_and_only_spoiled_ones_are_invalid() {
        let options = ParseOptions::new(Date::new(2026, 1, 1).unwrap());
        let mut seen = std::collections::HashSet::new();
        let mut spoiled = 0;
        for seed in 0..600 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let id = invent(&mut rng);
            let mrz = parse(&id.mrz, &options).expect("generated MRZ is well formed");
            assert_eq!(mrz.format(), id.format, "seed {seed}");
            assert_eq!(mrz.is_valid(), id.invalid.is_none(), "seed {seed}");
            let lines: Vec<&str> = mrz.lines().collect();
            assert_eq!(lines.join("\n"), id.mrz);
            seen.insert(id.format.name());
            spoiled += usize::from(id.invalid.is_some());
        }
        assert_eq!(seen.len(), 6, "every format appears");
        assert!((30..=90).contains(&spoiled), "about 10% spoiled: {spoiled}");
    }

    #[test]
    fn same_seed_invents_the_same_document() {
        let a = invent(&mut ChaCha8Rng::seed_from_u64(7));
        let b = invent(&mut ChaCha8Rng::seed_from_u64(7));
        assert_eq!(a.mrz, b.mrz);
        assert_eq!(a.place, b.place);
    }
}
