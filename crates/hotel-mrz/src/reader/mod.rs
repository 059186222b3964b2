//! Reading the MRZ from photos and camera frames, in pure Rust.
//!
//! The steps, each in its own module:
//!
//! - [`decode`]: encoded bytes to an image, within explicit size limits.
//! - [`grid`]: where an MRZ lies in an image (the contract between locating
//!   and everything after it).
//! - [`locate`]: finding the MRZ's lines and cells in a gray image.
//! - `ends`: moving a grid found a cell or two off along its lines, by
//!   the ink past its ends (tried when no zone reads valid).
//! - `neighbours`: the grids a cell or two along from one, a 2×36 grid
//!   carried on to 44 cells, a grid without its perspective, and the 2×36
//!   windows of a carried 2×44 grid (tried last, when no zone reads valid).
//! - [`cells`]: one normalised patch per character cell, through the grid.
//! - [`classify`]: the built-in network from patch to class probabilities.
//! - [`correct`]: from per-cell probabilities to the most probable
//!   consistent text (classes, check digits, name grammar, country codes).
//! - [`reading`](mod@reading): what a read gives; [`stream`]: camera frames;
//!   [`cli`]: the `hotel mrz read` command.
//!
//! ```no_run
//! let bytes = std::fs::read("passport.jpg")?;
//! let reading = hotel_mrz::reader::read_bytes(&bytes)?;
//! if reading.is_valid() && !reading.name_needs_confirmation() {
//!     println!("{}", reading.text());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Characters are classified into [`CLASSES`], in that order: the digits,
//! the letters, then the filler `<`. [`crate::ocr::CharSet`] uses the same
//! order for its bits.

pub mod cells;
pub mod classify;
pub mod cli;
pub mod correct;
pub mod decode;
mod ends;
pub mod grid;
pub mod locate;
mod neighbours;
pub mod reading;
#[cfg(test)]
mod specimen;
pub mod stream;

use image::{DynamicImage, GrayImage};
use imageproc::geometric_transformations::Projection;

use crate::{Format, ParseOptions};

pub use correct::{Correction, Reason};
pub use grid::{Grid, LineBox};
pub use reading::{
    CHECKED_VALID_P, Doubt, MAX_UNSURE, MAX_UNSURE_SHARE, NAME_CONFIRM_P, PartsError, ReadError,
    Reading, UNCHECKED_VALID_P, UNSURE_P,
};
pub use stream::{DEFAULT_AGREE, FULL_SEARCH_EVERY, Frame, FrameReader};

/// Zones that read as noise tried with a line moved (see [`read_gray`]):
/// on the eight 300-image sets of the seventh round every 2-line zone read
/// so was among the first three, and each one more costs eight readings of
/// an image that gives no valid one.
const LINE_MOVED_ZONES: usize = 3;

/// Reads the MRZ of a decoded image, resolving dates against today (UTC).
///
/// # Errors
///
/// [`ReadError::NoMrz`] when no zone is found, [`ReadError::Unreadable`]
/// when a zone is found but gives no MRZ-shaped text. A reading whose
/// checks fail is `Ok` and [`Reading::is_valid`] says so.
pub fn read(image: &DynamicImage) -> Result<Reading, ReadError> {
    read_gray(&decode::to_gray(image), &ParseOptions::today_utc())
}

/// Reads the MRZ of encoded image bytes (PNG, JPEG, WebP, BMP, TIFF) within
/// [`decode`]'s limits, resolving dates against today (UTC).
///
/// # Errors
///
/// As [`read`], plus [`ReadError::Decode`] for bytes that are no image
/// within the limits.
pub fn read_bytes(bytes: &[u8]) -> Result<Reading, ReadError> {
    read_bytes_with(bytes, &ParseOptions::today_utc())
}

/// [`read_bytes`] with explicit parse options.
///
/// # Errors
///
/// As [`read_bytes`].
pub fn read_bytes_with(bytes: &[u8], options: &ParseOptions) -> Result<Reading, ReadError> {
    read_gray(&decode::decode_gray(bytes)?, options)
}

