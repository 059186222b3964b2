//! From per-cell character probabilities to MRZ text, using what the layout
//! knows: character classes per position, check digits, name grammar and
//! country codes.
//!
//! The classifier gives each cell a probability for each of the 37
//! [`super::CLASSES`]. Decoding a format goes in four steps:
//!
//! 1. Every cell takes its most likely character *among those its position
//!    allows* (digits in a date, letters in a name).
//! 2. Fields covered by check digits are searched jointly: among the likely
//!    characters of each cell, the assignment of highest probability that
//!    satisfies every check digit, the composite included. The search is
//!    exact over the candidates kept: a dynamic programme over the check
//!    residues (modulo 10), one state per pair of field and composite
//!    residue. A cell is only changed to a character the classifier found
//!    plausible (at least [`ALT_MIN_P`]; a cell only the composite covers,
//!    at least [`COMPOSITE_ONLY_MIN_SHARE`] as likely as its own), and at
//!    most [`MAX_CHANGES`] cells
//!    change, so a clear misreading elsewhere is not "repaired" into a wrong
//!    but valid MRZ. A check digit read as a digit with at least
//!    [`CHECK_DIGIT_KEEP_P`] is never changed: a document printed with a
//!    wrong check digit reads just like a right one whose check digit was
//!    misread, and changing the digit to what the other cells give always
//!    passes its check. On a TD1 or TD2 the search also tries the document
//!    number running on into the optional data, at each length
//!    ([`long_number`]).
//! 3. Names follow the name grammar: letters, single fillers between name
//!    parts, a double filler between surname and given names, and a filler
//!    run only at the end. Optional data is content, then fillers to the
//!    end, and a change between digits and letters inside its content
//!    costs [`KIND_CHANGE_P`]. A lone letter in a filler tail (a `<` read
//!    as `K`, which no check digit can tell apart: both are worth 0
//!    modulo 10) is read as a filler when the classifier found a filler
//!    plausible there.
//! 4. Country codes are letters padded with fillers at their end (`D<<`),
//!    and take the most likely known ICAO code when one is plausible.
//!
//! Which of the formats sharing a line shape (TD3 and MRV-A; TD2, MRV-B and
//! the French card) is meant follows from the first characters, as in
//! part 1's parser; each candidate format is decoded and the most probable
//! consistent one wins.

// The searches index several parallel tables by residue and state; index
// loops read better there than zipped iterators.
#![allow(clippy::needless_range_loop)]

use crate::country;
use crate::layout::{CharClass, CheckRule, Field, Format};
use crate::ocr::CharSet;
use crate::{ParseOptions, validate};

use super::CLASSES;

mod long_number;
mod posterior;

/// A cell is changed by the check-digit search only to a character with at
/// least this probability.
pub const ALT_MIN_P: f32 = 0.01;

/// A cell that only the composite check covers (a French card's names, a
/// TD1's or TD2's optional data) is changed only to a character at least
/// this share as likely as its own. A field's check and the composite both
/// hold for a random change one time in a hundred, the composite alone one
/// time in ten. Misprinted French cards read valid with a name's `T` at
/// 98% changed to a `Y` at 1.5% (seed 16's 000182), and, through a grid
/// tried and not kept, a `Y` at 91% changed to a `V` at 8% (000197). No
/// right valid reading of the sixteen sets changes such a cell.
pub const COMPOSITE_ONLY_MIN_SHARE: f32 = 0.2;

/// The check-digit search changes at most this many cells of the
/// class-constrained reading; beyond that the reading is left as it is
/// (and its failed checks reported).
pub const MAX_CHANGES: usize = 4;

/// A check digit read as a digit with at least this probability is kept
/// by the check-digit search (module docs, step 2).
pub const CHECK_DIGIT_KEEP_P: f32 = 0.5;

/// In optional data, each change from digits to letters or back inside a
/// part weighs the reading by this factor. Personal numbers are digits, or
/// a letter or two then digits, so a cell between `0` and `O` inside a
/// run of digits reads as `0` unless the classifier clearly saw an `O`
/// (seed 16's 000056 and seed 19's 000185: an `O` at 81–91% among
/// digits, in documents whose wrong check digit leaves nothing else to
/// tell). A letter the classifier is sure of stays whatever its
/// neighbours.
pub const KIND_CHANGE_P: f32 = 0.25;

/// Candidates kept per cell in the searches.
const MAX_CANDIDATES: usize = 5;

/// Probability floor for name-grammar and country-code candidates.
const LAYOUT_MIN_P: f32 = 1e-3;

const FILLER: usize = 36;
/// The class of `V`, a visa's document code.
const VISA: usize = 10 + (b'V' - b'A') as usize;
/// A format is tried only when the first cell gives its document code's
/// first letter (or, for non-visas, anything but `V`) at least this.
const FORMAT_MIN_P: f32 = 0.05;
const NEG: f32 = f32::NEG_INFINITY;
/// The first cell's confidence is its share among the letters a document
/// code may start with only when they hold at least this together (see
/// [`first_letter_share`]).
const FIRST_LETTER_MIN_P: f32 = 0.5;

/// Why a character differs from the cell's most likely one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The position does not allow the most likely character (a letter in
    /// a date).
    Class,
    /// Changed so that the check digits hold.
    CheckDigit,
    /// Changed to follow the field's layout: in names, single fillers
    /// between parts, one double filler, then fillers to the end; in
    /// optional data, content then fillers to the end.
    Layout,
    /// Changed to make a known country code.
    CountryCode,
}

impl Reason {
    /// The reason of a [`Reason::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Reason::Class,
            Reason::CheckDigit,
            Reason::Layout,
            Reason::CountryCode,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }

    /// The reason's name in output: `class`, `check_digit`, `layout` or
    /// `country_code`.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Class => "class",
            Reason::CheckDigit => "check_digit",
            Reason::Layout => "layout",
            Reason::CountryCode => "country_code",
        }
    }
}

/// One character that decoding chose over the cell's most likely one.
/// Its `Debug` leaves out the characters (the document's data).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Correction {
    /// Line, 0-based.
    pub line: usize,
    /// Column, 0-based.
    pub column: usize,
    /// The cell's most likely character.
    pub read: u8,
    /// The character chosen.
    pub chosen: u8,
    /// Why.
    pub reason: Reason,
}

impl std::fmt::Debug for Correction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Correction")
            .field("line", &self.line)
            .field("column", &self.column)
            .field("read", &"<redacted>")
            .field("chosen", &"<redacted>")
            .field("reason", &self.reason)
            .finish()
    }
}

/// Decoded MRZ text with the probability of each chosen character.
#[derive(Clone, PartialEq)]
pub struct Decoded {
    /// The format the text was decoded as.
    pub format: Format,
    /// One entry per line, `chars` characters each.
    pub lines: Vec<Vec<u8>>,
    /// The classifier's probability of each chosen character, per line;
    /// for the first cell, its share among the letters a document code may
    /// start with when they are likely (see [`first_letter_share`]).
    pub confidence: Vec<Vec<f32>>,
    /// Characters that differ from their cell's most likely one.
    pub corrections: Vec<Correction>,
    /// Part 1's verdict on the text: every check digit right, every date
    /// possible, every field of its class.
    pub valid: bool,
    /// Sum of the natural logarithms of the chosen characters'
    /// probabilities.
    pub log_prob: f32,
    /// The probability of the chosen characters of the cells the check
    /// digits cover, among every choice of those cells' likely characters
    /// that satisfies the check digits: how far the checks settle the text
    /// (low when another text passes them nearly as well).
    pub checked_p: f32,
}

impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The text is passport data: never printed by Debug.
        f.debug_struct("Decoded")
            .field("format", &self.format)
            .field("lines", &"<redacted>")
            .field("corrections", &self.corrections.len())
            .field("valid", &self.valid)
            .field("log_prob", &self.log_prob)
            .field("checked_p", &self.checked_p)
            .finish()
    }
}

