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

/// Bits per weighting in a [`LineSums`] entry: a 44-character line weighs
/// at most 44 · 35 · 7 = 10 780 < 2^16.
const LANE_BITS: u32 = 16;

/// A character's value under the three weightings of [`LineSums`], packed:
/// `WEIGHED[p % 3][c]` holds, in lane `k`, the value of `c` times the
/// weight `WEIGHTS[(p + k) % 3]` of a character at line position `p`.
const WEIGHED: [[u64; 256]; 3] = {
    let mut table = [[0; 256]; 3];
    let mut r = 0;
    while r < 3 {
        let mut c = 0;
        while c < 256 {
            let v = VALUES[c] as u64;
            let mut k = 0;
            while k < 3 {
                table[r][c] |= (v * WEIGHTS[(r + k) % 3] as u64) << (LANE_BITS as usize * k);
                k += 1;
            }
            c += 1;
        }
        r += 1;
    }
    table
};

/// Which lane of a [`LineSums`] entry holds a span's weighted sum, by
/// `offset + 2 * MAX_LINE_LEN - start` (offsets stay below two lines), as a
/// shift: a table, because the remainder by 3 it stands for costs more.
const LANE_SHIFT: [u8; 4 * MAX_LINE_LEN] = {
    let mut table = [0; 4 * MAX_LINE_LEN];
    let mut i = 0;
    while i < table.len() {
        // The lane `k` with `start + k ≡ offset (mod 3)`, and
        // `offset - start = i - 2 * MAX_LINE_LEN`.
        let k = (i + 3 - (2 * MAX_LINE_LEN) % 3) % 3;
        table[i] = (k as u32 * LANE_BITS) as u8;
        i += 1;
    }
    table
};

// The last turn of `LineSums::fill` is two characters.
const _: () = assert!(MAX_LINE_LEN % 3 == 2);

/// A line's check values summed from its start under each of the three
/// ways the weights 7, 3, 1 can fall on its positions, packed in one
/// number (16 bits each).
///
/// Built once per line in a single pass; the weighted sum of any span is
/// then one lane of the difference of two entries (lanes only grow, so
/// they never borrow from each other). This is how one character serves
/// every check that covers it (the field's and the composite) without
/// being read again.
#[derive(Clone, Copy)]
pub(crate) struct LineSums([u64; MAX_LINE_LEN + 1]);

impl LineSums {
    /// Nothing summed.
    pub(crate) const ZERO: Self = Self([0; MAX_LINE_LEN + 1]);

    /// Sums `line`, whose bytes are MRZ characters (any other byte adds a
    /// meaningless amount). Positions past a shorter format's line length
    /// hold fillers, which add nothing.
    #[inline(always)]
    pub(crate) fn fill(&mut self, line: &[u8; MAX_LINE_LEN]) {
        let mut total = 0u64;
        // Three characters per turn, one per position class, so that each
        // reads a fixed table; 44 is 14 turns and two characters.
        let mut i = 0;
        while i + 3 <= MAX_LINE_LEN {
            total += WEIGHED[0][usize::from(line[i])];
            self.0[i + 1] = total;
            total += WEIGHED[1][usize::from(line[i + 1])];
            self.0[i + 2] = total;
            total += WEIGHED[2][usize::from(line[i + 2])];
            self.0[i + 3] = total;
            i += 3;
        }
        total += WEIGHED[0][usize::from(line[MAX_LINE_LEN - 2])];
        self.0[MAX_LINE_LEN - 1] = total;
        total += WEIGHED[1][usize::from(line[MAX_LINE_LEN - 1])];
        self.0[MAX_LINE_LEN] = total;
    }

    /// The weighted sum of the `len` characters from `start`, as if they
    /// began at position `offset` of a longer checked sequence.
    #[inline]
    pub(crate) fn weighted(&self, start: usize, len: usize, offset: usize) -> u32 {
        let packed = self.0[start + len] - self.0[start];
        // Lane `k` weighs position `p` by `WEIGHTS[(p + k) % 3]`; here `p`
        // must weigh `WEIGHTS[(p - start + offset) % 3]`.
        let shift = LANE_SHIFT[offset + 2 * MAX_LINE_LEN - start];
        ((packed >> shift) & 0xffff) as u32
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
