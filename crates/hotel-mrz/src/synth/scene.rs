//! The camera frame around a document: a table texture with clutter, and
//! mapping the flat document into the frame through one projective map.
//!
//! Mapping averages `n × n` bilinear sub-samples per output pixel (`n` is
//! about the shrink factor), so shrinking a render several times does not
//! alias; the document's edges (with rounded card corners) are
//! anti-aliased by the same sub-samples, and it casts a soft shadow.

use imageproc::geometric_transformations::Projection;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::synth::document::Flat;
use crate::synth::paint::{Canvas, Color, ValueNoise, jitter};

/// Table textures.
const BACKGROUNDS: &[&str] = &["wood", "plain", "fabric"];

/// Paints a `width × height` table; returns it, its texture's name and the
/// number of clutter objects on it.
pub(crate) fn background(
    rng: &mut ChaCha8Rng,
    width: u32,
    height: u32,
) -> (Canvas, &'static str, u32) {
    let kind = *BACKGROUNDS.choose(rng).unwrap_or(&"plain");
    let (w, h) = (width as f32, height as f32);
    let mut canvas = Canvas::new(width, height, [0.0; 3]);
    let cell = rng.random_range(80.0..=250.0f32);
    let coarse = ValueNoise::new(rng, w, h, cell);
    let cell = rng.random_range(4.0..=12.0f32);
    let fine = ValueNoise::new(rng, w, h, cell);
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let (sin, cos) = angle.sin_cos();
    let base: Color = match kind {
        "wood" => jitter(rng, [0.45, 0.3, 0.18], 0.1),
        "fabric" => jitter(rng, [0.4, 0.4, 0.45], 0.25),
        _ => {
            let l = rng.random_range(0.15..=0.85f32);
            jitter(rng, [l; 3], 0.08)
        }
    };
    let freq = rng.random_range(0.05..=0.2f32);
    let warp = rng.random_range(4.0..=12.0f32);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32, y as f32);
            let along = fx * cos + fy * sin;
            let across = -fx * sin + fy * cos;
            let shade = match kind {
                "wood" => {
                    let grain = (across * freq + warp * coarse.at(fx, fy)).sin();
                    0.8 + 0.12 * grain + 0.1 * fine.at(fx, fy) + 0.1 * coarse.at(fx, fy)
                }
                "fabric" => {
                    let weave = (along * freq * 4.0).sin() * (across * freq * 4.0).sin();
                    0.9 + 0.06 * weave + 0.08 * fine.at(fx, fy) + 0.06 * coarse.at(fx, fy)
                }
                _ => 0.92 + 0.1 * coarse.at(fx, fy) + 0.04 * fine.at(fx, fy),
            };
            let i = canvas.idx(x, y);
            canvas.px[i] = base.map(|c| (c * shade).clamp(0.0, 1.0));
        }
    }

    let clutter = rng.random_range(0..=4u32);
    for _ in 0..clutter {
        draw_clutter(&mut canvas, rng);
    }
    (canvas, kind, clutter)
}

/// One object on the table: a printed sheet, a coin or cup ring, or a pen.
fn draw_clutter(canvas: &mut Canvas, rng: &mut ChaCha8Rng) {
    let (w, h) = (canvas.width as f32, canvas.height as f32);
    let center = (rng.random_range(0.0..w), rng.random_range(0.0..h));
    let angle = rng.random_range(-0.6..=0.6f32);
    let (sin, cos) = angle.sin_cos();
    let local = |u: f32, v: f32| (center.0 + u * cos - v * sin, center.1 + u * sin + v * cos);
    match rng.random_range(0..3) {
        0 => {
            // A sheet with rows of text-like dashes.
            let (hw, hh) = (
                rng.random_range(0.1..=0.3f32) * w,
                rng.random_range(0.1..=0.3f32) * h,
            );
            let paper = jitter(rng, [0.92, 0.92, 0.9], 0.05);
            let quad = [
                local(-hw, -hh),
                local(hw, -hh),
                local(hw, hh),
                local(-hw, hh),
            ];
            canvas.fill_quad(quad, paper, 1.0);
            let line = rng.random_range(8.0..=22.0f32);
            let ink = jitter(rng, [0.2, 0.2, 0.25], 0.1);
            let mut v = -hh + line;
            while v < hh - line {
                let mut u = -hw + line;
                while u < hw - line {
                    let len = rng.random_range(1.0..=6.0f32) * line * 0.5;
                    let end = (u + len).min(hw - line);
                    let t = line * 0.35;
                    let q = [
                        local(u, v),
                        local(end, v),
                        local(end, v + t),
                        local(u, v + t),
                    ];
                    canvas.fill_quad(q, ink, 0.7);
                    u = end + line * 0.4;
                }
                v += line * 1.4;
            }
        }
        1 => {
            let r = rng.random_range(0.03..=0.12f32) * w.min(h);
            let c = jitter(rng, [0.6, 0.55, 0.45], 0.2);
            canvas.fill_ellipse(center, (r, r * 0.95), angle, c, 0.9, 1.5);
            let inner = jitter(rng, c, 0.1);
            canvas.fill_ellipse(center, (r * 0.8, r * 0.76), angle, inner, 0.6, 2.0);
        }
        _ => {
            let len = rng.random_range(0.1..=0.35f32) * w;
            let c = jitter(rng, [0.1, 0.15, 0.4], 0.2);
            let width = rng.random_range(5.0..=14.0f32);
            canvas.stroke(
                &[local(-len / 2.0, 0.0), local(len / 2.0, 0.0)],
                width,
                c,
                1.0,
            );
        }
    }
}

