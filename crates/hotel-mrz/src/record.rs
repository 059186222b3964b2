//! The parsed MRZ: typed fields, every check digit's verdict, and problems.
//!
//! [`parse`] never throws a parse away because a check failed: the [`Mrz`]
//! keeps the text, reports each check ([`Check`]) and lists every
//! [`Problem`] with its line and column. Only malformed text (wrong shape,
//! characters outside the alphabet) is an [`MrzError`].
//!
//! A parse does not allocate: the record holds the normalised lines in a
//! fixed array and hands out `&str` views. Methods that build owned text
//! (names with fillers turned into spaces, [`Mrz::to_fields`]) say so.
//!
//! The record holds personal data, so its `Debug` output shows only the
//! format and the verdicts.

use std::fmt;

use crate::check::{FILLER, LineSums, digit_value};
use crate::date::{Century, Date, DateProblem, MrzDate, Resolved};
use crate::error::MrzError;
use crate::fields::{Fields, name_from_filled};
use crate::input::{Lines, Normalisation, read_lines};
use crate::layout::{CharClass, Field, Format, MAX_CHECKED_LINES, MAX_LINE_LEN, MAX_LINES, Span};

/// The most problems one MRZ can have (each field and check at most twice).
const MAX_PROBLEMS: usize = 24;

/// The most check digits of any format (TD3).
const MAX_CHECKS: usize = 5;

/// Longest document number: 9 characters plus a TD1 continuation of up to
/// 13 (15 optional characters less the check digit and the filler).
const MAX_NUMBER_LEN: usize = 24;

/// What the parser needs to know about the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// "Today", for choosing the century of two-digit years.
    pub today: Date,
}

/// A parsed machine-readable zone.
///
/// # Example
///
/// ```
/// use hotel_mrz::{Date, Field, ParseOptions, parse};
///
/// // ICAO 9303 Part 4 specimen.
/// let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
///             L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// let options = ParseOptions::new(Date::new(2025, 1, 1).unwrap());
/// let mrz = parse(text, &options).unwrap();
/// assert!(mrz.is_valid());
/// assert_eq!(mrz.surname(), "ERIKSSON");
/// assert_eq!(mrz.given_names(), "ANNA MARIA");
/// assert_eq!(mrz.document_number(), "L898902C3");
/// assert_eq!(mrz.birth_date().to_iso().as_deref(), Some("1974-08-12"));
/// assert!(mrz.check(Field::Composite).unwrap().is_valid());
/// ```
#[derive(Clone, Copy)]
pub struct Mrz {
    lines: Lines,
    number: [u8; MAX_NUMBER_LEN],
    number_len: u8,
    /// Characters at the start of the long-number optional field that belong
    /// to the document number (continuation, check digit, filler).
    optional_skip: u8,
    birth: Resolved,
    expiry: Option<Resolved>,
    checks: [Check; MAX_CHECKS],
    check_count: u8,
    problems: [Problem; MAX_PROBLEMS],
    problem_count: u8,
}

/// The verdict on one check digit and the field it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Check {
    /// The field guarded ([`Field::Composite`] for the composite).
    pub field: Field,
    /// How the check digit compares.
    pub digit: DigitVerdict,
    /// Whether the field's content is acceptable apart from the digit (a
    /// date that exists, a complete long document number).
    pub content_ok: bool,
    /// Line of the check digit, 1-based.
    pub line: u8,
    /// Column of the check digit, 1-based.
    pub column: u8,
}

/// How a check digit compares with the one computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitVerdict {
    /// It matches (a `<` over an all-filler field counts as matching).
    Match,
    /// It is a digit, but not the computed one.
    Mismatch {
        /// The computed digit.
        expected: u8,
        /// The digit written.
        found: u8,
    },
    /// The check position does not hold a digit.
    NotADigit {
        /// The computed digit.
        expected: u8,
    },
}