/// The cell probabilities of one MRZ: `lines × chars` cells, row-major,
/// each 37 probabilities in [`super::CLASSES`] order, as the
/// classifier writes them.
#[derive(Clone, Copy)]
pub struct Cells<'a> {
    probs: &'a [f32],
    lines: usize,
    chars: usize,
}

impl<'a> Cells<'a> {
    /// The probabilities of `lines` lines of `chars` cells; `None` when
    /// `probs` does not hold exactly `lines × chars × 37` values.
    pub fn new(probs: &'a [f32], lines: usize, chars: usize) -> Option<Self> {
        (probs.len() == lines * chars * 37).then_some(Self {
            probs,
            lines,
            chars,
        })
    }

    fn at(&self, line: usize, column: usize) -> &[f32; 37] {
        self.cell(line * self.chars + column)
    }

    fn cell(&self, i: usize) -> &[f32; 37] {
        // In range by construction (`new` checks the length).
        self.probs[i * 37..].first_chunk().unwrap_or(&[0.0; 37])
    }

    /// The formats whose line shape these cells have.
    fn formats(&self) -> &'static [Format] {
        formats_of(self.lines, self.chars)
    }
}

/// The formats of `lines` lines of `chars` characters, the one decoding
/// falls back to first.
fn formats_of(lines: usize, chars: usize) -> &'static [Format] {
    match (lines, chars) {
        (3, 30) => &[Format::Td1],
        (2, 44) => &[Format::Td3, Format::MrvA],
        (2, 36) => &[Format::Td2, Format::MrvB, Format::FrenchId],
        _ => &[],
    }
}

/// Decodes `cells` as the most probable consistent MRZ text; `None` when the
/// cells have no MRZ line shape (30×3, 36×2, 44×2).
///
/// # Example
///
/// ```
/// use hotel_mrz::{Date, Format, ParseOptions};
/// use hotel_mrz::reader::correct::{Cells, decode};
/// use hotel_mrz::reader::class_of;
///
/// let text = [
///     &b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"[..],
///     &b"L898902C36UTO7408122F1204159ZE184226B<<<<<10"[..],
/// ];
/// // A classifier that is sure of every cell but one: the birth date's
/// // check digit `2` looks more like a `Z`.
/// let mut probs = Vec::new();
/// for (l, line) in text.iter().enumerate() {
///     for (c, &ch) in line.iter().enumerate() {
///         let mut p = [0.0001f32; 37];
///         p[class_of(ch).unwrap()] = 0.99;
///         if (l, c) == (1, 19) {
///             p[class_of(b'Z').unwrap()] = 0.6;
///             p[class_of(b'2').unwrap()] = 0.3;
///         }
///         probs.extend(p);
///     }
/// }
/// let options = ParseOptions::new(Date::new(2026, 1, 1).unwrap());
/// let decoded = decode(Cells::new(&probs, 2, 44).unwrap(), &options).unwrap();
/// assert_eq!(decoded.format, Format::Td3);
/// assert_eq!(decoded.lines[1], text[1]);
/// assert!(decoded.valid);
/// ```
pub fn decode(cells: Cells<'_>, options: &ParseOptions) -> Option<Decoded> {
    let mut best: Option<Decoded> = None;
    // A visa's document code starts with `V`; nothing else's does. Only a
    // format the first cell allows is tried, so that a passport is never
    // turned into a valid visa (which has fewer checks) by that one cell.
    let p_visa = cells.at(0, 0)[VISA];
    for &format in cells.formats() {
        let visa = matches!(format, Format::MrvA | Format::MrvB);
        let plausible = if visa { p_visa } else { 1.0 - p_visa };
        if plausible < FORMAT_MIN_P {
            continue;
        }
        let decoded = decode_as(cells, format, options);
        if !consistent_format(format, &decoded.lines) {
            continue;
        }
        let better = match &best {
            None => true,
            Some(b) => (decoded.valid, decoded.log_prob) > (b.valid, b.log_prob),
        };
        if better {
            best = Some(decoded);
        }
    }
    // No format fits the first characters (a document code read as `V` on
    // a TD2 shape, say): fall back to the first format of the shape.
    best.or_else(|| {
        cells
            .formats()
            .first()
            .map(|&f| decode_as(cells, f, options))
    })
}

/// Decodes `cells` as `format`: class, names and country codes first
/// (nothing checks those), then, only if part 1 finds the text invalid, the
/// check-digit search, kept only if its result is valid.
fn decode_as(cells: Cells<'_>, format: Format, options: &ParseOptions) -> Decoded {
    let plan = CellPlan::new(cells, format);
    let mut choice = plan.top_in_class();
    let mut reasons: Vec<Option<Reason>> = (0..choice.len())
        .map(|i| (choice[i] != plan.top[i]).then_some(Reason::Class))
        .collect();

    for (grammar, span) in grammar_spans(format) {
        let cells_of: Vec<usize> = span.collect();
        if let Some(found) = follow_grammar(&plan, &cells_of, grammar) {
            apply(&mut choice, &mut reasons, &cells_of, &found, Reason::Layout);
        }
    }
    for span in country_spans(format) {
        let cells_of: Vec<usize> = span.collect();
        if let Some(found) = follow_grammar(&plan, &cells_of, Grammar::Code) {
            apply(&mut choice, &mut reasons, &cells_of, &found, Reason::Layout);
        }
        if let Some(found) = country_code(&plan, &cells_of, &choice) {
            apply(
                &mut choice,
                &mut reasons,
                &cells_of,
                &found,
                Reason::CountryCode,
            );
        }
    }

    let mut valid = is_valid(&choice, cells.chars, options);
    if !valid && let Some(found) = check_search(&plan, format) {
        // The search returns every cell, most as it started them (each
        // cell's likeliest character in its class): those keep the steps
        // above's choice. If that breaks a check the search satisfied, its
        // text is taken whole.
        let searched_from = plan.top_in_class();
        let kept: Vec<usize> = (0..found.len())
            .map(|i| {
                if found[i] == searched_from[i] {
                    choice[i]
                } else {
                    found[i]
                }
            })
            .collect();
        for trial in [kept, found] {
            let changed: Vec<usize> = (0..trial.len())
                .filter(|&i| trial[i] != choice[i])
                .collect();
            if changed.len() <= MAX_CHANGES && is_valid(&trial, cells.chars, options) {
                for &i in &changed {
                    reasons[i] = (trial[i] != plan.top[i]).then_some(Reason::CheckDigit);
                }
                choice = trial;
                valid = true;
                break;
            }
        }
    }

    let checked_p = posterior::checked_posterior(&plan, format, &choice, valid);
    let corrections = reasons
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|reason| plan.correction(i, choice[i], reason)))
        .collect();
    let mut lines = Vec::with_capacity(cells.lines);
    let mut confidence = Vec::with_capacity(cells.lines);
    let mut log_prob = 0.0;
    for l in 0..cells.lines {
        let row = &choice[l * cells.chars..(l + 1) * cells.chars];
        lines.push(row.iter().map(|&c| CLASSES[c]).collect());
        let mut p: Vec<f32> = row
            .iter()
            .enumerate()
            .map(|(col, &c)| cells.at(l, col)[c])
            .collect();
        log_prob += p.iter().map(|p| p.max(1e-12).ln()).sum::<f32>();
        if l == 0 {
            p[0] = first_letter_share(cells.at(0, 0), row[0]);
        }
        confidence.push(p);
    }
    Decoded {
        format,
        lines,
        confidence,
        corrections,
        valid,
        log_prob,
        checked_p,
    }
}

/// Sets `cells` to `found`, noting `reason` where a cell changes.
fn apply(
    choice: &mut [usize],
    reasons: &mut [Option<Reason>],
    cells: &[usize],
    found: &[usize],
    reason: Reason,
) {
    for (&i, &c) in cells.iter().zip(found) {
        if c != choice[i] {
            choice[i] = c;
            reasons[i] = Some(reason);
        }
    }
}

