//! Device messages through the real embedded broker into the API: JSON and
//! legacy topics, and every kind of bad input refused and counted while
//! good traffic goes on.

mod common;

use common::{TestServer, eventually, json_telemetry, metric_value};
use serde_json::Value;

#[tokio::test]
async fn json_and_legacy_topics_land_in_rooms() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;

    device
        .publish("hotel/101/telemetry/json", json_telemetry("101", 22.5))
        .await;
    device
        .publish("hotel/102/telemetry/temperature", "21.5")
        .await;
    device
        .publish("/hotel/102/telemetry/humidity", " 38 ")
        .await;
    device
        .publish("hotel/102/telemetry/ldr_percent", "61")
        .await;
    device.publish("hotel/102/telemetry/gas", "240").await;
    device.publish("hotel/102/telemetry/heating", "ON").await;
    device
        .publish("hotel/102/telemetry/climate_mode", "manual")
        .await;
    device
        .publish("hotel/102/telemetry/fan_speed", "HIGH")
        .await;
    device.publish("hotel/102/status/led1", "ON").await;

    let r101 = server
        .room_until("101", "room 101 reported", |r| r["temperature"] == 22.5)
        .await;
    assert_eq!(r101["humidity"], 41.0);
    assert_eq!(r101["climate_mode"], "auto");
    assert_eq!(r101["heating"], true);
    assert_eq!(r101["online"], true);

    let r102 = server
        .room_until("102", "every legacy value of room 102", |r| {
            r["led1"] == true && r["fan_speed"] == "high"
        })
        .await;
    assert_eq!(r102["temperature"], 21.5);
    assert_eq!(r102["humidity"], 38.0);
    assert_eq!(r102["light_percent"], 61.0);
    assert_eq!(r102["gas_level"], 240.0);
    assert_eq!(r102["heating"], true);
    assert_eq!(r102["climate_mode"], "manual");

    let (status, rooms) = server.get("/api/rooms/", &server.admin_token).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = rooms
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["101", "102"]);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_counted_while_good_traffic_goes_on() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    let nested = format!(
        "{{\"room\":\"101\",\"x\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("hotel/101/telemetry/json", vec![0xff, 0xfe, b'{'], "utf8"),
        ("hotel/101/telemetry/json", b"{not json".to_vec(), "json"),
        (
            "hotel/101/telemetry/json",
            br#"{"sensors":{"temperature":20,"temperature":21}}"#.to_vec(),
            "json",
        ),
        ("hotel/101/telemetry/json", nested.into_bytes(), "json"),
        (
            "hotel/101/telemetry/json",
            br#"{"room":"999","sensors":{"temperature":20}}"#.to_vec(),
            "room_mismatch",
        ),
        (
            "hotel/101/telemetry/json",
            vec![b' '; 200 * 1024],
            "too_large",
        ),
        ("hotel/101/telemetry/humidity", b"140".to_vec(), "range"),
        ("hotel/101/telemetry/temperature", b"NaN".to_vec(), "type"),
        ("hotel/101/telemetry/temperature", b"22,5".to_vec(), "type"),
        ("hotel/101/telemetry/gas", b"-1".to_vec(), "range"),
        ("hotel/101/telemetry/co2", b"400".to_vec(), "unknown_topic"),
        (
            "hotel/this-room-id-is-far-too-long-to-be-valid/telemetry/gas",
            b"1".to_vec(),
            "room_id",
        ),
        ("hotel/bad.room/telemetry/gas", b"1".to_vec(), "room_id"),
    ];
    for (topic, payload, _) in &cases {
        device.publish(topic, payload.clone()).await;
    }
    // One message with good and bad values: the good ones stay.
    device
        .publish(
            "hotel/101/telemetry/json",
            r#"{"room":101,"sensors":{"temperature":23.5,"humidity":"wet","gas_level":-5,"light_percent":40},"state":{"fan_speed":"turbo"}}"#,
        )
        .await;

    let room = server
        .room_until("101", "the good values of room 101", |r| {
            r["temperature"] == 23.5
        })
        .await;
    assert_eq!(room["light_percent"], 40.0);
    assert_eq!(
        room["humidity"],
        Value::Null,
        "a string humidity is not stored"
    );
    assert_eq!(
        room["gas_level"],
        Value::Null,
        "a negative gas level is not stored"
    );
    assert_eq!(
        room["fan_speed"],
        Value::Null,
        "an unknown fan speed is not stored"
    );

    let mut expected = std::collections::BTreeMap::new();
    for (_, _, reason) in &cases {
        *expected.entry(*reason).or_insert(0.0) += 1.0;
    }
    *expected.entry("type").or_insert(0.0) += 1.0; // humidity "wet"
    *expected.entry("range").or_insert(0.0) += 2.0; // gas -5, fan speed turbo
    let metrics = eventually("every rejection counted", || async {
        let text = server.metrics().await;
        let received = metric_value(&text, "hotel_telemetry_received_total");
        (received >= (cases.len() + 1) as f64).then_some(text)
    })
    .await;
    for (reason, count) in &expected {
        let sample = format!("hotel_telemetry_rejected_total{{reason=\"{reason}\"}}");
        assert_eq!(metric_value(&metrics, &sample), *count, "{sample}");
    }

    // Nothing of the refused messages created rooms.
    let (_, rooms) = server.get("/api/rooms/", &server.admin_token).await;
    assert_eq!(
        rooms.as_array().unwrap().len(),
        1,
        "only room 101 exists: {rooms}"
    );

    // The history holds exactly the one good temperature.
    let (status, history) = server
        .get(
            "/api/room/101/history/?sensor=temperature&points=10",
            &server.admin_token,
        )
        .await;
    assert_eq!(status, 200);
    eventually("the good reading is stored", || async {
        let (_, h) = server
            .get(
                "/api/room/101/history/?sensor=temperature&points=10",
                &server.admin_token,
            )
            .await;
        (h["points"].as_array()?.len() == 1).then_some(())
    })
    .await;
    let _ = history;
    server.shutdown().await;
}

