//! Crops for a blind reading test of faint MRZ glyphs: does a careful
//! person read what the stick counts as still there? Each crop shows five
//! characters of one MRZ line, turned upright and enlarged from the image
//! as its file decodes; the reader writes down the five characters, or `?`
//! for one they cannot make out. The key, kept apart, says which crop is
//! which and how faint its middle glyph is, so that the transcriptions can
//! be scored against [`hotel_mrz::synth::legibility`]'s measures.
//!
//! ```sh
//! cargo run --release -p hotel-mrz --example legibility_crops -- \
//!     OUT MAX_SNR SET/truth.jsonl... [--also SET/truth.jsonl:FILE:LINE:COLUMN]...
//! ```
//!
//! For each hard image of each set, the crop is centred on its glyph of
//! lowest signal-to-noise ratio, when that is under `MAX_SNR`; `--also`
//! adds a crop centred on a given glyph (line and column from 0). Crops are
//! written as `OUT/crops/NNN.png` in an order shuffled by a fixed seed, the
//! key as `OUT/key.jsonl`. Each image is generated again from its seed.
//! Needs the OCR-B font.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use hotel_mrz::reader::Grid;
use hotel_mrz::synth::score::read_jsonl;
use hotel_mrz::synth::{Bucket, Truth, legibility, render::OcrB, sample};
use image::RgbImage;
use imageproc::geometric_transformations::{Border, Interpolation, warp_into_with};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// Characters per crop; the glyph under test is the middle one where the
/// line allows.
const WINDOW: usize = 5;
/// Crop samples per image pixel: about what a person zooming in sees.
const ZOOM: f32 = 6.0;
/// Margin around the window, in pitches.
const MARGIN: f32 = 0.4;

/// One glyph to crop around.
struct Target {
    truth_path: String,
    file: String,
    seed: u64,
    line: usize,
    column: usize,
    chosen_as: &'static str,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: legibility_crops OUT MAX_SNR SET/truth.jsonl... [--also TRUTH:FILE:LINE:COLUMN]...";
    let (out, max_snr) = match args.as_slice() {
        [out, max_snr, ..] => (out.clone(), max_snr.parse::<f32>().context(usage)?),
        _ => bail!(usage),
    };
    let font = OcrB::load()?;
    let mut targets = Vec::new();
    let mut rest = args[2..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--also" {
            let spec = rest.next().context(usage)?;
            targets.push(also_target(spec)?);
        } else {
            targets.extend(faintest_targets(arg, max_snr, &font)?);
        }
    }
    // The same glyph chosen twice (faintest and asked for) is cropped once.
    targets.sort_by(|a, b| {
        (&a.truth_path, &a.file, a.line, a.column).cmp(&(&b.truth_path, &b.file, b.line, b.column))
    });
    targets.dedup_by(|a, b| {
        (&a.truth_path, &a.file, a.line, a.column) == (&b.truth_path, &b.file, b.line, b.column)
    });
    // An order unrelated to the sets' (the same every run).
    targets.shuffle(&mut ChaCha8Rng::seed_from_u64(0x5eed_c0de));

    let crops = Path::new(&out).join("crops");
    std::fs::create_dir_all(&crops).with_context(|| format!("creating {}", crops.display()))?;
    let mut key = std::fs::File::create(Path::new(&out).join("key.jsonl"))?;
    for (n, target) in targets.iter().enumerate() {
        let s = sample(target.seed, Bucket::Hard, &font);
        let fits = legibility::glyph_fits(&s.image, &s.grid, &s.truth.mrz, &font);
        let text: Vec<&str> = s.truth.mrz.lines().collect();
        let line_text = text.get(target.line).context("no such line")?;
        let chars = line_text.len();
        if target.column >= chars {
            bail!("{}: column {} past the line", target.file, target.column);
        }
        let first = target
            .column
            .saturating_sub(WINDOW / 2)
            .min(chars.saturating_sub(WINDOW));
        let name = format!("{n:03}.png");
        crop(&s.image, &s.grid, target.line, first, WINDOW.min(chars))
            .save(crops.join(&name))
            .with_context(|| format!("writing crop {name}"))?;
        let fit = fits[target.line][target.column];
        let window_fits: Vec<_> = fits[target.line][first..first + WINDOW.min(chars)]
            .iter()
            .map(|f| json!({"contrast": f.contrast, "snr": f.snr}))
            .collect();
        let entry = json!({
            "crop": name,
            "truth": target.truth_path,
            "file": target.file,
            "line": target.line,
            "column": target.column,
            "position_in_crop": target.column - first,
            "window": &line_text[first..first + WINDOW.min(chars)],
            "char": &line_text[target.column..=target.column],
            "contrast": fit.contrast,
            "snr": fit.snr,
            "erased": fit.contrast < legibility::ERASED_CONTRAST,
            "window_fits": window_fits,
            "char_height_px": s.truth.char_height_px,
            "chosen_as": target.chosen_as,
        });
        writeln!(key, "{entry}")?;
    }
    println!("{} crops in {}", targets.len(), crops.display());
    Ok(())
}

