//! Where each field and check digit sits, per document format.
//!
//! These tables are the single description of ICAO 9303 Parts 4–7 (and of
//! the French national identity card) that the parser, the generator and the
//! OCR helpers all read. Positions here are 0-based; everything shown to
//! people (errors, problems) is 1-based, as in the ICAO text.
//!
//! The TD1/TD2 long document number (a number continuing in the optional
//! data) is not a separate table: it is detected per document in
//! [`crate::parse`].

use std::fmt;

use self::CharClass::{Alpha, AlphaNumeric, Numeric, Sex as SexClass};

/// The longest MRZ line (TD3 and MRV-A), in characters.
pub const MAX_LINE_LEN: usize = 44;

/// The most lines an MRZ has (TD1).
pub const MAX_LINES: usize = 3;

/// Check digits cover characters of the first two lines only, in every
/// format ([`Plan`] fails the build otherwise).
pub(crate) const MAX_CHECKED_LINES: usize = 2;

/// An MRZ document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// ID card size, 3 lines of 30 (ICAO 9303 Part 5).
    Td1,
    /// 2 lines of 36 (ICAO 9303 Part 6).
    Td2,
    /// Passport booklet, 2 lines of 44 (ICAO 9303 Part 4).
    Td3,
    /// Full-page visa, 2 lines of 44 (ICAO 9303 Part 7).
    MrvA,
    /// Smaller visa, 2 lines of 36 (ICAO 9303 Part 7).
    MrvB,
    /// French national identity card issued 1988–2021: 2 lines of 36 with its
    /// own layout (no expiry date, no nationality field).
    FrenchId,
}

/// A field of the MRZ, as named in JSON output and in [`crate::Problem`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// Document code (`P`, `I`, `ID`, `V`, …).
    DocumentCode,
    /// Issuing state or organisation (3-letter code).
    IssuingState,
    /// The combined name field (surname `<<` given names).
    Name,
    /// Surname (French ID card: its own field).
    Surname,
    /// Given names (French ID card: its own field).
    GivenNames,
    /// Document number.
    DocumentNumber,
    /// Nationality (3-letter code).
    Nationality,
    /// Date of birth.
    BirthDate,
    /// Sex.
    Sex,
    /// Date of expiry.
    ExpiryDate,
    /// Optional data / personal number (TD2, TD3, visas).
    OptionalData,
    /// Optional data of line 1 (TD1).
    OptionalData1,
    /// Optional data of line 2 (TD1).
    OptionalData2,
    /// Office that issued a French ID card (department and office code).
    AdministrativeCode,
    /// The composite check digit (not a field of its own).
    Composite,
}

/// Which characters a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CharClass {
    /// Letters and `<` (names, country codes, document code).
    Alpha,
    /// Digits and `<` (dates; `<<` marks an unknown part).
    Numeric,
    /// Letters, digits and `<`.
    AlphaNumeric,
    /// A check digit: `0`–`9` (or `<` over an all-filler field).
    CheckDigit,
    /// `M`, `F`, `X` or `<`.
    Sex,
}

/// A run of characters on one line (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Line index, 0-based.
    pub line: u8,
    /// First character, 0-based.
    pub start: u8,
    /// Number of characters.
    pub len: u8,
}

/// A field's place and character class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpan {
    /// Which field.
    pub field: Field,
    /// Where it is.
    pub span: Span,
    /// What it may hold.
    pub class: CharClass,
}

/// One check digit: the spans it covers (read in order, weights continuing
/// across spans) and where the digit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckRule {
    /// The field the check guards ([`Field::Composite`] for the composite).
    pub field: Field,
    /// The characters covered.
    pub covers: &'static [Span],
    /// Line of the check digit, 0-based.
    pub line: u8,
    /// Column of the check digit, 0-based.
    pub column: u8,
}

const fn sp(line: u8, start: u8, len: u8) -> Span {
    Span { line, start, len }
}

const fn fs(field: Field, line: u8, start: u8, len: u8, class: CharClass) -> FieldSpan {
    FieldSpan {
        field,
        span: sp(line, start, len),
        class,
    }
}

const TD1_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::DocumentNumber, 0, 5, 9, AlphaNumeric),
    fs(Field::OptionalData1, 0, 15, 15, AlphaNumeric),
    fs(Field::BirthDate, 1, 0, 6, Numeric),
    fs(Field::Sex, 1, 7, 1, SexClass),
    fs(Field::ExpiryDate, 1, 8, 6, Numeric),
    fs(Field::Nationality, 1, 15, 3, Alpha),
    fs(Field::OptionalData2, 1, 18, 11, AlphaNumeric),
    fs(Field::Name, 2, 0, 30, Alpha),
];

