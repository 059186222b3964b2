//! The ICAO 9303 check digit: character values, weights and the digit itself.
//!
//! Every check in every format uses this one rule (Doc 9303 Part 3, 4.9):
//! each character gets a value (`0`–`9` are 0–9, `A`–`Z` are 10–35, the
//! filler `<` is 0), values are multiplied by the weights 7, 3, 1 repeated,
//! and the check digit is the sum modulo 10. Which characters a check covers
//! is a matter of layout and lives in [`crate::layout`]; how a reader uses the
//! rule to pick characters is in [`crate::ocr`].

use crate::layout::MAX_LINE_LEN;

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

/// The weights of the three position classes of a [`LineSums`] span, by
/// `offset + 2 * MAX_LINE_LEN - start` (offsets stay below two lines): a
/// table, because the remainder by 3 it stands for costs more.
const CLASS_WEIGHTS: [[u8; 3]; 4 * MAX_LINE_LEN] = {
    let mut table = [[0; 3]; 4 * MAX_LINE_LEN];
    let mut i = 0;
    while i < table.len() {
        // The weight of class `r` is `WEIGHTS[(r + offset - start) % 3]`,
        // and `offset - start = i - 2 * MAX_LINE_LEN`.
        let shift = (i + 3 - (2 * MAX_LINE_LEN) % 3) % 3;
        table[i] = [
            WEIGHTS[shift],
            WEIGHTS[(shift + 1) % 3],
            WEIGHTS[(shift + 2) % 3],
        ];
        i += 1;
    }
    table
};

// The last turn of `LineSums::fill` is two characters.
const _: () = assert!(MAX_LINE_LEN % 3 == 2);

/// Bits per residue class in a [`LineSums`] entry: a class of a 44-character
/// line holds at most 15 characters worth at most 35, 525 < 2^10.
const LANE_BITS: u32 = 10;

/// The check values of a line's characters summed from its start, one
/// running sum per position modulo 3, packed in one number (10 bits each).
///
/// Built once per line in a single pass; the weighted sum of any span is
/// then the difference of two entries (each class only grows, so packed
/// classes never borrow from each other) times the weights in force. This
/// is how one character serves every check that covers it (the field's
/// and the composite) without being read again.
#[derive(Clone, Copy)]
pub(crate) struct LineSums([u32; MAX_LINE_LEN + 1]);

impl LineSums {
    /// Nothing summed.
    pub(crate) const ZERO: Self = Self([0; MAX_LINE_LEN + 1]);

    /// Sums `line`, whose bytes are MRZ characters (any other byte adds a
    /// meaningless amount). Positions past a shorter format's line length
    /// hold fillers, which add nothing.
    #[inline(always)]
    pub(crate) fn fill(&mut self, line: &[u8; MAX_LINE_LEN]) {
        let value = |c: u8| u32::from(VALUES[usize::from(c)]);
        let mut total = 0u32;
        // Three characters per turn, one per class, so that every shift is
        // a constant; 44 is 14 turns and two characters.
        let mut i = 0;
        while i + 3 <= MAX_LINE_LEN {
            total += value(line[i]);
            self.0[i + 1] = total;
            total += value(line[i + 1]) << LANE_BITS;
            self.0[i + 2] = total;
            total += value(line[i + 2]) << (2 * LANE_BITS);
            self.0[i + 3] = total;
            i += 3;
        }
        total += value(line[MAX_LINE_LEN - 2]);
        self.0[MAX_LINE_LEN - 1] = total;
        total += value(line[MAX_LINE_LEN - 1]) << LANE_BITS;
        self.0[MAX_LINE_LEN] = total;
    }

    /// The weighted sum of the `len` characters from `start`, as if they
    /// began at position `offset` of a longer checked sequence.
    #[inline]
    pub(crate) fn weighted(&self, start: usize, len: usize, offset: usize) -> u32 {
        let packed = self.0[start + len] - self.0[start];
        let mask = (1 << LANE_BITS) - 1;
        let classes = [
            packed & mask,
            (packed >> LANE_BITS) & mask,
            packed >> (2 * LANE_BITS),
        ];
        // Class `r` holds the characters at line positions `p ≡ r (mod 3)`,
        // whose index in the checked sequence is `p - start + offset`: its
        // weight is `WEIGHTS[(r + offset - start) % 3]`.
        let [w0, w1, w2] = CLASS_WEIGHTS[offset + 2 * MAX_LINE_LEN - start];
        classes[0] * u32::from(w0) + classes[1] * u32::from(w1) + classes[2] * u32::from(w2)
    }
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
    fn line_sums_weigh_every_span_as_the_direct_sum() {
        let line = b"L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let mut sums = LineSums::ZERO;
        sums.fill(line);
        for start in 0..line.len() {
            for end in start..=line.len() {
                for offset in [0, 1, 2, 43, 71, 87] {
                    let direct = weighted_sum(&line[start..end], offset);
                    let from_sums = sums.weighted(start, end - start, offset);
                    assert_eq!(Some(from_sums), direct, "{start}..{end} at {offset}");
                }
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
