//! Synthetic documents for measuring and training the MRZ reader.
//!
//! Everything here is deterministic by seed and renders OCR-B from the font
//! file of Debian's `fonts-ocr-b` (see [`render::OcrB::load`]); nothing is
//! downloaded.
//!
//! - [`render`]: the OCR-B font and drawing MRZ lines at a given pitch.

pub mod render;
