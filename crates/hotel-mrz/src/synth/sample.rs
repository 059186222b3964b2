//! One synthetic image in memory ([`sample()`]) and a set of them on disk
//! ([`write_set`]).
//!
//! A sample is fully determined by its seed and bucket: the seed feeds
//! separate ChaCha8 streams for the invented document (0), the degradation
//! plan and placement (1), the document's look (2), the table (3) and the
//! pixel noise (4), so changing how one part is drawn leaves the others'
//! draws alone. The visual-zone font depends on which Debian fonts are
//! installed; with the same fonts, the same seed gives the same bytes.

use std::fs;
use std::io::{self, BufWriter, Cursor, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, RgbImage};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::reader::Grid;
use crate::record::{ParseOptions, parse};
use crate::synth::bucket::{Bucket, BucketMix};
use crate::synth::render::{FontError, OcrB};
use crate::synth::truth::{FileType, Params, REFERENCE_DATE, Truth};
use crate::synth::{degrade, document, identity, legibility, scene};

/// The most images one set may hold (file names have six digits and image
/// seeds are `set seed × 1 000 000 + index`).
pub const MAX_SET_SIZE: usize = 1_000_000;

/// A generated image with its truth.
pub struct Sample {
    /// The image as its file decodes (JPEG artefacts included).
    pub image: RgbImage,
    /// The truth record (`file` is `SEED.jpg` or `SEED.png`, six digits at
    /// least; [`write_set`] renames it by index).
    pub truth: Truth,
    /// Where the MRZ is in `image` (exact: composed from the render's cells
    /// and the one projective map).
    pub grid: Grid,
    /// The JPEG bytes `image` was decoded from, for JPEG samples.
    jpeg: Option<Vec<u8>>,
}

/// Why a set could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The OCR-B font is missing or unusable.
    #[error(transparent)]
    Font(#[from] FontError),
    /// More images than [`MAX_SET_SIZE`].
    #[error("a set holds at most {max} images, {count} asked", max = MAX_SET_SIZE)]
    TooMany {
        /// The count asked for.
        count: usize,
    },
    /// A file or directory could not be written.
    #[error("cannot write {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// An image could not be encoded.
    #[error("cannot encode an image")]
    Encode(#[source] image::ImageError),
}

/// What [`write_set`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetSummary {
    /// Images written.
    pub images: usize,
    /// Images per bucket, in [`Bucket::ALL`] order.
    pub per_bucket: [usize; 3],
    /// Images whose MRZ is invalid (on purpose).
    pub invalid: usize,
    /// Images written as PNG (the rest are JPEG).
    pub png: usize,
    /// Bytes of image files written.
    pub bytes: u64,
}

impl Sample {
    /// The bytes of the image file: the JPEG that `image` came from, or
    /// `image` encoded as PNG.
    ///
    /// # Errors
    ///
    /// [`SynthError::Encode`] if PNG encoding fails.
    pub fn file_bytes(&self) -> Result<Vec<u8>, SynthError> {
        if let Some(jpeg) = &self.jpeg {
            return Ok(jpeg.clone());
        }
        let mut out = Cursor::new(Vec::new());
        self.image
            .write_to(&mut out, ImageFormat::Png)
            .map_err(SynthError::Encode)?;
        Ok(out.into_inner())
    }
}

