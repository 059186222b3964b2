//! The `hotel mrz synth` and `hotel mrz score` commands, as functions the
//! binary calls with plain values and a writer (clap stays in the binary).
//!
//! `synth` prints counts only, never MRZ text (the invented data is still
//! shaped like personal data).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::synth::bucket::{Bucket, BucketMix};
use crate::synth::render::OcrB;
use crate::synth::sample::{SetSummary, SynthError, write_set};
use crate::synth::score::{ReaderResult, ScoreError, TruthEntry, read_jsonl, score};

/// The flags of `hotel mrz synth`.
#[derive(Debug, Clone)]
pub struct SynthArgs {
    /// `--out`: the set's directory.
    pub out: PathBuf,
    /// `--count`: images to write.
    pub count: usize,
    /// `--seed`: the set's seed.
    pub seed: u64,
    /// `--bucket`: `clean`, `moderate`, `hard` or `mixed`.
    pub bucket: String,
}

/// Why `synth` or `score` failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SynthCliError {
    /// The bucket name is not one of the four.
    #[error("unknown bucket (expected clean, moderate, hard or mixed)")]
    UnknownBucket,
    /// Generating the set failed (a missing font names `fonts-ocr-b` and
    /// `HOTEL_OCRB_FONT`).
    #[error(transparent)]
    Synth(#[from] SynthError),
    /// Reading the truth or a results file failed.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// Writing the output failed.
    #[error("cannot write the output")]
    Io(#[from] io::Error),
}

/// Runs `hotel mrz synth`: loads OCR-B, writes the set, prints a summary.
///
/// # Errors
///
/// [`SynthCliError`] for an unknown bucket, a missing font, a file that
/// cannot be written, or a failed write to `out`.
pub fn run_synth(args: &SynthArgs, out: &mut impl Write) -> Result<SetSummary, SynthCliError> {
    let mix = BucketMix::from_name(&args.bucket).ok_or(SynthCliError::UnknownBucket)?;
    let font = OcrB::load().map_err(SynthError::from)?;
    let summary = write_set(&args.out, args.count, args.seed, mix, &font)?;
    let buckets: Vec<String> = Bucket::ALL
        .iter()
        .zip(summary.per_bucket)
        .filter(|(_, n)| *n > 0)
        .map(|(b, n)| format!("{} {n}", b.name()))
        .collect();
    writeln!(
        out,
        "wrote {} images and truth.jsonl to {} ({}; {} invalid on purpose; {} PNG; {:.1} MB)",
        summary.images,
        args.out.display(),
        buckets.join(", "),
        summary.invalid,
        summary.png,
        summary.bytes as f64 / 1e6,
    )?;
    Ok(summary)
}

/// Runs `hotel mrz score`: one reader per results file, named by the file's
/// stem; prints the Markdown table, or with `json` the report as JSON.
///
/// # Errors
///
/// [`SynthCliError`] when a file cannot be read or parsed, or writing to
/// `out` fails.
pub fn run_score(
    truth: &Path,
    results: &[PathBuf],
    json: bool,
    out: &mut impl Write,
) -> Result<(), SynthCliError> {
    let truth: Vec<TruthEntry> = read_jsonl(truth)?;
    let mut readers = Vec::with_capacity(results.len());
    for path in results {
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let rows: Vec<ReaderResult> = read_jsonl(path)?;
        readers.push((name, rows));
    }
    let report = score(&truth, &readers);
    if json {
        serde_json::to_writer(&mut *out, &report).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report.to_markdown())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_unknown_bucket_before_touching_the_disk() {
        let args = SynthArgs {
            out: PathBuf::from("/nonexistent/never-created"),
            count: 1,
            seed: 0,
            bucket: "easy".into(),
        };
        let mut out = Vec::new();
        assert!(matches!(
            run_synth(&args, &mut out),
            Err(SynthCliError::UnknownBucket)
        ));
        assert!(!args.out.exists());
    }
}
