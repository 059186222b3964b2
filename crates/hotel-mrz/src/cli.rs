//! The `hotel mrz` commands, as functions the binary calls.
//!
//! `parse` reads one MRZ per blank-line-separated block and prints either a
//! readable summary or one JSON object per line; `generate` prints a valid
//! MRZ built from fields. Argument parsing (clap) stays in the binary: these
//! functions take plain values and a writer, so tests drive them exactly as
//! the command line does.
//!
//! The output contains the document's personal data, which is what the user
//! asked for; nothing here logs.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use thiserror::Error;

use crate::country;
use crate::date::Resolved;
use crate::error::{GenerateError, MrzError};
use crate::fields::Fields;
use crate::generate::generate;
use crate::layout::{Field, Format};
use crate::record::{DigitVerdict, Mrz, ParseOptions, ProblemKind, parse};

/// The fields of `hotel mrz generate`, one per flag; `None` for a flag not
/// given.
#[derive(Clone, Default)]
pub struct GenerateArgs {
    /// `--format`: `td1`, `td2`, `td3`, `mrv_a`, `mrv_b` or `french_id`.
    pub format: String,
    /// `--document-code`.
    pub document_code: Option<String>,
    /// `--issuing-state`.
    pub issuing_state: Option<String>,
    /// `--surname`.
    pub surname: Option<String>,
    /// `--given-names`.
    pub given_names: Option<String>,
    /// `--document-number`.
    pub document_number: Option<String>,
    /// `--nationality`.
    pub nationality: Option<String>,
    /// `--birth-date` (`YYMMDD`).
    pub birth_date: Option<String>,
    /// `--sex` (`M`, `F`, `X` or `<`).
    pub sex: Option<String>,
    /// `--expiry-date` (`YYMMDD`).
    pub expiry_date: Option<String>,
    /// `--optional-data` (TD1: line 1's).
    pub optional_data: Option<String>,
    /// `--optional-data-2` (TD1 line 2).
    pub optional_data_2: Option<String>,
    /// `--administrative-code` (French ID card).
    pub administrative_code: Option<String>,
}