/// Reads the MRZ of a gray image with explicit parse options.
///
/// Every candidate zone is read both ways up; the first valid reading wins.
/// When none is valid, each zone whose ends' ink says it lies a cell or two
/// off along its lines is read again moved, and wins if valid; then each
/// zone that read as an MRZ is read, the way up it read best, from its
/// neighbouring grids (see `neighbours`), and the first valid one wins;
/// then each carried 2×44 zone is read as the 2×36 zones inside it; then
/// the first [`LINE_MOVED_ZONES`] zones that read as noise are read, both
/// ways up, moved a cell or two along their lines, then with their first
/// or last line moved a cell; else the most probable reading is returned.
/// When no zone is found, the image is searched again turned by 90° (a
/// sideways document).
///
/// # Errors
///
/// As [`read`], plus [`ReadError::Model`] if the built-in model does not
/// load (a build fault, which a test guards against).
pub fn read_gray(image: &GrayImage, options: &ParseOptions) -> Result<Reading, ReadError> {
    let candidates = match locate::candidates(image) {
        found if found.is_empty() => sideways(image),
        found => found,
    };
    if candidates.is_empty() {
        return Err(ReadError::NoMrz);
    }
    let model = classify::Model::builtin().map_err(|e| ReadError::Model(e.clone()))?;
    let mut best: Option<Reading> = None;
    let mut patches = Vec::new();
    let mut read = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let carried = candidate.is_carried();
        let Some(grid) = candidate.into_grid(image) else {
            continue;
        };
        // The way up this zone read best: as an MRZ if either did (`true`),
        // else the likelier noise.
        let mut way_up: Option<(Grid, bool, f32)> = None;
        for grid in [grid.rotated_180(), grid.clone()] {
            let Some(reading) = read_grid(image, &grid, model, options, &mut patches) else {
                continue;
            };
            if reading.is_valid() {
                return Ok(reading);
            }
            let rank = (!reading.is_noise(), reading.log_prob());
            if way_up.as_ref().is_none_or(|(_, m, p)| rank > (*m, *p)) {
                way_up = Some((grid, rank.0, rank.1));
            }
            if rank.0 {
                keep_likelier(&mut best, reading);
            }
        }
        read.push((grid, carried, way_up.map(|(g, m, _)| (g, m))));
    }
    // No zone read valid: one placed a cell or two off along its lines
    // reads every character from its neighbour's cell (see `ends`).
    for (grid, _, _) in &read {
        let Some(moved) = ends::shift_by_ink(image, grid) else {
            continue;
        };
        for grid in [moved.rotated_180(), moved] {
            if let Some(reading) = read_grid(image, &grid, model, options, &mut patches)
                && reading.is_valid()
            {
                return Ok(reading);
            }
        }
    }
    // Nor moved by its ends' ink: the zones that read as an MRZ are tried
    // a cell or two along, and a 2×36 one carried on to 44 cells, the way
    // up they read best (see `neighbours`); a zone found again along
    // another text direction, once.
    let near = neighbours::Near {
        image,
        model,
        options,
    };
    let mut tried: Vec<&Grid> = Vec::new();
    let way_up = |mrz: bool| {
        read.iter()
            .filter_map(move |(_, _, g)| g.as_ref().filter(|(_, m)| *m == mrz).map(|(g, _)| g))
    };
    for grid in way_up(true) {
        if tried.iter().any(|t| locate::same_zone(t, grid)) {
            continue;
        }
        tried.push(grid);
        if let Some(reading) = near.read(grid, &mut best, &mut patches) {
            return Ok(reading);
        }
    }
    // Nor from a neighbour: a carried 2×44 zone may hold a 2×36 one whose
    // own grid was not among the candidates (see `neighbours`); tried
    // even when the 2×44 reading was noise, as its extra cells make it.
    for (grid, carried, _) in &read {
        if *carried && let Some(reading) = near.read_windows(grid, &mut best, &mut patches) {
            return Ok(reading);
        }
    }
    // Nor from a window: a zone that read as noise either way up may have
    // one line a cell off the other (see `neighbours::sheared`); tried with
    // its first or last line moved, the way up it read likelier first, then
    // the other, for the first few such zones (a zone found again, either
    // way up, once: its moves are tried both ways up).
    let mut tried: Vec<Grid> = Vec::new();
    for grid in way_up(false) {
        if tried.len() == LINE_MOVED_ZONES {
            break;
        }
        let turned = grid.rotated_180();
        if tried
            .iter()
            .any(|t| locate::same_zone(t, grid) || locate::same_zone(t, &turned))
        {
            continue;
        }
        tried.push(grid.clone());
        // Moved whole first: a zone a cell or two off along its lines
        // reads as noise too, and its moves are cheaper to read.
        if let Some(reading) = near.read_shifts(grid, &mut best, &mut patches) {
            return Ok(reading);
        }
        if let Some(reading) = near.read_line_moves(grid, &mut best, &mut patches) {
            return Ok(reading);
        }
    }
    best.ok_or(ReadError::Unreadable)
}

