//! `hotel mrz read`: read the MRZ from image files and print, per file, a
//! summary or one JSON object per line.
//!
//! The JSON object is `hotel mrz parse --json`'s, plus `file`, `mrz` (the
//! text read, lines joined by `\n`), `corners`, `corrected`,
//! `corrections`, `confidence`, `name_needs_confirmation` and `time_ms`
//! (reading that file, decoding included); `confidence` holds `min`,
//! `lines`, `chars` and `checked` ([`Reading::checked_confidence`]). A
//! reading whose text passes every check but is still invalid (too many
//! unsure characters, an unsure one no check digit covers, or checks that
//! another likely text passes too) says why in `problems`. An image
//! without a readable MRZ has `valid` false, `fields`, `corners`,
//! `confidence` and `name_needs_confirmation` null and `error`
//! `{"kind":"no_mrz"|"unreadable"|"decode","message":…}`.
//!
//! The output is the document's personal data, which is what the user
//! asked for; nothing here logs.

use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::ParseOptions;
use crate::cli::{json_record, write_summary};

use super::correct::Reason;
use super::decode::MAX_INPUT_BYTES;
use super::{Doubt, ReadError, Reading, read_bytes_with};

/// Runs `hotel mrz read` on `files` with today's UTC date.
///
/// Returns whether every file gave a valid MRZ (exit status 0) or not (1).
///
/// # Errors
///
/// Only when writing to `out` fails; a file that cannot be read is reported
/// in the output like any other failure.
pub fn run_read(files: &[impl AsRef<Path>], json: bool, out: &mut impl Write) -> io::Result<bool> {
    run_read_with(files, json, &ParseOptions::today_utc(), out)
}

/// Runs `hotel mrz read` with explicit options (tests fix "today").
///
/// # Errors
///
/// Only when writing to `out` fails.
pub fn run_read_with(
    files: &[impl AsRef<Path>],
    json: bool,
    options: &ParseOptions,
    out: &mut impl Write,
) -> io::Result<bool> {
    let mut all_valid = !files.is_empty();
    for (i, file) in files.iter().enumerate() {
        let path = file.as_ref();
        let start = Instant::now();
        let result = load(path).and_then(|bytes| read_bytes_with(&bytes, options));
        let time_ms = start.elapsed().as_secs_f64() * 1e3;
        all_valid &= matches!(&result, Ok(r) if r.is_valid());
        let name = path.display().to_string();
        if json {
            serde_json::to_writer(&mut *out, &read_json(&name, &result, time_ms))
                .map_err(io::Error::from)?;
            writeln!(out)?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            write_read_summary(&name, &result, out)?;
        }
    }
    Ok(all_valid)
}

/// Reads a file of at most [`MAX_INPUT_BYTES`] (one byte more tells that it
/// is larger, without reading it all).
fn load(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    Ok(bytes)
}

