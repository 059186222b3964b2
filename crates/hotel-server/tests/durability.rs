//! The real `hotel` binary: what it has stored survives `kill -9`, a restart
//! resumes with everything intact, retained settings come back, and SIGTERM
//! stops it cleanly.

mod common;

use std::process::{Child, Command, Stdio};

use common::{ADMIN_PASSWORD, Device, eventually, free_port, metric_value};
use serde_json::{Value, json};

struct Hotel {
    child: Child,
    base: String,
    mqtt_port: u16,
}

impl Drop for Hotel {
    // A failing test must not leave a server running (it would hold the
    // test runner's output pipe open).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(data: &std::path::Path) -> Hotel {
    let (http_port, mqtt_port) = (free_port(), free_port());
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotel"));
    command
        .args(["serve", "--data-dir"])
        .arg(data)
        .args(["--http", &format!("127.0.0.1:{http_port}")])
        .args([
            "--mqtt",
            &format!("127.0.0.1:{mqtt_port}"),
            "--mqtt-ws",
            "off",
        ])
        .env("HOTEL_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn,rumqttd=off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for var in hotel_server::config::NOT_YET_SUPPORTED.map(|(v, _)| v) {
        command.env_remove(var);
    }
    for var in [
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_CHAT_ID",
        "TELEGRAM_API_URL",
        "HOTEL_WEBHOOK_URL",
        "HOTEL_CONFIG",
    ] {
        command.env_remove(var);
    }
    command.env_remove("MQTT_BROKER");
    Hotel {
        child: command.spawn().expect("hotel starts"),
        base: format!("http://127.0.0.1:{http_port}"),
        mqtt_port,
    }
}

async fn ready(hotel: &Hotel, http: &reqwest::Client) -> String {
    eventually("hotel answers healthy", || async {
        let r = http
            .get(format!("{}/healthz", hotel.base))
            .send()
            .await
            .ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
    let body: Value = http
        .post(format!("{}/api/auth/token", hotel.base))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn kill_dash_nine_loses_nothing_that_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut hotel = spawn(dir.path());
    let token = ready(&hotel, &http).await;

    let device = Device::connect("127.0.0.1", hotel.mqtt_port, "dev", None).await;
    let base = common::now_s() - 7_200;
    for i in 0..200 {
        let body = format!(
            r#"{{"room":"101","timestamp":{},"sensors":{{"temperature":{},"humidity":40,"light_percent":50,"gas_level":100,"target_temp":21}}}}"#,
            base + i,
            15 + i % 10
        );
        device.publish("hotel/101/telemetry/json", body).await;
    }
    eventually("room 101 reported", || async {
        let r = http
            .get(format!("{}/api/room/101/", hotel.base))
            .bearer_auth(&token)
            .send()
            .await
            .ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
    let control = http
        .post(format!("{}/api/room/101/set_target/", hotel.base))
        .bearer_auth(&token)
        .json(&json!({"target": 23.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 202);

    // Wait until the server says all 1,000 readings are committed, then kill it.
    eventually("all readings stored", || async {
        let text = http
            .get(format!("{}/metrics", hotel.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (metric_value(&text, "hotel_telemetry_stored_total") >= 1_000.0).then_some(())
    })
    .await;
    hotel.child.kill().unwrap();
    hotel.child.wait().unwrap();

    let mut hotel = spawn(dir.path());
    let token = ready(&hotel, &http).await;
    let history: Value = http
        .get(format!(
            "{}/api/room/101/history/?sensor=temperature&from={}&to={}&points=1000",
            hotel.base,
            base - 1,
            base + 300
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count: u64 = history["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum();
    assert_eq!(count, 200, "every stored temperature survived kill -9");

    let room: Value = http
        .get(format!("{}/api/room/101/", hotel.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        room["temperature"], 24.0,
        "the latest value is reloaded after restart"
    );

    // The embedded broker starts empty; the server retains the last command again.
    let mut late = Device::connect("127.0.0.1", hotel.mqtt_port, "late", None).await;
    late.subscribe("hotel/101/control/+").await;
    assert_eq!(
        late.expect_message("hotel/101/control/target_temperature")
            .await,
        "23.5"
    );

    hotel.child.kill().unwrap();
    hotel.child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut hotel = spawn(dir.path());
    ready(&hotel, &http).await;
    let device = Device::connect("127.0.0.1", hotel.mqtt_port, "dev", None).await;
    device.publish("hotel/202/telemetry/gas", "321").await;
    eventually("reading stored", || async {
        let text = http
            .get(format!("{}/metrics", hotel.base))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (metric_value(&text, "hotel_telemetry_stored_total") >= 1.0).then_some(())
    })
    .await;

    let pid = hotel.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = hotel.child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");

    let mut hotel = spawn(dir.path());
    let token = ready(&hotel, &http).await;
    let room: Value = http
        .get(format!("{}/api/room/202/", hotel.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(room["gas_level"], 321.0);
    hotel.child.kill().unwrap();
    hotel.child.wait().unwrap();
}

#[tokio::test]
async fn refuses_backends_it_does_not_have_instead_of_ignoring_them() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hotel"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--http", "127.0.0.1:0", "--mqtt", "off", "--mqtt-ws", "off"])
        .env("INFLUX_URL", "http://influx-user:s3cret@127.0.0.1:9")
        .env_remove("MQTT_BROKER")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("INFLUX_URL") && stderr.contains("InfluxDB"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret"),
        "the value never reaches the output"
    );
}

#[tokio::test]
async fn weak_admin_password_is_refused_and_a_generated_one_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hotel"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--http", "127.0.0.1:0", "--mqtt", "off", "--mqtt-ws", "off"])
        .env("HOTEL_ADMIN_PASSWORD", "admin")
        .env_remove("MQTT_BROKER")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HOTEL_ADMIN_PASSWORD"));

    // Without a password one is generated and printed to stdout, not the log.
    let http = reqwest::Client::new();
    let http_port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotel"))
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--http", &format!("127.0.0.1:{http_port}")])
        .args([
            "--mqtt",
            &format!("127.0.0.1:{}", free_port()),
            "--mqtt-ws",
            "off",
        ])
        .env_remove("HOTEL_ADMIN_PASSWORD")
        .env_remove("MQTT_BROKER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut child = Hotel {
        child,
        base: String::new(),
        mqtt_port: 0,
    };
    let (found_tx, found_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let found = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split("with password ")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_owned)
            });
        let _ = found_tx.send(found);
    });
    let password = found_rx
        .recv_timeout(common::PATIENCE)
        .ok()
        .flatten()
        .expect("generated password printed on stdout");
    let base = format!("http://127.0.0.1:{http_port}");
    let signed_in = http
        .post(format!("{base}/api/auth/token"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200, "the printed password works");
    child.child.kill().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(password.len() >= 20);
    assert!(
        !stderr.contains(&password),
        "the generated password is not logged"
    );
}
