//! Where an MRZ lies in an image: a plane projective map from the MRZ's own
//! frame to pixel coordinates.
//!
//! The MRZ frame measures both axes in character pitches (OCR-B in an MRZ
//! is printed at a fixed pitch). `x` runs from the left edge of the first
//! character cell (`0`) to the right edge of the last (`chars`); `y` runs
//! down from the top of line 0's glyph box (`0`). Each line's glyph box
//! spans its capital letters, from their top to the baseline. Character
//! `c` of line `l` is the cell `x ∈ [c, c + 1]`, `y ∈ [top_l, bottom_l]`.
//!
//! One projective map covers the whole zone because a document is flat:
//! rotation, scale and mild perspective are all in it. Locating produces a
//! [`Grid`]; cell sampling and the corner points of a reading consume it.

use imageproc::geometric_transformations::Projection;

/// The vertical extent of one MRZ line's glyph box, in pitches of the MRZ
/// frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineBox {
    /// Top of the capital letters.
    pub top: f32,
    /// Baseline.
    pub bottom: f32,
}

/// An MRZ's place in an image: its lines, characters per line and the map
/// from the MRZ frame (module docs) to pixels.
#[derive(Debug, Clone)]
pub struct Grid {
    to_image: Projection,
    chars: usize,
    lines: Vec<LineBox>,
}

impl Grid {
    /// A grid of `lines` lines of `chars` characters, placed in the image by
    /// `to_image` (MRZ frame → pixels).
    pub fn new(to_image: Projection, chars: usize, lines: Vec<LineBox>) -> Self {
        Self {
            to_image,
            chars,
            lines,
        }
    }

    /// The map from the MRZ frame to pixel coordinates.
    pub fn to_image(&self) -> &Projection {
        &self.to_image
    }

    /// Characters per line.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// The lines' glyph boxes, top line first.
    pub fn lines(&self) -> &[LineBox] {
        &self.lines
    }

    /// The pixel position of MRZ-frame point (`x`, `y`).
    pub fn point(&self, x: f32, y: f32) -> (f32, f32) {
        self.to_image * (x, y)
    }

    /// The zone's corners in pixels: top-left, top-right, bottom-right,
    /// bottom-left, in the MRZ's own reading direction (so an upside-down
    /// document has its top-left corner at the bottom right of the image).
    pub fn corners(&self) -> [(f32, f32); 4] {
        let (top, bottom) = self.vertical_extent();
        let right = self.chars as f32;
        [
            self.point(0.0, top),
            self.point(right, top),
            self.point(right, bottom),
            self.point(0.0, bottom),
        ]
    }

    /// The same zone read the other way up: what a document turned by 180°
    /// looks like. Line order and character order are reversed.
    pub fn rotated_180(&self) -> Self {
        let (top, bottom) = self.vertical_extent();
        let height = top + bottom;
        // (x', y') in the turned frame is (chars − x', height − y') here.
        let flip = Projection::translate(self.chars as f32, height) * Projection::scale(-1.0, -1.0);
        let lines = self
            .lines
            .iter()
            .rev()
            .map(|l| LineBox {
                top: height - l.bottom,
                bottom: height - l.top,
            })
            .collect();
        Self {
            to_image: self.to_image * flip,
            chars: self.chars,
            lines,
        }
    }

    fn vertical_extent(&self) -> (f32, f32) {
        let top = self.lines.first().map_or(0.0, |l| l.top);
        let bottom = self.lines.last().map_or(0.0, |l| l.bottom);
        (top, bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f32, f32), b: (f32, f32)) -> bool {
        (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3
    }

    fn sample() -> Grid {
        // 10 px per pitch, zone starting at (100, 50).
        let to_image = Projection::translate(100.0, 50.0) * Projection::scale(10.0, 10.0);
        let lines = vec![
            LineBox {
                top: 0.0,
                bottom: 1.4,
            },
            LineBox {
                top: 2.2,
                bottom: 3.6,
            },
        ];
        Grid::new(to_image, 44, lines)
    }

    #[test]
    fn corners_span_the_zone() {
        let c = sample().corners();
        assert!(close(c[0], (100.0, 50.0)));
        assert!(close(c[1], (540.0, 50.0)));
        assert!(close(c[2], (540.0, 86.0)));
        assert!(close(c[3], (100.0, 86.0)));
    }

    #[test]
    fn turning_twice_is_the_identity_and_once_reverses_cells() {
        let grid = sample();
        let turned = grid.rotated_180();
        // The turned grid's first cell is the original's last cell.
        let last = grid.lines()[1];
        let first = turned.lines()[0];
        assert!(close(
            turned.point(0.5, first.top),
            grid.point(43.5, last.bottom)
        ));
        assert!((first.bottom - first.top - (last.bottom - last.top)).abs() < 1e-5);
        let back = turned.rotated_180();
        for (a, b) in back.corners().iter().zip(grid.corners()) {
            assert!(close(*a, b));
        }
        for (a, b) in back.lines().iter().zip(grid.lines()) {
            assert!((a.top - b.top).abs() < 1e-5 && (a.bottom - b.bottom).abs() < 1e-5);
        }
    }
}
