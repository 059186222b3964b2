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

use std::time::Instant;

use anyhow::{Context, bail};
use hotel_mrz::synth::Bucket;
use hotel_mrz::synth::render::OcrB;
use hotel_mrz::synth::train::{CellSet, Cut, Settings, accuracy, collect, train};

/// Training images use seeds from here on; tests and sets use other ranges.
const FIRST_SEED: u64 = 7_000_000;
/// Held-out images for the report after training.
const HELD_OUT: u64 = 150;

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
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        bail!("usage: train_model OUT.bin [IMAGES] [EPOCHS] [HIDDEN,…]");
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

    let start = Instant::now();
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
    eprintln!(
        "{} cells from {images} images in {:.0?}",
        set.len(),
        start.elapsed()
    );

    let settings = Settings {
        epochs,
        hidden,
        ..Settings::default()
    };
    let model = train(&set, &settings, |epoch, loss| {
        eprintln!("epoch {epoch}: loss {loss:.4} ({:.0?})", start.elapsed());
    });
    std::fs::write(&out, model.to_bytes()).with_context(|| format!("writing {out}"))?;

    let held = FIRST_SEED + images;
    let test = collect(
        held..held + HELD_OUT,
        |seed| Bucket::ALL[(seed % 3) as usize],
        Cut::Exact,
        &font,
    );
    let (per_bucket, all) = accuracy(&model, &test);
    for (bucket, acc) in per_bucket {
        eprintln!("held-out cells, {}: {:.4}", bucket.name(), acc);
    }
    eprintln!("held-out cells, all: {all:.4}; wrote {out}");
    Ok(())
}
