//! From ink components to MRZ zones: the text direction, chains of
//! character-like components along it, line fits, and groups of 2–3
//! parallel lines of equal length.
//!
//! Everything here works in a rotated frame `(s, t)`: `s` along the text
//! direction, `t` across it (down), so a line of text at any angle within
//! reach is a horizontal row of components.

use super::blobs::{Blob, Blobs};
use super::missing_line;

/// Text direction is looked for within ±this many degrees.
const MAX_ANGLE_DEG: f32 = 35.0;
/// Text directions found, strongest first.
const MAX_DIRECTIONS: usize = 6;
/// Text directions searched for zones first; the others only when these
/// give no zone of a seen length. A textured table (wood grain, a woven
/// cloth) can give more components aligned along its own directions than
/// a small-print MRZ gives along the text.
pub(super) const FIRST_DIRECTIONS: usize = 3;
/// Directions tried differ by more than this.
const MIN_DIRECTION_GAP_DEG: f32 = 6.0;
/// A line needs at least this many linked components (and a text
/// direction as many aligned neighbours).
const MIN_LINE_GLYPHS: usize = 14;
/// A piece of a line (see [`join_pieces`]) needs at least this many
/// linked components.
const MIN_PIECE_GLYPHS: usize = 6;
/// Pieces of one line are joined across a gap of at most this many cells.
const MAX_JOIN_GAP_CELLS: f32 = 12.0;
/// Pieces of one line may differ in pitch by this share of it: under a
/// document tilted away along its lines the far piece's glyphs are
/// smaller (seed 16's hard 000197, a card tilted 19°: 12.2 px at the near
/// end, 10.75 px at the far one, 13.5% apart).
const MAX_JOIN_PITCH_CHANGE: f32 = 0.16;
/// A step between neighbouring glyphs of more than this many pitches is a
/// word space (see [`Line::wide_steps`]).
const WIDE_STEP: f32 = 1.25;
/// Taken off the score of a zone carried past the lines' seen ends: more
/// than any zone of seen length can score.
pub(super) const CARRIED_PENALTY: f32 = 100.0;
/// Taken off the score of a zone of two lines that agree at one end only
/// (see `ends_agree`): more than any zone of lines agreeing at both ends
/// can score, less than [`CARRIED_PENALTY`].
const ONE_END_PENALTY: f32 = 50.0;

// `Zone::is_clear` tells a penalised zone by its score's sign: each
// penalty outweighs the most a zone of three lines can score.
const _: () = assert!(ONE_END_PENALTY > 30.0 && PIECED_PENALTY > 30.0 && CARRIED_PENALTY > 30.0);

/// Cells of a seen line without a glyph of their own (a faint or merged
/// one) that still leave it an MRZ-like line ([`Line::is_mrz_like`]).
pub(super) const MAX_EMPTY_CELLS: usize = 2;

/// Taken off the score of a zone with a line joined from a short piece
/// (see [`join_pieces`]): the same as [`ONE_END_PENALTY`], so that such
/// zones come after every zone of lines seen whole whose ends agree.
const PIECED_PENALTY: f32 = ONE_END_PENALTY;

/// A component measured in the rotated frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub(crate) s0: f32,
    pub(crate) s1: f32,
    pub(crate) t0: f32,
    pub(crate) t1: f32,
    /// Centroid along `s`.
    pub(crate) sc: f32,
}

impl Glyph {
    fn height(&self) -> f32 {
        self.t1 - self.t0
    }

    fn width(&self) -> f32 {
        self.s1 - self.s0
    }

    fn tc(&self) -> f32 {
        (self.t0 + self.t1) / 2.0
    }
}

/// One fitted text line in the rotated frame.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// Left edge of cell 0 along `s`.
    pub(crate) left: f32,
    /// Cell width along `s`.
    pub(crate) pitch: f32,
    /// Cells from `left`: those seen, or the zone's length once a zone
    /// carries the line on to it.
    pub(crate) cells: usize,
    /// Cells seen, before any carrying on (see [`Line::glyphs`]).
    pub(crate) seen: usize,
    /// Cap top: `t = top.0 + top.1 · s`.
    pub(crate) top: (f32, f32),
    /// Baseline: `t = bottom.0 + bottom.1 · s`.
    pub(crate) bottom: (f32, f32),
    /// Glyphs in the line.
    pub(crate) glyphs: usize,
    /// Steps between neighbouring single glyphs of more than [`WIDE_STEP`]
    /// pitches: word spaces, which an MRZ line has none of (glyphs that blur
    /// merged, and a gap that glare left between two joined pieces, are not
    /// counted).
    pub(crate) wide_steps: usize,
    /// Whether a piece too short to be a line alone was joined into it
    /// (see [`join_pieces`]).
    pub(crate) pieced: bool,
    /// Whether it was joined from such pieces alone: the words of a line
    /// of print join so too, so such a line makes only zones whose lines
    /// agree at both ends at a length they were seen at (see
    /// [`find_zones_with`]).
    pub(crate) pieces_only: bool,
}

impl Line {
    pub(crate) fn height(&self) -> f32 {
        let mid = self.left + self.cells as f32 * self.pitch / 2.0;
        eval(self.bottom, mid) - eval(self.top, mid)
    }

    pub(super) fn mid_t(&self) -> f32 {
        self.mid_t_at(self.left + self.cells as f32 * self.pitch / 2.0)
    }

    /// Halfway between cap top and baseline at `s`.
    fn mid_t_at(&self, s: f32) -> f32 {
        (eval(self.bottom, s) + eval(self.top, s)) / 2.0
    }

    fn right(&self) -> f32 {
        self.left + self.cells as f32 * self.pitch
    }

    /// Whether the line has a glyph in all but [`MAX_EMPTY_CELLS`] of the
    /// cells it was seen over and at most one step as wide as a word space:
    /// an MRZ line fills every cell at an even pitch (fillers included),
    /// running text leaves spaces between its words.
    pub(crate) fn is_mrz_like(&self) -> bool {
        self.glyphs + MAX_EMPTY_CELLS >= self.seen && self.wide_steps <= 1
    }
}

/// An MRZ candidate in the rotated frame: its lines, top first, and the
/// character count they fit.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    pub(crate) lines: Vec<Line>,
    pub(crate) chars: usize,
    pub(crate) score: f32,
    /// Whether the lines were carried on past their seen ends to reach
    /// `chars` (see `make_zones`).
    pub(crate) carried: bool,
}

impl Zone {
    /// Whether it was seen whole: every line seen (a zone with a proposed
    /// line is carried), at the zone's length, with their ends agreeing and
    /// none joined from a piece. Every penalty for less
    /// ([`CARRIED_PENALTY`], [`ONE_END_PENALTY`], [`PIECED_PENALTY`]) is
    /// more than such a zone scores (10 a line, less 0.1 a missing or
    /// excess cell).
    pub(crate) fn is_clear(&self) -> bool {
        !self.carried && self.score > 0.0
    }

    /// Whether a line of it was proposed, not seen (no glyph; see
    /// `missing_line`).
    pub(crate) fn has_proposed_line(&self) -> bool {
        self.lines.iter().any(|l| l.glyphs == 0)
    }
}

