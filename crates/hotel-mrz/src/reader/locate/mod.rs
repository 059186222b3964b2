//! Finding the MRZ in a gray image: candidate [`Grid`]s, best first.
//!
//! The steps:
//!
//! 1. Large frames are shrunk by an integer factor for the search
//!    (at most about 1.6 megapixels are searched); when that finds nothing,
//!    the full frame is searched (small print in a large frame).
//! 2. `blobs`: adaptive binarisation (window mean from an integral image,
//!    so uneven light does not matter) and connected components; when no
//!    zone is found, again with a stricter, then a looser ink margin, and
//!    then with the lines seen at all three pooled (glare and blur can
//!    leave each line of a zone seen at a different margin).
//! 3. `lines`: the three strongest text directions from nearest
//!    neighbours (three more when these give no zone: a textured table can
//!    outnumber small print); chains of character-like components along
//!    each; a line fit per long, regularly spaced chain; pieces of one
//!    line (split by glare or a smudge) joined; 2–3 parallel lines of equal
//!    pitch and extent at regular spacing make a zone of 30, 36 or 44
//!    cells, one per format length a line of it was seen at (within two
//!    cells); two lines that agree at one end only (glare took the other
//!    end of one) make a zone too, ranked after those agreeing at both;
//!    `missing_line`: two lines of a TD1 with its third line proposed.
//! 4. `refine`: the zone's grid is refined from the ink of each line at full
//!    resolution (cell centroids, cap tops, baselines) and its projection
//!    recomputed from the zone's corners.
//!
//! Orientation: a grid is returned reading left to right on screen (its
//! x axis points within ±90° of the image's +x). For a document turned by
//! 180° that is the true grid's [`Grid::rotated_180`]: the reader tries
//! both.
//!
//! Pixel coordinates are continuous: pixel `(i, j)` covers
//! `[i, i + 1] × [j, j + 1]`, as in the generator's `synth::render`.
//!
//! Known limits, each in one line:
//! - Limit: text direction is searched within ±35° of horizontal (and the
//!   same turned by 180°); [`crate::reader::read_gray`] tries the frame
//!   turned by 90° when nothing is found, which leaves the diagonals
//!   (35°–55°) unsearched.
//! - Limit: only dark ink on lighter ground is found; a second pass on the
//!   inverted image lifts it.
//! - Limit: a TD1 with two of its three lines lost gives no candidate
//!   (one lost line is proposed above and below the two found, see
//!   `missing_line`).

mod blobs;
mod lines;
mod missing_line;
mod refine;

use image::GrayImage;
use imageproc::geometric_transformations::Projection;

use self::lines::{Frame, Zone};
use crate::reader::grid::{Grid, LineBox};

/// Frames above this many pixels are shrunk for the search.
const SEARCH_PIXELS: u64 = 1_600_000;
/// Ink margins tried in turn until one finds a zone: the usual one, then
/// a stricter one (blur and glare merge neighbouring glyphs), then a looser
/// one (faint print).
const MARGINS: [f32; 3] = [blobs::RELATIVE_MARGIN, 0.22, 0.06];
/// A zone found more than this much taller at one end than at the other
/// is also tried without that perspective (see [`level_grid`]).
const MAX_END_HEIGHT_RATIO: f32 = 1.25;
/// Most candidates returned of zones of a seen length.
const MAX_CANDIDATES: usize = 4;
/// Most candidates returned of carried zones whose lines were all seen
/// (carried on to 36 or 44 cells), and as many again of TD1 zones with a
/// proposed line (`missing_line`).
const MAX_CARRIED: usize = 4;

/// A candidate MRZ grid, and whether its lines were carried on past the
/// ends where their ink was seen (glare can wash out the same end of every
/// line). The first 36 cells of a 2×44 zone can pass for a whole 2×36 one
/// (no composite check would catch the truncation), so the reader reads a
/// 36-cell grid that reads as a visa carried on to 44 cells too, carried
/// or not. A carried candidate is refined only
/// when its grid is asked for ([`Candidate::into_grid`]): most reads end
/// before it is needed.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Where the zone lies (the first, unrefined grid while `!refined`).
    pub(crate) grid: Grid,
    pub(crate) carried: bool,
    pub(crate) refined: bool,
}

