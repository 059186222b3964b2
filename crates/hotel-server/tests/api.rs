//! The staff API: authentication, roles, guests, control commands reaching
//! the device, WebSocket pushes, room admin, validation.

mod common;

use common::{ADMIN_PASSWORD, Device, TestServer, eventually, json_telemetry};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::test]
async fn api_requires_a_valid_token() {
    let server = TestServer::embedded().await;
    let response = server
        .http
        .get(format!("{}/api/rooms/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].is_string());
    assert_eq!(server.get("/api/rooms/", "hs_not-a-token").await.0, 401);
    assert_eq!(server.sign_in("admin", "wrong password here").await, None);
    assert_eq!(
        server.sign_in("admin", "admin").await,
        None,
        "no default password"
    );
    assert_eq!(server.sign_in("nobody", ADMIN_PASSWORD).await, None);
    assert_eq!(server.get("/api/rooms/", &server.admin_token).await.0, 200);
    // Health and metrics need no token.
    assert_eq!(
        server
            .http
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn control_call_arrives_retained_on_the_device_topic() {
    let server = TestServer::embedded().await;
    let mut device = server.device("dev-101").await;
    device
        .publish("hotel/101/telemetry/json", json_telemetry("101", 20.0))
        .await;
    server.room_until("101", "room 101 exists", |_| true).await;
    device.subscribe("hotel/101/control/#").await;

    let (status, body) = server
        .post(
            "/api/room/101/set_target/",
            &server.admin_token,
            json!({"target": 22.5}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["commands"][0]["payload"], "22.5");
    assert_eq!(
        device
            .expect_message("hotel/101/control/target_temperature")
            .await,
        "22.5"
    );

    let (status, _) = server
        .post(
            "/api/room/101/set_climate_mode/",
            &server.admin_token,
            json!({"mode": "off"}),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        device
            .expect_message("hotel/101/control/climate_mode")
            .await,
        "off"
    );
    let (status, _) = server
        .post(
            "/api/room/101/set_fan_speed/",
            &server.admin_token,
            json!({"speed": "high"}),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        device.expect_message("hotel/101/control/fan_speed").await,
        "high"
    );
    let (status, _) = server
        .post(
            "/api/room/101/set_light_mode/",
            &server.admin_token,
            json!({"mode": "manual", "brightness": 60}),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        device.expect_message("hotel/101/control/light_mode").await,
        "manual"
    );
    assert_eq!(
        device.expect_message("hotel/101/control/luminosity").await,
        "60"
    );
    let room = server
        .room_until("101", "light command shown", |r| r["brightness"] == 60)
        .await;
    assert_eq!(room["light_mode"], "manual");

    // A device that connects later finds the last setting retained.
    let mut late = server.device("dev-101-late").await;
    late.subscribe("hotel/101/control/+").await;
    assert_eq!(
        late.expect_message("hotel/101/control/target_temperature")
            .await,
        "22.5"
    );

    // Who sent what is recorded.
    let (_, commands) = server
        .get("/api/room/101/commands/", &server.admin_token)
        .await;
    let commands = commands.as_array().unwrap();
    assert_eq!(commands.len(), 5);
    assert!(commands.iter().all(|c| c["sent_by"] == "admin"));
    server.shutdown().await;
}

#[tokio::test]
async fn bad_control_values_get_422_and_publish_nothing() {
    let server = TestServer::embedded().await;
    let mut device = server.device("dev").await;
    device.publish("hotel/101/heartbeat", "").await;
    server.room_until("101", "room 101 exists", |_| true).await;
    device.subscribe("hotel/101/control/#").await;
    let token = &server.admin_token;
    for (path, body) in [
        ("set_target", json!({"target": 40})),
        ("set_target", json!({"target": 22.3})),
        ("set_target", json!({"target": "warm"})),
        ("set_climate_mode", json!({"mode": "eco"})),
        ("set_fan_speed", json!({"speed": "turbo"})),
        ("set_fan_speed", json!({"speed": "off"})),
        (
            "set_light_mode",
            json!({"mode": "manual", "brightness": 101}),
        ),
        (
            "set_light_mode",
            json!({"mode": "manual", "brightness": -1}),
        ),
    ] {
        let (status, answer) = server
            .post(&format!("/api/room/101/{path}/"), token, body.clone())
            .await;
        assert_eq!(status, 422, "{path} {body} -> {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let response = server
        .http
        .post(format!("{}/api/room/101/set_target/", server.base))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        server
            .post("/api/room/nope/set_target/", token, json!({"target": 21}))
            .await
            .0,
        404
    );

    // A valid command afterwards is the first thing the device sees.
    server
        .post("/api/room/101/set_target/", token, json!({"target": 19}))
        .await;
    let (topic, payload) = tokio::time::timeout(common::PATIENCE, device.received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (topic.as_str(), payload.as_str()),
        ("hotel/101/control/target_temperature", "19.0")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_slash_setting_publishes_both_topic_forms() {
    let server = TestServer::start_with(|mut c| {
        c.legacy_slash_topics = true;
        c
    })
    .await;
    let mut device = server.device("dev").await;
    device.publish("hotel/101/heartbeat", "").await;
    server.room_until("101", "room 101 exists", |_| true).await;
    device.subscribe("/hotel/101/control/#").await;
    device.subscribe("hotel/101/control/#").await;
    server
        .post(
            "/api/room/101/set_fan_speed/",
            &server.admin_token,
            json!({"speed": "low"}),
        )
        .await;
    assert_eq!(
        device.expect_message("/hotel/101/control/fan_speed").await,
        "low"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn guest_sees_only_its_room_until_checkout() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    for room in ["101", "102"] {
        device
            .publish(
                &format!("hotel/{room}/telemetry/json"),
                json_telemetry(room, 21.0),
            )
            .await;
    }
    server.room_until("102", "both rooms exist", |_| true).await;
    server.room_until("101", "both rooms exist", |_| true).await;

    let checkout = std::time::SystemTime::now() + std::time::Duration::from_secs(3);
    let checkout_s = checkout
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let (status, body) = server
        .post(
            "/api/users/",
            &server.admin_token,
            json!({"username": "guest101", "password": "sea view please 42", "role": "guest", "room": "101", "expires_at": checkout_s.to_string()}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let guest = server
        .sign_in("guest101", "sea view please 42")
        .await
        .expect("guest signs in");

    assert_eq!(server.get("/api/room/101/", &guest).await.0, 200);
    assert_eq!(server.get("/api/room/102/", &guest).await.0, 403);
    assert_eq!(server.get("/api/room/102/history/", &guest).await.0, 403);
    assert_eq!(
        server
            .post("/api/room/102/set_target/", &guest, json!({"target": 21}))
            .await
            .0,
        403
    );
    assert_eq!(
        server
            .post("/api/room/101/set_target/", &guest, json!({"target": 21}))
            .await
            .0,
        202
    );
    let (_, rooms) = server.get("/api/rooms/", &guest).await;
    assert_eq!(rooms.as_array().unwrap().len(), 1);
    assert_eq!(rooms[0]["id"], "101");
    assert_eq!(server.get("/api/users/", &guest).await.0, 403);

    // A live feed opened before checkout ends after it.
    let url = format!(
        "{}/ws/room/101/?token={guest}",
        server.base.replacen("http", "ws", 1)
    );
    let (mut feed, _) = tokio_tungstenite::connect_async(url).await.unwrap();

    // After checkout the same token stops working.
    eventually("guest token expires at checkout", || async {
        (server.get("/api/room/101/", &guest).await.0 == 401).then_some(())
    })
    .await;
    assert_eq!(server.sign_in("guest101", "sea view please 42").await, None);
    let ended = tokio::time::timeout(common::PATIENCE, async {
        loop {
            match feed.next().await {
                None
                | Some(Err(_))
                | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the open feed is closed after checkout");
    server.shutdown().await;
}

#[tokio::test]
async fn monitor_reads_and_controls_but_cannot_administer() {
    let server = TestServer::embedded().await;
    let token = &server.admin_token;
    let (status, body) = server
        .post(
            "/api/users/",
            token,
            json!({"username": "desk", "password": "front desk night shift", "role": "monitor"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = server
        .post(
            "/api/users/",
            token,
            json!({"username": "weak", "password": "password1234", "role": "monitor"}),
        )
        .await;
    assert_eq!(status, 422, "a default-like password is refused: {body}");
    let monitor = server
        .sign_in("desk", "front desk night shift")
        .await
        .unwrap();

    assert_eq!(
        server
            .post("/api/rooms/", &monitor, json!({"id": "501"}))
            .await
            .0,
        403
    );
    let (status, room) = server
        .post("/api/rooms/", token, json!({"id": "501", "name": "Suite"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(room["name"], "Suite");
    assert_eq!(
        server
            .post("/api/rooms/", token, json!({"id": "501"}))
            .await
            .0,
        409
    );
    assert_eq!(
        server
            .post("/api/rooms/", token, json!({"id": "5 01"}))
            .await
            .0,
        422
    );
    assert_eq!(server.get("/api/room/501/", &monitor).await.0, 200);
    assert_eq!(
        server
            .post(
                "/api/room/501/set_target/",
                &monitor,
                json!({"target": 20.5})
            )
            .await
            .0,
        202
    );

    let renamed = server
        .http
        .patch(format!("{}/api/room/501/", server.base))
        .bearer_auth(token)
        .json(&json!({"name": "Garden suite"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let deleted = server
        .http
        .delete(format!("{}/api/room/501/", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(server.get("/api/room/501/", token).await.0, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn websocket_pushes_each_room_update() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    device
        .publish("hotel/101/telemetry/temperature", "20.0")
        .await;
    server.room_until("101", "room 101 exists", |_| true).await;

    let url = format!(
        "{}/ws/room/101/?token={}",
        server.base.replacen("http", "ws", 1),
        server.admin_token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let first = socket.next().await.unwrap().unwrap().into_text().unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        snapshot["temperature"], 20.0,
        "the feed starts with the current state"
    );

    device
        .publish("hotel/101/telemetry/temperature", "24.5")
        .await;
    let pushed = tokio::time::timeout(common::PATIENCE, async {
        loop {
            let text = socket.next().await.unwrap().unwrap().into_text().unwrap();
            let view: serde_json::Value = serde_json::from_str(&text).unwrap();
            if view["temperature"] == 24.5 {
                return view;
            }
        }
    })
    .await
    .expect("update pushed");
    assert_eq!(pushed["id"], "101");

    let unauthorized = format!("{}/ws/rooms/", server.base.replacen("http", "ws", 1));
    assert!(
        tokio_tungstenite::connect_async(unauthorized)
            .await
            .is_err(),
        "no token, no feed"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn history_is_downsampled_and_validated() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    let base = common::now_s() - 3_600;
    for i in 0..60 {
        let body = format!(
            r#"{{"timestamp":{},"sensors":{{"humidity":{}}}}}"#,
            base + i * 60,
            30 + i % 10
        );
        device.publish("hotel/101/telemetry/json", body).await;
    }
    eventually("sixty readings stored", || async {
        (server.metric("hotel_telemetry_stored_total").await >= 60.0).then_some(())
    })
    .await;
    let path = format!(
        "/api/room/101/history/?sensor=humidity&from={base}&to={}&points=6",
        base + 3_600
    );
    let (status, history) = server.get(&path, &server.admin_token).await;
    assert_eq!(status, 200, "{history}");
    let points = history["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    assert!(
        points
            .iter()
            .all(|p| p["count"] == 10 && p["min"] == 30.0 && p["max"] == 39.0)
    );

    let token = &server.admin_token;
    assert_eq!(
        server
            .get("/api/room/101/history/?sensor=co2", token)
            .await
            .0,
        422
    );
    assert_eq!(
        server
            .get("/api/room/101/history/?from=yesterday", token)
            .await
            .0,
        422
    );
    assert_eq!(
        server.get("/api/room/101/history/?points=0", token).await.0,
        422
    );
    assert_eq!(
        server
            .get("/api/room/101/history/?from=2000&to=1000", token)
            .await
            .0,
        422
    );
    assert_eq!(server.get("/api/room/999/history/", token).await.0, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn broker_credentials_are_required_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let mut config = common::config(
        &dir,
        hotel_server::server::BrokerChoice::Embedded {
            mqtt: Some(format!("0.0.0.0:{port}").parse().unwrap()),
            ws: None,
            dev: false,
        },
    );
    config.admin_password = Some(ADMIN_PASSWORD.to_owned());
    let data = hotel_server::config::DataDir {
        path: dir.path().to_owned(),
    };
    let mut out = Vec::new();
    hotel_server::device::add("101", true, &data, &mut out)
        .await
        .unwrap();
    let creds: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let (user, pass) = (
        creds["username"].as_str().unwrap(),
        creds["password"].as_str().unwrap(),
    );
    assert!(user.starts_with("101-"));

    let server = TestServer::start(dir, config).await;
    assert!(
        Device::try_connect("127.0.0.1", port, "anon", None)
            .await
            .is_none(),
        "anonymous refused"
    );
    assert!(
        Device::try_connect("127.0.0.1", port, "bad", Some((user, "wrong")))
            .await
            .is_none()
    );
    let device = Device::connect("127.0.0.1", port, "dev", Some((user, pass))).await;
    device
        .publish("hotel/101/telemetry/temperature", "22.0")
        .await;
    server
        .room_until("101", "credentialed device reports", |r| {
            r["temperature"] == 22.0
        })
        .await;
    server.shutdown().await;
}
