//! Scoring readers' results files against a generated set's truth file.
//!
//! Per reader and per bucket (and over all images): the exact-MRZ rate,
//! per-character accuracy (line by line, position by position; a missing
//! or short line counts its characters as wrong), field accuracy (both
//! texts parsed with part 1, each field of the truth's format compared as
//! written, fillers included; a result that does not parse, or parses as
//! another format, gets every field wrong), the false-valid rate (the
//! reader said valid while its MRZ differs from the truth or the truth is
//! invalid), the no-result rate (no MRZ, or no line for the image), errors
//! and crashes, and the median and 95th percentile of `time_ms`.
//!
//! Truth files that record which characters the degradation erased (the
//! `erased` key, see [`crate::synth::legibility`]) add per-character
//! accuracy over the characters not erased, and, for each bucket where some
//! image has an erased character, a second row over the readable images
//! only (no character erased): the issue's hard target ("every image a
//! careful person could still read") is that row's exact-MRZ rate. Older
//! truth files give neither.
//!
//! A result's `error` counts as an error unless it is an object whose
//! `kind` is `no_mrz` or `unreadable` (a reader's verdict, not a failure);
//! it is a crash when the text (or `kind`) starts with `crash`. A result's
//! MRZ has its lines trimmed of surrounding white space and empty lines
//! dropped; nothing else is forgiven (no case folding). When a file appears
//! twice in a results file the first line counts. Files are matched by
//! name, without their folders; results for files not in the truth are
//! ignored and counted in [`Report::unmatched`].

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::record::{Mrz, ParseOptions, parse};
use crate::synth::truth::REFERENCE_DATE;

/// The bucket name of the row over all images.
pub const ALL: &str = "all";

/// The part of a truth record the scorer reads (other keys are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthEntry {
    /// Image file, relative to the set.
    pub file: String,
    /// Difficulty bucket.
    pub bucket: String,
    /// The true MRZ, lines joined by `\n`.
    pub mrz: String,
    /// Whether the true MRZ is valid.
    pub valid: bool,
    /// The characters the degradation erased, `[line, column]` from 0;
    /// `None` when the truth file does not say.
    #[serde(default)]
    pub erased: Option<Vec<[u16; 2]>>,
}

/// One line of a results file (other keys are ignored).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReaderResult {
    /// Image file, as in the truth.
    pub file: String,
    /// The MRZ read: a string with `\n` between lines, an array of lines,
    /// or null.
    #[serde(default)]
    pub mrz: Option<Value>,
    /// Whether the reader called it valid.
    #[serde(default)]
    pub valid: bool,
    /// The reader's time for this image, milliseconds.
    #[serde(default)]
    pub time_ms: Option<f64>,
    /// Null, an error text, or an error object with a `kind`.
    #[serde(default)]
    pub error: Option<Value>,
}

/// The figures of one reader on one bucket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Reader name (results file stem).
    pub reader: String,
    /// Bucket name, or [`ALL`].
    pub bucket: String,
    /// Whether the row counts only readable images (no character erased).
    pub readable_only: bool,
    /// Images in the truth for this bucket (readable ones only when
    /// `readable_only`).
    pub images: usize,
    /// Images whose MRZ was read exactly.
    pub exact: usize,
    /// `exact / images`.
    pub exact_rate: f64,
    /// Characters in the truth.
    pub chars: usize,
    /// Characters read right in place.
    pub chars_correct: usize,
    /// `chars_correct / chars`.
    pub char_accuracy: f64,
    /// Characters in the truth that were not erased, when the truth says.
    pub legible_chars: Option<usize>,
    /// Of those, characters read right in place.
    pub legible_chars_correct: Option<usize>,
    /// `legible_chars_correct / legible_chars`.
    pub legible_char_accuracy: Option<f64>,
    /// Fields in the truth.
    pub fields: usize,
    /// Fields read exactly.
    pub fields_correct: usize,
    /// `fields_correct / fields`.
    pub field_accuracy: f64,
    /// Images called valid while wrong or invalid.
    pub false_valid: usize,
    /// `false_valid / images`.
    pub false_valid_rate: f64,
    /// Images with no MRZ in the results (missing lines included).
    pub no_result: usize,
    /// `no_result / images`.
    pub no_result_rate: f64,
    /// Images with no line at all in the results file.
    pub missing: usize,
    /// Results with an error that is not a no-MRZ verdict.
    pub errors: usize,
    /// Of those, crashes.
    pub crashes: usize,
    /// Median `time_ms`, when any result has one.
    pub median_ms: Option<f64>,
    /// 95th percentile of `time_ms` (nearest rank).
    pub p95_ms: Option<f64>,
}

