//! Painting primitives for synthetic documents and scenes: an RGB float
//! canvas, smooth noise, soft shapes, proportional text.
//!
//! Pixel `(i, j)` covers `[i, i + 1] × [j, j + 1]` (the convention of the
//! font rasteriser and of [`crate::reader::Grid`] in this generator).
//! Colours are sRGB values in `0..=1`. Not a general graphics library:
//! only what the document and scene painters use.

use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use image::{GrayImage, Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::synth::render::{LinePlace, OcrB};

/// Fonts Debian ships that the visual zone may use when present; the
/// visual zone falls back to OCR-B when none is.
const VIZ_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
];

/// An RGB colour, components in `0..=1`.
pub(crate) type Color = [f32; 3];

/// An RGB image of floats.
#[derive(Clone)]
pub(crate) struct Canvas {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) px: Vec<Color>,
}

/// Smooth value noise in `0..=1`: random values on a lattice, interpolated
/// with a smoothstep.
pub(crate) struct ValueNoise {
    cols: usize,
    rows: usize,
    cell: f32,
    values: Vec<f32>,
}

/// A proportional font for the visual zone.
pub(crate) struct VizFont {
    /// File stem, recorded in the truth parameters.
    pub(crate) name: String,
    font: FontVec,
    cap_units: f32,
}

/// The font that draws visual-zone text.
#[derive(Clone, Copy)]
pub(crate) enum TextFont<'a> {
    Viz(&'a VizFont),
    OcrB(&'a OcrB),
}

impl Canvas {
    pub(crate) fn new(width: u32, height: u32, color: Color) -> Self {
        Self {
            width,
            height,
            px: vec![color; width as usize * height as usize],
        }
    }

    #[inline]
    pub(crate) fn idx(&self, x: u32, y: u32) -> usize {
        y as usize * self.width as usize + x as usize
    }

    /// Blends `color` over pixel (`x`, `y`) with opacity `alpha`; outside
    /// the canvas does nothing.
    #[inline]
    pub(crate) fn blend(&mut self, x: i64, y: i64, color: Color, alpha: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let i = self.idx(x as u32, y as u32);
        let p = &mut self.px[i];
        let a = alpha.clamp(0.0, 1.0);
        for k in 0..3 {
            p[k] += (color[k] - p[k]) * a;
        }
    }

    /// Bilinear sample at continuous point (`x`, `y`), edges clamped.
    #[inline]
    pub(crate) fn sample(&self, x: f32, y: f32) -> Color {
        let fx = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let x0 = fx.floor() as u32;
        let y0 = fy.floor() as u32;
        let x1 = (x0 + 1).min(self.width - 1);
        let y1 = (y0 + 1).min(self.height - 1);
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let (a, b) = (self.px[self.idx(x0, y0)], self.px[self.idx(x1, y0)]);
        let (c, d) = (self.px[self.idx(x0, y1)], self.px[self.idx(x1, y1)]);
        let mut out = [0.0; 3];
        for k in 0..3 {
            let top = a[k] + (b[k] - a[k]) * tx;
            let bottom = c[k] + (d[k] - c[k]) * tx;
            out[k] = top + (bottom - top) * ty;
        }
        out
    }

    /// Fills the axis-aligned rectangle `[x0, x1) × [y0, y1)`.
    pub(crate) fn fill_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: Color, a: f32) {
        for y in y0.max(0.0) as i64..y1.min(self.height as f32).ceil() as i64 {
            for x in x0.max(0.0) as i64..x1.min(self.width as f32).ceil() as i64 {
                self.blend(x, y, c, a);
            }
        }
    }

    /// Fills a rotated ellipse with a soft edge `soft` pixels wide.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_ellipse(
        &mut self,
        center: (f32, f32),
        radii: (f32, f32),
        angle: f32,
        color: Color,
        alpha: f32,
        soft: f32,
    ) {
        let (cx, cy) = center;
        let (rx, ry) = (radii.0.max(0.5), radii.1.max(0.5));
        let r = rx.max(ry) + soft;
        let (sin, cos) = angle.sin_cos();
        for y in (cy - r).floor() as i64..=(cy + r).ceil() as i64 {
            for x in (cx - r).floor() as i64..=(cx + r).ceil() as i64 {
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let u = (dx * cos + dy * sin) / rx;
                let v = (-dx * sin + dy * cos) / ry;
                let d = (u * u + v * v).sqrt();
                // Distance outside the edge, roughly in pixels.
                let outside = (d - 1.0) * rx.min(ry);
                let cover = (0.5 - outside / soft.max(0.5)).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, color, alpha * cover);
                }
            }
        }
    }

    /// Fills the quadrilateral with corners `q` (in order) with a one-pixel
    /// soft edge.
    pub(crate) fn fill_quad(&mut self, q: [(f32, f32); 4], color: Color, alpha: f32) {
        let min_x = q.iter().map(|p| p.0).fold(f32::MAX, f32::min).floor() as i64;
        let max_x = q.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil() as i64;
        let min_y = q.iter().map(|p| p.1).fold(f32::MAX, f32::min).floor() as i64;
        let max_y = q.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil() as i64;
        let min_x = min_x.max(0);
        let min_y = min_y.max(0);
        let max_x = max_x.min(i64::from(self.width));
        let max_y = max_y.min(i64::from(self.height));
        for y in min_y..max_y {
            for x in min_x..max_x {
                let p = (x as f32 + 0.5, y as f32 + 0.5);
                // Signed distance to the nearest edge (positive inside for
                // clockwise corners in image coordinates).
                let mut inside = f32::MAX;
                for k in 0..4 {
                    let (a, b) = (q[k], q[(k + 1) % 4]);
                    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
                    let len = (ex * ex + ey * ey).sqrt().max(1e-6);
                    let d = (ex * (p.1 - a.1) - ey * (p.0 - a.0)) / len;
                    inside = inside.min(d);
                }
                let cover = (inside + 0.5).clamp(0.0, 1.0);
                if cover > 0.0 {
                    self.blend(x, y, color, alpha * cover);
                }
            }
        }
    }

    /// Draws a soft round stroke through `points`, `width` pixels wide.
    pub(crate) fn stroke(&mut self, points: &[(f32, f32)], width: f32, color: Color, alpha: f32) {
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let steps = (len / (width * 0.35).max(0.5)).ceil().max(1.0) as usize;
            for s in 0..steps {
                let t = s as f32 / steps as f32;
                let c = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                self.fill_ellipse(c, (width / 2.0, width / 2.0), 0.0, color, alpha * 0.5, 1.0);
            }
        }
    }

    /// Composites a gray mask (255 = nothing, 0 = full ink) placed with its
    /// top-left at (`ox`, `oy`): coverage raised to `gamma` (below 1 makes
    /// strokes bolder) times `opacity`.
    pub(crate) fn ink_mask(
        &mut self,
        mask: &GrayImage,
        origin: (i64, i64),
        ink: Color,
        opacity: f32,
        gamma: f32,
    ) {
        for (x, y, p) in mask.enumerate_pixels() {
            if p.0[0] == 255 {
                continue;
            }
            let cover = (1.0 - f32::from(p.0[0]) / 255.0).powf(gamma);
            self.blend(
                origin.0 + i64::from(x),
                origin.1 + i64::from(y),
                ink,
                cover * opacity,
            );
        }
    }

    /// The canvas as 8-bit RGB.
    pub(crate) fn to_rgb(&self) -> RgbImage {
        let mut out = RgbImage::new(self.width, self.height);
        for (p, c) in out.pixels_mut().zip(&self.px) {
            *p = Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8));
        }
        out
    }
}

