//! Degrading a flat document into a camera frame, with recorded parameters.
//!
//! Geometry is one projective map from the flat render to the frame:
//! perspective tilt of the document plane (a pinhole camera at twice the
//! document's diagonal), in-plane rotation (upside down is 180° ± the
//! bucket's rotation), scale such that the MRZ's mean cap height is the
//! drawn one, and a placement that keeps the whole MRZ (plus 1.5 cap
//! heights) inside the frame and, when it fits, the whole document too.
//! The frame is 1280×720, 1024×768, 1080×1440, 1600×1200 or 1920×1080; a
//! larger one is taken when the MRZ would not fit. Because the map is
//! known, the truth [`Grid`] is exact. Then, in the frame: uneven light,
//! glare, gaussian blur, gaussian noise, and JPEG (or PNG). Every range is
//! in [`crate::synth::bucket::RANGES`].

use imageproc::geometric_transformations::Projection;
use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

use crate::reader::Grid;
use crate::synth::bucket::Ranges;
use crate::synth::document::Flat;
use crate::synth::paint::{Canvas, normal, uniform};
use crate::synth::truth::{FileType, Glare, Light};

/// Frame sizes with their weights.
const FRAMES: [((u32, u32), u32); 5] = [
    ((1280, 720), 40),
    ((1024, 768), 20),
    ((1080, 1440), 20),
    ((1600, 1200), 10),
    ((1920, 1080), 10),
];

/// The choices drawn from a bucket's ranges before placing the document.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) char_height_px: f32,
    pub(crate) rotation_deg: f32,
    pub(crate) upside_down: bool,
    pub(crate) tilt_x_deg: f32,
    pub(crate) tilt_y_deg: f32,
    pub(crate) blur_sigma_px: f32,
    pub(crate) noise_sigma: f32,
    pub(crate) file_type: FileType,
    pub(crate) jpeg_quality: Option<u8>,
    pub(crate) light: Light,
    /// Strength and whether it is on the MRZ, when there is a glare.
    pub(crate) glare: Option<(f32, bool)>,
}

/// Where the document goes: the frame's size and the map render → frame.
pub(crate) struct Placement {
    pub(crate) frame: (u32, u32),
    pub(crate) to_frame: Projection,
}

/// Draws a plan from `ranges`.
pub(crate) fn draw_plan(rng: &mut ChaCha8Rng, ranges: &Ranges) -> Plan {
    let char_height_px = uniform(rng, ranges.char_height_px);
    let rotation_deg = uniform(rng, (-ranges.rotation_deg, ranges.rotation_deg));
    let upside_down = rng.random_bool(ranges.upside_down);
    let tilt = uniform(rng, ranges.tilt_deg);
    let azimuth = rng.random_range(0.0..std::f32::consts::TAU);
    let blur = uniform(rng, ranges.blur_sigma_px).min(ranges.blur_max_of_height * char_height_px);
    let noise_sigma = uniform(rng, ranges.noise_sigma);
    let png = rng.random_bool(ranges.png);
    let quality = rng.random_range(ranges.jpeg_quality.0..=ranges.jpeg_quality.1);
    let light = Light {
        strength: uniform(rng, ranges.light),
        direction_deg: rng.random_range(0.0..360.0),
        exposure: rng.random_range(0.92..=1.05),
        cast: [0; 3].map(|_| rng.random_range(0.97..=1.03)),
    };
    let glare = rng.random_bool(ranges.glare).then(|| {
        let strength = uniform(rng, ranges.glare_strength);
        (strength, rng.random_bool(ranges.glare_on_mrz))
    });
    Plan {
        char_height_px,
        rotation_deg,
        upside_down,
        tilt_x_deg: tilt * azimuth.cos(),
        tilt_y_deg: tilt * azimuth.sin(),
        blur_sigma_px: blur,
        noise_sigma,
        file_type: if png { FileType::Png } else { FileType::Jpeg },
        jpeg_quality: (!png).then_some(quality),
        light,
        glare,
    }
}