impl Candidate {
    /// Whether its length was not seen but carried on to.
    pub fn is_carried(&self) -> bool {
        self.carried
    }

    /// The candidate's grid in `image` (the image it was found in),
    /// refining it first if that is still to do; `None` when refining
    /// finds no ink to measure.
    pub fn into_grid(self, image: &GrayImage) -> Option<Grid> {
        if self.refined {
            Some(self.grid)
        } else {
            refine::refine(image, &self.grid)
        }
    }
}

/// Candidate MRZ grids in `image`, best first; empty when nothing looks
/// like an MRZ. Each has 30, 36 or 44 characters and 2 or 3 lines (3 only
/// with 30).
pub fn locate(image: &GrayImage) -> Vec<Grid> {
    candidates(image)
        .into_iter()
        .filter_map(|c| c.into_grid(image))
        .collect()
}

/// [`locate`], telling which candidates were carried on past their lines'
/// seen ends (see [`Candidate`]).
pub fn candidates(image: &GrayImage) -> Vec<Candidate> {
    let Some((work, factor)) = search_image(image) else {
        return Vec::new();
    };
    let mut zones: Vec<(Zone, Frame, f32)> = find_zones(work.as_ref().unwrap_or(image), true)
        .into_iter()
        .map(|(z, f)| (z, f, factor))
        .collect();
    // How well a search saw a zone: one seen whole (its lines' ends agree,
    // none joined from a piece), or at least one of a seen length.
    let seen = |zones: &[(Zone, Frame, f32)]| {
        (
            zones.iter().any(|(z, _, _)| z.is_clear()),
            zones.iter().any(|(z, _, _)| !z.carried),
        )
    };
    if work.is_some() && !seen(&zones).0 {
        // Small print in a large frame can vanish when shrunk, or its
        // glyphs merge so that a line loses its ends: search the frame at
        // full resolution before giving up or settling for such zones,
        // which then come after the ones it sees better.
        let mut full: Vec<(Zone, Frame, f32)> = find_zones(image, true)
            .into_iter()
            .map(|(z, f)| (z, f, 1.0))
            .collect();
        if seen(&full) > seen(&zones) {
            full.append(&mut zones);
            zones = full;
        } else if zones.is_empty() {
            zones = full;
        }
    }
    // Up to MAX_CANDIDATES zones of seen length, MAX_CARRIED carried ones
    // and as many with a proposed line. A carried or proposed zone that
    // repeats one already taken (found along two nearby text directions,
    // or a TD1's third line proposed where it was seen) is dropped: an
    // unreadable image would read it again for nothing.
    let mut taken: Vec<Grid> = Vec::new();
    let mut found = Vec::new();
    let (mut normal, mut carried, mut proposed) = (0, 0, 0);
    for (zone, frame, factor) in &zones {
        let (count, most) = if zone.has_proposed_line() {
            (&mut proposed, MAX_CARRIED)
        } else if zone.carried {
            (&mut carried, MAX_CARRIED)
        } else {
            (&mut normal, MAX_CANDIDATES)
        };
        if *count >= most {
            continue;
        }
        let Some(rough) = zone_grid(zone, *frame, *factor) else {
            continue;
        };
        if zone.carried && taken.iter().any(|g| same_zone(g, &rough)) {
            continue;
        }
        taken.push(rough.clone());
        *count += 1;
        if zone.carried {
            found.push(Candidate {
                grid: rough,
                carried: true,
                refined: false,
            });
        } else {
            if let Some(grid) = refine::refine(image, &rough) {
                found.push(Candidate {
                    grid,
                    carried: false,
                    refined: true,
                });
            }
            // Left unrefined: `into_grid` refines it if it is read, and the
            // zone's own grid mostly reads valid first.
            if let Some(grid) = level_grid(zone, *frame, *factor, &rough) {
                found.push(Candidate {
                    grid,
                    carried: false,
                    refined: false,
                });
            }
        }
    }
    found
}