/// Makes `reading` the `best` so far when it is a better one to return
/// and not noise: the reading returned when none is valid. A text that
/// passes every check (doubted only for its confidence) beats one that
/// does not, unless so many of its characters are unsure that its checks
/// may hold by chance ([`Doubt::Unsure`]: a grid carried past the
/// document's edge, say); then the likelier per cell wins (per cell, so
/// that a 2×36 window does not beat its 2×44 zone for having fewer cells).
fn keep_likelier(best: &mut Option<Reading>, reading: Reading) {
    let rank = |r: &Reading| {
        let checked = r.passes_checks() && r.unsure() <= MAX_UNSURE;
        (checked, r.log_prob() / r.cells().max(1) as f32)
    };
    if !reading.is_noise() && best.as_ref().is_none_or(|b| rank(&reading) > rank(b)) {
        *best = Some(reading);
    }
}

/// The reading of `grid` in `image`; `None` when its cells give nothing
/// MRZ-shaped.
///
/// A 2×36 grid that reads as a valid visa may hold only the front 36 cells
/// of a 2×44 zone whose back the locator lost (glare): they pass every
/// check of the shorter layout, which has no composite check to notice.
/// So the grid is also read carried on to 44 cells. When that reads valid,
/// or its cells past the 36th read as MRZ text (more than
/// [`SURE_PAST_VISA_END`] of them with [`NAME_CONFIRM_P`], and only
/// fillers past a line whose fields ended), the zone's
/// lines go on, and the longer reading is returned. So a grid carried on
/// to 36 cells (see `locate::Candidate`) is read as a visa like any other.
fn read_grid(
    image: &GrayImage,
    grid: &Grid,
    model: &classify::Model,
    options: &ParseOptions,
    patches: &mut Vec<f32>,
) -> Option<Reading> {
    let reading = read_cells(image, grid, model, options, patches)?;
    Some(visa_or_longer(
        image, grid, reading, model, options, patches,
    ))
}

/// `reading`, of `grid`'s cells, or, when it is a valid visa whose lines
/// go on past its end (see [`read_grid`]), the reading of `grid` carried on
/// to 44 cells.
fn visa_or_longer(
    image: &GrayImage,
    grid: &Grid,
    reading: Reading,
    model: &classify::Model,
    options: &ParseOptions,
    patches: &mut Vec<f32>,
) -> Reading {
    if reading.format() != Format::MrvB || !reading.is_valid() {
        return reading;
    }
    let whole = neighbours::carried_on(grid)
        .and_then(|longer| read_cells(image, &longer, model, options, patches));
    match whole {
        Some(whole) if whole.is_valid() || goes_on_past_visa_end(&whole) => whole,
        _ => reading,
    }
}

/// Most cells past a 2×36 visa's end, of both lines, that may read surely
/// as MRZ text for its lines to end there. Paper, a page's edge or the
/// table past a visa read no surer than 3 of 16 on the five 300-image sets;
/// the cut 2×44 visas there read 10 and 16.
const SURE_PAST_VISA_END: usize = 4;

/// The shortest run of fillers that ends a line's last field: a name
/// holds at most two `<` in a row, and optional data goes to its filler
/// tail after two (`correct`'s grammars), so a line whose 36th cell ends
/// such a run can only go on with fillers.
const ENDING_FILLERS: usize = 3;

