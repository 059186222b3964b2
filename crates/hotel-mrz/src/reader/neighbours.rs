//! Grids next to one that read invalid: the same grid with its lines'
//! glyph boxes evened ([`evened`]), the same lines moved by one or two
//! whole cells along them, a 2×36 grid carried on to 44 cells at either
//! end, and the grid without its perspective, refined again.
//!
//! A grid can be placed right across its lines and still be off along
//! them: glare that washed out a line's end leaves the locator no end to
//! place it by, and a mark beside the zone can pass for a first glyph.
//! Such a grid reads every character from its neighbour's cell (and a 2×36
//! grid on a 2×44 zone whose end glare took reads 36 of its 44 cells), so
//! its reading is never valid; the same grid one or two cells over, or
//! carried on to the zone's length, is. Which one is right the check
//! digits tell: the first neighbour that reads valid wins. A document whose
//! own checks fail reads valid from no grid; a neighbour that reads more
//! probably than every grid before it then becomes the reading returned.
//!
//! The converse: lines that glare cut short are carried on by the locator
//! to every MRZ length, and when a zone's 2×36 grid did not make it among
//! the candidates, its 2×44 grid holds the zone with cells of paper or
//! print beside it. So a carried 2×44 grid is also read as the 2×36 grids
//! inside it. Not the one keeping its first cell: the front 36 cells of a
//! 2×44 zone whose back was misread can pass every TD2 check (the composite
//! matches one time in ten), a truncated reading; the other windows shift
//! every field of a 2×44 zone, which its check digits do not survive.
//! Unless that front window reads as a visa: then it may be a 2×36 visa
//! whose lines were carried on past its end, and it is read as a 2×36 grid
//! the locator found, under the same test of its cells past the 36th.
//!
//! A zone that read as noise is tried moved one or two cells along its
//! lines ([`Near::read_shifts`]): glare that washed out a zone's first
//! cells can leave the locator a grid that far off, and, every character
//! read from its neighbour's cell, it reads as noise rather than as an MRZ.
//! Its cells and two more at each end are classified once, so the moves
//! cost no more classifying than a grid 4 cells longer.
//!
//! Then it is tried with its first or last line moved a
//! cell along and the other kept, a TD1's middle line half as far
//! ([`line_moves`]): the locator lines up lines fitted one by one, and
//! under strong perspective with one end of the zone washed out, it can
//! set one a cell off the other. A moved 2×36 grid that then reads as an
//! MRZ, not valid, is carried on to 44 cells too: the washed-out end may
//! be a TD3's last eight cells.
//!
//! The moved and carried grids keep the measured pitch and line boxes;
//! only the map's origin moves, or the count of cells grows, or (line
//! moves) the zone is sheared. The flattened
//! one (see [`flattened`]) undoes a perspective along the lines that a
//! slope error in a cap-top or baseline fit put there. Not here: choosing
//! the shift
//! from the ink past the ends (`ends`, tried first and cheaper), and
//! a pitch a little off (`locate`'s refinement).

use image::GrayImage;
use imageproc::geometric_transformations::Projection;

use super::cells;
use super::classify::{CLASS_COUNT, Model};
use super::grid::{Grid, LineBox};
use super::{Reading, keep_likelier, locate, read_grid, read_probs, visa_or_longer};
use crate::{Format, ParseOptions};

/// Largest move along the lines, in cells.
const MAX_SHIFT: i32 = 2;
/// Characters per line of the 2-line formats a 2×36 grid may be the front
/// or the back of.
const TD3_CHARS: usize = 44;
/// Characters per line of a TD2 or 2×36 visa.
pub(super) const TD2_CHARS: usize = 36;