/// Part 1's verdict on a choice of classes.
fn is_valid(choice: &[usize], chars: usize, options: &ParseOptions) -> bool {
    let mut text = String::with_capacity(choice.len() + 2);
    for (i, &c) in choice.iter().enumerate() {
        if i > 0 && i % chars == 0 {
            text.push('\n');
        }
        text.push(char::from(CLASSES[c]));
    }
    validate(&text, options).unwrap_or(false)
}

/// Whether part 1's parser would read `lines` as `format` (it decides by
/// the first characters, see `input::format_of`).
/// Whether [`decode`] can give `lines` as `format`: a format of their shape
/// that their first characters allow, or the shape's first format (the
/// fallback when none does).
pub(crate) fn decodable_as(format: Format, lines: &[Vec<u8>]) -> bool {
    let formats = formats_of(lines.len(), lines.first().map_or(0, Vec::len));
    formats.contains(&format) && (consistent_format(format, lines) || formats[0] == format)
}

fn consistent_format(format: Format, lines: &[Vec<u8>]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    let visa = first.first() == Some(&b'V');
    let french = first.starts_with(b"IDFRA");
    match format {
        Format::MrvA | Format::MrvB => visa,
        Format::FrenchId => french && !visa,
        Format::Td2 => !visa && !french,
        _ => !visa,
    }
}

/// Per-cell facts the searches share: allowed classes, most likely
/// characters and their log-probabilities.
#[derive(Clone)]
struct CellPlan<'a> {
    cells: Cells<'a>,
    allowed: Vec<CharSet>,
    /// Most likely class per cell, ignoring the position's class.
    top: Vec<usize>,
    /// Whether a cell holds a check digit.
    check_digit: Vec<bool>,
}

impl<'a> CellPlan<'a> {
    fn new(cells: Cells<'a>, format: Format) -> Self {
        let n = cells.lines * cells.chars;
        let mut allowed = Vec::with_capacity(n);
        let mut top = Vec::with_capacity(n);
        for l in 0..cells.lines {
            for c in 0..cells.chars {
                let class = format.class_at(l, c).unwrap_or(CharClass::AlphaNumeric);
                let mut set = CharSet::for_class(class);
                if (l, c) == (0, 0) {
                    set = set.intersection(first_letter(format));
                }
                if let Some(printed) = issuer_chars(format, l, c) {
                    set = set.intersection(printed);
                }
                allowed.push(set);
                top.push(argmax(cells.at(l, c), CharSet::ALL));
            }
        }
        let mut check_digit = vec![false; n];
        for rule in format.checks() {
            let (line, column) = (usize::from(rule.line), usize::from(rule.column));
            check_digit[line * cells.chars + column] = true;
        }
        Self {
            cells,
            allowed,
            top,
            check_digit,
        }
    }

    /// This plan in `layout`: the cells it narrows allow only what it
    /// allows there, and its fields' last cells are check digits.
    fn narrowed(&self, layout: &long_number::CheckFields) -> Self {
        let mut plan = self.clone();
        for &(i, set) in &layout.narrowed {
            plan.allowed[i] = plan.allowed[i].intersection(set);
        }
        for &digit in layout.fields.iter().filter_map(|f| f.last()) {
            plan.check_digit[digit] = true;
        }
        plan
    }

    fn index(&self, line: usize, column: usize) -> usize {
        line * self.cells.chars + column
    }

    fn probs(&self, i: usize) -> &[f32; 37] {
        self.cells.cell(i)
    }

    fn top_in_class(&self) -> Vec<usize> {
        (0..self.allowed.len())
            .map(|i| argmax(self.probs(i), self.allowed[i]))
            .collect()
    }

    /// The likely classes of cell `i` within its allowed set, most likely
    /// first: the best one always, others from `min_p` and `min_share` of
    /// the best's probability on. A check digit
    /// read as a digit with [`CHECK_DIGIT_KEEP_P`] is its only candidate
    /// (module docs, step 2); the search may still pass its check by
    /// changing other cells, which the checked cells' confidence
    /// (`posterior`) then weighs.
    fn candidates(&self, i: usize, min_p: f32, min_share: f32, out: &mut Vec<(usize, f32)>) {
        out.clear();
        let p = self.probs(i);
        let best = argmax(p, self.allowed[i]);
        out.push((best, p[best].max(1e-12).ln()));
        let top = self.top[i];
        let read_as_digit = CharSet::DIGITS.contains(CLASSES[top]);
        if self.check_digit[i] && read_as_digit && p[top] >= CHECK_DIGIT_KEEP_P {
            return;
        }
        let mut rest: Vec<(usize, f32)> = (0..37)
            .filter(|&k| {
                k != best
                    && self.allowed[i].contains(CLASSES[k])
                    && p[k] >= min_p.max(min_share * p[best])
            })
            .map(|k| (k, p[k]))
            .collect();
        rest.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.extend(
            rest.into_iter()
                .take(MAX_CANDIDATES - 1)
                .map(|(k, p)| (k, p.ln())),
        );
    }

    fn correction(&self, i: usize, chosen: usize, reason: Reason) -> Correction {
        Correction {
            line: i / self.cells.chars,
            column: i % self.cells.chars,
            read: CLASSES[self.top[i]],
            chosen: CLASSES[chosen],
            reason,
        }
    }
}

/// The letters a format's document code may start with: ICAO 9303 gives
/// `P` to passports, `V` to visas and `A`, `C` or `I` to the official
/// travel documents of the card sizes.
fn first_letter(format: Format) -> CharSet {
    match format {
        Format::Td3 => CharSet::of(b'P'),
        Format::MrvA | Format::MrvB => CharSet::of(b'V'),
        Format::FrenchId => CharSet::of(b'I'),
        Format::Td1 | Format::Td2 => CharSet::of(b'A')
            .union(CharSet::of(b'C'))
            .union(CharSet::of(b'I')),
    }
}

/// The characters an issuer prints at (`line`, `column`), both 0-based,
/// where that is narrower than the field's class, else `None`. A French ID
/// card's number (line 1, columns 0–11) is the year and month of issue,
/// the department code ([`FRENCH_DEPARTMENT`], columns 4–6) and a
/// five-digit sequence. Line 0 ends with the department code again
/// (columns 30–32) and the issuing office (33–35, digits), or with fillers
/// on some cards.
fn issuer_chars(format: Format, line: usize, column: usize) -> Option<CharSet> {
    if format != Format::FrenchId {
        return None;
    }
    match (line, column) {
        (1, 0..=3 | 7..=11) => Some(CharSet::DIGITS),
        (1, 4..=6) => Some(FRENCH_DEPARTMENT[column - 4]),
        (0, 30..=32) => Some(FRENCH_DEPARTMENT[column - 30].union(CharSet::FILLER)),
        (0, 33..=35) => Some(CharSet::DIGITS.union(CharSet::FILLER)),
        _ => None,
    }
}

/// A French department code's three characters: the department, digits or
/// Corsica's `2A` and `2B` (never a letter first), then the sub-prefecture
/// or, in three-character codes, the department's last character.
const FRENCH_DEPARTMENT: [CharSet; 3] = {
    const CORSICA: CharSet = CharSet::DIGITS
        .union(CharSet::of(b'A'))
        .union(CharSet::of(b'B'));
    [CharSet::DIGITS, CORSICA, CORSICA]
};

