//! Refining a first grid from the ink of its lines.
//!
//! Each line is sampled into a rectified strip (a few samples per pitch)
//! through the current grid. Across the strip, the half-height crossings of
//! the row profile of tall glyphs give the cap top and baseline; along it,
//! the ink centroid of each cell, fitted by least squares against the cell
//! index, gives where cell 0 starts and the true pitch. The zone's four
//! corners then define the new projection. A few rounds converge.
//!
//! In the first round, the centroid windows are placed by a comb fitted to
//! the whole line's column profile (ink at the cell centres, gaps at the
//! boundaries) rather than by the first grid: from a pitch 2–3% off, the
//! far cells' windows would otherwise sit on their neighbours' glyphs and
//! the fit would keep the wrong pitch (a line read with a character dropped
//! or doubled). The comb may bend, its pitch changing steadily along the
//! line: on a document tilted away from the camera the glyphs shrink
//! towards its far side, and a straight comb would leave the middle or
//! the ends of a long line a cell or more off.

use image::GrayImage;
use imageproc::geometric_transformations::Projection;

use super::lines::fit_affine;
use crate::reader::grid::{Grid, LineBox};

/// Samples per pitch in the rectified strips.
const RES: usize = 8;
/// Strip margin above and below the glyph box, in pitches.
const MARGIN: f32 = 0.4;
/// Refinement rounds.
const ROUNDS: usize = 6;
/// Largest gap, in pitches, between a TD1 middle line's measured cap top
/// or baseline and the midpoint of its neighbours' that is kept.
const MAX_EDGE_GAP: f32 = 0.15;

/// How far the comb's pitch is searched from the current grid's, as a
/// share of it.
const COMB_PITCH_RANGE: f32 = 0.06;
/// How far the comb's bend may move the middle cell of a line, in cells.
const COMB_BEND_RANGE: f32 = 1.5;
/// How much more a bent comb must score than the best straight one to be
/// kept.
const COMB_BEND_GAIN: f32 = 1.2;
/// The share of misaligned cells (more ink at their boundaries than at
/// their centre) under which a straight comb fits and no bend is tried:
/// most lines are straight, and the bent search costs several straight
/// ones.
const COMB_STRAIGHT_FITS: f32 = 0.1;
/// Farthest a refined corner may lie from where the refinement started,
/// in pitches: the comb moves a line by a cell or two, and a carried
/// zone's far end by a few; a fit that took in glare can send a corner
/// thousands of pixels away, which is no refinement.
const MAX_DRIFT: f32 = 4.0;
/// Shortest glyph box kept from a round, in pitches (OCR-B capitals are
/// about one pitch tall; refined boxes of sharp images measure 0.86–1.17).
const MIN_BOX: f32 = 0.75;
/// Tallest glyph box kept from a round, in pitches.
const MAX_BOX: f32 = 1.3;

/// A point in one frame and where it lies in another.
type Pair = ((f32, f32), (f32, f32));

/// A rectified strip of darkness (0 paper … 1 ink).
struct Strip {
    cols: usize,
    rows: usize,
    /// Frame x of column 0.
    x0: f32,
    /// Frame y of row 0.
    y0: f32,
    d: Vec<f32>,
}

impl Strip {
    fn at(&self, c: usize, r: usize) -> f32 {
        self.d[r * self.cols + c]
    }

    fn col_of(&self, x: f32) -> f32 {
        (x - self.x0) * RES as f32
    }

    fn row_of(&self, y: f32) -> f32 {
        (y - self.y0) * RES as f32
    }

    fn y_of(&self, row: f32) -> f32 {
        self.y0 + row / RES as f32
    }
}

/// One line's measured box in the current frame: cell 0's left edge and
/// the pitch scale along x, cap top and baseline at both ends.
struct Measured {
    /// (cell centre in the new frame, measured x in the old frame).
    centres: Vec<(f32, f32)>,
    left: f32,
    right: f32,
    top: (f32, f32),
    bottom: (f32, f32),
}

/// Refines `grid` against `image`; `None` if the lines' ink cannot be
/// measured (too little contrast, no tall glyphs) or the refinement ran
/// off (a corner more than [`MAX_DRIFT`] pitches from where it started).
pub(crate) fn refine(image: &GrayImage, start: &Grid) -> Option<Grid> {
    let mut grid = start.clone();
    let mut plausible: Option<Grid> = None;
    for round in 0..ROUNDS {
        grid = refine_once(image, &grid, round == 0)?;
        if has_plausible_boxes(&grid) {
            plausible = Some(grid.clone());
        } else if plausible.is_some() {
            // A round that made the boxes implausible measured a
            // neighbouring line or glare, not this line's glyphs; later
            // rounds would only sample further from them.
            break;
        }
    }
    let refined = even_middle_line(plausible.unwrap_or(grid));
    stayed_near(start, &refined).then_some(refined)
}

