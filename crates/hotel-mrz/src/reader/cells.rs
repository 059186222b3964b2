//! Cutting a located zone into one small patch per character cell, the
//! classifier's input.
//!
//! Each patch covers its cell with a margin (neighbouring glyphs show at the
//! edges, as they do in every training patch), is sampled through the
//! grid's projection, so rotation and perspective are undone here, and is
//! normalised to zero mean and unit deviation, so light and contrast are
//! too.

use image::GrayImage;

use super::grid::Grid;

/// Patch width in samples.
pub const PATCH_W: usize = 16;
/// Patch height in samples.
pub const PATCH_H: usize = 24;
/// Samples per patch.
pub const PATCH_LEN: usize = PATCH_W * PATCH_H;

/// Margin left and right of the cell, in pitches.
const MARGIN_X: f32 = 0.15;
/// Margin above and below the glyph box, as a share of its height.
const MARGIN_Y: f32 = 0.15;
/// Sub-samples per patch sample along each axis (averaged, so that a large
/// glyph is shrunk without aliasing).
const SUB: usize = 2;

/// The patches of every cell of `grid`, line by line, `PATCH_LEN` values
/// each, appended to `out`.
pub fn patches_into(image: &GrayImage, grid: &Grid, out: &mut Vec<f32>) {
    out.reserve(grid.lines().len() * grid.chars() * PATCH_LEN);
    let mut patch = [0.0f32; PATCH_LEN];
    for line in grid.lines() {
        let height = line.bottom - line.top;
        let y0 = line.top - MARGIN_Y * height;
        let dy = height * (1.0 + 2.0 * MARGIN_Y) / PATCH_H as f32;
        for c in 0..grid.chars() {
            let x0 = c as f32 - MARGIN_X;
            let x1 = c as f32 + 1.0 + MARGIN_X;
            let y1 = y0 + PATCH_H as f32 * dy;
            // The patch's corners in the image; inside one cell the
            // projection is affine to well under a sample, so positions are
            // interpolated between them instead of projected one by one.
            let (a, b) = (grid.point(x0, y0), grid.point(x1, y0));
            let (d, e) = (grid.point(x0, y1), grid.point(x1, y1));
            let at = |u: f32, v: f32| {
                let left = (a.0 + (d.0 - a.0) * v, a.1 + (d.1 - a.1) * v);
                let right = (b.0 + (e.0 - b.0) * v, b.1 + (e.1 - b.1) * v);
                (
                    left.0 + (right.0 - left.0) * u,
                    left.1 + (right.1 - left.1) * u,
                )
            };
            for (i, v) in patch.iter_mut().enumerate() {
                let (px, py) = ((i % PATCH_W) as f32, (i / PATCH_W) as f32);
                let mut sum = 0.0;
                for s in 0..SUB * SUB {
                    let fx = ((s % SUB) as f32 + 0.5) / SUB as f32;
                    let fy = ((s / SUB) as f32 + 0.5) / SUB as f32;
                    let (ix, iy) = at((px + fx) / PATCH_W as f32, (py + fy) / PATCH_H as f32);
                    sum += bilinear(image, ix, iy);
                }
                *v = sum / (SUB * SUB) as f32;
            }
            normalise(&mut patch);
            out.extend_from_slice(&patch);
        }
    }
}

/// The patches of every cell of `grid` (see [`patches_into`]).
pub fn patches(image: &GrayImage, grid: &Grid) -> Vec<f32> {
    let mut out = Vec::new();
    patches_into(image, grid, &mut out);
    out
}

/// Darkness (0 white … 1 black) at continuous pixel coordinates, pixel
/// `(i, j)` covering `[i, i + 1] × [j, j + 1]`; outside the image is white.
pub(crate) fn bilinear(image: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (x, y) = (x - 0.5, y - 0.5);
    let raw = image.as_raw();
    // Inside, away from the last row and column: the four neighbours exist
    // and truncation is the floor (the common case, kept branch-light).
    if x >= 0.0 && y >= 0.0 && x < (w - 1) as f32 && y < (h - 1) as f32 {
        let (ix, iy) = (x as usize, y as usize);
        let (ax, ay) = (x - ix as f32, y - iy as f32);
        let i = iy * w + ix;
        let p = |k: usize| f32::from(raw[k]);
        let top = p(i) + (p(i + 1) - p(i)) * ax;
        let bottom = p(i + w) + (p(i + w + 1) - p(i + w)) * ax;
        return 1.0 - (top + (bottom - top) * ay) / 255.0;
    }
    if !(x.is_finite() && y.is_finite()) {
        return 0.0;
    }
    let (fx, fy) = (x.floor(), y.floor());
    let (ax, ay) = (x - fx, y - fy);
    let dark = |i: f32, j: f32| -> f32 {
        if i < 0.0 || j < 0.0 || i >= w as f32 || j >= h as f32 {
            return 0.0;
        }
        1.0 - f32::from(raw[j as usize * w + i as usize]) / 255.0
    };
    let top = dark(fx, fy) * (1.0 - ax) + dark(fx + 1.0, fy) * ax;
    let bottom = dark(fx, fy + 1.0) * (1.0 - ax) + dark(fx + 1.0, fy + 1.0) * ax;
    top * (1.0 - ay) + bottom * ay
}