/// The rotated frame: unit vector along the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub(crate) cos: f32,
    pub(crate) sin: f32,
}

impl Frame {
    /// Image point → (s, t).
    pub(crate) fn to_st(self, x: f32, y: f32) -> (f32, f32) {
        (x * self.cos + y * self.sin, -x * self.sin + y * self.cos)
    }

    /// (s, t) → image point.
    pub(crate) fn to_xy(self, s: f32, t: f32) -> (f32, f32) {
        (s * self.cos - t * self.sin, s * self.sin + t * self.cos)
    }
}

/// The dominant text directions of `blobs`, strongest first, from the
/// direction to each component's nearest neighbour of similar size; empty
/// with too few.
pub(crate) fn text_directions(blobs: &[Blob]) -> Vec<Frame> {
    if blobs.len() < MIN_LINE_GLYPHS {
        return Vec::new();
    }
    let cell = 32.0f32;
    let index = SpatialIndex::new(blobs.iter().map(|b| (b.cx, b.cy)), cell);
    let mut histogram = [0f32; 181];
    let mut angles = Vec::with_capacity(blobs.len());
    for (i, b) in blobs.iter().enumerate() {
        let h = b.height() as f32;
        let reach = 2.5 * h;
        let mut best: Option<(f32, f32, f32)> = None;
        index.visit(
            b.cx - reach,
            b.cy - reach,
            b.cx + reach,
            b.cy + reach,
            |j| {
                if j == i {
                    return;
                }
                let o = &blobs[j];
                let ratio = o.height() as f32 / h;
                if !(0.5..=2.0).contains(&ratio) {
                    return;
                }
                let (dx, dy) = (o.cx - b.cx, o.cy - b.cy);
                let d2 = dx * dx + dy * dy;
                if d2 < reach * reach && best.is_none_or(|(bd, _, _)| d2 < bd) {
                    best = Some((d2, dx, dy));
                }
            },
        );
        if let Some((_, dx, dy)) = best {
            let mut a = dy.atan2(dx).to_degrees();
            if a <= -90.0 {
                a += 180.0;
            } else if a > 90.0 {
                a -= 180.0;
            }
            if a.abs() <= MAX_ANGLE_DEG + 3.0 {
                histogram[(a + 90.0).round().clamp(0.0, 180.0) as usize] += 1.0;
                angles.push(a);
            }
        }
    }
    let lo = (90.0 - MAX_ANGLE_DEG) as usize;
    let hi = (90.0 + MAX_ANGLE_DEG) as usize;
    let smoothed: Vec<f32> = (0..histogram.len())
        .map(|a| {
            if (lo..=hi).contains(&a) {
                histogram[a - 2..=a + 2].iter().sum()
            } else {
                0.0
            }
        })
        .collect();
    // The strongest directions, a few degrees apart: text is usually the
    // strongest, but a textured table (wood grain) can beat it.
    let mut frames = Vec::new();
    let mut taken: Vec<f32> = Vec::new();
    while frames.len() < MAX_DIRECTIONS {
        let Some(peak) = (lo..=hi)
            .filter(|&a| {
                taken
                    .iter()
                    .all(|&t| (a as f32 - 90.0 - t).abs() > MIN_DIRECTION_GAP_DEG)
            })
            .max_by(|&a, &b| smoothed[a].total_cmp(&smoothed[b]))
        else {
            break;
        };
        let peak = peak as f32 - 90.0;
        taken.push(peak);
        let near: Vec<f32> = angles
            .iter()
            .copied()
            .filter(|a| (a - peak).abs() <= 3.0)
            .collect();
        if near.len() < MIN_LINE_GLYPHS {
            break;
        }
        let angle = (near.iter().sum::<f32>() / near.len() as f32).to_radians();
        frames.push(Frame {
            cos: angle.cos(),
            sin: angle.sin(),
        });
    }
    frames
}