/// Places `flat` in a frame following `plan`; the MRZ's mean cap height
/// is `plan.char_height_px` unless no frame holds it (then the largest that
/// fits).
pub(crate) fn place(rng: &mut ChaCha8Rng, flat: &Flat, plan: &Plan) -> Placement {
    let (dw, dh) = (flat.canvas.width as f32, flat.canvas.height as f32);
    let doc = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)];

    // Tilt and turn about the document's centre, in render pixels.
    let diag = (dw * dw + dh * dh).sqrt();
    let focal = 2.0 * diag;
    let (ax, ay) = (plan.tilt_x_deg.to_radians(), plan.tilt_y_deg.to_radians());
    let mut theta = plan.rotation_deg.to_radians();
    if plan.upside_down {
        theta += std::f32::consts::PI;
    }
    let (st, ct) = theta.sin_cos();
    let quad = doc.map(|(x, y)| {
        let (x, y) = (x - dw / 2.0, y - dh / 2.0);
        let (y1, z1) = (y * ax.cos(), y * ax.sin());
        let (x2, z2) = (x * ay.cos() + z1 * ay.sin(), -x * ay.sin() + z1 * ay.cos());
        let (px, py) = (focal * x2 / (focal + z2), focal * y1 / (focal + z2));
        (px * ct - py * st, px * st + py * ct)
    });
    let base = Projection::from_control_points(doc, quad)
        .unwrap_or_else(|| Projection::rotate(theta) * Projection::translate(-dw / 2.0, -dh / 2.0));

    // Scale to the planned cap height.
    let h0 = mean_cap_height(&grid_of(flat, &base));
    let mut k = plan.char_height_px / h0.max(1e-3);

    let bbox = |points: &[(f32, f32)]| {
        let min_x = points.iter().map(|p| p.0).fold(f32::MAX, f32::min);
        let max_x = points.iter().map(|p| p.0).fold(f32::MIN, f32::max);
        let min_y = points.iter().map(|p| p.1).fold(f32::MAX, f32::min);
        let max_y = points.iter().map(|p| p.1).fold(f32::MIN, f32::max);
        (min_x, min_y, max_x, max_y)
    };
    let zone = grid_of(flat, &base).corners();
    let doc_quad = doc.map(|p| base * p);
    let (zx0, zy0, zx1, zy1) = bbox(&zone);
    let margin = 1.5 * plan.char_height_px;
    // The scale at which the zone just fits a frame.
    let fit = |(fw, fh): (u32, u32)| {
        let sx = (fw as f32 - 2.0 * margin) / (zx1 - zx0);
        let sy = (fh as f32 - 2.0 * margin) / (zy1 - zy0);
        sx.min(sy)
    };

    // A frame by weight; a larger one when the zone does not fit.
    let total: u32 = FRAMES.iter().map(|f| f.1).sum();
    let mut pick = rng.random_range(0..total);
    let mut frame = FRAMES[0].0;
    for (size, weight) in FRAMES {
        if pick < weight {
            frame = size;
            break;
        }
        pick -= weight;
    }
    if fit(frame) < k {
        let best = FRAMES
            .iter()
            .map(|f| f.0)
            .filter(|&f| fit(f) >= k)
            .min_by_key(|f| f.0 * f.1);
        frame = best.unwrap_or_else(|| {
            let largest = FRAMES
                .iter()
                .map(|f| f.0)
                .max_by(|a, b| fit(*a).total_cmp(&fit(*b)))
                .unwrap_or(FRAMES[0].0);
            k = fit(largest) * 0.98;
            largest
        });
    }

    // Translation: zone inside with its margin; the document inside too
    // when that is possible.
    let (fw, fh) = (frame.0 as f32, frame.1 as f32);
    let (dx0, dy0, dx1, dy1) = bbox(&doc_quad);
    let range = |z0: f32, z1: f32, d0: f32, d1: f32, size: f32| {
        let (lo, hi) = (margin - z0 * k, size - margin - z1 * k);
        let (dlo, dhi) = (-d0 * k, size - d1 * k);
        let (a, b) = (lo.max(dlo), hi.min(dhi));
        if a <= b { (a, b) } else { (lo, hi.max(lo)) }
    };
    let (tx_lo, tx_hi) = range(zx0, zx1, dx0, dx1, fw);
    let (ty_lo, ty_hi) = range(zy0, zy1, dy0, dy1, fh);
    let tx = uniform(rng, (tx_lo, tx_hi));
    let ty = uniform(rng, (ty_lo, ty_hi));
    Placement {
        frame,
        to_frame: Projection::translate(tx, ty) * Projection::scale(k, k) * base,
    }
}

/// The MRZ's grid through `to_frame`.
pub(crate) fn grid_of(flat: &Flat, to_frame: &Projection) -> Grid {
    Grid::new(*to_frame * flat.to_render, flat.chars, flat.lines.clone())
}

/// The mean height of the grid's glyph boxes, sampled at both ends and the
/// middle of each line.
pub(crate) fn mean_cap_height(grid: &Grid) -> f32 {
    let c = grid.chars() as f32;
    let mut sum = 0.0;
    let mut n = 0.0;
    for line in grid.lines() {
        for x in [0.5, c / 2.0, c - 0.5] {
            let a = grid.point(x, line.top);
            let b = grid.point(x, line.bottom);
            sum += ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
            n += 1.0;
        }
    }
    sum / n
}