/// The rows of a scoring run, reader by reader, buckets in order (clean,
/// moderate, hard, any others by name, then [`ALL`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// One row per reader × bucket.
    pub rows: Vec<Metrics>,
    /// Per reader with any, how many of its results name a file the truth
    /// does not hold (ignored; a results file of another set, say).
    pub unmatched: Vec<(String, usize)>,
}

/// Why scoring could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A line is not the JSON record it should be.
    #[error("{path}:{line}: not a valid record")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// Counts for one reader × bucket (× readable subset) while scoring.
struct Tally {
    images: usize,
    exact: usize,
    chars: usize,
    chars_correct: usize,
    /// `None` once an image without erasure data was counted.
    legible: Option<(usize, usize)>,
    fields: usize,
    fields_correct: usize,
    false_valid: usize,
    no_result: usize,
    missing: usize,
    errors: usize,
    crashes: usize,
    times: Vec<f64>,
}

impl ReaderResult {
    /// The MRZ's lines, trimmed, empty ones dropped; `None` when there is
    /// no MRZ.
    pub fn lines(&self) -> Option<Vec<String>> {
        let text = match self.mrz.as_ref()? {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            _ => return None,
        };
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        (!lines.is_empty()).then_some(lines)
    }

    /// (is an error, is a crash), per the module docs.
    fn error_kind(&self) -> (bool, bool) {
        match &self.error {
            None | Some(Value::Null) => (false, false),
            Some(Value::String(s)) => (true, s.starts_with("crash")),
            Some(Value::Object(o)) => {
                let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
                let verdict = matches!(kind, "no_mrz" | "unreadable");
                (!verdict, kind.starts_with("crash"))
            }
            Some(_) => (true, false),
        }
    }
}

/// Reads a JSON-lines file of `T` (blank lines skipped).
///
/// # Errors
///
/// [`ScoreError`] when the file cannot be read or a line is not a `T`.
pub fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, ScoreError> {
    let io_err = |source| ScoreError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io_err)?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|source| ScoreError::Json {
            path: path.to_owned(),
            line: i + 1,
            source,
        })?;
        out.push(record);
    }
    Ok(out)
}