/// How sure the first cell is, as a document code's first letter: when
/// the classifier gives the five letters ICAO 9303 lets a code start with
/// at least [`FIRST_LETTER_MIN_P`] together, the probability of `chosen`
/// among them (a shape of zone allows only some of them and the check
/// digits settle the rest of the format, so what is left to doubt is which
/// of these letters it is); else the classifier's own probability, so that
/// a cell that looks like none of them (a zone a cell off) stays a doubt.
fn first_letter_share(p: &[f32; 37], chosen: usize) -> f32 {
    let letters: f32 = b"ACIPV"
        .iter()
        .map(|&c| p[usize::from(c - b'A') + 10])
        .sum();
    if letters >= FIRST_LETTER_MIN_P {
        p[chosen] / letters
    } else {
        p[chosen]
    }
}

fn argmax(p: &[f32; 37], allowed: CharSet) -> usize {
    let mut best = None;
    for (k, &pk) in p.iter().enumerate() {
        if !allowed.contains(CLASSES[k]) {
            continue;
        }
        match best {
            Some((_, bp)) if bp >= pk => {}
            _ => best = Some((k, pk)),
        }
    }
    // An empty set cannot happen for MRZ classes; fall back to any class.
    best.map_or_else(|| argmax(p, CharSet::ALL), |(k, _)| k)
}

/// The ICAO value of a class: digits their value, `A`–`Z` 10–35, `<` 0.
fn value(class: usize) -> u32 {
    if class == FILLER { 0 } else { class as u32 }
}

fn weight(offset: usize) -> u32 {
    [7, 3, 1][offset % 3]
}

/// A check rule's cells: those it covers, in reading order, then its
/// check digit's.
fn rule_cells(plan: &CellPlan<'_>, rule: &CheckRule) -> Vec<usize> {
    let mut cells = covered(rule, plan.cells.chars);
    cells.push(plan.index(usize::from(rule.line), usize::from(rule.column)));
    cells
}

/// Cells of a check rule's spans, in reading order.
fn covered(rule: &CheckRule, chars: usize) -> Vec<usize> {
    rule.covers
        .iter()
        .flat_map(|s| {
            let base = usize::from(s.line) * chars + usize::from(s.start);
            base..base + usize::from(s.len)
        })
        .collect()
}

/// A block folded into the composite search: its cells, its choice per
/// own residue, and for each accumulated residue the one before it.
struct Block {
    cells: Vec<usize>,
    choice: [Vec<usize>; 10],
    from: [usize; 10],
}

/// A field check's best assignments by composite residue.
struct FieldTable {
    /// Best log-probability per composite residue.
    best: [f32; 10],
    /// Per residue, the choice per cell (field cells then the digit).
    choice: [Vec<usize>; 10],
}

/// The composite check's weight per cell (`None`: a cell it does not
/// cover) and its digit's cell, if `format` has a composite.
fn composite_of(plan: &CellPlan<'_>, format: Format) -> (Vec<Option<u32>>, Option<usize>) {
    let composite = format.checks().iter().find(|r| r.field == Field::Composite);
    let mut weights = vec![None; plan.allowed.len()];
    if let Some(rule) = composite {
        for (offset, i) in covered(rule, plan.cells.chars).into_iter().enumerate() {
            weights[i] = Some(weight(offset));
        }
    }
    let digit = composite.map(|r| plan.index(usize::from(r.line), usize::from(r.column)));
    (weights, digit)
}

/// The most probable assignment of every checked cell that satisfies all
/// of `format`'s check digits, over each cell's candidates and every
/// layout they may lie in ([`long_number`]); `None` when no assignment of
/// the candidates does.
fn check_search(plan: &CellPlan<'_>, format: Format) -> Option<Vec<usize>> {
    long_number::layouts(plan, format, long_number::Gate::SEARCH)
        .iter()
        .filter_map(|layout| search_layout(&plan.narrowed(layout), format, &layout.fields))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, choice)| choice)
}

/// [`check_search`] in one layout: `fields` are its field checks (the
/// composite aside). The assignment comes with its log-probability over
/// the cells the checks cover.
fn search_layout(
    plan: &CellPlan<'_>,
    format: Format,
    fields: &[Vec<usize>],
) -> Option<(f32, Vec<usize>)> {
    let (comp_weight, comp_digit) = composite_of(plan, format);

    let mut result = plan.top_in_class();
    let mut in_field = vec![false; plan.allowed.len()];
    let mut comp_acc = [NEG; 10];
    comp_acc[0] = 0.0;
    // Fields no composite covers (visas) score on their own.
    let mut apart = 0.0;
    // Per block folded into the composite: (cells, residue chosen → choice).
    let mut blocks: Vec<Block> = Vec::new();
    let mut candidates = Vec::new();

    for cells in fields {
        for &i in cells {
            in_field[i] = true;
        }
        let table = field_table(plan, cells, &comp_weight, &mut candidates)?;
        if cells.iter().all(|&i| comp_weight[i].is_some()) {
            fold(
                &mut comp_acc,
                &table.best,
                &mut blocks,
                cells.clone(),
                table.choice,
            );
        } else {
            // Not under the composite (visas): only its own check counts.
            let r = (0..10).max_by(|&a, &b| table.best[a].total_cmp(&table.best[b]))?;
            if table.best[r] == NEG {
                return None;
            }
            apart += table.best[r];
            for (&i, &c) in cells.iter().zip(&table.choice[r]) {
                result[i] = c;
            }
        }
    }

    let Some(digit) = comp_digit else {
        return Some((apart, result));
    };
    // Composite-covered cells outside every field check: one block each.
    for i in 0..plan.allowed.len() {
        if comp_weight[i].is_none() || in_field[i] || Some(i) == comp_digit {
            continue;
        }
        let w = comp_weight[i].unwrap_or(0);
        plan.candidates(i, ALT_MIN_P, COMPOSITE_ONLY_MIN_SHARE, &mut candidates);
        let mut best = [NEG; 10];
        let mut choice: [Vec<usize>; 10] = Default::default();
        for &(k, lp) in &candidates {
            let r = (w * value(k) % 10) as usize;
            if lp > best[r] {
                best[r] = lp;
                choice[r] = vec![k];
            }
        }
        fold(&mut comp_acc, &best, &mut blocks, vec![i], choice);
    }

    // The composite digit itself.
    plan.candidates(digit, ALT_MIN_P, 0.0, &mut candidates);
    let mut winner: Option<(f32, usize, usize)> = None;
    for &(k, lp) in &candidates {
        let d = value(k) as usize;
        if d > 9 || comp_acc[d] == NEG {
            continue;
        }
        let score = comp_acc[d] + lp;
        if winner.is_none_or(|(s, _, _)| score > s) {
            winner = Some((score, k, d));
        }
    }
    let (score, k, mut residue) = winner?;
    result[digit] = k;
    // Walk the folded blocks back from the last.
    for Block {
        cells,
        choice,
        from,
    } in blocks.iter().rev()
    {
        let prev = from[residue];
        let own = (residue + 10 - prev) % 10;
        for (&i, &c) in cells.iter().zip(&choice[own]) {
            result[i] = c;
        }
        residue = prev;
    }
    Some((apart + score, result))
}

/// Adds a block's residue table to the composite accumulator (a max-plus
/// convolution modulo 10), remembering for each new residue which previous
/// residue it came from.
fn fold(
    acc: &mut [f32; 10],
    table: &[f32; 10],
    blocks: &mut Vec<Block>,
    cells: Vec<usize>,
    choice: [Vec<usize>; 10],
) {
    let mut next = [NEG; 10];
    let mut from = [0usize; 10];
    for a in 0..10 {
        if acc[a] == NEG {
            continue;
        }
        for b in 0..10 {
            if table[b] == NEG {
                continue;
            }
            let r = (a + b) % 10;
            if acc[a] + table[b] > next[r] {
                next[r] = acc[a] + table[b];
                from[r] = a;
            }
        }
    }
    *acc = next;
    blocks.push(Block {
        cells,
        choice,
        from,
    });
}

