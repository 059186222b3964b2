//! The simulator, the server and a real Mosquitto together: simulated rooms
//! running the firmware core report through the broker, and a control
//! command from the API changes a room's heating. Set
//! `HOTEL_TEST_MQTT_BROKER`.

mod common;

use std::time::Duration;

use common::{TestServer, external_broker};
use hotel_core::RoomId;
use hotel_server::sim::{self, SimOptions};
use hotel_telemetry::mqtt::MqttConfig;
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn api_command_turns_on_a_simulated_rooms_heating() {
    let Some((host, port)) = external_broker() else {
        return;
    };
    let server = TestServer::external(host.clone(), port).await;
    let room = format!("sim{}", common::free_port());
    let broker = MqttConfig {
        host,
        port,
        client_id: String::new(),
        credentials: None,
        subscriptions: Vec::new(),
    };
    // Warmer than the default 21 °C target: the heater starts off.
    let options = SimOptions {
        controller: hotel_room_core::Config {
            report_every_ms: 500,
            ..hotel_room_core::Config::default()
        },
        tick: Duration::from_millis(100),
        initial_temperature_c: Some(23.0),
        airing: false,
        ..SimOptions::default()
    };
    let cancel = CancellationToken::new();
    let rooms = vec![RoomId::parse(&room).unwrap()];
    let sim = tokio::spawn(sim::run(rooms, broker, options, 1, cancel.clone()));

    let view = server
        .room_until(&room, "simulated room reports, not heating", |r| {
            r["online"] == true && r["heating"] == false && r["temperature"].is_number()
        })
        .await;
    assert_eq!(view["target_temp"], 21.0);

    let (status, _) = server
        .post(
            &format!("/api/room/{room}/set_target/"),
            &server.admin_token,
            json!({"target": 30.0}),
        )
        .await;
    assert_eq!(status, 202);
    let view = server
        .room_until(&room, "simulated room heats for the new target", |r| {
            r["heating"] == true
        })
        .await;
    assert_eq!(view["target_temp"], 30.0);

    cancel.cancel();
    sim.await.unwrap();
    server.shutdown().await;
}