/// The direction of the grid's reading direction, degrees clockwise from +x.
pub(crate) fn reading_direction_deg(grid: &Grid) -> f32 {
    let mid = grid
        .lines()
        .first()
        .map_or(0.0, |l| (l.top + l.bottom) / 2.0);
    let a = grid.point(0.0, mid);
    let b = grid.point(grid.chars() as f32, mid);
    (b.1 - a.1).atan2(b.0 - a.0).to_degrees()
}

/// Darkens the frame smoothly towards one side and the corners.
pub(crate) fn apply_light(frame: &mut Canvas, light: &Light) {
    let (w, h) = (frame.width as f32, frame.height as f32);
    let (sin, cos) = light.direction_deg.to_radians().sin_cos();
    let half = w.max(h) / 2.0;
    let quarter_diag = (w * w + h * h) / 4.0;
    for y in 0..frame.height {
        for x in 0..frame.width {
            let (dx, dy) = (x as f32 + 0.5 - w / 2.0, y as f32 + 0.5 - h / 2.0);
            let side = (0.5 + 0.5 * (dx * cos + dy * sin) / half).clamp(0.0, 1.0);
            let vignette = (dx * dx + dy * dy) / quarter_diag;
            let dark = (0.75 * side + 0.25 * vignette).min(1.0);
            let gain = light.exposure * (1.0 - light.strength * dark);
            let i = frame.idx(x, y);
            let p = &mut frame.px[i];
            for (v, cast) in p.iter_mut().zip(light.cast) {
                *v *= gain * cast;
            }
        }
    }
}

/// Draws the glare of `strength` for `plan`: on the MRZ (a random point of
/// its zone) or elsewhere on the document, a few cap heights across.
pub(crate) fn draw_glare(
    rng: &mut ChaCha8Rng,
    grid: &Grid,
    doc_quad: [(f32, f32); 4],
    (strength, on_mrz): (f32, bool),
    cap: f32,
) -> Glare {
    let center = if on_mrz {
        let x = rng.random_range(0.0..=grid.chars() as f32);
        let bottom = grid.lines().last().map_or(1.0, |l| l.bottom);
        grid.point(x, rng.random_range(0.0..=bottom))
    } else {
        // A random point of the document quad (bilinear in its corners).
        let (s, t) = (rng.random::<f32>(), rng.random::<f32>());
        let lerp =
            |a: (f32, f32), b: (f32, f32), t: f32| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        lerp(
            lerp(doc_quad[0], doc_quad[1], s),
            lerp(doc_quad[3], doc_quad[2], s),
            t,
        )
    };
    let rx = cap * rng.random_range(3.0..=12.0f32);
    Glare {
        center: [center.0, center.1],
        radii: [rx, rx * rng.random_range(0.3..=0.8f32)],
        angle_deg: rng.random_range(0.0..180.0),
        strength,
        on_mrz,
    }
}

/// Brightens an elliptical spot towards white; a flat top where the
/// strength reaches 1.
pub(crate) fn apply_glare(frame: &mut Canvas, glare: &Glare) {
    let [cx, cy] = glare.center;
    let [rx, ry] = glare.radii;
    let (sin, cos) = glare.angle_deg.to_radians().sin_cos();
    let reach = rx.max(ry) * 2.0;
    let x0 = (cx - reach).max(0.0) as u32;
    let y0 = (cy - reach).max(0.0) as u32;
    let x1 = ((cx + reach).max(0.0) as u32).min(frame.width);
    let y1 = ((cy + reach).max(0.0) as u32).min(frame.height);
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let u = (dx * cos + dy * sin) / rx;
            let v = (-dx * sin + dy * cos) / ry;
            let g = (glare.strength * 1.3 * (-1.5 * (u * u + v * v)).exp()).min(1.0);
            let i = frame.idx(x, y);
            let p = &mut frame.px[i];
            for c in p.iter_mut() {
                *c += (1.02 - *c) * g;
            }
        }
    }
}

