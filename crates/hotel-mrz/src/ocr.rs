//! Check-digit rules turned around for OCR: which characters could stand
//! where.
//!
//! A reader that is unsure of a glyph asks two questions: which characters
//! does this position allow (its [`CharClass`]: only digits in a date), and
//! which of those keep the check digits right. [`CharSet`] answers both as
//! small bit sets, so a search over candidate lines does not allocate.
//!
//! The long document number of TD1/TD2 (continued in the optional data) is
//! not modelled in [`position_candidates`]; it uses the regular layout.
//! Reading pixels is not here (next issue).

use std::fmt;

use crate::check::{FILLER, char_value, weight_at};
use crate::layout::{CharClass, Format};

/// A set of MRZ characters (`0`–`9`, `A`–`Z`, `<`).
///
/// # Example
///
/// ```
/// use hotel_mrz::ocr::CharSet;
///
/// let set = CharSet::DIGITS.union(CharSet::of(b'<'));
/// assert!(set.contains(b'7') && set.contains(b'<') && !set.contains(b'A'));
/// assert_eq!(set.len(), 11);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CharSet(u64);

/// Groups of characters that OCR-B glyphs make easy to confuse.
const CONFUSABLE_GROUPS: &[&[u8]] = &[b"0OQD", b"1I", b"8B", b"5S", b"2Z", b"6G", b"<K"];

/// Characters by check value modulo 10: `RESIDUE[r]` holds every character
/// whose value is `r` modulo 10 (`0`, `A`, `K`, `U`, `<` for 0).
const RESIDUE: [CharSet; 10] = {
    let mut table = [CharSet(0); 10];
    let mut i = 0u8;
    while i < 37 {
        let c = index_char(i);
        let v = match char_value(c) {
            Some(v) => v,
            None => 0,
        };
        let r = (v % 10) as usize;
        table[r] = CharSet(table[r].0 | 1 << i);
        i += 1;
    }
    table
};

impl CharSet {
    /// No characters.
    pub const EMPTY: Self = Self(0);
    /// `0`–`9`.
    pub const DIGITS: Self = Self(0x3ff);
    /// `A`–`Z`.
    pub const LETTERS: Self = Self(0x3ff_ffff << 10);
    /// The filler `<`.
    pub const FILLER: Self = Self(1 << 36);
    /// Every MRZ character.
    pub const ALL: Self = Self((1 << 37) - 1);

    /// The set holding only `c` (empty if `c` is not an MRZ character).
    pub const fn of(c: u8) -> Self {
        match char_index(c) {
            Some(i) => Self(1 << i),
            None => Self::EMPTY,
        }
    }

    /// The characters a class allows.
    pub const fn for_class(class: CharClass) -> Self {
        match class {
            CharClass::Alpha => Self(Self::LETTERS.0 | Self::FILLER.0),
            CharClass::Numeric | CharClass::CheckDigit => Self(Self::DIGITS.0 | Self::FILLER.0),
            CharClass::AlphaNumeric => Self::ALL,
            CharClass::Sex => {
                Self(Self::of(b'M').0 | Self::of(b'F').0 | Self::of(b'X').0 | Self::FILLER.0)
            }
        }
    }

    /// Whether `c` is in the set.
    pub const fn contains(self, c: u8) -> bool {
        match char_index(c) {
            Some(i) => self.0 & (1 << i) != 0,
            None => false,
        }
    }

    /// Characters in either set.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Characters in both sets.
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// Number of characters.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The characters, digits first, then letters, then `<`.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0u8..37)
            .filter(move |&i| self.0 & (1 << i) != 0)
            .map(index_char)
    }
}

impl fmt::Debug for CharSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for c in self.iter() {
            write!(f, "{}", char::from(c))?;
        }
        f.write_str("}")
    }
}

