//! `hotel load` against a running server: what it reports is what the
//! server counted, and bad settings are refused before anything connects.

mod common;

use common::{ADMIN_PASSWORD, TestServer};
use serde_json::Value;
use tokio::process::Command;

fn hotel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hotel"))
}

/// Runs `hotel load` at 10 messages/s per device against `server`'s broker
/// with `args` added, and returns its JSON report.
async fn run_load(server: &TestServer, args: &[&str]) -> Value {
    let out = hotel()
        .args(["load", "--rate", "10", "--json", "--broker"])
        .arg(format!("{}:{}", server.mqtt_host, server.mqtt_port))
        .args(args)
        .env("HOTEL_LOAD_PASSWORD", ADMIN_PASSWORD)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_report_matches_what_the_server_stored() {
    let server = TestServer::embedded().await;
    let http = server.base.clone();
    let report = run_load(
        &server,
        &["--devices", "3", "--seconds", "2", "--http", &http],
    )
    .await;
    let published = report["published"].as_u64().unwrap();
    assert!(published >= 3, "every device published: {report}");
    assert_eq!(report["received"], published, "{report}");
    // Each load message carries five readings.
    assert_eq!(report["stored"], published * 5, "{report}");
    assert_eq!(report["latency_samples"], published, "{report}");
    assert!(report["latency_p99_ms"].as_i64().unwrap() >= 0);

    let received = server.metric("hotel_telemetry_received_total").await;
    assert_eq!(received as u64, published);
    let (status, rooms) = server.get("/api/rooms/", &server.admin_token).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = rooms
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    for id in ["load-0", "load-1", "load-2"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_without_a_server_measures_publishing_only() {
    let server = TestServer::embedded().await;
    let report = run_load(
        &server,
        &["--devices", "2", "--seconds", "1", "--http", "off"],
    )
    .await;
    assert!(report["published"].as_u64().unwrap() >= 2, "{report}");
    for field in ["received", "stored", "received_per_s", "latency_p99_ms"] {
        assert!(
            report[field].is_null(),
            "{field} without a server: {report}"
        );
    }
    // The broker still delivered what was published to the server's ingest.
    let published = report["published"].as_u64().unwrap();
    common::eventually("the messages reach the server", || async {
        let received = server.metric("hotel_telemetry_received_total").await as u64;
        (received == published).then_some(())
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn load_refuses_bad_settings_before_connecting() {
    // Nothing listens on these ports: a refusal must come before any connect.
    for (flag, value, message) in [
        ("--rate", "0", "--rate"),
        ("--rate", "20000", "--rate"),
        ("--seconds", "0", "--seconds"),
        ("--broker", "no-port", "--broker"),
    ] {
        let out = hotel()
            .args(["load", "--http", "http://127.0.0.1:9", flag, value])
            .output()
            .await
            .unwrap();
        assert!(!out.status.success(), "{flag} {value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{flag} {value}: {stderr}");
    }
}
