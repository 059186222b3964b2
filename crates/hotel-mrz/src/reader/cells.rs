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

/// Zero mean, unit deviation (a flat patch stays near zero).
fn normalise(patch: &mut [f32]) {
    let n = patch.len() as f32;
    let mean = patch.iter().sum::<f32>() / n;
    let var = patch.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let scale = 1.0 / (var.sqrt() + 0.02);
    for v in patch {
        *v = (*v - mean) * scale;
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
        // Left half of the image dark, right half light.
        let image = GrayImage::from_fn(200, 40, |x, _| image::Luma([if x < 60 { 0 } else { 255 }]));
        let p = patches(&image, &grid(10));
        assert_eq!(p.len(), 10 * PATCH_LEN);
        for cell in p.chunks(PATCH_LEN) {
            let mean = cell.iter().sum::<f32>() / PATCH_LEN as f32;
            assert!(mean.abs() < 1e-3, "mean {mean}");
        }
        // Cell 4 spans pixels 50..60 plus margins: its left part is dark,
        // so its first column is above its last.
        let cell = &p[4 * PATCH_LEN..5 * PATCH_LEN];
        let row = &cell[PATCH_H / 2 * PATCH_W..][..PATCH_W];
        assert!(row[0] > row[PATCH_W - 1]);
    }

    #[test]
    fn cells_outside_the_image_are_blank_not_a_panic() {
        let image = GrayImage::from_pixel(20, 20, image::Luma([128]));
        let p = patches(&image, &grid(44));
        assert_eq!(p.len(), 44 * PATCH_LEN);
        assert!(p.iter().all(|v| v.is_finite()));
    }
}
