//! Test frames with a known MRZ grid: a document with an MRZ, a photo block
//! and printed text, put into a camera frame by a known projection and
//! degraded. Shared by `tests/locate.rs` and `benches/locate.rs`.

#![allow(dead_code, unreachable_pub)]

use hotel_mrz::reader::{Grid, LineBox};
use hotel_mrz::synth::render::{LinePlace, OcrB};
use hotel_mrz::{Fields, Format, generate};
use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to draw and how to degrade it.
#[derive(Debug, Clone)]
pub struct Scene {
    pub seed: u64,
    pub format: Format,
    /// Whether the document carries an MRZ at all.
    pub has_mrz: bool,
    pub frame: (u32, u32),
    /// Cap height of the MRZ in frame pixels (at the document's centre).
    pub cap_px: f32,
    /// Rotation in degrees (counter-clockwise on screen is negative).
    pub angle_deg: f32,
    /// Turn the document by 180° as well.
    pub upside_down: bool,
    /// Strength of the perspective: 0 none, 0.1 mild.
    pub perspective: f32,
    /// Gaussian blur sigma in frame pixels (0: none).
    pub blur: f32,
    /// Light falloff across the frame: 0 even, 0.6 strong.
    pub uneven: f32,
    /// Gaussian noise sigma in gray levels.
    pub noise: f32,
    /// Printed text and a photo block on the document.
    pub clutter: bool,
}

impl Scene {
    pub fn new(seed: u64, format: Format) -> Self {
        Self {
            seed,
            format,
            has_mrz: true,
            frame: (1280, 720),
            cap_px: 14.0,
            angle_deg: 0.0,
            upside_down: false,
            perspective: 0.0,
            blur: 0.0,
            uneven: 0.0,
            noise: 0.0,
            clutter: true,
        }
    }
}

/// A rendered scene and, if it has an MRZ, its true grid and text.
pub struct Frame {
    pub image: GrayImage,
    pub truth: Option<Grid>,
    pub text: String,
}