/// `grid` refined against `image` as a found zone is (cell centroids, cap
/// tops, baselines); `None` when its lines' ink cannot be measured.
pub(crate) fn refine_grid(image: &GrayImage, grid: &Grid) -> Option<Grid> {
    refine::refine(image, grid)
}

/// Whether two grids of equal length put every corner within half a pitch
/// of the other's.
pub(crate) fn same_zone(a: &Grid, b: &Grid) -> bool {
    if a.chars() != b.chars() {
        return false;
    }
    let (ca, cb) = (a.corners(), b.corners());
    let pitch = ((ca[1].0 - ca[0].0).hypot(ca[1].1 - ca[0].1)) / a.chars() as f32;
    ca.iter()
        .zip(&cb)
        .all(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1) < 0.5 * pitch)
}

/// Whether `image` likely holds an MRZ: the search of [`locate`] without
/// the refinement, on a frame shrunk by half when its cap heights allow.
/// A carried zone (a line proposed, or lines carried on past their seen
/// ends) counts only when its seen lines look like MRZ lines (see
/// `has_mrz_like_lines`): two aligned lines of about 30 characters of
/// ordinary print would pass otherwise.
pub fn likely_has_mrz(image: &GrayImage) -> bool {
    let Some((work, _)) = search_image(image) else {
        return false;
    };
    has_mrz_zone(work.as_ref().unwrap_or(image))
}

/// [`likely_has_mrz`] at full resolution, for a frame it would search
/// shrunk (small print can vanish when shrunk); `false` for a frame it
/// searches whole, as that search already looked at every pixel.
pub fn likely_has_small_mrz(image: &GrayImage) -> bool {
    match search_image(image) {
        Some((Some(_), _)) => has_mrz_zone(image),
        _ => false,
    }
}

/// Whether the search of `image` as it is, with the usual ink margin,
/// finds a zone (a carried one only on MRZ-like lines).
fn has_mrz_zone(image: &GrayImage) -> bool {
    find_zones(image, false)
        .iter()
        .any(|(zone, _)| !zone.carried || has_mrz_like_lines(zone))
}

/// Whether every seen line of `zone` is MRZ-like over the cells it was
/// seen over (not those it was carried on to: glare that cut a line short
/// took those); see `lines::Line::is_mrz_like`.
fn has_mrz_like_lines(zone: &Zone) -> bool {
    zone.lines
        .iter()
        .filter(|l| l.glyphs > 0)
        .all(lines::Line::is_mrz_like)
}