/// Whether every corner of `refined` lies within [`MAX_DRIFT`] of
/// `start`'s pitches from the same corner of `start`.
fn stayed_near(start: &Grid, refined: &Grid) -> bool {
    let (a, b) = (start.corners(), refined.corners());
    let pitch = (a[1].0 - a[0].0).hypot(a[1].1 - a[0].1) / start.chars() as f32;
    a.iter()
        .zip(&b)
        .all(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1) <= MAX_DRIFT * pitch)
}

/// Whether every line's glyph box is as tall as OCR-B capitals are for
/// their pitch ([`MIN_BOX`] to [`MAX_BOX`] pitches) and lies below the one
/// before it.
fn has_plausible_boxes(grid: &Grid) -> bool {
    let lines = grid.lines();
    lines
        .iter()
        .all(|l| (MIN_BOX..=MAX_BOX).contains(&(l.bottom - l.top)))
        && lines.windows(2).all(|w| w[1].top > w[0].bottom)
}

/// A TD1's three lines are evenly spaced and equally tall. A middle line
/// whose measured cap top or baseline strays more than [`MAX_EDGE_GAP`]
/// from the midpoint of its neighbours' (its row profile took in a
/// neighbouring line's ink, or glare ate its own) gets that midpoint
/// instead; other grids are returned as they are.
fn even_middle_line(grid: Grid) -> Grid {
    let &[first, middle, last] = grid.lines() else {
        return grid;
    };
    let even = |measured: f32, a: f32, b: f32| {
        let mid = (a + b) / 2.0;
        if (measured - mid).abs() > MAX_EDGE_GAP {
            mid
        } else {
            measured
        }
    };
    let fixed = LineBox {
        top: even(middle.top, first.top, last.top),
        bottom: even(middle.bottom, first.bottom, last.bottom),
    };
    if fixed == middle {
        return grid;
    }
    Grid::new(*grid.to_image(), grid.chars(), vec![first, fixed, last])
}

/// One round; `comb` searches the cells' comb along each line first (the
/// first round: later rounds start from its result).
fn refine_once(image: &GrayImage, grid: &Grid, comb: bool) -> Option<Grid> {
    let chars = grid.chars();
    let measured: Vec<Measured> = grid
        .lines()
        .iter()
        .map(|line| {
            let strip = sample_strip(image, grid, line)?;
            measure_line(&strip, line, chars, comb)
        })
        .collect::<Option<_>>()?;

    // New frame units: the measured pitch (old units per cell).
    let scale = measured
        .iter()
        .map(|m| (m.right - m.left) / chars as f32)
        .sum::<f32>()
        / measured.len() as f32;
    let top_at = |m: &Measured, x: f32| {
        let t = (x - m.left) / (m.right - m.left);
        (
            m.top.0 + (m.top.1 - m.top.0) * t,
            m.bottom.0 + (m.bottom.1 - m.bottom.0) * t,
        )
    };
    let origin = top_at(&measured[0], (measured[0].left + measured[0].right) / 2.0).0;
    let lines: Vec<LineBox> = measured
        .iter()
        .map(|m| {
            let (top, bottom) = top_at(m, (m.left + m.right) / 2.0);
            LineBox {
                top: (top - origin) / scale,
                bottom: (bottom - origin) / scale,
            }
        })
        .collect();

    // Correspondences new frame → old frame: every measured cell centre
    // at its line's mid-height, and the line's ends at top and baseline.
    let mut pairs = Vec::new();
    for (m, b) in measured.iter().zip(&lines) {
        let mid_new = (b.top + b.bottom) / 2.0;
        for &(u, x) in &m.centres {
            let (top, bottom) = top_at(m, x);
            pairs.push(((u, mid_new), (x, (top + bottom) / 2.0)));
        }
        for (u, x) in [(0.0, m.left), (chars as f32, m.right)] {
            let (top, bottom) = top_at(m, x);
            pairs.push(((u, b.top), (x, top)));
            pairs.push(((u, b.bottom), (x, bottom)));
        }
    }
    let correction = fit_homography(&pairs)?;
    Some(Grid::new(*grid.to_image() * correction, chars, lines))
}