impl ValueNoise {
    /// Noise over a `width × height` area with features about `cell`
    /// pixels across.
    pub(crate) fn new(rng: &mut ChaCha8Rng, width: f32, height: f32, cell: f32) -> Self {
        let cell = cell.max(1.0);
        let cols = (width / cell).ceil() as usize + 2;
        let rows = (height / cell).ceil() as usize + 2;
        let values = (0..cols * rows).map(|_| rng.random::<f32>()).collect();
        Self {
            cols,
            rows,
            cell,
            values,
        }
    }

    #[inline]
    pub(crate) fn at(&self, x: f32, y: f32) -> f32 {
        let fx = (x / self.cell).clamp(0.0, (self.cols - 2) as f32);
        let fy = (y / self.cell).clamp(0.0, (self.rows - 2) as f32);
        let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(fx - x0 as f32), smooth(fy - y0 as f32));
        let v = |cx: usize, cy: usize| self.values[cy * self.cols + cx];
        let top = v(x0, y0) + (v(x0 + 1, y0) - v(x0, y0)) * tx;
        let bottom = v(x0, y0 + 1) + (v(x0 + 1, y0 + 1) - v(x0, y0 + 1)) * tx;
        top + (bottom - top) * ty
    }
}

impl VizFont {
    fn from_path(path: &Path) -> Option<Self> {
        let font = FontVec::try_from_vec(std::fs::read(path).ok()?).ok()?;
        let bounds = font.outline(font.glyph_id('H'))?.bounds;
        let cap_units = bounds.min.y.max(bounds.max.y);
        let name = path.file_stem()?.to_string_lossy().into_owned();
        (cap_units > 0.0).then_some(Self {
            name,
            font,
            cap_units,
        })
    }
}

