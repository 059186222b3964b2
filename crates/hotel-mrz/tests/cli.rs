//! `hotel mrz parse` and `hotel mrz generate` as the binary runs them:
//! stdin text in, JSON lines (or a summary) out, the all-valid flag for the
//! exit status.

use hotel_mrz::cli::{CliError, GenerateArgs, run_generate, run_parse, run_parse_with};
use hotel_mrz::{Date, ParseOptions};
use serde_json::{Value, json};

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                   L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                   7408122F1204159UTO<<<<<<<<<<<6\n\
                   ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const FRENCH: &str = "IDFRAMARTIN<<<<<<<<<<<<<<<<<<<750123\n\
                      9902750123453JEANNE<<LOUISE8507147F5";

/// Runs `parse --json` on `stdin`; returns the JSON objects and the
/// all-valid flag.
fn parse_json(stdin: &str) -> (Vec<Value>, bool) {
    let options = ParseOptions::new(Date::new(2025, 6, 15).unwrap());
    let mut out = Vec::new();
    let ok = run_parse_with(stdin, true, &options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (values, ok)
}

#[test]
fn prints_one_json_object_per_valid_td3() {
    let (values, ok) = parse_json(TD3);
    assert!(ok);
    assert_eq!(
        values,
        [json!({
            "format": "td3",
            "valid": true,
            "fields": {
                "document_code": "P",
                "issuing_state": "UTO",
                "surname": "ERIKSSON",
                "given_names": "ANNA MARIA",
                "document_number": "L898902C3",
                "nationality": "UTO",
                "birth_date": "740812",
                "birth_date_iso": "1974-08-12",
                "sex": "F",
                "expiry_date": "120415",
                "expiry_date_iso": "2012-04-15",
                "optional_data": "ZE184226B"
            },
            "checks": {
                "document_number": true,
                "birth_date": true,
                "expiry_date": true,
                "optional_data": true,
                "composite": true
            },
            "problems": [],
            "error": null
        })]
    );
}

#[test]
fn keeps_the_documented_key_order() {
    let options = ParseOptions::new(Date::new(2025, 6, 15).unwrap());
    let mut out = Vec::new();
    run_parse_with(TD3, true, &options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(r#"{"format":"td3","valid":true,"fields":{"document_code":"P","#));
    assert!(text.ends_with("\"error\":null}\n"));
}

#[test]
fn names_td1_and_french_fields_per_format() {
    let (values, ok) = parse_json(&format!("{TD1}\n\n{FRENCH}\n"));
    assert!(ok);
    let td1 = &values[0]["fields"];
    assert_eq!(td1["optional_data_1"], "");
    assert_eq!(td1["optional_data_2"], "");
    assert!(td1.get("optional_data").is_none());
    let fr = &values[1];
    assert_eq!(fr["format"], "french_id");
    assert_eq!(fr["fields"]["administrative_code"], "750123");
    assert!(fr["fields"].get("expiry_date").is_none());
    assert!(fr["fields"].get("nationality").is_none());
    assert_eq!(
        fr["checks"],
        json!({"document_number": true, "birth_date": true, "composite": true})
    );
}

#[test]
fn malformed_block_gives_typed_error_and_failing_status() {
    let short = &TD3[..TD3.len() - 1];
    let (values, ok) = parse_json(&format!("{TD3}\n\n{short}\n"));
    assert!(!ok);
    assert_eq!(values.len(), 2);
    assert_eq!(values[0]["valid"], true);
    let bad = &values[1];
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["fields"], Value::Null);
    assert_eq!(bad["error"]["kind"], "line_length");
    assert_eq!(bad["error"]["line"], 2);
    assert_eq!(bad["error"]["column"], 44);
    assert!(bad["error"]["message"].as_str().unwrap().contains("43"));
}

#[test]
fn invalid_check_keeps_fields_and_explains() {
    let bad = TD3.replace("7408122", "7408123");
    let (values, ok) = parse_json(&bad);
    assert!(!ok);
    let v = &values[0];
    assert_eq!(v["valid"], false);
    assert_eq!(v["fields"]["surname"], "ERIKSSON");
    assert_eq!(v["checks"]["birth_date"], false);
    assert_eq!(v["checks"]["composite"], false);
    assert_eq!(v["checks"]["document_number"], true);
    assert_eq!(v["error"], Value::Null);
    let problem = &v["problems"][0];
    assert_eq!(problem["field"], "birth_date");
    assert_eq!(problem["kind"], "check_digit_mismatch");
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(2), Some(20))
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("computed 2, written 3")
    );
}

