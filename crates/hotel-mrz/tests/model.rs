//! The committed classifier (`model/ocrb.bin`) against cells of a freshly
//! generated set, cut through the exact grid so that only the classifier
//! is measured. Seeds here are far from the training seeds
//! (`examples/train_model.rs` uses 7 000 000 on).
//!
//! Needs the OCR-B font (Debian's `fonts-ocr-b`) for the generator.

use hotel_mrz::reader::classify::Model;
use hotel_mrz::synth::Bucket;
use hotel_mrz::synth::render::OcrB;
use hotel_mrz::synth::train::{Cut, accuracy, collect};

#[test]
fn committed_model_reads_fresh_cells() {
    let font = OcrB::load().expect("the OCR-B font (apt-get install fonts-ocr-b)");
    let model = Model::builtin().expect("model/ocrb.bin loads");
    let set = collect(
        9_100_000..9_100_024,
        |seed| Bucket::ALL[(seed % 3) as usize],
        Cut::Exact,
        &font,
    );
    assert!(set.len() > 24 * 60, "{} cells", set.len());
    let (per_bucket, all) = accuracy(model, &set);
    for (bucket, acc) in &per_bucket {
        let floor = match bucket {
            Bucket::Clean | Bucket::Moderate => 0.995,
            Bucket::Hard => 0.95,
        };
        assert!(*acc >= floor, "{}: {acc:.4} of cells right", bucket.name());
    }
    assert!(all >= 0.98, "all: {all:.4}");
}