/// The least-squares projective map taking each pair's first point to
/// its second (8 unknowns, normal equations, in normalised coordinates).
fn fit_homography(pairs: &[Pair]) -> Option<Projection> {
    if pairs.len() < 4 {
        return None;
    }
    let n = pairs.len() as f64;
    let centre = |pick: fn(&Pair) -> (f32, f32)| {
        let (sx, sy) = pairs.iter().map(pick).fold((0f64, 0f64), |(a, b), (x, y)| {
            (a + f64::from(x), b + f64::from(y))
        });
        let (cx, cy) = (sx / n, sy / n);
        let spread = pairs
            .iter()
            .map(pick)
            .map(|(x, y)| ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt())
            .sum::<f64>()
            / n;
        (cx, cy, spread.max(1e-6))
    };
    let (fx, fy, fs) = centre(|p| p.0);
    let (tx, ty, ts) = centre(|p| p.1);

    let mut ata = [[0f64; 8]; 8];
    let mut atb = [0f64; 8];
    for &((x0, y0), (x1, y1)) in pairs {
        let (px, py) = ((f64::from(x0) - fx) / fs, (f64::from(y0) - fy) / fs);
        let (qx, qy) = ((f64::from(x1) - tx) / ts, (f64::from(y1) - ty) / ts);
        let rows = [
            ([px, py, 1.0, 0.0, 0.0, 0.0, -px * qx, -py * qx], qx),
            ([0.0, 0.0, 0.0, px, py, 1.0, -px * qy, -py * qy], qy),
        ];
        for (row, rhs) in rows {
            for i in 0..8 {
                atb[i] += row[i] * rhs;
                for j in 0..8 {
                    ata[i][j] += row[i] * row[j];
                }
            }
        }
    }
    let h = solve8(ata, atb)?;
    let normalised = Projection::from_matrix([
        h[0] as f32,
        h[1] as f32,
        h[2] as f32,
        h[3] as f32,
        h[4] as f32,
        h[5] as f32,
        h[6] as f32,
        h[7] as f32,
        1.0,
    ])?;
    let from = Projection::scale(1.0 / fs as f32, 1.0 / fs as f32)
        * Projection::translate(-fx as f32, -fy as f32);
    let to = Projection::translate(tx as f32, ty as f32) * Projection::scale(ts as f32, ts as f32);
    Some(to * normalised * from)
}

/// Solves the 8×8 system by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)] // Row and column indices are the algorithm.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..8 {
            let f = a[row][col] / a[col][col];
            for k in col..8 {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0f64; 8];
    for row in (0..8).rev() {
        let s: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Samples one line's strip through the grid.
fn sample_strip(image: &GrayImage, grid: &Grid, line: &LineBox) -> Option<Strip> {
    let chars = grid.chars() as f32;
    let x0 = -0.75f32;
    let y0 = line.top - MARGIN;
    let cols = ((chars + 1.5) * RES as f32) as usize;
    let rows = ((line.bottom - line.top + 2.0 * MARGIN) * RES as f32).ceil() as usize;
    if !(4..=20 * RES).contains(&rows) {
        return None;
    }
    let step = 1.0 / RES as f32;
    let mut values = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        let y = y0 + (r as f32 + 0.5) * step;
        for c in 0..cols {
            let x = x0 + (c as f32 + 0.5) * step;
            let (px, py) = grid.point(x, y);
            values.push(bilinear(image, px, py));
        }
    }

    // Paper and ink levels per stretch of a few cells, so uneven light
    // along the line does not matter.
    let block = 6 * RES;
    let mut d = vec![0f32; values.len()];
    let mut c0 = 0;
    while c0 < cols {
        let c1 = (c0 + block).min(cols);
        let mut levels: Vec<f32> = (0..rows)
            .flat_map(|r| values[r * cols + c0..r * cols + c1].iter().copied())
            .collect();
        let (hi, lo) = (levels.len() * 9 / 10, levels.len() / 20);
        let paper = *levels.select_nth_unstable_by(hi, f32::total_cmp).1;
        let ink = *levels.select_nth_unstable_by(lo, f32::total_cmp).1;
        let span = (paper - ink).max(1.0);
        if paper - ink >= 12.0 {
            for r in 0..rows {
                for c in c0..c1 {
                    d[r * cols + c] = ((paper - values[r * cols + c]) / span).clamp(0.0, 1.0);
                }
            }
        }
        c0 = c1;
    }
    Some(Strip {
        cols,
        rows,
        x0,
        y0,
        d,
    })
}

