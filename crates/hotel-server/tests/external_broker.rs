//! The `MQTT_BROKER` path against a real Mosquitto: devices publish to it,
//! the server ingests from it, commands reach devices through it, and a
//! device's real last will marks it offline. Set `HOTEL_TEST_MQTT_BROKER`.

mod common;

use common::{Device, TestServer, external_broker, json_telemetry, metric_value};
use rumqttc::{LastWill, MqttOptions, QoS};
use serde_json::json;

#[tokio::test]
async fn mosquitto_carries_telemetry_in_and_commands_out() {
    let Some((host, port)) = external_broker() else {
        return;
    };
    let server = TestServer::external(host.clone(), port).await;
    let room = format!("ext{}", common::free_port());
    let mut device = Device::connect(&host, port, "ext-dev", None).await;
    device.subscribe(&format!("hotel/{room}/control/#")).await;

    device
        .publish(
            &format!("hotel/{room}/telemetry/json"),
            json_telemetry(&room, 19.5),
        )
        .await;
    device
        .publish(&format!("/hotel/{room}/telemetry/gas"), "777")
        .await;
    device
        .publish(&format!("hotel/{room}/telemetry/humidity"), "150")
        .await;
    let view = server
        .room_until(&room, "room reported via Mosquitto", |r| {
            r["gas_level"] == 777.0
        })
        .await;
    assert_eq!(view["temperature"], 19.5);

    let (status, _) = server
        .post(
            &format!("/api/room/{room}/set_target/"),
            &server.admin_token,
            json!({"target": 20.5}),
        )
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        device
            .expect_message(&format!("hotel/{room}/control/target_temperature"))
            .await,
        "20.5"
    );

    let text = server.metrics().await;
    assert!(metric_value(&text, "hotel_telemetry_rejected_total{reason=\"range\"}") >= 1.0);
    server.shutdown().await;
}

#[tokio::test]
async fn mosquitto_delivers_a_real_last_will() {
    let Some((host, port)) = external_broker() else {
        return;
    };
    let server = TestServer::external(host.clone(), port).await;
    let room = format!("will{}", common::free_port());

    let mut options = MqttOptions::new(format!("will-{room}"), host.clone(), port);
    options.set_keep_alive(std::time::Duration::from_secs(5));
    options.set_last_will(LastWill::new(
        format!("hotel/{room}/status/online"),
        "offline",
        QoS::AtLeastOnce,
        false,
    ));
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 16);
    let driver = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
        .publish(
            format!("hotel/{room}/heartbeat"),
            QoS::AtLeastOnce,
            false,
            "",
        )
        .await
        .unwrap();
    server
        .room_until(&room, "device online", |r| r["online"] == true)
        .await;

    // Drop the connection without DISCONNECT: the broker sends the will.
    driver.abort();
    drop(client);
    server
        .room_until(&room, "device offline by its last will", |r| {
            r["online"] == false
        })
        .await;
    server.shutdown().await;
}
