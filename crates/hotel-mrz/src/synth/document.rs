//! A flat synthetic document: paper, pattern, photo block, visual zone and
//! the MRZ in OCR-B, rendered at a comfortable resolution.
//!
//! The page or card has its format's size in millimetres (TD1 85.6 × 54,
//! TD2 and the French card 105 × 74, TD3 125 × 88, visas 120 × 80 and
//! 105 × 74), scaled so that the MRZ pitch is the OCR-B natural pitch
//! (advance ÷ cap height) times a small variation, taken as 2.54 mm (10
//! characters per inch). The MRZ sits at the bottom, line tops 1.6–2 cap
//! heights apart. Paper has a pale tint, smooth blotches, grain and, on most
//! documents, a guilloche-like pattern of rosette and wave lines; the photo
//! block is soft blobs on a gradient (no face). Visual-zone text uses a
//! Debian sans or serif font when installed (DejaVu, Liberation), else
//! OCR-B. Geometry into a camera frame is [`crate::synth::degrade`]'s job.

use std::f32::consts::TAU;

use image::GrayImage;
use imageproc::geometric_transformations::Projection;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::country;
use crate::layout::Format;
use crate::reader::LineBox;
use crate::synth::identity::Identity;
use crate::synth::paint::{Canvas, Color, TextFont, ValueNoise, jitter, uniform, viz_fonts};
use crate::synth::render::{LinePlace, OcrB};
use crate::synth::truth::DocumentParams;

/// The MRZ pitch in millimetres (ICAO: 10 characters per 25.4 mm).
const PITCH_MM: f32 = 2.54;

/// Pale paper tints.
const PAPERS: &[Color] = &[
    [0.96, 0.90, 0.92],
    [0.90, 0.95, 0.90],
    [0.90, 0.93, 0.97],
    [0.97, 0.95, 0.88],
    [0.93, 0.93, 0.93],
    [0.94, 0.91, 0.97],
    [0.98, 0.97, 0.95],
];

/// A rendered flat document and where its MRZ is on it.
pub(crate) struct Flat {
    /// The document, one pixel per render pixel; its edges are the
    /// document's edges.
    pub(crate) canvas: Canvas,
    /// MRZ frame (see [`crate::reader::Grid`]) → render pixels.
    pub(crate) to_render: Projection,
    /// The MRZ lines' glyph boxes in the MRZ frame.
    pub(crate) lines: Vec<LineBox>,
    /// Characters per line.
    pub(crate) chars: usize,
    /// Radius of the rounded corners, render pixels.
    pub(crate) corner_radius: f32,
    /// What was drawn, for the truth record.
    pub(crate) params: DocumentParams,
}