/// Why `generate` printed nothing.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// The format name is not one of the six.
    #[error("unknown format (expected td1, td2, td3, mrv_a, mrv_b or french_id)")]
    UnknownFormat,
    /// The fields cannot be encoded.
    #[error("cannot generate the MRZ")]
    Generate(#[from] GenerateError),
    /// Writing the output failed.
    #[error("cannot write the output")]
    Io(#[from] io::Error),
}

/// Most bytes `hotel mrz parse` reads from its input: about 80 000 TD3
/// zones, far beyond any batch, and a bound on memory for any stream.
pub const MAX_PARSE_INPUT: usize = 8 << 20;

/// Reads `hotel mrz parse`'s input: at most [`MAX_PARSE_INPUT`] bytes,
/// bytes that are not UTF-8 replaced by `U+FFFD` (so only the block
/// holding them is malformed; the others are still read).
///
/// # Errors
///
/// The reader's error, or [`io::ErrorKind::FileTooLarge`] for input over
/// the limit.
pub fn read_parse_input(input: impl Read) -> io::Result<String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_PARSE_INPUT as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_PARSE_INPUT {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("the input is larger than the limit of {MAX_PARSE_INPUT} bytes"),
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `hotel mrz parse` on `input` with today's UTC date.
///
/// Returns whether every block was valid (exit status 0) or not (1).
///
/// # Errors
///
/// Only when writing to `out` fails.
pub fn run_parse(input: &str, json: bool, out: &mut impl Write) -> io::Result<bool> {
    run_parse_with(input, json, &ParseOptions::today_utc(), out)
}

/// Runs `hotel mrz parse` with explicit options (tests fix "today").
///
/// Blocks are separated by blank lines; input with no block at all is
/// reported as one malformed block of kind `empty`.
///
/// # Errors
///
/// Only when writing to `out` fails.
pub fn run_parse_with(
    input: &str,
    json: bool,
    options: &ParseOptions,
    out: &mut impl Write,
) -> io::Result<bool> {
    let mut all_valid = true;
    let mut any = false;
    for (i, block) in blocks(input).enumerate() {
        any = true;
        let result = parse(block, options);
        all_valid &= matches!(&result, Ok(mrz) if mrz.is_valid());
        if json {
            write_json(&result, out)?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            write_summary(result.as_ref(), None, out)?;
        }
    }
    if !any {
        let result = Err(MrzError::Empty);
        if json {
            write_json(&result, out)?;
        } else {
            write_summary(result.as_ref(), None, out)?;
        }
        all_valid = false;
    }
    Ok(all_valid)
}

/// Runs `hotel mrz generate`: prints the MRZ lines, or with `json` one object
/// `{"format":…,"mrz":[lines…]}`.
///
/// # Errors
///
/// [`CliError`] for an unknown format, fields that cannot be encoded, or a
/// failed write.
pub fn run_generate(args: &GenerateArgs, json: bool, out: &mut impl Write) -> Result<(), CliError> {
    let format = Format::from_name(&args.format).ok_or(CliError::UnknownFormat)?;
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let sex = match args.sex.as_deref().map(str::trim) {
        None | Some("") => '<',
        Some(s) if s.chars().count() == 1 => s.chars().next().unwrap_or('<'),
        Some(_) => return Err(GenerateError::InvalidSex.into()),
    };
    let fields = Fields {
        document_code: text(&args.document_code),
        issuing_state: text(&args.issuing_state),
        surname: text(&args.surname),
        given_names: text(&args.given_names),
        document_number: text(&args.document_number),
        nationality: text(&args.nationality),
        birth_date: text(&args.birth_date),
        sex,
        expiry_date: text(&args.expiry_date),
        optional_data: text(&args.optional_data),
        optional_data_2: text(&args.optional_data_2),
        administrative_code: text(&args.administrative_code),
    };
    let mrz = generate(format, &fields)?;
    if json {
        let value = GeneratedJson {
            format: format.name(),
            mrz: mrz.lines().collect(),
        };
        serde_json::to_writer(&mut *out, &value).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{mrz}")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct GeneratedJson<'a> {
    format: &'static str,
    mrz: Vec<&'a str>,
}

/// The blank-line-separated blocks of `input`, as slices of it.
fn blocks(input: &str) -> impl Iterator<Item = &str> {
    let mut rest = input;
    std::iter::from_fn(move || {
        // Skip blank lines.
        loop {
            let (line, tail) = rest.split_once('\n').unwrap_or((rest, ""));
            if !line.trim().is_empty() {
                break;
            }
            if tail.is_empty() {
                rest = "";
                return None;
            }
            rest = tail;
        }
        // Take lines up to the next blank one.
        let mut end = 0;
        let mut cursor = rest;
        loop {
            let (line, tail) = match cursor.split_once('\n') {
                Some((line, tail)) => (line, Some(tail)),
                None => (cursor, None),
            };
            if line.trim().is_empty() {
                break;
            }
            end += line.len();
            match tail {
                Some(tail) => {
                    end += 1;
                    cursor = tail;
                }
                None => break,
            }
        }
        let block = &rest[..end];
        rest = &rest[end..];
        Some(block)
    })
}

fn write_json(result: &Result<Mrz, MrzError>, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &JsonRecord(result.as_ref())).map_err(io::Error::from)?;
    writeln!(out)
}

/// The JSON object of `parse --json` for one result (`hotel mrz read`
/// extends it).
#[cfg(feature = "read")]
pub(crate) fn json_record(result: Result<&Mrz, &MrzError>) -> serde_json::Value {
    serde_json::to_value(JsonRecord(result)).unwrap_or(serde_json::Value::Null)
}

/// One JSON line of `parse --json`.
struct JsonRecord<'a>(Result<&'a Mrz, &'a MrzError>);

impl Serialize for JsonRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.0 {
            Ok(mrz) => {
                map.serialize_entry("format", mrz.format().name())?;
                map.serialize_entry("valid", &mrz.is_valid())?;
                map.serialize_entry("fields", &JsonFields(mrz))?;
                map.serialize_entry("checks", &JsonChecks(mrz))?;
                map.serialize_entry("problems", &JsonProblems(mrz))?;
                map.serialize_entry("error", &())?;
            }
            Err(error) => {
                map.serialize_entry("format", &())?;
                map.serialize_entry("valid", &false)?;
                map.serialize_entry("fields", &())?;
                map.serialize_entry("checks", &())?;
                map.serialize_entry("problems", &[(); 0])?;
                map.serialize_entry("error", &JsonError(error))?;
            }
        }
        map.end()
    }
}

