//! Test documents: MRZ texts and clean pages with them printed in OCR-B.

use image::{GrayImage, Luma};
use imageproc::geometric_transformations::Projection;

use super::grid::{Grid, LineBox};
use crate::synth::render::{LinePlace, OcrB};
use crate::{Date, Fields, Format, ParseOptions, generate};

/// A light page with `text`'s lines printed in OCR-B (16 px capitals)
/// and the true grid of its MRZ.
pub(super) fn printed(text: &str) -> (GrayImage, Grid) {
    let font = OcrB::load().expect("OCR-B font (apt-get install fonts-ocr-b)");
    let (cap, spacing) = (16.0, 28.0);
    let pitch = cap * font.natural_pitch();
    let (x0, top0) = (60.0, 60.0);
    let mut image = GrayImage::from_pixel(900, 180, Luma([215]));
    let mut boxes = Vec::new();
    for (l, line) in text.lines().enumerate() {
        let top = top0 + l as f32 * spacing;
        let place = LinePlace {
            x0,
            top,
            pitch,
            cap_height: cap,
        };
        font.draw_line(&mut image, line.as_bytes(), &place, 30);
        let frame_top = (top - top0) / pitch;
        boxes.push(LineBox {
            top: frame_top,
            bottom: frame_top + cap / pitch,
        });
    }
    let chars = text.lines().next().map_or(0, str::len);
    let to_image = Projection::translate(x0, top0) * Projection::scale(pitch, pitch);
    (image, Grid::new(to_image, chars, boxes))
}

/// The specimen TD3 (see [`specimen`]).
pub(super) fn td3() -> String {
    specimen(Format::Td3)
}

/// A valid MRZ of `format` for Anna Maria Eriksson of Utopia.
pub(super) fn specimen(format: Format) -> String {
    let fields = Fields {
        document_code: match format {
            Format::Td1 | Format::Td2 => "I",
            Format::MrvA | Format::MrvB => "V",
            _ => "P",
        }
        .into(),
        issuing_state: "UTO".into(),
        surname: "ERIKSSON".into(),
        given_names: "ANNA MARIA".into(),
        document_number: "L898902C3".into(),
        nationality: "UTO".into(),
        birth_date: "740812".into(),
        sex: 'F',
        expiry_date: "320415".into(),
        // A TD2's optional data holds 7 characters, a 2×36 visa's 8.
        optional_data: match format {
            Format::Td2 => "ZE1842",
            Format::MrvB => "ZE18422",
            _ => "ZE184226B",
        }
        .into(),
        ..Fields::default()
    };
    generate(format, &fields).expect("fields that fit the format")
}

/// Parse options with a fixed "today".
pub(super) fn options() -> ParseOptions {
    ParseOptions::new(Date::new(2026, 1, 1).expect("a date"))
}