/// Renders `id` flat with the MRZ's cap height `cap` render pixels.
pub(crate) fn render(id: &Identity, cap: f32, rng: &mut ChaCha8Rng, ocrb: &OcrB) -> Flat {
    let format = id.format;
    let chars = format.line_len();
    let n_lines = format.line_count();

    // Sizes: the pitch fixes the millimetre scale.
    let pitch_ratio = ocrb.natural_pitch() * rng.random_range(0.96..=1.06f32);
    let pitch = cap * pitch_ratio;
    let mm = pitch / PITCH_MM;
    let (w_mm, h_mm) = size_mm(format);
    let mrz_width = chars as f32 * pitch;
    let width = (w_mm * mm).max(mrz_width + 4.0 * mm).round();
    let height = (h_mm * mm).round();
    let spacing = rng.random_range(1.6..=2.0f32);
    let line_step = cap * spacing;

    // The MRZ: bottom baseline 3–5.5 mm above the bottom edge, roughly
    // centred across.
    let bottom_baseline = height - rng.random_range(3.0..=5.5f32) * mm;
    let top0 = bottom_baseline - cap - (n_lines - 1) as f32 * line_step;
    let slack = width - mrz_width;
    let x0 = slack / 2.0 + rng.random_range(-0.25..=0.25f32) * (slack / 2.0 - 2.0 * mm).max(0.0);
    let lines: Vec<LineBox> = (0..n_lines)
        .map(|l| {
            let top = l as f32 * line_step / pitch;
            LineBox {
                top,
                bottom: top + cap / pitch,
            }
        })
        .collect();
    let to_render = Projection::translate(x0, top0) * Projection::scale(pitch, pitch);

    // Paper, blotches, grain.
    let tint = *PAPERS.choose(rng).unwrap_or(&PAPERS[0]);
    let paper = jitter(rng, tint, 0.02);
    let (w, h) = (width as u32, height as u32);
    let mut canvas = Canvas::new(w, h, paper);
    let blotch = ValueNoise::new(rng, width, height, 25.0 * mm);
    let blotch_amp = rng.random_range(0.02..=0.06f32);
    let grain = rng.random_range(0.005..=0.02f32);
    let guilloche = rng.random_bool(0.85);
    let clear_mrz = rng.random_bool(0.7);
    let pattern = Guilloche::new(rng, width, height, mm, paper);
    let clear_from = top0 - 0.6 * line_step;
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let shade = 1.0
                + blotch_amp * (blotch.at(fx, fy) - 0.5) * 2.0
                + grain * (rng.random::<f32>() - 0.5) * 3.46;
            let i = canvas.idx(x, y);
            let mut c = canvas.px[i].map(|v| v * shade);
            if guilloche && !(clear_mrz && fy > clear_from) {
                let a = pattern.alpha(fx, fy);
                for (v, target) in c.iter_mut().zip(pattern.color) {
                    *v += (target - *v) * a;
                }
            }
            canvas.px[i] = c;
        }
    }

    // Visual zone.
    let font = viz_fonts()
        .choose(rng)
        .map_or(TextFont::OcrB(ocrb), TextFont::Viz);
    let viz_bottom = top0 - 1.2 * line_step;
    draw_visual_zone(&mut canvas, rng, id, font, mm, viz_bottom);

    // The MRZ, drawn into a mask over its zone, then inked.
    let ink = jitter(rng, [0.08, 0.08, 0.1], 0.06);
    let ink_gamma = rng.random_range(0.75..=1.3f32);
    let ink_opacity = rng.random_range(0.85..=1.0f32);
    let (ox, oy) = ((x0 - pitch).floor(), (top0 - cap).floor());
    let mask_w = (mrz_width + 3.0 * pitch).ceil() as u32;
    let mask_h = (cap * 3.0 + (n_lines - 1) as f32 * line_step).ceil() as u32;
    let mut mask = GrayImage::from_pixel(mask_w, mask_h, image::Luma([255]));
    for (l, text) in id.mrz.lines().enumerate() {
        let place = LinePlace {
            x0: x0 - ox,
            top: top0 + l as f32 * line_step - oy,
            pitch,
            cap_height: cap,
        };
        ocrb.draw_line(&mut mask, text.as_bytes(), &place, 0);
    }
    canvas.ink_mask(&mask, (ox as i64, oy as i64), ink, ink_opacity, ink_gamma);

    let corner_radius = match format {
        Format::Td1 | Format::Td2 | Format::FrenchId => rng.random_range(2.5..=3.5f32) * mm,
        _ => rng.random_range(0.0..=1.0f32) * mm,
    };
    let params = DocumentParams {
        size_mm: [width / mm, height / mm],
        render_cap_px: cap,
        pitch_ratio,
        line_spacing: spacing,
        paper,
        ink,
        ink_gamma,
        guilloche,
        viz_font: font.name().to_owned(),
    };
    Flat {
        canvas,
        to_render,
        lines,
        chars,
        corner_radius,
        params,
    }
}

/// The document's nominal size in millimetres.
fn size_mm(format: Format) -> (f32, f32) {
    match format {
        Format::Td1 => (85.6, 54.0),
        Format::Td2 | Format::FrenchId | Format::MrvB => (105.0, 74.0),
        Format::Td3 => (125.0, 88.0),
        Format::MrvA => (120.0, 80.0),
    }
}

/// Rosette and wave line families, thin and pale.
struct Guilloche {
    color: Color,
    opacity: f32,
    center: (f32, f32),
    k_r: f32,
    lobes: f32,
    amp_r: f32,
    dir: (f32, f32),
    k_w: f32,
    k_w2: f32,
    amp_w: f32,
    width: f32,
}