/// Dynamic programme over one field check: `cells` are the field's cells
/// followed by its check digit. State = (field residue, composite residue);
/// the digit must equal the field residue.
fn field_table(
    plan: &CellPlan<'_>,
    cells: &[usize],
    comp_weight: &[Option<u32>],
    candidates: &mut Vec<(usize, f32)>,
) -> Option<FieldTable> {
    let (&digit, body) = cells.split_last()?;
    let mut score = [NEG; 100];
    score[0] = 0.0;
    // back[step][state] = (previous state, class chosen)
    let mut back: Vec<[(u8, u8); 100]> = Vec::with_capacity(cells.len());
    for (offset, &i) in body.iter().enumerate() {
        let wf = weight(offset);
        let wc = comp_weight[i].unwrap_or(0);
        plan.candidates(i, ALT_MIN_P, 0.0, candidates);
        let mut next = [NEG; 100];
        let mut step = [(0u8, 0u8); 100];
        for s in 0..100 {
            if score[s] == NEG {
                continue;
            }
            let (rf, rc) = (s / 10, s % 10);
            for &(k, lp) in candidates.iter() {
                let v = value(k);
                let ns = ((rf as u32 + wf * v) % 10 * 10 + (rc as u32 + wc * v) % 10) as usize;
                if score[s] + lp > next[ns] {
                    next[ns] = score[s] + lp;
                    step[ns] = (s as u8, k as u8);
                }
            }
        }
        score = next;
        back.push(step);
    }
    let wc = comp_weight[digit].unwrap_or(0);
    plan.candidates(digit, ALT_MIN_P, 0.0, candidates);
    let mut best = [NEG; 10];
    let mut end: [Option<(usize, usize)>; 10] = [None; 10];
    for s in 0..100 {
        if score[s] == NEG {
            continue;
        }
        let (rf, rc) = (s / 10, s % 10);
        for &(k, lp) in candidates.iter() {
            if k != rf {
                continue;
            }
            let r = ((rc as u32 + wc * value(k)) % 10) as usize;
            if score[s] + lp > best[r] {
                best[r] = score[s] + lp;
                end[r] = Some((s, k));
            }
        }
    }
    let mut choice: [Vec<usize>; 10] = Default::default();
    for r in 0..10 {
        let Some((mut s, k)) = end[r] else { continue };
        let mut picked = vec![0usize; cells.len()];
        picked[body.len()] = k;
        for step in (0..body.len()).rev() {
            let (prev, class) = back[step][s];
            picked[step] = usize::from(class);
            s = usize::from(prev);
        }
        choice[r] = picked;
    }
    // A `<` check digit is right over an all-filler field only (an empty
    // optional data field). Fillers are worth 0, so that path adds nothing
    // to the composite.
    let filler_path: Option<f32> = cells
        .iter()
        .map(|&i| {
            let p = plan.probs(i)[FILLER];
            (plan.allowed[i].contains(b'<') && p >= ALT_MIN_P).then(|| p.ln())
        })
        .sum();
    if let Some(lp) = filler_path
        && lp > best[0]
    {
        best[0] = lp;
        choice[0] = vec![FILLER; cells.len()];
    }
    Some(FieldTable { best, choice })
}

/// Which grammar a field follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grammar {
    /// `SURNAME<<GIVEN<NAMES<<<`.
    Name,
    /// `CONTENT<<<<`, single fillers allowed inside the content.
    Optional,
    /// A country code, `D<<`: letters, then fillers to the end.
    Code,
}

/// The name and optional-data fields, with their grammar.
fn grammar_spans(format: Format) -> Vec<(Grammar, std::ops::Range<usize>)> {
    let chars = format.line_len();
    format
        .fields()
        .iter()
        .filter_map(|f| {
            let grammar = match f.field {
                Field::Name => Grammar::Name,
                Field::OptionalData | Field::OptionalData1 | Field::OptionalData2 => {
                    Grammar::Optional
                }
                _ => return None,
            };
            let base = usize::from(f.span.line) * chars + usize::from(f.span.start);
            Some((grammar, base..base + usize::from(f.span.len)))
        })
        .collect()
}

/// Cells of the three-letter country fields.
fn country_spans(format: Format) -> Vec<std::ops::Range<usize>> {
    let chars = format.line_len();
    format
        .fields()
        .iter()
        .filter(|f| matches!(f.field, Field::IssuingState | Field::Nationality))
        .map(|f| {
            let base = usize::from(f.span.line) * chars + usize::from(f.span.start);
            base..base + usize::from(f.span.len)
        })
        .collect()
}

/// Grammar states: inside a part (in optional data, a part's letters),
/// after one filler, after the double filler (names only), in the filler
/// tail, then (names only) inside a given name and after a filler there,
/// and (optional data only) among a part's digits.
const IN_PART: usize = 0;
const ONE: usize = 1;
const TWO: usize = 2;
const TAIL: usize = 3;
const GIVEN: usize = 4;
const GIVEN_ONE: usize = 5;
const IN_DIGITS: usize = 6;
const STATES: usize = 7;

/// The most probable reading of a field that follows `grammar`. A name has
/// one double filler, between the surname and the given names (ICAO 9303);
/// a second one ends it, so a glyph read as `<` twice inside the given
/// names is read as a letter or the rest as fillers (French cards, whose
/// given names may be split by double fillers, have no such name field).
fn follow_grammar(plan: &CellPlan<'_>, cells: &[usize], grammar: Grammar) -> Option<Vec<usize>> {
    let mut candidates = Vec::new();
    let mut score = [NEG; STATES];
    let mut back: Vec<[(u8, u8); STATES]> = Vec::with_capacity(cells.len());
    for (n, &i) in cells.iter().enumerate() {
        plan.candidates(i, LAYOUT_MIN_P, 0.0, &mut candidates);
        let mut next = [NEG; STATES];
        let mut step = [(0u8, 0u8); STATES];
        for &(k, lp) in &candidates {
            let filler = k == FILLER;
            // Where a transition from each state leads with this character.
            let digit = CharSet::DIGITS.contains(CLASSES[k]);
            let moves: [(usize, Option<usize>); STATES] = match (grammar, filler) {
                (Grammar::Name, false) => [
                    (IN_PART, Some(IN_PART)),
                    (ONE, Some(IN_PART)),
                    (TWO, Some(GIVEN)),
                    (TAIL, None),
                    (GIVEN, Some(GIVEN)),
                    (GIVEN_ONE, Some(GIVEN)),
                    (IN_DIGITS, None),
                ],
                (Grammar::Name, true) => [
                    (IN_PART, Some(ONE)),
                    (ONE, Some(TWO)),
                    (TWO, Some(TAIL)),
                    (TAIL, Some(TAIL)),
                    (GIVEN, Some(GIVEN_ONE)),
                    (GIVEN_ONE, Some(TAIL)),
                    (IN_DIGITS, None),
                ],
                (Grammar::Optional, false) => {
                    let part = if digit { IN_DIGITS } else { IN_PART };
                    [
                        (IN_PART, Some(part)),
                        (ONE, Some(part)),
                        (TWO, None),
                        (TAIL, None),
                        (GIVEN, None),
                        (GIVEN_ONE, None),
                        (IN_DIGITS, Some(part)),
                    ]
                }
                (Grammar::Optional, true) => [
                    (IN_PART, Some(ONE)),
                    (ONE, Some(TAIL)),
                    (TWO, None),
                    (TAIL, Some(TAIL)),
                    (GIVEN, None),
                    (GIVEN_ONE, None),
                    (IN_DIGITS, Some(ONE)),
                ],
                (Grammar::Code, false) => [
                    (IN_PART, Some(IN_PART)),
                    (ONE, None),
                    (TWO, None),
                    (TAIL, None),
                    (GIVEN, None),
                    (GIVEN_ONE, None),
                    (IN_DIGITS, None),
                ],
                (Grammar::Code, true) => [
                    (IN_PART, Some(TAIL)),
                    (ONE, None),
                    (TWO, None),
                    (TAIL, Some(TAIL)),
                    (GIVEN, None),
                    (GIVEN_ONE, None),
                    (IN_DIGITS, None),
                ],
            };
            if n == 0 {
                // A name or a code starts with a letter; optional data may
                // be empty.
                let to = match (grammar, filler) {
                    (Grammar::Optional, false) if digit => IN_DIGITS,
                    (_, false) => IN_PART,
                    (Grammar::Name | Grammar::Code, true) => continue,
                    (Grammar::Optional, true) => TAIL,
                };
                if lp > next[to] {
                    next[to] = lp;
                    step[to] = (0, k as u8);
                }
                continue;
            }
            for (from, to) in moves {
                let (Some(to), base) = (to, score[from]) else {
                    continue;
                };
                let kind_changed =
                    matches!((from, to), (IN_PART, IN_DIGITS) | (IN_DIGITS, IN_PART));
                let lp = if kind_changed {
                    lp + KIND_CHANGE_P.ln()
                } else {
                    lp
                };
                if base != NEG && base + lp > next[to] {
                    next[to] = base + lp;
                    step[to] = (from as u8, k as u8);
                }
            }
        }
        score = next;
        back.push(step);
    }
    let mut state = (0..STATES).max_by(|&a, &b| score[a].total_cmp(&score[b]))?;
    if score[state] == NEG {
        return None;
    }
    let mut out = vec![0usize; cells.len()];
    for n in (0..cells.len()).rev() {
        let (prev, k) = back[n][state];
        out[n] = usize::from(k);
        state = usize::from(prev);
    }
    Some(out)
}