/// Measures the line's cells and glyph box in the strip.
fn measure_line(strip: &Strip, line: &LineBox, chars: usize, comb: bool) -> Option<Measured> {
    let box_r0 = strip.row_of(line.top).round().max(0.0) as usize;
    let box_r1 = (strip.row_of(line.bottom).round() as usize).min(strip.rows);
    if box_r1 <= box_r0 + 2 {
        return None;
    }
    let box_rows = box_r1 - box_r0;

    // Horizontal: where the cells are along the whole line first (the
    // comb that best fits the column profile), so that a pitch a few
    // percent off does not make the far cells' windows lock onto their
    // neighbours; then the ink centroid of each cell, in a window a little
    // wider than the cell, and a robust line fit against the cell index.
    let columns: Vec<f32> = (0..strip.cols)
        .map(|col| (box_r0..box_r1).map(|r| strip.at(col, r)).sum())
        .collect();
    let comb = if comb {
        fit_comb(strip, &columns, chars)
    } else {
        Comb::GRID
    };
    let mut centres = Vec::with_capacity(chars);
    for c in 0..chars {
        let predicted = comb.x(c as f32 + 0.5, chars);
        let ca = strip.col_of(predicted - 0.65).max(0.0) as usize;
        let cb = (strip.col_of(predicted + 0.65) as usize).min(strip.cols);
        let (mut sw, mut sx) = (0f32, 0f32);
        for (col, &ink) in columns.iter().enumerate().take(cb).skip(ca) {
            let x = strip.x0 + (col as f32 + 0.5) / RES as f32;
            // Taper: ink far from the predicted centre counts less.
            let off = (x - predicted).abs();
            let wgt = (1.0 - (off / 0.65).powi(2)).max(0.0);
            sw += ink * wgt;
            sx += ink * wgt * x;
        }
        if sw > 0.05 * box_rows as f32 {
            centres.push((c as f32 + 0.5, sx / sw));
        }
    }
    if centres.len() < chars * 2 / 3 {
        return None;
    }
    let (a, b) = robust_fit(&centres, 0.2)?;
    if !(0.8..1.25).contains(&b) {
        return None;
    }
    let left = a;
    let right = a + b * chars as f32;

    // Vertical: rows profile over tall glyphs (ink in the box's top
    // quarter), in segments along the line.
    let quarter = (box_rows / 4).max(1);
    let segments = 4usize;
    let mut tops = Vec::new();
    let mut bottoms = Vec::new();
    for s in 0..segments {
        let (c_start, c_end) = (s * chars / segments, (s + 1) * chars / segments);
        let mut profile = vec![0f32; strip.rows];
        let mut used = 0;
        for c in c_start..c_end {
            let x_centre = a + b * (c as f32 + 0.5);
            let ca = strip.col_of(x_centre - 0.4).max(0.0) as usize;
            let cb = (strip.col_of(x_centre + 0.4) as usize).min(strip.cols);
            if cb <= ca {
                // The cell lies past the strip's end.
                continue;
            }
            let upper: f32 = (ca..cb)
                .flat_map(|col| (box_r0..box_r0 + quarter).map(move |r| (col, r)))
                .map(|(col, r)| strip.at(col, r))
                .sum::<f32>()
                / ((cb - ca).max(1) * quarter) as f32;
            if upper < 0.08 {
                continue;
            }
            used += 1;
            for (r, p) in profile.iter_mut().enumerate() {
                *p += (ca..cb).map(|col| strip.at(col, r)).sum::<f32>();
            }
        }
        if used < 2 {
            continue;
        }
        let x_mid = a + b * ((c_start + c_end) as f32 / 2.0);
        let mid_row = (box_r0 + box_r1) / 2;
        if let Some(r) = edge(&profile, mid_row, box_r0) {
            tops.push((x_mid, strip.y_of(r)));
        }
        if let Some(r) = edge_from_end(&profile, mid_row, box_r1) {
            bottoms.push((x_mid, strip.y_of(r)));
        }
    }
    let top = line_through(&tops, line.top, left, right)?;
    let bottom = line_through(&bottoms, line.bottom, left, right)?;
    Some(Measured {
        centres,
        left,
        right,
        top,
        bottom,
    })
}

/// Where a line's cells lie along a strip: cell `c` of `n` is centred at
/// `x(c + ½)`, with `x(u) = start + pitch·u + bend·u·(u − n)` (cell `c`
/// spans `x(c) ..= x(c + 1)`). The bend makes the pitch change steadily
/// along the line, as it does on a document tilted away from the camera,
/// and leaves both ends where `start` and `pitch` put them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Comb {
    start: f32,
    pitch: f32,
    bend: f32,
}