/// The characters `c` may really be, given OCR-B look-alikes (`O`/`0`/`Q`/
/// `D`, `I`/`1`, `B`/`8`, `S`/`5`, `Z`/`2`, `G`/`6`, `K`/`<`), limited to
/// what `class` allows. Includes `c` itself when allowed.
///
/// # Example
///
/// ```
/// use hotel_mrz::CharClass;
/// use hotel_mrz::ocr::{CharSet, confusables};
///
/// // An `O` in a date can only be a misread `0`.
/// assert_eq!(confusables(b'O', CharClass::Numeric), CharSet::of(b'0'));
/// // In a name, a `0` is an `O`, `Q` or `D`.
/// assert!(confusables(b'0', CharClass::Alpha).contains(b'O'));
/// assert!(!confusables(b'0', CharClass::Alpha).contains(b'0'));
/// ```
pub fn confusables(c: u8, class: CharClass) -> CharSet {
    let c = c.to_ascii_uppercase();
    let mut set = CharSet::of(c);
    for group in CONFUSABLE_GROUPS {
        if group.contains(&c) {
            for &other in *group {
                set = set.union(CharSet::of(other));
            }
        }
    }
    set.intersection(CharSet::for_class(class))
}

/// Which characters at `position` of `field` make its check digit equal
/// `check`, limited to `allowed`. The character currently at `position` is
/// ignored. Empty if another character of `field` is not an MRZ character
/// or `position` is outside it.
///
/// Weights 7, 3 and 1 are all prime to 10, so exactly one residue works: one
/// digit, or the letters (and filler) of that residue.
///
/// # Example
///
/// ```
/// use hotel_mrz::ocr::{CharSet, check_candidates};
///
/// // The ICAO specimen birth date 740812 has check digit 2. If its fourth
/// // character is unreadable, only `8` fits among the digits.
/// let set = check_candidates(b"740?12", 3, 2, CharSet::DIGITS);
/// assert_eq!(set, CharSet::of(b'8'));
/// ```
pub fn check_candidates(field: &[u8], position: usize, check: u8, allowed: CharSet) -> CharSet {
    if position >= field.len() || check > 9 {
        return CharSet::EMPTY;
    }
    let mut sum = 0u32;
    for (i, &c) in field.iter().enumerate() {
        if i == position {
            continue;
        }
        match char_value(c) {
            Some(v) => sum += u32::from(v) * u32::from(weight_at(i)),
            None => return CharSet::EMPTY,
        }
    }
    let need = (u32::from(check) + 10 - sum % 10) % 10;
    let residue = need * inverse_weight(weight_at(position)) % 10;
    RESIDUE[residue as usize].intersection(allowed)
}

/// Which characters at (`line`, `column`) (0-based) keep every check digit
/// of a `format` MRZ right, within the class of that position: the
/// intersection over every check that covers it (the composite included).
/// For a check-digit position it is the one digit its field computes to.
///
/// Returns `None` when `lines` do not have the format's shape or another
/// character is not an MRZ character.
///
/// # Example
///
/// ```
/// use hotel_mrz::Format;
/// use hotel_mrz::ocr::{CharSet, position_candidates};
///
/// let l1 = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
/// let l2 = b"L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// // Column 15 (0-based) is the first digit of the birth month: among the
/// // digits only `0` keeps both the birth-date and the composite check
/// // right (a `<` has the same check value, but would make "<8" a date part).
/// let set = position_candidates(Format::Td3, &[l1, l2], 1, 15).unwrap();
/// assert_eq!(set.intersection(CharSet::DIGITS), CharSet::of(b'0'));
/// ```
pub fn position_candidates(
    format: Format,
    lines: &[&[u8]],
    line: usize,
    column: usize,
) -> Option<CharSet> {
    if lines.len() != format.line_count() || lines.iter().any(|l| l.len() != format.line_len()) {
        return None;
    }
    let class = format.class_at(line, column)?;
    let mut set = CharSet::for_class(class);

    for rule in format.checks() {
        let (check_line, check_col) = (usize::from(rule.line), usize::from(rule.column));
        let check_char = lines[check_line][check_col];

        // The position is this check digit: it must equal the computed one.
        if (check_line, check_col) == (line, column) {
            let mut sum = 0u32;
            let mut offset = 0usize;
            for span in rule.covers {
                let s = usize::from(span.start);
                let part = &lines[usize::from(span.line)][s..s + usize::from(span.len)];
                for (i, &c) in part.iter().enumerate() {
                    sum += u32::from(char_value(c)?) * u32::from(weight_at(offset + i));
                }
                offset += part.len();
            }
            set = set.intersection(CharSet::of(b'0' + (sum % 10) as u8));
            continue;
        }

        // The position is covered by this check: constrain its residue.
        let mut offset = 0usize;
        let mut sum = 0u32;
        let mut weight = None;
        for span in rule.covers {
            let (sl, s) = (usize::from(span.line), usize::from(span.start));
            let part = &lines[sl][s..s + usize::from(span.len)];
            for (i, &c) in part.iter().enumerate() {
                if sl == line && s + i == column {
                    weight = Some(weight_at(offset + i));
                } else {
                    sum += u32::from(char_value(c)?) * u32::from(weight_at(offset + i));
                }
            }
            offset += part.len();
        }
        let Some(weight) = weight else { continue };
        let Some(check) = check_char.checked_sub(b'0').filter(|d| *d <= 9) else {
            // A filler check digit is right only over an all-filler field.
            if check_char == FILLER && sum == 0 {
                set = set.intersection(CharSet::FILLER);
            }
            continue;
        };
        let need = (u32::from(check) + 10 - sum % 10) % 10;
        let residue = need * inverse_weight(weight) % 10;
        set = set.intersection(RESIDUE[residue as usize]);
    }
    Some(set)
}

