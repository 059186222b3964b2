//! What reading an image gives: the MRZ text, part 1's record and verdicts,
//! per-character confidence, where the zone is, and what was corrected.

use std::fmt;

use thiserror::Error;

use crate::layout::{Field, Format};
use crate::{Mrz, MrzError, ParseOptions, parse};

use super::correct::{Correction, Decoded, Reason};
use super::decode::DecodeError;

/// A name character read with less than this probability makes the name
/// one to confirm with the guest ([`Reading::name_needs_confirmation`]).
pub const NAME_CONFIRM_P: f32 = 0.9;

/// A character no check digit covers (names, sex, country codes, a visa's
/// optional data) read with less than this probability leaves the reading
/// invalid (take another picture): nothing else could catch a misreading.
/// On the sixteen sets of the measuring stick, 2 of the 21 valid readings
/// whose least sure such character lay at 70–75% were wrong, and none of
/// the 74 at 75–85%.
pub const UNCHECKED_VALID_P: f32 = 0.75;

/// A reading whose check digits leave its checked characters less than this
/// probability ([`Reading::checked_confidence`]) is invalid: another text
/// passes the same checks nearly as well (two misread digits that make up
/// for each other, or a correction with a close rival). The same bar as
/// [`UNCHECKED_VALID_P`]: what the checks settle must be as sure as what
/// nothing checks.
pub const CHECKED_VALID_P: f32 = UNCHECKED_VALID_P;

/// A character read with less than this probability is unsure.
pub const UNSURE_P: f32 = 0.5;

/// A reading with more unsure characters than this is never valid: its
/// check digits may hold by chance (a zone cut one cell off, say).
pub const MAX_UNSURE: usize = 4;

/// A zone whose share of unsure characters is above this gives no reading
/// at all ([`ReadError::Unreadable`]): it is not an MRZ the classifier
/// knows (a mirrored image, print that only looks like one).
pub const MAX_UNSURE_SHARE: f32 = 0.15;

/// Why an image gave no reading.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The bytes are not an image that can be decoded within the limits.
    #[error("cannot decode the image: {0}")]
    Decode(#[from] DecodeError),
    /// The file could not be read (reported with kind `decode`, reason
    /// `io`: to the caller it is an image that could not be had).
    #[error("cannot read the file: {0}")]
    Io(#[source] std::io::Error),
    /// No machine-readable zone was found in the image.
    #[error("no machine-readable zone found in the image")]
    NoMrz,
    /// A zone was found but its characters could not be read.
    #[error("a machine-readable zone was found but could not be read")]
    Unreadable,
    /// The built-in classifier did not load (a build fault).
    #[error("the built-in MRZ model does not load: {0}")]
    Model(#[source] super::classify::ModelError),
}

impl ReadError {
    /// A stable name for the kind of error: `decode`, `no_mrz` or
    /// `unreadable`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Decode(_) | Self::Io(_) => "decode",
            Self::NoMrz => "no_mrz",
            Self::Unreadable | Self::Model(_) => "unreadable",
        }
    }

    /// For `decode`, the finer reason: the decoder's kind (`decode`,
    /// `too_large`, `empty`, …) or `io` for a file that could not be read.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Self::Decode(e) => Some(e.kind()),
            Self::Io(_) => Some("io"),
            _ => None,
        }
    }
}

/// Why a reading whose text passes part 1's checks is not valid
/// ([`Reading::doubts`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Doubt {
    /// More than [`MAX_UNSURE`] characters were read with less than
    /// [`UNSURE_P`]: the check digits may hold by chance.
    Unsure {
        /// Characters read with less than [`UNSURE_P`].
        count: usize,
    },
    /// A character no check digit covers was read with less than
    /// [`UNCHECKED_VALID_P`]: nothing else could catch a misreading.
    Unchecked {
        /// Its line, 0-based.
        line: usize,
        /// Its column, 0-based.
        column: usize,
        /// Its confidence (see [`Reading::char_confidence`]).
        p: f32,
    },
    /// The check digits hold for another likely text too: the characters
    /// they cover were read with less than [`CHECKED_VALID_P`] of the
    /// probability of every text that satisfies them.
    Ambiguous {
        /// [`Reading::checked_confidence`].
        p: f32,
    },
}