impl Guilloche {
    fn new(rng: &mut ChaCha8Rng, width: f32, height: f32, mm: f32, paper: Color) -> Self {
        let angle = rng.random_range(0.0..TAU);
        let hue = [
            rng.random_range(0.3..=0.9f32),
            rng.random_range(0.3..=0.9f32),
            rng.random_range(0.3..=0.9f32),
        ];
        let color = [0, 1, 2].map(|k| paper[k] * 0.6 + hue[k] * 0.3);
        Self {
            color,
            opacity: rng.random_range(0.15..=0.4f32),
            center: (
                rng.random_range(0.2..=0.8f32) * width,
                rng.random_range(0.2..=0.8f32) * height,
            ),
            k_r: TAU / (rng.random_range(1.2..=2.5f32) * mm),
            lobes: f32::from(rng.random_range(5..=14u8)),
            amp_r: rng.random_range(1.0..=4.0f32),
            dir: (angle.cos(), angle.sin()),
            k_w: TAU / (rng.random_range(1.0..=2.0f32) * mm),
            k_w2: TAU / (rng.random_range(8.0..=20.0f32) * mm),
            amp_w: rng.random_range(1.0..=5.0f32),
            width: rng.random_range(0.06..=0.12f32),
        }
    }

    /// The pattern's opacity at (`x`, `y`).
    #[inline]
    fn alpha(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.center.0, y - self.center.1);
        let r = (dx * dx + dy * dy).sqrt();
        let theta = dy.atan2(dx);
        let rosette = r * self.k_r + self.amp_r * (self.lobes * theta).sin();
        let along = x * self.dir.0 + y * self.dir.1;
        let across = -x * self.dir.1 + y * self.dir.0;
        let wave = along * self.k_w + self.amp_w * (across * self.k_w2).sin();
        let line = |phase: f32| {
            let t = (phase / TAU).rem_euclid(1.0);
            let d = t.min(1.0 - t);
            (1.0 - d / self.width).clamp(0.0, 1.0)
        };
        self.opacity * line(rosette).max(line(wave) * 0.8)
    }
}