#[tokio::test]
async fn repeated_messages_never_duplicate_history() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    let message = json_telemetry("201", 20.0);
    for _ in 0..3 {
        device
            .publish("hotel/201/telemetry/json", message.clone())
            .await;
    }
    eventually("all three copies stored", || async {
        (server.metric("hotel_telemetry_received_total").await >= 3.0
            && server.metric("hotel_telemetry_stored_total").await >= 15.0)
            .then_some(())
    })
    .await;
    let (_, history) = server
        .get(
            "/api/room/201/history/?sensor=temperature&points=5",
            &server.admin_token,
        )
        .await;
    let points = history["points"].as_array().unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(
        points[0]["count"], 1,
        "three deliveries of one message are one reading"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_using_the_old_ingest_link_id_does_not_cut_the_ingest_off() {
    let server = TestServer::embedded().await;

    // The broker drops the older of two connections with one client id; the
    // ingest's link must not have an id a device can guess.
    let options = rumqttc::MqttOptions::new(
        "hotel-server-ingest",
        server.mqtt_host.clone(),
        server.mqtt_port,
    );
    let (_client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    loop {
        match eventloop.poll().await.unwrap() {
            rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_)) => break,
            _ => continue,
        }
    }
    let poller = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });

    let device = server.device("dev").await;
    device
        .publish("hotel/301/telemetry/json", json_telemetry("301", 23.5))
        .await;
    let room = server
        .room_until("301", "room 301 reported", |r| r["temperature"] == 23.5)
        .await;
    assert_eq!(room["online"], true);
    poller.abort();
    server.shutdown().await;
}

#[tokio::test]
async fn last_will_marks_the_device_offline() {
    use rumqttc::{LastWill, MqttOptions, QoS};

    let server = TestServer::embedded().await;
    let mut options = MqttOptions::new("will-301", "127.0.0.1", server.mqtt_port);
    options.set_keep_alive(std::time::Duration::from_secs(5));
    options.set_last_will(LastWill::new(
        "hotel/301/status/online",
        "offline",
        QoS::AtLeastOnce,
        false,
    ));
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    let driver = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
        .publish("hotel/301/heartbeat", QoS::AtLeastOnce, false, "")
        .await
        .unwrap();
    server
        .room_until("301", "heartbeat makes it online", |r| r["online"] == true)
        .await;

    // Drop the connection without DISCONNECT: the broker publishes the will.
    driver.abort();
    drop(client);
    server
        .room_until("301", "offline after the last will", |r| {
            r["online"] == false
        })
        .await;
    server.shutdown().await;
}
