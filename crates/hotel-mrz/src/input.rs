//! From input text to fixed MRZ lines: the only place that tolerates noise.
//!
//! Accepted noise: blank lines and whitespace around the MRZ, CRLF line ends,
//! spaces and tabs inside a line (OCR inserts them between glyphs) and lower
//! case letters. Everything else is reported, never repaired: an `O` stays an
//! `O` even in a date. The result lives in a fixed array, so this step does
//! not allocate.

use crate::error::MrzError;
use crate::layout::{Format, MAX_LINE_LEN, MAX_LINES};

/// What the parser had to tolerate in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Normalisation {
    /// Lower-case letters were read as upper case.
    pub lowercase: bool,
    /// Whitespace inside a line was dropped.
    pub inner_whitespace: bool,
}

/// Normalised lines, before the format is interpreted.
#[derive(Clone, Copy)]
pub(crate) struct Lines {
    pub(crate) format: Format,
    pub(crate) buf: [[u8; MAX_LINE_LEN]; MAX_LINES],
    pub(crate) normalisation: Normalisation,
}

impl Lines {
    /// No lines yet: every position a filler, as [`read_lines`] expects.
    pub(crate) const EMPTY: Self = Self {
        format: Format::Td3,
        buf: [[b'<'; MAX_LINE_LEN]; MAX_LINES],
        normalisation: Normalisation {
            lowercase: false,
            inner_whitespace: false,
        },
    };
}

/// Reads `text` into `lines` (which must be [`Lines::EMPTY`]) and decides
/// the format. Writing in place spares copying the lines into the record.
#[inline]
pub(crate) fn read_lines(text: &str, lines: &mut Lines) -> Result<(), MrzError> {
    // Most input is an MRZ exactly as printed: try that shape first.
    if let Some(format) = read_exact(text.as_bytes(), &mut lines.buf) {
        lines.format = format;
        return Ok(());
    }
    *lines = read_lines_tolerant(text)?;
    Ok(())
}

/// Reads `text` into `buf` when it is exactly a TD1 (3×30), a 2×36 or a
/// 2×44 MRZ of clean characters, lines ended by `\n` (the last one
/// optionally), and returns its format; `None` for anything else, which
/// [`read_lines_tolerant`] then reads. For such text both give the same
/// lines and format.
#[inline]
fn read_exact(bytes: &[u8], buf: &mut [[u8; MAX_LINE_LEN]; MAX_LINES]) -> Option<Format> {
    let text = match bytes {
        [text @ .., b'\n'] => text,
        text => text,
    };
    let line_len = match text.len() {
        89 => copy_exact::<44, 2>(text, buf)?,
        73 => copy_exact::<36, 2>(text, buf)?,
        92 => copy_exact::<30, 3>(text, buf)?,
        _ => return None,
    };
    Some(format_of(&buf[0], line_len))
}

/// Copies `N` lines of `LEN` clean MRZ characters, each followed by `\n`
/// except the last, from `text` (which is `N * (LEN + 1) - 1` bytes long)
/// into `buf`, and returns `LEN`. `None` if a line end or a character is
/// out of place.
#[inline(always)]
fn copy_exact<const LEN: usize, const N: usize>(
    text: &[u8],
    buf: &mut [[u8; MAX_LINE_LEN]; MAX_LINES],
) -> Option<usize> {
    for (i, dest) in buf.iter_mut().enumerate().take(N) {
        let start = i * (LEN + 1);
        let line: &[u8; LEN] = text.get(start..start + LEN)?.try_into().ok()?;
        let end_ok = matches!(text.get(start + LEN), None | Some(b'\n'));
        if !(end_ok & all_mrz_chars(line)) {
            return None;
        }
        dest[..LEN].copy_from_slice(line);
    }
    Some(LEN)
}

/// The format of well-shaped lines `line_len` long, from the first line:
/// visas start with `V`, the French ID card with `IDFRA`.
#[inline]
fn format_of(line1: &[u8; MAX_LINE_LEN], line_len: usize) -> Format {
    match line_len {
        30 => Format::Td1,
        44 if line1[0] == b'V' => Format::MrvA,
        44 => Format::Td3,
        _ if line1[0] == b'V' => Format::MrvB,
        _ if line1.starts_with(b"IDFRA") => Format::FrenchId,
        _ => Format::Td2,
    }
}