/// Takes out the patch's light (a plane fitted to its paper), then scales
/// it to zero mean and unit deviation (a flat patch stays near zero).
///
/// Glare and uneven light slope across a cell by as much as a faded
/// glyph's own contrast; left in, the slope would take most of the
/// deviation and leave the glyph faint. The plane is fitted twice: to every
/// sample, then only to those no darker than that first plane, so that the
/// ink does not tilt it.
pub(crate) fn normalise(patch: &mut [f32; PATCH_LEN]) {
    let plane = fit_plane(patch, |_| true);
    let paper = fit_plane(patch, |i| patch[i] <= plane.at(i));
    for (i, v) in patch.iter_mut().enumerate() {
        *v -= paper.at(i);
    }
    let n = PATCH_LEN as f32;
    let mean = patch.iter().sum::<f32>() / n;
    let var = patch.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let scale = 1.0 / (var.sqrt() + 0.02);
    for v in patch {
        *v = (*v - mean) * scale;
    }
}

/// A plane over a patch's samples: level plus slopes across and down, per
/// sample, about the patch's centre.
#[derive(Debug, Clone, Copy)]
struct Plane {
    level: f32,
    across: f32,
    down: f32,
}

impl Plane {
    fn at(self, i: usize) -> f32 {
        let (x, y) = centred(i);
        self.level + self.across * x + self.down * y
    }
}

/// Sample `i`'s position about the patch's centre.
fn centred(i: usize) -> (f32, f32) {
    (
        (i % PATCH_W) as f32 - (PATCH_W - 1) as f32 / 2.0,
        (i / PATCH_W) as f32 - (PATCH_H - 1) as f32 / 2.0,
    )
}

/// The least-squares plane through the samples `keep` admits (level only,
/// or flat, when too few span it).
fn fit_plane(patch: &[f32; PATCH_LEN], keep: impl Fn(usize) -> bool) -> Plane {
    // Sums for the normal equations of v = level + across·x + down·y.
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0f32, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sv, mut sxv, mut syv) = (0.0f32, 0.0, 0.0);
    for (i, &v) in patch.iter().enumerate() {
        if !keep(i) {
            continue;
        }
        let (x, y) = centred(i);
        n += 1.0;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
        sv += v;
        sxv += x * v;
        syv += y * v;
    }
    if n < 3.0 {
        return Plane {
            level: if n > 0.0 { sv / n } else { 0.0 },
            across: 0.0,
            down: 0.0,
        };
    }
    let normal = nalgebra::Matrix3::new(n, sx, sy, sx, sxx, sxy, sy, sxy, syy);
    let rhs = nalgebra::Vector3::new(sv, sxv, syv);
    match normal.lu().solve(&rhs) {
        Some(p) if p.iter().all(|v| v.is_finite()) => Plane {
            level: p[0],
            across: p[1],
            down: p[2],
        },
        _ => Plane {
            level: sv / n,
            across: 0.0,
            down: 0.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::LineBox;
    use imageproc::geometric_transformations::Projection;

    fn grid(chars: usize) -> Grid {
        let to_image = Projection::translate(10.0, 10.0) * Projection::scale(10.0, 10.0);
        Grid::new(
            to_image,
            chars,
            vec![LineBox {
                top: 0.0,
                bottom: 1.4,
            }],
        )
    }

    #[test]
    fn one_patch_per_cell_normalised() {
        // Light paper with a dark bar at the left edge of cell 4 (pixels
        // 50..60).
        let image = GrayImage::from_fn(200, 40, |x, _| {
            image::Luma([if (50..53).contains(&x) { 20 } else { 230 }])
        });
        let p = patches(&image, &grid(10));
        assert_eq!(p.len(), 10 * PATCH_LEN);
        for cell in p.chunks(PATCH_LEN) {
            let mean = cell.iter().sum::<f32>() / PATCH_LEN as f32;
            assert!(mean.abs() < 1e-3, "mean {mean}");
        }
        // The bar shows at the left of cell 4's patch, not at its right.
        let cell = &p[4 * PATCH_LEN..5 * PATCH_LEN];
        let row = &cell[PATCH_H / 2 * PATCH_W..][..PATCH_W];
        assert!(row[3] > 1.0 && row[PATCH_W - 2] < 0.0, "{row:?}");
    }

    #[test]
    fn a_slope_of_light_across_a_cell_is_taken_out() {
        // A faint bar (30 levels darker than the paper) in cell 2, on flat
        // paper and under a slope of light that brightens by 60 levels
        // across the cell: twice the bar's own contrast.
        let bar = |x: u32| if (34..37).contains(&x) { 30.0 } else { 0.0 };
        let flat = GrayImage::from_fn(200, 40, |x, _| image::Luma([(200.0 - bar(x)) as u8]));
        let sloped = GrayImage::from_fn(200, 40, |x, _| {
            let light = 60.0 * (x as f32 - 30.0) / 10.0;
            image::Luma([(150.0 + light - bar(x)).clamp(0.0, 255.0) as u8])
        });
        let cell =
            |image: &GrayImage| patches(image, &grid(5))[2 * PATCH_LEN..3 * PATCH_LEN].to_vec();
        let (a, b) = (cell(&flat), cell(&sloped));
        let worst = a
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.35, "patches differ by up to {worst}");
        // The bar is the darkest thing in the sloped cell's middle row.
        let row = &b[PATCH_H / 2 * PATCH_W..][..PATCH_W];
        let darkest = (0..PATCH_W).max_by(|&i, &j| row[i].total_cmp(&row[j]));
        assert!(darkest.is_some_and(|i| (6..11).contains(&i)), "{row:?}");
    }

    #[test]
    fn cells_outside_the_image_are_blank_not_a_panic() {
        let image = GrayImage::from_pixel(20, 20, image::Luma([128]));
        let p = patches(&image, &grid(44));
        assert_eq!(p.len(), 44 * PATCH_LEN);
        assert!(p.iter().all(|v| v.is_finite()));
    }
}
