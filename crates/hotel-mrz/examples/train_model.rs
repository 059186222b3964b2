//! Trains the reader's character classifier on generated documents and
//! writes the model file the library compiles in.
//!
//! ```sh
//! cargo run --release -p hotel-mrz --example train_model -- crates/hotel-mrz/model/ocrb.bin
//! ```
//!
//! Optional arguments after the path: images to generate (default 4000),
//! epochs (default 12), hidden layer sizes (default `256`; `384,128` for
//! two). Needs the OCR-B font (Debian's `fonts-ocr-b`).
//! Deterministic: the same arguments give the same file.
//!
//! Flags, anywhere after the path:
//!
//! - `--cells FILE`: keep the generated cells in FILE. If FILE exists its
//!   cells are used instead of generating them (it must have been written
//!   for the same number of images), so runs that change only the epochs,
//!   the hidden layers or the weighting skip the long generation. The file
//!   holds the cells as patches, cut and normalised by the reader of the
//!   time: after a change to `reader::cells`, generate them again.
//! - `--small PX:REPEATS`: cells of characters below PX pixels high are
//!   seen REPEATS times per epoch (e.g. `12:2`); default no extra weight.
//! - `--faint LEVELS:REPEATS`: cells whose glyph's remaining contrast
//!   (`synth::legibility`) is below LEVELS grey levels are seen REPEATS
//!   times per epoch (e.g. `40:4`); default no extra weight.
//! - `--fade SHARE`: that share of the cells drawn each epoch get grain
//!   added (`synth::train::Settings::fade_share`); default none.
//! - `--conv CHANNELS,…`: convolution stages before the dense layers,
//!   each one's output channels (e.g. `16,32`); default none.
//! - `--seed N`: the seed of the initial weights and the shuffling
//!   (default 1), to see how much a retraining alone moves the results.
//! - `--evaluate MODEL`: train nothing; report MODEL's accuracy on the
//!   held-out images a run with these arguments would use, so a new model
//!   and an old one can be compared on the same cells (OUT is not written).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use hotel_mrz::reader::cells::PATCH_LEN;
use hotel_mrz::reader::classify::Model;
use hotel_mrz::synth::Bucket;
use hotel_mrz::synth::legibility::ERASED_CONTRAST;
use hotel_mrz::synth::render::OcrB;
use hotel_mrz::synth::train::{CellSet, Cut, Settings, accuracy, collect, train};

/// Training images use seeds from here on; tests and sets use other ranges.
const FIRST_SEED: u64 = 7_000_000;
/// Held-out images for the report after training.
const HELD_OUT: u64 = 150;
/// Held-out glyphs fainter than this many grey levels of remaining
/// contrast, and not erased, are also reported apart: glare's cells,
/// where the classifier errs most.
const FAINT_LEVELS: f32 = 40.0;
/// First bytes of a cell file, with its layout version.
const CELLS_MAGIC: &[u8; 8] = b"MRZCELL2";

fn bucket_of(seed: u64) -> Bucket {
    // An eighth clean, an eighth moderate, three quarters hard: hard cells
    // (glare, blur, low contrast) are where the classifier has most to
    // learn, and clean and moderate cells stay at 100% held out.
    match seed % 8 {
        0 => Bucket::Clean,
        1 => Bucket::Moderate,
        _ => Bucket::Hard,
    }
}

fn main() -> anyhow::Result<()> {
    let mut all: Vec<String> = std::env::args().skip(1).collect();
    let cells_path = take_flag(&mut all, "--cells")?;
    let (small_below_px, small_repeats) = take_repeats(&mut all, "--small")?;
    let (faint_below, faint_repeats) = take_repeats(&mut all, "--faint")?;
    let fade_share: f32 = take_flag(&mut all, "--fade")?
        .map_or(Ok(0.0), |a| a.parse())
        .context("--fade SHARE")?;
    let seed: u64 = take_flag(&mut all, "--seed")?
        .map_or(Ok(Settings::default().seed), |a| a.parse())
        .context("--seed N")?;
    let evaluate = take_flag(&mut all, "--evaluate")?;
    let convs: Vec<usize> = match take_flag(&mut all, "--conv")? {
        Some(a) => a
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .context("--conv CHANNELS,…")?,
        None => Vec::new(),
    };
    if convs.len() > 3 || convs.iter().any(|&c| !(1..=128).contains(&c)) {
        bail!("--conv takes 1 to 3 stages of 1 to 128 channels each");
    }
    let mut args = all.into_iter();
    let Some(out) = args.next() else {
        bail!(
            "usage: train_model OUT.bin [IMAGES] [EPOCHS] [HIDDEN,…] \
             [--cells FILE] [--small PX:REPEATS] [--faint LEVELS:REPEATS] \
             [--fade SHARE] [--conv CHANNELS,…] [--seed N] [--evaluate MODEL]"
        );
    };
    let images: u64 = args
        .next()
        .map_or(Ok(4000), |a| a.parse())
        .context("IMAGES")?;
    let epochs: usize = args
        .next()
        .map_or(Ok(12), |a| a.parse())
        .context("EPOCHS")?;
    let hidden: Vec<usize> = match args.next() {
        Some(a) => a
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .context("HIDDEN")?,
        None => vec![256],
    };
    let font = OcrB::load()?;
    if let Some(path) = evaluate {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
        let model = Model::from_bytes(&bytes).with_context(|| format!("loading {path}"))?;
        report_held_out(&model, images, &font);
        return Ok(());
    }

    let start = Instant::now();
    let set = match cells_path.as_deref().map(Path::new) {
        Some(path) if path.exists() => {
            let set = read_cells(path, images)?;
            eprintln!(
                "{} cells of {images} images read from {}",
                set.len(),
                path.display()
            );
            set
        }
        path => {
            let set = generate(images, &font);
            if let Some(path) = path {
                write_cells(path, images, &set)?;
            }
            set
        }
    };
    eprintln!(
        "{} cells from {images} images in {:.0?}",
        set.len(),
        start.elapsed()
    );

    let settings = Settings {
        epochs,
        convs,
        hidden,
        small_below_px,
        small_repeats,
        faint_below,
        faint_repeats,
        fade_share,
        seed,
        ..Settings::default()
    };
    let model = train(&set, &settings, |epoch, loss| {
        eprintln!("epoch {epoch}: loss {loss:.4} ({:.0?})", start.elapsed());
    });
    std::fs::write(&out, model.to_bytes()).with_context(|| format!("writing {out}"))?;
    report_held_out(&model, images, &font);
    eprintln!("wrote {out}");
    Ok(())
}