/// Title, photo block, labelled fields and a signature above the MRZ.
fn draw_visual_zone(
    canvas: &mut Canvas,
    rng: &mut ChaCha8Rng,
    id: &Identity,
    font: TextFont<'_>,
    mm: f32,
    bottom: f32,
) {
    let width = canvas.width as f32;
    let f = &id.fields;
    let margin = rng.random_range(3.5..=6.0f32) * mm;
    let title_color = jitter(rng, [0.15, 0.2, 0.45], 0.15);

    // Header: title and the country, sometimes on a coloured band.
    let title_cap = rng.random_range(2.4..=3.4f32) * mm;
    let mut y = margin;
    if rng.random_bool(0.35) {
        let band = jitter(rng, [0.55, 0.6, 0.75], 0.15);
        canvas.fill_rect(0.0, 0.0, width, y + title_cap * 1.6, band, 0.6);
    }
    let title = match id.format {
        Format::Td3 => "PASSPORT  PASSEPORT",
        Format::Td1 => "IDENTITY CARD",
        Format::Td2 => "TRAVEL DOCUMENT",
        Format::MrvA | Format::MrvB => "VISA",
        Format::FrenchId => "CARTE NATIONALE D'IDENTITE",
    };
    let country = country::name(&f.issuing_state).unwrap_or("UTOPIA");
    font.draw(
        canvas,
        title,
        (margin, y),
        title_cap,
        width - 2.0 * margin,
        title_color,
    );
    // The country right-aligned on the title's line when both fit, else
    // on a line of its own.
    let header = country.to_uppercase();
    let country_cap = title_cap * 0.8;
    let tw = font.width(&header, country_cap);
    let room = width - 2.0 * margin - font.width(title, title_cap) - 4.0 * mm;
    if tw > room {
        y += title_cap * 1.6;
    }
    font.draw(
        canvas,
        &header,
        ((width - margin - tw).max(margin), y),
        country_cap,
        width - 2.0 * margin,
        title_color,
    );
    y += title_cap * 2.4;

    // Photo block: gradient ground, soft shoulder and head blobs.
    let photo_h = (bottom - y - 1.0 * mm).max(4.0 * mm);
    let photo_w = photo_h * rng.random_range(0.72..=0.82f32);
    let px = margin;
    draw_photo(canvas, rng, (px, y, photo_w, photo_h));

    // Labelled fields right of the photo.
    let left = px + photo_w + rng.random_range(3.0..=6.0f32) * mm;
    let right = width - margin;
    let label_cap = rng.random_range(1.2..=1.6f32) * mm;
    let value_cap = rng.random_range(1.9..=2.5f32) * mm;
    let row = label_cap + value_cap + rng.random_range(1.6..=2.4f32) * mm;
    let label_color = jitter(rng, [0.3, 0.32, 0.42], 0.08);
    let value_color = jitter(rng, [0.08, 0.08, 0.1], 0.05);
    let date = |raw: &str, birth: bool| viz_date(raw, birth);
    let mut rows: Vec<(&str, String)> = vec![
        ("Surname / Nom", f.surname.clone()),
        ("Given names / Prenoms", f.given_names.clone()),
    ];
    if !f.nationality.is_empty() {
        let nat = country::name(&f.nationality).unwrap_or("UTOPIA");
        rows.push(("Nationality", nat.to_uppercase()));
    }
    rows.push(("Date of birth", date(&f.birth_date, true)));
    rows.push(("Sex", f.sex.to_string()));
    rows.push(("Place of birth", id.place.clone()));
    if !f.expiry_date.is_empty() {
        rows.push(("Date of expiry", date(&f.expiry_date, false)));
    }
    rows.push(("Document no.", f.document_number.clone()));
    rows.push((
        "Authority",
        format!("{} {}", country.to_uppercase(), id.place),
    ));
    let cols = if right - left > 55.0 * mm { 2 } else { 1 };
    let col_w = (right - left) / cols as f32;
    let mut cy = y;
    let mut slot = 0;
    for (i, (label, value)) in rows.iter().enumerate() {
        let full = i < 2;
        let (cx, w) = if full {
            (left, right - left)
        } else {
            let c = slot % cols;
            (left + c as f32 * col_w, col_w - 2.0 * mm)
        };
        if cy + row > bottom {
            break;
        }
        font.draw(canvas, label, (cx, cy), label_cap, w, label_color);
        let vy = cy + label_cap + 0.8 * mm;
        font.draw(canvas, value, (cx, vy), value_cap, w, value_color);
        if full || slot % cols == cols - 1 {
            cy += row;
        }
        if !full {
            slot += 1;
        }
    }

    // Signature, when there is room below the fields.
    if cy + 5.0 * mm < bottom {
        let sig_color = jitter(rng, [0.15, 0.2, 0.5], 0.1);
        let n = 40;
        let (sx, sy) = (left + 2.0 * mm, cy + 2.5 * mm);
        let len = (right - left).min(40.0 * mm) * 0.7;
        let (a, b, c) = (
            rng.random_range(0.5..=1.5f32) * mm,
            rng.random_range(2.0..=6.0f32),
            rng.random_range(5.0..=12.0f32),
        );
        let points: Vec<(f32, f32)> = (0..n)
            .map(|i| {
                let t = i as f32 / (n - 1) as f32;
                (
                    sx + t * len,
                    sy + a * (t * b * TAU).sin() + 0.4 * a * (t * c).cos(),
                )
            })
            .collect();
        canvas.stroke(&points, 0.35 * mm, sig_color, 0.9);
    }
}

/// A photo block at (`x`, `y`) of size `w × h`: no face, just shapes,
/// painted on its own canvas so nothing spills out of the block.
fn draw_photo(canvas: &mut Canvas, rng: &mut ChaCha8Rng, (x, y, w, h): (f32, f32, f32, f32)) {
    let (pw, ph) = (w.round().max(1.0) as u32, h.round().max(1.0) as u32);
    let mut photo = Canvas::new(pw, ph, [0.0; 3]);
    paint_photo(&mut photo, rng);
    let (ox, oy) = (x.round() as i64, y.round() as i64);
    for py in 0..ph {
        for px in 0..pw {
            let c = photo.px[photo.idx(px, py)];
            canvas.blend(ox + i64::from(px), oy + i64::from(py), c, 1.0);
        }
    }
}

