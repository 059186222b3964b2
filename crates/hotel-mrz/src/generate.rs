//! Building a valid MRZ from fields, computing every check digit.
//!
//! For tests, the image generator and integrators. Text is upper-cased;
//! spaces and hyphens become fillers and apostrophes are dropped (Doc 9303
//! Part 3). Anything else outside `A`–`Z`, `0`–`9` is refused rather than
//! transliterated: callers transliterate names first.
//!
//! Dates are written as given: a month 13 is encoded (so tests can build
//! documents with impossible dates) as long as each part is two digits or
//! `<<`. Names too long for their field are cut at the field's end; Doc 9303's
//! finer truncation rules are not applied.

use crate::check::{FILLER, check_digit_of_spans};
use crate::error::GenerateError;
use crate::fields::Fields;
use crate::layout::{CharClass, Field, Format, MAX_LINE_LEN, MAX_LINES, Span};

/// Builds the MRZ text (lines joined by `\n`) for `fields` in `format`.
///
/// # Errors
///
/// [`GenerateError`] when a field does not fit, holds a character not
/// allowed in it, a date is not `YYMMDD`, the sex is not `M`/`F`/`X`/`<`, or
/// the document code does not match the format (visas start with `V`, other
/// formats must not; the French ID card is `ID` issued by `FRA`).
pub fn generate(format: Format, fields: &Fields) -> Result<String, GenerateError> {
    let mut buf = [[FILLER; MAX_LINE_LEN]; MAX_LINES];

    let code = if fields.document_code.is_empty() {
        default_code(format).to_owned()
    } else {
        encode(&fields.document_code, Field::DocumentCode, CharClass::Alpha)?
    };
    let state = if fields.issuing_state.is_empty() && format == Format::FrenchId {
        "FRA".to_owned()
    } else {
        encode(&fields.issuing_state, Field::IssuingState, CharClass::Alpha)?
    };
    let is_visa = code.starts_with('V');
    let code_fits = match format {
        Format::MrvA | Format::MrvB => is_visa,
        Format::FrenchId => code == "ID" && state == "FRA",
        _ => !is_visa,
    };
    if !code_fits {
        return Err(GenerateError::DocumentCodeForFormat { format });
    }

    let mut long_number: Option<String> = None;
    for spec in format.fields() {
        let value = match spec.field {
            Field::DocumentCode => code.clone(),
            Field::IssuingState => state.clone(),
            Field::Name => {
                let surname = encode(&fields.surname, Field::Name, spec.class)?;
                let given = encode(&fields.given_names, Field::Name, spec.class)?;
                let mut name = surname;
                if !given.is_empty() {
                    name.push_str("<<");
                    name.push_str(&given);
                }
                name.truncate(usize::from(spec.span.len));
                name
            }
            Field::Surname | Field::GivenNames => {
                let text = match spec.field {
                    Field::Surname => &fields.surname,
                    _ => &fields.given_names,
                };
                let mut name = encode(text, spec.field, spec.class)?;
                name.truncate(usize::from(spec.span.len));
                name
            }
            Field::DocumentNumber => {
                let number = encode(&fields.document_number, spec.field, spec.class)?;
                let len = usize::from(spec.span.len);
                if number.len() > len {
                    if !format.has_long_number_rule() {
                        return Err(GenerateError::TooLong {
                            field: spec.field,
                            len: number.len(),
                            max: len,
                        });
                    }
                    long_number = Some(number[len..].to_owned());
                    number[..len].to_owned()
                } else {
                    number
                }
            }
            Field::Nationality => encode(&fields.nationality, spec.field, spec.class)?,
            Field::BirthDate => date(&fields.birth_date, spec.field)?,
            Field::ExpiryDate => date(&fields.expiry_date, spec.field)?,
            Field::Sex => {
                if !CharClass::Sex.allows(fields.sex.to_ascii_uppercase() as u8)
                    || !fields.sex.is_ascii()
                {
                    return Err(GenerateError::InvalidSex);
                }
                fields.sex.to_ascii_uppercase().to_string()
            }
            Field::OptionalData | Field::OptionalData1 => {
                encode(&fields.optional_data, spec.field, spec.class)?
            }
            Field::OptionalData2 => encode(&fields.optional_data_2, spec.field, spec.class)?,
            Field::AdministrativeCode => {
                encode(&fields.administrative_code, spec.field, spec.class)?
            }
            _ => String::new(),
        };
        put(&mut buf, spec.field, spec.span, &value)?;
    }

    // A long number continues in the optional data: rest, check digit,
    // filler, then the optional data proper. The usual check-digit place
    // keeps its filler.
    let mut number_check_at = None;
    if let Some(rest) = &long_number {
        let opt_field = format.long_number_field();
        let opt = format
            .span_of(opt_field)
            .expect("TD1 and TD2 layouts have the optional field of the long-number rule");
        let optional = encode(&fields.optional_data, opt_field, CharClass::AlphaNumeric)?;
        let needed = rest.len() + 2 + optional.len();
        if needed > usize::from(opt.len) {
            return Err(GenerateError::TooLong {
                field: Field::DocumentNumber,
                len: fields.document_number.len(),
                max: 9 + usize::from(opt.len) - 2 - optional.len(),
            });
        }
        let value = format!("{rest}0<{optional}");
        put(&mut buf, opt_field, opt, &value)?;
        number_check_at = Some(Span {
            line: opt.line,
            start: opt.start,
            len: rest.len() as u8,
        });
    }

    for rule in format.checks() {
        let (covers, line, column): (Vec<Span>, u8, u8) = match (rule.field, number_check_at) {
            (Field::DocumentNumber, Some(ext)) => {
                (vec![rule.covers[0], ext], ext.line, ext.start + ext.len)
            }
            _ => (rule.covers.to_vec(), rule.line, rule.column),
        };
        let parts: Vec<&[u8]> = covers
            .iter()
            .map(|s| {
                let start = usize::from(s.start);
                &buf[usize::from(s.line)][start..start + usize::from(s.len)]
            })
            .collect();
        let all_filler = parts.iter().all(|p| p.iter().all(|&c| c == FILLER));
        let digit = check_digit_of_spans(&parts).unwrap_or(0);
        let c = if rule.field == Field::OptionalData && format == Format::Td3 && all_filler {
            FILLER
        } else {
            b'0' + digit
        };
        buf[usize::from(line)][usize::from(column)] = c;
    }

    let mut out = String::with_capacity(MAX_LINES * (MAX_LINE_LEN + 1));
    for (i, line) in buf.iter().take(format.line_count()).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.extend(line[..format.line_len()].iter().map(|&b| char::from(b)));
    }
    Ok(out)
}