/// Reads `text` into normalised lines, tolerating the noise the module
/// documentation lists.
fn read_lines_tolerant(text: &str) -> Result<Lines, MrzError> {
    let mut buf = [[b'<'; MAX_LINE_LEN]; MAX_LINES];
    let mut lens = [0usize; MAX_LINES];
    let mut count = 0usize;
    let mut normalisation = Normalisation::default();

    let mut rest = text;
    while !rest.is_empty() {
        // Fast path: a clean line of an MRZ length, found by probing where
        // its line end must be instead of searching for it.
        if let (Some(dest), Some(len)) = (buf.get_mut(count), clean_line_len(rest.as_bytes())) {
            dest[..len].copy_from_slice(&rest.as_bytes()[..len]);
            lens[count] = len;
            count += 1;
            rest = rest.get(len + 1..).unwrap_or("");
            continue;
        }

        let (raw, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = tail;

        // Also fast: any other clean line of at most one MRZ line's length.
        if let (Some(dest), true) = (buf.get_mut(count), raw.len() <= MAX_LINE_LEN)
            && !raw.is_empty()
            && all_mrz_chars(raw.as_bytes())
        {
            dest[..raw.len()].copy_from_slice(raw.as_bytes());
            lens[count] = raw.len();
            count += 1;
            continue;
        }

        let mut len = 0usize;
        let mut pending_space = false;
        for (offset, &b) in raw.as_bytes().iter().enumerate() {
            let c = match b {
                b'A'..=b'Z' | b'0'..=b'9' | b'<' => b,
                b'a'..=b'z' => {
                    normalisation.lowercase = true;
                    b.to_ascii_uppercase()
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                    if len > 0 {
                        pending_space = true;
                    }
                    continue;
                }
                _ => {
                    let found = raw[offset..].chars().next().unwrap_or('\u{fffd}');
                    return Err(MrzError::InvalidCharacter {
                        line: count + 1,
                        column: len + 1,
                        found,
                    });
                }
            };
            if pending_space {
                normalisation.inner_whitespace = true;
                pending_space = false;
            }
            if let Some(slot) = buf.get_mut(count).and_then(|l| l.get_mut(len)) {
                *slot = c;
            }
            len += 1;
        }
        if len == 0 {
            continue;
        }
        if let Some(l) = lens.get_mut(count) {
            *l = len;
        }
        count += 1;
    }

    let format = shape(&buf, &lens, count)?;
    Ok(Lines {
        format,
        buf,
        normalisation,
    })
}

/// The length of the first line of `rest` when it is 30, 36 or 44 MRZ
/// characters ended by `\n` or by the end of the text; `None` otherwise
/// (the caller then splits the line off and reads it the general way).
///
/// Since `\n` is not an MRZ character, a clean prefix of length `len`
/// followed by a line end is exactly the first line: no search is needed.
#[inline]
fn clean_line_len(rest: &[u8]) -> Option<usize> {
    [44, 36, 30].into_iter().find(|&len| {
        matches!(rest.get(len), None | Some(b'\n'))
            && rest.len() >= len
            && all_mrz_chars(&rest[..len])
    })
}

/// Whether every byte is one of `A`–`Z`, `0`–`9`, `<`. Written without
/// short-circuits so that it compiles to vector code: several times faster
/// than `all()` with `||` on MRZ-sized lines.
#[inline]
pub(crate) fn all_mrz_chars(line: &[u8]) -> bool {
    line.iter().fold(true, |ok, &c| {
        ok & ((c.wrapping_sub(b'A') < 26) | (c.wrapping_sub(b'0') < 10) | (c == b'<'))
    })
}

/// Decides the format from the line count and lengths, or says what is
/// wrong with the shape.
fn shape(
    buf: &[[u8; MAX_LINE_LEN]; MAX_LINES],
    lens: &[usize; MAX_LINES],
    count: usize,
) -> Result<Format, MrzError> {
    if count == 0 {
        return Err(MrzError::Empty);
    }

    let first = lens[0];
    let (expected_lines, expected_len) = match first {
        30 => (3, 30),
        36 | 44 => (2, first),
        _ if count == 3 => (3, 30),
        _ if count == 2 && matches!(lens[1], 36 | 44) => (2, lens[1]),
        _ => {
            return Err(MrzError::UnknownFormat {
                line: 1,
                found: first,
            });
        }
    };

    if count != expected_lines {
        return Err(MrzError::LineCount {
            line: count.min(expected_lines) + 1,
            found: count,
            expected: expected_lines,
        });
    }
    for (i, &len) in lens.iter().enumerate().take(count) {
        if len != expected_len {
            return Err(MrzError::LineLength {
                line: i + 1,
                column: len.min(expected_len) + 1,
                found: len,
                expected: expected_len,
            });
        }
    }

    Ok(format_of(&buf[0], expected_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                       L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    fn read(text: &str) -> Result<Lines, MrzError> {
        let mut lines = Lines::EMPTY;
        read_lines(text, &mut lines).map(|()| lines)
    }

    #[test]
    fn exact_and_tolerant_paths_read_the_same_lines() {
        let specimens = [
            TD3,
            "I<UTOD231458907<<<<<<<<<<<<<<<\n\
             7408122F1204159UTO<<<<<<<<<<<6\n\
             ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
             D231458907UTO7408122F1204159<<<<<<<6",
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
             L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
             L8988901C4XXX4009078F9612109<<<<<<<<",
            "IDFRAMARTIN<<<<<<<<<<<<<<<<<<<750123\n\
             9902750123453JEANNE<<LOUISE8507147F5",
        ];
        for text in specimens
            .into_iter()
            .flat_map(|t| [t.to_owned(), format!("{t}\n")])
        {
            let mut buf = Lines::EMPTY.buf;
            let format = read_exact(text.as_bytes(), &mut buf);
            let tolerant = read_lines_tolerant(&text).unwrap();
            assert_eq!(format, Some(tolerant.format), "{text}");
            assert_eq!(buf, tolerant.buf);
        }
        // Anything but clean text is left to the tolerant path.
        for text in [
            TD3.to_lowercase(),
            TD3.replace('\n', "\r\n"),
            format!(" {TD3}"),
        ] {
            let mut buf = Lines::EMPTY.buf;
            assert_eq!(read_exact(text.as_bytes(), &mut buf), None);
        }
    }

    #[test]
    fn tolerates_crlf_lower_case_and_inner_spaces() {
        let messy = "\r\n  p<uto ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\n\
                     L898902C36 UTO7408122F1204159ZE184226B<<<<<10  \r\n\n";
        let lines = read(messy).unwrap();
        let clean = read(TD3).unwrap();
        assert_eq!(lines.buf, clean.buf);
        assert!(lines.normalisation.lowercase);
        assert!(lines.normalisation.inner_whitespace);
        assert_eq!(clean.normalisation, Normalisation::default());
    }

    #[test]
    fn names_line_and_column_of_an_invalid_character() {
        let bad = TD3.replace("7408122", "74#8122");
        assert_eq!(
            read(&bad).err(),
            Some(MrzError::InvalidCharacter {
                line: 2,
                column: 16,
                found: '#'
            })
        );
        let bad = TD3.replace("ANNA", "ANNÉ");
        assert!(matches!(
            read(&bad),
            Err(MrzError::InvalidCharacter {
                line: 1,
                column: 19,
                found: 'É'
            })
        ));
    }

    #[test]
    fn reports_wrong_line_length_at_the_first_bad_column() {
        let short = TD3.replace("<10", "10");
        assert_eq!(
            read(&short).err(),
            Some(MrzError::LineLength {
                line: 2,
                column: 44,
                found: 43,
                expected: 44
            })
        );
        let long = TD3.replace("<10", "<<10");
        assert_eq!(
            read(&long).err().map(|e| (e.kind(), e.line(), e.column())),
            Some(("line_length", 2, 45))
        );
    }

    #[test]
    fn reports_missing_and_extra_lines() {
        let one = TD3.lines().next().unwrap();
        assert_eq!(
            read(one).err(),
            Some(MrzError::LineCount {
                line: 2,
                found: 1,
                expected: 2
            })
        );
        let three = format!("{TD3}\n{one}");
        assert_eq!(read(&three).err().map(|e| e.line()), Some(3));
    }

    #[test]
    fn rejects_lines_of_no_known_length() {
        assert_eq!(
            read("ABC\nDEF").err(),
            Some(MrzError::UnknownFormat { line: 1, found: 3 })
        );
        assert_eq!(read(" \n\r\n").err(), Some(MrzError::Empty));
    }
}