impl Comb {
    /// The current grid's own cells.
    const GRID: Self = Self {
        start: 0.0,
        pitch: 1.0,
        bend: 0.0,
    };

    fn x(&self, u: f32, chars: usize) -> f32 {
        self.start + self.pitch * u + self.bend * u * (u - chars as f32)
    }
}

/// The [`Comb`] of cell centres that best fits a line's column profile of
/// ink: most ink at the centres, least at the cell boundaries (OCR-B glyphs
/// leave a gap between cells).
///
/// A straight comb is searched first, over the start within ±0.4 cells and
/// the pitch within ±6% of the current grid's, coarse then fine. When it
/// leaves [`COMB_STRAIGHT_FITS`] of the cells or more misaligned, a bent
/// one is searched too, its bend moving the middle cell by up to
/// [`COMB_BEND_RANGE`]; it is kept only when it fits (leaves fewer cells
/// misaligned than that) and scores [`COMB_BEND_GAIN`] times the straight
/// one (one more freedom always fits a little better, glare's gaps and
/// noise included). A best pitch or bend at the edge of its range is no
/// fit inside it (a profile that glare flattened in part, where a
/// stretched comb lines up with what is left), and a profile without ink
/// has none: then [`Comb::GRID`], the current grid.
fn fit_comb(strip: &Strip, columns: &[f32], chars: usize) -> Comb {
    let last = (columns.len() - 1) as f32;
    let interpolated = |x: f32| -> f32 {
        let p = strip.col_of(x) - 0.5;
        if p < 0.0 || p >= last {
            return 0.0;
        }
        let i = p as usize;
        let t = p - i as f32;
        columns[i] * (1.0 - t) + columns[i + 1] * t
    };
    let nearest = |x: f32| -> f32 {
        let p = strip.col_of(x);
        if p < 0.0 || p > last {
            return 0.0;
        }
        columns[p as usize]
    };
    if columns.iter().all(|&v| v <= 0.0) {
        return Comb::GRID;
    }
    // The bend that moves the middle cell by one cell.
    let half = chars as f32 / 2.0;
    let unit_bend = -1.0 / (half * half);
    let search =
        |at: &dyn Fn(f32) -> f32, from: Comb, steps| search_comb(at, from, steps, chars, unit_bend);
    // Straight, coarse: 0.1 cells (the ink peak of a cell is wider) and
    // 0.6% of pitch; then fine around the best.
    let straight = search(
        &interpolated,
        Comb::GRID,
        [(0.4, 0.1), (COMB_PITCH_RANGE, 0.006), (0.0, 1.0)],
    );
    let straight = search(
        &interpolated,
        straight.0,
        [(0.1, 0.025), (0.006, 0.0015), (0.0, 1.0)],
    );
    // A straight comb that fits is kept without trying a bend.
    let inside = |comb: &Comb| {
        (comb.pitch - 1.0).abs() <= COMB_PITCH_RANGE - 0.003
            && (comb.bend / unit_bend).abs() <= COMB_BEND_RANGE - 0.025
    };
    let straight_or_grid = if inside(&straight.0) {
        straight.0
    } else {
        Comb::GRID
    };
    if misaligned_share(&straight.0, chars, interpolated) < COMB_STRAIGHT_FITS {
        return straight_or_grid;
    }
    // Bent, coarse: 0.2 cells, 1.2% of pitch and 0.25 cells at the
    // middle, reading the column a point falls in (an eighth of a cell
    // wide: close enough, and several times cheaper); then fine,
    // interpolated, within those steps and within the fine ones.
    let bent = search(
        &nearest,
        Comb::GRID,
        [
            (0.4, 0.2),
            (COMB_PITCH_RANGE, 0.012),
            (COMB_BEND_RANGE, 0.25),
        ],
    );
    let bent = search(
        &interpolated,
        bent.0,
        [(0.1, 0.05), (0.006, 0.003), (0.125, 0.0625)],
    );
    let bent = search(
        &interpolated,
        bent.0,
        [(0.025, 0.025), (0.0015, 0.0015), (0.03, 0.03)],
    );
    if bent.1 > COMB_BEND_GAIN * straight.1
        && inside(&bent.0)
        && misaligned_share(&bent.0, chars, interpolated) < COMB_STRAIGHT_FITS
    {
        bent.0
    } else {
        straight_or_grid
    }
}

