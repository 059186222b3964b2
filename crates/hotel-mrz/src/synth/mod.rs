//! Synthetic documents for measuring and training the MRZ reader.
//!
//! Everything here is deterministic by seed and renders OCR-B from the font
//! file of Debian's `fonts-ocr-b` (see [`render::OcrB::load`]); nothing is
//! downloaded.
//!
//! ```no_run
//! use hotel_mrz::synth::{Bucket, render::OcrB, sample};
//!
//! let font = OcrB::load().expect("apt-get install fonts-ocr-b");
//! let s = sample(42, Bucket::Clean, &font);
//! assert_eq!(s.truth.corners.len(), 4);
//! assert!(s.image.width() >= 1024);
//! ```
//!
//! - [`render`]: the OCR-B font and drawing MRZ lines at a given pitch.
//! - `identity`: invented holders and documents, about 10% invalid on
//!   purpose.
//! - [`document`]: the flat document (paper, pattern, photo, text, MRZ).
//! - [`degrade`]: one projective map into a camera frame, then light, glare,
//!   blur, noise and JPEG; `scene` paints the table around it.
//! - [`bucket`]: the difficulty buckets and their table of ranges.
//! - [`legibility`]: which characters the degradation erased (the glyph's
//!   remaining contrast in the written image).
//! - [`truth`]: the `truth.jsonl` record.
//! - [`sample`](mod@sample): one image in memory, or a set on disk.
//! - [`score`]: comparing readers' results files with a truth file.
//! - [`cli`]: the `hotel mrz synth` and `hotel mrz score` commands.
//! - [`train`]: training the reader's character classifier.

pub mod bucket;
pub mod cli;
pub mod degrade;
pub mod document;
mod identity;
pub mod legibility;
mod paint;
pub mod render;
pub mod sample;
mod scene;
pub mod score;
pub mod train;
pub mod truth;

pub use bucket::{Bucket, BucketMix, RANGES, Ranges};
pub use identity::Invalid;
pub use sample::{Sample, SetSummary, SynthError, image_seed, sample, write_set};
pub use truth::Truth;