/// The grids next to `grid`, nearest first: moved by one cell either way,
/// by two, then (a 2×36 grid only) carried on to 44 cells keeping its
/// first cell, then keeping its last.
pub(crate) fn neighbours(grid: &Grid) -> Vec<Grid> {
    let mut found: Vec<Grid> = (1..=MAX_SHIFT)
        .flat_map(|k| [k, -k])
        .map(|k| moved(grid, k as f32, grid.chars()))
        .collect();
    found.extend(carried_either_way(grid));
    found.extend(carried_and_moved(grid));
    found
}

/// A 2×36 grid carried on to 44 cells at either end and moved a cell
/// either way: glare that washed out one end of a 2×44 zone can also hide
/// the last cell of the other end from the locator; none for any other
/// grid.
fn carried_and_moved(grid: &Grid) -> Vec<Grid> {
    if carried_on(grid).is_none() {
        return Vec::new();
    }
    let extra = (TD3_CHARS - TD2_CHARS) as f32;
    [1.0, -1.0, 1.0 - extra, -1.0 - extra]
        .into_iter()
        .map(|k| moved(grid, k, TD3_CHARS))
        .collect()
}

/// A 2×36 grid carried on to 44 cells keeping its first cell, then keeping
/// its last; none for any other grid.
fn carried_either_way(grid: &Grid) -> Vec<Grid> {
    let extra = (TD3_CHARS - TD2_CHARS) as f32;
    carried_on(grid)
        .map(|front| vec![front, moved(grid, -extra, TD3_CHARS)])
        .unwrap_or_default()
}

/// A grid with its first or its last line moved a cell either way and the
/// other kept at its middle, a TD1's middle line moved half as far (see
/// [`sheared`]); none for a one-line grid.
pub(crate) fn line_moves(grid: &Grid) -> Vec<Grid> {
    if grid.lines().len() < 2 {
        return Vec::new();
    }
    [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
        .into_iter()
        .filter_map(|(top, bottom)| sheared(grid, top, bottom))
        .collect()
}

/// `grid` with its first line moved `top` cells along and its last line
/// `bottom` cells, at their middles: the zone is sheared, a TD1's middle
/// line moved half as far, and each line's glyphs slanted by `bottom − top`
/// cells over the distance between the lines' middles. The zone's lines are
/// fitted one by one and lined up by their ends (`locate`); under a strong
/// perspective with one end of the zone washed out, the grid's vertical
/// comes out slanted, a line a cell off the other at its middle. Its grid
/// then reads as noise (every cell of that line misread), and no move of
/// the whole grid reads both lines. The slant is the error to undo: moving
/// the line alone, with upright cells, read none of the three images of
/// the test sets that the shear reads.
fn sheared(grid: &Grid, top: f32, bottom: f32) -> Option<Grid> {
    let middle = |line: &LineBox| (line.top + line.bottom) / 2.0;
    let (y0, y1) = (middle(grid.lines().first()?), middle(grid.lines().last()?));
    // Also `None` for a NaN spacing.
    if (y1 - y0).partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    // x ↦ x + a + k·y, so that the first line moves by `top`, the last by
    // `bottom`.
    let k = (bottom - top) / (y1 - y0);
    let a = top - k * y0;
    let shear = Projection::from_matrix([1.0, k, a, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0])?;
    Some(Grid::new(
        *grid.to_image() * shear,
        grid.chars(),
        grid.lines().to_vec(),
    ))
}

/// A 2×36 grid carried on to 44 cells keeping its first cell; `None` for
/// any other grid.
pub(crate) fn carried_on(grid: &Grid) -> Option<Grid> {
    (grid.chars() == TD2_CHARS && grid.lines().len() == 2).then(|| moved(grid, 0.0, TD3_CHARS))
}

/// Where the 2×36 windows read inside a carried 2×44 grid start, in cells
/// (module docs: not 0).
const WINDOW_STARTS: std::ops::RangeInclusive<usize> = 1..=TD3_CHARS - TD2_CHARS;

/// The class probabilities of the 2×36 window starting `start` cells into
/// a 2×44 grid's, line by line (`probs`: [`CLASS_COUNT`] values per cell).
fn window_probs(probs: &[f32], start: usize) -> Vec<f32> {
    window_of(probs, 2, TD3_CHARS, start, TD2_CHARS)
}

/// The class probabilities of the window of `chars` cells per line
/// starting `start` cells into a grid of `lines` lines of `wide` cells
/// (`probs`: [`CLASS_COUNT`] values per cell, line by line). A patch is
/// normalised on its own (see [`cells`]), so a window's probabilities are
/// those of a grid over its cells alone.
fn window_of(probs: &[f32], lines: usize, wide: usize, start: usize, chars: usize) -> Vec<f32> {
    (0..lines)
        .flat_map(|line| {
            let first = (line * wide + start) * CLASS_COUNT;
            probs.get(first..first + chars * CLASS_COUNT).unwrap_or(&[])
        })
        .copied()
        .collect()
}

/// What reading a grid's neighbours needs: the image, the model and the
/// parse options.
pub(super) struct Near<'a> {
    pub(super) image: &'a GrayImage,
    pub(super) model: &'a Model,
    pub(super) options: &'a ParseOptions,
}