/// The most probable known country code among the cells' candidates, when
/// the current reading is not a known code.
fn country_code(plan: &CellPlan<'_>, cells: &[usize], choice: &[usize]) -> Option<Vec<usize>> {
    let current: String = cells
        .iter()
        .map(|&i| char::from(CLASSES[choice[i]]))
        .collect();
    if country::is_known(&current) {
        return None;
    }
    let mut lists = Vec::with_capacity(cells.len());
    for &i in cells {
        let mut c = Vec::new();
        plan.candidates(i, LAYOUT_MIN_P, 0.0, &mut c);
        lists.push(c);
    }
    let mut best: Option<(f32, Vec<usize>)> = None;
    let mut pick = vec![0usize; cells.len()];
    loop {
        let code: String = pick
            .iter()
            .zip(&lists)
            .map(|(&j, l)| char::from(CLASSES[l[j].0]))
            .collect();
        let score: f32 = pick.iter().zip(&lists).map(|(&j, l)| l[j].1).sum();
        if country::is_known(&code) && best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                pick.iter().zip(&lists).map(|(&j, l)| l[j].0).collect(),
            ));
        }
        // Next combination (odometer).
        let mut pos = 0;
        loop {
            if pos == pick.len() {
                return best.map(|(_, c)| c);
            }
            pick[pos] += 1;
            if pick[pos] < lists[pos].len() {
                break;
            }
            pick[pos] = 0;
            pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_does_not_show_its_characters() {
        let c = Correction {
            line: 1,
            column: 2,
            read: b'0',
            chosen: b'O',
            reason: Reason::Class,
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("column: 2") && shown.contains("Class"),
            "{shown}"
        );
        // `0` and `O` are 48 and 79.
        assert!(!shown.contains("48") && !shown.contains("79"), "{shown}");
    }
    use crate::Date;
    use crate::reader::class_of;

    /// A cell's probabilities in a test: (line, column, [(char, p)]).
    type Override<'a> = (usize, usize, &'a [(u8, f32)]);

    fn class(c: u8) -> usize {
        class_of(c).unwrap_or(FILLER)
    }

    const TD3: [&[u8]; 2] = [
        b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        b"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    const TD1: [&[u8]; 3] = [
        b"I<UTOD231458907<<<<<<<<<<<<<<<",
        b"7408122F1204159UTO<<<<<<<<<<<6",
        b"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    /// Sure of every cell of `text`, with overrides: (line, column, [(char,
    /// probability)]).
    fn probs(text: &[&[u8]], overrides: &[Override<'_>]) -> Vec<f32> {
        let mut out = Vec::new();
        for (l, line) in text.iter().enumerate() {
            for (c, &ch) in line.iter().enumerate() {
                let mut p = [0.0001f32; 37];
                p[class(ch)] = 0.99;
                if let Some((_, _, o)) = overrides.iter().find(|o| (o.0, o.1) == (l, c)) {
                    p = [0.0001f32; 37];
                    for &(ch, pr) in *o {
                        p[class(ch)] = pr;
                    }
                }
                out.extend(p);
            }
        }
        out
    }

    fn run(text: &[&[u8]], overrides: &[Override<'_>]) -> Decoded {
        let p = probs(text, overrides);
        let options = ParseOptions::new(Date::new(2026, 1, 1).unwrap());
        decode(Cells::new(&p, text.len(), text[0].len()).unwrap(), &options).unwrap()
    }

    #[test]
    fn a_sure_reading_is_kept_as_it_is() {
        let d = run(&TD3, &[]);
        assert_eq!(d.lines, TD3.map(<[u8]>::to_vec));
        assert!(d.corrections.is_empty() && d.valid);
        let d = run(&TD1, &[]);
        assert_eq!(d.format, Format::Td1);
        assert!(d.corrections.is_empty() && d.valid);
    }

    #[test]
    fn a_letter_in_a_date_becomes_the_digit_it_resembles() {
        // Birth date 740812 with the 0 read as O.
        let d = run(&TD3, &[(1, 15, &[(b'O', 0.8), (b'0', 0.15)])]);
        assert_eq!(d.lines[1], TD3[1]);
        assert_eq!(d.corrections.len(), 1);
        assert_eq!(d.corrections[0].reason, Reason::Class);
        assert!(d.valid);
    }

    #[test]
    fn a_letter_in_a_french_card_numbers_issue_month_is_the_digit_it_resembles() {
        // Issued June 1988 (8806…), department 92: the month's 0 read as O.
        let card: [&[u8]; 2] = [
            b"IDFRABERTHIER<<<<<<<<<<<<<<<<<923001",
            b"8806923102858CORINNE<<<<<<<6508128F9",
        ];
        let d = run(&card, &[(1, 2, &[(b'O', 0.8), (b'0', 0.15)])]);
        assert_eq!(d.lines[1], card[1]);
        assert_eq!(d.corrections[0].reason, Reason::Class);
        assert!(d.valid);
        // The department's first character: the 9 read as Y.
        let d = run(&card, &[(1, 4, &[(b'Y', 0.7), (b'9', 0.25)])]);
        assert_eq!(d.lines[1], card[1]);
        assert_eq!(d.corrections[0].reason, Reason::Class);
        // The issuing office at the end of line 1: its 0 read as O.
        let d = run(&card, &[(0, 34, &[(b'O', 0.8), (b'0', 0.15)])]);
        assert_eq!(d.lines[0], card[0]);
        assert_eq!(d.corrections[0].reason, Reason::Class);
        // Some cards end line 1 with fillers instead.
        let blank: [&[u8]; 2] = [
            b"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
            b"8806923102858CORINNE<<<<<<<6508128F6",
        ];
        let d = run(&blank, &[]);
        assert_eq!(d.lines[0], blank[0]);
        assert!(d.valid && d.corrections.is_empty());
        // Corsica's departments 2A and 2B put a letter in the number.
        let corsica: [&[u8]; 2] = [
            b"IDFRABERTHIER<<<<<<<<<<<<<<<<<2A3001",
            b"88062A3102855CORINNE<<<<<<<6508128F0",
        ];
        let d = run(&corsica, &[]);
        assert_eq!(d.lines[1], corsica[1]);
        assert!(d.valid && d.corrections.is_empty());
    }

    #[test]
    fn a_check_digit_read_surely_as_another_digit_is_not_changed_to_pass() {
        // The card's last digit (the check over both lines) printed 7
        // where the other cells give 9: read 7, with 9 a plausible second.
        let mut card: [Vec<u8>; 2] = [
            b"IDFRABERTHIER<<<<<<<<<<<<<<<<<923001".to_vec(),
            b"8806923102858CORINNE<<<<<<<6508128F9".to_vec(),
        ];
        card[1][35] = b'7';
        let card = [&card[0][..], &card[1][..]];
        let d = run(&card, &[(1, 35, &[(b'7', 0.84), (b'9', 0.15)])]);
        assert_eq!(d.lines[1], card[1]);
        assert!(!d.valid && d.corrections.is_empty());
        // Read as a letter, or as a digit unsurely, it is still searched.
        for guess in [(b'A', 0.84), (b'7', 0.45)] {
            let d = run(&card, &[(1, 35, &[guess, (b'9', 0.15)])]);
            assert_eq!(d.lines[1][35], b'9');
            assert!(d.valid);
        }
    }

    #[test]
    fn a_name_has_one_double_filler() {
        // The M of MARIA read as a filler would make a second `<<`, inside
        // the given names: the M, less likely, is read instead.
        let d = run(&TD3, &[(0, 20, &[(b'<', 0.8), (b'M', 0.15)])]);
        assert_eq!(d.lines[0], TD3[0]);
        let k = d.corrections[0];
        assert_eq!((k.column, k.read, k.chosen), (20, b'<', b'M'));
        assert_eq!(k.reason, Reason::Layout);
    }

    #[test]
    fn the_check_digits_pick_the_second_choice_where_the_first_breaks_them() {
        // Document number L898902C3: the `C` read as `G` (second choice C).
        let d = run(&TD3, &[(1, 7, &[(b'G', 0.7), (b'C', 0.25)])]);
        assert_eq!(d.lines[1], TD3[1]);
        let k = d.corrections[0];
        assert_eq!((k.line, k.column, k.read, k.chosen), (1, 7, b'G', b'C'));
        assert_eq!(k.reason, Reason::CheckDigit);
        // TD1: the composite alone covers the document number's digits here.
        let d = run(&TD1, &[(1, 3, &[(b'3', 0.6), (b'8', 0.3)])]);
        assert_eq!(d.lines[1], TD1[1]);
        assert!(d.valid);
    }

    /// A TD1 whose document number runs on into the optional data:
    /// `D23145890` `734`, its check digit `9` after them.
    const TD1_LONG: [&[u8]; 3] = [
        b"I<UTOD23145890<7349<<<<<<<<<<<",
        b"7408122F1204159UTO<<<<<<<<<<<6",
        b"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    #[test]
    fn a_long_document_number_is_corrected_by_its_own_check_digit() {
        // The `3` of the number's continuation read as `8` first.
        let d = run(&TD1_LONG, &[(0, 16, &[(b'8', 0.6), (b'3', 0.35)])]);
        assert_eq!(d.lines[0], TD1_LONG[0]);
        assert!(d.valid);
        let k = d.corrections[0];
        assert_eq!((k.line, k.column, k.chosen), (0, 16, b'3'));
        assert_eq!(k.reason, Reason::CheckDigit);
        // The number's filler read as a digit, but not surely.
        let d = run(&TD1_LONG, &[(0, 14, &[(b'4', 0.45), (b'<', 0.4)])]);
        assert_eq!(d.lines[0], TD1_LONG[0]);
        assert!(d.valid);
        // Read surely as a digit, it is kept, as any check digit is.
        let d = run(&TD1_LONG, &[(0, 14, &[(b'4', 0.6), (b'<', 0.35)])]);
        assert_eq!(d.lines[0][14], b'4');
        assert!(!d.valid);
    }

    #[test]
    fn a_long_document_numbers_rival_lowers_the_checked_confidence() {
        let d = run(&TD1_LONG, &[]);
        assert!(d.checked_p > 0.95, "{}", d.checked_p);
        // `7`→`2` and `3`→`8` make up for each other in the number's check
        // and in the composite: `D23145890284` passes both too.
        let rival: [Override<'_>; 2] = [
            (0, 15, &[(b'7', 0.55), (b'2', 0.44)]),
            (0, 16, &[(b'3', 0.55), (b'8', 0.44)]),
        ];
        let d = run(&TD1_LONG, &rival);
        assert_eq!(d.lines[0], TD1_LONG[0]);
        assert!(d.valid);
        assert!((0.5..0.7).contains(&d.checked_p), "{}", d.checked_p);
    }

    #[test]
    fn a_passport_with_a_bad_check_is_not_turned_into_a_valid_visa() {
        // The composite is wrong (as printed): as a TD3 the text is invalid,
        // as an MRV-A (no composite) it would validate if `P` became `V`.
        let mut line = TD3[1].to_vec();
        line[43] = b'1';
        let text = [TD3[0], &line[..]];
        let d = run(&text, &[]);
        assert_eq!(d.format, Format::Td3);
        assert_eq!(d.lines[0][0], b'P');
        assert!(!d.valid);
        // A first cell that could be either still lets the checks decide.
        let d = run(&text, &[(0, 0, &[(b'P', 0.6), (b'V', 0.35)])]);
        assert_eq!(d.format, Format::MrvA);
    }

    #[test]
    fn an_implausible_alternative_is_not_used_and_the_reading_stays_invalid() {
        // The misread `G` has no plausible alternative: nothing is changed
        // to satisfy the checks, and the text stays invalid.
        let d = run(&TD3, &[(1, 7, &[(b'G', 0.999)])]);
        assert_eq!(d.lines[1][7], b'G');
        assert!(!d.valid);
    }

    #[test]
    fn a_cell_only_the_composite_covers_is_changed_only_to_a_well_supported_character() {
        // Optional data `BC7`, which only the composite covers.
        let text: [&[u8]; 3] = [
            b"I<UTOD231458907BC7<<<<<<<<<<<<",
            b"7408122F1204159UTO<<<<<<<<<<<0",
            TD1[2],
        ];
        assert!(run(&text, &[]).valid);
        // `C` read as `G`, `C` an eleventh as likely: a misprinted document
        // reads like this too, and one check passes a random change one
        // time in ten. Left invalid.
        let d = run(&text, &[(0, 16, &[(b'G', 0.9), (b'C', 0.08)])]);
        assert_eq!(d.lines[0][16], b'G');
        assert!(!d.valid);
        // A third as likely: changed.
        let d = run(&text, &[(0, 16, &[(b'G', 0.7), (b'C', 0.25)])]);
        assert_eq!(d.lines[0], text[0]);
        assert!(d.valid);
        // The same odds in a cell that its field's check covers too.
        let d = run(&TD3, &[(1, 7, &[(b'G', 0.9), (b'C', 0.08)])]);
        assert_eq!(d.lines[1], TD3[1]);
        assert!(d.valid);
    }

    #[test]
    fn no_more_than_max_changes_cells_are_changed() {
        let mut over = Vec::new();
        for col in [7usize, 15, 22, 30, 35] {
            let alt = TD3[1][col];
            let wrong = if alt.is_ascii_digit() { b'<' } else { b'0' };
            over.push((1usize, col, vec![(wrong, 0.6f32), (alt, 0.35f32)]));
        }
        let refs: Vec<Override<'_>> = over
            .iter()
            .map(|(l, c, v)| (*l, *c, v.as_slice()))
            .collect();
        let d = run(&TD3, &refs);
        let by_checks = d
            .corrections
            .iter()
            .filter(|k| k.reason == Reason::CheckDigit)
            .count();
        assert!(by_checks <= MAX_CHANGES);
        assert!(!d.valid, "five misread cells are not repaired");
    }

    #[test]
    fn a_k_in_a_filler_run_of_optional_data_is_a_filler() {
        // K and < are both worth 0: the checks hold either way.
        let d = run(&TD1, &[(0, 20, &[(b'K', 0.6), (b'<', 0.3)])]);
        assert_eq!(d.lines[0], TD1[0]);
        assert_eq!(d.corrections[0].reason, Reason::Layout);
        // A sure K inside content stays.
        let mut text = TD1.map(<[u8]>::to_vec);
        text[0][15..18].copy_from_slice(b"AKB");
        let refs: Vec<&[u8]> = text.iter().map(Vec::as_slice).collect();
        let d = run(&refs, &[]);
        assert_eq!(&d.lines[0][15..18], b"AKB");
    }

    #[test]
    fn an_unsure_letter_among_the_digits_of_optional_data_is_the_digit_it_resembles() {
        // A TD3 whose personal number check digit is wrong (`9`), so no
        // check tells `0` from `O`.
        let line = b"L898902C36UTO7408122F1204159123406789<<<<<90";
        let text: [&[u8]; 2] = [TD3[0], line];
        let d = run(&text, &[(1, 32, &[(b'O', 0.8), (b'0', 0.18)])]);
        assert_eq!(d.lines[1], line);
        assert_eq!(reason_at(&d, 1, 32), Some(Reason::Layout));
        // A sure `O` stays, and so does an unsure one among letters.
        let d = run(&text, &[(1, 32, &[(b'O', 0.97), (b'0', 0.02)])]);
        assert_eq!(&d.lines[1][28..37], b"1234O6789");
        let mut letters = line.to_vec();
        letters[28..37].copy_from_slice(b"ABCDOFGHK");
        let text: [&[u8]; 2] = [TD3[0], &letters];
        let d = run(&text, &[(1, 32, &[(b'O', 0.8), (b'0', 0.18)])]);
        assert_eq!(&d.lines[1][28..37], b"ABCDOFGHK");
    }

    #[test]
    fn a_k_in_the_name_tail_is_a_filler() {
        let d = run(&TD3, &[(0, 40, &[(b'K', 0.55), (b'<', 0.4)])]);
        assert_eq!(d.lines[0], TD3[0]);
        assert_eq!(d.corrections[0].reason, Reason::Layout);
    }

    #[test]
    fn the_check_digit_search_keeps_what_the_layout_and_country_steps_chose() {
        // A misread birth-date digit sends the text to the check-digit
        // search; the cells no check covers keep the earlier steps' choice.
        let date: Override<'_> = (1, 14, &[(b'3', 0.6), (b'4', 0.35)]);
        let tail: Override<'_> = (0, 40, &[(b'K', 0.55), (b'<', 0.4)]);
        let d = run(&TD3, &[date, tail]);
        assert_eq!(d.lines, TD3.map(<[u8]>::to_vec));
        assert!(d.valid);
        assert_eq!(reason_at(&d, 1, 14), Some(Reason::CheckDigit));
        assert_eq!(reason_at(&d, 0, 40), Some(Reason::Layout));
        // The issuing state's `U` read as a digit, then as `Y`.
        let state: Override<'_> = (0, 2, &[(b'1', 0.5), (b'Y', 0.3), (b'U', 0.15)]);
        let d = run(&TD3, &[date, state]);
        assert_eq!(d.lines, TD3.map(<[u8]>::to_vec));
        assert!(d.valid);
        assert_eq!(reason_at(&d, 0, 2), Some(Reason::CountryCode));
    }

    #[test]
    fn a_checked_cell_the_grammar_changed_keeps_what_its_check_needs() {
        // A personal number printed with a letter past its double filler,
        // its check digit (5) counting the `E`. The grammar makes that `E`
        // a filler, which breaks the check; the search's `E` stands.
        let line: &[u8] = b"L898902C36UTO7408122F1204159ZE184226B<<E<<58";
        let text = [TD3[0], line];
        let d = run(&text, &[(1, 39, &[(b'E', 0.6), (b'<', 0.35)])]);
        assert_eq!(d.lines[1], line);
        assert!(d.valid);
    }

    fn reason_at(d: &Decoded, line: usize, column: usize) -> Option<Reason> {
        d.corrections
            .iter()
            .find(|k| (k.line, k.column) == (line, column))
            .map(|k| k.reason)
    }

    #[test]
    fn a_document_code_starts_with_a_letter_icao_allows_its_shape() {
        // A card's `I` read more like an `S`, a passport's `P` like an `R`.
        let d = run(&TD1, &[(0, 0, &[(b'S', 0.5), (b'I', 0.45)])]);
        assert_eq!(d.lines[0], TD1[0]);
        assert_eq!(d.corrections[0].reason, Reason::Class);
        // An `I` at 60% with little else of the letters a code may start
        // with is sure among them, so not a doubt.
        let d = run(&TD1, &[(0, 0, &[(b'I', 0.6), (b'1', 0.35)])]);
        assert!(d.confidence[0][0] > 0.99, "{}", d.confidence[0][0]);
        assert!(d.valid);
        let d = run(&TD3, &[(0, 0, &[(b'R', 0.6), (b'P', 0.3)])]);
        assert_eq!(d.lines[0], TD3[0]);
        // Torn between a passport and a visa, the first cell stays unsure;
        // so does one that looks like no code letter (a filler).
        let d = run(&TD3, &[(0, 0, &[(b'P', 0.5), (b'V', 0.45)])]);
        assert!(d.confidence[0][0] < 0.6, "{}", d.confidence[0][0]);
        let d = run(&TD3, &[(0, 0, &[(b'<', 0.9), (b'P', 0.05)])]);
        assert_eq!(d.lines[0], TD3[0]);
        assert!(d.confidence[0][0] < 0.1, "{}", d.confidence[0][0]);
    }

    #[test]
    fn a_visa_is_told_from_a_passport_by_its_first_letter() {
        let mut visa = TD3.map(<[u8]>::to_vec);
        visa[0][0] = b'V';
        let refs: Vec<&[u8]> = visa.iter().map(Vec::as_slice).collect();
        let d = run(&refs, &[]);
        assert_eq!(d.format, Format::MrvA);
    }

    #[test]
    fn an_unknown_country_code_takes_the_likely_known_one() {
        // UTO with its O read as 0 is digits in a letters field (Class);
        // with the U read as V ("VTO", unknown) the second choice U wins.
        let d = run(&TD3, &[(0, 2, &[(b'V', 0.6), (b'U', 0.35)])]);
        assert_eq!(&d.lines[0][2..5], b"UTO");
        assert_eq!(d.corrections[0].reason, Reason::CountryCode);
    }

    #[test]
    fn a_country_code_is_letters_then_fillers() {
        // The nationality's `T` read likelier a filler than an `X`, and no
        // known code among the cells' choices: `U<O` is no code, `UXO` is.
        let d = run(&TD3, &[(1, 11, &[(b'<', 0.6), (b'X', 0.3)])]);
        assert_eq!(&d.lines[1][10..13], b"UXO");
        assert_eq!(reason_at(&d, 1, 11), Some(Reason::Layout));
        // Fillers that pad a code's end stay.
        let mut germany = TD3.map(<[u8]>::to_vec);
        germany[1][11..13].copy_from_slice(b"<<");
        germany[1][10] = b'D';
        let refs: Vec<&[u8]> = germany.iter().map(Vec::as_slice).collect();
        let d = run(&refs, &[]);
        assert_eq!(&d.lines[1][10..13], b"D<<");
        assert!(d.corrections.is_empty());
    }

    #[test]
    fn a_wrong_shape_is_not_decoded() {
        let p = vec![0.0f32; 2 * 40 * 37];
        let options = ParseOptions::new(Date::new(2026, 1, 1).unwrap());
        assert!(decode(Cells::new(&p, 2, 40).unwrap(), &options).is_none());
        assert!(Cells::new(&p, 2, 44).is_none());
    }
}