const TD1_CHECKS: &[CheckRule] = &[
    check(Field::DocumentNumber, &[sp(0, 5, 9)], 0, 14),
    check(Field::BirthDate, &[sp(1, 0, 6)], 1, 6),
    check(Field::ExpiryDate, &[sp(1, 8, 6)], 1, 14),
    check(
        Field::Composite,
        &[sp(0, 5, 25), sp(1, 0, 7), sp(1, 8, 7), sp(1, 18, 11)],
        1,
        29,
    ),
];

/// Line 2 of TD2, TD3 and both visas up to the expiry check digit.
const L2: [FieldSpan; 5] = [
    fs(Field::DocumentNumber, 1, 0, 9, AlphaNumeric),
    fs(Field::Nationality, 1, 10, 3, Alpha),
    fs(Field::BirthDate, 1, 13, 6, Numeric),
    fs(Field::Sex, 1, 20, 1, SexClass),
    fs(Field::ExpiryDate, 1, 21, 6, Numeric),
];

const TD2_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::Name, 0, 5, 31, Alpha),
    L2[0],
    L2[1],
    L2[2],
    L2[3],
    L2[4],
    fs(Field::OptionalData, 1, 28, 7, AlphaNumeric),
];

const TD3_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::Name, 0, 5, 39, Alpha),
    L2[0],
    L2[1],
    L2[2],
    L2[3],
    L2[4],
    fs(Field::OptionalData, 1, 28, 14, AlphaNumeric),
];

const MRVA_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::Name, 0, 5, 39, Alpha),
    L2[0],
    L2[1],
    L2[2],
    L2[3],
    L2[4],
    fs(Field::OptionalData, 1, 28, 16, AlphaNumeric),
];

const MRVB_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::Name, 0, 5, 31, Alpha),
    L2[0],
    L2[1],
    L2[2],
    L2[3],
    L2[4],
    fs(Field::OptionalData, 1, 28, 8, AlphaNumeric),
];

const VISA_CHECKS: &[CheckRule] = &[
    check(Field::DocumentNumber, &[sp(1, 0, 9)], 1, 9),
    check(Field::BirthDate, &[sp(1, 13, 6)], 1, 19),
    check(Field::ExpiryDate, &[sp(1, 21, 6)], 1, 27),
];

const TD2_CHECKS: &[CheckRule] = &[
    VISA_CHECKS[0],
    VISA_CHECKS[1],
    VISA_CHECKS[2],
    check(
        Field::Composite,
        &[sp(1, 0, 10), sp(1, 13, 7), sp(1, 21, 14)],
        1,
        35,
    ),
];

const TD3_CHECKS: &[CheckRule] = &[
    VISA_CHECKS[0],
    VISA_CHECKS[1],
    VISA_CHECKS[2],
    check(Field::OptionalData, &[sp(1, 28, 14)], 1, 42),
    check(
        Field::Composite,
        &[sp(1, 0, 10), sp(1, 13, 7), sp(1, 21, 22)],
        1,
        43,
    ),
];

const FRENCH_FIELDS: &[FieldSpan] = &[
    fs(Field::DocumentCode, 0, 0, 2, Alpha),
    fs(Field::IssuingState, 0, 2, 3, Alpha),
    fs(Field::Surname, 0, 5, 25, Alpha),
    fs(Field::AdministrativeCode, 0, 30, 6, AlphaNumeric),
    fs(Field::DocumentNumber, 1, 0, 12, AlphaNumeric),
    fs(Field::GivenNames, 1, 13, 14, Alpha),
    fs(Field::BirthDate, 1, 27, 6, Numeric),
    fs(Field::Sex, 1, 34, 1, SexClass),
];

const FRENCH_CHECKS: &[CheckRule] = &[
    check(Field::DocumentNumber, &[sp(1, 0, 12)], 1, 12),
    check(Field::BirthDate, &[sp(1, 27, 6)], 1, 33),
    check(Field::Composite, &[sp(0, 0, 36), sp(1, 0, 35)], 1, 35),
];

const fn check(field: Field, covers: &'static [Span], line: u8, column: u8) -> CheckRule {
    CheckRule {
        field,
        covers,
        line,
        column,
    }
}