/// Measures each component along `frame` from its runs.
pub(crate) fn measure(blobs: &Blobs, frame: Frame) -> Vec<Glyph> {
    blobs
        .blobs
        .iter()
        .map(|b| {
            let (mut s0, mut s1, mut t0, mut t1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
            for &r in &b.runs {
                let run = blobs.runs[r as usize];
                let (y, xa, xb) = (run.y as f32, run.x0 as f32, run.x1 as f32);
                for (x, yy) in [(xa, y), (xb, y), (xa, y + 1.0), (xb, y + 1.0)] {
                    let (s, t) = frame.to_st(x, yy);
                    s0 = s0.min(s);
                    s1 = s1.max(s);
                    t0 = t0.min(t);
                    t1 = t1.max(t);
                }
            }
            let (sc, _) = frame.to_st(b.cx, b.cy);
            Glyph { s0, s1, t0, t1, sc }
        })
        .collect()
}

/// Links glyphs into chains of left-to-right neighbours and fits a line to
/// each long chain; also gives the pieces, chains too short to be a line
/// (see [`join_pieces`] and [`td1_of_pieces`]).
pub(crate) fn find_lines(glyphs: &[Glyph]) -> (Vec<Line>, Vec<Line>) {
    let n = glyphs.len();
    let cell = 32.0f32;
    let index = SpatialIndex::new(glyphs.iter().map(|g| (g.sc, g.tc())), cell);
    let mut right: Vec<Option<(usize, f32)>> = vec![None; n];
    for (i, g) in glyphs.iter().enumerate() {
        let h = g.height();
        index.visit(g.s1 - h, g.t0 - h, g.s1 + 2.0 * h, g.t1 + h, |j| {
            if j == i {
                return;
            }
            if let Some(cost) = link_cost(g, &glyphs[j])
                && right[i].is_none_or(|(_, c)| cost < c)
            {
                right[i] = Some((j, cost));
            }
        });
    }
    let mut left: Vec<Option<(usize, f32)>> = vec![None; n];
    for (i, r) in right.iter().enumerate() {
        if let Some((j, cost)) = *r
            && left[j].is_none_or(|(_, c)| cost < c)
        {
            left[j] = Some((i, cost));
        }
    }

    let (mut lines, mut pieces) = (Vec::new(), Vec::new());
    for start in 0..n {
        // A chain starts where no mutual left link arrives.
        let has_left = left[start].is_some_and(|(i, _)| right[i].is_some_and(|(j, _)| j == start));
        if has_left {
            continue;
        }
        let mut chain = vec![start];
        let mut at = start;
        while let Some((j, _)) = right[at] {
            if left[j].is_none_or(|(i, _)| i != at) || chain.len() > 200 {
                break;
            }
            chain.push(j);
            at = j;
        }
        if chain.len() >= MIN_PIECE_GLYPHS {
            let members: Vec<Glyph> = chain.iter().map(|&k| glyphs[k]).collect();
            let whole = chain.len() >= MIN_LINE_GLYPHS;
            let min_steps = if whole {
                MIN_LINE_GLYPHS / 2
            } else {
                MIN_PIECE_GLYPHS - 1
            };
            if let Some(line) = fit_line(&members, min_steps) {
                if whole {
                    lines.push(line);
                } else {
                    pieces.push(line);
                }
            }
        }
    }
    let lines = join_pieces(lines, pieces.clone());
    (lines, pieces)
}

/// Adds the joins of pieces of one text line (split where glare or a
/// smudge took a few glyphs): same pitch and height, on one line, the
/// second starting within [`MAX_JOIN_GAP_CELLS`] of the first's end. A join
/// holds at least one of `lines`, or as many glyphs as one
/// ([`MIN_LINE_GLYPHS`]): `short` pieces are too few glyphs to be a line
/// alone (what glare left of a line's end, or of both halves of a line
/// whose middle it took, as on seed 6's hard 000008). The
/// pieces of `lines` stay too: a whole MRZ line next to other print must
/// not be lost to a join with it. Each join keeps the cap top and baseline
/// of its piece with the most glyphs. A join that holds a short piece is
/// `pieced`: rows of a textured photo break into such pieces too, so its
/// zones come after every zone of whole lines (see `make_zone`).
fn join_pieces(mut lines: Vec<Line>, short: Vec<Line>) -> Vec<Line> {
    let mut pieces: Vec<(Line, bool)> = lines.iter().map(|l| (l.clone(), true)).collect();
    pieces.extend(short.into_iter().map(|l| (l, false)));
    pieces.sort_by(|a, b| a.0.left.total_cmp(&b.0.left));
    let mut joined: Vec<Line> = Vec::new();
    for (i, (a, whole)) in pieces.iter().enumerate() {
        let mut line = Line {
            pieced: !*whole,
            ..a.clone()
        };
        let (mut grew, mut holds_whole, mut most) = (false, *whole, a.glyphs);
        for (b, b_whole) in &pieces[i + 1..] {
            let gap = (b.left - line.right()) / line.pitch;
            let same_pitch = (line.pitch / b.pitch - 1.0).abs() < MAX_JOIN_PITCH_CHANGE;
            // Glare that washes out the tops of a piece's glyphs leaves it
            // measured a fifth shorter or more (seed 17's hard 000008: 21%).
            let same_height = (line.height() / b.height() - 1.0).abs() < 0.3;
            let on_line =
                (eval(line.top, b.left) - eval(b.top, b.left)).abs() < 0.3 * line.height();
            if same_pitch && same_height && on_line && (-1.0..=MAX_JOIN_GAP_CELLS).contains(&gap) {
                let right = b.right();
                let (pa, pb) = (line.glyphs as f32, b.glyphs as f32);
                line.pitch = (line.pitch * pa + b.pitch * pb) / (pa + pb);
                line.cells = ((right - line.left) / line.pitch).round().max(1.0) as usize;
                line.seen = line.cells;
                line.glyphs += b.glyphs;
                line.wide_steps += b.wide_steps;
                if b.glyphs > most {
                    (line.top, line.bottom, most) = (b.top, b.bottom, b.glyphs);
                }
                grew = true;
                holds_whole |= *b_whole;
                line.pieced |= !*b_whole;
            }
        }
        if grew && (holds_whole || line.glyphs >= MIN_LINE_GLYPHS) {
            line.pieces_only = !holds_whole;
            joined.push(line);
        }
    }
    lines.extend(joined);
    lines
}

/// Groups lines into MRZ zones: 2 or 3 parallel lines of the same pitch,
/// height and extent at a regular spacing. Best first.
#[cfg(test)]
pub(crate) fn find_zones(lines: &[Line]) -> Vec<Zone> {
    find_zones_with(lines, &[])
}

/// [`find_zones`], with `pieces` (chains too short to be lines) making TD1
/// zones with a line seen whole (see [`td1_of_pieces`]).
pub(crate) fn find_zones_with(lines: &[Line], pieces: &[Line]) -> Vec<Zone> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| lines[a].mid_t().total_cmp(&lines[b].mid_t()));
    // Whether `b` can be the line below `a`: `Some(true)` with both ends
    // agreeing, `Some(false)` with one. The least spacing is measured in
    // the lower line height: a fit that took in noise or a merged mark
    // makes a line taller than its glyphs.
    let fits = |a: &Line, b: &Line| -> Option<bool> {
        let pitch = a.pitch.max(b.pitch);
        let (low, height) = (a.height().min(b.height()), a.height().max(b.height()));
        let gap = spacing(a, b);
        let alike = same_size(a, b) && gap > 1.2 * low && gap < 3.0 * height;
        let (left, right) = ends_agree(a, b, 3.0 * pitch);
        (alike && (left || right)).then_some(left && right)
    };

    // Whether `a` and `b` can be a TD1's first and last lines: MRZ-like
    // (running text leaves spaces between its words), two line spacings
    // apart, both ends agreeing (see `missing_line`).
    let is_outer_pair = |a: &Line, b: &Line| -> bool {
        let (low, height) = (a.height().min(b.height()), a.height().max(b.height()));
        let gap = spacing(a, b);
        a.is_mrz_like()
            && b.is_mrz_like()
            && same_size(a, b)
            && gap > 2.0 * 1.2 * low
            && gap < 2.0 * 3.0 * height
            && ends_agree(a, b, 3.0 * a.pitch.max(b.pitch)) == (true, true)
    };

    let mut zones = Vec::new();
    for &i in &order {
        // Every other line, not only those after it in `order`: text
        // sloping across the frame can sort a line seen over its far end
        // only after the line below it (`spacing` tells which is below).
        for &j in order.iter().filter(|&&j| j != i) {
            let pieces_only = lines[i].pieces_only || lines[j].pieces_only;
            if !pieces_only && is_outer_pair(&lines[i], &lines[j]) {
                let pair = [lines[i].clone(), lines[j].clone()];
                zones.extend(missing_line::td1_middle(&pair));
            }
            let Some(both_ends) = fits(&lines[i], &lines[j]) else {
                continue;
            };
            if pieces_only {
                // Words of print joined into lines: only zones as seen.
                let mut members = vec![lines[i].clone(), lines[j].clone()];
                if both_ends {
                    zones.extend(make_zones(&members).into_iter().filter(|z| !z.carried));
                    if let Some(k) = third_line(lines, &order, i, j, &fits) {
                        members.push(lines[k].clone());
                        zones.extend(make_zones(&members).into_iter().filter(|z| !z.carried));
                    }
                }
                continue;
            }
            let mut members = vec![lines[i].clone(), lines[j].clone()];
            if !both_ends {
                // Rows of a texture (a photo's print pattern) often agree
                // at one end: such a pair comes after every pair whose
                // ends both agree, and makes no TD1.
                zones.extend(
                    make_zones(&members)
                        .into_iter()
                        .filter(|z| !z.has_proposed_line())
                        .map(|mut z| {
                            z.score -= ONE_END_PENALTY;
                            z
                        }),
                );
                zones.extend(one_end_td1(lines, &order, i, j));
                continue;
            }
            let third = third_line(lines, &order, i, j, &fits);
            zones.extend(make_zones(&members));
            // A third line makes a TD1; if the three fit none, the pair
            // above still stands. A third joined from pieces alone makes
            // only a zone as seen, as such a pair does.
            if let Some(k) = third {
                members.push(lines[k].clone());
                let as_seen = lines[k].pieces_only;
                zones.extend(
                    make_zones(&members)
                        .into_iter()
                        .filter(|z| !(as_seen && z.carried)),
                );
            }
        }
    }
    zones.extend(td1_of_pieces(lines, pieces));
    zones.sort_by(|a, b| b.score.total_cmp(&a.score));
    // Drop zones that share a line with a better one. Carried zones are all
    // kept: they are tried only after every zone of a seen length, and the
    // one that carries a seen 36-cell zone on to 44 shares its lines.
    let mut kept: Vec<Zone> = Vec::new();
    for z in zones {
        let shares_line = |k: &Zone| {
            k.lines.iter().any(|a| {
                z.lines.iter().any(|b| {
                    (a.mid_t() - b.mid_t()).abs() < 0.5 * a.height()
                        && (a.left - b.left).abs() < 4.0 * a.pitch
                })
            })
        };
        if z.carried || !kept.iter().any(shares_line) {
            kept.push(z);
        }
    }
    kept
}

