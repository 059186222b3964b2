//! The `hotel` command line: help with examples, device credentials, MRZ
//! commands and their exit status.

use std::io::Write;
use std::process::{Command, Stdio};

fn hotel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hotel"))
}

#[test]
fn help_describes_every_command_with_an_example() {
    let out = hotel().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["serve", "device", "load", "sim", "mrz", "Examples:"] {
        assert!(text.contains(word), "--help lacks {word}: {text}");
    }
    for sub in [
        &["serve"][..],
        &["device", "add"],
        &["load"],
        &["sim"],
        &["mrz", "parse"],
        &["mrz", "generate"],
        &["mrz", "read"],
        &["mrz", "synth"],
        &["mrz", "score"],
    ] {
        let out = hotel().args(sub).arg("--help").output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Example"),
            "{sub:?} --help has no example"
        );
    }
}

#[test]
fn device_add_prints_json_credentials_once_and_stores_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let out = hotel()
        .args(["device", "add", "101", "--json", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let password = creds["password"].as_str().unwrap();
    assert!(creds["username"].as_str().unwrap().starts_with("101-"));
    assert!(password.len() >= 32);
    let db = std::fs::read(dir.path().join("hotel.db")).unwrap();
    assert!(
        !db.windows(password.len()).any(|w| w == password.as_bytes()),
        "only a hash is stored"
    );

    let bad = hotel()
        .args(["device", "add", "10 1", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid room id"));
}

#[test]
fn mrz_generate_then_parse_round_trips_with_exit_status() {
    let generated = hotel()
        .args([
            "mrz",
            "generate",
            "--format",
            "td3",
            "--surname",
            "ERIKSSON",
            "--given-names",
            "ANNA MARIA",
        ])
        .args([
            "--document-number",
            "L898902C3",
            "--issuing-state",
            "UTO",
            "--nationality",
            "UTO",
        ])
        .args([
            "--birth-date",
            "740812",
            "--sex",
            "F",
            "--expiry-date",
            "320415",
        ])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let mrz = String::from_utf8(generated.stdout).unwrap();

    let parse = |input: &str| {
        let mut child = hotel()
            .args(["mrz", "parse", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = parse(&mrz);
    assert_eq!(out.status.code(), Some(0));
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["valid"], true);
    assert_eq!(record["fields"]["given_names"], "ANNA MARIA");
    assert_eq!(record["fields"]["expiry_date_iso"], "2032-04-15");

    // One wrong check digit: still parsed, reported invalid, exit status 1.
    let broken = mrz.replacen("L898902C3", "L898902C4", 1);
    let out = parse(&broken);
    assert_eq!(out.status.code(), Some(1));
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["valid"], false);
    assert_eq!(record["checks"]["document_number"], false);
}

#[test]
fn mrz_parse_input_over_its_limit_fails_with_one_line_and_status_2() {
    let mut child = hotel()
        .args(["mrz", "parse", "--json"])
        // A backtrace is for bugs, not for input over a limit.
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let block = vec![b'<'; 1 << 20];
    for _ in 0..9 {
        // The reader stops at the limit and exits: a broken pipe is fine.
        if stdin.write_all(&block).is_err() {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot read stdin: the input is larger than the limit of"));
}

#[test]
fn mrz_output_to_a_closed_pipe_ends_quietly_with_the_sigpipe_status() {
    // The pipe's reading end is closed before the command writes, as when
    // `| head` has read enough: the first write fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = hotel()
        .args([
            "mrz",
            "generate",
            "--format",
            "td3",
            "--surname",
            "ERIKSSON",
        ])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mrz_synth_read_and_score_a_small_set() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    let out = hotel()
        .args([
            "mrz", "synth", "--count", "3", "--seed", "5", "--bucket", "clean", "--out",
        ])
        .arg(&set)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote 3 images"));

    let truth: Vec<serde_json::Value> = std::fs::read_to_string(set.join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let files: Vec<String> = truth
        .iter()
        .map(|t| t["file"].as_str().unwrap().to_owned())
        .collect();
    std::fs::write(set.join("notes.txt"), "not an image").unwrap();

    let mut read = hotel();
    read.current_dir(&set)
        .args(["mrz", "read", "--json"])
        .args(&files)
        .arg("notes.txt");
    let out = read.output().unwrap();
    // The text file makes the run fail as a whole: exit status 1.
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let mut exact = 0u64;
    for (row, t) in rows.iter().zip(&truth) {
        assert_eq!(row["file"], t["file"]);
        assert_eq!(row["corners"].as_array().map(Vec::len), Some(4));
        assert!(row["confidence"]["min"].as_f64().is_some());
        if row["mrz"] == t["mrz"] {
            exact += 1;
            assert_eq!(row["valid"], t["valid"], "{}", row["file"]);
        } else {
            assert_eq!(
                row["valid"], false,
                "a wrong text read as valid: {}",
                row["file"]
            );
        }
    }
    assert!(exact >= 2, "{exact} of 3 clean images read exactly");
    let bad = &rows[3];
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["fields"], serde_json::Value::Null);
    assert_eq!(bad["corners"], serde_json::Value::Null);
    assert_eq!(bad["error"]["kind"], "decode");
    // Every line has the same keys, a failed file's null or empty.
    let keys = |row: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = row.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    for row in &rows {
        assert_eq!(keys(row), keys(&rows[0]), "{}", row["file"]);
    }

    let results = dir.path().join("ours.jsonl");
    let ours: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&results, ours).unwrap();
    let out = hotel()
        .args(["mrz", "score", "--json", "--truth"])
        .arg(set.join("truth.jsonl"))
        .arg(&results)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let clean = rows
        .iter()
        .find(|r| r["reader"] == "ours" && r["bucket"] == "clean")
        .unwrap_or_else(|| panic!("no clean row for ours: {report}"));
    assert_eq!(clean["images"], 3);
    assert_eq!(clean["exact"].as_u64(), Some(exact));
    assert_eq!(clean["false_valid"], 0);
}