/// What the parser needs of a format, found once at compile time from the
/// tables above so that parsing does not search them.
pub(crate) struct Plan {
    /// 1 at every position of a letters-only field, line after line
    /// ([`MAX_LINE_LEN`] positions each), 0 elsewhere.
    pub(crate) alpha: [u8; MAX_LINES * MAX_LINE_LEN],
    /// The document number.
    pub(crate) number: Span,
    /// The optional data a long document number continues into, for the
    /// formats with the TD1/TD2 long-number rule.
    pub(crate) long_number_ext: Option<Span>,
    /// The date of birth.
    pub(crate) birth: Span,
    /// The date of expiry (the French ID card has none).
    pub(crate) expiry: Option<Span>,
    /// The sex.
    pub(crate) sex: Span,
    /// Which lines hold characters covered by a check digit.
    pub(crate) checked_lines: [bool; MAX_CHECKED_LINES],
}

const TD1_PLAN: Plan = Plan::of(Format::Td1);
const TD2_PLAN: Plan = Plan::of(Format::Td2);
const TD3_PLAN: Plan = Plan::of(Format::Td3);
const MRVA_PLAN: Plan = Plan::of(Format::MrvA);
const MRVB_PLAN: Plan = Plan::of(Format::MrvB);
const FRENCH_PLAN: Plan = Plan::of(Format::FrenchId);

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 6] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
        Format::FrenchId,
    ];

    /// Number of lines.
    pub const fn line_count(self) -> usize {
        match self {
            Self::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub const fn line_len(self) -> usize {
        match self {
            Self::Td1 => 30,
            Self::Td2 | Self::MrvB | Self::FrenchId => 36,
            Self::Td3 | Self::MrvA => 44,
        }
    }

    /// The short name used in JSON and on the command line (`td3`,
    /// `mrv_a`, `french_id`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Td1 => "td1",
            Self::Td2 => "td2",
            Self::Td3 => "td3",
            Self::MrvA => "mrv_a",
            Self::MrvB => "mrv_b",
            Self::FrenchId => "french_id",
        }
    }

    /// A human description.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Td1 => "TD1 identity card (3×30)",
            Self::Td2 => "TD2 travel document (2×36)",
            Self::Td3 => "TD3 passport (2×44)",
            Self::MrvA => "MRV-A visa (2×44)",
            Self::MrvB => "MRV-B visa (2×36)",
            Self::FrenchId => "French national identity card (2×36)",
        }
    }

    /// The format with this short name; also accepts `mrva`, `mrv-a` and
    /// `fr`, in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        Some(match lower.as_str() {
            "td1" => Self::Td1,
            "td2" => Self::Td2,
            "td3" => Self::Td3,
            "mrv_a" | "mrva" | "mrv-a" => Self::MrvA,
            "mrv_b" | "mrvb" | "mrv-b" => Self::MrvB,
            "french_id" | "french-id" | "fr" | "fra_id" => Self::FrenchId,
            _ => return None,
        })
    }

    /// The fields, in reading order.
    pub const fn fields(self) -> &'static [FieldSpan] {
        match self {
            Self::Td1 => TD1_FIELDS,
            Self::Td2 => TD2_FIELDS,
            Self::Td3 => TD3_FIELDS,
            Self::MrvA => MRVA_FIELDS,
            Self::MrvB => MRVB_FIELDS,
            Self::FrenchId => FRENCH_FIELDS,
        }
    }

    /// The check digits, in the order they are reported (the composite
    /// last).
    pub const fn checks(self) -> &'static [CheckRule] {
        match self {
            Self::Td1 => TD1_CHECKS,
            Self::Td2 => TD2_CHECKS,
            Self::Td3 => TD3_CHECKS,
            Self::MrvA | Self::MrvB => VISA_CHECKS,
            Self::FrenchId => FRENCH_CHECKS,
        }
    }

    /// The places the parser needs, see [`Plan`].
    #[inline]
    pub(crate) const fn plan(self) -> &'static Plan {
        match self {
            Self::Td1 => &TD1_PLAN,
            Self::Td2 => &TD2_PLAN,
            Self::Td3 => &TD3_PLAN,
            Self::MrvA => &MRVA_PLAN,
            Self::MrvB => &MRVB_PLAN,
            Self::FrenchId => &FRENCH_PLAN,
        }
    }

    /// The place of `field` in this format, if it has one.
    pub fn span_of(self, field: Field) -> Option<Span> {
        self.fields()
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.span)
    }

    /// The character class of position (`line`, `column`), both 0-based, or
    /// `None` outside the MRZ.
    ///
    /// # Example
    ///
    /// ```
    /// use hotel_mrz::{CharClass, Format};
    ///
    /// assert_eq!(Format::Td3.class_at(1, 13), Some(CharClass::Numeric));
    /// assert_eq!(Format::Td3.class_at(1, 9), Some(CharClass::CheckDigit));
    /// assert_eq!(Format::Td3.class_at(0, 10), Some(CharClass::Alpha));
    /// ```
    pub fn class_at(self, line: usize, column: usize) -> Option<CharClass> {
        if line >= self.line_count() || column >= self.line_len() {
            return None;
        }
        if self
            .checks()
            .iter()
            .any(|c| usize::from(c.line) == line && usize::from(c.column) == column)
        {
            return Some(CharClass::CheckDigit);
        }
        self.fields()
            .iter()
            .find(|f| {
                usize::from(f.span.line) == line
                    && (usize::from(f.span.start)..usize::from(f.span.start + f.span.len))
                        .contains(&column)
            })
            .map(|f| f.class)
            // Unassigned positions (none in ICAO layouts) are fillers.
            .or(Some(CharClass::AlphaNumeric))
    }

    /// Whether the TD1/TD2 rule for document numbers longer than nine
    /// characters applies to this format.
    pub(crate) const fn has_long_number_rule(self) -> bool {
        matches!(self, Self::Td1 | Self::Td2)
    }

    /// The optional-data field that carries the rest of a long document
    /// number.
    pub(crate) const fn long_number_field(self) -> Field {
        match self {
            Self::Td1 => Field::OptionalData1,
            _ => Field::OptionalData,
        }
    }
}