/// The glyph of lowest SNR of every hard image in `truth_path` whose
/// lowest is under `max_snr`.
fn faintest_targets(truth_path: &str, max_snr: f32, font: &OcrB) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for entry in read_jsonl::<Truth>(Path::new(truth_path))? {
        if entry.bucket != Bucket::Hard {
            continue;
        }
        let s = sample(entry.seed, Bucket::Hard, font);
        let fits = legibility::glyph_fits(&s.image, &s.grid, &s.truth.mrz, font);
        let faintest = fits
            .iter()
            .enumerate()
            .flat_map(|(l, row)| row.iter().enumerate().map(move |(c, f)| (l, c, f.snr)))
            .min_by(|a, b| a.2.total_cmp(&b.2));
        if let Some((line, column, snr)) = faintest
            && snr < max_snr
        {
            targets.push(Target {
                truth_path: truth_path.to_owned(),
                file: entry.file,
                seed: entry.seed,
                line,
                column,
                chosen_as: "faintest",
            });
        }
    }
    Ok(targets)
}

/// A `--also TRUTH:FILE:LINE:COLUMN` target, its seed looked up in TRUTH.
fn also_target(spec: &str) -> anyhow::Result<Target> {
    let parts: Vec<&str> = spec.rsplitn(4, ':').collect();
    let [column, line, file, truth_path] = parts.as_slice() else {
        bail!("--also wants TRUTH:FILE:LINE:COLUMN, got {spec}");
    };
    let seed = read_jsonl::<Truth>(Path::new(truth_path))?
        .into_iter()
        .find(|e| e.file == *file)
        .map(|e| e.seed)
        .with_context(|| format!("{file} is not in {truth_path}"))?;
    Ok(Target {
        truth_path: (*truth_path).to_owned(),
        file: (*file).to_owned(),
        seed,
        line: line.parse()?,
        column: column.parse()?,
        chosen_as: "asked",
    })
}

/// `count` cells of `line` from cell `first`, upright and enlarged
/// ([`ZOOM`] samples per image pixel), bilinear in colour.
fn crop(image: &RgbImage, grid: &Grid, line: usize, first: usize, count: usize) -> RgbImage {
    let boxed = grid.lines()[line];
    let height = boxed.bottom - boxed.top;
    let (x0, x1) = (first as f32 - MARGIN, (first + count) as f32 + MARGIN);
    let (y0, y1) = (boxed.top - MARGIN * height, boxed.bottom + MARGIN * height);
    // Image pixels per pitch, along the line here.
    let mid = (boxed.top + boxed.bottom) / 2.0;
    let (ax, ay) = grid.point(first as f32, mid);
    let (bx, by) = grid.point((first + count) as f32, mid);
    let pitch_px = (bx - ax).hypot(by - ay) / count as f32;
    let per_cell = (pitch_px * ZOOM).clamp(24.0, 240.0);
    let width = ((x1 - x0) * per_cell).round() as u32;
    let tall = ((y1 - y0) * per_cell).round() as u32;
    let mut out = RgbImage::new(width, tall);
    // imageproc puts pixel centres at whole coordinates, the grid at half.
    warp_into_with(
        image,
        |i, j| {
            let (px, py) = grid.point(x0 + (i + 0.5) / per_cell, y0 + (j + 0.5) / per_cell);
            (px - 0.5, py - 0.5)
        },
        Interpolation::Bilinear,
        Border::Replicate,
        &mut out,
    );
    out
}