impl Doubt {
    /// Every [`Doubt::kind`].
    pub const KINDS: [&'static str; 3] = [
        "unsure_characters",
        "unsure_unchecked_character",
        "ambiguous_checks",
    ];

    /// A stable name for the kind of doubt: `unsure_characters`,
    /// `unsure_unchecked_character` or `ambiguous_checks`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unsure { .. } => "unsure_characters",
            Self::Unchecked { .. } => "unsure_unchecked_character",
            Self::Ambiguous { .. } => "ambiguous_checks",
        }
    }
}

impl fmt::Display for Doubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Unsure { count } => write!(
                f,
                "{count} characters read with less than {:.0}% confidence (at most {MAX_UNSURE} allowed)",
                UNSURE_P * 100.0
            ),
            Self::Unchecked { line, column, p } => write!(
                f,
                "line {} column {}, which no check digit covers, read with {:.0}% confidence (under {:.0}%)",
                line + 1,
                column + 1,
                p * 100.0,
                UNCHECKED_VALID_P * 100.0
            ),
            Self::Ambiguous { p } => write!(
                f,
                "the check digits hold for another likely reading too: this one has {:.0}% of their probability (under {:.0}%)",
                p * 100.0,
                CHECKED_VALID_P * 100.0
            ),
        }
    }
}

/// Why parts given to [`Reading::from_parts`] make no reading. The
/// messages name the part, never its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PartsError {
    /// The lines are not of their format's shape or not MRZ characters.
    #[error("the lines are not of the format's shape and characters")]
    Lines,
    /// Decoding never gives these lines as this format.
    #[error("the format does not fit the lines")]
    Format,
    /// Not one confidence from 0 to 1 per character.
    #[error("not one confidence from 0 to 1 per character")]
    Confidence,
    /// A correction outside the text, not what it holds, one that changes
    /// nothing, or corrections out of reading order.
    #[error("the corrections do not fit the text")]
    Corrections,
    /// A log probability above 0 or not finite, or a checked confidence
    /// outside 0 to 1.
    #[error("the log probability or the checked confidence is out of range")]
    Figures,
    /// A corner not finite.
    #[error("a corner is not finite")]
    Corners,
}

/// The MRZ read from one image.
///
/// Two are equal when their decoded text, confidences, corrections,
/// figures and corners are, and their dates resolved alike.
///
/// Its `Debug` output leaves out the text: it is passport data.
#[derive(Clone)]
pub struct Reading {
    decoded: Decoded,
    text: String,
    mrz: Result<Mrz, MrzError>,
    corners: [(f32, f32); 4],
}

impl PartialEq for Reading {
    fn eq(&self, other: &Self) -> bool {
        let dates = |r: &Reading| {
            r.mrz
                .as_ref()
                .ok()
                .map(|m| (m.birth_date(), m.expiry_date()))
        };
        self.decoded == other.decoded
            && self.corners == other.corners
            && dates(self) == dates(other)
    }
}

impl Reading {
    /// A reading from decoded cells, parsed with `options`; `corners` are
    /// the zone's corners in the image (see [`super::Grid::corners`]).
    pub(crate) fn new(decoded: Decoded, corners: [(f32, f32); 4], options: &ParseOptions) -> Self {
        let text = decoded
            .lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        let mrz = parse(&text, options);
        Self {
            decoded,
            text,
            mrz,
            corners,
        }
    }