impl Near<'_> {
    /// The first valid reading of `grid` with its glyph boxes evened, of its
    /// neighbours, in their order, then of `grid` flattened and refined
    /// again. A neighbour that reads more probably than `best` (the most
    /// probable reading so far) takes its place: a document whose own checks
    /// fail still reads most probably from its right grid.
    pub(super) fn read(
        &self,
        grid: &Grid,
        best: &mut Option<Reading>,
        patches: &mut Vec<f32>,
    ) -> Option<Reading> {
        let flat = flattened(grid).and_then(|g| locate::refine_grid(self.image, &g));
        let grids = evened(grid).into_iter().chain(neighbours(grid)).chain(flat);
        self.first_valid(grids, best, patches)
    }

    /// The first valid reading of `grid` moved one or two cells along its
    /// lines, either way up: a zone whose first cells glare washed out can
    /// be found that far off, and then reads as noise, every character from
    /// its neighbour's cell. Its cells and [`MAX_SHIFT`] more at each end
    /// are classified once per way up, and each move is read from them.
    /// Each invalid reading more probable than `best` takes its place.
    pub(super) fn read_shifts(
        &self,
        grid: &Grid,
        best: &mut Option<Reading>,
        patches: &mut Vec<f32>,
    ) -> Option<Reading> {
        let (chars, lines) = (grid.chars(), grid.lines().len());
        let span = MAX_SHIFT as usize;
        let wide = chars + 2 * span;
        for grid in [grid.clone(), grid.rotated_180()] {
            let around = moved(&grid, -(span as f32), wide);
            patches.clear();
            cells::patches_into(self.image, &around, patches);
            let probs = self.model.probabilities(patches);
            for start in (0..=2 * span).filter(|&s| s != span) {
                let window = moved(&around, start as f32, chars);
                let probs = window_of(&probs, lines, wide, start, chars);
                let Some(reading) = read_probs(&probs, &window, self.options) else {
                    continue;
                };
                // A valid visa may be the front of a longer zone.
                let reading = visa_or_longer(
                    self.image,
                    &window,
                    reading,
                    self.model,
                    self.options,
                    patches,
                );
                if reading.is_valid() {
                    return Some(reading);
                }
                keep_likelier(best, reading);
            }
        }
        None
    }

    /// The first valid reading of `grid` with its first or last line moved
    /// a cell (see [`line_moves`]), `grid` the way up given first, then the
    /// other: a zone with a line a cell off reads as noise either way up,
    /// as likely one way as the other. A reading more probable than `best`
    /// takes its place: a document whose own checks fail reads most
    /// probably from its right grid.
    ///
    /// A moved 2×36 grid that reads as an MRZ but not valid is also carried
    /// on to 44 cells at either end: the zone whose end glare hid, and
    /// whose grid was slanted for it, is as likely a 2×44 one.
    pub(super) fn read_line_moves(
        &self,
        grid: &Grid,
        best: &mut Option<Reading>,
        patches: &mut Vec<f32>,
    ) -> Option<Reading> {
        let moves = line_moves(grid)
            .into_iter()
            .chain(line_moves(&grid.rotated_180()));
        for grid in moves {
            let Some(reading) = read_grid(self.image, &grid, self.model, self.options, patches)
            else {
                continue;
            };
            if reading.is_valid() {
                return Some(reading);
            }
            let mrz = !reading.is_noise();
            keep_likelier(best, reading);
            if mrz && let Some(reading) = self.first_valid(carried_either_way(&grid), best, patches)
            {
                return Some(reading);
            }
        }
        None
    }

    /// The first valid reading of `grids`, in their order; each invalid
    /// one more probable than `best` takes its place.
    fn first_valid(
        &self,
        grids: impl IntoIterator<Item = Grid>,
        best: &mut Option<Reading>,
        patches: &mut Vec<f32>,
    ) -> Option<Reading> {
        for grid in grids {
            let Some(reading) = read_grid(self.image, &grid, self.model, self.options, patches)
            else {
                continue;
            };
            if reading.is_valid() {
                return Some(reading);
            }
            keep_likelier(best, reading);
        }
        None
    }

    /// The first valid reading of the 2×36 windows inside a carried 2×44
    /// `grid` (module docs), either way up: the way up its own cells read
    /// is no guide when eight of them are not the zone's. A window that
    /// reads more probably than `best` takes its place. The windows' cells
    /// are the grid's own, so its cells are classified once per way up.
    /// The likeliest window, and the front one when it reads as a visa
    /// (module docs), are then refined over their own cells and read.
    pub(super) fn read_windows(
        &self,
        grid: &Grid,
        best: &mut Option<Reading>,
        patches: &mut Vec<f32>,
    ) -> Option<Reading> {
        if grid.chars() != TD3_CHARS || grid.lines().len() != 2 {
            return None;
        }
        for grid in [grid.rotated_180(), grid.clone()] {
            patches.clear();
            cells::patches_into(self.image, &grid, patches);
            let probs = self.model.probabilities(patches);
            let mut likeliest: Option<(Grid, f32)> = None;
            for start in WINDOW_STARTS {
                let window = moved(&grid, start as f32, TD2_CHARS);
                // A window read as a visa, whose layout has no composite
                // check, is not one of the zones looked for here.
                let Some(reading) = read_probs(&window_probs(&probs, start), &window, self.options)
                    .filter(|r| r.format() != Format::MrvB)
                else {
                    continue;
                };
                if reading.is_valid() {
                    return Some(reading);
                }
                if reading.is_noise() {
                    continue;
                }
                if likeliest
                    .as_ref()
                    .is_none_or(|(_, p)| reading.log_prob() > *p)
                {
                    likeliest = Some((window, reading.log_prob()));
                }
                keep_likelier(best, reading);
            }
            // The pitch and line boxes were measured over 44 cells, eight
            // of them not the zone's: the likeliest window is measured again
            // over its own.
            // So is the front window when it reads as a visa: a 2×36 visa
            // whose lines glare cut short, carried past its end onto
            // whatever lies beyond. Read through `read_grid`, it is weighed
            // as a 2×36 grid the locator found itself: carried on to 44
            // cells again, and taken for the front of a longer zone when
            // its cells past the 36th read as MRZ text.
            let front = moved(&grid, 0.0, TD2_CHARS);
            let visa = read_probs(&window_probs(&probs, 0), &front, self.options)
                .filter(|r| r.format() == Format::MrvB && !r.is_noise())
                .map(|_| front);
            for window in likeliest.map(|(w, _)| w).into_iter().chain(visa) {
                let refined = locate::refine_grid(self.image, &window);
                if let Some(reading) = refined
                    .and_then(|w| read_grid(self.image, &w, self.model, self.options, patches))
                {
                    if reading.is_valid() {
                        return Some(reading);
                    }
                    keep_likelier(best, reading);
                }
            }
        }
        None
    }
}