/// One thing wrong with a well-formed MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Problem {
    /// The field concerned.
    pub field: Field,
    /// Line, 1-based.
    pub line: u8,
    /// Column of the first offending character, 1-based.
    pub column: u8,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The check digit differs from the computed one.
    CheckDigitMismatch {
        /// The computed digit.
        expected: u8,
        /// The digit written.
        found: u8,
    },
    /// The check-digit position holds something other than a digit.
    CheckDigitNotDigit {
        /// The computed digit.
        expected: u8,
    },
    /// A character of the wrong class (a letter in a date, a digit in a
    /// name). The character is kept as read, never corrected.
    WrongCharacter {
        /// What the position allows.
        expected: CharClass,
    },
    /// The date cannot exist, or a part is neither two digits nor `<<`.
    ImpossibleDate(DateProblem),
    /// The sex is not `M`, `F`, `X` or `<`.
    InvalidSex,
    /// A field every document has (the document code, the document number,
    /// the primary name) is empty: it starts with the filler `<`.
    Missing,
    /// A country code has a filler before a letter: a code is letters,
    /// padded with fillers only at its end (ICAO 9303 Part 3).
    FillerInsideCode,
    /// The document number is marked as continuing in the optional data
    /// (`<` in its check-digit position) but no continuation and check
    /// digit follow there.
    MissingNumberContinuation,
}

/// The sex field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `X`: unspecified.
    Unspecified,
    /// `<`: not stated.
    NotStated,
    /// Anything else (reported as a [`Problem`]).
    Invalid,
}

/// Parses MRZ text into a record with every check's verdict.
///
/// # Errors
///
/// [`MrzError`] if the text is not shaped like any MRZ or holds a character
/// outside `A`–`Z`, `0`–`9`, `<` (after tolerating whitespace and lower
/// case). Failed checks are not errors; see [`Mrz::problems`].
#[inline]
pub fn parse(text: &str, options: &ParseOptions) -> Result<Mrz, MrzError> {
    let mut mrz = Mrz::EMPTY;
    read_lines(text, &mut mrz.lines)?;
    mrz.judge(options.today);
    Ok(mrz)
}

/// Whether `text` is a fully valid MRZ: the validate-only path, which does
/// not allocate.
///
/// # Errors
///
/// As for [`parse`].
pub fn validate(text: &str, options: &ParseOptions) -> Result<bool, MrzError> {
    let mut mrz = Mrz::EMPTY;
    read_lines(text, &mut mrz.lines)?;
    mrz.judge(options.today);
    Ok(mrz.is_valid())
}

impl ParseOptions {
    /// Options with `today` as the reference date.
    pub const fn new(today: Date) -> Self {
        Self { today }
    }

    /// Options with the system's current UTC date.
    pub fn today_utc() -> Self {
        Self::new(Date::today_utc())
    }
}

impl Mrz {
    /// A record with no lines read and nothing judged yet.
    const EMPTY: Self = Self {
        lines: Lines::EMPTY,
        number: [FILLER; MAX_NUMBER_LEN],
        number_len: 0,
        optional_skip: 0,
        birth: Resolved::Unknown,
        expiry: None,
        checks: [PLACEHOLDER_CHECK; MAX_CHECKS],
        check_count: 0,
        problems: [PLACEHOLDER_PROBLEM; MAX_PROBLEMS],
        problem_count: 0,
    };