impl Plan {
    /// Reads the plan of `format` from its field table. Evaluated at
    /// compile time: a format without a date of birth, sex or document
    /// number fails the build.
    const fn of(format: Format) -> Self {
        let fields = format.fields();
        let mut alpha = [0u8; MAX_LINES * MAX_LINE_LEN];
        let mut i = 0;
        while i < fields.len() {
            let f = fields[i];
            // `Mrz::judge` tests letters-only fields, the dates and the sex;
            // a field of any other class would go unchecked.
            let checked = match f.class {
                Alpha | AlphaNumeric => true,
                Numeric => matches!(f.field, Field::BirthDate | Field::ExpiryDate),
                SexClass => matches!(f.field, Field::Sex),
                CharClass::CheckDigit => false,
            };
            assert!(checked, "a field class the parser does not test");
            if matches!(f.class, Alpha) {
                let mut c = f.span.start as usize;
                while c < (f.span.start + f.span.len) as usize {
                    alpha[f.span.line as usize * MAX_LINE_LEN + c] = 1;
                    c += 1;
                }
            }
            i += 1;
        }
        let checks = format.checks();
        let mut checked_lines = [false; MAX_CHECKED_LINES];
        let mut i = 0;
        while i < checks.len() {
            let mut j = 0;
            while j < checks[i].covers.len() {
                let line = checks[i].covers[j].line as usize;
                assert!(line < MAX_CHECKED_LINES, "a check covering the third line");
                checked_lines[line] = true;
                j += 1;
            }
            i += 1;
        }
        let long_number_ext = if format.has_long_number_rule() {
            find(fields, format.long_number_field())
        } else {
            None
        };
        Self {
            alpha,
            number: required(find(fields, Field::DocumentNumber)),
            long_number_ext,
            birth: required(find(fields, Field::BirthDate)),
            expiry: find(fields, Field::ExpiryDate),
            sex: required(find(fields, Field::Sex)),
            checked_lines,
        }
    }
}

/// The span of `field` in `fields`, at compile time.
const fn find(fields: &[FieldSpan], field: Field) -> Option<Span> {
    let mut i = 0;
    while i < fields.len() {
        // `==` is not const for enums; compare discriminants.
        if fields[i].field as u8 == field as u8 {
            return Some(fields[i].span);
        }
        i += 1;
    }
    None
}