/// Separable gaussian blur of σ `sigma` pixels (nothing below 0.2).
pub(crate) fn blur(frame: &mut Canvas, sigma: f32) {
    if sigma < 0.2 {
        return;
    }
    let radius = (3.0 * sigma).ceil() as i64;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let norm: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / norm).collect();
    let (w, h) = (i64::from(frame.width), i64::from(frame.height));
    let mut tmp = frame.px.clone();
    for pass in 0..2 {
        let (src, dst) = if pass == 0 {
            (&frame.px, &mut tmp)
        } else {
            (&tmp, &mut frame.px)
        };
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0f32; 3];
                for (j, k) in kernel.iter().enumerate() {
                    let o = j as i64 - radius;
                    let (sx, sy) = if pass == 0 {
                        ((x + o).clamp(0, w - 1), y)
                    } else {
                        (x, (y + o).clamp(0, h - 1))
                    };
                    let p = src[(sy * w + sx) as usize];
                    for c in 0..3 {
                        acc[c] += p[c] * k;
                    }
                }
                dst[(y * w + x) as usize] = acc;
            }
        }
    }
}

/// Adds gaussian noise of σ `sigma` (0–255 units): shared by the channels,
/// plus a third as much per channel. Normal values come from a table of
/// 4096 drawn per image, indexed by random bits (cheap per pixel).
pub(crate) fn add_noise(frame: &mut Canvas, rng: &mut ChaCha8Rng, sigma: f32) {
    if sigma <= 0.0 {
        return;
    }
    let s = sigma / 255.0;
    let table: Vec<f32> = (0..4096).map(|_| normal(rng) * s).collect();
    let at = |bits: u64, shift: u32| table[((bits >> shift) & 4095) as usize];
    for p in &mut frame.px {
        let bits = rng.next_u64();
        let shared = at(bits, 0);
        for (c, shift) in p.iter_mut().zip([12, 24, 36]) {
            *c += shared + at(bits, shift) * 0.33;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::synth::bucket::Bucket;

    #[test]
    fn plans_stay_inside_their_bucket_ranges() {
        for bucket in Bucket::ALL {
            let r = bucket.ranges();
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let (mut upside, mut glares, mut pngs) = (0, 0, 0);
            for _ in 0..1000 {
                let p = draw_plan(&mut rng, r);
                let within = |v: f32, (lo, hi): (f32, f32)| v >= lo && v <= hi;
                assert!(within(p.char_height_px, r.char_height_px));
                assert!(p.rotation_deg.abs() <= r.rotation_deg);
                assert!(within(
                    p.tilt_x_deg.hypot(p.tilt_y_deg),
                    (r.tilt_deg.0 - 1e-3, r.tilt_deg.1 + 1e-3)
                ));
                assert!(p.blur_sigma_px <= r.blur_sigma_px.1);
                assert!(p.blur_sigma_px <= r.blur_max_of_height * p.char_height_px + 1e-6);
                assert!(within(p.noise_sigma, r.noise_sigma));
                assert!(within(p.light.strength, r.light));
                if let Some(q) = p.jpeg_quality {
                    assert!(q >= r.jpeg_quality.0 && q <= r.jpeg_quality.1);
                }
                if let Some((strength, _)) = p.glare {
                    assert!(within(strength, r.glare_strength));
                }
                upside += usize::from(p.upside_down);
                glares += usize::from(p.glare.is_some());
                pngs += usize::from(p.file_type == FileType::Png);
            }
            let near = |n: usize, p: f64| (n as f64 - 1000.0 * p).abs() <= 50.0;
            assert!(
                near(upside, r.upside_down),
                "{bucket:?}: {upside} upside down"
            );
            assert!(near(glares, r.glare), "{bucket:?}: {glares} glares");
            assert!(near(pngs, r.png), "{bucket:?}: {pngs} PNG");
        }
    }

    #[test]
    fn blur_keeps_a_flat_image_flat_and_spreads_a_dot() {
        let mut c = Canvas::new(21, 21, [0.5; 3]);
        blur(&mut c, 1.5);
        assert!(c.px.iter().all(|p| (p[0] - 0.5).abs() < 1e-4));
        let mut d = Canvas::new(21, 21, [0.0; 3]);
        let centre = d.idx(10, 10);
        d.px[centre] = [1.0; 3];
        blur(&mut d, 1.5);
        let sum: f32 = d.px.iter().map(|p| p[0]).sum();
        assert!((sum - 1.0).abs() < 1e-3);
        assert!(d.px[centre][0] < 0.2 && d.px[d.idx(11, 10)][0] > 0.02);
    }

    #[test]
    fn full_strength_glare_washes_its_centre_out() {
        let mut c = Canvas::new(40, 40, [0.1; 3]);
        let glare = Glare {
            center: [20.0, 20.0],
            radii: [8.0, 5.0],
            angle_deg: 30.0,
            strength: 1.0,
            on_mrz: false,
        };
        apply_glare(&mut c, &glare);
        assert!(c.px[c.idx(20, 20)][0] > 0.99);
        assert!((c.px[c.idx(0, 0)][0] - 0.1).abs() < 0.01);
    }
}