    /// A reading put together again from what its accessors give, to store
    /// one and restore it (the Python bindings pickle a reading so): the
    /// decoded text, confidences and corrections, and the corners, the
    /// text parsed with `options` (whose verdict replaces the decoded one).
    ///
    /// # Errors
    ///
    /// A [`PartsError`] naming the first part that no reading gives.
    pub fn from_parts(
        mut decoded: Decoded,
        corners: [(f32, f32); 4],
        options: &ParseOptions,
    ) -> Result<Self, PartsError> {
        let Decoded {
            format,
            lines,
            confidence,
            corrections,
            log_prob,
            checked_p,
            ..
        } = &mut decoded;
        let shaped = lines.len() == format.line_count()
            && lines.iter().all(|l| {
                l.len() == format.line_len() && l.iter().all(|&c| super::class_of(c).is_some())
            });
        if !shaped {
            return Err(PartsError::Lines);
        }
        if !super::correct::decodable_as(*format, lines) {
            return Err(PartsError::Format);
        }
        let one_each = confidence.len() == lines.len()
            && confidence
                .iter()
                .zip(lines.iter())
                .all(|(p, l)| p.len() == l.len());
        if !one_each || !confidence.iter().flatten().all(|p| (0.0..=1.0).contains(p)) {
            return Err(PartsError::Confidence);
        }
        // A negative zero would show as `-0.000`.
        confidence.iter_mut().flatten().for_each(|p| *p += 0.0);
        let in_order = corrections
            .windows(2)
            .all(|w| (w[0].line, w[0].column) < (w[1].line, w[1].column));
        let each_fits = corrections.iter().all(|c| {
            lines
                .get(c.line)
                .and_then(|l| l.get(c.column))
                .is_some_and(|&held| held == c.chosen && c.read != c.chosen)
                && super::class_of(c.read).is_some()
        });
        if !in_order || !each_fits {
            return Err(PartsError::Corrections);
        }
        if !(*log_prob <= 0.0 && log_prob.is_finite() && (0.0..=1.0).contains(checked_p)) {
            return Err(PartsError::Figures);
        }
        *log_prob += 0.0;
        *checked_p += 0.0;
        if !corners.iter().all(|(x, y)| x.is_finite() && y.is_finite()) {
            return Err(PartsError::Corners);
        }
        let mut reading = Self::new(decoded, corners, options);
        reading.decoded.valid = reading.mrz.as_ref().is_ok_and(Mrz::is_valid);
        Ok(reading)
    }

    /// How far the check digits settle the text: the probability of the
    /// characters read in the cells they cover, among every choice of those
    /// cells' likely characters that also satisfies them (see
    /// [`CHECKED_VALID_P`]).
    pub fn checked_confidence(&self) -> f32 {
        self.decoded.checked_p
    }

    /// Sum of the natural logarithms of the chosen characters'
    /// probabilities: how likely the whole text is.
    pub fn log_prob(&self) -> f32 {
        self.decoded.log_prob
    }

    /// The format read.
    pub fn format(&self) -> Format {
        self.decoded.format
    }

    /// The MRZ text, lines separated by `\n`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Part 1's record of the text (always there: the reader only produces
    /// text of an MRZ shape; an error here would be a bug).
    pub fn mrz(&self) -> Result<&Mrz, &MrzError> {
        self.mrz.as_ref()
    }

    /// Whether every check digit, date and field class is right, at most
    /// [`MAX_UNSURE`] characters are unsure, every character no check
    /// digit covers was read with at least [`UNCHECKED_VALID_P`], and the
    /// check digits settle what they cover (at least [`CHECKED_VALID_P`]).
    /// A reading whose checks still fail after correction is invalid, never
    /// valid.
    pub fn is_valid(&self) -> bool {
        self.passes_checks() && self.doubts().is_empty()
    }

    /// Whether the text passes part 1's checks (and the decoder's).
    pub(crate) fn passes_checks(&self) -> bool {
        self.decoded.valid && self.mrz.as_ref().is_ok_and(Mrz::is_valid)
    }

    /// The lowest probability of a character that no check digit covers
    /// (1 when there is none).
    pub fn unchecked_confidence(&self) -> f32 {
        self.least_sure_unchecked().map_or(1.0, |(_, _, p)| p)
    }

    /// Why the reading is not valid although its text passes every check of
    /// part 1 (see [`Reading::is_valid`]): too many unsure characters, an
    /// unchecked one read too unsurely, or check digits that another likely
    /// text satisfies too. Empty when the reading is valid,
    /// and when part 1's own problems say why it is not.
    pub fn doubts(&self) -> Vec<Doubt> {
        if !self.passes_checks() {
            return Vec::new();
        }
        let mut doubts = Vec::new();
        let unsure = self.unsure();
        if unsure > MAX_UNSURE {
            doubts.push(Doubt::Unsure { count: unsure });
        }
        if let Some((line, column, p)) = self.least_sure_unchecked()
            && p < UNCHECKED_VALID_P
        {
            doubts.push(Doubt::Unchecked { line, column, p });
        }
        let p = self.checked_confidence();
        if p < CHECKED_VALID_P {
            doubts.push(Doubt::Ambiguous { p });
        }
        doubts
    }