/// The share of `comb`'s cells with more ink at their boundaries, on
/// average, than at their centre (a cell without ink is not misaligned).
fn misaligned_share(comb: &Comb, chars: usize, at: impl Fn(f32) -> f32) -> f32 {
    let misaligned = (0..chars)
        .filter(|&c| {
            let (left, right) = (comb.x(c as f32, chars), comb.x(c as f32 + 1.0, chars));
            at(comb.x(c as f32 + 0.5, chars)) < 0.5 * (at(left) + at(right))
        })
        .count();
    misaligned as f32 / chars as f32
}

/// How well `comb` fits a column profile read by `at`: the sum over cells
/// of the ink at the centre less the mean at its two boundaries (each
/// inner boundary is shared by two cells).
fn comb_score(comb: &Comb, chars: usize, at: impl Fn(f32) -> f32) -> f32 {
    let centres: f32 = (0..chars).map(|c| at(comb.x(c as f32 + 0.5, chars))).sum();
    let inner: f32 = (1..chars).map(|c| at(comb.x(c as f32, chars))).sum();
    let ends = 0.5 * (at(comb.x(0.0, chars)) + at(comb.x(chars as f32, chars)));
    centres - inner - ends
}

/// The best-scoring comb, and its score, of `around` and a lattice around
/// it: (half range, step) of the start, of the pitch and of the middle
/// cell's move by the bend (`unit_bend` moves it by one cell), the profile
/// read by `at`.
fn search_comb(
    at: &dyn Fn(f32) -> f32,
    around: Comb,
    steps: [(f32, f32); 3],
    chars: usize,
    unit_bend: f32,
) -> (Comb, f32) {
    let n = steps.map(|(range, step)| (range / step).round() as i32);
    let mut best = (around, comb_score(&around, chars, at));
    for i in -n[0]..=n[0] {
        for j in -n[1]..=n[1] {
            for k in -n[2]..=n[2] {
                let comb = Comb {
                    start: around.start + i as f32 * steps[0].1,
                    pitch: around.pitch + j as f32 * steps[1].1,
                    bend: around.bend + k as f32 * steps[2].1 * unit_bend,
                };
                let v = comb_score(&comb, chars, at);
                if v > best.1 {
                    best = (comb, v);
                }
            }
        }
    }
    best
}

/// Least squares `v = a + b·u`, refitted without points off by more than
/// `tolerance`.
fn robust_fit(points: &[(f32, f32)], tolerance: f32) -> Option<(f32, f32)> {
    let mut best = fit_affine(points.iter().copied())?;
    for _ in 0..2 {
        let (a, b) = best;
        best = fit_affine(
            points
                .iter()
                .copied()
                .filter(|&(u, v)| (v - a - b * u).abs() <= tolerance),
        )
        .unwrap_or(best);
    }
    Some(best)
}

/// The (interpolated) cap-top row of `profile`: from the glyph box's
/// middle row `mid`, upwards to where the ink nearly stops (so a
/// neighbouring line's ink is never reached), then back down to the first
/// row at half the peak.
#[allow(clippy::needless_range_loop)] // Neighbouring rows are compared.
fn edge(profile: &[f32], mid: usize, box_top: usize) -> Option<f32> {
    let peak = profile[..=mid].iter().copied().fold(0f32, f32::max);
    if peak <= 0.0 {
        return None;
    }
    let mut gap = 0;
    for r in (0..mid).rev() {
        if is_gap(profile, r, r.checked_sub(1).filter(|_| r < box_top), peak) {
            gap = r;
            break;
        }
    }
    let peak = profile[gap..=mid].iter().copied().fold(0f32, f32::max);
    let half = peak / 2.0;
    for r in gap..=mid {
        if profile[r] >= half {
            if r == 0 {
                return Some(0.0);
            }
            let (p0, p1) = (profile[r - 1], profile[r]);
            // Row r's centre is at r + 0.5; the crossing lies between
            // the centres of rows r - 1 and r.
            return Some(r as f32 - 0.5 + (half - p0) / (p1 - p0).max(1e-6));
        }
    }
    None
}

/// As [`edge`], for the baseline: downwards from `mid`.
#[allow(clippy::needless_range_loop)] // Neighbouring rows are compared.
fn edge_from_end(profile: &[f32], mid: usize, box_end: usize) -> Option<f32> {
    let end = profile.len();
    let peak = profile[mid..].iter().copied().fold(0f32, f32::max);
    if peak <= 0.0 {
        return None;
    }
    let mut gap = end - 1;
    for r in mid + 1..end {
        if is_gap(
            profile,
            r,
            Some(r + 1).filter(|&n| n < end && r >= box_end),
            peak,
        ) {
            gap = r;
            break;
        }
    }
    let peak = profile[mid..=gap].iter().copied().fold(0f32, f32::max);
    let half = peak / 2.0;
    for r in (mid..=gap).rev() {
        if profile[r] >= half {
            if r + 1 == end {
                return Some(end as f32);
            }
            let (p0, p1) = (profile[r + 1], profile[r]);
            return Some(r as f32 + 1.5 - (half - p0) / (p1 - p0).max(1e-6));
        }
    }
    None
}