/// The JSON object of one file.
fn read_json(file: &str, result: &Result<Reading, ReadError>, time_ms: f64) -> Value {
    let mut map = Map::new();
    map.insert("file".into(), file.into());
    match result {
        Ok(reading) => {
            let parsed = match reading.mrz() {
                Ok(mrz) => json_record(Ok(mrz)),
                Err(e) => json_record(Err(e)),
            };
            if let Value::Object(parsed) = parsed {
                map.extend(parsed);
            }
            // Why a text that passes part 1's checks still reads invalid.
            let doubts = reading.doubts().into_iter().map(|d| {
                let (line, column) = match d {
                    Doubt::Unchecked { line, column, .. } => (json!(line + 1), json!(column + 1)),
                    _ => (Value::Null, Value::Null),
                };
                json!({
                    "field": null,
                    "kind": d.kind(),
                    "line": line,
                    "column": column,
                    "message": d.to_string(),
                })
            });
            if let Some(Value::Array(problems)) = map.get_mut("problems") {
                problems.extend(doubts);
            }
            // A reading whose checks failed after correction stays invalid.
            map.insert("valid".into(), reading.is_valid().into());
            map.insert("mrz".into(), reading.text().into());
            let corners: Vec<Value> = reading
                .corners()
                .iter()
                .map(|&(x, y)| json!([round(x), round(y)]))
                .collect();
            map.insert("corners".into(), corners.into());
            map.insert("corrected".into(), reading.corrected().into());
            let corrections: Vec<Value> = reading
                .corrections()
                .iter()
                .map(|c| {
                    json!({
                        "line": c.line + 1,
                        "column": c.column + 1,
                        "read": char::from(c.read).to_string(),
                        "chosen": char::from(c.chosen).to_string(),
                        "reason": c.reason.name(),
                    })
                })
                .collect();
            map.insert("corrections".into(), corrections.into());
            let lines: Vec<f64> = reading.line_confidence().into_iter().map(round3).collect();
            let chars: Vec<Vec<f64>> = reading
                .char_confidence()
                .iter()
                .map(|l| l.iter().map(|&p| round3(p)).collect())
                .collect();
            map.insert(
                "confidence".into(),
                json!({ "min": round3(reading.confidence()), "lines": lines, "chars": chars, "checked": round3(reading.checked_confidence()) }),
            );
            map.insert(
                "name_needs_confirmation".into(),
                reading.name_needs_confirmation().into(),
            );
        }
        Err(error) => {
            map.insert("format".into(), Value::Null);
            map.insert("valid".into(), false.into());
            map.insert("fields".into(), Value::Null);
            map.insert("checks".into(), Value::Null);
            map.insert("problems".into(), json!([]));
            let mut e = Map::new();
            e.insert("kind".into(), error.kind().into());
            if let Some(reason) = error.reason() {
                e.insert("reason".into(), reason.into());
            }
            e.insert("message".into(), error.to_string().into());
            map.insert("error".into(), e.into());
            map.insert("mrz".into(), Value::Null);
            // The same keys as a reading's, so every line has one shape.
            map.insert("corners".into(), Value::Null);
            map.insert("corrected".into(), false.into());
            map.insert("corrections".into(), json!([]));
            map.insert("confidence".into(), Value::Null);
            map.insert("name_needs_confirmation".into(), Value::Null);
        }
    }
    map.insert("time_ms".into(), json!((time_ms * 1000.0).round() / 1000.0));
    Value::Object(map)
}

fn write_read_summary(
    file: &str,
    result: &Result<Reading, ReadError>,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "{file}:")?;
    let reading = match result {
        Ok(reading) => reading,
        Err(error) => return writeln!(out, "  no MRZ read ({}): {error}", error.kind()),
    };
    let valid = Some(reading.is_valid());
    match reading.mrz() {
        Ok(mrz) => write_summary(Ok(mrz), valid, out)?,
        Err(e) => write_summary(Err(e), valid, out)?,
    }
    for doubt in reading.doubts() {
        writeln!(out, "  doubt: {doubt}")?;
    }
    let corners: Vec<String> = reading
        .corners()
        .iter()
        .map(|(x, y)| format!("({x:.0}, {y:.0})"))
        .collect();
    writeln!(out, "  {:<20} {}", "corners", corners.join(" "))?;
    writeln!(
        out,
        "  {:<20} {:.3} (lowest character)",
        "confidence",
        reading.confidence()
    )?;
    let corrected = reading
        .corrections()
        .iter()
        .filter(|c| c.reason != Reason::Class)
        .count();
    writeln!(out, "  {:<20} {corrected} character(s)", "corrected")?;
    if reading.name_needs_confirmation() {
        writeln!(out, "  name uncertain: confirm it with the document holder")?;
    }
    Ok(())
}

fn round(v: f32) -> f64 {
    (f64::from(v) * 10.0).round() / 10.0
}

fn round3(v: f32) -> f64 {
    (f64::from(v) * 1000.0).round() / 1000.0
}
