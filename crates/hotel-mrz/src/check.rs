//! The ICAO 9303 check digit: character values, weights and the digit itself.
//!
//! Every check in every format uses this one rule (Doc 9303 Part 3, 4.9):
//! each character gets a value (`0`–`9` are 0–9, `A`–`Z` are 10–35, the
//! filler `<` is 0), values are multiplied by the weights 7, 3, 1 repeated,
//! and the check digit is the sum modulo 10. Which characters a check covers
//! is a matter of layout and lives in [`crate::layout`]; how a reader uses the
//! rule to pick characters is in [`crate::ocr`].

/// Weights applied cyclically when computing a check digit.
pub const WEIGHTS: [u8; 3] = [7, 3, 1];

/// The MRZ filler character.
pub const FILLER: u8 = b'<';

/// Marks a byte that is not an MRZ character in [`VALUES`].
const INVALID: u8 = 0xff;

/// A bit set in [`INVALID`] and in no character value (values are 0–35).
const INVALID_BIT: u8 = 0x40;

/// Check value of every byte ([`INVALID`] outside the MRZ alphabet): a table
/// keeps the hot loop free of branches on character ranges.
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut c = 0usize;
    while c < 256 {
        table[c] = match c as u8 {
            b'0'..=b'9' => c as u8 - b'0',
            b'A'..=b'Z' => c as u8 - b'A' + 10,
            FILLER => 0,
            _ => INVALID,
        };
        c += 1;
    }
    table
};

/// The value of an MRZ character in the check-digit computation.
///
/// Returns `None` for anything outside `A`–`Z`, `0`–`9` and `<`; lower case is
/// not an MRZ character (the parser upper-cases input before it gets here).
///
/// # Example
///
/// ```
/// use hotel_mrz::check::char_value;
///
/// assert_eq!(char_value(b'7'), Some(7));
/// assert_eq!(char_value(b'A'), Some(10));
/// assert_eq!(char_value(b'<'), Some(0));
/// assert_eq!(char_value(b'a'), None);
/// ```
#[inline]
pub const fn char_value(c: u8) -> Option<u8> {
    match VALUES[c as usize] {
        INVALID => None,
        v => Some(v),
    }
}

/// The weight of the character at `index` (0-based) within a checked span.
#[inline]
pub const fn weight_at(index: usize) -> u8 {
    WEIGHTS[index % 3]
}

/// The check digit (0–9) of `field`, or `None` if it holds a character that
/// is not an MRZ character.
///
/// # Example
///
/// ```
/// use hotel_mrz::check::check_digit;
///
/// // ICAO 9303 Part 3 worked example: the date 27 July 1952.
/// assert_eq!(check_digit(b"520727"), Some(3));
/// assert_eq!(check_digit(b"AB2134<<<"), Some(5));
/// ```
#[inline]
pub fn check_digit(field: &[u8]) -> Option<u8> {
    weighted_sum(field, 0).map(|sum| (sum % 10) as u8)
}

/// The check digit over several spans read one after another, as the
/// composite check reads parts of different lines. The weights continue
/// across span boundaries.
pub fn check_digit_of_spans(spans: &[&[u8]]) -> Option<u8> {
    let mut sum = 0u32;
    let mut offset = 0usize;
    for span in spans {
        sum += weighted_sum(span, offset)?;
        offset += span.len();
    }
    Some((sum % 10) as u8)
}

/// The value of a character standing in a check-digit position: `0`–`9`, or
/// `None` for anything else (including `<`, which [`crate::parse`] only
/// accepts when the checked field is all fillers).
#[inline]
pub const fn digit_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        _ => None,
    }
}