    /// Reads the fields of the lines and judges every check, on a record
    /// fresh from [`Self::EMPTY`] whose lines have been read.
    #[inline]
    fn judge(&mut self, today: Date) {
        let mrz = self;
        let format = mrz.lines.format;
        let plan = format.plan();

        // The buffer holds only MRZ characters, so a letters-only field is
        // wrong exactly when it holds a digit: test every such position at
        // once, branch-free, and look for where only when one does.
        if mrz.has_digit_where(&plan.alpha) {
            for spec in format.fields() {
                if spec.class != CharClass::Alpha {
                    continue;
                }
                if let Some(i) = mrz.span(spec.span).iter().position(u8::is_ascii_digit) {
                    let kind = ProblemKind::WrongCharacter {
                        expected: CharClass::Alpha,
                    };
                    mrz.push_problem(spec.field, spec.span, i, kind);
                }
            }
        }

        // The document code, the document number and the primary name
        // are left-aligned: one that starts with a filler is empty.
        for spec in format.fields() {
            let required = matches!(
                spec.field,
                Field::DocumentCode | Field::DocumentNumber | Field::Name | Field::Surname
            );
            if required && mrz.byte(spec.span.line, spec.span.start) == FILLER {
                mrz.push_problem(spec.field, spec.span, 0, ProblemKind::Missing);
            }
            // A country code is letters padded at its end (`D<<`): a letter
            // after a filler is no code.
            if matches!(spec.field, Field::IssuingState | Field::Nationality)
                && let Some(at) = filler_before_letter(mrz.span(spec.span))
            {
                mrz.push_problem(spec.field, spec.span, at, ProblemKind::FillerInsideCode);
            }
        }
        if !CharClass::Sex.allows(mrz.byte(plan.sex.line, plan.sex.start)) {
            mrz.push_problem(Field::Sex, plan.sex, 0, ProblemKind::InvalidSex);
        }
        mrz.birth = mrz.read_date(Field::BirthDate, plan.birth, today, Century::NotAfterToday);
        if let Some(span) = plan.expiry {
            let century = Century::UpToFiftyYearsAhead;
            mrz.expiry = Some(mrz.read_date(Field::ExpiryDate, span, today, century));
        }

        let long = mrz.read_document_number(plan.number, plan.long_number_ext);

        // One pass over each line that checks cover; every check then
        // reads its sums from these.
        let mut sums = [LineSums::ZERO; MAX_CHECKED_LINES];
        for ((sums, line), &checked) in sums.iter_mut().zip(&mrz.lines.buf).zip(&plan.checked_lines)
        {
            if checked {
                sums.fill(line);
            }
        }

        for rule in format.checks() {
            // A long document number adds its continuation to the covered
            // characters and moves the check digit into the optional data.
            let long_covers: [Span; 2];
            let mut covers = rule.covers;
            let (mut line, mut column) = (rule.line, rule.column);
            let mut content_ok = true;

            match rule.field {
                Field::DocumentNumber => match long {
                    LongNumber::No => {}
                    LongNumber::Yes { ext } => {
                        long_covers = [rule.covers[0], ext];
                        covers = &long_covers;
                        line = ext.line;
                        column = ext.start + ext.len;
                    }
                    LongNumber::Broken => content_ok = false,
                },
                Field::BirthDate => content_ok = !matches!(mrz.birth, Resolved::Impossible(_)),
                Field::ExpiryDate => {
                    content_ok = !matches!(mrz.expiry, Some(Resolved::Impossible(_)));
                }
                _ => {}
            }

            let digit = mrz.judge_digit(&sums, covers, line, column);
            let check = Check {
                field: rule.field,
                digit,
                content_ok,
                line: line + 1,
                column: column + 1,
            };
            if let Some(slot) = mrz.checks.get_mut(usize::from(mrz.check_count)) {
                *slot = check;
                mrz.check_count += 1;
            }
            let at = Span {
                line,
                start: column,
                len: 1,
            };
            match digit {
                DigitVerdict::Match => {}
                DigitVerdict::Mismatch { expected, found } => {
                    let kind = ProblemKind::CheckDigitMismatch { expected, found };
                    mrz.push_problem(rule.field, at, 0, kind);
                }
                DigitVerdict::NotADigit { expected } => {
                    let kind = ProblemKind::CheckDigitNotDigit { expected };
                    mrz.push_problem(rule.field, at, 0, kind);
                }
            }
        }

        // Problems were found field kind by field kind; no two share a
        // position, so sorting by position gives one reading order.
        let count = usize::from(mrz.problem_count);
        if count > 1 {
            mrz.problems[..count].sort_unstable_by_key(|p| (p.line, p.column));
        }
    }

