//! Drawing MRZ text in OCR-B at a fixed pitch.
//!
//! The font is read from `HOTEL_OCRB_FONT` or, by default, Debian's
//! `fonts-ocr-b` install path. Text is drawn the way the MRZ frame of
//! [`crate::reader::Grid`] measures it: cell `c` spans one pitch, each glyph
//! is centred in its cell and its capital letters fill the line's glyph box
//! from top to baseline.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, PxScale, point};
use image::GrayImage;
use thiserror::Error;

/// Where Debian's `fonts-ocr-b` puts the regular OCR-B face.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

/// Why the OCR-B font could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FontError {
    /// The file could not be read.
    #[error(
        "cannot read the OCR-B font {path} (install Debian's fonts-ocr-b or set HOTEL_OCRB_FONT)"
    )]
    Read {
        /// The path tried.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a font ab_glyph can read, or lacks MRZ glyphs.
    #[error("{path} is not a usable OCR-B font")]
    Invalid {
        /// The path tried.
        path: PathBuf,
    },
}

/// Where one MRZ line goes on a canvas, in pixels: cell `c` spans
/// `x0 + c·pitch ..= x0 + (c + 1)·pitch`, capitals run from `top` down to
/// `top + cap_height`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePlace {
    /// Left edge of the first cell.
    pub x0: f32,
    /// Top of the capitals.
    pub top: f32,
    /// Width of one cell.
    pub pitch: f32,
    /// Height of the capitals.
    pub cap_height: f32,
}

/// The OCR-B face, with the metrics that drawing MRZ lines needs.
pub struct OcrB {
    font: FontVec,
    /// Cap height in font units (the height of `H`).
    cap_units: f32,
    /// Advance width in font units (OCR-B is monospaced).
    advance_units: f32,
}

impl OcrB {
    /// Loads the font from `HOTEL_OCRB_FONT`, or from [`DEFAULT_FONT`].
    ///
    /// # Errors
    ///
    /// [`FontError`] when the file is missing or not a usable font.
    pub fn load() -> Result<Self, FontError> {
        let path = std::env::var_os("HOTEL_OCRB_FONT")
            .map_or_else(|| PathBuf::from(DEFAULT_FONT), PathBuf::from);
        Self::from_path(&path)
    }

    /// Loads the font file at `path`.
    ///
    /// # Errors
    ///
    /// [`FontError`] when the file is missing or not a usable font.
    pub fn from_path(path: &Path) -> Result<Self, FontError> {
        let bytes = std::fs::read(path).map_err(|source| FontError::Read {
            path: path.into(),
            source,
        })?;
        let invalid = || FontError::Invalid { path: path.into() };
        let font = FontVec::try_from_vec(bytes).map_err(|_| invalid())?;
        let h = font.glyph_id('H');
        let bounds = font.outline(h).ok_or_else(invalid)?.bounds;
        // ab_glyph reports outline bounds with y growing upwards from the
        // baseline, min and max taken per corner: the cap top is the larger.
        let cap_units = bounds.min.y.max(bounds.max.y);
        let advance_units = font.h_advance_unscaled(h);
        if cap_units <= 0.0 || advance_units <= 0.0 {
            return Err(invalid());
        }
        Ok(Self {
            font,
            cap_units,
            advance_units,
        })
    }

    /// The font's own ratio of advance width to cap height: the pitch of a
    /// line whose cap height is 1.
    pub fn natural_pitch(&self) -> f32 {
        self.advance_units / self.cap_units
    }

    /// Draws `text` (MRZ characters) as one line on `canvas` where `place`
    /// says. Ink is blended over what is there by glyph coverage, so `ink`
    /// darker than the paper draws dark text.
    pub fn draw_line(&self, canvas: &mut GrayImage, text: &[u8], place: &LinePlace, ink: u8) {
        let LinePlace {
            x0,
            top,
            pitch,
            cap_height,
        } = *place;
        let px_per_unit = cap_height / self.cap_units;
        let scale = PxScale::from(px_per_unit * self.font.height_unscaled());
        let advance = self.advance_units * px_per_unit;
        let baseline = top + cap_height;
        let (w, h) = canvas.dimensions();
        for (c, &ch) in text.iter().enumerate() {
            let x = x0 + c as f32 * pitch + (pitch - advance) / 2.0;
            let glyph = self
                .font
                .glyph_id(char::from(ch))
                .with_scale_and_position(scale, point(x, baseline));
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0 || py < 0 || px >= i64::from(w) || py >= i64::from(h) {
                    return;
                }
                let pixel = canvas.get_pixel_mut(px as u32, py as u32);
                let old = f32::from(pixel.0[0]);
                let cov = coverage.clamp(0.0, 1.0);
                pixel.0[0] = (old + (f32::from(ink) - old) * cov).round() as u8;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_ink_inside_the_cells_only() {
        let font = OcrB::load().expect("OCR-B font (apt-get install fonts-ocr-b)");
        let mut canvas = GrayImage::from_pixel(200, 60, image::Luma([255]));
        // "H<" at pitch 20, cap height 20, from (40, 20).
        let place = LinePlace {
            x0: 40.0,
            top: 20.0,
            pitch: 20.0,
            cap_height: 20.0,
        };
        font.draw_line(&mut canvas, b"H<", &place, 0);
        let dark = |x0: u32, x1: u32, y0: u32, y1: u32| {
            (x0..x1)
                .flat_map(|x| (y0..y1).map(move |y| (x, y)))
                .filter(|&(x, y)| canvas.get_pixel(x, y).0[0] < 128)
                .count()
        };
        assert!(dark(40, 60, 20, 40) > 40, "an H fills much of its cell");
        assert!(dark(60, 80, 20, 40) > 10, "a filler shows in its cell");
        assert_eq!(dark(0, 38, 0, 60), 0, "nothing left of the line");
        assert_eq!(dark(82, 200, 0, 60), 0, "nothing right of the line");
        assert_eq!(dark(0, 200, 0, 18), 0, "nothing above the caps");
        assert!(font.natural_pitch() > 0.5 && font.natural_pitch() < 1.5);
    }
}