impl TextFont<'_> {
    /// The font's name for the truth parameters.
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Viz(f) => &f.name,
            Self::OcrB(_) => "OCRB",
        }
    }

    /// The width of `text` at cap height `cap`.
    pub(crate) fn width(&self, text: &str, cap: f32) -> f32 {
        match self {
            Self::Viz(f) => {
                let scaled = f.font.as_scaled(viz_scale(f, cap));
                text.chars()
                    .map(|c| scaled.h_advance(f.font.glyph_id(c)))
                    .sum()
            }
            Self::OcrB(f) => text.chars().count() as f32 * cap * f.natural_pitch(),
        }
    }

    /// Draws `text` with its capitals from `top` to `top + cap`, starting at
    /// `x`, clipped to `max_width`.
    pub(crate) fn draw(
        &self,
        canvas: &mut Canvas,
        text: &str,
        (x, top): (f32, f32),
        cap: f32,
        max_width: f32,
        color: Color,
    ) {
        match self {
            Self::Viz(f) => {
                let scale = viz_scale(f, cap);
                let scaled = f.font.as_scaled(scale);
                let mut pen = x;
                let mut prev = None;
                for c in text.chars() {
                    let id = f.font.glyph_id(c);
                    if let Some(p) = prev {
                        pen += scaled.kern(p, id);
                    }
                    let advance = scaled.h_advance(id);
                    if pen + advance > x + max_width {
                        break;
                    }
                    let glyph = id.with_scale_and_position(scale, point(pen, top + cap));
                    if let Some(outlined) = f.font.outline_glyph(glyph) {
                        let b = outlined.px_bounds();
                        outlined.draw(|gx, gy, cov| {
                            canvas.blend(
                                b.min.x as i64 + i64::from(gx),
                                b.min.y as i64 + i64::from(gy),
                                color,
                                cov,
                            );
                        });
                    }
                    pen += advance;
                    prev = Some(id);
                }
            }
            Self::OcrB(f) => {
                let pitch = cap * f.natural_pitch();
                let fit = (max_width / pitch).floor().max(0.0) as usize;
                let text: Vec<u8> = text.bytes().take(fit).collect();
                if text.is_empty() {
                    return;
                }
                let (ox, oy) = (x.floor() - 2.0, top.floor() - 2.0);
                let w = (text.len() as f32 * pitch + 6.0).ceil() as u32;
                let h = (cap * 1.6 + 6.0).ceil() as u32;
                let mut mask = GrayImage::from_pixel(w, h, image::Luma([255]));
                let place = LinePlace {
                    x0: x - ox,
                    top: top - oy,
                    pitch,
                    cap_height: cap,
                };
                f.draw_line(&mut mask, &text, &place, 0);
                canvas.ink_mask(&mask, (ox as i64, oy as i64), color, 1.0, 1.0);
            }
        }
    }
}

/// The visual-zone fonts found on this machine (loaded once per process).
pub(crate) fn viz_fonts() -> &'static [VizFont] {
    static FONTS: OnceLock<Vec<VizFont>> = OnceLock::new();
    FONTS.get_or_init(|| {
        VIZ_FONTS
            .iter()
            .filter_map(|p| VizFont::from_path(Path::new(p)))
            .collect()
    })
}

fn viz_scale(f: &VizFont, cap: f32) -> PxScale {
    PxScale::from(cap / f.cap_units * f.font.height_unscaled())
}

/// A standard normal number (Box–Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1 = rng.random::<f32>().max(1e-7);
    let u2 = rng.random::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Uniform in `lo..=hi` (returns `lo` for an empty range).
pub(crate) fn uniform(rng: &mut ChaCha8Rng, (lo, hi): (f32, f32)) -> f32 {
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

/// A random colour near `base`, each component moved by up to `spread`.
pub(crate) fn jitter(rng: &mut ChaCha8Rng, base: Color, spread: f32) -> Color {
    base.map(|c| (c + rng.random_range(-spread..=spread)).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn bilinear_sample_at_a_pixel_centre_is_that_pixel() {
        let mut c = Canvas::new(4, 3, [0.0; 3]);
        c.blend(2, 1, [1.0, 0.5, 0.25], 1.0);
        assert_eq!(c.sample(2.5, 1.5), [1.0, 0.5, 0.25]);
        let half = c.sample(2.0, 1.5);
        assert!((half[0] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn value_noise_stays_in_range_and_is_smooth() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = ValueNoise::new(&mut rng, 100.0, 50.0, 10.0);
        for i in 0..200 {
            let (x, y) = (i as f32 * 0.5, (i % 50) as f32);
            let v = n.at(x, y);
            assert!((0.0..=1.0).contains(&v));
            assert!((n.at(x + 0.1, y) - v).abs() < 0.05);
        }
    }

    #[test]
    fn quad_fill_covers_its_inside_only() {
        let mut c = Canvas::new(20, 20, [1.0; 3]);
        c.fill_quad(
            [(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)],
            [0.0; 3],
            1.0,
        );
        assert_eq!(c.px[c.idx(10, 10)], [0.0; 3]);
        assert_eq!(c.px[c.idx(2, 10)], [1.0; 3]);
        assert_eq!(c.px[c.idx(10, 17)], [1.0; 3]);
    }
}