/// Maps `flat` into `frame` through `to_frame` (render pixels → frame
/// pixels), averaging `n × n` sub-samples per pixel, with a soft shadow.
pub(crate) fn composite(frame: &mut Canvas, flat: &Flat, to_frame: &Projection, n: u32) {
    let doc = &flat.canvas;
    let (dw, dh) = (doc.width as f32, doc.height as f32);
    let inverse = to_frame.invert();
    let corners = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)].map(|p| *to_frame * p);
    let min_x = corners.iter().map(|p| p.0).fold(f32::MAX, f32::min);
    let max_x = corners.iter().map(|p| p.0).fold(f32::MIN, f32::max);
    let min_y = corners.iter().map(|p| p.1).fold(f32::MAX, f32::min);
    let max_y = corners.iter().map(|p| p.1).fold(f32::MIN, f32::max);
    let pad = 0.04 * (max_x - min_x).max(max_y - min_y);
    let x0 = (min_x - pad).floor().max(0.0) as u32;
    let y0 = (min_y - pad).floor().max(0.0) as u32;
    let x1 = ((max_x + pad).ceil().max(0.0) as u32).min(frame.width);
    let y1 = ((max_y + pad).ceil().max(0.0) as u32).min(frame.height);
    let r = flat.corner_radius;
    let shadow_reach = 0.03 * dw;
    let n = n.max(1);
    let inv_n = 1.0 / n as f32;
    let inside = |u: f32, v: f32| -> bool {
        if u < 0.0 || v < 0.0 || u > dw || v > dh {
            return false;
        }
        let cx = u.clamp(r, dw - r);
        let cy = v.clamp(r, dh - r);
        (u - cx).powi(2) + (v - cy).powi(2) <= r * r
    };
    for y in y0..y1 {
        for x in x0..x1 {
            let i = frame.idx(x, y);
            let mut ground = frame.px[i];

            // Shadow: darker near the document's edge, offset down-right.
            let (su, sv) = inverse * (x as f32 + 0.5, y as f32 + 0.5);
            let (su, sv) = (su - shadow_reach * 0.5, sv - shadow_reach * 0.5);
            let du = (-su).max(su - dw).max(0.0);
            let dv = (-sv).max(sv - dh).max(0.0);
            let d = (du * du + dv * dv).sqrt();
            let shade = 1.0 - 0.3 * (1.0 - d / shadow_reach).clamp(0.0, 1.0);
            ground = ground.map(|c| c * shade);

            let mut sum = [0.0f32; 3];
            let mut hits = 0u32;
            for b in 0..n {
                for a in 0..n {
                    let p = (
                        x as f32 + (a as f32 + 0.5) * inv_n,
                        y as f32 + (b as f32 + 0.5) * inv_n,
                    );
                    let (u, v) = inverse * p;
                    if inside(u, v) {
                        let c = doc.sample(u, v);
                        for k in 0..3 {
                            sum[k] += c[k];
                        }
                        hits += 1;
                    }
                }
            }
            let total = (n * n) as f32;
            let miss = (n * n - hits) as f32;
            frame.px[i] = [0, 1, 2].map(|k| (sum[k] + ground[k] * miss) / total);
        }
    }
}
