//! Test harness: servers on ephemeral loopback ports, a real MQTT device
//! client, an API client, and polling helpers that wait for a condition
//! (never for a fixed time).

#![allow(dead_code, unreachable_pub)]

pub mod fake_bot;

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use hotel_server::server::{self, BrokerChoice, RunningServer, ServerConfig};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// How long any condition may take before a test gives up.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct TestServer {
    pub running: Option<RunningServer>,
    pub base: String,
    pub mqtt_host: String,
    pub mqtt_port: u16,
    pub admin_token: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// The external broker from `HOTEL_TEST_MQTT_BROKER` (host:port). Without it
/// the test prints a skip notice, unless `HOTEL_REQUIRE_SERVICES=1` (CI),
/// where a missing service fails the test.
pub fn external_broker() -> Option<(String, u16)> {
    match std::env::var("HOTEL_TEST_MQTT_BROKER") {
        Ok(addr) => {
            let (host, port) = addr
                .rsplit_once(':')
                .expect("HOTEL_TEST_MQTT_BROKER is host:port");
            Some((host.to_owned(), port.parse().expect("port")))
        }
        Err(_) => {
            assert!(
                std::env::var("HOTEL_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "HOTEL_TEST_MQTT_BROKER must be set when HOTEL_REQUIRE_SERVICES=1"
            );
            eprintln!("skipped: set HOTEL_TEST_MQTT_BROKER=host:port to run against Mosquitto");
            None
        }
    }
}

pub fn config(dir: &tempfile::TempDir, broker: BrokerChoice) -> ServerConfig {
    ServerConfig {
        data_dir: dir.path().to_owned(),
        http: "127.0.0.1:0".parse().unwrap(),
        broker,
        demo_rooms: 0,
        legacy_slash_topics: false,
        retention: Duration::from_secs(90 * 86_400),
        rollup_retention: Duration::from_secs(730 * 86_400),
        admin_password: Some(ADMIN_PASSWORD.to_owned()),
        alerts: Default::default(),
        notify: Default::default(),
        automation: Default::default(),
    }
}

pub fn embedded() -> BrokerChoice {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    BrokerChoice::Embedded {
        mqtt: Some(addr),
        ws: None,
        dev: false,
    }
}

impl TestServer {
    pub async fn embedded() -> Self {
        Self::start_with(|c| c).await
    }

    pub async fn start_with(adjust: impl FnOnce(ServerConfig) -> ServerConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = adjust(config(&dir, embedded()));
        Self::start(dir, config).await
    }

    pub async fn external(host: String, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config(
            &dir,
            BrokerChoice::External {
                host,
                port,
                credentials: None,
            },
        );
        Self::start(dir, config).await
    }

    pub async fn start(dir: tempfile::TempDir, config: ServerConfig) -> Self {
        let (mqtt_host, mqtt_port) = match &config.broker {
            BrokerChoice::Embedded { mqtt, .. } => ("127.0.0.1".to_owned(), mqtt.unwrap().port()),
            BrokerChoice::External { host, port, .. } => (host.clone(), *port),
        };
        let running = server::start(config).await.expect("server starts");
        let base = format!("http://{}", running.http_addr);
        let http = reqwest::Client::new();
        let mut server = Self {
            running: Some(running),
            base,
            mqtt_host,
            mqtt_port,
            admin_token: String::new(),
            http,
            dir,
        };
        server.admin_token = server
            .sign_in("admin", ADMIN_PASSWORD)
            .await
            .expect("admin signs in");
        server.wait_broker_connected().await;
        server
    }

    pub async fn wait_broker_connected(&self) {
        eventually("server connected to broker", || async {
            let body: Value = self
                .http
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (body["components"]["broker"] == "up").then_some(())
        })
        .await;
    }

    pub async fn sign_in(&self, user: &str, password: &str) -> Option<String> {
        let response = self
            .http
            .post(format!("{}/api/auth/token", self.base))
            .json(&json!({ "username": user, "password": password }))
            .send()
            .await
            .unwrap();
        if !response.status().is_success() {
            return None;
        }
        let body: Value = response.json().await.unwrap();
        Some(body["token"].as_str().unwrap().to_owned())
    }

    /// GET with a token; (status, JSON body or Null).
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of one sample line of `/metrics` (0 when absent).
    pub async fn metric(&self, sample: &str) -> f64 {
        metric_value(&self.metrics().await, sample)
    }

    /// Waits until the room's JSON satisfies `check`.
    pub async fn room_until(
        &self,
        room: &str,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        eventually(what, || async {
            let (status, body) = self
                .get(&format!("/api/room/{room}/"), &self.admin_token)
                .await;
            (status == 200 && check(&body)).then_some(body)
        })
        .await
    }

    pub async fn device(&self, id: &str) -> Device {
        Device::connect(&self.mqtt_host, self.mqtt_port, id, None).await
    }

    pub async fn shutdown(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

pub fn metric_value(text: &str, sample: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(sample) && l[sample.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Polls `check` until it yields a value; panics after [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A device: a real MQTT client that publishes and collects what it receives.
pub struct Device {
    pub client: AsyncClient,
    pub received: mpsc::UnboundedReceiver<(String, String)>,
    connected: tokio::sync::watch::Receiver<bool>,
    /// SUBACKs received so far.
    subacks: tokio::sync::watch::Receiver<u64>,
}

impl Device {
    pub async fn connect(
        host: &str,
        port: u16,
        id: &str,
        credentials: Option<(&str, &str)>,
    ) -> Device {
        Self::try_connect(host, port, id, credentials)
            .await
            .expect("device connects")
    }

    /// Connects; `None` when the broker refuses the connection.
    pub async fn try_connect(
        host: &str,
        port: u16,
        id: &str,
        credentials: Option<(&str, &str)>,
    ) -> Option<Device> {
        let mut options = MqttOptions::new(format!("{id}-{}", free_port()), host, port);
        options.set_keep_alive(Duration::from_secs(30));
        options.set_max_packet_size(512 * 1024, 512 * 1024);
        if let Some((u, p)) = credentials {
            options.set_credentials(u, p);
        }
        let (client, mut eventloop) = AsyncClient::new(options, 256);
        let (tx, rx) = mpsc::unbounded_channel();
        let (conn_tx, mut conn_rx) = tokio::sync::watch::channel(false);
        let (fail_tx, mut fail_rx) = tokio::sync::watch::channel(false);
        let (suback_tx, subacks) = tokio::sync::watch::channel(0u64);
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = conn_tx.send(true);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        suback_tx.send_modify(|n| *n += 1);
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = tx.send((
                            p.topic.clone(),
                            String::from_utf8_lossy(&p.payload).into_owned(),
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => {
                        let _ = fail_tx.send(true);
                        return;
                    }
                }
            }
        });
        let ok = tokio::time::timeout(PATIENCE, async {
            tokio::select! {
                r = conn_rx.wait_for(|c| *c) => r.is_ok(),
                _ = fail_rx.wait_for(|f| *f) => false,
            }
        })
        .await
        .unwrap_or(false);
        ok.then_some(Device {
            client,
            received: rx,
            connected: conn_rx,
            subacks,
        })
    }

    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .unwrap();
    }

    /// Subscribes and waits for the broker's SUBACK, so that what is
    /// published afterwards arrives exactly once (live, not also as the
    /// retained copy of a subscription still in flight).
    pub async fn subscribe(&self, filter: &str) {
        let mut subacks = self.subacks.clone();
        let before = *subacks.borrow_and_update();
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .unwrap();
        tokio::time::timeout(PATIENCE, subacks.wait_for(|n| *n > before))
            .await
            .unwrap_or_else(|_| panic!("no SUBACK for {filter}"))
            .expect("device connection closed");
    }

    /// Waits for a message on `topic` other than a repeat of `previous`
    /// (QoS 1 delivers at least once: a retained copy can follow the live
    /// one of a fresh subscription); returns its payload.
    pub async fn expect_next_value(&mut self, topic: &str, previous: &str) -> String {
        loop {
            let payload = self.expect_message(topic).await;
            if payload != previous {
                return payload;
            }
        }
    }

    /// Waits for a message on `topic`; returns its payload.
    pub async fn expect_message(&mut self, topic: &str) -> String {
        let wait = async {
            while let Some((t, payload)) = self.received.recv().await {
                if t == topic {
                    return payload;
                }
            }
            panic!("device connection closed");
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .unwrap_or_else(|_| panic!("no message on {topic}"))
    }
}

pub fn json_telemetry(room: &str, temperature: f64) -> String {
    format!(
        r#"{{"room":"{room}","timestamp":{ts},"sensors":{{"temperature":{temperature},"humidity":41.0,"light_percent":55,"gas_level":120,"target_temp":22.0}},"state":{{"thermostat_mode":"auto","fan_speed":"low","heating":true,"room_mode":"occupied","led1":true,"led2":false}}}}"#,
        ts = now_s()
    )
}

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