/// Fills `canvas` with a photo-like block: gradient ground, soft shoulder,
/// head and hair blobs.
fn paint_photo(canvas: &mut Canvas, rng: &mut ChaCha8Rng) {
    let (x, y) = (0.0f32, 0.0f32);
    let (w, h) = (canvas.width as f32, canvas.height as f32);
    let gray = rng.random_bool(0.4);
    let tone = |rng: &mut ChaCha8Rng, c: Color| {
        let c = jitter(rng, c, 0.1);
        if gray {
            let l = (c[0] + c[1] + c[2]) / 3.0;
            [l; 3]
        } else {
            c
        }
    };
    let top = tone(rng, [0.75, 0.8, 0.85]);
    let bottom = tone(rng, [0.55, 0.6, 0.7]);
    for row in y.max(0.0) as i64..(y + h) as i64 {
        let t = (row as f32 - y) / h;
        let c = [0, 1, 2].map(|k| top[k] + (bottom[k] - top[k]) * t);
        for col in x.max(0.0) as i64..(x + w) as i64 {
            canvas.blend(col, row, c, 1.0);
        }
    }
    let soft = w * 0.04;
    let cloth = tone(rng, [0.25, 0.25, 0.35]);
    canvas.fill_ellipse(
        (x + w * 0.5, y + h * 1.02),
        (w * 0.55, h * 0.32),
        0.0,
        cloth,
        1.0,
        soft,
    );
    let skin = tone(rng, [0.75, 0.6, 0.5]);
    canvas.fill_ellipse(
        (x + w * rng.random_range(0.45..=0.55f32), y + h * 0.42),
        (w * 0.24, h * 0.24),
        0.0,
        skin,
        1.0,
        soft,
    );
    let hair = tone(rng, [0.25, 0.18, 0.12]);
    canvas.fill_ellipse(
        (x + w * 0.5, y + h * 0.28),
        (w * 0.26, h * 0.13),
        0.0,
        hair,
        0.9,
        soft,
    );
    for _ in 0..rng.random_range(2..=5) {
        let c = tone(rng, [0.6, 0.55, 0.5]);
        let center = (
            x + w * rng.random_range(0.1..=0.9f32),
            y + h * rng.random_range(0.1..=0.9f32),
        );
        let r = w * rng.random_range(0.05..=0.15f32);
        canvas.fill_ellipse(center, (r, r * 0.7), 0.3, c, 0.25, r * 0.5);
    }
    // A thin frame line around the block, sometimes.
    if rng.random_bool(0.5) {
        let c = [0.3, 0.3, 0.35];
        let t = uniform(rng, (0.6, 1.2));
        canvas.fill_rect(x, y, x + w, y + t, c, 0.8);
        canvas.fill_rect(x, y + h - t, x + w, y + h, c, 0.8);
        canvas.fill_rect(x, y, x + t, y + h, c, 0.8);
        canvas.fill_rect(x + w - t, y, x + w, y + h, c, 0.8);
    }
}

/// A `YYMMDD` date as the visual zone prints it (`12 AUG 1974`); impossible
/// or partly unknown dates are printed raw.
fn viz_date(raw: &str, birth: bool) -> String {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let part = |i: usize| raw.get(i..i + 2).and_then(|s| s.parse::<u16>().ok());
    match (part(0), part(2), part(4)) {
        (Some(yy), Some(mm @ 1..=12), Some(dd @ 1..=31)) => {
            let century = if birth && yy > 25 { 1900 } else { 2000 };
            format!("{dd:02} {} {}", MONTHS[usize::from(mm - 1)], century + yy)
        }
        _ => raw.replace('<', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_dates_read_like_documents() {
        assert_eq!(viz_date("740812", true), "12 AUG 1974");
        assert_eq!(viz_date("120415", false), "15 APR 2012");
        assert_eq!(viz_date("741312", true), "741312");
        assert_eq!(viz_date("7408<<", true), "7408  ");
    }
}
