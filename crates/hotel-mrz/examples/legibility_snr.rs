//! For each hard image of a generated set, the faintest glyphs by
//! signal-to-noise ratio ([`hotel_mrz::synth::legibility::GlyphFit`]), to
//! weigh a legibility measure that counts noise as well as contrast. Each
//! image is generated again from its seed.
//!
//! ```sh
//! cargo run --release -p hotel-mrz --example legibility_snr -- SET/truth.jsonl
//! ```
//!
//! Prints per image: file, capital height, characters erased (by the
//! contrast measure the truth uses) and its three faintest glyphs as
//! `character@line,column`, SNR and contrast. Needs the OCR-B font.

use std::path::Path;

use anyhow::Context;
use hotel_mrz::synth::score::read_jsonl;
use hotel_mrz::synth::{Bucket, Truth, legibility, render::OcrB, sample};

fn main() -> anyhow::Result<()> {
    let truth = std::env::args()
        .nth(1)
        .context("usage: legibility_snr SET/truth.jsonl")?;
    let font = OcrB::load()?;
    for entry in read_jsonl::<Truth>(Path::new(&truth))? {
        if entry.bucket != Bucket::Hard {
            continue;
        }
        let s = sample(entry.seed, Bucket::Hard, &font);
        let fits = legibility::glyph_fits(&s.image, &s.grid, &s.truth.mrz, &font);
        let mut glyphs: Vec<(legibility::GlyphFit, usize, usize, char)> = fits
            .iter()
            .zip(s.truth.mrz.lines())
            .enumerate()
            .flat_map(|(l, (row, text))| {
                row.iter()
                    .zip(text.chars())
                    .enumerate()
                    .map(move |(c, (fit, ch))| (*fit, l, c, ch))
            })
            .collect();
        glyphs.sort_by(|a, b| a.0.snr.total_cmp(&b.0.snr));
        let faintest: Vec<String> = glyphs
            .iter()
            .take(3)
            .map(|(fit, l, c, ch)| format!("{ch}@{l},{c} snr {:.1} C {:.1}", fit.snr, fit.contrast))
            .collect();
        println!(
            "{} h={:.1} erased={} | {}",
            entry.file,
            s.truth.char_height_px,
            s.truth.erased.as_ref().map_or(0, Vec::len),
            faintest.join(" | ")
        );
    }
    Ok(())
}