/// Generates the image of `seed` in `bucket` (module docs).
pub fn sample(seed: u64, bucket: Bucket, font: &OcrB) -> Sample {
    let stream = |k: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(k);
        rng
    };
    let id = identity::invent(&mut stream(0));
    let mut plan_rng = stream(1);
    let plan = degrade::draw_plan(&mut plan_rng, bucket.ranges());

    // Render at about twice the output size, 24–40 px capitals.
    let render_cap = (2.0 * plan.char_height_px).clamp(24.0, 40.0).round();
    let flat = document::render(&id, render_cap, &mut stream(2), font);
    let placement = degrade::place(&mut plan_rng, &flat, &plan);
    let to_frame = placement.to_frame;
    let grid = degrade::grid_of(&flat, &to_frame);
    let char_height = degrade::mean_cap_height(&grid);
    let supersample = (render_cap / char_height).ceil().clamp(1.0, 4.0) as u32;

    let (fw, fh) = placement.frame;
    let (mut frame, background, clutter) = scene::background(&mut stream(3), fw, fh);
    scene::composite(&mut frame, &flat, &to_frame, supersample);
    degrade::apply_light(&mut frame, &plan.light);
    let (dw, dh) = (flat.canvas.width as f32, flat.canvas.height as f32);
    let doc_quad = [(0.0, 0.0), (dw, 0.0), (dw, dh), (0.0, dh)].map(|p| to_frame * p);
    let glare = plan
        .glare
        .map(|g| degrade::draw_glare(&mut plan_rng, &grid, doc_quad, g, char_height));
    if let Some(g) = &glare {
        degrade::apply_glare(&mut frame, g);
    }
    degrade::blur(&mut frame, plan.blur_sigma_px);
    degrade::add_noise(&mut frame, &mut stream(4), plan.noise_sigma);

    let rgb = frame.to_rgb();
    let (image, jpeg) = match plan.jpeg_quality {
        Some(quality) => {
            let mut bytes = Vec::new();
            JpegEncoder::new_with_quality(&mut bytes, quality)
                .encode_image(&rgb)
                .expect("encoding an RGB8 image into memory cannot fail");
            let decoded = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg)
                .expect("a JPEG just encoded decodes")
                .to_rgb8();
            (decoded, Some(bytes))
        }
        None => (rgb, None),
    };

    // Judged on the image as its file decodes (after every degradation).
    let contrasts = legibility::glyph_contrasts(&image, &grid, &id.mrz, font);
    let erased = legibility::erased_positions(&contrasts);

    let options = ParseOptions::new(REFERENCE_DATE);
    let valid = parse(&id.mrz, &options).is_ok_and(|m| m.is_valid());
    let ext = match plan.file_type {
        FileType::Jpeg => "jpg",
        FileType::Png => "png",
    };
    let truth = Truth {
        file: format!("{seed:06}.{ext}"),
        seed,
        bucket,
        format: id.format.name().to_owned(),
        mrz: id.mrz.clone(),
        valid,
        corners: grid.corners().map(|(x, y)| [x, y]),
        char_height_px: char_height,
        erased: Some(erased),
        params: Params {
            invalid: id.invalid,
            frame: [fw, fh],
            file_type: plan.file_type,
            jpeg_quality: plan.jpeg_quality,
            rotation_deg: degrade::reading_direction_deg(&grid),
            upside_down: plan.upside_down,
            tilt_x_deg: plan.tilt_x_deg,
            tilt_y_deg: plan.tilt_y_deg,
            supersample,
            blur_sigma_px: plan.blur_sigma_px,
            noise_sigma: plan.noise_sigma,
            light: plan.light.clone(),
            glare,
            background: background.to_owned(),
            clutter,
            mrz_lines: flat.lines.iter().map(|l| [l.top, l.bottom]).collect(),
            document: flat.params.clone(),
        },
    };
    Sample {
        image,
        truth,
        grid,
        jpeg,
    }
}

/// The seed of image `index` of the set with seed `set_seed`.
pub fn image_seed(set_seed: u64, index: usize) -> u64 {
    set_seed
        .wrapping_mul(MAX_SET_SIZE as u64)
        .wrapping_add(index as u64)
}

/// Writes `count` images (`000000.jpg`, `000001.png`, …) and `truth.jsonl`
/// into `dir` (created if missing; files of the same names are replaced).
/// Image `i` is [`sample()`] of [`image_seed`]`(seed, i)` in
/// `mix.bucket_for(i)`.
///
/// # Errors
///
/// [`SynthError`] when `count` is above [`MAX_SET_SIZE`] or a file cannot
/// be written.
pub fn write_set(
    dir: &Path,
    count: usize,
    seed: u64,
    mix: BucketMix,
    font: &OcrB,
) -> Result<SetSummary, SynthError> {
    if count > MAX_SET_SIZE {
        return Err(SynthError::TooMany { count });
    }
    let io_err = |path: &Path| {
        let path = path.to_owned();
        move |source| SynthError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let truth_path = dir.join("truth.jsonl");
    let mut truth_out = BufWriter::new(fs::File::create(&truth_path).map_err(io_err(&truth_path))?);
    let mut summary = SetSummary::default();
    for index in 0..count {
        let bucket = mix.bucket_for(index);
        let mut s = sample(image_seed(seed, index), bucket, font);
        let ext = match s.truth.params.file_type {
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        };
        s.truth.file = format!("{index:06}.{ext}");
        let bytes = s.file_bytes()?;
        let path = dir.join(&s.truth.file);
        fs::write(&path, &bytes).map_err(io_err(&path))?;
        let line = serde_json::to_string(&s.truth).map_err(|e| SynthError::Io {
            path: truth_path.clone(),
            source: e.into(),
        })?;
        writeln!(truth_out, "{line}").map_err(io_err(&truth_path))?;

        summary.images += 1;
        summary.per_bucket[bucket as usize] += 1;
        summary.invalid += usize::from(!s.truth.valid);
        summary.png += usize::from(s.jpeg.is_none());
        summary.bytes += bytes.len() as u64;
    }
    truth_out.flush().map_err(io_err(&truth_path))?;
    Ok(summary)
}