    /// The character no check digit covers read least surely: line, column
    /// and its probability.
    fn least_sure_unchecked(&self) -> Option<(usize, usize, f32)> {
        let format = self.decoded.format;
        let checked = |line: usize, column: usize| {
            format.checks().iter().any(|rule| {
                (usize::from(rule.line), usize::from(rule.column)) == (line, column)
                    || rule.covers.iter().any(|s| {
                        usize::from(s.line) == line
                            && (usize::from(s.start)..usize::from(s.start + s.len))
                                .contains(&column)
                    })
            })
        };
        self.decoded
            .confidence
            .iter()
            .enumerate()
            .flat_map(|(l, row)| row.iter().enumerate().map(move |(c, &p)| (l, c, p)))
            .filter(|&(l, c, _)| !checked(l, c))
            .min_by(|a, b| a.2.total_cmp(&b.2))
    }

    /// Characters read with less than [`UNSURE_P`].
    pub fn unsure(&self) -> usize {
        self.decoded
            .confidence
            .iter()
            .flatten()
            .filter(|&&p| p < UNSURE_P)
            .count()
    }

    /// Cells read.
    pub(crate) fn cells(&self) -> usize {
        self.decoded.confidence.iter().map(Vec::len).sum()
    }

    /// Whether so many characters are unsure that this is no reading at
    /// all (see [`MAX_UNSURE_SHARE`]).
    pub(crate) fn is_noise(&self) -> bool {
        self.unsure() as f32 > MAX_UNSURE_SHARE * self.cells() as f32
    }

    /// The classifier's probability of each character read, per line (the
    /// first, a document code's first letter, as its share among the letters
    /// a code may start with when those are likely; see
    /// [`super::correct::Decoded::confidence`]).
    pub fn char_confidence(&self) -> &[Vec<f32>] {
        &self.decoded.confidence
    }

    /// Per line, the lowest character confidence.
    pub fn line_confidence(&self) -> Vec<f32> {
        self.decoded
            .confidence
            .iter()
            .map(|l| l.iter().copied().fold(1.0, f32::min))
            .collect()
    }

    /// The lowest character confidence of the whole zone.
    pub fn confidence(&self) -> f32 {
        self.line_confidence().into_iter().fold(1.0, f32::min)
    }

    /// The zone's corners in the image: top-left, top-right, bottom-right,
    /// bottom-left in the MRZ's own reading direction.
    pub fn corners(&self) -> [(f32, f32); 4] {
        self.corners
    }

    /// Every character that differs from its cell's most likely one, with
    /// why.
    pub fn corrections(&self) -> &[Correction] {
        &self.decoded.corrections
    }

    /// Whether a correction beyond the position's character class was
    /// applied: check digits, field layout or a country code.
    pub fn corrected(&self) -> bool {
        self.decoded
            .corrections
            .iter()
            .any(|c| c.reason != Reason::Class)
    }

    /// Whether a name character was read with less than
    /// [`NAME_CONFIRM_P`], or changed by a correction: names carry no check
    /// digit, so the kiosk should ask the guest to confirm them.
    pub fn name_needs_confirmation(&self) -> bool {
        let chars = self.decoded.format.line_len();
        self.name_cells().any(|(line, column, p)| {
            p < NAME_CONFIRM_P
                || self
                    .decoded
                    .corrections
                    .iter()
                    .any(|k| (k.line, k.column) == (line, column) && k.column < chars)
        })
    }

    /// The lowest probability of a name character (1 when the format has
    /// no name).
    pub fn name_confidence(&self) -> f32 {
        self.name_cells().map(|(_, _, p)| p).fold(1.0, f32::min)
    }

    /// Every name cell: line, column and the probability of its character.
    fn name_cells(&self) -> impl Iterator<Item = (usize, usize, f32)> + '_ {
        self.decoded
            .format
            .fields()
            .iter()
            .filter(|f| matches!(f.field, Field::Name | Field::Surname | Field::GivenNames))
            .flat_map(move |f| {
                let line = usize::from(f.span.line);
                let cols = usize::from(f.span.start)..usize::from(f.span.start + f.span.len);
                cols.filter_map(move |c| {
                    let p = *self.decoded.confidence.get(line)?.get(c)?;
                    Some((line, c, p))
                })
            })
    }
}