/// The inverse of a weight modulo 10 (7·3 = 21 ≡ 1).
const fn inverse_weight(weight: u8) -> u32 {
    match weight {
        7 => 3,
        3 => 7,
        _ => 1,
    }
}

/// Bit index of an MRZ character: digits 0–9, letters 10–35, filler 36.
const fn char_index(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'Z' => Some(c - b'A' + 10),
        FILLER => Some(36),
        _ => None,
    }
}

const fn index_char(i: u8) -> u8 {
    match i {
        0..=9 => b'0' + i,
        10..=35 => b'A' + i - 10,
        _ => FILLER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_digit;

    #[test]
    fn residue_classes_partition_the_alphabet() {
        let mut all = CharSet::EMPTY;
        for set in RESIDUE {
            assert!(all.intersection(set).is_empty());
            all = all.union(set);
        }
        assert_eq!(all, CharSet::ALL);
        assert_eq!(
            RESIDUE[0],
            CharSet::of(b'0')
                .union(CharSet::of(b'A'))
                .union(CharSet::of(b'K'))
                .union(CharSet::of(b'U'))
                .union(CharSet::FILLER)
        );
    }

    #[test]
    fn check_candidates_agree_with_brute_force() {
        let field = *b"L898902C3";
        for position in 0..field.len() {
            for check in 0..10u8 {
                let set = check_candidates(&field, position, check, CharSet::ALL);
                for c in CharSet::ALL.iter() {
                    let mut f = field;
                    f[position] = c;
                    assert_eq!(set.contains(c), check_digit(&f) == Some(check));
                }
            }
        }
    }

    #[test]
    fn confusables_respect_the_field_class() {
        assert_eq!(confusables(b'S', CharClass::Numeric), CharSet::of(b'5'));
        assert_eq!(confusables(b'5', CharClass::Alpha), CharSet::of(b'S'));
        assert_eq!(
            confusables(b'B', CharClass::AlphaNumeric),
            CharSet::of(b'B').union(CharSet::of(b'8'))
        );
        assert_eq!(confusables(b'K', CharClass::Numeric), CharSet::FILLER);
    }

    #[test]
    fn position_candidates_pin_check_digit_positions() {
        let l1 = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let l2 = b"L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let set = position_candidates(Format::Td3, &[l1, l2], 1, 9).unwrap();
        assert_eq!(set, CharSet::of(b'6'));
        let set = position_candidates(Format::Td3, &[l1, l2], 0, 10).unwrap();
        assert_eq!(set, CharSet::for_class(CharClass::Alpha));
    }
}
