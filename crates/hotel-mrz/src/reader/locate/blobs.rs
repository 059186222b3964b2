//! Adaptive binarisation and connected components, in one pass over rows.
//!
//! A pixel is ink when it is darker than the mean of a square window around
//! it by a relative margin and an absolute one (integral image, so the
//! window's size costs nothing). Ink is kept as horizontal runs; runs that
//! touch (8-connectivity) are joined by union-find. Components carry their
//! runs' index range so later steps can measure them along any direction.

use image::GrayImage;

/// Ink must be this much darker than the window mean, relatively (the
/// margin tried first).
pub(crate) const RELATIVE_MARGIN: f32 = 0.12;
/// And by at least this many gray levels.
const MIN_CONTRAST: i64 = 10;
/// Most runs kept: bounds memory and time on pathological noise.
const MAX_RUNS: usize = 400_000;

/// One horizontal run of ink pixels, `x0..x1` on row `y`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) y: u32,
    pub(crate) x0: u32,
    pub(crate) x1: u32,
}

/// A connected component of ink: its bounding box, pixel count and
/// centroid, and its runs (`runs[first..]` linked by `next`).
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub(crate) x0: u32,
    pub(crate) y0: u32,
    /// Exclusive.
    pub(crate) x1: u32,
    /// Exclusive.
    pub(crate) y1: u32,
    pub(crate) area: u32,
    pub(crate) cx: f32,
    pub(crate) cy: f32,
    /// Indices into [`Blobs::runs`].
    pub(crate) runs: Vec<u32>,
}

impl Blob {
    pub(crate) fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    pub(crate) fn height(&self) -> u32 {
        self.y1 - self.y0
    }
}

/// The components of one image.
pub(crate) struct Blobs {
    pub(crate) runs: Vec<Run>,
    pub(crate) blobs: Vec<Blob>,
}

/// Binarises `image` with a window of `2·radius + 1` pixels (ink darker
/// than the window mean by `margin`, relatively) and returns its ink
/// components with a height within `min_height..=max_height`.
pub(crate) fn find_blobs(
    image: &GrayImage,
    radius: u32,
    margin: f32,
    min_height: u32,
    max_height: u32,
) -> Blobs {
    let h = image.height();
    let runs = ink_runs(image, radius, margin);
    let labels = join_runs(&runs, h as usize);

    // Gather runs per root label.
    let mut index_of_root = vec![u32::MAX; runs.len()];
    let mut blobs: Vec<Blob> = Vec::new();
    let mut sums: Vec<(f64, f64)> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let root = labels[i] as usize;
        let bi = if index_of_root[root] == u32::MAX {
            index_of_root[root] = blobs.len() as u32;
            blobs.push(Blob {
                x0: run.x0,
                y0: run.y,
                x1: run.x1,
                y1: run.y + 1,
                area: 0,
                cx: 0.0,
                cy: 0.0,
                runs: Vec::new(),
            });
            sums.push((0.0, 0.0));
            blobs.len() - 1
        } else {
            index_of_root[root] as usize
        };
        let b = &mut blobs[bi];
        b.x0 = b.x0.min(run.x0);
        b.x1 = b.x1.max(run.x1);
        b.y1 = b.y1.max(run.y + 1);
        let n = run.x1 - run.x0;
        b.area += n;
        b.runs.push(i as u32);
        let s = &mut sums[bi];
        // Pixel k's centre is at k + 0.5.
        s.0 += f64::from(n) * (f64::from(run.x0 + run.x1) / 2.0);
        s.1 += f64::from(n) * (f64::from(run.y) + 0.5);
    }
    for (b, s) in blobs.iter_mut().zip(&sums) {
        b.cx = (s.0 / f64::from(b.area)) as f32;
        b.cy = (s.1 / f64::from(b.area)) as f32;
    }
    blobs.retain(|b| {
        let (bw, bh) = (b.width(), b.height());
        bh >= min_height
            && bh <= max_height
            && b.area >= 6
            && bw <= bh * 6 + 4
            && (b.area as f32) < 0.92 * (bw * bh) as f32
    });
    Blobs { runs, blobs }
}