/// The usual document code of a format.
const fn default_code(format: Format) -> &'static str {
    match format {
        Format::Td3 => "P",
        Format::MrvA | Format::MrvB => "V",
        Format::FrenchId => "ID",
        Format::Td1 | Format::Td2 => "I",
    }
}

/// Upper-cases `text`, turns spaces and hyphens into fillers, drops
/// apostrophes, and checks the result against `class`.
fn encode(text: &str, field: Field, class: CharClass) -> Result<String, GenerateError> {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        let c = match c {
            ' ' | '-' => '<',
            '\'' => continue,
            c if c.is_ascii() => c.to_ascii_uppercase(),
            _ => return Err(GenerateError::InvalidCharacter { field }),
        };
        if !class.allows(c as u8) {
            return Err(GenerateError::InvalidCharacter { field });
        }
        out.push(c);
    }
    Ok(out)
}

/// Checks a `YYMMDD` date (empty means unknown) and returns its six
/// characters.
fn date(text: &str, field: Field) -> Result<String, GenerateError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok("<<<<<<".to_owned());
    }
    let ok = text.len() == 6
        && text
            .as_bytes()
            .chunks(2)
            .all(|pair| pair.iter().all(u8::is_ascii_digit) || pair.iter().all(|&c| c == FILLER));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(GenerateError::InvalidDate { field })
    }
}

/// Writes `value` into its span, or fails if it does not fit.
fn put(
    buf: &mut [[u8; MAX_LINE_LEN]; MAX_LINES],
    field: Field,
    span: Span,
    value: &str,
) -> Result<(), GenerateError> {
    let max = usize::from(span.len);
    if value.len() > max {
        return Err(GenerateError::TooLong {
            field,
            len: value.len(),
            max,
        });
    }
    let start = usize::from(span.start);
    buf[usize::from(span.line)][start..start + value.len()].copy_from_slice(value.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_spaces_and_hyphens_into_fillers() {
        assert_eq!(
            encode("Anne-Marie d'Arc", Field::Name, CharClass::Alpha).unwrap(),
            "ANNE<MARIE<DARC"
        );
    }

    #[test]
    fn refuses_characters_that_need_transliteration() {
        assert_eq!(
            encode("MÜLLER", Field::Name, CharClass::Alpha),
            Err(GenerateError::InvalidCharacter { field: Field::Name })
        );
        assert_eq!(
            encode("R2D2", Field::Name, CharClass::Alpha),
            Err(GenerateError::InvalidCharacter { field: Field::Name })
        );
    }

    #[test]
    fn refuses_malformed_dates() {
        assert!(date("7408", Field::BirthDate).is_err());
        assert!(date("74O812", Field::BirthDate).is_err());
        assert!(date("7<0812", Field::BirthDate).is_err());
        assert_eq!(date("74<<<<", Field::BirthDate).unwrap(), "74<<<<");
        assert_eq!(date("", Field::BirthDate).unwrap(), "<<<<<<");
    }
}