/// Scores each reader's results (`(name, results)`) against `truth`.
pub fn score(truth: &[TruthEntry], readers: &[(String, Vec<ReaderResult>)]) -> Report {
    let options = ParseOptions::new(REFERENCE_DATE);
    let parsed: Vec<Option<Mrz>> = truth.iter().map(|t| parse(&t.mrz, &options).ok()).collect();
    let mut buckets: Vec<String> = Vec::new();
    for t in truth {
        if !buckets.contains(&t.bucket) {
            buckets.push(t.bucket.clone());
        }
    }
    let rank = |b: &String| {
        ["clean", "moderate", "hard"]
            .iter()
            .position(|k| k == b)
            .unwrap_or(3)
    };
    buckets.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));

    // Buckets (and ALL) where some image has an erased character get a
    // readable-only row.
    let has_erased = |t: &TruthEntry| t.erased.as_ref().is_some_and(|e| !e.is_empty());
    let mut split: Vec<&str> = buckets
        .iter()
        .map(String::as_str)
        .filter(|b| truth.iter().any(|t| t.bucket == *b && has_erased(t)))
        .collect();
    if !split.is_empty() {
        split.push(ALL);
    }
    let is_readable = |t: &TruthEntry| t.erased.as_ref().is_some_and(Vec::is_empty);

    let in_truth: HashSet<&str> = truth.iter().map(|t| file_name(&t.file)).collect();
    let mut rows = Vec::new();
    let mut unmatched = Vec::new();
    for (name, results) in readers {
        let mut by_file: HashMap<&str, &ReaderResult> = HashMap::new();
        for r in results {
            by_file.entry(file_name(&r.file)).or_insert(r);
        }
        let strays = by_file.keys().filter(|f| !in_truth.contains(*f)).count();
        if strays > 0 {
            unmatched.push((name.clone(), strays));
        }
        let mut tallies: HashMap<(&str, bool), Tally> = HashMap::new();
        for (t, truth_mrz) in truth.iter().zip(&parsed) {
            let result = by_file.get(file_name(&t.file)).copied();
            for bucket in [t.bucket.as_str(), ALL] {
                let mut keys = vec![(bucket, false)];
                if is_readable(t) && split.contains(&bucket) {
                    keys.push((bucket, true));
                }
                for key in keys {
                    let tally = tallies.entry(key).or_default();
                    judge(t, truth_mrz.as_ref(), result, &options, tally);
                }
            }
        }
        for b in buckets.iter().map(String::as_str).chain([ALL]) {
            for readable_only in [false, true] {
                if let Some(t) = tallies.remove(&(b, readable_only)) {
                    rows.push(t.metrics(name, b, readable_only));
                }
            }
        }
    }
    Report { rows, unmatched }
}

/// The last component of a result's or truth's file path: a reader run
/// from elsewhere names `set/000001.jpg` what the truth calls
/// `000001.jpg`.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Adds one image's outcome to `tally`.
fn judge(
    truth: &TruthEntry,
    truth_mrz: Option<&Mrz>,
    result: Option<&ReaderResult>,
    options: &ParseOptions,
    tally: &mut Tally,
) {
    let truth_lines: Vec<&str> = truth.mrz.lines().collect();
    let n_fields = truth_mrz.map_or(0, |m| m.format().fields().len());
    tally.images += 1;
    tally.chars += truth_lines.iter().map(|l| l.len()).sum::<usize>();
    tally.fields += n_fields;

    let erased = truth.erased.as_deref();
    let is_legible = |l: usize, c: usize| {
        erased.is_some_and(|e| {
            !e.iter()
                .any(|p| usize::from(p[0]) == l && usize::from(p[1]) == c)
        })
    };
    match (&mut tally.legible, erased) {
        (Some((n, _)), Some(e)) => {
            *n += truth_lines.iter().map(|l| l.len()).sum::<usize>();
            *n -= e
                .iter()
                .filter(|p| {
                    truth_lines
                        .get(usize::from(p[0]))
                        .is_some_and(|l| usize::from(p[1]) < l.len())
                })
                .count();
        }
        (legible, None) => *legible = None,
        (None, Some(_)) => {}
    }

    let Some(result) = result else {
        tally.missing += 1;
        tally.no_result += 1;
        return;
    };
    if let Some(ms) = result.time_ms.filter(|t| t.is_finite() && *t >= 0.0) {
        tally.times.push(ms);
    }
    let (error, crash) = result.error_kind();
    tally.errors += usize::from(error);
    tally.crashes += usize::from(crash);

    let Some(lines) = result.lines() else {
        tally.no_result += 1;
        tally.false_valid += usize::from(result.valid);
        return;
    };
    let exact =
        lines.len() == truth_lines.len() && lines.iter().zip(&truth_lines).all(|(a, b)| a == b);
    tally.exact += usize::from(exact);
    tally.false_valid += usize::from(result.valid && (!exact || !truth.valid));
    for (l, want) in truth_lines.iter().enumerate() {
        let got = lines.get(l).map_or(&[][..], |s| s.as_bytes());
        for (c, (a, b)) in want.bytes().zip(got.iter()).enumerate() {
            if a == *b {
                tally.chars_correct += 1;
                if let Some((_, ok)) = &mut tally.legible
                    && is_legible(l, c)
                {
                    *ok += 1;
                }
            }
        }
    }
    if let Some(truth_mrz) = truth_mrz {
        let read = parse(&lines.join("\n"), options).ok();
        if let Some(read) = read.filter(|r| r.format() == truth_mrz.format()) {
            tally.fields_correct += truth_mrz
                .format()
                .fields()
                .iter()
                .filter(|f| read.raw(f.field) == truth_mrz.raw(f.field))
                .count();
        }
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            images: 0,
            exact: 0,
            chars: 0,
            chars_correct: 0,
            legible: Some((0, 0)),
            fields: 0,
            fields_correct: 0,
            false_valid: 0,
            no_result: 0,
            missing: 0,
            errors: 0,
            crashes: 0,
            times: Vec::new(),
        }
    }
}