/// Whether row `r` of `profile` ends a glyph box's ink, seen from its
/// middle: the ink nearly stops there, or it is a valley under half the
/// peak that the next row outward (`next`) climbs out of. Under glare the
/// paper between two lines can stay darker than the paper level of the
/// strip, so the ink never nearly stops; without the valley the search
/// would run on into the neighbouring line and take its edge.
fn is_gap(profile: &[f32], r: usize, next: Option<usize>, peak: f32) -> bool {
    let here = profile[r];
    here < 0.15 * peak || (here < 0.5 * peak && next.is_some_and(|n| profile[n] > here))
}

/// The edge `y = a + b·x` through measured `(x, y)` points as its values
/// at `left` and `right`; with fewer than two points, the old edge
/// shifted to the one point, or unchanged.
fn line_through(points: &[(f32, f32)], old: f32, left: f32, right: f32) -> Option<(f32, f32)> {
    match points.len() {
        0 => Some((old, old)),
        1 => Some((points[0].1, points[0].1)),
        _ => {
            let (a, b) = robust_fit(points, 0.1)?;
            Some((a + b * left, a + b * right))
        }
    }
}

/// Bilinear gray value at continuous pixel coordinates (pixel `k` covers
/// `[k, k + 1]`), clamped at the borders.
fn bilinear(image: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = image.dimensions();
    let fx = (x - 0.5).clamp(0.0, (w - 1) as f32);
    let fy = (y - 0.5).clamp(0.0, (h - 1) as f32);
    // Clamped to be non-negative: truncation is the floor.
    let (x0, y0) = (fx as u32, fy as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
    let raw = image.as_raw();
    let p = |x: u32, y: u32| f32::from(raw[(y * w + x) as usize]);
    let top = p(x0, y0) * (1.0 - ax) + p(x1, y0) * ax;
    let bottom = p(x0, y1) * (1.0 - ax) + p(x1, y1) * ax;
    top * (1.0 - ay) + bottom * ay
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(lines: &[(f32, f32)]) -> Grid {
        let lines = lines
            .iter()
            .map(|&(top, bottom)| LineBox { top, bottom })
            .collect();
        Grid::new(Projection::scale(10.0, 10.0), 30, lines)
    }

    #[test]
    fn a_td1_middle_line_that_took_in_its_neighbours_ink_is_evened() {
        // The middle baseline measured at 2.72, where the others say 2.37.
        let grid = even_middle_line(boxes(&[(0.0, 0.93), (1.45, 2.72), (2.9, 3.81)]));
        let middle = grid.lines()[1];
        assert!((middle.top - 1.45).abs() < 1e-6, "a right edge is kept");
        assert!((middle.bottom - 2.37).abs() < 1e-3, "{}", middle.bottom);
        // Evenly spaced lines, and two-line grids, are left as they are.
        let even = [(0.0, 0.93), (1.48, 2.4), (2.9, 3.81)];
        assert_eq!(even_middle_line(boxes(&even)).lines(), boxes(&even).lines());
        let two = [(0.0, 0.93), (1.45, 2.72)];
        assert_eq!(even_middle_line(boxes(&two)).lines(), boxes(&two).lines());
    }

    #[test]
    fn boxes_of_a_capital_height_one_below_the_other_are_plausible() {
        assert!(has_plausible_boxes(&boxes(&[(0.0, 0.95), (1.5, 2.45)])));
        // A box that took in the paper down to the next line, and boxes
        // that overlap, are not.
        assert!(!has_plausible_boxes(&boxes(&[(0.0, 1.9), (1.5, 2.45)])));
        assert!(!has_plausible_boxes(&boxes(&[(0.0, 1.1), (0.9, 2.0)])));
        assert!(!has_plausible_boxes(&boxes(&[(0.0, 0.5), (1.5, 2.45)])));
    }

    #[test]
    fn a_baseline_stops_at_the_valley_before_the_next_line_under_glare() {
        // Rows 4–13 a line's glyphs, 17–24 the next line's; the paper
        // between them stays at 35–40% of the ink (glare), never near 0.
        let mut profile = vec![0.3f32; 25];
        profile[4..14].fill(1.0);
        profile[14..17].copy_from_slice(&[0.4, 0.35, 0.4]);
        profile[17..].fill(1.0);
        let bottom = edge_from_end(&profile, 8, 14).expect("a baseline");
        assert!((13.5..15.0).contains(&bottom), "{bottom}");
        // The same valley read upwards, for the next line's cap top.
        let top = edge(&profile, 20, 17).expect("a cap top");
        assert!((16.0..17.5).contains(&top), "{top}");
    }

    #[test]
    fn a_valley_inside_the_glyph_box_is_not_its_edge() {
        // A sharp line's strokes leave a dip at row 9 inside its box.
        let mut profile = vec![0.0f32; 20];
        profile[4..14].fill(1.0);
        profile[9] = 0.3;
        let bottom = edge_from_end(&profile, 6, 14).expect("a baseline");
        assert!((13.5..14.5).contains(&bottom), "{bottom}");
        let top = edge(&profile, 12, 4).expect("a cap top");
        assert!((3.5..4.5).contains(&top), "{top}");
    }

    /// A strip of one row whose 44 cells really span `a + b·c ..`:
    /// ink peaking at each cell's centre, none in its outer 15% each side.
    fn strip_of(a: f32, b: f32) -> (Strip, Vec<f32>) {
        strip_of_comb(Comb {
            start: a,
            pitch: b,
            bend: 0.0,
        })
    }

    /// [`strip_of`] with cells where `comb` puts them.
    fn strip_of_comb(comb: Comb) -> (Strip, Vec<f32>) {
        let chars = 44;
        let cols = (chars + 2) * RES;
        let x0 = -0.75;
        // The cell coordinate of x, by bisection (x rises with u here).
        let u_of = |x: f32| {
            let (mut lo, mut hi) = (-2.0f32, chars as f32 + 2.0);
            for _ in 0..40 {
                let mid = 0.5 * (lo + hi);
                if comb.x(mid, chars) < x {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        let d: Vec<f32> = (0..cols)
            .map(|col| {
                let x = x0 + (col as f32 + 0.5) / RES as f32;
                let u = u_of(x);
                let f = u - u.floor();
                if (0.0..chars as f32).contains(&u) {
                    (1.0 - (f - 0.5).abs() / 0.35).max(0.0)
                } else {
                    0.0
                }
            })
            .collect();
        let strip = Strip {
            cols,
            rows: 1,
            x0,
            y0: 0.0,
            d: d.clone(),
        };
        (strip, d)
    }

    #[test]
    fn comb_finds_a_pitch_a_few_percent_off_and_a_shifted_start() {
        for (a, b) in [(0.0, 1.0), (0.2, 1.035), (-0.25, 0.96)] {
            let (strip, columns) = strip_of(a, b);
            let comb = fit_comb(&strip, &columns, 44);
            // Within a tenth of a cell at both ends of the line.
            for c in [0.5, 43.5] {
                let off = comb.x(c, 44) - (a + b * c);
                assert!(off.abs() < 0.1, "({a}, {b}) gave {comb:?}");
            }
        }
    }

    #[test]
    fn comb_bends_with_a_pitch_that_changes_along_the_line() {
        // A tilted document: the pitch falls from about 1.05 to 0.95 along
        // the line, which moves the middle cell by 1.1 cells from where a
        // straight comb through both ends puts it.
        let half = 22.0f32;
        let truth = Comb {
            start: 0.1,
            pitch: 1.0,
            bend: -1.1 / (half * half),
        };
        let (strip, columns) = strip_of_comb(truth);
        let comb = fit_comb(&strip, &columns, 44);
        for c in 0..44 {
            let u = c as f32 + 0.5;
            let off = comb.x(u, 44) - truth.x(u, 44);
            assert!(off.abs() < 0.1, "cell {c} off by {off}: {comb:?}");
        }
        // A straight line gets no bend.
        let (strip, columns) = strip_of(0.2, 1.035);
        assert_eq!(fit_comb(&strip, &columns, 44).bend, 0.0);
    }

    #[test]
    fn comb_keeps_the_grid_when_the_best_pitch_is_at_the_range_edge() {
        // Ink at a pitch 10% off: no comb inside the range fits it.
        let (strip, columns) = strip_of(0.0, 1.10);
        assert_eq!(fit_comb(&strip, &columns, 44), Comb::GRID);
    }

    #[test]
    fn comb_keeps_the_grid_when_there_is_no_ink() {
        let (strip, _) = strip_of(0.0, 1.0);
        let columns = vec![0.0; strip.cols];
        assert_eq!(fit_comb(&strip, &columns, 44), Comb::GRID);
    }
}