#[test]
fn an_mrz_of_fillers_only_is_invalid() {
    let td3 = format!("{}\n{}", "<".repeat(44), "<".repeat(44));
    let (values, ok) = parse_json(&td3);
    assert!(!ok);
    let v = &values[0];
    assert_eq!(v["valid"], false);
    let missing: Vec<&Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "missing")
        .map(|p| &p["field"])
        .collect();
    assert_eq!(missing, ["document_code", "name", "document_number"]);
}

#[test]
fn impossible_date_has_null_iso_and_failing_check() {
    let fields_month_13 = "P<UTODOE<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n\
                           <<<<<<<<<0UTO7413128F3001019<<<<<<<<<<<<<<<6";
    let (values, ok) = parse_json(fields_month_13);
    assert!(!ok);
    let v = &values[0];
    assert_eq!(v["fields"]["birth_date"], "741312");
    assert_eq!(v["fields"]["birth_date_iso"], Value::Null);
    assert_eq!(v["checks"]["birth_date"], false);
    let kinds: Vec<&Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["kind"])
        .collect();
    // The document number is empty too.
    assert_eq!(kinds, ["missing", "impossible_date"]);
}

#[test]
fn empty_input_is_malformed() {
    let (values, ok) = parse_json("\n \n");
    assert!(!ok);
    assert_eq!(values[0]["error"]["kind"], "empty");
}

#[test]
fn summary_is_readable_and_uses_system_date() {
    let mut out = Vec::new();
    let ok = run_parse(&format!("{TD3}\n\n{TD1}"), false, &mut out).unwrap();
    assert!(ok);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("TD3 passport (2×44): valid"));
    assert!(text.contains("1974-08-12"));
    assert!(text.contains("Utopia"));
    assert!(text.contains("TD1 identity card"));

    let mut out = Vec::new();
    let ok = run_parse("P<UTO", false, &mut out).unwrap();
    assert!(!ok);
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with("malformed MRZ (unknown_format)")
    );
}

fn td3_args() -> GenerateArgs {
    GenerateArgs {
        format: "td3".into(),
        issuing_state: Some("UTO".into()),
        surname: Some("Eriksson".into()),
        given_names: Some("Anna Maria".into()),
        document_number: Some("L898902C3".into()),
        nationality: Some("UTO".into()),
        birth_date: Some("740812".into()),
        sex: Some("F".into()),
        expiry_date: Some("120415".into()),
        optional_data: Some("ZE184226B".into()),
        ..GenerateArgs::default()
    }
}

#[test]
fn generate_prints_the_specimen_and_parses_back_valid() {
    let mut out = Vec::new();
    run_generate(&td3_args(), false, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text, format!("{TD3}\n"));
    let (values, ok) = parse_json(&text);
    assert!(ok);
    assert_eq!(values[0]["valid"], true);
}

#[test]
fn generate_json_lists_the_lines() {
    let mut out = Vec::new();
    run_generate(&td3_args(), true, &mut out).unwrap();
    let value: Value = serde_json::from_slice(&out).unwrap();
    let lines: Vec<&str> = TD3.lines().collect();
    assert_eq!(value, json!({"format": "td3", "mrz": lines}));
}

#[test]
fn generate_rejects_unknown_format_and_bad_fields() {
    let mut args = td3_args();
    args.format = "td9".into();
    assert!(matches!(
        run_generate(&args, false, &mut Vec::new()),
        Err(CliError::UnknownFormat)
    ));
    let mut args = td3_args();
    args.birth_date = Some("7408".into());
    assert!(matches!(
        run_generate(&args, false, &mut Vec::new()),
        Err(CliError::Generate(_))
    ));
}