impl Tally {
    fn metrics(mut self, reader: &str, bucket: &str, readable_only: bool) -> Metrics {
        let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        self.times.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let n = self.times.len();
            (n > 0).then(|| self.times[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
        };
        Metrics {
            reader: reader.to_owned(),
            bucket: bucket.to_owned(),
            readable_only,
            images: self.images,
            exact: self.exact,
            exact_rate: rate(self.exact, self.images),
            chars: self.chars,
            chars_correct: self.chars_correct,
            char_accuracy: rate(self.chars_correct, self.chars),
            legible_chars: self.legible.map(|l| l.0),
            legible_chars_correct: self.legible.map(|l| l.1),
            legible_char_accuracy: self.legible.map(|(n, ok)| rate(ok, n)),
            fields: self.fields,
            fields_correct: self.fields_correct,
            field_accuracy: rate(self.fields_correct, self.fields),
            false_valid: self.false_valid,
            false_valid_rate: rate(self.false_valid, self.images),
            no_result: self.no_result,
            no_result_rate: rate(self.no_result, self.images),
            missing: self.missing,
            errors: self.errors,
            crashes: self.crashes,
            median_ms: rank(0.5),
            p95_ms: rank(0.95),
        }
    }
}

impl Report {
    /// The report as a Markdown table, one row per reader × bucket.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| reader | bucket | images | exact MRZ | per char | per char (not erased) \
             | fields | false valid | no result | errors (crashes) | median ms | p95 ms |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let pct = |r: f64| format!("{:.1}%", r * 100.0);
        let ms = |t: Option<f64>| t.map_or_else(|| "—".to_owned(), |t| format!("{t:.1}"));
        for m in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} | {} | {} | {} | {:.2}% | {} | {} ({}) | {} | {} |",
                m.reader,
                m.bucket,
                if m.readable_only { ", readable" } else { "" },
                m.images,
                pct(m.exact_rate),
                pct(m.char_accuracy),
                m.legible_char_accuracy.map_or_else(|| "—".to_owned(), pct),
                pct(m.field_accuracy),
                m.false_valid_rate * 100.0,
                pct(m.no_result_rate),
                m.errors,
                m.crashes,
                ms(m.median_ms),
                ms(m.p95_ms),
            );
        }
        for (reader, n) in &self.unmatched {
            let _ = writeln!(
                out,
                "\n{reader}: {n} result(s) name a file the truth does not hold (ignored)"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                       7408122F1204159UTO<<<<<<<<<<<6\n\
                       ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

    fn truth(file: &str, bucket: &str, mrz: &str, valid: bool) -> TruthEntry {
        TruthEntry {
            file: file.into(),
            bucket: bucket.into(),
            mrz: mrz.into(),
            valid,
            erased: None,
        }
    }

    fn result(file: &str, mrz: Option<&str>, valid: bool, ms: f64) -> ReaderResult {
        ReaderResult {
            file: file.into(),
            mrz: mrz.map(|m| Value::String(m.into())),
            valid,
            time_ms: Some(ms),
            error: None,
        }
    }

    fn row<'a>(report: &'a Report, bucket: &str) -> &'a Metrics {
        report.rows.iter().find(|m| m.bucket == bucket).unwrap()
    }

    #[test]
    fn results_named_with_folders_match_and_strays_are_counted() {
        let truths = [
            truth("a.jpg", "clean", TD1, true),
            truth("b.jpg", "clean", TD1, true),
        ];
        let results = vec![
            result("/data/set/a.jpg", Some(TD1), true, 10.0),
            result("set\\b.jpg", Some(TD1), true, 10.0),
            result("set/c.jpg", Some(TD1), true, 10.0),
        ];
        let report = score(&truths, &[("r".into(), results)]);
        let m = row(&report, "clean");
        assert_eq!((m.images, m.exact, m.missing), (2, 2, 0));
        assert_eq!(report.unmatched, vec![("r".to_owned(), 1)]);
        assert!(
            report
                .to_markdown()
                .contains("r: 1 result(s) name a file the truth does not hold")
        );
    }

    #[test]
    fn counts_exact_reads_characters_and_fields() {
        // One character wrong in the name (line 3, column 1).
        let misread = TD1.replace("ERIKSSON", "FRIKSSON");
        let truths = [
            truth("a.jpg", "clean", TD1, true),
            truth("b.jpg", "clean", TD1, true),
        ];
        let results = vec![
            result("a.jpg", Some(&format!("  {TD1}\r\n\n")), true, 10.0),
            result("b.jpg", Some(&misread), false, 30.0),
        ];
        let report = score(&truths, &[("r".into(), results)]);
        let m = row(&report, "clean");
        assert_eq!((m.images, m.exact), (2, 1));
        assert_eq!((m.chars, m.chars_correct), (180, 179));
        // TD1 has 10 fields; the name is the one wrong.
        assert_eq!((m.fields, m.fields_correct), (20, 19));
        assert_eq!(m.false_valid, 0);
        assert_eq!((m.median_ms, m.p95_ms), (Some(10.0), Some(30.0)));
        assert_eq!(row(&report, ALL).images, 2);
    }

    #[test]
    fn false_valid_counts_wrong_or_invalid_truths_called_valid() {
        let misread = TD1.replace("ANNA", "ANNE");
        let truths = [
            truth("a.jpg", "hard", TD1, true),
            truth("b.jpg", "hard", TD1, false),
            truth("c.jpg", "hard", TD1, true),
        ];
        let results = vec![
            result("a.jpg", Some(&misread), true, 1.0),
            result("b.jpg", Some(TD1), true, 1.0),
            result("c.jpg", Some(TD1), true, 1.0),
        ];
        let m = score(&truths, &[("r".into(), results)]).rows[0].clone();
        assert_eq!(m.false_valid, 2);
        assert_eq!(m.exact, 2);
    }

    #[test]
    fn missing_and_short_results_count_their_characters_wrong() {
        let first_two: String = TD1.lines().take(2).collect::<Vec<_>>().join("\n");
        let truths = [
            truth("a.jpg", "moderate", TD1, true),
            truth("b.jpg", "moderate", TD1, true),
            truth("c.jpg", "moderate", TD1, true),
        ];
        let mut crashed = result("c.jpg", None, false, 5.0);
        crashed.error = Some(Value::String("crash: segfault".into()));
        let results = vec![result("a.jpg", Some(&first_two), false, 2.0), crashed];
        let m = score(&truths, &[("r".into(), results)]).rows[0].clone();
        assert_eq!(m.chars_correct, 60);
        assert_eq!(m.chars, 270);
        assert_eq!((m.no_result, m.missing), (2, 1));
        assert_eq!((m.errors, m.crashes), (1, 1));
        // A two-line TD1 does not parse: no field right.
        assert_eq!(m.fields_correct, 0);
    }

    #[test]
    fn no_mrz_verdicts_are_not_errors_and_buckets_come_in_order() {
        let truths = [
            truth("h.jpg", "hard", TD1, true),
            truth("c.jpg", "clean", TD1, true),
        ];
        let mut none = result("h.jpg", None, false, 1.0);
        none.error = Some(serde_json::json!({"kind": "no_mrz"}));
        let mut decode = result("c.jpg", None, false, 1.0);
        decode.error = Some(serde_json::json!({"kind": "decode"}));
        let report = score(&truths, &[("r".into(), vec![none, decode])]);
        let order: Vec<&str> = report.rows.iter().map(|m| m.bucket.as_str()).collect();
        assert_eq!(order, ["clean", "hard", ALL]);
        assert_eq!(row(&report, "hard").errors, 0);
        assert_eq!(row(&report, "clean").errors, 1);
        let md = report.to_markdown();
        assert_eq!(md.lines().count(), 2 + 3);
        assert!(md.contains("| r | clean | 1 | 0.0% |"));
    }

    #[test]
    fn readable_rows_and_legible_characters_leave_erased_ones_out() {
        // b.jpg lost two characters of line 1 to glare; the reader got them
        // wrong and the rest right. a.jpg is readable and read exactly.
        let mut a = truth("a.jpg", "hard", TD1, true);
        a.erased = Some(vec![]);
        let mut b = truth("b.jpg", "hard", TD1, true);
        b.erased = Some(vec![[0, 2], [0, 3]]);
        let mut c = truth("c.jpg", "clean", TD1, true);
        c.erased = Some(vec![]);
        let smudged = TD1.replacen("UT", "XX", 1);
        let results = vec![
            result("a.jpg", Some(TD1), true, 1.0),
            result("b.jpg", Some(&smudged), false, 1.0),
            result("c.jpg", Some(TD1), true, 1.0),
        ];
        let report = score(&[a, b, c], &[("r".into(), results)]);
        let order: Vec<(&str, bool)> = report
            .rows
            .iter()
            .map(|m| (m.bucket.as_str(), m.readable_only))
            .collect();
        assert_eq!(
            order,
            [
                ("clean", false),
                ("hard", false),
                ("hard", true),
                (ALL, false),
                (ALL, true)
            ]
        );
        let hard = row(&report, "hard");
        assert_eq!((hard.images, hard.exact), (2, 1));
        assert_eq!((hard.chars, hard.chars_correct), (180, 178));
        assert_eq!(hard.legible_chars, Some(178));
        assert_eq!(hard.legible_chars_correct, Some(178));
        assert_eq!(hard.legible_char_accuracy, Some(1.0));
        let readable = &report.rows[2];
        assert_eq!((readable.images, readable.exact), (1, 1));
        assert_eq!(report.rows[4].images, 2);
        assert!(
            report
                .to_markdown()
                .contains("| r | hard, readable | 1 | 100.0% |")
        );
    }

    #[test]
    fn truth_files_without_erasure_data_give_no_legible_figures() {
        let line = r#"{"file":"a.jpg","bucket":"hard","mrz":"A","valid":true,"seed":3}"#;
        let t: TruthEntry = serde_json::from_str(line).unwrap();
        assert_eq!(t.erased, None);
        let report = score(
            &[t],
            &[("r".into(), vec![result("a.jpg", Some("A"), true, 1.0)])],
        );
        assert_eq!(report.rows.len(), 2);
        assert_eq!(report.rows[0].legible_char_accuracy, None);
        assert!(report.to_markdown().contains("| 100.0% | — |"));
    }

    #[test]
    fn reads_results_with_extra_keys_and_line_arrays() {
        let line = r#"{"file":"a.jpg","mrz":["A<B","C"],"valid":true,"time_ms":3.5,"error":null,"corners":[]}"#;
        let r: ReaderResult = serde_json::from_str(line).unwrap();
        assert_eq!(r.lines(), Some(vec!["A<B".to_owned(), "C".to_owned()]));
        assert_eq!(r.time_ms, Some(3.5));
    }
}
