//! Checking a grid's ends against the ink: a zone placed a cell or two off
//! along its lines (a mark before the first glyph taken for one, the last
//! glyph lost to glare) reads every character from its neighbour's cell,
//! and its reading is never valid.
//!
//! Every MRZ cell holds a glyph (fillers included), so on a well placed
//! grid the cells at both ends of every line are ink and the cells just
//! past them are paper. When the first `k` columns are paper on every line,
//! the last `k` are not, and the `k` columns past the far end show at least
//! faint ink on every line (glare may have washed it out; that is often
//! why the locator lost it), or the other way round, the grid is `k` cells
//! off and [`shift_by_ink`] moves it.
//!
//! Not here: a pitch a little off, where the far cells drift by a fraction
//! of a cell (`locate`'s refinement fits the pitch).

use image::GrayImage;
use imageproc::geometric_transformations::Projection;

use super::cells::bilinear;
use super::grid::{Grid, LineBox};

/// Largest shift looked for, in cells.
const MAX_SHIFT: usize = 2;
/// Samples per cell along each axis.
const SAMPLES: usize = 6;
/// A cell whose contrast is under this share of the zone's median cell
/// contrast is paper.
const PAPER: f32 = 0.35;
/// A cell past an end whose contrast is over this share of the zone's
/// median cell contrast may be ink the grid lost (glare can leave little
/// of it).
const FAINT: f32 = 0.2;

/// `grid` moved along its lines by the whole cells its ends' ink says it
/// is off (module docs); `None` when both ends look right or the ink says
/// nothing clear.
pub(crate) fn shift_by_ink(image: &GrayImage, grid: &Grid) -> Option<Grid> {
    let chars = grid.chars() as isize;
    let mut inside: Vec<f32> = grid
        .lines()
        .iter()
        .flat_map(|line| (0..chars).map(move |c| contrast(image, grid, line, c)))
        .collect();
    if inside.is_empty() {
        return None;
    }
    let middle = inside.len() / 2;
    let (_, &mut median, _) = inside.select_nth_unstable_by(middle, f32::total_cmp);
    if median <= 0.0 {
        return None;
    }
    let is = |column: isize, limit: f32, ink: bool| {
        grid.lines().iter().all(|line| {
            let share = contrast(image, grid, line, column) / median;
            if ink { share > limit } else { share < limit }
        })
    };
    let shift = (1..=MAX_SHIFT as isize).rev().find_map(|k| {
        let right = (0..k).all(|i| {
            is(i, PAPER, false) && is(chars - 1 - i, PAPER, true) && is(chars + i, FAINT, true)
        });
        let left = (0..k).all(|i| {
            is(chars - 1 - i, PAPER, false) && is(i, PAPER, true) && is(-1 - i, FAINT, true)
        });
        match (right, left) {
            (true, false) => Some(k),
            (false, true) => Some(-k),
            _ => None,
        }
    })?;
    let moved = *grid.to_image() * Projection::translate(shift as f32, 0.0);
    Some(Grid::new(moved, grid.chars(), grid.lines().to_vec()))
}

/// The standard deviation of darkness over cell `column` of `line` (any
/// column, also past the grid's ends), sampled on a small lattice.
fn contrast(image: &GrayImage, grid: &Grid, line: &LineBox, column: isize) -> f32 {
    let height = line.bottom - line.top;
    let (mut sum, mut squares) = (0.0f32, 0.0f32);
    for j in 0..SAMPLES {
        let y = line.top + height * (j as f32 + 0.5) / SAMPLES as f32;
        for i in 0..SAMPLES {
            let x = column as f32 + 0.1 + 0.8 * (i as f32 + 0.5) / SAMPLES as f32;
            let (px, py) = grid.point(x, y);
            let d = bilinear(image, px, py);
            sum += d;
            squares += d * d;
        }
    }
    let n = (SAMPLES * SAMPLES) as f32;
    let mean = sum / n;
    (squares / n - mean * mean).max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 px per pitch from x = 20, glyph box 14 px tall; a dark bar in the
    /// middle of each inked cell, a pale one in each `faint` cell.
    fn scene(inked: std::ops::Range<i32>) -> GrayImage {
        scene_with(inked, 0..0)
    }

    fn scene_with(inked: std::ops::Range<i32>, faint: std::ops::Range<i32>) -> GrayImage {
        GrayImage::from_fn(400, 40, |x, y| {
            let cell = (x as i32 - 20).div_euclid(10);
            let within = (x as i32 - 20).rem_euclid(10);
            let bar = (3..7).contains(&within) && (12..24).contains(&y);
            let value = match (bar, inked.contains(&cell), faint.contains(&cell)) {
                (true, _, true) => 180,
                (true, true, false) => 20,
                _ => 230,
            };
            image::Luma([value])
        })
    }

    fn grid(first_cell: f32, chars: usize) -> Grid {
        let to_image =
            Projection::translate(20.0 + 10.0 * first_cell, 10.0) * Projection::scale(10.0, 10.0);
        Grid::new(
            to_image,
            chars,
            vec![LineBox {
                top: 0.2,
                bottom: 1.6,
            }],
        )
    }

    #[test]
    fn a_grid_one_cell_early_is_moved_right() {
        // Ink in cells 1..31; the grid covers cells 0..30.
        let image = scene(1..31);
        let moved = shift_by_ink(&image, &grid(0.0, 30)).expect("a shift");
        let (x, _) = moved.point(0.0, 0.0);
        assert!((x - 30.0).abs() < 1e-3, "starts at {x}");
    }

    #[test]
    fn a_grid_whose_lost_cells_glare_left_pale_is_moved() {
        // Ink in cells 1..30, glare over cell 30.
        let image = scene_with(1..30, 30..31);
        let moved = shift_by_ink(&image, &grid(0.0, 30)).expect("a shift");
        let (x, _) = moved.point(0.0, 0.0);
        assert!((x - 30.0).abs() < 1e-3, "starts at {x}");
        // Paper at both ends: a grid too long, not one to move.
        assert!(shift_by_ink(&scene(1..29), &grid(0.0, 30)).is_none());
    }

    #[test]
    fn a_grid_two_cells_late_is_moved_left() {
        let image = scene(3..33);
        let moved = shift_by_ink(&image, &grid(5.0, 30)).expect("a shift");
        let (x, _) = moved.point(0.0, 0.0);
        assert!((x - 50.0).abs() < 1e-3, "starts at {x}");
    }

    #[test]
    fn a_well_placed_grid_or_unclear_ink_is_left_alone() {
        assert!(shift_by_ink(&scene(0..30), &grid(0.0, 30)).is_none());
        // Ink on both sides too (print beside the zone): nothing clear.
        assert!(shift_by_ink(&scene(0..35), &grid(1.0, 30)).is_none());
        // A blank image.
        let blank = GrayImage::from_pixel(400, 40, image::Luma([200]));
        assert!(shift_by_ink(&blank, &grid(0.0, 30)).is_none());
    }
}
