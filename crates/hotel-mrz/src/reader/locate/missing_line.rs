//! Proposing the line a TD1 zone lost: two lines of about 30 cells, a line
//! spacing apart, are two of a TD1's three lines when glare, blur or a
//! smudge broke the third into pieces too short to be found.
//!
//! The third line is placed a line spacing below the pair, or above it,
//! with the pair's pitch and extent; both places are proposed and the
//! reader keeps the one that reads valid. A proposed line's ink was never
//! seen, so its zone is a carried one (`Zone::carried`): tried after every
//! zone whose lines were all seen, and refined only when its turn comes.
//!
//! Two lines of about 30 cells two line spacings apart, their ends
//! agreeing, are a TD1's first and last lines when its middle one was
//! lost: it is proposed halfway between them ([`td1_middle`]).
//!
//! Not here: a TD1 with only one line seen (no spacing to repeat), and
//! 2-line formats (their lines are found or carried on in `lines`).

use super::lines::{CARRIED_PENALTY, Line, Zone, carry_on, make_zone};

/// Characters per TD1 line.
const TD1_CHARS: usize = 30;
/// Lines seen up to this many cells over 30 may be two whole lines of a
/// TD1 (those within two cells of it are taken as they are, by
/// `make_zone`); shorter ones, down to half of it, are carried on to 30
/// cells first (glare can wash out the same end of both).
const MAX_LENGTH_GAP: usize = 3;
/// Taken off a proposed zone's score besides [`CARRIED_PENALTY`]: below
/// every zone carried on to 36 or 44 cells (20 − 100 − at most 2), so that
/// the proposals never take their places among the candidates tried.
const PROPOSED_PENALTY: f32 = 5.0;

/// The 3×30 zones that take `pair` (two lines, top first) as lines 1–2
/// (a third proposed below) or 2–3 (a first proposed above); empty when
/// the pair is not two lines of 15 to 33 cells.
pub(super) fn td1_zones(pair: &[Line]) -> Vec<Zone> {
    let seen = pair.iter().map(|l| l.cells).max().unwrap_or(0);
    if pair.len() != 2 || 2 * seen < TD1_CHARS || seen > TD1_CHARS + MAX_LENGTH_GAP {
        return Vec::new();
    }
    // A pair `make_zone` takes (a line within two cells of 30) keeps its
    // seen ends; a shorter one (27 cells and less) is carried on both ways.
    let pairs: Vec<Zone> = match make_zone(pair.to_vec(), TD1_CHARS) {
        Some(zone) => vec![zone],
        None if seen < TD1_CHARS => [false, true]
            .into_iter()
            .filter_map(|from_right| carry_on(pair.to_vec(), TD1_CHARS, from_right))
            .collect(),
        None => Vec::new(),
    };
    pairs
        .iter()
        .flat_map(|zone| [true, false].map(|below| with_line(zone, below)))
        .flatten()
        .collect()
}

/// The 3×30 zone that takes `outer` (two lines, top first, two line
/// spacings apart) as lines 1 and 3, with line 2 proposed halfway between
/// them; `None` when they make no 30-cell zone (`make_zone`: one of them
/// seen within two cells of 30, the other lining up with it).
pub(super) fn td1_middle(outer: &[Line]) -> Option<Zone> {
    let mut zone = make_zone(outer.to_vec(), TD1_CHARS)?;
    let [upper, lower] = zone.lines.as_slice() else {
        return None;
    };
    let half = (lower.mid_t() - upper.mid_t()) / 2.0;
    let middle = Line {
        top: (upper.top.0 + half, upper.top.1),
        bottom: (upper.bottom.0 + half, upper.bottom.1),
        glyphs: 0,
        ..upper.clone()
    };
    zone.lines.insert(1, middle);
    zone.score = 2.0 * 10.0 - CARRIED_PENALTY - PROPOSED_PENALTY;
    zone.carried = true;
    Some(zone)
}