struct JsonFields<'a>(&'a Mrz);

impl Serialize for JsonFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mrz = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("document_code", mrz.document_code())?;
        map.serialize_entry("issuing_state", mrz.issuing_state())?;
        map.serialize_entry("surname", &mrz.surname())?;
        map.serialize_entry("given_names", &mrz.given_names())?;
        map.serialize_entry("document_number", mrz.document_number())?;
        if let Some(nationality) = mrz.nationality() {
            map.serialize_entry("nationality", nationality)?;
        }
        map.serialize_entry("birth_date", mrz.birth_date_raw())?;
        map.serialize_entry("birth_date_iso", &mrz.birth_date().to_iso())?;
        map.serialize_entry("sex", mrz.sex_raw())?;
        if let (Some(raw), Some(resolved)) = (mrz.expiry_date_raw(), mrz.expiry_date()) {
            map.serialize_entry("expiry_date", raw)?;
            map.serialize_entry("expiry_date_iso", &resolved.to_iso())?;
        }
        match mrz.format() {
            Format::Td1 => {
                map.serialize_entry("optional_data_1", mrz.optional_data().unwrap_or(""))?;
                map.serialize_entry("optional_data_2", mrz.optional_data_2().unwrap_or(""))?;
            }
            Format::FrenchId => {
                let code = mrz.administrative_code().unwrap_or("");
                map.serialize_entry("administrative_code", code)?;
            }
            _ => map.serialize_entry("optional_data", mrz.optional_data().unwrap_or(""))?,
        }
        map.end()
    }
}

struct JsonChecks<'a>(&'a Mrz);

impl Serialize for JsonChecks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.checks().len()))?;
        for check in self.0.checks() {
            map.serialize_entry(
                json_check_name(self.0.format(), check.field),
                &check.is_valid(),
            )?;
        }
        map.end()
    }
}

struct JsonProblems<'a>(&'a Mrz);

impl Serialize for JsonProblems<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let problems = self.0.problems();
        let format = self.0.format();
        serializer.collect_seq(problems.iter().map(|p| {
            let mut o = serde_json::Map::new();
            o.insert("field".into(), json_check_name(format, p.field).into());
            o.insert("kind".into(), p.kind.name().into());
            o.insert("line".into(), p.line.into());
            o.insert("column".into(), p.column.into());
            o.insert("message".into(), problem_message(p).into());
            o
        }))
    }
}

struct JsonError<'a>(&'a MrzError);

impl Serialize for JsonError<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("kind", self.0.kind())?;
        map.serialize_entry("line", &self.0.line())?;
        map.serialize_entry("column", &self.0.column())?;
        map.serialize_entry("message", &self.0.to_string())?;
        map.end()
    }
}

/// The JSON name of a field: TD1's optional data are `optional_data_1` and
/// `optional_data_2`.
fn json_check_name(format: Format, field: Field) -> &'static str {
    match (format, field) {
        (Format::Td1, Field::OptionalData) => "optional_data_1",
        _ => field.name(),
    }
}

/// A problem's message with the digits involved (the user's own data).
fn problem_message(p: &crate::record::Problem) -> String {
    match p.kind {
        ProblemKind::CheckDigitMismatch { expected, found } => {
            format!("{p} (computed {expected}, written {found})")
        }
        ProblemKind::CheckDigitNotDigit { expected } => format!("{p} (computed {expected})"),
        _ => p.to_string(),
    }
}

