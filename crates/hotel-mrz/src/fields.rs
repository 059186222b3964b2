//! Owned MRZ fields: what the generator takes and [`crate::Mrz::to_fields`]
//! returns.
//!
//! This is a plain bag of text for integrators and tests. It holds personal
//! data, so its `Debug` output is redacted; it carries no verdicts (those live
//! on [`crate::Mrz`]).

use std::fmt;

/// The fields of an MRZ as owned text.
///
/// Empty strings mean "not given": the generator writes fillers (or the
/// format's default document code). Which fields a format uses:
///
/// - TD3, TD2, MRV-A, MRV-B: all but `optional_data_2` and
///   `administrative_code`.
/// - TD1: all but `administrative_code`; `optional_data` is line 1's,
///   `optional_data_2` line 2's.
/// - French ID card: no nationality, expiry date or optional data; it has
///   `administrative_code`.
///
/// # Example
///
/// ```
/// use hotel_mrz::{Fields, Format, generate};
///
/// let fields = Fields {
///     issuing_state: "UTO".into(),
///     surname: "ERIKSSON".into(),
///     given_names: "ANNA MARIA".into(),
///     document_number: "L898902C3".into(),
///     nationality: "UTO".into(),
///     birth_date: "740812".into(),
///     sex: 'F',
///     expiry_date: "120415".into(),
///     optional_data: "ZE184226B".into(),
///     ..Fields::default()
/// };
/// let text = generate(Format::Td3, &fields).unwrap();
/// assert_eq!(
///     text,
///     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
///      L898902C36UTO7408122F1204159ZE184226B<<<<<10"
/// );
/// assert!(format!("{fields:?}").contains("redacted"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Fields {
    /// Document code (`P`, `I`, `ID`, `V`, …); empty for the format's usual
    /// code.
    pub document_code: String,
    /// Issuing state or organisation, 1–3 letters.
    pub issuing_state: String,
    /// Surname; spaces and hyphens become fillers.
    pub surname: String,
    /// Given names; spaces and hyphens become fillers.
    pub given_names: String,
    /// Document number (TD1 and TD2 allow more than 9 characters).
    pub document_number: String,
    /// Nationality, 1–3 letters.
    pub nationality: String,
    /// Date of birth, `YYMMDD` (`<<` for an unknown part).
    pub birth_date: String,
    /// `M`, `F`, `X` or `<`.
    pub sex: char,
    /// Date of expiry, `YYMMDD`.
    pub expiry_date: String,
    /// Optional data (TD1: line 1's).
    pub optional_data: String,
    /// TD1 line 2's optional data.
    pub optional_data_2: String,
    /// French ID card: issuing department and office.
    pub administrative_code: String,
}

impl Default for Fields {
    fn default() -> Self {
        Self {
            document_code: String::new(),
            issuing_state: String::new(),
            surname: String::new(),
            given_names: String::new(),
            document_number: String::new(),
            nationality: String::new(),
            birth_date: String::new(),
            sex: '<',
            expiry_date: String::new(),
            optional_data: String::new(),
            optional_data_2: String::new(),
            administrative_code: String::new(),
        }
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fields { [redacted] }")
    }
}

/// Turns a filled name (`ANNA<MARIA<<<`) into text: each run of fillers
/// becomes one space, and the ends are trimmed.
pub(crate) fn name_from_filled(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut gap = false;
    for &c in raw {
        if c == b'<' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        out.push(char::from(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_filler_runs_into_single_spaces() {
        assert_eq!(name_from_filled(b"ANNA<MARIA<<<<"), "ANNA MARIA");
        assert_eq!(name_from_filled(b"<<JAN<<PIET"), "JAN PIET");
        assert_eq!(name_from_filled(b"<<<"), "");
    }
}
