//! `hotel mrz parse|generate|read|synth|score`: the command-line face of
//! `hotel-mrz`. Parsing, reading and output live in the library; this maps
//! flags.

use std::io::{self, Write};

use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;

use hotel_mrz::cli::{GenerateArgs, read_parse_input, run_generate, run_parse};
use hotel_mrz::reader::cli::run_read;
use hotel_mrz::synth::cli::{SynthArgs, run_score, run_synth};

/// MRZ commands.
// Parsed once per process from the command line; boxing the big variant
// would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Parse and validate machine-readable zones: one per blank-line-separated
    /// block on stdin, or the given lines. Exit status 0 when every MRZ is valid.
    #[command(
        after_help = "Example:\n  printf 'P<UTO...\\nL898902C3...\\n' | hotel mrz parse --json"
    )]
    Parse {
        /// Print one JSON object per MRZ.
        #[arg(long)]
        json: bool,
        /// MRZ lines (an empty argument separates two MRZs); stdin when none.
        lines: Vec<String>,
    },
    /// Build a valid MRZ from fields, computing every check digit.
    #[command(
        after_help = "Example:\n  hotel mrz generate --format td3 --surname ERIKSSON --given-names ANNA --document-number L898902C3"
    )]
    Generate(Generate),
    /// Read the MRZ from image files (PNG, JPEG, WebP, BMP, TIFF). Exit
    /// status 0 when every file gave a valid MRZ.
    ///
    /// Limits per file: 25 MiB, 10,000 pixels a side, 40 megapixels. With
    /// --json, one object per file: the fields of `hotel mrz parse --json`
    /// plus file, mrz (the text read), corners, corrected (a check digit,
    /// layout or country-code correction was applied; class-only fixes
    /// such as O→0 in a date are listed in corrections but do not count),
    /// corrections, confidence, name_needs_confirmation and time_ms. A file
    /// without a readable MRZ has valid false, fields null and error.kind
    /// decode (not an image, truncated, too large, unreadable file), no_mrz
    /// or unreadable.
    #[command(after_help = "Example:\n  hotel mrz read --json scan.jpg")]
    Read {
        /// Print one JSON object per file.
        #[arg(long)]
        json: bool,
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a synthetic document image set with its truth.jsonl, to measure
    /// MRZ readers (needs Debian's fonts-ocr-b).
    ///
    /// Buckets: clean, moderate and hard differ in rotation, perspective,
    /// blur, noise, JPEG quality, light, glare and character size; mixed
    /// cycles through the three. About one document in ten is invalid on
    /// purpose (a wrong check digit or an impossible date), as truth.jsonl
    /// records.
    #[command(
        after_help = "Example:\n  hotel mrz synth --out set --count 300 --seed 1 --bucket mixed"
    )]
    Synth {
        /// Directory for the images and truth.jsonl.
        #[arg(long)]
        out: PathBuf,
        /// Images to write.
        #[arg(long, default_value_t = 300)]
        count: usize,
        /// The set's seed (same seed, same images).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// clean, moderate, hard or mixed.
        #[arg(long, default_value = "mixed")]
        bucket: String,
    },
    /// Score readers' JSON-lines results against a set's truth.jsonl.
    #[command(
        after_help = "Example:\n  hotel mrz score --truth set/truth.jsonl ours.jsonl fastmrz.jsonl"
    )]
    Score {
        /// The set's truth.jsonl.
        #[arg(long)]
        truth: PathBuf,
        /// Print the report as JSON instead of a Markdown table.
        #[arg(long)]
        json: bool,
        /// One results file per reader (named by the file's stem).
        #[arg(required = true)]
        results: Vec<PathBuf>,
    },
}

/// `hotel mrz generate` flags.
#[derive(Debug, Args)]
pub struct Generate {
    /// td1, td2, td3, mrv_a, mrv_b or french_id.
    #[arg(long)]
    format: String,
    /// Print JSON instead of the MRZ lines.
    #[arg(long)]
    json: bool,
    #[arg(long)]
    document_code: Option<String>,
    #[arg(long)]
    issuing_state: Option<String>,
    #[arg(long)]
    surname: Option<String>,
    #[arg(long)]
    given_names: Option<String>,
    #[arg(long)]
    document_number: Option<String>,
    #[arg(long)]
    nationality: Option<String>,
    /// YYMMDD.
    #[arg(long)]
    birth_date: Option<String>,
    /// M, F, X or <.
    #[arg(long)]
    sex: Option<String>,
    /// YYMMDD.
    #[arg(long)]
    expiry_date: Option<String>,
    #[arg(long)]
    optional_data: Option<String>,
    #[arg(long)]
    optional_data_2: Option<String>,
    #[arg(long)]
    administrative_code: Option<String>,
}

/// Runs an MRZ command; `Ok(false)` when some MRZ was invalid.
pub fn run(command: MrzCommand) -> anyhow::Result<bool> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match command {
        MrzCommand::Parse { json, lines } => {
            let input = if lines.is_empty() {
                read_parse_input(io::stdin().lock()).context("cannot read stdin")?
            } else {
                lines.join("\n")
            };
            let ok = run_parse(&input, json, &mut out)?;
            out.flush()?;
            Ok(ok)
        }
        MrzCommand::Generate(g) => {
            let args = GenerateArgs {
                format: g.format,
                document_code: g.document_code,
                issuing_state: g.issuing_state,
                surname: g.surname,
                given_names: g.given_names,
                document_number: g.document_number,
                nationality: g.nationality,
                birth_date: g.birth_date,
                sex: g.sex,
                expiry_date: g.expiry_date,
                optional_data: g.optional_data,
                optional_data_2: g.optional_data_2,
                administrative_code: g.administrative_code,
            };
            run_generate(&args, g.json, &mut out)?;
            out.flush()?;
            Ok(true)
        }
        MrzCommand::Read { json, files } => {
            let ok = run_read(&files, json, &mut out)?;
            out.flush()?;
            Ok(ok)
        }
        MrzCommand::Synth {
            out: dir,
            count,
            seed,
            bucket,
        } => {
            let args = SynthArgs {
                out: dir,
                count,
                seed,
                bucket,
            };
            run_synth(&args, &mut out)?;
            out.flush()?;
            Ok(true)
        }
        MrzCommand::Score {
            truth,
            json,
            results,
        } => {
            run_score(&truth, &results, json, &mut out)?;
            out.flush()?;
            Ok(true)
        }
    }
}