/// A line below `lines[j]` (itself below `lines[i]`) agreeing with it at
/// both ends, at the same spacing: a TD1's third line.
fn third_line(
    lines: &[Line],
    order: &[usize],
    i: usize,
    j: usize,
    fits: &impl Fn(&Line, &Line) -> Option<bool>,
) -> Option<usize> {
    let gap = spacing(&lines[i], &lines[j]);
    order.iter().copied().find(|&k| {
        let g = spacing(&lines[j], &lines[k]);
        k != i && k != j && fits(&lines[j], &lines[k]) == Some(true) && (g / gap - 1.0).abs() < 0.15
    })
}

/// The TD1 zones of `lines[i]`, `lines[j]` (the line below it, agreeing at
/// one end only) and a third line below `j` at the same spacing: a TD1
/// whose lines glare cut short at one end. Unlike rows of a texture, the
/// three are MRZ-like lines seen whole (none joined from pieces), agree at
/// the same end within a pitch, and one was seen at a TD1's length; scored
/// as a pair agreeing at one end is. Seed 10's hard 000140, an upside-down
/// TD1 whose lines glare cut to 30, 25 and 26 cells, had no zone without.
fn one_end_td1(lines: &[Line], order: &[usize], i: usize, j: usize) -> Vec<Zone> {
    let (a, b) = (&lines[i], &lines[j]);
    let end = |a: &Line, b: &Line| ends_agree(a, b, a.pitch.max(b.pitch));
    let first = end(a, b);
    let seen_whole = |l: &Line| l.is_mrz_like() && !l.pieced;
    if first == (false, false) || !seen_whole(a) || !seen_whole(b) {
        return Vec::new();
    }
    let gap = spacing(a, b);
    let Some(k) = order.iter().copied().find(|&k| {
        let c = &lines[k];
        k != i
            && k != j
            && seen_whole(c)
            && same_size(b, c)
            && end(b, c) == first
            && (spacing(b, c) / gap - 1.0).abs() < 0.15
    }) else {
        return Vec::new();
    };
    let members = [a.clone(), b.clone(), lines[k].clone()];
    if !members.iter().any(|l| (27..=33).contains(&l.cells)) {
        return Vec::new();
    }
    make_zones(&members)
        .into_iter()
        .filter(|z| !z.carried)
        .map(|mut z| {
            z.score -= ONE_END_PENALTY;
            z
        })
        .collect()
}

/// The TD1 zones of a line seen whole at a TD1's length and two pieces
/// (chains too short to be lines) at an even spacing with it, all three
/// agreeing at one end within a pitch: a TD1 whose other two lines glare
/// broke up (seed 18's hard 000068: a 30-cell line over pieces of 12 and
/// 11 glyphs, the rest of their lines under the glare). Carried, as the
/// pieces' lines are carried on to the zone's length, and scored as a pair
/// agreeing at one end is, less the pieces' penalty.
fn td1_of_pieces(lines: &[Line], pieces: &[Line]) -> Vec<Zone> {
    let piece = |p: &Line| Line {
        pieced: true,
        ..p.clone()
    };
    let mut zones = Vec::new();
    for line in lines {
        if line.pieced || !line.is_mrz_like() || !(27..=33).contains(&line.cells) {
            continue;
        }
        let pitch = line.pitch;
        // The pieces that agree with it at one end, each with how far
        // below it (above when negative) it lies.
        for end in [(true, false), (false, true)] {
            let near: Vec<(&Line, f32)> = pieces
                .iter()
                .filter(|p| same_size(line, p) && ends_agree(line, p, pitch) == end)
                .map(|p| (p, spacing(line, p)))
                .filter(|&(p, gap)| {
                    let (low, high) =
                        (line.height().min(p.height()), line.height().max(p.height()));
                    gap.abs() > 1.2 * low && gap.abs() < 2.0 * 3.0 * high
                })
                .collect();
            for (a, ga) in &near {
                for (b, gb) in near.iter().filter(|(_, gb)| gb > ga) {
                    // Top first, by where each lies against the whole line
                    // (their own middles differ along a sloping line).
                    let mut members = [(0.0, line.clone()), (*ga, piece(a)), (*gb, piece(b))];
                    members.sort_by(|x, y| x.0.total_cmp(&y.0));
                    // Evenly spaced, whichever of them is the line seen
                    // whole.
                    let (upper, lower) = (members[1].0 - members[0].0, members[2].0 - members[1].0);
                    if (lower / upper - 1.0).abs() > 0.15 {
                        continue;
                    }
                    let members = members.into_iter().map(|(_, l)| l).collect();
                    // Carried: the pieces' lines go on past their seen
                    // ends to the zone's length.
                    zones.extend(make_zone(members, 30).map(|mut z| {
                        z.score -= ONE_END_PENALTY;
                        z.carried = true;
                        z
                    }));
                }
            }
        }
    }
    zones
}

/// The zones a group of lines can make: one per MRZ line length that one
/// of the lines was seen at (a line can run on into print beside the zone,
/// or lose glyphs at an end), with the lines' ends made to agree; and, for
/// each longer length no zone was made at, the zones that carry the lines
/// on past their right end or before their left end (glare can wash out
/// the same end of every line); and, for two lines of about 30 cells, the
/// TD1 zones with the third line proposed (`missing_line`).
fn make_zones(lines: &[Line]) -> Vec<Zone> {
    let mut counts: Vec<usize> = lines
        .iter()
        .filter_map(|l| match (lines.len(), l.cells) {
            (3, 27..=33) => Some(30),
            (2, 34..=39) => Some(36),
            (2, 40..=48) => Some(44),
            _ => None,
        })
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let made: Vec<Zone> = counts
        .into_iter()
        .filter_map(|chars| make_zone(lines.to_vec(), chars))
        .collect();
    // A length no zone was made at is carried on to, also when a line was
    // seen near it but too far off for `make_zone` (27 cells of a TD1's 30).
    let lengths: &[usize] = if lines.len() == 3 { &[30] } else { &[36, 44] };
    let seen = lines.iter().map(|l| l.cells).max().unwrap_or(0);
    let carried: Vec<Zone> = lengths
        .iter()
        .copied()
        .filter(|&chars| {
            seen + 2 < chars && 2 * seen >= chars && !made.iter().any(|z| z.chars == chars)
        })
        .flat_map(|chars| {
            [false, true]
                .into_iter()
                .filter_map(move |from_right| carry_on(lines.to_vec(), chars, from_right))
        })
        .collect();
    made.into_iter()
        .chain(carried)
        .chain(missing_line::td1_zones(lines))
        .collect()
}