impl fmt::Debug for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reading")
            .field("format", &self.decoded.format)
            .field("text", &"<redacted>")
            .field("valid", &self.is_valid())
            .field("confidence", &self.confidence())
            .field("corrections", &self.decoded.corrections.len())
            .field("corners", &self.corners)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Date;
    use crate::reader::class_of;
    use crate::reader::correct::{Cells, decode};

    /// The ICAO sample passport.
    const TD3: [&[u8]; 2] = [
        b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        b"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    /// The reading of cells sure of every character of `lines` but those
    /// in `unsure` (line, column), read with `p`.
    fn reading(lines: [&[u8]; 2], unsure: &[(usize, usize)], p: f32) -> Reading {
        let cells: Vec<Cell<'_>> = unsure.iter().map(|&(l, c)| (l, c, &[][..])).collect();
        reading_with(lines, &cells, p)
    }

    /// A cell's line, column and its characters' probabilities.
    type Cell<'a> = (usize, usize, &'a [(u8, f32)]);

    /// The reading of cells sure of every character of `lines` but those
    /// of `cells`: with probabilities given, those; without, their own
    /// character with `p`.
    fn reading_with(lines: [&[u8]; 2], cells: &[Cell<'_>], p: f32) -> Reading {
        let mut probs = Vec::new();
        for (l, line) in lines.iter().enumerate() {
            for (c, &ch) in line.iter().enumerate() {
                let mut cell = [0.0001f32; 37];
                cell[class_of(ch).unwrap()] = 0.99;
                if let Some(&(_, _, given)) = cells.iter().find(|k| (k.0, k.1) == (l, c)) {
                    cell[class_of(ch).unwrap()] = p;
                    for &(k, q) in given {
                        cell[class_of(k).unwrap()] = q;
                    }
                }
                probs.extend(cell);
            }
        }
        let options = ParseOptions::new(Date::new(2012, 1, 1).unwrap());
        let decoded = decode(Cells::new(&probs, 2, 44).unwrap(), &options).unwrap();
        Reading::new(decoded, [(0.0, 0.0); 4], &options)
    }

    #[test]
    fn a_reading_comes_back_from_its_parts_and_misfitting_parts_give_none() {
        // A letter read in a date: one correction.
        let r = reading_with(TD3, &[(1, 13, &[(b'O', 0.6), (b'7', 0.3)])], 0.0);
        assert_eq!(r.corrections().len(), 1);
        let options = ParseOptions::new(Date::new(2012, 1, 1).unwrap());
        let corners = [(1.0, 2.0), (3.0, 2.0), (3.0, 4.0), (1.0, 4.0)];
        let back = Reading::from_parts(r.decoded.clone(), corners, &options).unwrap();
        assert!(back == Reading::from_parts(r.decoded.clone(), corners, &options).unwrap());
        assert!(back != r, "other corners");
        assert_eq!(back.text(), r.text());
        assert_eq!(back.is_valid(), r.is_valid());
        assert_eq!(back.char_confidence(), r.char_confidence());
        assert_eq!(back.corrections(), r.corrections());
        assert_eq!(back.corners(), corners);
        assert_eq!(
            back.mrz().unwrap().birth_date(),
            r.mrz().unwrap().birth_date()
        );

        type Misfit<'a> = (&'a dyn Fn(&mut Decoded), PartsError);
        let misfits: [Misfit<'_>; 11] = [
            (&|d| d.lines[1].pop().map_or((), drop), PartsError::Lines),
            (&|d| d.lines[0][3] = b'a', PartsError::Lines),
            // A passport's lines are never decoded as a visa.
            (&|d| d.format = Format::MrvA, PartsError::Format),
            (&|d| d.confidence[0][5] = f32::NAN, PartsError::Confidence),
            (&|d| d.confidence[1].push(0.5), PartsError::Confidence),
            (&|d| d.corrections[0].column = 44, PartsError::Corrections),
            (&|d| d.corrections[0].chosen = b'8', PartsError::Corrections),
            (&|d| d.corrections[0].read = b'7', PartsError::Corrections),
            (
                &|d| d.corrections.push(d.corrections[0]),
                PartsError::Corrections,
            ),
            (&|d| d.log_prob = 5.0, PartsError::Figures),
            (&|d| d.checked_p = 1.5, PartsError::Figures),
        ];
        for (misfit, error) in misfits {
            let mut d = r.decoded.clone();
            misfit(&mut d);
            assert_eq!(Reading::from_parts(d, corners, &options).err(), Some(error));
        }
        let far = [(f32::INFINITY, 0.0); 4];
        let error = Reading::from_parts(r.decoded.clone(), far, &options).err();
        assert_eq!(error, Some(PartsError::Corners));
        // A negative zero comes back as zero.
        let mut d = r.decoded.clone();
        d.confidence[0][0] = -0.0;
        let back = Reading::from_parts(d, corners, &options).unwrap();
        assert!(back.char_confidence()[0][0].is_sign_positive());
    }

    #[test]
    fn every_doubt_kind_is_listed() {
        let doubts = [
            Doubt::Unsure { count: 5 },
            Doubt::Unchecked {
                line: 0,
                column: 1,
                p: 0.5,
            },
            Doubt::Ambiguous { p: 0.5 },
        ];
        let kinds: Vec<&str> = doubts.iter().map(Doubt::kind).collect();
        assert_eq!(kinds, Doubt::KINDS);
    }

    #[test]
    fn a_sure_reading_is_valid_with_no_doubt() {
        let r = reading(TD3, &[], 0.0);
        assert!(r.is_valid());
        assert!(r.doubts().is_empty());
        assert!(r.checked_confidence() > 0.99);
    }

    #[test]
    fn digits_that_make_up_for_each_other_are_an_ambiguous_doubt() {
        // The document number L898902C3 with both 8s (columns 2 and 4,
        // weights 3 and 7 in its check and in the composite) read 55% `8`,
        // 45% `6`. `66` passes every check as `88` does: `88` has 0.3025
        // of 0.505, about 60% of what passes them.
        let eight_or_six: &[(u8, f32)] = &[(b'8', 0.55), (b'6', 0.45)];
        let r = reading_with(TD3, &[(1, 1, eight_or_six), (1, 3, eight_or_six)], 0.0);
        assert_eq!(
            r.text().lines().nth(1),
            Some("L898902C36UTO7408122F1204159ZE184226B<<<<<10")
        );
        assert!(!r.is_valid());
        let doubts = r.doubts();
        let [Doubt::Ambiguous { p }] = doubts[..] else {
            panic!("{doubts:?}");
        };
        assert!((p - 0.599).abs() < 0.01, "{p}");
        assert_eq!(doubts[0].kind(), "ambiguous_checks");

        // Read 90% `8` in both places: `88` has 0.81 of 0.82.
        let sure_eight: &[(u8, f32)] = &[(b'8', 0.9), (b'6', 0.1)];
        let r = reading_with(TD3, &[(1, 1, sure_eight), (1, 3, sure_eight)], 0.0);
        assert!(r.is_valid(), "{:?}", r.doubts());
    }

    #[test]
    fn an_unsure_name_character_is_the_doubt_that_makes_it_invalid() {
        // Line 1, column 6: the `E` of ERIKSSON, which no check digit covers.
        let r = reading(TD3, &[(0, 5)], 0.6);
        assert!(!r.is_valid());
        let doubts = r.doubts();
        assert_eq!(
            doubts,
            vec![Doubt::Unchecked {
                line: 0,
                column: 5,
                p: 0.6
            }]
        );
        assert_eq!(doubts[0].kind(), "unsure_unchecked_character");
        assert!(doubts[0].to_string().starts_with("line 1 column 6,"));
    }

    #[test]
    fn too_many_unsure_checked_characters_are_a_doubt() {
        // Five characters of the document number under UNSURE_P, still the
        // likeliest: the check digits hold, the count of unsure ones does
        // not.
        let cells: Vec<(usize, usize)> = (0..5).map(|c| (1, c)).collect();
        let r = reading(TD3, &cells, 0.4);
        assert!(!r.is_valid());
        assert_eq!(r.doubts(), vec![Doubt::Unsure { count: 5 }]);
    }

    #[test]
    fn a_text_that_fails_its_own_checks_has_no_doubt_to_add() {
        // The document number's check digit misread as 7: part 1's problems
        // say why it is invalid.
        let line = b"L898902C37UTO7408122F1204159ZE184226B<<<<<10";
        let r = reading([TD3[0], line], &[], 0.0);
        assert!(!r.is_valid());
        assert!(r.doubts().is_empty());
    }
}
