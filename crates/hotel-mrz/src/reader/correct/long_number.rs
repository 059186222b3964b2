//! The ways a zone's check digits may lie: as the format's table gives
//! them, or, on a TD1 or TD2, with a document number longer than nine
//! characters (ICAO 9303 Parts 5 and 6).
//!
//! Such a number fills its nine cells, its check digit's cell holds a
//! filler, and it runs on at the start of the optional data: the rest of
//! the number, then the check digit of the whole number, then a filler
//! (unless the field ends there). The searches try each length of that
//! rest as its own layout, with the cells it fixes narrowed to what it
//! puts there. The layouts exclude each other: the table's needs a digit
//! (or an all-filler field) in the check digit's cell, every long one a
//! filler there; and of two lengths, the shorter puts a filler in the cell
//! after its check digit, where the longer puts a letter or digit.
//!
//! Not here: reading such a number from text, which part 1's parser does
//! (`record.rs`); this module only says which cells the checks cover.

use crate::layout::{Field, Format};
use crate::ocr::CharSet;

use super::{CHECK_DIGIT_KEEP_P, CLASSES, CellPlan, FILLER, rule_cells};

/// The field checks of one layout and the characters it allows where it
/// narrows the format's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CheckFields {
    /// Each field check but the composite: its cells in reading order,
    /// then its check digit's.
    pub(super) fields: Vec<Vec<usize>>,
    /// Cells this layout allows fewer characters in, with those it allows.
    pub(super) narrowed: Vec<(usize, CharSet)>,
}

/// Which long-number layouts to try: those whose cells plausibly hold what
/// they put there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    /// The number's check-digit cell must give a filler at least this.
    check_filler: f32,
    /// The number's last cell, and the continuation's characters, are taken
    /// for fillers (which end a continuation) from this on.
    text_filler: f32,
    /// Where the continuation's check digit goes a digit, and a filler after
    /// it, each at least this.
    min_p: f32,
    /// Whether a check-digit cell read as a digit with
    /// [`CHECK_DIGIT_KEEP_P`] rules long numbers out, as the search keeps
    /// such a digit.
    keep_sure_digit: bool,
}

impl Gate {
    /// For the check-digit search: a layout costs a search, and a zone that
    /// is no MRZ, or blank paper, gives every cell a little of every
    /// character, so only cells that read as what the layout needs.
    pub(super) const SEARCH: Self = Self {
        check_filler: 0.25,
        text_filler: 0.25,
        min_p: super::ALT_MIN_P,
        keep_sure_digit: true,
    };

    /// For the checked confidence of a text that passes its checks: every
    /// layout but those whose needed characters are under a thousandth.
    pub(super) const MASS: Self = Self {
        check_filler: 1e-3,
        text_filler: 1.0 - 1e-3,
        min_p: 1e-3,
        keep_sure_digit: false,
    };
}

/// Letters and digits: what a number's cells hold before its first filler.
const NOT_FILLER: CharSet = CharSet::DIGITS.union(CharSet::LETTERS);

/// The format's own layout, then every long-number layout that `gate`
/// lets through.
pub(super) fn layouts(plan: &CellPlan<'_>, format: Format, gate: Gate) -> Vec<CheckFields> {
    let mut out = vec![CheckFields {
        fields: table_fields(plan, format),
        narrowed: Vec::new(),
    }];
    let Some(places) = Places::of(plan, format) else {
        return out;
    };
    let check = places.check;
    let p = plan.probs(check);
    let top = plan.top[check];
    let sure_digit = gate.keep_sure_digit
        && CharSet::DIGITS.contains(CLASSES[top])
        && p[top] >= CHECK_DIGIT_KEEP_P;
    let reads_filler = |i: usize| plan.probs(i)[FILLER] >= gate.text_filler;
    if sure_digit
        || p[FILLER] < gate.check_filler
        || places.number.last().is_none_or(|&i| reads_filler(i))
    {
        return out;
    }
    // The continuation's characters are letters or digits: it ends at the
    // first cell that reads as a filler.
    let most = places
        .rest
        .iter()
        .position(|&i| reads_filler(i))
        .unwrap_or(places.rest.len());
    out.extend((1..places.rest.len()).filter_map(|len| {
        let (digit, after) = (places.rest[len], places.rest.get(len + 1));
        let fits = len <= most
            && likely(plan, digit, CharSet::DIGITS, gate.min_p)
            && after.is_none_or(|&i| likely(plan, i, CharSet::FILLER, gate.min_p));
        fits.then(|| long(plan, format, &places, len))
    }));
    out
}