/// The MRZ text for a format from seeded random fields.
pub fn mrz_text(format: Format, rng: &mut ChaCha8Rng) -> String {
    let letters = |rng: &mut ChaCha8Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
            .collect()
    };
    let digits = |rng: &mut ChaCha8Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect()
    };
    let (code, state) = match format {
        Format::MrvA | Format::MrvB => ("V", "UTO"),
        Format::FrenchId => ("ID", "FRA"),
        Format::Td1 => ("I", "UTO"),
        _ => ("P", "UTO"),
    };
    let surname_len = rng.random_range(3..10);
    let given_len = rng.random_range(3..8);
    let fields = Fields {
        document_code: code.into(),
        issuing_state: state.into(),
        surname: letters(rng, surname_len),
        given_names: letters(rng, given_len),
        document_number: format!("{}{}", letters(rng, 2), digits(rng, 7)),
        nationality: "UTO".into(),
        birth_date: format!(
            "{:02}{:02}{:02}",
            rng.random_range(0..100),
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        sex: if rng.random_bool(0.5) { 'F' } else { 'M' },
        expiry_date: format!(
            "{:02}{:02}{:02}",
            rng.random_range(26..40),
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        optional_data: if format == Format::FrenchId {
            String::new()
        } else {
            digits(rng, 5)
        },
        administrative_code: if format == Format::FrenchId {
            "75A".into()
        } else {
            String::new()
        },
        ..Fields::default()
    };
    generate(format, &fields).expect("generated fields fit the format")
}

/// Renders `scene`.
pub fn render(font: &OcrB, scene: &Scene) -> Frame {
    let mut rng = ChaCha8Rng::seed_from_u64(scene.seed);
    let text = mrz_text(scene.format, &mut rng);
    let lines: Vec<&str> = text.lines().collect();
    let chars = lines[0].len();

    // The document is drawn at twice the frame's cap height, then scaled.
    let ss = 2.0f32;
    let cap = scene.cap_px * ss;
    let pitch = cap * font.natural_pitch() * rng.random_range(0.97..1.08);
    let spacing = cap * rng.random_range(1.6..1.95);
    let margin = pitch * rng.random_range(1.5..3.0);
    let doc_w = chars as f32 * pitch + 2.0 * margin;
    let mrz_h = spacing * (lines.len() - 1) as f32 + cap;
    let doc_h = doc_w * if chars == 30 { 0.63 } else { 0.70 };
    let x0 = margin;
    let top0 = doc_h - margin * 0.8 - mrz_h;

    let paper = rng.random_range(200..240u8);
    let mut doc = GrayImage::from_pixel(doc_w.ceil() as u32, doc_h.ceil() as u32, Luma([paper]));
    // A faint pattern on the paper, as security prints have.
    for (x, y, p) in doc.enumerate_pixels_mut() {
        let wave = ((x as f32 * 0.05).sin() * (y as f32 * 0.07).cos() * 8.0) as i32;
        p.0[0] = (i32::from(p.0[0]) + wave).clamp(0, 255) as u8;
    }
    if scene.clutter {
        draw_clutter(font, &mut doc, &mut rng, cap, pitch, top0);
    }
    if scene.has_mrz {
        for (l, line) in lines.iter().enumerate() {
            let place = LinePlace {
                x0,
                top: top0 + l as f32 * spacing,
                pitch,
                cap_height: cap,
            };
            font.draw_line(&mut doc, line.as_bytes(), &place, rng.random_range(10..50));
        }
    }

    // Document → frame: centre, scale down, perspective, rotate, place.
    // The frame grows (keeping its shape) when the document would not fit.
    let (dw, dh) = (doc.width() as f32, doc.height() as f32);
    let (sin, cos) = scene.angle_deg.to_radians().sin_cos();
    let bw = (dw * cos.abs() + dh * sin.abs()) / ss * 1.25;
    let bh = (dw * sin.abs() + dh * cos.abs()) / ss * 1.25;
    let grow = (bw / scene.frame.0 as f32)
        .max(bh / scene.frame.1 as f32)
        .max(1.0);
    let (fw, fh) = (
        (scene.frame.0 as f32 * grow) as u32,
        (scene.frame.1 as f32 * grow) as u32,
    );
    let mut to_frame = Projection::translate(-dw / 2.0, -dh / 2.0);
    if scene.upside_down {
        to_frame = Projection::rotate(std::f32::consts::PI) * to_frame;
    }
    to_frame = Projection::scale(1.0 / ss, 1.0 / ss) * to_frame;
    if scene.perspective > 0.0 {
        let (hw, hh) = (dw / ss / 2.0, dh / ss / 2.0);
        let k = scene.perspective;
        let from = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)];
        let to = [
            (-hw * (1.0 - k), -hh),
            (hw * (1.0 - k), -hh * (1.0 - k * 0.5)),
            (hw, hh),
            (-hw, hh * (1.0 + k * 0.3)),
        ];
        to_frame = Projection::from_control_points(from, to).expect("a proper quad") * to_frame;
    }
    let shift = (
        rng.random_range(-0.08..0.08) * fw as f32,
        rng.random_range(-0.08..0.08) * fh as f32,
    );
    to_frame = Projection::translate(fw as f32 / 2.0 + shift.0, fh as f32 / 2.0 + shift.1)
        * Projection::rotate(scene.angle_deg.to_radians())
        * to_frame;

    // imageproc samples pixel k's value at coordinate k; our coordinates
    // put pixel k's centre at k + 0.5.
    let sampled = Projection::translate(-0.5, -0.5) * to_frame * Projection::translate(0.5, 0.5);
    let table = rng.random_range(40..110u8);
    let mut image = GrayImage::from_pixel(fw, fh, Luma([table]));
    warp_into(
        &doc,
        sampled,
        Interpolation::Bilinear,
        Border::Constant(Luma([table])),
        &mut image,
    );
    // Texture on the table so it is not flat.
    for (x, y, p) in image.enumerate_pixels_mut() {
        let t = (((x / 37 + y / 23) % 3) as i32) * 6;
        if p.0[0] == table {
            p.0[0] = (i32::from(table) + t).clamp(0, 255) as u8;
        }
    }

    if scene.blur > 0.0 {
        image = imageproc::filter::gaussian_blur_f32(&image, scene.blur);
    }
    if scene.uneven > 0.0 || scene.noise > 0.0 {
        let (cx, cy) = (
            rng.random_range(0.0..fw as f32),
            rng.random_range(0.0..fh as f32),
        );
        let reach = (fw.max(fh)) as f32;
        for (x, y, p) in image.enumerate_pixels_mut() {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / reach;
            let gain = 1.0 - scene.uneven * d.min(1.0);
            let n: f32 = if scene.noise > 0.0 {
                // Sum of uniforms: near-Gaussian, deterministic by seed.
                (0..4).map(|_| rng.random_range(-1.0..1.0f32)).sum::<f32>() * 0.87 * scene.noise
            } else {
                0.0
            };
            p.0[0] = (f32::from(p.0[0]) * gain + n).round().clamp(0.0, 255.0) as u8;
        }
    }

    let truth = scene.has_mrz.then(|| {
        let frame_of_mrz =
            to_frame * Projection::translate(x0, top0) * Projection::scale(pitch, pitch);
        let boxes = (0..lines.len())
            .map(|l| {
                let top = l as f32 * spacing / pitch;
                LineBox {
                    top,
                    bottom: top + cap / pitch,
                }
            })
            .collect();
        Grid::new(frame_of_mrz, chars, boxes)
    });
    Frame { image, truth, text }
}

