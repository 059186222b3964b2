//! The truth record of a generated image: one line of `truth.jsonl`.
//!
//! `{"file":"000123.jpg","seed":123,"bucket":"clean","format":"td3",
//! "mrz":"LINE1\nLINE2","valid":true,"corners":[[x,y],…],
//! "char_height_px":17.5,"erased":[[1,7],…],"params":{…}}`. `corners` are the MRZ zone's
//! top-left, top-right, bottom-right and bottom-left in the MRZ's own
//! reading direction, in pixels of the written image, where pixel `(i, j)`
//! covers `[i, i + 1] × [j, j + 1]` (so the centre of the top-left pixel is
//! `(0.5, 0.5)`). `valid` is part 1's verdict with reference date
//! 2026-01-01. `erased` lists the characters the degradation erased, as
//! `[line, column]` (0-based), decided from the written image by
//! [`crate::synth::legibility`]; files written before it was recorded lack
//! the key and read as `None` (unknown). `params` records every choice the generator made, so an
//! image can be explained (and regenerated from `seed` and `bucket`).

use imageproc::geometric_transformations::Projection;
use serde::{Deserialize, Serialize};

use crate::Date;
use crate::reader::{Grid, LineBox};
use crate::synth::bucket::Bucket;
use crate::synth::identity::Invalid;

/// The reference date of `valid`: 2026-01-01.
pub const REFERENCE_DATE: Date = match Date::new(2026, 1, 1) {
    Ok(d) => d,
    Err(_) => panic!("2026-01-01 is a date"),
};

/// One line of `truth.jsonl` (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The image's file name, relative to the set's directory.
    pub file: String,
    /// The seed that regenerates this image with [`crate::synth::sample()`].
    pub seed: u64,
    /// The difficulty bucket.
    pub bucket: Bucket,
    /// The MRZ format's short name (`td3`, `mrv_a`, …).
    pub format: String,
    /// The MRZ text, lines joined by `\n`.
    pub mrz: String,
    /// Part 1's verdict on `mrz` (reference date 2026-01-01).
    pub valid: bool,
    /// The zone's corners in pixels: top-left, top-right, bottom-right,
    /// bottom-left, in reading direction.
    pub corners: [[f32; 2]; 4],
    /// Mean height of the MRZ capitals in the written image, pixels.
    pub char_height_px: f32,
    /// The characters the degradation erased, `[line, column]` from 0, in
    /// reading order (see [`crate::synth::legibility`]); `None` in truth
    /// files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<Vec<[u16; 2]>>,
    /// Everything the generator chose.
    pub params: Params,
}

/// How the image was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    /// JPEG at [`Params::jpeg_quality`].
    Jpeg,
    /// Lossless PNG.
    Png,
}

/// Every generator choice behind one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// How the MRZ was made invalid on purpose, if it was.
    pub invalid: Option<Invalid>,
    /// Width and height of the written image.
    pub frame: [u32; 2],
    /// JPEG or PNG.
    pub file_type: FileType,
    /// JPEG quality (JPEG only).
    pub jpeg_quality: Option<u8>,
    /// Direction of the MRZ's reading direction in the image, degrees,
    /// clockwise from the +x axis (image y points down); near ±180 when
    /// upside down.
    pub rotation_deg: f32,
    /// Whether the document was turned by 180° (± the rotation range).
    pub upside_down: bool,
    /// Perspective tilt of the document plane about its horizontal axis.
    pub tilt_x_deg: f32,
    /// Perspective tilt about its vertical axis.
    pub tilt_y_deg: f32,
    /// Sub-samples per output pixel side when mapping the flat render
    /// (area averaging).
    pub supersample: u32,
    /// Gaussian blur σ in output pixels.
    pub blur_sigma_px: f32,
    /// Gaussian noise σ in 0–255 units.
    pub noise_sigma: f32,
    /// Uneven light.
    pub light: Light,
    /// The glare spot, if any.
    pub glare: Option<Glare>,
    /// The table texture: `wood`, `plain` or `fabric`.
    pub background: String,
    /// Number of clutter objects on the table.
    pub clutter: u32,
    /// The MRZ lines' glyph boxes in the MRZ frame, `[top, bottom]` in
    /// pitches (see [`crate::reader::Grid`]).
    pub mrz_lines: Vec<[f32; 2]>,
    /// The flat document.
    pub document: DocumentParams,
}

/// Uneven light over the frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Light {
    /// How much darker the dark side is (0 = even).
    pub strength: f32,
    /// Direction towards the dark side, degrees.
    pub direction_deg: f32,
    /// Overall gain.
    pub exposure: f32,
    /// Per-channel colour cast (gains).
    pub cast: [f32; 3],
}

/// A bright elliptical spot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glare {
    /// Centre in output pixels.
    pub center: [f32; 2],
    /// Semi-axes in output pixels.
    pub radii: [f32; 2],
    /// Orientation, degrees.
    pub angle_deg: f32,
    /// Peak strength; 1 washes the centre out to white.
    pub strength: f32,
    /// Whether it was centred on the MRZ.
    pub on_mrz: bool,
}

/// The flat document's look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentParams {
    /// Width and height in millimetres.
    pub size_mm: [f32; 2],
    /// MRZ cap height in the flat render, pixels.
    pub render_cap_px: f32,
    /// MRZ pitch ÷ cap height.
    pub pitch_ratio: f32,
    /// Distance between MRZ line tops ÷ cap height.
    pub line_spacing: f32,
    /// Paper tint (sRGB, 0–1).
    pub paper: [f32; 3],
    /// MRZ ink (sRGB, 0–1).
    pub ink: [f32; 3],
    /// Stroke weight: glyph coverage is raised to this power (below 1 is
    /// bolder).
    pub ink_gamma: f32,
    /// Whether a guilloche-like pattern was drawn.
    pub guilloche: bool,
    /// The visual zone's font (file stem), `OCRB` for the fallback.
    pub viz_font: String,
}

impl Truth {
    /// The truth [`Grid`], rebuilt from the corners and the line boxes (a
    /// projective map is fixed by four points, so this is exact up to
    /// rounding). `None` when the record has no lines or degenerate
    /// corners.
    pub fn grid(&self) -> Option<Grid> {
        let chars = self.mrz.lines().next()?.len();
        let first = self.params.mrz_lines.first()?;
        let last = self.params.mrz_lines.last()?;
        let (top, bottom, right) = (first[0], last[1], chars as f32);
        let from = [(0.0, top), (right, top), (right, bottom), (0.0, bottom)];
        let to = self.corners.map(|[x, y]| (x, y));
        let map = Projection::from_control_points(from, to)?;
        let lines = self
            .params
            .mrz_lines
            .iter()
            .map(|&[top, bottom]| LineBox { top, bottom })
            .collect();
        Some(Grid::new(map, chars, lines))
    }
}