    /// Whether a digit stands at any position where `mask` (one byte per
    /// position, line after line) is 1. No early exit, so that it compiles
    /// to vector code over the whole buffer.
    #[inline]
    fn has_digit_where(&self, mask: &[u8; MAX_LINES * MAX_LINE_LEN]) -> bool {
        let found = self
            .lines
            .buf
            .as_flattened()
            .iter()
            .zip(mask)
            .fold(0u8, |found, (&c, &m)| {
                found | (m & u8::from(c.wrapping_sub(b'0') < 10))
            });
        found != 0
    }

    /// Reads a date field, records any problem, and resolves it.
    #[inline(always)]
    fn read_date(&mut self, field: Field, span: Span, today: Date, century: Century) -> Resolved {
        match MrzDate::read_resolved(self.span(span), today, century) {
            Err((offset, problem)) => {
                let kind = if self.span(span)[offset].is_ascii_uppercase() {
                    ProblemKind::WrongCharacter {
                        expected: CharClass::Numeric,
                    }
                } else {
                    ProblemKind::ImpossibleDate(problem)
                };
                self.push_problem(field, span, offset, kind);
                Resolved::Impossible(problem)
            }
            Ok(resolved) => {
                if let Resolved::Impossible(problem) = resolved {
                    let offset = match problem {
                        DateProblem::Month => 2,
                        _ => 4,
                    };
                    self.push_problem(field, span, offset, ProblemKind::ImpossibleDate(problem));
                }
                resolved
            }
        }
    }

    /// Copies the document number at `span` (with any TD1/TD2 continuation
    /// from the optional data `long_ext`) into the record and says which
    /// layout it used.
    #[inline]
    fn read_document_number(&mut self, span: Span, long_ext: Option<Span>) -> LongNumber {
        let last = self.byte(span.line, span.start + span.len - 1);
        let check = self.byte(span.line, span.start + span.len);
        let mut result = LongNumber::No;
        let mut ext = Span {
            line: span.line,
            start: 0,
            len: 0,
        };

        if let (Some(opt), true) = (long_ext, check == FILLER && last != FILLER) {
            result = LongNumber::Broken;
            let optional = self.span(opt);
            // The continuation runs up to the first filler; its last
            // character is the check digit of the whole number.
            let end = optional
                .iter()
                .position(|&c| c == FILLER)
                .unwrap_or(optional.len());
            if end >= 2 {
                ext = Span {
                    line: opt.line,
                    start: opt.start,
                    len: (end - 1) as u8,
                };
                result = LongNumber::Yes { ext };
                self.optional_skip = (end + 1).min(optional.len()) as u8;
            } else {
                self.push_problem(
                    Field::DocumentNumber,
                    opt,
                    0,
                    ProblemKind::MissingNumberContinuation,
                );
            }
        }

        // Both parts fit: 9 + 13 characters at most, see `MAX_NUMBER_LEN`.
        let mut number = [FILLER; MAX_NUMBER_LEN];
        let (main, rest) = (self.span(span), self.span(ext));
        let main_len = main.len().min(MAX_NUMBER_LEN);
        number[..main_len].copy_from_slice(&main[..main_len]);
        let rest_len = rest.len().min(MAX_NUMBER_LEN - main_len);
        number[main_len..main_len + rest_len].copy_from_slice(&rest[..rest_len]);
        let mut len = main_len + rest_len;
        while len > 0 && number[len - 1] == FILLER {
            len -= 1;
        }
        self.number = number;
        self.number_len = len as u8;
        result
    }

    #[inline]
    fn judge_digit(
        &self,
        sums: &[LineSums; MAX_CHECKED_LINES],
        covers: &[Span],
        line: u8,
        column: u8,
    ) -> DigitVerdict {
        // Sum span by span, the weights continuing across spans.
        let mut sum = 0u32;
        let mut offset = 0usize;
        for &span in covers {
            let (start, len) = (usize::from(span.start), usize::from(span.len));
            sum += sums[usize::from(span.line)].weighted(start, len, offset);
            offset += len;
        }
        let expected = (sum % 10) as u8;

        let found = self.byte(line, column);
        match digit_value(found) {
            Some(d) if d == expected => DigitVerdict::Match,
            Some(d) => DigitVerdict::Mismatch { expected, found: d },
            None if found == FILLER
                && covers
                    .iter()
                    .all(|&s| self.span(s).iter().all(|&c| c == FILLER)) =>
            {
                DigitVerdict::Match
            }
            None => DigitVerdict::NotADigit { expected },
        }
    }