/// The parallelogram through `grid`'s top-left, top-right and bottom-left
/// corners, with its lines: `grid` without its perspective. A small slope
/// error in one line's cap top or baseline fit makes the zone look taller
/// at one end, which a projective map takes for a perspective along the
/// lines: a degree of it bows a TD1's middle cells a whole cell off, and
/// refinement, whose windows follow the grid, keeps the bow.
fn flattened(grid: &Grid) -> Option<Grid> {
    let [top_left, top_right, _, bottom_left] = grid.corners();
    let bottom_right = (
        top_right.0 + bottom_left.0 - top_left.0,
        top_right.1 + bottom_left.1 - top_left.1,
    );
    let (top, bottom) = (grid.lines().first()?.top, grid.lines().last()?.bottom);
    let chars = grid.chars() as f32;
    let to_image = Projection::from_control_points(
        [(0.0, top), (chars, top), (chars, bottom), (0.0, bottom)],
        [top_left, top_right, bottom_right, bottom_left],
    )?;
    Some(Grid::new(to_image, grid.chars(), grid.lines().to_vec()))
}

/// Shortest glyph box, as a share of the zone's tallest, that [`evened`]
/// leaves as measured.
const SHORT_BOX_SHARE: f32 = 0.9;

/// `grid` (read the right way up) with every glyph box under
/// [`SHORT_BOX_SHARE`] of the tallest made as tall, its cap top kept;
/// `None` when no box is that short. One MRZ's lines are printed at one
/// size, but a line of mostly fillers measures short: OCR-B's `<` ends
/// about a tenth of a capital's height above the baseline, and its top is
/// a capital's (seen: 0.81 pitch against the next line's 0.95). Cut that
/// short, a line's `<` cells read as `2`. Not done to every grid: the
/// model learnt the boxes as the refinement measures them, and evening
/// all of them lost more readings than it gained. The tallest box is the
/// reference, though a fit that took in noise can be too tall; a median
/// of three lines would guard against that.
fn evened(grid: &Grid) -> Option<Grid> {
    let height = |l: &LineBox| l.bottom - l.top;
    let tallest = grid.lines().iter().map(height).fold(0.0f32, f32::max);
    let short = |l: &LineBox| height(l) < SHORT_BOX_SHARE * tallest;
    if !grid.lines().iter().any(short) {
        return None;
    }
    let lines = grid
        .lines()
        .iter()
        .map(|l| {
            if short(l) {
                LineBox {
                    top: l.top,
                    bottom: l.top + tallest,
                }
            } else {
                *l
            }
        })
        .collect();
    Some(Grid::new(*grid.to_image(), grid.chars(), lines))
}