/// The summary of one MRZ; `valid` overrides the text's own verdict in
/// the heading (a reading can be invalid although its text is not).
pub(crate) fn write_summary(
    result: Result<&Mrz, &MrzError>,
    valid: Option<bool>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mrz = match result {
        Ok(mrz) => mrz,
        Err(error) => {
            return writeln!(out, "malformed MRZ ({}): {error}", error.kind());
        }
    };
    let verdict = if valid.unwrap_or_else(|| mrz.is_valid()) {
        "valid"
    } else {
        "INVALID"
    };
    writeln!(out, "{}: {verdict}", mrz.format().description())?;

    let row = |out: &mut dyn Write, label: &str, value: &str| -> io::Result<()> {
        writeln!(out, "  {label:<20} {value}")
    };
    let with_country = |code: &str| match country::name(code) {
        Some(name) => format!("{code} ({name})"),
        None => format!("{code} (unknown code)"),
    };
    let date = |raw: &str, resolved: Resolved| match resolved {
        Resolved::Impossible(p) => format!("{raw} (impossible: {p})"),
        other => match other.to_iso() {
            Some(iso) => format!("{raw} = {iso}"),
            None => format!("{raw} (unknown)"),
        },
    };

    row(out, "document code", mrz.document_code())?;
    row(out, "issuing state", &with_country(mrz.issuing_state()))?;
    row(out, "surname", &mrz.surname())?;
    row(out, "given names", &mrz.given_names())?;
    row(out, "document number", mrz.document_number())?;
    if let Some(n) = mrz.nationality() {
        row(out, "nationality", &with_country(n))?;
    }
    row(
        out,
        "date of birth",
        &date(mrz.birth_date_raw(), mrz.birth_date()),
    )?;
    row(out, "sex", mrz.sex_raw())?;
    if let (Some(raw), Some(resolved)) = (mrz.expiry_date_raw(), mrz.expiry_date()) {
        row(out, "date of expiry", &date(raw, resolved))?;
    }
    match mrz.format() {
        Format::Td1 => {
            row(out, "optional data 1", mrz.optional_data().unwrap_or(""))?;
            row(out, "optional data 2", mrz.optional_data_2().unwrap_or(""))?;
        }
        Format::FrenchId => {
            row(
                out,
                "administrative code",
                mrz.administrative_code().unwrap_or(""),
            )?;
        }
        _ => row(out, "optional data", mrz.optional_data().unwrap_or(""))?,
    }

    let checks: Vec<String> = mrz
        .checks()
        .iter()
        .map(|c| {
            let word = match c.digit {
                DigitVerdict::Match if c.content_ok => "ok",
                DigitVerdict::Match => "digit ok, content invalid",
                _ => "FAILED",
            };
            format!("{} {word}", json_check_name(mrz.format(), c.field))
        })
        .collect();
    row(out, "checks", &checks.join(", "))?;
    for p in mrz.problems() {
        writeln!(out, "  problem: {}", problem_message(p))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_input_replaces_bytes_that_are_not_utf8_and_keeps_the_rest() {
        let input = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
L898902C36UTO7408122F1204159ZE184226B<<<<<10\n\nP<UTO\xffX\n";
        let text = read_parse_input(&input[..]).unwrap();
        assert!(text.ends_with("P<UTO\u{FFFD}X\n"), "{text:?}");
        let options = ParseOptions::new(crate::Date::new(2012, 1, 1).unwrap());
        let mut out = Vec::new();
        let all_valid = run_parse_with(&text, true, &options, &mut out).unwrap();
        assert!(!all_valid);
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["valid"], true);
        assert_eq!(lines[1]["valid"], false);
    }

    #[test]
    fn parse_input_over_the_limit_is_an_error() {
        let input = vec![b'<'; MAX_PARSE_INPUT + 1];
        let err = read_parse_input(&input[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(read_parse_input(&input[..MAX_PARSE_INPUT]).is_ok());
    }

    #[test]
    fn splits_blocks_on_blank_lines() {
        let input = "\n\nA\nB\n \r\nC\r\n\n\nD";
        let got: Vec<&str> = blocks(input).collect();
        assert_eq!(got, vec!["A\nB\n", "C\r\n", "D"]);
        assert_eq!(blocks("  \n\n").count(), 0);
        assert_eq!(blocks("").count(), 0);
    }
}