    fn push_problem(&mut self, field: Field, span: Span, offset: usize, kind: ProblemKind) {
        if let Some(slot) = self.problems.get_mut(usize::from(self.problem_count)) {
            *slot = Problem {
                field,
                line: span.line + 1,
                column: span.start + offset as u8 + 1,
                kind,
            };
            self.problem_count += 1;
        }
    }

    #[inline]
    fn byte(&self, line: u8, column: u8) -> u8 {
        self.lines.buf[usize::from(line)][usize::from(column)]
    }

    #[inline]
    fn span(&self, span: Span) -> &[u8] {
        let start = usize::from(span.start);
        &self.lines.buf[usize::from(span.line)][start..start + usize::from(span.len)]
    }

    /// The raw characters of a span as text.
    fn span_str(&self, span: Span) -> &str {
        // The buffer only ever holds MRZ characters, which are ASCII.
        std::str::from_utf8(self.span(span)).unwrap_or("")
    }

    /// The document format.
    pub const fn format(&self) -> Format {
        self.lines.format
    }

    /// Whether every check passed and no field has a problem.
    pub const fn is_valid(&self) -> bool {
        self.problem_count == 0
    }

    /// Every check digit's verdict, in layout order (composite last).
    pub fn checks(&self) -> &[Check] {
        &self.checks[..usize::from(self.check_count)]
    }

    /// The check guarding `field`, if this format has one.
    pub fn check(&self, field: Field) -> Option<&Check> {
        self.checks().iter().find(|c| c.field == field)
    }

    /// Everything wrong, in reading order. Empty when [`Self::is_valid`].
    pub fn problems(&self) -> &[Problem] {
        &self.problems[..usize::from(self.problem_count)]
    }

    /// What the parser tolerated in the input text.
    pub const fn normalisation(&self) -> Normalisation {
        self.lines.normalisation
    }