/// The weighted sum of `field`, as if it started at position `offset` of a
/// longer checked sequence.
///
/// The loop adds each character's value into one of three sums, one per
/// weight, and multiplies only at the end; validity is tracked by OR-ing the
/// values together, since [`INVALID`] has a bit (`0x40`) that no real value
/// (at most 35) has. This keeps the loop to a load, a table look-up and two
/// cheap operations per character.
#[inline]
pub(crate) fn weighted_sum(field: &[u8], offset: usize) -> Option<u32> {
    let mut sums = [0u32; 3];
    let mut seen = 0u8;
    let mut rest = field;
    // Three characters per turn; slice patterns need no division to find
    // the chunks, which matters on spans this short.
    while let [a, b, c, tail @ ..] = rest {
        let (a, b, c) = (
            VALUES[usize::from(*a)],
            VALUES[usize::from(*b)],
            VALUES[usize::from(*c)],
        );
        seen |= a | b | c;
        sums[0] += u32::from(a);
        sums[1] += u32::from(b);
        sums[2] += u32::from(c);
        rest = tail;
    }
    // One or two characters left over.
    if let [a, ..] = rest {
        let a = VALUES[usize::from(*a)];
        seen |= a;
        sums[0] += u32::from(a);
    }
    if let [_, b] = rest {
        let b = VALUES[usize::from(*b)];
        seen |= b;
        sums[1] += u32::from(b);
    }
    if seen & INVALID_BIT != 0 {
        return None;
    }

    // `sums[i]` holds the characters at index `i`, `i + 3`, … of `field`,
    // whose weight is the one of position `offset + i`.
    let [w0, w1, w2] = match offset % 3 {
        0 => [7, 3, 1],
        1 => [3, 1, 7],
        _ => [1, 7, 3],
    };
    Some(sums[0] * w0 + sums[1] * w1 + sums[2] * w2)
}

/// The weighted sum of `field`, as [`weighted_sum`], for bytes already
/// known to be MRZ characters (any other byte adds a meaningless amount).
/// It skips the validity test, which the parser does once per line.
#[inline]
pub(crate) fn weighted_sum_clean(field: &[u8], offset: usize) -> u32 {
    let mut sums = [0u32; 3];
    let mut chunks = field.chunks_exact(3);
    for chunk in &mut chunks {
        sums[0] += u32::from(VALUES[usize::from(chunk[0])]);
        sums[1] += u32::from(VALUES[usize::from(chunk[1])]);
        sums[2] += u32::from(VALUES[usize::from(chunk[2])]);
    }
    for (sum, &c) in sums.iter_mut().zip(chunks.remainder()) {
        *sum += u32::from(VALUES[usize::from(c)]);
    }

    // `sums[i]` holds the characters at index `i`, `i + 3`, … of `field`,
    // whose weight is the one of position `offset + i`.
    let [w0, w1, w2] = match offset % 3 {
        0 => [7, 3, 1],
        1 => [3, 1, 7],
        _ => [1, 7, 3],
    };
    sums[0] * w0 + sums[1] * w1 + sums[2] * w2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_icao_worked_examples() {
        assert_eq!(check_digit(b"520727"), Some(3));
        assert_eq!(check_digit(b"L898902C3"), Some(6));
        assert_eq!(check_digit(b"740812"), Some(2));
        assert_eq!(check_digit(b"120415"), Some(9));
        assert_eq!(check_digit(b"ZE184226B<<<<<"), Some(1));
    }

    #[test]
    fn treats_filler_as_zero() {
        assert_eq!(check_digit(b"<<<<<<"), Some(0));
        assert_eq!(check_digit(b"1<"), check_digit(b"10"));
    }

    #[test]
    fn rejects_characters_outside_the_alphabet() {
        assert_eq!(check_digit(b"12a"), None);
        assert_eq!(check_digit(b"12 "), None);
    }

    #[test]
    fn fails_exactly_on_bytes_without_a_value() {
        for b in 0..=u8::MAX {
            for offset in 0..3 {
                let sum = weighted_sum(&[b'7', b, b'<', b'A'], offset);
                assert_eq!(sum.is_some(), char_value(b).is_some(), "byte {b}");
            }
        }
    }

    #[test]
    fn continues_weights_across_spans() {
        let whole = check_digit(b"L898902C36740812212041590");
        let split = check_digit_of_spans(&[b"L898902C36", b"7408122", b"12041590"]);
        assert_eq!(whole, split);
    }
}