/// The image searched and its scale factor (original pixels per searched
/// pixel); `None` for images too small to hold an MRZ.
fn search_image(image: &GrayImage) -> Option<(Option<GrayImage>, f32)> {
    let (w, h) = image.dimensions();
    if w < 60 || h < 20 {
        return None;
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels <= SEARCH_PIXELS {
        return Some((None, 1.0));
    }
    let factor = ((pixels as f64 / SEARCH_PIXELS as f64).sqrt().ceil() as u32).max(2);
    Some((Some(shrink(image, factor)), factor as f32))
}

/// Zones found in `image`, best first, with the text frame they are in:
/// with the usual ink margin, then (`thorough`) with the others of
/// [`MARGINS`] until one finds a zone whose length was seen; the carried
/// zones of the first margin that found any come last.
fn find_zones(image: &GrayImage, thorough: bool) -> Vec<(Zone, Frame)> {
    let margins = if thorough {
        &MARGINS[..]
    } else {
        &MARGINS[..1]
    };
    let mut carried = Vec::new();
    let mut found = Vec::new();
    for &margin in margins {
        let blobs = find_blobs_at(image, margin);
        let mut zones = zones_of(&[&blobs]);
        if zones.iter().any(|(z, _)| !z.carried) {
            // The carried zones an earlier margin found stay candidates,
            // after these.
            zones.append(&mut carried);
            return zones;
        }
        if carried.is_empty() {
            carried = zones;
        }
        found.push(blobs);
    }
    // No margin alone gave a zone of a seen length. Glare and blur can
    // leave each line of one best seen at a different margin (a line whose
    // glyphs a loose margin merges, a stricter one separates), so the lines
    // seen at every margin are pooled, along the first margin's text
    // directions. Carried zones of the pool come after the margins' own.
    if found.len() > 1 {
        let pooled: Vec<&blobs::Blobs> = found.iter().collect();
        let mut zones = zones_of(&pooled);
        if zones.iter().any(|(z, _)| !z.carried) {
            zones.retain(|(z, _)| !z.carried);
            zones.append(&mut carried);
            return zones;
        }
        // After a margin's own carried zones: a TD1 of one whole line and
        // pieces of two more at one margin can be the same zone the pool
        // sees better (seed 12's hard 000038).
        carried.append(&mut zones);
    }
    carried
}

/// The ink components of `image` at one ink margin.
fn find_blobs_at(image: &GrayImage, margin: f32) -> blobs::Blobs {
    let (w, h) = image.dimensions();
    let radius = (w.min(h) / 36).clamp(8, 24);
    blobs::find_blobs(image, radius, margin, 4, 90)
}

/// The zones made of the lines of every set of components in `found`,
/// along the text directions of the first, best first.
fn zones_of(found: &[&blobs::Blobs]) -> Vec<(Zone, Frame)> {
    let Some(base) = found.first() else {
        return Vec::new();
    };
    let zones_along = |frames: &[Frame]| -> Vec<(Zone, Frame)> {
        frames
            .iter()
            .flat_map(|&frame| {
                let (mut text_lines, mut pieces) = (Vec::new(), Vec::new());
                for blobs in found {
                    let (seen, short) = lines::find_lines(&lines::measure(blobs, frame));
                    text_lines.extend(seen);
                    pieces.extend(short);
                }
                lines::find_zones_with(&text_lines, &pieces)
                    .into_iter()
                    .map(move |z| (z, frame))
            })
            .collect()
    };
    let frames = lines::text_directions(&base.blobs);
    let (first, rest) = frames.split_at(frames.len().min(lines::FIRST_DIRECTIONS));
    let mut zones = zones_along(first);
    if !zones.iter().any(|(z, _)| z.is_clear()) {
        // A texture can outnumber the text along its own directions: the
        // weaker directions are searched before settling for a zone that
        // is not clear (carried, agreeing at one end only, or with a line
        // joined from pieces; a texture's rows of marks make all three).
        // On the twenty 300-image sets this changed no reading and no
        // reading time.
        zones.extend(zones_along(rest));
    }
    // Stable: at equal scores the stronger direction's zone stays first.
    zones.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
    zones
}

/// The first grid of a zone, in original pixels.
fn zone_grid(zone: &Zone, frame: Frame, factor: f32) -> Option<Grid> {
    let (first, last) = (zone.lines.first()?, zone.lines.last()?);
    grid_between(zone, frame, factor, first.top, last.bottom)
}

/// The first grid of a zone whose ends' heights differ by more than
/// [`MAX_END_HEIGHT_RATIO`] (`rough` is its [`zone_grid`]), with the
/// zone's height at its middle taken at both ends; `None` for any other.
///
/// The lines' fits give each line one pitch, so a zone found taller at one
/// end than at the other contradicts them: a perspective that strong would
/// have widened the cells at that end too. More often a cap-top or
/// baseline fit took a slope from faint or blurred print, and the
/// projective map through such corners squeezes the cells at the short
/// end, by as much as four cells mid-line. Real perspective does this
/// too (levelling every zone lost 24 readable images of the 20 sets), so
/// this grid is tried after the zone's own.
fn level_grid(zone: &Zone, frame: Frame, factor: f32, rough: &Grid) -> Option<Grid> {
    let [top_left, top_right, bottom_right, bottom_left] = rough.corners();
    let left = (bottom_left.0 - top_left.0).hypot(bottom_left.1 - top_left.1);
    let right = (bottom_right.0 - top_right.0).hypot(bottom_right.1 - top_right.1);
    if left.max(right) <= MAX_END_HEIGHT_RATIO * left.min(right) {
        return None;
    }
    let (first, last) = (zone.lines.first()?, zone.lines.last()?);
    let slope = (first.top.1 + last.bottom.1) / 2.0;
    let mid = middle(zone)?;
    let level = |edge: (f32, f32)| (edge.0 + (edge.1 - slope) * mid, slope);
    grid_between(zone, frame, factor, level(first.top), level(last.bottom))
}

/// Where along `s` a zone's middle lies: at its mean pitch from the first
/// line's left edge.
fn middle(zone: &Zone) -> Option<f32> {
    let first = zone.lines.first()?;
    let pitch = zone.lines.iter().map(|l| l.pitch).sum::<f32>() / zone.lines.len() as f32;
    Some(first.left + zone.chars as f32 * pitch / 2.0)
}

/// The first grid of a zone whose first line's cap top and last line's
/// baseline are `top` and `bottom` (`t = .0 + .1 · s`).
fn grid_between(
    zone: &Zone,
    frame: Frame,
    factor: f32,
    top: (f32, f32),
    bottom: (f32, f32),
) -> Option<Grid> {
    let first = zone.lines.first()?;
    let last = zone.lines.last()?;
    let chars = zone.chars as f32;
    let at = |s: f32, edge: (f32, f32)| {
        let (x, y) = frame.to_xy(s, edge.0 + edge.1 * s);
        (x * factor, y * factor)
    };
    let r0 = first.left + chars * first.pitch;
    let r1 = last.left + chars * last.pitch;
    let corners = [
        at(first.left, top),
        at(r0, top),
        at(r1, bottom),
        at(last.left, bottom),
    ];
    let pitch = zone.lines.iter().map(|l| l.pitch).sum::<f32>() / zone.lines.len() as f32;
    let mid_s = middle(zone)?;
    let top_of = |l: &lines::Line| l.top.0 + l.top.1 * mid_s;
    let bottom_of = |l: &lines::Line| l.bottom.0 + l.bottom.1 * mid_s;
    let origin = top_of(first);
    let height = (bottom_of(last) - origin) / pitch;
    let to_image = Projection::from_control_points(
        [(0.0, 0.0), (chars, 0.0), (chars, height), (0.0, height)],
        corners,
    )?;
    let boxes = zone
        .lines
        .iter()
        .map(|l| LineBox {
            top: (top_of(l) - origin) / pitch,
            bottom: (bottom_of(l) - origin) / pitch,
        })
        .collect();
    Some(Grid::new(to_image, zone.chars, boxes))
}

/// `image` shrunk by `factor` in both axes (box average).
fn shrink(image: &GrayImage, factor: u32) -> GrayImage {
    let (w, h) = (image.width() / factor, image.height() / factor);
    let raw = image.as_raw();
    let stride = image.width() as usize;
    let f = factor as usize;
    let n = (f * f) as u32;
    GrayImage::from_fn(w, h, |x, y| {
        let (x0, y0) = (x as usize * f, y as usize * f);
        let mut sum = 0u32;
        for yy in y0..y0 + f {
            for xx in x0..x0 + f {
                sum += u32::from(raw[yy * stride + xx]);
            }
        }
        image::Luma([(sum / n) as u8])
    })
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;
    use crate::synth::render::{LinePlace, OcrB};

    /// A light page with `lines` printed in OCR-B, 16 px capitals, one
    /// above the other at an MRZ's line spacing; a space is `space` of a
    /// pitch wide (ordinary print sets words closer than a monospaced
    /// cell).
    fn page(lines: &[&str], space: f32) -> GrayImage {
        let font = OcrB::load().expect("OCR-B font (apt-get install fonts-ocr-b)");
        let mut image = GrayImage::from_pixel(900, 320, Luma([215]));
        let cap = 16.0;
        let pitch = cap * font.natural_pitch();
        for (l, text) in lines.iter().enumerate() {
            let mut x0 = 60.0;
            for c in text.bytes() {
                if c == b' ' {
                    x0 += space * pitch;
                    continue;
                }
                let place = LinePlace {
                    x0,
                    top: 120.0 + l as f32 * 1.7 * cap,
                    pitch,
                    cap_height: cap,
                };
                font.draw_line(&mut image, &[c], &place, 30);
                x0 += pitch;
            }
        }
        image
    }

    #[test]
    fn a_zone_is_found_beside_a_texture_that_outnumbers_its_glyphs() {
        let td3 = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let mut image = page(&td3, 1.0);
        let mut canvas = GrayImage::from_pixel(1000, 700, Luma([215]));
        image::imageops::replace(&mut canvas, &image, 0, 0);
        image = canvas;
        // Three patches of rings the size of a glyph, each in rows of
        // twelve along its own slant: 720 marks against the MRZ's 88.
        for (patch, angle_deg) in [-30.0f32, 23.0, 32.0].into_iter().enumerate() {
            let (sin, cos) = angle_deg.to_radians().sin_cos();
            let origin = (120.0 + 300.0 * patch as f32, 380.0);
            for row in 0..20 {
                for col in 0..12 {
                    let (u, v) = (col as f32 * 16.0, row as f32 * 30.0 - 300.0);
                    let (cx, cy) = (origin.0 + u * cos - v * sin, origin.1 + u * sin + v * cos);
                    for y in (cy - 6.0) as i64..(cy + 6.0) as i64 {
                        for x in (cx - 4.0) as i64..(cx + 4.0) as i64 {
                            let ring = (x as f32 - cx).abs() > 2.0 || (y as f32 - cy).abs() > 4.0;
                            if ring && (0..1000).contains(&x) && (220..700).contains(&y) {
                                image.put_pixel(x as u32, y as u32, Luma([40]));
                            }
                        }
                    }
                }
            }
        }
        // The texture's slants are the three strongest directions.
        let found = blobs::find_blobs(&image, 19, blobs::RELATIVE_MARGIN, 4, 90);
        let frames = lines::text_directions(&found.blobs);
        assert!(frames.len() > lines::FIRST_DIRECTIONS);
        assert!(
            frames[..lines::FIRST_DIRECTIONS]
                .iter()
                .all(|f| f.sin.atan2(f.cos).to_degrees().abs() > 6.0)
        );
        let zones = find_zones(&image, false);
        let (zone, frame) = zones.first().expect("a zone");
        assert!(zone.chars == 44 && !zone.carried);
        assert!(frame.sin.abs() < 0.05);
    }

    #[test]
    fn two_lines_of_ordinary_print_are_no_likely_mrz() {
        let image = page(
            &[
                "PLEASE LEAVE KEYS AT THE DESK",
                "CHECKOUT BEFORE ELEVEN OCLOCK",
            ],
            0.4,
        );
        // The two lines do make a TD1 pair with a proposed third line, and
        // zones carried on to 36 and 44 cells.
        let zones = find_zones(&image, false);
        assert!(zones.iter().any(|(z, _)| z.has_proposed_line()));
        assert!(zones.iter().all(|(z, _)| z.carried));
        assert!(!likely_has_mrz(&image));
    }

    #[test]
    fn lines_glare_cut_short_are_a_likely_mrz() {
        // A passport's two lines, their last 19 cells washed out: seen over
        // 25 cells, full of glyphs, carried on to every length.
        let image = page(
            &["P<UTOERIKSSON<<ANNA<MARIA", "L898902C36UTO7408122F1204"],
            1.0,
        );
        let zones = find_zones(&image, false);
        assert!(!zones.is_empty());
        assert!(
            zones
                .iter()
                .all(|(z, _)| z.carried && z.lines.iter().all(|l| l.cells >= l.seen + 5))
        );
        assert!(likely_has_mrz(&image));
    }

    #[test]
    fn two_lines_of_a_td1_are_a_likely_mrz() {
        let image = page(
            &[
                "I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
            ],
            1.0,
        );
        let zones = find_zones(&image, false);
        assert!(zones.iter().any(|(z, _)| z.has_proposed_line()));
        // Its only zones of two seen lines are carried on to 36 or 44 cells:
        // the quick test takes it for the proposed TD1.
        assert!(zones.iter().all(|(z, _)| z.carried));
        assert!(likely_has_mrz(&image));
    }
}