/// A span every format has; a table without it fails the build.
const fn required(span: Option<Span>) -> Span {
    match span {
        Some(span) => span,
        None => panic!("every format has a document number, a birth date and a sex"),
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 15] = [
        Self::DocumentCode,
        Self::IssuingState,
        Self::Name,
        Self::Surname,
        Self::GivenNames,
        Self::DocumentNumber,
        Self::Nationality,
        Self::BirthDate,
        Self::Sex,
        Self::ExpiryDate,
        Self::OptionalData,
        Self::OptionalData1,
        Self::OptionalData2,
        Self::AdministrativeCode,
        Self::Composite,
    ];

    /// The field of a [`Field::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name used in JSON output (`document_number`, `optional_data_1`,
    /// `composite`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Self::DocumentCode => "document_code",
            Self::IssuingState => "issuing_state",
            Self::Name => "name",
            Self::Surname => "surname",
            Self::GivenNames => "given_names",
            Self::DocumentNumber => "document_number",
            Self::Nationality => "nationality",
            Self::BirthDate => "birth_date",
            Self::Sex => "sex",
            Self::ExpiryDate => "expiry_date",
            Self::OptionalData => "optional_data",
            Self::OptionalData1 => "optional_data_1",
            Self::OptionalData2 => "optional_data_2",
            Self::AdministrativeCode => "administrative_code",
            Self::Composite => "composite",
        }
    }

    /// A human label ("date of birth").
    pub const fn label(self) -> &'static str {
        match self {
            Self::DocumentCode => "document code",
            Self::IssuingState => "issuing state",
            Self::Name => "name",
            Self::Surname => "surname",
            Self::GivenNames => "given names",
            Self::DocumentNumber => "document number",
            Self::Nationality => "nationality",
            Self::BirthDate => "date of birth",
            Self::Sex => "sex",
            Self::ExpiryDate => "date of expiry",
            Self::OptionalData => "optional data",
            Self::OptionalData1 => "optional data (line 1)",
            Self::OptionalData2 => "optional data (line 2)",
            Self::AdministrativeCode => "administrative code",
            Self::Composite => "composite",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl CharClass {
    /// Whether `c` (an upper-case MRZ character) is allowed in this class.
    /// [`CharClass::CheckDigit`] allows `<` here; whether a filler check
    /// digit is right depends on the field it covers.
    #[inline]
    pub const fn allows(self, c: u8) -> bool {
        match self {
            Self::Alpha => c.is_ascii_uppercase() || c == b'<',
            Self::Numeric | Self::CheckDigit => c.is_ascii_digit() || c == b'<',
            Self::AlphaNumeric => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<',
            Self::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
        }
    }

    /// A human description ("letters or '<'").
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Alpha => "letters or '<'",
            Self::Numeric => "digits or '<<'",
            Self::AlphaNumeric => "letters, digits or '<'",
            Self::CheckDigit => "a digit",
            Self::Sex => "'M', 'F', 'X' or '<'",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_name_and_no_other() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
        }
        // An exhaustive match: a new field fails to build here until it is
        // in `ALL` too.
        let listed = |f: Field| match f {
            Field::DocumentCode
            | Field::IssuingState
            | Field::Name
            | Field::Surname
            | Field::GivenNames
            | Field::DocumentNumber
            | Field::Nationality
            | Field::BirthDate
            | Field::Sex
            | Field::ExpiryDate
            | Field::OptionalData
            | Field::OptionalData1
            | Field::OptionalData2
            | Field::AdministrativeCode
            | Field::Composite => Field::ALL.contains(&f),
        };
        assert!(Field::ALL.into_iter().all(listed));
        assert_eq!(Field::from_name("Name"), None);
        assert_eq!(Field::from_name(""), None);
    }

    #[test]
    fn fields_and_checks_tile_every_line_exactly_once() {
        for format in Format::ALL {
            for line in 0..format.line_count() {
                let mut seen = vec![0u8; format.line_len()];
                for f in format.fields() {
                    if usize::from(f.span.line) == line {
                        let s = usize::from(f.span.start);
                        for slot in &mut seen[s..s + usize::from(f.span.len)] {
                            *slot += 1;
                        }
                    }
                }
                for c in format.checks() {
                    if usize::from(c.line) == line {
                        seen[usize::from(c.column)] += 1;
                    }
                }
                assert!(
                    seen.iter().all(|&n| n == 1),
                    "{format} line {line}: {seen:?}"
                );
            }
        }
    }

    #[test]
    fn check_spans_stay_inside_their_lines() {
        for format in Format::ALL {
            for c in format.checks() {
                for s in c.covers {
                    assert!(usize::from(s.start + s.len) <= format.line_len());
                    assert!(usize::from(s.line) < format.line_count());
                }
            }
        }
    }

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        assert_eq!(Format::from_name("MRV-A"), Some(Format::MrvA));
        assert_eq!(Format::from_name("td4"), None);
    }
}