/// A photo block, a heading and lines of printed text above the MRZ.
fn draw_clutter(
    font: &OcrB,
    doc: &mut GrayImage,
    rng: &mut ChaCha8Rng,
    cap: f32,
    pitch: f32,
    mrz_top: f32,
) {
    let (w, h) = (doc.width() as f32, doc.height() as f32);
    // Photo: a dark block with soft blobs.
    let (px0, py0) = (w * 0.05, h * 0.18);
    let (pw, ph) = (w * 0.25, (mrz_top - h * 0.22).max(cap * 2.0));
    for y in py0 as u32..(py0 + ph) as u32 {
        for x in px0 as u32..(px0 + pw) as u32 {
            if x < doc.width() && y < doc.height() {
                let u = (x as f32 - px0) / pw - 0.5;
                let v = (y as f32 - py0) / ph - 0.4;
                let face = if u * u * 4.0 + v * v * 3.0 < 0.3 {
                    150.0
                } else {
                    80.0
                };
                let g = face + 20.0 * ((x as f32 * 0.3).sin() + (y as f32 * 0.2).cos());
                doc.put_pixel(x, y, Luma([g.clamp(0.0, 255.0) as u8]));
            }
        }
    }
    // Heading in large capitals.
    let heading: &[u8] = if rng.random_bool(0.5) {
        b"PASSPORT PASSEPORT"
    } else {
        b"UTOPIA IDENTITY CARD"
    };
    let hc = cap * rng.random_range(1.2..1.6);
    font.draw_line(
        doc,
        heading,
        &LinePlace {
            x0: w * 0.3,
            top: h * 0.04,
            pitch: hc * 0.9,
            cap_height: hc,
        },
        30,
    );
    // Field labels and values right of the photo, some at the MRZ's size.
    let words: [&[u8]; 10] = [
        b"Surname",
        b"Nom",
        b"Given names",
        b"Prenoms",
        b"Nationality",
        b"Date of birth",
        b"Sex",
        b"Place of birth",
        b"Date of issue",
        b"Authority",
    ];
    let mut y = h * 0.18;
    while y + cap * 2.0 < mrz_top - cap {
        let small = rng.random_bool(0.5);
        let c = if small {
            cap * rng.random_range(0.5..0.75)
        } else {
            cap * rng.random_range(0.9..1.1)
        };
        let mut line = Vec::new();
        for _ in 0..rng.random_range(1..4) {
            line.extend_from_slice(words[rng.random_range(0..words.len())]);
            line.push(b' ');
        }
        if !small {
            line = line.to_ascii_uppercase();
            for _ in 0..rng.random_range(0..12) {
                line.push(b'0' + rng.random_range(0..10u8));
            }
        }
        let p = if small { c * 0.8 } else { pitch * c / cap };
        font.draw_line(
            doc,
            &line,
            &LinePlace {
                x0: w * 0.34,
                top: y,
                pitch: p,
                cap_height: c,
            },
            rng.random_range(20..70),
        );
        y += c * rng.random_range(1.7..2.4);
    }
}

/// `image` in colour with `grid`'s cells outlined (red, first cell green).
pub fn overlay(image: &GrayImage, grid: &Grid) -> image::RgbImage {
    use imageproc::drawing::draw_line_segment_mut;
    let mut out = image::DynamicImage::ImageLuma8(image.clone()).to_rgb8();
    for (l, line) in grid.lines().iter().enumerate() {
        for c in 0..grid.chars() {
            let x = c as f32;
            let colour = if c == 0 && l == 0 {
                image::Rgb([0, 200, 0])
            } else {
                image::Rgb([230, 0, 0])
            };
            let p = [
                grid.point(x, line.top),
                grid.point(x + 1.0, line.top),
                grid.point(x + 1.0, line.bottom),
                grid.point(x, line.bottom),
            ];
            for k in 0..4 {
                draw_line_segment_mut(&mut out, p[k], p[(k + 1) % 4], colour);
            }
        }
    }
    out
}