/// Prints `model`'s accuracy on the cells of the images after the first
/// `images` training images.
fn report_held_out(model: &Model, images: u64, font: &OcrB) {
    let held = FIRST_SEED + images;
    let test = collect(
        held..held + HELD_OUT,
        |seed| Bucket::ALL[(seed % 3) as usize],
        Cut::Exact,
        font,
    );
    let (per_bucket, all) = accuracy(model, &test);
    for (bucket, acc) in per_bucket {
        eprintln!("held-out cells, {}: {:.4}", bucket.name(), acc);
    }
    eprintln!("held-out cells, all: {all:.4}");
    let faint = test.subset(|i| (ERASED_CONTRAST..FAINT_LEVELS).contains(&test.contrasts[i]));
    let (_, acc) = accuracy(model, &faint);
    eprintln!(
        "held-out cells, faint ({ERASED_CONTRAST}–{FAINT_LEVELS} levels, {}): {acc:.4}",
        faint.len()
    );
}

/// Removes `name` and its `BELOW:REPEATS` value from `args`, parsed; no
/// extra weight (`0:1`) when absent.
fn take_repeats(args: &mut Vec<String>, name: &str) -> anyhow::Result<(f32, usize)> {
    let Some(value) = take_flag(args, name)? else {
        return Ok((0.0, 1));
    };
    let (below, repeats) = value
        .split_once(':')
        .with_context(|| format!("{name} takes BELOW:REPEATS"))?;
    Ok((
        below.parse().with_context(|| format!("{name} BELOW"))?,
        repeats.parse().with_context(|| format!("{name} REPEATS"))?,
    ))
}

/// Removes `name` and the value after it from `args`, returning the value.
fn take_flag(args: &mut Vec<String>, name: &str) -> anyhow::Result<Option<String>> {
    let Some(i) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    if i + 1 >= args.len() {
        bail!("{name} needs a value");
    }
    let value = args.remove(i + 1);
    args.remove(i);
    Ok(Some(value))
}

/// The training cells of `images` generated documents, on every core.
fn generate(images: u64, font: &OcrB) -> CellSet {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let per = images.div_ceil(threads);
    let mut set = CellSet::default();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let font = &font;
                let lo = FIRST_SEED + t * per;
                let hi = (lo + per).min(FIRST_SEED + images);
                s.spawn(move || collect(lo..hi, bucket_of, Cut::Training, font))
            })
            .collect();
        for h in handles {
            set.append(h.join().expect("a collecting thread panicked"));
        }
    });
    set
}

/// Writes `set`, generated from `images` documents, to `path`.
fn write_cells(path: &Path, images: u64, set: &CellSet) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::new(file);
    w.write_all(CELLS_MAGIC)?;
    w.write_all(&images.to_le_bytes())?;
    w.write_all(&(set.len() as u64).to_le_bytes())?;
    for v in &set.patches {
        w.write_all(&v.to_le_bytes())?;
    }
    w.write_all(&set.labels)?;
    for b in &set.buckets {
        w.write_all(&[*b as u8])?;
    }
    for h in set.heights.iter().chain(&set.contrasts) {
        w.write_all(&h.to_le_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// Reads cells written by [`write_cells`] for `images` documents.
fn read_cells(path: &Path, images: u64) -> anyhow::Result<CellSet> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut r = BufReader::new(file);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != CELLS_MAGIC {
        bail!("{} is not a cell file", path.display());
    }
    let mut word = [0u8; 8];
    r.read_exact(&mut word)?;
    let written_for = u64::from_le_bytes(word);
    if written_for != images {
        bail!(
            "{} holds cells of {written_for} images, not {images}",
            path.display()
        );
    }
    r.read_exact(&mut word)?;
    let len = usize::try_from(u64::from_le_bytes(word))?;
    let patches = read_floats(&mut r, len * PATCH_LEN)?;
    let mut labels = vec![0u8; len];
    r.read_exact(&mut labels)?;
    let mut kinds = vec![0u8; len];
    r.read_exact(&mut kinds)?;
    let buckets = kinds
        .iter()
        .map(|&k| {
            Bucket::ALL
                .get(usize::from(k))
                .copied()
                .context("bucket out of range")
        })
        .collect::<anyhow::Result<_>>()?;
    let heights = read_floats(&mut r, len)?;
    let contrasts = read_floats(&mut r, len)?;
    Ok(CellSet {
        patches,
        labels,
        buckets,
        heights,
        contrasts,
    })
}

/// Reads `n` little-endian `f32`s.
fn read_floats(r: &mut impl Read, n: usize) -> anyhow::Result<Vec<f32>> {
    let mut bytes = vec![0u8; n * 4];
    r.read_exact(&mut bytes)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