/// `grid` with its first cell `cells` cells along its lines, and `chars`
/// characters per line.
fn moved(grid: &Grid, cells: f32, chars: usize) -> Grid {
    let to_image = *grid.to_image() * Projection::translate(cells, 0.0);
    Grid::new(to_image, chars, grid.lines().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::specimen::{options, printed, specimen, td3};

    fn grid(chars: usize, lines: usize) -> Grid {
        let boxes = (0..lines)
            .map(|l| LineBox {
                top: 1.6 * l as f32,
                bottom: 1.6 * l as f32 + 1.0,
            })
            .collect();
        let to_image = Projection::translate(100.0, 50.0) * Projection::scale(10.0, 10.0);
        Grid::new(to_image, chars, boxes)
    }

    fn start_and_chars(g: &Grid) -> (f32, usize) {
        (g.point(0.0, 0.0).0, g.chars())
    }

    #[test]
    fn a_grid_is_moved_one_then_two_cells_either_way() {
        let got: Vec<(f32, usize)> = neighbours(&grid(44, 2))
            .iter()
            .map(start_and_chars)
            .collect();
        assert_eq!(got, [(110.0, 44), (90.0, 44), (120.0, 44), (80.0, 44)]);
    }

    #[test]
    fn a_grid_has_its_first_or_last_line_moved_a_cell_and_the_other_kept() {
        let base = grid(44, 2);
        let found = line_moves(&base);
        assert_eq!(found.len(), 4);
        assert_eq!(line_moves(&grid(30, 3)).len(), 4);
        assert!(line_moves(&grid(30, 1)).is_empty());
        // Where the middle of each line's first cell went, in cells.
        let starts: Vec<[f32; 2]> = found
            .iter()
            .map(|g| [0.5f32, 2.1].map(|y| (g.point(0.0, y).0 - base.point(0.0, y).0) / 10.0))
            .collect();
        for (got, want) in starts
            .iter()
            .zip([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        {
            assert!(
                (got[0] - want[0]).abs() < 1e-4 && (got[1] - want[1]).abs() < 1e-4,
                "{got:?} != {want:?}"
            );
        }
    }

    #[test]
    fn a_2x36_grid_is_also_carried_on_to_44_cells_at_either_end() {
        let got: Vec<(f32, usize)> = neighbours(&grid(36, 2))
            .iter()
            .map(start_and_chars)
            .collect();
        assert_eq!(got[4..6], [(100.0, 44), (20.0, 44)]);
        // Then each carried grid moved a cell either way.
        assert_eq!(got[6..], [(110.0, 44), (90.0, 44), (30.0, 44), (10.0, 44)]);
        // Its last cell stays where it was when the first is carried on.
        let back = &neighbours(&grid(36, 2))[5];
        assert!((back.point(44.0, 0.0).0 - 460.0).abs() < 1e-3);
        // A TD1 is only moved.
        assert_eq!(neighbours(&grid(30, 3)).len(), 4);
    }

    /// A reader of `image`'s grids with the built-in model.
    fn near<'a>(image: &'a GrayImage, options: &'a ParseOptions) -> Near<'a> {
        Near {
            image,
            model: Model::builtin().expect("the built-in model"),
            options,
        }
    }

    /// The text of the first neighbour of `grid` that reads valid.
    fn first_valid(image: &GrayImage, grid: &Grid) -> Option<String> {
        let options = options();
        let near = near(image, &options);
        let mut patches = Vec::new();
        neighbours(grid).iter().find_map(|g| {
            read_grid(image, g, near.model, near.options, &mut patches)
                .filter(Reading::is_valid)
                .map(|r| r.text().to_owned())
        })
    }

    #[test]
    fn a_grid_a_cell_off_reads_valid_from_a_neighbour() {
        let text = td3();
        let (image, truth) = printed(&text);
        for off in [1.0, -2.0] {
            let grid = moved(&truth, off, 44);
            assert_eq!(first_valid(&image, &grid).as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn a_grid_two_cells_off_reads_valid_shifted_either_way_up() {
        let options = options();
        for format in [Format::Td2, Format::Td1] {
            let text = specimen(format);
            let (image, truth) = printed(&text);
            let near = near(&image, &options);
            let mut patches = Vec::new();
            for (off, turned) in [(2.0, false), (-1.0, true)] {
                let grid = moved(&truth, off, truth.chars());
                let grid = if turned { grid.rotated_180() } else { grid };
                let mut best = None;
                let reading = near.read_shifts(&grid, &mut best, &mut patches);
                assert_eq!(reading.as_ref().map(Reading::text), Some(text.as_str()));
            }
        }
    }

    #[test]
    fn a_window_of_a_wider_grid_takes_its_own_cells_line_by_line() {
        let probs: Vec<f32> = (0..3 * 34 * CLASS_COUNT).map(|v| v as f32).collect();
        let window = window_of(&probs, 3, 34, 4, 30);
        assert_eq!(window.len(), 3 * 30 * CLASS_COUNT);
        assert_eq!(window[0], (4 * CLASS_COUNT) as f32);
        assert_eq!(
            window[2 * 30 * CLASS_COUNT],
            ((2 * 34 + 4) * CLASS_COUNT) as f32
        );
    }

    #[test]
    fn a_2x36_grid_on_a_td3_reads_valid_carried_on_to_44_cells() {
        let text = td3();
        let (image, truth) = printed(&text);
        // The front 36 cells, and the back 36.
        for first in [0.0, 8.0] {
            let grid = moved(&truth, first, 36);
            assert_eq!(first_valid(&image, &grid).as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn a_grid_with_one_line_a_cell_off_reads_valid_with_it_moved_back() {
        let text = specimen(Format::Td2);
        let (image, truth) = printed(&text);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        for (top, bottom) in [(1.0, 0.0), (0.0, -1.0)] {
            let off = sheared(&truth, top, bottom).expect("a 2-line grid");
            let read = read_grid(&image, &off, near.model, &options, &mut patches);
            assert!(!read.is_some_and(|r| r.is_valid()));
            // Given either way up: the noise it reads is no guide.
            for off in [off.clone(), off.rotated_180()] {
                let mut best = None;
                let found = near.read_line_moves(&off, &mut best, &mut patches);
                assert_eq!(found.as_ref().map(Reading::text), Some(text.as_str()));
            }
        }
        // A TD1 whose last line is a cell off.
        let text = specimen(Format::Td1);
        let (image, truth) = printed(&text);
        let td1 = Near {
            image: &image,
            ..near
        };
        let off = sheared(&truth, 0.0, -1.0).expect("a 3-line grid");
        let mut best = None;
        let found = td1.read_line_moves(&off, &mut best, &mut patches);
        assert_eq!(found.as_ref().map(Reading::text), Some(text.as_str()));
    }

    #[test]
    fn a_2x36_grid_on_a_td3_with_one_line_a_cell_off_reads_valid_moved_back_and_carried_on() {
        let text = td3();
        let (image, truth) = printed(&text);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        // The front 36 cells and the back 36, the last line a cell off.
        for first in [0.0, 8.0] {
            let window = moved(&truth, first, 36);
            let off = sheared(&window, 0.0, -1.0).expect("a 2-line grid");
            let mut best = None;
            let found = near.read_line_moves(&off, &mut best, &mut patches);
            assert_eq!(found.as_ref().map(Reading::text), Some(text.as_str()));
        }
    }

    #[test]
    fn a_line_of_fillers_measured_short_reads_valid_with_its_box_evened() {
        let text = specimen(Format::Td1);
        let (image, truth) = printed(&text);
        // The first line's baseline measured where its fillers end, a
        // sixth of the glyph height too high.
        let mut lines = truth.lines().to_vec();
        let first = &mut lines[0];
        first.bottom -= (first.bottom - first.top) / 6.0;
        let short = Grid::new(*truth.to_image(), truth.chars(), lines);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        let read = read_grid(&image, &short, near.model, &options, &mut patches);
        assert!(!read.is_some_and(|r| r.is_valid()));
        let even = evened(&short).expect("a short box");
        assert_eq!(even.lines()[1..], truth.lines()[1..]);
        let found = read_grid(&image, &even, near.model, &options, &mut patches);
        assert!(found.as_ref().is_some_and(Reading::is_valid));
        assert_eq!(found.as_ref().map(Reading::text), Some(text.as_str()));
        // Boxes within a tenth of each other are left as measured.
        assert!(evened(&truth).is_none());
    }

    #[test]
    fn a_document_whose_checks_fail_reads_most_probably_from_its_right_grid() {
        // The TD3 with its document number's check digit changed.
        let mut text = td3().into_bytes();
        let check = 44 + 9;
        text[check] = if text[check] == b'0' { b'1' } else { b'0' };
        let text = String::from_utf8(text).expect("ASCII");
        let (image, truth) = printed(&text);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        let off = moved(&truth, 1.0, 44);
        let mut best = read_grid(&image, &off, near.model, &options, &mut patches);
        assert_ne!(best.as_ref().map(Reading::text), Some(text.as_str()));
        assert!(near.read(&off, &mut best, &mut patches).is_none());
        assert_eq!(best.as_ref().map(Reading::text), Some(text.as_str()));
    }

    #[test]
    fn a_td1_grid_bowed_by_a_false_perspective_reads_valid_flattened() {
        let text = specimen(Format::Td1);
        let (image, truth) = printed(&text);
        // The zone's right end made a tenth taller than its left, as a
        // baseline fit a degree off does.
        let [tl, tr, br, bl] = truth.corners();
        let height = bl.1 - tl.1;
        let (top, bottom) = (truth.lines()[0].top, truth.lines()[2].bottom);
        let to_image = Projection::from_control_points(
            [(0.0, top), (30.0, top), (30.0, bottom), (0.0, bottom)],
            [tl, tr, (br.0, br.1 + 0.1 * height), bl],
        )
        .expect("a proper quad");
        let bowed = Grid::new(to_image, 30, truth.lines().to_vec());
        // Its middle cells sit most of a cell off.
        let (x, _) = bowed.point(15.5, 0.5);
        let (t, _) = truth.point(15.5, 0.5);
        let pitch = truth.point(1.0, 0.0).0 - truth.point(0.0, 0.0).0;
        assert!((x - t).abs() > 0.5 * pitch, "{x} vs {t}");

        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        let mut best = None;
        let reading = near.read(&bowed, &mut best, &mut patches);
        assert_eq!(reading.as_ref().map(Reading::text), Some(text.as_str()));
    }

    #[test]
    fn a_td2_inside_a_carried_2x44_grid_reads_valid_from_its_window() {
        let text = specimen(Format::Td2);
        let (image, truth) = printed(&text);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        for before in [3.0, 8.0] {
            // Lines carried on `before` cells ahead of the zone and the
            // rest after it.
            let carried = moved(&truth, -before, 44);
            let mut best = None;
            let reading = near.read_windows(&carried, &mut best, &mut patches);
            assert_eq!(reading.as_ref().map(Reading::text), Some(text.as_str()));
        }
    }

    #[test]
    fn a_visa_inside_a_carried_2x44_grid_reads_valid_from_its_front_window() {
        let text = specimen(Format::MrvB);
        let (image, truth) = printed(&text);
        let options = options();
        let near = near(&image, &options);
        let mut patches = Vec::new();
        // The lines carried on eight cells past the visa's end, onto paper.
        let carried = moved(&truth, 0.0, 44);
        let mut best = None;
        let reading = near.read_windows(&carried, &mut best, &mut patches);
        assert_eq!(reading.as_ref().map(Reading::text), Some(text.as_str()));
    }

    #[test]
    fn no_window_keeps_the_first_cell_of_a_2x44_grid() {
        // Its front 36 cells are where a truncated 2×44 zone would read.
        assert_eq!(WINDOW_STARTS, 1..=8);
        let probs: Vec<f32> = (0..2 * 44 * CLASS_COUNT).map(|v| v as f32).collect();
        let window = window_probs(&probs, 3);
        assert_eq!(window.len(), 2 * 36 * CLASS_COUNT);
        assert_eq!(window[0], (3 * CLASS_COUNT) as f32);
        assert_eq!(window[36 * CLASS_COUNT], ((44 + 3) * CLASS_COUNT) as f32);
    }

    #[test]
    fn neighbours_keep_the_line_boxes() {
        let base = grid(36, 2);
        for n in neighbours(&base) {
            assert_eq!(n.lines(), base.lines());
        }
    }
}
