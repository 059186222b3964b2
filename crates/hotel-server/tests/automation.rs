//! Room automation end to end: occupancy set by staff or reported by the
//! device drives the target on the room's control topic, every automatic
//! command is in the history with its reason, a person's target holds until
//! the next state change; guest flags over MQTT; the energy view.

mod common;

use std::time::Duration;

use common::{TestServer, eventually, now_s};
use serde_json::{Value, json};

/// A server whose automation re-evaluates rooms often.
async fn server() -> TestServer {
    TestServer::start_with(|mut c| {
        c.automation.check_every = Duration::from_millis(50);
        c
    })
    .await
}

/// Creates room `id` through the API.
async fn room(server: &TestServer, id: &str) {
    let (status, body) = server
        .post("/api/rooms/", &server.admin_token, json!({ "id": id }))
        .await;
    assert_eq!(status, 201, "{body}");
}

/// The room's newest target command in its history.
async fn newest_target(server: &TestServer, id: &str) -> Option<Value> {
    let (status, body) = server
        .get(&format!("/api/room/{id}/commands/"), &server.admin_token)
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()?
        .iter()
        .find(|c| c["command"] == "target_temperature")
        .cloned()
}

#[tokio::test]
async fn a_vacant_room_receives_the_eco_target_recorded_as_automation() {
    let server = server().await;
    room(&server, "101").await;
    let mut device = server.device("dev-101").await;
    device.subscribe("hotel/101/control/#").await;

    let (status, body) = server
        .put(
            "/api/room/101/occupancy/",
            &server.admin_token,
            json!({ "state": "vacant" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "vacant");
    assert_eq!(body["updated_by"], "admin");

    let payload = device
        .expect_message("hotel/101/control/target_temperature")
        .await;
    assert_eq!(payload, "17.0");
    let sent = newest_target(&server, "101")
        .await
        .expect("a target command");
    assert_eq!(sent["sent_by"], "automation:vacant-eco");
    assert_eq!(sent["value"], 17.0, "{sent}");
    server
        .room_until("101", "room shows vacant", |r| r["occupancy"] == "vacant")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_booked_room_preheats_and_a_staff_target_holds_until_the_next_change() {
    let server = server().await;
    room(&server, "102").await;
    let mut device = server.device("dev-102").await;
    device.subscribe("hotel/102/control/#").await;

    // Check-in now: within the pre-heat window at once.
    let (status, body) = server
        .put(
            "/api/room/102/occupancy/",
            &server.admin_token,
            json!({ "state": "booked", "check_in_at": now_s() }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["check_in_at"].is_string(), "{body}");
    let payload = device
        .expect_message("hotel/102/control/target_temperature")
        .await;
    assert_eq!(payload, "21.0");
    let sent = newest_target(&server, "102")
        .await
        .expect("a target command");
    assert_eq!(sent["sent_by"], "automation:booked-preheat");

    // Staff choose another target: the automation does not undo it.
    let (status, _) = server
        .post(
            "/api/room/102/set_target/",
            &server.admin_token,
            json!({ "target": 23.5 }),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        device
            .expect_next_value("hotel/102/control/target_temperature", "21.0")
            .await,
        "23.5"
    );
    // A device report of the state it already has is no change.
    device.publish("hotel/102/status/room_mode", "booked").await;
    server
        .room_until("102", "the report is seen", |r| r["occupancy"] == "booked")
        .await;
    let newest = newest_target(&server, "102").await.unwrap();
    assert_eq!(newest["sent_by"], "admin", "the staff target holds");

    // The next state change (reported by the device) ends the hold.
    device
        .publish("hotel/102/status/room_mode", "checked_out")
        .await;
    assert_eq!(
        device
            .expect_next_value("hotel/102/control/target_temperature", "23.5")
            .await,
        "17.0"
    );
    let newest = newest_target(&server, "102").await.unwrap();
    assert_eq!(newest["sent_by"], "automation:checkout-eco");
    server
        .room_until("102", "room shows checked out", |r| {
            r["occupancy"] == "checked_out"
        })
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn occupancy_and_flags_refuse_bad_values_and_guests() {
    let server = server().await;
    room(&server, "103").await;
    let token = &server.admin_token;
    for body in [
        json!({ "state": "asleep" }),
        json!({ "state": 3 }),
        json!({ "state": "vacant", "check_in_at": now_s() }),
        json!({ "state": "booked", "check_in_at": "tomorrow-ish" }),
    ] {
        let (status, answer) = server.put("/api/room/103/occupancy/", token, body).await;
        assert_eq!(status, 422, "{answer}");
    }
    let (status, _) = server.put("/api/room/103/flags/", token, json!({})).await;
    assert_eq!(status, 422);
    let (status, _) = server
        .put(
            "/api/room/103/flags/",
            token,
            json!({ "do_not_disturb": "yes" }),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = server
        .put(
            "/api/room/999/occupancy/",
            token,
            json!({ "state": "vacant" }),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(server.get("/api/energy/?from=10&to=5", token).await.0, 422);
    assert_eq!(
        server.get("/api/energy/?from=0&to=99999999", token).await.0,
        422,
        "more than 31 days"
    );

    let (status, body) = server
        .put(
            "/api/room/103/flags/",
            token,
            json!({ "make_up_room": true }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["make_up_room"], true);
    server
        .room_until("103", "make-up flag shows", |r| r["make_up_room"] == true)
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn do_not_disturb_from_the_device_shows_in_the_room() {
    let server = server().await;
    let device = server.device("dev-104").await;
    device.publish("hotel/104/status/dnd", "ON").await;
    device.publish("hotel/104/status/make_up", "off").await;
    // Both messages are processed in order: once make-up shows off, DND
    // shows on.
    let view = server
        .room_until("104", "make-up shows", |r| r["make_up_room"] == false)
        .await;
    assert_eq!(view["do_not_disturb"], true);
    device.publish("hotel/104/status/dnd", "off").await;
    server
        .room_until("104", "DND clears", |r| r["do_not_disturb"] == false)
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_energy_view_counts_heating_hours_per_day() {
    let server = server().await;
    let device = server.device("dev-105").await;
    // Two days ago, UTC midnight: inside retention, before now.
    let day = (now_s() / 86_400 - 2) * 86_400;
    let heating = |ts: i64, on: bool| {
        format!(r#"{{"room":"105","timestamp":{ts},"state":{{"heating":{on}}}}}"#)
    };
    let readings = [
        // 23:55 the day before, on until 00:02: 5 min, then 2 min.
        (day - 300, true),
        (day + 120, false),
        // 01:00 on, still on at 01:05, off at 01:10: 10 min.
        (day + 3_600, true),
        (day + 3_900, true),
        (day + 4_200, false),
        // 02:00 on, then silence: counts 10 min, not the rest of the day.
        (day + 7_200, true),
    ];
    for (ts, on) in readings {
        device
            .publish("hotel/105/telemetry/json", heating(ts, on))
            .await;
    }
    let path = format!("/api/energy/?from={}&to={}", day - 86_400, day + 86_400);
    let rooms = eventually("all heating readings are counted", || async {
        let (status, body) = server.get(&path, &server.admin_token).await;
        assert_eq!(status, 200, "{body}");
        let room = body["rooms"]
            .as_array()?
            .iter()
            .find(|r| r["room"] == "105")?
            .clone();
        let total = room["heating_hours"].as_f64()?;
        ((total - 27.0 / 60.0).abs() < 1e-9).then_some(room)
    })
    .await;
    let days = rooms["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{rooms}");
    let hours = |i: usize| days[i]["heating_hours"].as_f64().unwrap();
    assert!((hours(0) - 5.0 / 60.0).abs() < 1e-9, "{rooms}");
    assert!((hours(1) - 22.0 / 60.0).abs() < 1e-9, "{rooms}");
    assert!(days[0]["day"].as_str().unwrap() < days[1]["day"].as_str().unwrap());
    assert_eq!(rooms["truncated"], false);
    server.shutdown().await;
}