/// `zone` (two lines) with a third line repeated a line spacing below its
/// lower line (`below`) or above its upper one.
fn with_line(zone: &Zone, below: bool) -> Option<Zone> {
    let [upper, lower] = zone.lines.as_slice() else {
        return None;
    };
    let spacing = lower.mid_t() - upper.mid_t();
    if spacing <= 0.0 {
        return None;
    }
    let (model, shift) = if below {
        (lower, spacing)
    } else {
        (upper, -spacing)
    };
    let proposed = Line {
        top: (model.top.0 + shift, model.top.1),
        bottom: (model.bottom.0 + shift, model.bottom.1),
        glyphs: 0,
        ..model.clone()
    };
    let lines = if below {
        vec![upper.clone(), lower.clone(), proposed]
    } else {
        vec![proposed, upper.clone(), lower.clone()]
    };
    Some(Zone {
        lines,
        chars: TD1_CHARS,
        score: 2.0 * 10.0 - CARRIED_PENALTY - PROPOSED_PENALTY,
        carried: true,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lines::test_line as line;
    use super::*;

    #[test]
    fn two_td1_lines_get_a_third_below_and_a_first_above() {
        let zones = td1_zones(&[line(0.0, 30, 100.0), line(0.0, 29, 125.0)]);
        assert_eq!(zones.len(), 2);
        let tops: Vec<Vec<f32>> = zones
            .iter()
            .map(|z| z.lines.iter().map(|l| l.top.0).collect())
            .collect();
        assert_eq!(tops, [vec![100.0, 125.0, 150.0], vec![75.0, 100.0, 125.0]]);
        for zone in &zones {
            assert!(zone.carried);
            assert_eq!(zone.chars, 30);
            assert!(zone.lines.iter().all(|l| l.cells == 30 && l.left == 0.0));
            assert!(zone.score < 0.0);
        }
    }

    #[test]
    fn short_lines_are_carried_on_to_30_cells_both_ways_first() {
        // 20 cells seen of each line, from x = 100.
        let zones = td1_zones(&[line(100.0, 20, 0.0), line(100.0, 20, 25.0)]);
        let mut lefts: Vec<f32> = zones.iter().map(|z| z.lines[0].left).collect();
        lefts.sort_by(f32::total_cmp);
        assert_eq!(lefts, [0.0, 0.0, 100.0, 100.0]);
        assert!(zones.iter().all(|z| z.lines.len() == 3 && z.carried));
        assert!(zones.iter().all(|z| z.score < 0.0));
    }

    #[test]
    fn a_pair_three_cells_short_is_carried_on_and_gets_a_third_line() {
        // 27 cells seen of each line: too short for `make_zone` (28–32).
        let zones = td1_zones(&[line(100.0, 27, 0.0), line(100.0, 26, 25.0)]);
        let mut lefts: Vec<f32> = zones.iter().map(|z| z.lines[0].left).collect();
        lefts.sort_by(f32::total_cmp);
        assert_eq!(lefts, [70.0, 70.0, 100.0, 100.0]);
        assert!(zones.iter().all(|z| z.lines.len() == 3 && z.chars == 30));
        assert!(zones.iter().all(|z| z.lines.iter().all(|l| l.cells == 30)));
    }

    #[test]
    fn lines_of_other_lengths_get_no_proposal() {
        assert!(td1_zones(&[line(0.0, 36, 0.0), line(0.0, 36, 25.0)]).is_empty());
        assert!(td1_zones(&[line(0.0, 12, 0.0), line(0.0, 12, 25.0)]).is_empty());
        // One line, or three: nothing to propose.
        assert!(td1_zones(&[line(0.0, 30, 0.0)]).is_empty());
        let three = [line(0.0, 30, 0.0), line(0.0, 30, 25.0), line(0.0, 30, 50.0)];
        assert!(td1_zones(&three).is_empty());
    }

    #[test]
    fn a_td1_that_lost_its_middle_line_gets_it_back_halfway() {
        let zone = td1_middle(&[line(0.0, 30, 100.0), line(0.0, 29, 150.0)]).unwrap();
        let tops: Vec<f32> = zone.lines.iter().map(|l| l.top.0).collect();
        assert_eq!(tops, [100.0, 125.0, 150.0]);
        assert_eq!(zone.lines[1].glyphs, 0);
        assert!(zone.carried && zone.chars == 30 && zone.score < 0.0);
        assert!(zone.lines.iter().all(|l| l.cells == 30 && l.left == 0.0));
        // Lines of another length make none.
        assert!(td1_middle(&[line(0.0, 36, 100.0), line(0.0, 36, 150.0)]).is_none());
    }

    #[test]
    fn lines_that_do_not_line_up_get_no_proposal() {
        // The second line starts ten cells to the right.
        assert!(td1_zones(&[line(0.0, 30, 0.0), line(100.0, 30, 25.0)]).is_empty());
    }
}