/// Whether `whole`, a 2×36 visa's grid carried on to 44 cells, reads MRZ
/// text past the visa's end (see [`read_grid`]): cells read surely, and
/// only fillers past a line whose fields ended before it. A striped
/// background past the visa reads surely too, as letters.
fn goes_on_past_visa_end(whole: &Reading) -> bool {
    let end = neighbours::TD2_CHARS;
    let sure = whole
        .text()
        .lines()
        .zip(whole.char_confidence())
        .map(|(line, confidence)| {
            let (front, past) = line.as_bytes().split_at(end.min(line.len()));
            let ended = front.iter().rev().take_while(|&&c| c == b'<').count() >= ENDING_FILLERS;
            past.iter()
                .zip(confidence.get(end..).unwrap_or(&[]))
                .filter(|&(&c, &p)| p >= NAME_CONFIRM_P && (!ended || c == b'<'))
                .count()
        })
        .sum::<usize>();
    sure > SURE_PAST_VISA_END
}

/// The reading of `grid`'s own cells, whatever its format.
fn read_cells(
    image: &GrayImage,
    grid: &Grid,
    model: &classify::Model,
    options: &ParseOptions,
    patches: &mut Vec<f32>,
) -> Option<Reading> {
    patches.clear();
    cells::patches_into(image, grid, patches);
    let probs = model.probabilities(patches);
    read_probs(&probs, grid, options)
}

/// The reading of `grid` from the class probabilities of its cells
/// (`classify::CLASS_COUNT` values per cell, line by line); `None` when
/// they give nothing MRZ-shaped.
fn read_probs(probs: &[f32], grid: &Grid, options: &ParseOptions) -> Option<Reading> {
    let cells = correct::Cells::new(probs, grid.lines().len(), grid.chars())?;
    let decoded = correct::decode(cells, options)?;
    Some(Reading::new(decoded, grid.corners(), options))
}

/// Zones of a document turned by 90° either way: located in the image
/// turned by 90° clockwise, their grids mapped back into `image`.
fn sideways(image: &GrayImage) -> Vec<locate::Candidate> {
    let turned = image::imageops::rotate90(image);
    // `rotate90` moves point (x, y) to (height − y, x); this is the way back.
    let height = image.height() as f32;
    let Some(back) = Projection::from_matrix([0.0, 1.0, 0.0, -1.0, 0.0, height, 0.0, 0.0, 1.0])
    else {
        return Vec::new();
    };
    locate::candidates(&turned)
        .into_iter()
        .map(|c| locate::Candidate {
            grid: Grid::new(
                back * *c.grid.to_image(),
                c.grid.chars(),
                c.grid.lines().to_vec(),
            ),
            carried: c.carried,
            refined: c.refined,
        })
        .collect()
}