    /// The normalised MRZ lines.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        let format = self.format();
        self.lines.buf[..format.line_count()].iter().map(move |l| {
            // The buffer only ever holds MRZ characters, which are ASCII.
            std::str::from_utf8(&l[..format.line_len()]).unwrap_or("")
        })
    }

    /// The raw characters of `field` (fillers included), or `None` if this
    /// format has no such field.
    pub fn raw(&self, field: Field) -> Option<&str> {
        self.format().span_of(field).map(|s| self.span_str(s))
    }

    /// A field with trailing fillers removed.
    fn trimmed(&self, field: Field) -> Option<&str> {
        self.raw(field).map(|s| s.trim_end_matches('<'))
    }

    /// The document code, trailing filler removed (`P`, `I`, `ID`, `V`).
    pub fn document_code(&self) -> &str {
        self.trimmed(Field::DocumentCode).unwrap_or("")
    }

    /// The issuing state or organisation, fillers removed (`D` for Germany).
    pub fn issuing_state(&self) -> &str {
        self.trimmed(Field::IssuingState).unwrap_or("")
    }

    /// The nationality, fillers removed; `None` for the French ID card,
    /// which has no nationality field.
    pub fn nationality(&self) -> Option<&str> {
        self.trimmed(Field::Nationality)
    }

    /// The full document number, including a TD1/TD2 continuation from the
    /// optional data, trailing fillers removed.
    pub fn document_number(&self) -> &str {
        // Only MRZ characters are copied in, which are ASCII.
        std::str::from_utf8(&self.number[..usize::from(self.number_len)]).unwrap_or("")
    }

    /// Whether the document number used the TD1/TD2 long-number layout.
    pub const fn has_long_document_number(&self) -> bool {
        self.optional_skip > 0
    }

    /// The name exactly as written in the MRZ, fillers included. MRZ names
    /// are transliterated (Doc 9303 Part 3: `Ü` becomes `UE` or `U`, …), so
    /// this is the form to compare when matching against other records.
    /// The French ID card keeps surname and given names apart: this is the
    /// surname field followed by `<<` and the given-names field.
    pub fn name_raw(&self) -> NameRaw<'_> {
        match self.format() {
            Format::FrenchId => NameRaw {
                surname: self.raw(Field::Surname).unwrap_or(""),
                given: self.raw(Field::GivenNames),
            },
            _ => NameRaw {
                surname: self.raw(Field::Name).unwrap_or(""),
                given: None,
            },
        }
    }

    /// Whether the name field is full to its last position, which is how
    /// Doc 9303 marks a name that may have been truncated.
    pub fn name_may_be_truncated(&self) -> bool {
        let raw = self.name_raw();
        raw.given.unwrap_or(raw.surname).ends_with(|c| c != '<')
    }

    /// The surname: fillers turned into spaces. Allocates.
    pub fn surname(&self) -> String {
        let raw = self.name_raw();
        match raw.given {
            Some(_) => name_from_filled(raw.surname.as_bytes()),
            None => name_from_filled(split_name(raw.surname.as_bytes()).0),
        }
    }

    /// The given names: fillers turned into spaces. Allocates.
    pub fn given_names(&self) -> String {
        let raw = self.name_raw();
        match raw.given {
            Some(given) => name_from_filled(given.as_bytes()),
            None => name_from_filled(split_name(raw.surname.as_bytes()).1),
        }
    }

    /// The date of birth as written (`YYMMDD`, `<<` for unknown parts).
    pub fn birth_date_raw(&self) -> &str {
        self.raw(Field::BirthDate).unwrap_or("")
    }

    /// The date of birth resolved against "today": never in the future.
    pub const fn birth_date(&self) -> Resolved {
        self.birth
    }

    /// The date of expiry as written; `None` for the French ID card.
    pub fn expiry_date_raw(&self) -> Option<&str> {
        self.raw(Field::ExpiryDate)
    }

    /// The date of expiry resolved against "today" (up to 50 years ahead);
    /// `None` for the French ID card.
    pub const fn expiry_date(&self) -> Option<Resolved> {
        self.expiry
    }

    /// Whether the document expired before `today`. `None` when there is no
    /// full expiry date.
    pub fn is_expired(&self, today: Date) -> Option<bool> {
        self.expiry
            .and_then(Resolved::date)
            .map(|expiry| expiry < today)
    }

    /// The sex field.
    pub fn sex(&self) -> Sex {
        match self.raw(Field::Sex).and_then(|s| s.bytes().next()) {
            Some(b'M') => Sex::Male,
            Some(b'F') => Sex::Female,
            Some(b'X') => Sex::Unspecified,
            Some(b'<') => Sex::NotStated,
            _ => Sex::Invalid,
        }
    }

    /// The sex character as written.
    pub fn sex_raw(&self) -> &str {
        self.raw(Field::Sex).unwrap_or("")
    }

    /// The optional data (TD2, TD3, visas) or line-1 optional data (TD1),
    /// trailing fillers removed, and without a long document number's
    /// continuation. `None` for the French ID card.
    pub fn optional_data(&self) -> Option<&str> {
        let field = match self.format() {
            Format::Td1 => Field::OptionalData1,
            Format::FrenchId => return None,
            _ => Field::OptionalData,
        };
        self.raw(field).map(|s| {
            let skip = usize::from(self.optional_skip).min(s.len());
            s[skip..].trim_end_matches('<')
        })
    }

    /// The line-2 optional data of a TD1 card, trailing fillers removed.
    pub fn optional_data_2(&self) -> Option<&str> {
        self.trimmed(Field::OptionalData2)
    }

    /// The issuing office of a French ID card (department and office).
    pub fn administrative_code(&self) -> Option<&str> {
        self.trimmed(Field::AdministrativeCode)
    }

    /// All fields as owned text, in the shape the generator takes: parsing
    /// the generator's output gives back the same [`Fields`]. Allocates.
    pub fn to_fields(&self) -> Fields {
        Fields {
            document_code: self.document_code().to_owned(),
            issuing_state: self.issuing_state().to_owned(),
            surname: self.surname(),
            given_names: self.given_names(),
            document_number: self.document_number().to_owned(),
            nationality: self.nationality().unwrap_or("").to_owned(),
            birth_date: self.birth_date_raw().to_owned(),
            sex: self.sex_raw().chars().next().unwrap_or('<'),
            expiry_date: self.expiry_date_raw().unwrap_or("").to_owned(),
            optional_data: self.optional_data().unwrap_or("").to_owned(),
            optional_data_2: self.optional_data_2().unwrap_or("").to_owned(),
            administrative_code: self.administrative_code().unwrap_or("").to_owned(),
        }
    }
}