/// How far `b` lies below `a`, measured at the middle of their joint
/// extent: text sloping across the frame would put two pieces of one line,
/// each measured at its own middle, a line spacing apart.
fn spacing(a: &Line, b: &Line) -> f32 {
    let s = (a.left.min(b.left) + a.right().max(b.right())) / 2.0;
    b.mid_t_at(s) - a.mid_t_at(s)
}

/// Whether `a` and `b` have the pitch and glyph height of lines of one
/// zone.
fn same_size(a: &Line, b: &Line) -> bool {
    (a.pitch / b.pitch - 1.0).abs() < 0.12 && (a.height() / b.height() - 1.0).abs() < 0.25
}

/// Whether the left ends and the right ends of `a` and `b` lie within
/// `slack` of each other. One end is enough for lines of one zone: glare or
/// a smudge can wash out an end of a line, and a line can run on into
/// print beside the zone, each by a different amount in each line, while
/// the other end still agrees. Whether the lines make a zone of some
/// length is `make_zone`'s and `carry_on`'s to judge.
fn ends_agree(a: &Line, b: &Line, slack: f32) -> (bool, bool) {
    (
        (a.left - b.left).abs() < slack,
        (a.right() - b.right()).abs() < slack,
    )
}

/// `lines`, none seen at `chars` cells and each with a glyph in (nearly)
/// every cell it spans, as a zone of `chars` cells that keeps the longest
/// line's left end (or with `from_right`, its right end)
/// and carries every line on to the other end. Scored below every zone
/// whose length was seen (so it never displaces one), and the 36-cell
/// zones below the 44-cell ones: the first 36 cells of a 44-cell line
/// whose end is lost can pass for a whole 2×36 line.
pub(super) fn carry_on(mut lines: Vec<Line>, chars: usize, from_right: bool) -> Option<Zone> {
    let longest = lines.iter().max_by_key(|l| l.cells)?;
    let left = if from_right {
        longest.right() - chars as f32 * longest.pitch
    } else {
        longest.left
    };
    let mut missing = 0;
    for line in &mut lines {
        // An MRZ line has a glyph in every cell (fillers included); running
        // text has spaces. Only a line seen whole up to its lost end is
        // carried on.
        if line.glyphs + 1 < line.cells {
            return None;
        }
        let shift = ((left - line.left) / line.pitch).round();
        // The line's seen cells must lie inside the zone.
        let start = -shift;
        if start < -1.0 || start + line.cells as f32 > chars as f32 + 1.0 {
            return None;
        }
        missing += chars.saturating_sub(line.glyphs);
        line.left += shift * line.pitch;
        line.cells = chars;
    }
    let shorter = if chars < 44 { 1.0 } else { 0.0 };
    let score = lines.len() as f32 * 10.0 - CARRIED_PENALTY - shorter - missing as f32 * 0.01;
    Some(Zone {
        lines,
        chars,
        score,
        carried: true,
    })
}

/// `lines` as a zone of `chars` characters; `None` when no line was seen
/// within two cells of that length or a line does not line up with it.
pub(super) fn make_zone(mut lines: Vec<Line>, chars: usize) -> Option<Zone> {
    // Placed by the line seen closest to whole (a line can be one cell
    // short when its last glyph is faint).
    let whole = lines
        .iter()
        .min_by_key(|l| l.cells.abs_diff(chars))
        .filter(|l| l.cells.abs_diff(chars) <= 2)?;
    let (left, whole_pitch) = (whole.left, whole.pitch);
    let mut excess = 0;
    for line in &mut lines {
        let shift = ((left - line.left) / line.pitch).round();
        if shift.abs() > (chars as f32 - line.cells as f32).abs() + 1.0 {
            return None;
        }
        if line.cells != chars {
            excess += line.cells.saturating_sub(chars);
            line.left += shift * line.pitch;
            if line.cells.abs_diff(chars) > 2 {
                // A line seen over part of the zone (glare took an end)
                // measured its pitch there only; under perspective that
                // is off for the whole line, by up to a cell at its far
                // end. It takes the pitch of the line seen (nearly) whole.
                line.pitch = whole_pitch;
            }
            line.cells = chars;
        }
    }
    let missing: usize = lines.iter().map(|l| chars.saturating_sub(l.glyphs)).sum();
    let pieced = if lines.iter().any(|l| l.pieced) {
        PIECED_PENALTY
    } else {
        0.0
    };
    let score = lines.len() as f32 * 10.0 - (missing + excess) as f32 * 0.1 - pieced;
    Some(Zone {
        lines,
        chars,
        score,
        carried: false,
    })
}

/// Whether `b` can follow `a` in a text line, and at what cost.
fn link_cost(a: &Glyph, b: &Glyph) -> Option<f32> {
    let h = a.height().max(b.height());
    let gap = b.s0 - a.s1;
    if gap < -0.15 * h || gap > 1.0 * h || b.sc <= a.sc {
        return None;
    }
    if a.height().min(b.height()) < 0.3 * h {
        return None;
    }
    let dt = (b.tc() - a.tc()).abs();
    if dt > 0.3 * h {
        return None;
    }
    let overlap = a.t1.min(b.t1) - a.t0.max(b.t0);
    if overlap < 0.5 * a.height().min(b.height()) {
        return None;
    }
    Some(gap.max(0.0) + 2.0 * dt)
}

/// Fits cap top, baseline, pitch and cells to one chain of glyphs.
fn fit_line(glyphs: &[Glyph], min_steps: usize) -> Option<Line> {
    let mut heights: Vec<f32> = glyphs.iter().map(Glyph::height).collect();
    heights.sort_by(f32::total_cmp);
    let cap = heights[heights.len() * 3 / 4];
    let single: Vec<bool> = glyphs.iter().map(|g| g.width() < 1.1 * cap).collect();

    // Pitch: the median step between neighbouring single glyphs.
    let mut steps: Vec<f32> = glyphs
        .windows(2)
        .zip(single.windows(2))
        .filter(|(_, s)| s[0] && s[1])
        .map(|(g, _)| g[1].sc - g[0].sc)
        .collect();
    if steps.len() < min_steps {
        return None;
    }
    steps.sort_by(f32::total_cmp);
    let rough = steps[steps.len() / 2];
    if !(0.6 * cap..=1.6 * cap).contains(&rough) {
        return None;
    }
    // Regular spacing is what sets an MRZ apart from running text.
    let regular = steps
        .iter()
        .filter(|&&d| (d / rough - 1.0).abs() < 0.25)
        .count();
    let wide_steps = steps.iter().filter(|&&d| d > WIDE_STEP * rough).count();
    if (regular as f32) < 0.75 * steps.len() as f32 {
        return None;
    }

    // Cell index of each single glyph, then least squares sc = a + b·k.
    let first = glyphs[0].sc;
    let (mut n, mut sk, mut ss, mut skk, mut sks) = (0f32, 0f32, 0f32, 0f32, 0f32);
    for (g, _) in glyphs.iter().zip(&single).filter(|(_, s)| **s) {
        let k = ((g.sc - first) / rough).round();
        n += 1.0;
        sk += k;
        ss += g.sc;
        skk += k * k;
        sks += k * g.sc;
    }
    let det = n * skk - sk * sk;
    if det <= 0.0 {
        return None;
    }
    let pitch = (n * sks - sk * ss) / det;
    let a = (ss - pitch * sk) / n;
    let left = a - pitch / 2.0;
    let last = glyphs.last()?;
    let cells = ((last.s1 - left) / pitch + 0.25).floor().max(1.0) as usize;

    let tall: Vec<&Glyph> = glyphs.iter().filter(|g| g.height() > 0.85 * cap).collect();
    let top = fit_affine(tall.iter().map(|g| ((g.s0 + g.s1) / 2.0, g.t0)))?;
    let bottom = fit_affine(tall.iter().map(|g| ((g.s0 + g.s1) / 2.0, g.t1)))?;
    Some(Line {
        left,
        pitch,
        cells,
        seen: cells,
        top,
        bottom,
        glyphs: glyphs.len(),
        wide_steps,
        pieced: false,
        pieces_only: false,
    })
}