/// The 37 MRZ characters in class order: `0`–`9`, `A`–`Z`, `<`.
pub const CLASSES: [u8; 37] = *b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// The class index of MRZ character `c` (see [`CLASSES`]), or `None` for
/// anything else.
pub const fn class_of(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as usize),
        b'A'..=b'Z' => Some((c - b'A') as usize + 10),
        b'<' => Some(36),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2x36_grid_on_a_2x44_visa_reads_the_whole_visa() {
        let text = specimen::specimen(Format::MrvA);
        let (image, zone) = specimen::printed(&text);
        let front = Grid::new(*zone.to_image(), 36, zone.lines().to_vec());
        let options = specimen::options();
        let model = classify::Model::builtin().expect("the built-in model");
        let mut patches = Vec::new();
        let reading = read_grid(&image, &front, model, &options, &mut patches).expect("a reading");
        assert!(reading.is_valid());
        assert_eq!(reading.text(), text);
        // Its front 36 cells alone pass every check of a 2×36 visa.
        let cut = read_cells(&image, &front, model, &options, &mut patches).expect("a reading");
        assert_eq!(cut.format(), Format::MrvB);
        assert!(cut.is_valid());
        // A 2×36 visa stays one: paper lies past its end.
        let text = specimen::specimen(Format::MrvB);
        let (image, zone) = specimen::printed(&text);
        let reading = read_grid(&image, &zone, model, &options, &mut patches).expect("a reading");
        assert!(reading.is_valid());
        assert_eq!(reading.text(), text);
    }

    #[test]
    fn cells_read_surely_past_a_visas_end_say_its_lines_go_on() {
        let lines: [&[u8]; 2] = [
            b"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            b"L898902C36UTO7408122F3204159ZE184226B<<<<<<<",
        ];
        assert!(goes_on_past_visa_end(&sure_of(&lines, 0.95)));
        // Background past the end reads as something, unsurely.
        assert!(!goes_on_past_visa_end(&sure_of(&lines, 0.6)));
        // Stripes past the end read surely, as letters, but both lines'
        // fields ended before the 36th cell.
        let striped: [&[u8]; 2] = [
            b"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<AVLTTTTT",
            b"L898902C36UTO7408122F3204159ZE1<<<<<AV102LLA",
        ];
        assert!(!goes_on_past_visa_end(&sure_of(&striped, 0.95)));
    }

    #[test]
    fn classes_and_class_of_agree() {
        for (i, &c) in CLASSES.iter().enumerate() {
            assert_eq!(class_of(c), Some(i));
        }
        assert_eq!(class_of(b'a'), None);
        assert_eq!(class_of(b' '), None);
    }

    /// The reading of cells that give each character of `lines` with `p`.
    fn sure_of(lines: &[&[u8]], p: f32) -> Reading {
        sure_but(lines, p, &[], p)
    }

    /// As [`sure_of`], the cells (line, column) of `unsure` with `q`.
    fn sure_but(lines: &[&[u8]], p: f32, unsure: &[(usize, usize)], q: f32) -> Reading {
        let mut probs = Vec::new();
        for (l, line) in lines.iter().enumerate() {
            for (c, &ch) in line.iter().enumerate() {
                let mut cell = [0.0001f32; 37];
                cell[class_of(ch).unwrap_or(36)] = if unsure.contains(&(l, c)) { q } else { p };
                probs.extend(cell);
            }
        }
        let options = ParseOptions::new(crate::Date::new(2012, 1, 1).unwrap());
        let cells = correct::Cells::new(&probs, lines.len(), lines[0].len()).unwrap();
        Reading::new(
            correct::decode(cells, &options).unwrap(),
            [(0.0, 0.0); 4],
            &options,
        )
    }

    #[test]
    fn a_reading_that_passes_its_checks_beats_a_shorter_likelier_one_that_does_not() {
        // A 2×44 zone read at 60% a cell (its name too unsure to be valid,
        // its checks right) and a 2×36 one at 90% a cell whose composite
        // check fails: 88 cells at 60% are less probable than 72 at 90% in
        // all, but the first is the one to return.
        let zone = sure_of(
            &[
                b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                b"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            0.6,
        );
        let window = sure_of(
            &[
                b"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                b"D231458907UTO7408122F1204159<<<<<<<7",
            ],
            0.9,
        );
        assert!(zone.passes_checks() && !zone.is_valid());
        assert!(!window.passes_checks());
        assert!(window.log_prob() > zone.log_prob());
        let mut best = None;
        keep_likelier(&mut best, window);
        keep_likelier(&mut best, zone.clone());
        assert_eq!(
            best.map(|b| b.text().to_owned()),
            Some(zone.text().to_owned())
        );
    }

    #[test]
    fn a_reading_whose_checks_may_hold_by_chance_does_not_beat_a_sure_one() {
        // A 2×44 reading whose checks pass with five characters unsure (a
        // grid carried past a document's end reads so), and a 2×36 one sure
        // of every cell, its document printed with a wrong composite.
        let lines: [&[u8]; 2] = [
            b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            b"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let unsure: Vec<(usize, usize)> = (39..44).map(|c| (0, c)).collect();
        let carried = sure_but(&lines, 0.95, &unsure, 0.4);
        let window = sure_of(
            &[
                b"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                b"D231458907UTO7408122F1204159<<<<<<<7",
            ],
            0.95,
        );
        assert!(carried.passes_checks() && carried.unsure() > MAX_UNSURE);
        assert!(!window.passes_checks());
        let mut best = None;
        keep_likelier(&mut best, carried);
        keep_likelier(&mut best, window.clone());
        assert_eq!(
            best.map(|b| b.text().to_owned()),
            Some(window.text().to_owned())
        );
    }
}