impl fmt::Debug for Mrz {
    /// Shows the format and the verdicts only: the content is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format())
            .field("valid", &self.is_valid())
            .field("checks", &self.checks())
            .field("problems", &self.problems())
            .finish_non_exhaustive()
    }
}

/// The raw name field(s), see [`Mrz::name_raw`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NameRaw<'a> {
    surname: &'a str,
    given: Option<&'a str>,
}

impl fmt::Display for NameRaw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.surname)?;
        if let Some(given) = self.given {
            f.write_str("<<")?;
            f.write_str(given)?;
        }
        Ok(())
    }
}

impl fmt::Debug for NameRaw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Check {
    /// Whether the check digit matches and the field's content is
    /// acceptable.
    pub const fn is_valid(&self) -> bool {
        matches!(self.digit, DigitVerdict::Match) && self.content_ok
    }
}

impl fmt::Display for Problem {
    /// Says where and what, without quoting document content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {} ",
            self.line, self.column, self.field
        )?;
        match self.kind {
            ProblemKind::CheckDigitMismatch { .. } => f.write_str("check digit does not match"),
            ProblemKind::CheckDigitNotDigit { .. } => {
                f.write_str("check digit position does not hold a digit")
            }
            ProblemKind::WrongCharacter { expected } => {
                write!(
                    f,
                    "holds a character not allowed there (expected {})",
                    expected.describe()
                )
            }
            ProblemKind::ImpossibleDate(p) => write!(f, "cannot be a date: {p}"),
            ProblemKind::InvalidSex => f.write_str("must be M, F, X or <"),
            ProblemKind::Missing => f.write_str("is empty, but every document has one"),
            ProblemKind::FillerInsideCode => {
                f.write_str("has a filler before a letter; fillers only pad a code's end")
            }
            ProblemKind::MissingNumberContinuation => f.write_str(
                "is marked as continuing in the optional data, but no continuation follows",
            ),
        }
    }
}

impl ProblemKind {
    /// Every [`ProblemKind::name`].
    pub const NAMES: [&'static str; 8] = [
        "check_digit_mismatch",
        "check_digit_not_digit",
        "wrong_character",
        "impossible_date",
        "invalid_sex",
        "missing",
        "filler_inside_code",
        "missing_number_continuation",
    ];

    /// A machine-readable name (`check_digit_mismatch`, `impossible_date`,
    /// …).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::CheckDigitMismatch { .. } => "check_digit_mismatch",
            Self::CheckDigitNotDigit { .. } => "check_digit_not_digit",
            Self::WrongCharacter { .. } => "wrong_character",
            Self::ImpossibleDate(_) => "impossible_date",
            Self::InvalidSex => "invalid_sex",
            Self::Missing => "missing",
            Self::FillerInsideCode => "filler_inside_code",
            Self::MissingNumberContinuation => "missing_number_continuation",
        }
    }
}

/// Where, in a country code, a filler stands before a letter.
fn filler_before_letter(code: &[u8]) -> Option<usize> {
    let first = code.iter().position(|&c| c == FILLER)?;
    code[first..]
        .iter()
        .any(u8::is_ascii_uppercase)
        .then_some(first)
}