/// Least squares `v = a + b·u`; `None` for fewer than two points or all
/// at one `u`.
pub(crate) fn fit_affine(points: impl Iterator<Item = (f32, f32)>) -> Option<(f32, f32)> {
    let (mut n, mut su, mut sv, mut suu, mut suv) = (0f64, 0f64, 0f64, 0f64, 0f64);
    for (u, v) in points {
        let (u, v) = (f64::from(u), f64::from(v));
        n += 1.0;
        su += u;
        sv += v;
        suu += u * u;
        suv += u * v;
    }
    let det = n * suu - su * su;
    if n < 2.0 || det.abs() < 1e-9 {
        return None;
    }
    let b = (n * suv - su * sv) / det;
    let a = (sv - b * su) / n;
    Some((a as f32, b as f32))
}

fn eval(line: (f32, f32), s: f32) -> f32 {
    line.0 + line.1 * s
}

/// Points bucketed on a square grid for neighbourhood queries.
struct SpatialIndex {
    cell: f32,
    origin: (f32, f32),
    cols: usize,
    rows: usize,
    /// Start of each bucket in `items`, plus one end.
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl SpatialIndex {
    fn new(points: impl Iterator<Item = (f32, f32)> + Clone, cell: f32) -> Self {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for (x, y) in points.clone() {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let cols = ((x1 - x0) / cell) as usize + 1;
        let rows = ((y1 - y0) / cell) as usize + 1;
        let bucket = |x: f32, y: f32| {
            let c = (((x - x0) / cell) as usize).min(cols - 1);
            let r = (((y - y0) / cell) as usize).min(rows - 1);
            r * cols + c
        };
        let mut counts = vec![0u32; cols * rows + 1];
        for (x, y) in points.clone() {
            counts[bucket(x, y) + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut items = vec![0u32; counts[cols * rows] as usize];
        for (i, (x, y)) in points.enumerate() {
            let b = bucket(x, y);
            items[fill[b] as usize] = i as u32;
            fill[b] += 1;
        }
        Self {
            cell,
            origin: (x0, y0),
            cols,
            rows,
            starts: counts,
            items,
        }
    }

    /// Calls `f` with every point index in buckets touching the box.
    fn visit(&self, xa: f32, ya: f32, xb: f32, yb: f32, mut f: impl FnMut(usize)) {
        let col = |x: f32| (((x - self.origin.0) / self.cell).max(0.0) as usize).min(self.cols - 1);
        let row = |y: f32| (((y - self.origin.1) / self.cell).max(0.0) as usize).min(self.rows - 1);
        for r in row(ya)..=row(yb) {
            for c in col(xa)..=col(xb) {
                let b = r * self.cols + c;
                for &i in &self.items[self.starts[b] as usize..self.starts[b + 1] as usize] {
                    f(i as usize);
                }
            }
        }
    }
}

/// A fitted line of `cells` cells of pitch 10 from `left`, cap top at
/// `top`, 14 high: for this module's tests and its siblings'.
#[cfg(test)]
pub(super) fn test_line(left: f32, cells: usize, top: f32) -> Line {
    Line {
        left,
        pitch: 10.0,
        cells,
        seen: cells,
        top: (top, 0.0),
        bottom: (top + 14.0, 0.0),
        glyphs: cells,
        wide_steps: 0,
        pieced: false,
        pieces_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::test_line as line;
    use super::*;

    #[test]
    fn a_line_running_on_into_print_beside_the_zone_still_makes_one() {
        // Line 2 picked up four marks right of the zone.
        let zones = make_zones(&[line(0.0, 36, 0.0), line(0.0, 40, 25.0)]);
        let zone = zones
            .iter()
            .find(|z| z.chars == 36)
            .expect("a 36-character zone");
        assert!(zone.lines.iter().all(|l| l.cells == 36 && l.left == 0.0));
        // The 44-character reading of the same lines scores lower.
        assert!(zones.iter().all(|z| z.chars == 36 || z.score < zone.score));
    }

    #[test]
    fn a_seen_36_cell_zone_keeps_its_carried_44_cell_zones() {
        // A TD3 whose last eight cells glare washed out on both lines.
        let zones = find_zones(&[line(0.0, 36, 0.0), line(0.0, 36, 25.0)]);
        assert!(zones[0].chars == 36 && !zones[0].carried);
        let mut carried: Vec<f32> = zones
            .iter()
            .filter(|z| z.carried && z.chars == 44)
            .map(|z| z.lines[0].left)
            .collect();
        carried.sort_by(f32::total_cmp);
        assert_eq!(carried, [-80.0, 0.0], "carried on rightwards and leftwards");
    }

    #[test]
    fn lines_seen_too_far_from_a_length_to_make_it_are_carried_on_to_it() {
        // A TD1 whose three lines each lost three cells, and a TD3 whose
        // two lost four: `make_zone` takes neither.
        let td1 = make_zones(&[line(0.0, 27, 0.0), line(0.0, 27, 25.0), line(0.0, 27, 50.0)]);
        assert!(!td1.is_empty());
        assert!(td1.iter().all(|z| z.carried && z.chars == 30));
        let td3 = make_zones(&[line(0.0, 40, 0.0), line(0.0, 40, 25.0)]);
        assert!(td3.iter().any(|z| z.carried && z.chars == 44));
    }

    #[test]
    fn lines_each_a_cell_short_still_make_a_zone() {
        let zones = make_zones(&[line(5.0, 43, 0.0), line(5.0, 43, 25.0)]);
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].chars, 44);
        assert!(zones[0].lines.iter().all(|l| l.cells == 44));
    }

    #[test]
    fn pieces_of_a_line_split_by_glare_are_joined() {
        // "IRUZBZOUNDGRIARS<<", two cells lost to glare, then the rest.
        let joined = join_pieces(vec![line(200.0, 16, 0.5), line(0.0, 18, 0.0)], Vec::new());
        assert_eq!(joined.len(), 3, "both pieces and their join");
        let whole = &joined[2];
        assert_eq!((whole.left, whole.cells, whole.glyphs), (0.0, 36, 34));
        // A line below, or far to the right, is not joined.
        let apart = join_pieces(vec![line(0.0, 18, 0.0), line(190.0, 16, 25.0)], Vec::new());
        assert_eq!(apart.len(), 2);
        let far = join_pieces(vec![line(0.0, 18, 0.0), line(400.0, 16, 0.0)], Vec::new());
        assert_eq!(far.len(), 2);
    }

    #[test]
    fn pieces_of_a_line_tilted_away_are_joined() {
        // The far piece's pitch 13.5% under the near one's.
        let far = Line {
            pitch: 8.65,
            ..line(200.0, 14, 0.5)
        };
        let joined = join_pieces(vec![line(0.0, 18, 0.0), far.clone()], Vec::new());
        assert_eq!(joined.len(), 3, "both pieces and their join");
        assert_eq!((joined[2].left, joined[2].glyphs), (0.0, 32));
        // So is a piece measured a fifth shorter, its tops washed out.
        let washed = Line {
            bottom: (0.5 + 11.1, 0.0),
            ..far.clone()
        };
        assert_eq!(
            join_pieces(vec![line(0.0, 18, 0.0), washed], Vec::new()).len(),
            3
        );
        // Not a piece of pitch a fifth smaller: other print.
        let smaller = Line { pitch: 8.0, ..far };
        assert_eq!(
            join_pieces(vec![line(0.0, 18, 0.0), smaller], Vec::new()).len(),
            2
        );
    }

    #[test]
    fn a_td1_whose_lines_glare_cut_short_at_one_end_makes_a_zone() {
        // The second and third lines lost their last cells to glare.
        let lines = [line(0.0, 30, 0.0), line(0.0, 25, 25.0), line(0.0, 26, 50.0)];
        let td1 = |lines: &[Line]| {
            find_zones(lines)
                .into_iter()
                .find(|z| z.lines.len() == 3 && !z.carried && !z.has_proposed_line())
        };
        let zone = td1(&lines).expect("a 3-line zone");
        assert_eq!(zone.chars, 30);
        assert!(zone.lines.iter().all(|l| l.cells == 30));
        assert!(!zone.is_clear(), "after every zone seen whole");
        // Not when none was seen at a TD1's length, nor with a line
        // joined from pieces, nor with the lines' ends two cells apart.
        let short = [line(0.0, 25, 0.0), line(0.0, 24, 25.0), line(0.0, 26, 50.0)];
        assert!(td1(&short).is_none());
        let mut pieced = lines.clone();
        pieced[2].pieced = true;
        assert!(td1(&pieced).is_none());
        let apart = [
            line(0.0, 30, 0.0),
            line(40.0, 24, 25.0),
            line(0.0, 26, 50.0),
        ];
        assert!(td1(&apart).is_none());
    }

    #[test]
    fn a_td1_line_with_pieces_of_two_more_makes_a_zone() {
        let whole = line(0.0, 30, 0.0);
        let td1 = |pieces: &[Line]| {
            find_zones_with(std::slice::from_ref(&whole), pieces)
                .into_iter()
                .find(|z| z.lines.len() == 3)
        };
        // Glare took the right of the lower two lines.
        let zone = td1(&[line(0.0, 12, 25.0), line(0.0, 11, 50.0)]).expect("a TD1");
        assert_eq!((zone.chars, zone.carried), (30, true));
        assert!(zone.lines.iter().all(|l| l.cells == 30 && l.left == 0.0));
        assert!(!zone.is_clear(), "after every zone seen whole");
        // Or the left of the lines above and below it.
        assert!(td1(&[line(190.0, 11, -25.0), line(180.0, 12, 25.0)]).is_some());
        // Not pieces spaced unevenly, nor agreeing at different ends.
        assert!(td1(&[line(0.0, 12, 25.0), line(0.0, 11, 65.0)]).is_none());
        assert!(td1(&[line(0.0, 12, 25.0), line(190.0, 11, 50.0)]).is_none());
    }

    #[test]
    fn a_td1_seen_without_its_middle_line_makes_a_zone_with_it_proposed() {
        let zones = find_zones(&[line(0.0, 30, 0.0), line(0.0, 30, 50.0)]);
        let td1 = zones
            .iter()
            .find(|z| z.lines.len() == 3)
            .expect("a 3-line zone");
        assert!(td1.has_proposed_line() && td1.carried);
        assert_eq!(td1.lines[1].top.0, 25.0);
    }

    #[test]
    fn a_piece_too_short_for_a_line_joins_one_but_makes_none() {
        // Glare left eight glyphs of a TD2 line's start, then took eight.
        let joined = join_pieces(vec![line(160.0, 20, 0.0)], vec![line(0.0, 8, 0.8)]);
        assert_eq!(
            joined.len(),
            2,
            "the line and the join, not the short piece"
        );
        let whole = &joined[1];
        assert_eq!((whole.left, whole.cells, whole.glyphs), (0.0, 36, 28));
        // Cap top and baseline come from the piece with more glyphs.
        assert_eq!((whole.top, whole.bottom), ((0.0, 0.0), (14.0, 0.0)));
        assert!(whole.pieced && !joined[0].pieced);
        // Its zones come after those of lines seen whole.
        let seen = make_zone(vec![line(0.0, 36, 0.0), line(0.0, 36, 25.0)], 36).unwrap();
        let pieced = make_zone(vec![whole.clone(), line(0.0, 36, 25.0)], 36).unwrap();
        assert!(pieced.score < seen.score - ONE_END_PENALTY + 1.0);
        // Short pieces alone make no line, nor does their join when it has
        // fewer glyphs than a line.
        assert!(join_pieces(Vec::new(), vec![line(0.0, 6, 0.0), line(100.0, 7, 0.0)]).is_empty());
    }

    #[test]
    fn short_pieces_with_a_lines_glyphs_between_them_are_joined() {
        // Glare took the middle of a TD2 line: 12 glyphs, then 13 after a
        // gap of eight cells, the far ones smaller (a card tilted away).
        let far = Line {
            pitch: 8.7,
            ..line(200.0, 13, 0.5)
        };
        let joined = join_pieces(Vec::new(), vec![line(0.0, 12, 0.0), far]);
        assert_eq!(joined.len(), 1);
        let whole = &joined[0];
        assert_eq!((whole.left, whole.glyphs), (0.0, 25));
        assert!(whole.pieced && whole.pieces_only);
        assert_eq!(whole.cells, 34);
    }

    #[test]
    fn lines_joined_from_pieces_alone_make_only_zones_as_seen() {
        let joined = |cells: usize, top: f32| Line {
            pieced: true,
            pieces_only: true,
            ..line(0.0, cells, top)
        };
        // Two agreeing at both ends make a 2×36 zone, after lines seen whole.
        let zones = find_zones(&[joined(36, 0.0), joined(36, 25.0)]);
        assert!(zones[0].chars == 36 && !zones[0].carried);
        assert!(!zones[0].is_clear());
        // Lines seen whole, the same way, make carried TD1 zones (a third
        // line proposed) and a zone agreeing at one end; joined from
        // pieces alone, none.
        // Nor does such a line below two seen whole make a carried TD1.
        let zones = find_zones(&[line(0.0, 26, 0.0), line(0.0, 26, 25.0), joined(26, 50.0)]);
        assert!(zones.iter().all(|z| !z.lines.iter().any(|l| l.pieces_only)));
        let zones = find_zones(&[line(0.0, 26, 0.0), line(0.0, 26, 25.0), line(0.0, 26, 50.0)]);
        assert!(
            zones
                .iter()
                .any(|z| z.lines.len() == 3 && z.lines.iter().all(|l| l.glyphs > 0))
        );
        for (a, b) in [
            ((30, 0.0), (30, 25.0)),
            ((30, 0.0), (30, 50.0)),
            ((36, 0.0), (26, 25.0)),
        ] {
            assert!(!find_zones(&[line(0.0, a.0, a.1), line(0.0, b.0, b.1)]).is_empty());
            assert!(find_zones(&[joined(a.0, a.1), joined(b.0, b.1)]).is_empty());
        }
    }

    #[test]
    fn lines_that_do_not_line_up_make_no_zone() {
        // Two whole lines, the second ten cells further right.
        assert!(make_zones(&[line(0.0, 44, 0.0), line(100.0, 44, 25.0)]).is_empty());
        // Two lines far shorter than any zone: only carried zones.
        let short = make_zones(&[line(0.0, 20, 0.0), line(0.0, 20, 25.0)]);
        assert!(short.iter().all(|z| z.carried));
        assert!(make_zones(&[line(0.0, 12, 0.0), line(0.0, 12, 25.0)]).is_empty());
    }

    #[test]
    fn lines_agreeing_at_one_end_only_make_a_zone() {
        // Glare took the last 18 cells of line 1 of a TD3.
        let zones = find_zones(&[line(0.0, 26, 0.0), line(0.0, 44, 25.0)]);
        assert!(zones[0].chars == 44 && !zones[0].carried);
        // Glare took the first 15 cells of line 1: its right end agrees.
        let zones = find_zones(&[line(150.0, 29, 0.0), line(0.0, 44, 25.0)]);
        assert!(zones[0].chars == 44 && !zones[0].carried);
        assert!(zones[0].lines.iter().all(|l| l.left == 0.0));
        // Line 1 ran on four cells left into print beside the zone.
        let zones = find_zones(&[line(-40.0, 48, 0.0), line(0.0, 44, 25.0)]);
        assert!(zones[0].chars == 44 && !zones[0].carried);
        // Ends that agree at neither side make no zone of a seen length.
        assert!(find_zones(&[line(0.0, 44, 0.0), line(50.0, 30, 25.0)]).is_empty());
        // A pair agreeing at both ends comes first: rows of a texture often
        // agree at one end.
        let zones = find_zones(&[
            line(0.0, 36, 0.0),
            line(0.0, 36, 25.0),
            line(500.0, 26, 0.0),
            line(500.0, 44, 25.0),
        ]);
        assert_eq!((zones[0].chars, zones[0].lines[0].left), (36, 0.0));
        assert!(zones.iter().any(|z| z.chars == 44 && !z.carried));
    }

    #[test]
    fn lines_sloping_across_the_frame_pair_by_their_spacing_at_one_place() {
        // Text turned 10° from the frame: t rises 0.18 per unit of s.
        let sloped = |left: f32, cells: usize, top: f32| {
            let flat = line(left, cells, top);
            Line {
                top: (flat.top.0, 0.18),
                bottom: (flat.bottom.0, 0.18),
                ..flat
            }
        };
        // A line seen over 17 cells and its join with a piece further
        // right: one printed line, though its two middles lie 18 apart
        // across the frame (over 1.2 line heights).
        let (part, joined) = (sloped(0.0, 17, 0.0), sloped(0.0, 37, 0.0));
        assert!(joined.mid_t() - part.mid_t() > 1.2 * part.height());
        assert!(find_zones(&[part.clone(), joined]).is_empty());
        // The same part and a whole line 25 below it: a zone, though their
        // middles lie 42 apart (over 3 line heights).
        let below = sloped(0.0, 36, 25.0);
        assert!(below.mid_t() - part.mid_t() > 3.0 * part.height());
        let zones = find_zones(&[part, below]);
        assert!(zones.iter().any(|z| z.chars == 36 && !z.carried));
        // A line seen over its last 15 cells only (glare took the rest)
        // and the whole line below it, whose middle lies further up the
        // frame than its own: still a zone.
        let (end, below) = (sloped(290.0, 15, 0.0), sloped(0.0, 44, 25.0));
        assert!(end.mid_t() > below.mid_t());
        let zones = find_zones(&[end, below]);
        assert!(zones.iter().any(|z| z.chars == 44 && !z.carried));
    }

    #[test]
    fn a_line_fitted_taller_than_its_glyphs_still_pairs_with_the_line_below() {
        // Line 1's fit took in noise: 17 high where its glyphs are 14. The
        // lines' middles lie 18 apart: 1.29 glyph heights, 1.06 of line 1's.
        let tall = Line {
            bottom: (17.0, 0.0),
            ..line(0.0, 44, 0.0)
        };
        let zones = find_zones(&[tall, line(0.0, 44, 19.5)]);
        assert!(zones.iter().any(|z| z.chars == 44 && !z.carried));
    }

    #[test]
    fn a_line_seen_over_part_of_the_zone_takes_the_whole_lines_pitch() {
        // Line 1 was seen over its last 29 cells only, where perspective
        // set its glyphs 3% closer than the line's mean pitch.
        let part = Line {
            pitch: 9.7,
            ..line(154.0, 29, 0.0)
        };
        let zone = make_zone(vec![part, line(0.0, 44, 25.0)], 44).expect("a zone");
        let first = &zone.lines[0];
        assert_eq!(first.pitch, 10.0);
        // Its right end now lies within a cell of the whole line's, where
        // its own pitch left it short by over a cell.
        assert!((first.right() - 440.0).abs() < 10.0);
        assert!((9.7f32.mul_add(44.0, first.left) - 440.0).abs() > 10.0);
    }

    #[test]
    fn lines_whose_ends_glare_washed_out_are_carried_on_both_ways() {
        // 25 cells seen of each line, from x = 100.
        let (proposed, zones): (Vec<Zone>, Vec<Zone>) =
            make_zones(&[line(100.0, 25, 0.0), line(100.0, 24, 25.0)])
                .into_iter()
                .partition(Zone::has_proposed_line);
        // Also two lines of a TD1 carried on to 30 cells either way, each
        // with a third line proposed above or below (`missing_line`).
        assert_eq!(proposed.len(), 4);
        let mut got: Vec<(usize, f32)> = zones.iter().map(|z| (z.chars, z.lines[0].left)).collect();
        got.sort_by(|a, b| a.partial_cmp(b).unwrap());
        // Kept left end, or kept right end (x = 350) carried leftwards.
        assert_eq!(got, [(36, -10.0), (36, 100.0), (44, -90.0), (44, 100.0)]);
        assert!(
            zones
                .iter()
                .all(|z| z.carried && z.lines.iter().all(|l| l.cells == z.chars))
        );
        // Below any zone of a seen length, and 44 cells before 36.
        assert!(zones.iter().all(|z| z.score < 0.0));
        let best_36 = zones.iter().filter(|z| z.chars == 36).map(|z| z.score);
        let worst_44 = zones.iter().filter(|z| z.chars == 44).map(|z| z.score);
        assert!(best_36.fold(f32::MIN, f32::max) < worst_44.fold(f32::MAX, f32::min));
    }
}