/// The long-number layout whose rest is `len` characters long, if `choice`
/// is a long number (its number's check-digit cell a filler, its last
/// number cell not).
pub(super) fn chosen(plan: &CellPlan<'_>, format: Format, choice: &[usize]) -> Option<CheckFields> {
    let places = Places::of(plan, format)?;
    let filler = |i: usize| CLASSES[choice[i]] == b'<';
    if !filler(places.check) || places.number.last().is_none_or(|&i| filler(i)) {
        return None;
    }
    // Part 1 reads the rest up to the first filler; its last character is
    // the check digit.
    let end = places
        .rest
        .iter()
        .position(|&i| filler(i))
        .unwrap_or(places.rest.len());
    (end >= 2).then(|| long(plan, format, &places, end - 1))
}

/// Where a format's document number and its continuation lie.
struct Places {
    /// The document number's nine cells.
    number: Vec<usize>,
    /// Its check digit's cell.
    check: usize,
    /// The optional data the number runs on into.
    rest: Vec<usize>,
}

impl Places {
    fn of(plan: &CellPlan<'_>, format: Format) -> Option<Self> {
        if !format.has_long_number_rule() {
            return None;
        }
        let rule = format
            .checks()
            .iter()
            .find(|r| r.field == Field::DocumentNumber)?;
        let mut number = rule_cells(plan, rule);
        let check = number.pop()?;
        let span = format.span_of(format.long_number_field())?;
        let first = plan.index(usize::from(span.line), usize::from(span.start));
        Some(Self {
            number,
            check,
            rest: (first..first + usize::from(span.len)).collect(),
        })
    }
}

/// The layout of a number whose rest holds `len` characters before its
/// check digit.
fn long(plan: &CellPlan<'_>, format: Format, places: &Places, len: usize) -> CheckFields {
    let mut fields = table_fields(plan, format);
    let mut number = places.number.clone();
    number.extend_from_slice(&places.rest[..=len]);
    if let Some(f) = fields.iter_mut().find(|f| f.last() == Some(&places.check)) {
        *f = number;
    }
    let mut narrowed = vec![(places.check, CharSet::FILLER)];
    narrowed.extend(places.number.last().map(|&i| (i, NOT_FILLER)));
    narrowed.extend(places.rest[..len].iter().map(|&i| (i, NOT_FILLER)));
    narrowed.push((places.rest[len], CharSet::DIGITS));
    narrowed.extend(places.rest.get(len + 1).map(|&i| (i, CharSet::FILLER)));
    CheckFields { fields, narrowed }
}

/// The format's field checks (the composite aside), as [`CheckFields::fields`].
fn table_fields(plan: &CellPlan<'_>, format: Format) -> Vec<Vec<usize>> {
    format
        .checks()
        .iter()
        .filter(|r| r.field != Field::Composite)
        .map(|r| rule_cells(plan, r))
        .collect()
}

/// Whether cell `i` gives some character of `set` at least `min_p`.
fn likely(plan: &CellPlan<'_>, i: usize, set: CharSet, min_p: f32) -> bool {
    let p = plan.probs(i);
    (0..CLASSES.len()).any(|k| set.contains(CLASSES[k]) && p[k] >= min_p)
}