/// Where a document number's check digit is.
#[derive(Clone, Copy)]
enum LongNumber {
    /// The usual place.
    No,
    /// In the optional data, after the continuation `ext`.
    Yes { ext: Span },
    /// Marked as long, but the continuation is missing.
    Broken,
}

const PLACEHOLDER_CHECK: Check = Check {
    field: Field::Composite,
    digit: DigitVerdict::Match,
    content_ok: true,
    line: 0,
    column: 0,
};

const PLACEHOLDER_PROBLEM: Problem = Problem {
    field: Field::Composite,
    line: 0,
    column: 0,
    kind: ProblemKind::InvalidSex,
};

// The fixed buffer must hold the longest line.
const _: () = assert!(MAX_LINE_LEN >= 44);

/// Splits a combined name field at the first `<<` into surname and given
/// names (given names empty when there is no `<<`).
fn split_name(raw: &[u8]) -> (&[u8], &[u8]) {
    match raw.windows(2).position(|w| w == b"<<") {
        Some(i) => (&raw[..i], &raw[i + 2..]),
        None => (raw, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_kind_has_its_name_listed() {
        let kinds = [
            ProblemKind::CheckDigitMismatch {
                expected: 1,
                found: 2,
            },
            ProblemKind::CheckDigitNotDigit { expected: 1 },
            ProblemKind::WrongCharacter {
                expected: CharClass::Numeric,
            },
            ProblemKind::ImpossibleDate(DateProblem::Day),
            ProblemKind::InvalidSex,
            ProblemKind::Missing,
            ProblemKind::FillerInsideCode,
            ProblemKind::MissingNumberContinuation,
        ];
        let names: Vec<&str> = kinds.iter().map(ProblemKind::name).collect();
        assert_eq!(names, ProblemKind::NAMES);
        // An exhaustive match: a new kind fails to build here until it is
        // listed above and in `NAMES`.
        for kind in kinds {
            match kind {
                ProblemKind::CheckDigitMismatch { .. }
                | ProblemKind::CheckDigitNotDigit { .. }
                | ProblemKind::WrongCharacter { .. }
                | ProblemKind::ImpossibleDate(_)
                | ProblemKind::InvalidSex
                | ProblemKind::Missing
                | ProblemKind::FillerInsideCode
                | ProblemKind::MissingNumberContinuation => {}
            }
        }
    }

    fn today() -> ParseOptions {
        ParseOptions::new(Date::new(2025, 6, 15).unwrap())
    }

    #[test]
    fn splits_names_at_the_first_double_filler() {
        assert_eq!(
            split_name(b"VAN<DER<BERG<<JAN<<PIET<<<"),
            (&b"VAN<DER<BERG"[..], &b"JAN<<PIET<<<"[..])
        );
        assert_eq!(split_name(b"MADONNA<<<<"), (&b"MADONNA"[..], &b"<<"[..]));
        assert_eq!(split_name(b"PLATO"), (&b"PLATO"[..], &b""[..]));
    }

    #[test]
    fn debug_output_hides_personal_data() {
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                    L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let mrz = parse(text, &today()).unwrap();
        let debug = format!("{mrz:?} {:?}", mrz.name_raw());
        assert!(!debug.contains("ERIKSSON"));
        assert!(!debug.contains("L898902C3"));
        assert!(!debug.contains("740812"));
        assert!(debug.contains("Td3"));
    }

    #[test]
    fn problems_come_in_reading_order() {
        let text = "P<UTOERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                    L898902C35UTO7413122F1204159ZE184226B<<<<<10";
        let mrz = parse(text, &today()).unwrap();
        let at: Vec<_> = mrz.problems().iter().map(|p| (p.line, p.column)).collect();
        let mut sorted = at.clone();
        sorted.sort_unstable();
        assert_eq!(at, sorted);
        assert_eq!(mrz.problems()[0].field, Field::Name);
    }
}
