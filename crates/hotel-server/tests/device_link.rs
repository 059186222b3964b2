//! The room device's own MQTT code (`hotel-room-mqtt`, the one in the ESP32
//! image) against the server, through the embedded broker and through a
//! real Mosquitto (`HOTEL_TEST_MQTT_BROKER`): its telemetry is stored, a
//! control command from the API reaches its controller, and its last will
//! marks the room offline when the connection drops.

mod common;

use std::io;
use std::time::Duration;

use common::{TestServer, external_broker, free_port};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::mutex::Mutex;
use hotel_core::RoomId;
use hotel_room_core::{ClimateReading, Config, Inputs, Now, RoomController, Settings};
use hotel_room_mqtt::{LinkConfig, Timer, Transport};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// A tokio TCP stream as an `embedded-io-async` stream (its `read` is
/// cancel-safe, as the link needs).
struct Tcp(TcpStream);

impl embedded_io_async::ErrorType for Tcp {
    type Error = io::Error;
}

impl embedded_io_async::Read for Tcp {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }
}

impl embedded_io_async::Write for Tcp {
    async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).await
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.0.flush().await
    }
}

/// Connects to the broker, as embassy-net does on the device.
struct Broker {
    addr: String,
}

impl Transport for Broker {
    type Connection<'a> = Tcp;

    async fn open(&mut self) -> Option<Tcp> {
        TcpStream::connect(&self.addr).await.ok().map(Tcp)
    }
}

struct TokioTimer {
    start: Instant,
    state: u32,
}

impl Timer for TokioTimer {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    async fn sleep_ms(&mut self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    fn random(&mut self) -> u32 {
        // xorshift32: any spread will do for jitter.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        self.state
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Runs a device for a fresh room against `server`'s broker: 23 °C, so not
/// heating at the default 21 °C target; then the API asks for 30 °C.
async fn device_reports_and_obeys(server: TestServer) {
    let room = format!("dev{}", free_port());
    let controller: Mutex<NoopRawMutex, RoomController> = Mutex::new(RoomController::new(
        RoomId::parse(&room).unwrap(),
        Config {
            report_every_ms: 300,
            ..Config::default()
        },
        Settings::default(),
    ));
    let config = LinkConfig {
        poll_ms: 50,
        ..LinkConfig::new(&room)
    };
    let mut transport = Broker {
        addr: format!("{}:{}", server.mqtt_host, server.mqtt_port),
    };
    let mut timer = TokioTimer {
        start: Instant::now(),
        state: 0x9E37_79B9,
    };

    let link = hotel_room_mqtt::run(&config, &controller, &mut transport, &mut timer);
    let start = Instant::now();
    let control_loop = async {
        let inputs = Inputs {
            climate: Some(ClimateReading {
                temperature_dc: 230,
                humidity_dpct: 450,
            }),
            ldr_pct: Some(40),
            gas_raw: Some(150),
        };
        loop {
            let now = Now {
                mono_ms: start.elapsed().as_millis() as u64,
                unix_ms: Some(unix_ms()),
            };
            controller.lock().await.step(now, &inputs);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let checks = async {
        server
            .room_until(&room, "the device reports, not heating", |r| {
                r["online"] == true && r["temperature"] == 23.0 && r["heating"] == false
            })
            .await;
        common::eventually("its readings are stored", || async {
            let (_, history) = server
                .get(
                    &format!("/api/room/{room}/history/?sensor=temperature&points=1"),
                    &server.admin_token,
                )
                .await;
            let point = history["points"].as_array()?.first()?.clone();
            (point["mean"] == 23.0 && point["count"].as_u64()? >= 1).then_some(())
        })
        .await;

        let (status, _) = server
            .post(
                &format!("/api/room/{room}/set_target/"),
                &server.admin_token,
                json!({"target": 30.0}),
            )
            .await;
        assert_eq!(status, 202);
        server
            .room_until(&room, "the device heats for the new target", |r| {
                r["heating"] == true && r["target_temp"] == 30.0
            })
            .await;
        assert_eq!(controller.lock().await.settings().target_dc, 300);
    };
    tokio::select! {
        () = link => unreachable!("the link runs for ever"),
        () = control_loop => unreachable!("the control loop runs for ever"),
        () = checks => {}
    }

    // The link is dropped with its connection, without DISCONNECT: the
    // broker publishes the last will.
    server
        .room_until(&room, "the last will marks the room offline", |r| {
            r["online"] == false
        })
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn device_link_reports_and_obeys_through_the_embedded_broker() {
    device_reports_and_obeys(TestServer::embedded().await).await;
}

#[tokio::test]
async fn device_link_reports_and_obeys_through_mosquitto() {
    let Some((host, port)) = external_broker() else {
        return;
    };
    device_reports_and_obeys(TestServer::external(host, port).await).await;
}