/// The ink runs of `image`, row by row.
#[allow(clippy::needless_range_loop)] // x indexes the row and the integral.
fn ink_runs(image: &GrayImage, radius: u32, margin: f32) -> Vec<Run> {
    let (w, h) = image.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let stride = wu + 1;
    // Integral image with a zero first row and column, kept modulo 2³²: a
    // bright frame of 17 megapixels sums past `u32::MAX`, but a window's
    // sum ((2·radius + 1)² pixels of at most 255, under 2³² for any radius
    // below 2000; the locator's is at most 24) fits in a `u32`, so wrapping
    // adds and subtractions give it exactly.
    let mut integral = vec![0u32; stride * (hu + 1)];
    let raw = image.as_raw();
    for y in 0..hu {
        let mut row_sum = 0u32;
        let (done, rest) = integral.split_at_mut((y + 1) * stride);
        let above = &done[y * stride..];
        let here = &mut rest[..stride];
        for x in 0..wu {
            row_sum += u32::from(raw[y * wu + x]);
            here[x + 1] = above[x + 1].wrapping_add(row_sum);
        }
    }

    let r = radius as usize;
    let keep = ((1.0 - margin) * 1024.0) as i64;
    let mut runs = Vec::new();
    for y in 0..hu {
        let ya = y.saturating_sub(r);
        let yb = (y + r + 1).min(hu);
        let top = &integral[ya * stride..ya * stride + stride];
        let bottom = &integral[yb * stride..yb * stride + stride];
        let row = &raw[y * wu..y * wu + wu];
        let mut start: Option<usize> = None;
        for x in 0..wu {
            let xa = x.saturating_sub(r);
            let xb = (x + r + 1).min(wu);
            let sum = i64::from(
                bottom[xb]
                    .wrapping_sub(bottom[xa])
                    .wrapping_sub(top[xb])
                    .wrapping_add(top[xa]),
            );
            let area = ((xb - xa) * (yb - ya)) as i64;
            let p = i64::from(row[x]) * area;
            let ink = p * 1024 < sum * keep && sum - p >= MIN_CONTRAST * area;
            match (ink, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push(Run {
                        y: y as u32,
                        x0: s as u32,
                        x1: x as u32,
                    });
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            runs.push(Run {
                y: y as u32,
                x0: s as u32,
                x1: w,
            });
        }
        if runs.len() > MAX_RUNS {
            break;
        }
    }
    runs
}

/// Union-find over runs: the root label of each run.
fn join_runs(runs: &[Run], h: usize) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..runs.len() as u32).collect();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            let up = parent[parent[i as usize] as usize];
            parent[i as usize] = up;
            i = up;
        }
        i
    }

    // Row y's runs are runs[row_start[y]..row_start[y + 1]].
    let mut row_start = vec![0usize; h + 1];
    let mut i = 0;
    for (y, start) in row_start.iter_mut().enumerate() {
        while i < runs.len() && (runs[i].y as usize) < y {
            i += 1;
        }
        *start = i;
    }

    for y in 1..h {
        let (mut a, a_end) = (row_start[y - 1], row_start[y]);
        let (mut b, b_end) = (row_start[y], row_start[y + 1]);
        while a < a_end && b < b_end {
            let (ra, rb) = (runs[a], runs[b]);
            // 8-connected: runs touch if they overlap or meet at a corner.
            if ra.x0 <= rb.x1 && rb.x0 <= ra.x1 {
                let (pa, pb) = (find(&mut parent, a as u32), find(&mut parent, b as u32));
                if pa != pb {
                    let (lo, hi) = (pa.min(pb), pa.max(pb));
                    parent[hi as usize] = lo;
                }
            }
            if ra.x1 < rb.x1 {
                a += 1;
            } else {
                b += 1;
            }
        }
    }
    (0..runs.len() as u32)
        .map(|i| find(&mut parent, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn a_frame_brighter_in_all_than_a_u32_holds_gives_its_ink() {
        // 4200 × 4100 pixels of 255 sum to more than `u32::MAX`; a dark
        // ring in the last rows is still found.
        let (w, h) = (4200, 4100);
        let mut image = GrayImage::from_pixel(w, h, Luma([255]));
        for y in h - 30..h - 20 {
            for x in w - 30..w - 20 {
                if !(w - 27..w - 23).contains(&x) || !(h - 27..h - 23).contains(&y) {
                    image.put_pixel(x, y, Luma([0]));
                }
            }
        }
        let found = find_blobs(&image, 24, RELATIVE_MARGIN, 4, 90);
        assert_eq!(found.blobs.len(), 1);
        let b = &found.blobs[0];
        assert_eq!((b.x0, b.y0), (w - 30, h - 30));
    }

    #[test]
    fn finds_separate_and_touching_shapes() {
        let mut image = GrayImage::from_pixel(60, 40, Luma([220]));
        // A ring, and an L whose parts touch only at a corner.
        for y in 5..15 {
            for x in 5..12 {
                if !(7..10).contains(&x) || !(7..13).contains(&y) {
                    image.put_pixel(x, y, Luma([20]));
                }
            }
        }
        for y in 20..30 {
            image.put_pixel(30, y, Luma([20]));
            image.put_pixel(31, y, Luma([20]));
        }
        for x in 32..40 {
            image.put_pixel(x, 30, Luma([20]));
            image.put_pixel(x, 31, Luma([20]));
        }
        let found = find_blobs(&image, 10, RELATIVE_MARGIN, 3, 30);
        let mut boxes: Vec<_> = found
            .blobs
            .iter()
            .map(|b| (b.x0, b.y0, b.x1, b.y1))
            .collect();
        boxes.sort();
        assert_eq!(boxes, vec![(5, 5, 12, 15), (30, 20, 40, 32)]);
        let ring = found.blobs.iter().find(|b| b.x0 == 5).unwrap();
        assert_eq!(ring.area, 70 - 18);
        assert!((ring.cx - 8.5).abs() < 1e-4 && (ring.cy - 10.0).abs() < 1e-4);
    }

    #[test]
    fn a_stricter_margin_parts_glyphs_that_blur_joined() {
        // Two hollow glyphs joined by a grey smear, as blur leaves between
        // neighbours.
        let mut image = GrayImage::from_pixel(60, 40, Luma([220]));
        for left in [10, 22] {
            for y in 10..22 {
                for x in left..left + 8 {
                    let edge = !(12..20).contains(&y) || !(left + 2..left + 6).contains(&x);
                    if edge {
                        image.put_pixel(x, y, Luma([40]));
                    }
                }
            }
        }
        for y in 14..18 {
            for x in 18..22 {
                image.put_pixel(x, y, Luma([130]));
            }
        }
        let count = |margin| find_blobs(&image, 10, margin, 3, 30).blobs.len();
        assert_eq!(count(RELATIVE_MARGIN), 1);
        assert_eq!(count(0.22), 2);
    }

    #[test]
    fn solid_blocks_are_not_text() {
        let mut image = GrayImage::from_pixel(60, 40, Luma([220]));
        for y in 5..25 {
            for x in 5..25 {
                image.put_pixel(x, y, Luma([20]));
            }
        }
        assert!(
            find_blobs(&image, 10, RELATIVE_MARGIN, 3, 30)
                .blobs
                .is_empty()
        );
    }

    #[test]
    fn flat_and_noisy_ground_has_no_components() {
        let image = GrayImage::from_fn(80, 50, |x, y| Luma([200 + ((x * 7 + y * 13) % 5) as u8]));
        assert!(
            find_blobs(&image, 10, RELATIVE_MARGIN, 3, 30)
                .blobs
                .is_empty()
        );
    }
}
