//! Alerts end to end: a real MQTT publish through the embedded broker
//! raises the stored alert, the MQTT alert message, the WebSocket push and
//! the Telegram request at a local fake Bot API; rate limits, refusals,
//! escalation, thresholds and offline detection.

mod common;

use std::time::Duration;

use common::fake_bot::{CHAT_ID, FakeBot, FakeHook, Reply, TOKEN};
use common::{TestServer, eventually, now_s};
use futures_util::StreamExt;
use hotel_server::alert::notify::queue::RetryPolicy;
use hotel_server::alert::notify::telegram::TelegramConfig;
use hotel_server::server::{NotifySettings, ServerConfig};
use serde_json::{Value, json};

fn gas(room: &str, level: f64) -> String {
    format!(
        r#"{{"room":"{room}","timestamp":{},"sensors":{{"gas_level":{level}}}}}"#,
        now_s()
    )
}

/// Telegram at the fake, fast timers, quick retries.
fn with_telegram(bot: &FakeBot) -> impl FnOnce(ServerConfig) -> ServerConfig {
    let api_url = bot.base.clone();
    move |mut c| {
        c.notify = NotifySettings {
            telegram: Some(TelegramConfig {
                api_url,
                token: TOKEN.to_owned().into(),
                chat_id: CHAT_ID.to_owned(),
            }),
            webhook: None,
            retry: RetryPolicy {
                max_attempts: 4,
                first_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(200),
                max_retry_after: Duration::from_secs(5),
            },
        };
        c.alerts.check_every = Duration::from_millis(50);
        c.alerts.public_url = "https://hotel.test".to_owned();
        c
    }
}

async fn open_alerts(server: &TestServer, query: &str) -> Vec<Value> {
    let (status, body) = server
        .get(
            &format!("/api/alerts/?open=true{query}"),
            &server.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn notifications(server: &TestServer) -> Vec<Value> {
    let (status, body) = server.get("/api/notifications/", &server.admin_token).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn gas_spike_is_stored_published_pushed_and_sent_to_telegram() {
    let bot = FakeBot::start().await;
    let server = TestServer::start_with(with_telegram(&bot)).await;
    let mut listener = server.device("listener").await;
    listener.subscribe("hotel/alerts/#").await;
    let ws_url = format!(
        "{}/ws/alerts/?token={}",
        server.base.replace("http", "ws"),
        server.admin_token
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let device = server.device("dev-101").await;
    // Make sure the listener's subscription is in place before the spike.
    device
        .publish("hotel/101/telemetry/json", gas("101", 120.0))
        .await;
    server
        .room_until("101", "room 101 known", |r| r["gas_level"] == 120.0)
        .await;

    device
        .publish("hotel/101/telemetry/json", gas("101", 2710.0))
        .await;

    // Stored, and listed with the documented fields.
    let alerts = eventually("gas alert stored", || async {
        let alerts = open_alerts(&server, "&room=101").await;
        (!alerts.is_empty()).then_some(alerts)
    })
    .await;
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert["room"], "101");
    assert_eq!(alert["type"], "gas");
    assert_eq!(alert["level"], "critical");
    assert_eq!(alert["value"], 2710.0);
    assert!(alert["message"].as_str().unwrap().contains("2710"));
    assert!(alert["started_at"].is_string());
    assert!(alert["ended_at"].is_null());
    assert!(alert["acknowledged_by"].is_null());
    assert!(alert["id"].is_i64());

    // Published on MQTT as the replaced stack did.
    let payload: Value =
        serde_json::from_str(&listener.expect_message("hotel/alerts/gas").await).unwrap();
    assert_eq!(payload["room"], "101");
    assert_eq!(payload["level"], "critical");
    assert!(payload["message"].as_str().unwrap().contains("2710"));

    // Pushed on the WebSocket.
    let pushed = tokio::time::timeout(common::PATIENCE, async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Ok(v) = serde_json::from_str::<Value>(msg.to_text().unwrap_or(""))
                && v["type"] == "gas"
            {
                return v;
            }
        }
        panic!("alert feed closed");
    })
    .await
    .expect("alert pushed on /ws/alerts/");
    assert_eq!(pushed["id"], alert["id"]);

    // Sent to Telegram in the Bot API's form: short, room, condition,
    // value, link.
    let request = eventually("Telegram request", || async {
        bot.requests().first().cloned()
    })
    .await;
    assert!(request.path_ok);
    assert_eq!(request.invalid, None);
    assert_eq!(request.chat_id, json!(-100777));
    assert!(request.text.contains("room 101"), "{}", request.text);
    assert!(
        request.text.to_lowercase().contains("gas"),
        "{}",
        request.text
    );
    assert!(request.text.contains("2710"), "{}", request.text);
    assert!(
        request.text.contains("https://hotel.test/room/101/"),
        "{}",
        request.text
    );
    assert!(request.text.chars().count() < 300);
    let sent = eventually("notification marked sent", || async {
        notifications(&server)
            .await
            .into_iter()
            .find(|n| n["status"] == "sent")
    })
    .await;
    assert_eq!(sent["channel"], "telegram");
    assert_eq!(sent["alert_id"], alert["id"]);

    // A value hovering at the critical line keeps one alert; recovery ends it.
    device
        .publish("hotel/101/telemetry/json", gas("101", 2450.0))
        .await;
    device
        .publish("hotel/101/telemetry/json", gas("101", 900.0))
        .await;
    let ended = eventually("gas alert ended", || async {
        let (_, all) = server
            .get("/api/alerts/?room=101", &server.admin_token)
            .await;
        let all = all.as_array()?.clone();
        all.iter().all(|a| !a["ended_at"].is_null()).then_some(all)
    })
    .await;
    assert_eq!(ended.len(), 1, "one alert for the whole episode");
    let cleared: Value =
        serde_json::from_str(&listener.expect_message("hotel/alerts/gas").await).unwrap();
    assert_eq!(cleared["level"], "info");
    assert!(open_alerts(&server, "").await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn telegram_rate_limit_is_honoured_then_the_message_goes_through() {
    let bot = FakeBot::start().await;
    bot.plan(&[Reply::RateLimited(1)]);
    let server = TestServer::start_with(with_telegram(&bot)).await;
    let device = server.device("dev").await;
    device
        .publish("hotel/201/telemetry/json", gas("201", 3000.0))
        .await;

    let sent = eventually("sent after the rate limit", || async {
        notifications(&server)
            .await
            .into_iter()
            .find(|n| n["status"] == "sent")
    })
    .await;
    assert_eq!(sent["attempts"], 2);
    let requests = bot.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, 429);
    assert_eq!(requests[1].status, 200);
    assert!(
        requests[1].at.duration_since(requests[0].at) >= Duration::from_secs(1),
        "the retry waited for retry_after"
    );
    assert_eq!(
        server
            .metric(r#"hotel_notifications_total{channel="telegram",outcome="retried"}"#)
            .await,
        1.0
    );
    assert_eq!(
        server
            .metric(r#"hotel_notifications_total{channel="telegram",outcome="sent"}"#)
            .await,
        1.0
    );
    server.shutdown().await;
}

#[tokio::test]
async fn telegram_unauthorized_fails_once_visibly_and_alerting_goes_on() {
    let bot = FakeBot::start().await;
    bot.always(Reply::Unauthorized);
    let server = TestServer::start_with(with_telegram(&bot)).await;
    let device = server.device("dev").await;
    device
        .publish("hotel/301/telemetry/json", gas("301", 3000.0))
        .await;

    let failed = eventually("notification failed", || async {
        notifications(&server)
            .await
            .into_iter()
            .find(|n| n["status"] == "failed")
    })
    .await;
    assert_eq!(failed["attempts"], 1, "a 401 is not retried");
    let error = failed["last_error"].as_str().unwrap();
    assert!(error.contains("401"), "{error}");
    assert!(!error.contains(TOKEN), "the token never reaches an error");
    assert_eq!(bot.requests().len(), 1);
    assert_eq!(
        server
            .metric(r#"hotel_notifications_total{channel="telegram",outcome="failed"}"#)
            .await,
        1.0
    );

    // Alerting is not held up: a second room's alert is stored too.
    device
        .publish("hotel/302/telemetry/json", gas("302", 1600.0))
        .await;
    let alerts = eventually("second alert", || async {
        let a = open_alerts(&server, "&room=302").await;
        (!a.is_empty()).then_some(a)
    })
    .await;
    assert_eq!(alerts[0]["level"], "warning");
    server.shutdown().await;
}

#[tokio::test]
async fn unacknowledged_critical_alert_is_sent_again_until_acknowledged() {
    let bot = FakeBot::start().await;
    let server = TestServer::start_with(|c| {
        let mut c = with_telegram(&bot)(c);
        c.alerts.escalate_after = Duration::from_millis(300);
        c
    })
    .await;
    let device = server.device("dev").await;
    device
        .publish("hotel/401/telemetry/json", gas("401", 2600.0))
        .await;

    eventually("a reminder", || async {
        bot.requests()
            .iter()
            .any(|r| r.text.contains("not acknowledged"))
            .then_some(())
    })
    .await;
    let id = open_alerts(&server, "&room=401").await[0]["id"]
        .as_i64()
        .unwrap();

    let (status, acked) = server
        .post(
            &format!("/api/alerts/{id}/ack/"),
            &server.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["acknowledged_by"], "admin");
    assert!(acked["acknowledged_at"].is_string());
    let (status, _) = server
        .post("/api/alerts/999999/ack/", &server.admin_token, json!({}))
        .await;
    assert_eq!(status, 404);

    // A warning is never repeated: only critical alerts escalate.
    let warnings_before = bot.requests().len();
    device
        .publish("hotel/402/telemetry/json", gas("402", 1600.0))
        .await;
    eventually("warning sent once", || async {
        (bot.requests().len() > warnings_before).then_some(())
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn webhook_receives_the_alert_as_json() {
    let hook = FakeHook::start().await;
    let url = hook.url.clone();
    let server = TestServer::start_with(move |mut c| {
        c.notify.webhook = Some(url.into());
        c
    })
    .await;
    let device = server.device("dev").await;
    device
        .publish("hotel/501/telemetry/json", gas("501", 2800.0))
        .await;
    let body = eventually("webhook called", || async {
        hook.bodies().first().cloned()
    })
    .await;
    assert_eq!(body["room"], "501");
    assert_eq!(body["type"], "gas");
    assert_eq!(body["level"], "critical");
    assert!(body["text"].as_str().unwrap().contains("2800"));
    assert!(body["alert_id"].is_i64());
    server.shutdown().await;
}

#[tokio::test]
async fn thresholds_are_set_per_hotel_and_room_by_admins_only() {
    let server = TestServer::embedded().await;
    let token = &server.admin_token;
    let (status, hotel) = server.get("/api/alerts/thresholds/", token).await;
    assert_eq!(status, 200);
    assert_eq!(hotel["effective"]["gas_warning"], 1500.0);
    assert_eq!(hotel["effective"]["gas_critical"], 2500.0);

    let put = |path: &'static str, body: Value| {
        let server = &server;
        async move {
            let r = server
                .http
                .put(format!("{}{path}", server.base))
                .bearer_auth(&server.admin_token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = put("/api/alerts/thresholds/", json!({"gas_warning": 2600})).await;
    assert_eq!(status, 422, "warning above critical is refused: {body}");
    let (status, _) = put("/api/alerts/thresholds/", json!({"gas_warnin": 1000})).await;
    assert_eq!(status, 422, "unknown fields are refused");

    let device = server.device("dev").await;
    device
        .publish("hotel/601/telemetry/json", gas("601", 100.0))
        .await;
    device
        .publish("hotel/602/telemetry/json", gas("602", 100.0))
        .await;
    server
        .room_until("602", "rooms known", |r| r["gas_level"] == 100.0)
        .await;
    let (status, room) = put("/api/alerts/thresholds/601/", json!({"gas_warning": 1000})).await;
    assert_eq!(status, 200, "{room}");
    assert_eq!(room["effective"]["gas_warning"], 1000.0);
    assert_eq!(room["overrides"], json!({"gas_warning": 1000.0}));

    device
        .publish("hotel/601/telemetry/json", gas("601", 1200.0))
        .await;
    device
        .publish("hotel/602/telemetry/json", gas("602", 1200.0))
        .await;
    eventually("room 601 warned", || async {
        (!open_alerts(&server, "&room=601").await.is_empty()).then_some(())
    })
    .await;
    // 602 keeps the hotel's threshold. Messages of one client are handled in
    // order, so once 601's later recovery is seen, 602's readings were too.
    device
        .publish("hotel/602/telemetry/json", gas("602", 1300.0))
        .await;
    device
        .publish("hotel/601/telemetry/json", gas("601", 100.0))
        .await;
    eventually("room 601 cleared", || async {
        open_alerts(&server, "&room=601")
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    assert!(open_alerts(&server, "&room=602").await.is_empty());

    // A monitor reads but cannot change thresholds.
    let (status, _) = server
        .post(
            "/api/users/",
            token,
            json!({"username": "mon", "password": "a long monitor password", "role": "monitor"}),
        )
        .await;
    assert_eq!(status, 201);
    let mon = server
        .sign_in("mon", "a long monitor password")
        .await
        .unwrap();
    let (status, _) = server.get("/api/alerts/thresholds/601/", &mon).await;
    assert_eq!(status, 200);
    let r = server
        .http
        .put(format!("{}/api/alerts/thresholds/", server.base))
        .bearer_auth(&mon)
        .json(&json!({"gas_warning": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    server.shutdown().await;
}

#[tokio::test]
async fn offline_by_last_will_and_by_silence() {
    let server = TestServer::start_with(|mut c| {
        c.alerts.check_every = Duration::from_millis(50);
        c
    })
    .await;
    let device = server.device("dev").await;

    // Last will: offline at once, back when heard again.
    device.publish("hotel/701/heartbeat", "1").await;
    device.publish("hotel/701/status/online", "offline").await;
    let alert = eventually("offline by last will", || async {
        open_alerts(&server, "&room=701").await.into_iter().next()
    })
    .await;
    assert_eq!(alert["type"], "offline");
    assert!(alert["message"].as_str().unwrap().contains("last will"));
    device.publish("hotel/701/status/online", "online").await;
    eventually("back online", || async {
        open_alerts(&server, "&room=701")
            .await
            .is_empty()
            .then_some(())
    })
    .await;

    // Silence: a room whose offline time is 1 s.
    device.publish("hotel/702/heartbeat", "1").await;
    server.room_until("702", "room 702 known", |_| true).await;
    let r = server
        .http
        .put(format!("{}/api/alerts/thresholds/702/", server.base))
        .bearer_auth(&server.admin_token)
        .json(&json!({"offline_after_s": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let alert = eventually("offline by silence", || async {
        open_alerts(&server, "&room=702").await.into_iter().next()
    })
    .await;
    assert_eq!(alert["type"], "offline");
    assert!(alert["message"].as_str().unwrap().contains("silent"));
    device.publish("hotel/702/heartbeat", "1").await;
    eventually("heard again", || async {
        open_alerts(&server, "&room=702")
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn alert_list_filters_and_guest_access() {
    let server = TestServer::embedded().await;
    let device = server.device("dev").await;
    device
        .publish("hotel/801/telemetry/json", gas("801", 3000.0))
        .await;
    device
        .publish("hotel/802/telemetry/json", gas("802", 1600.0))
        .await;
    eventually("two alerts", || async {
        (open_alerts(&server, "").await.len() == 2).then_some(())
    })
    .await;
    let token = &server.admin_token;
    let (_, critical) = server.get("/api/alerts/?level=critical", token).await;
    assert_eq!(critical.as_array().unwrap().len(), 1);
    assert_eq!(critical[0]["room"], "801");
    let (_, none) = server.get("/api/alerts/?open=false", token).await;
    assert!(none.as_array().unwrap().is_empty());
    let (_, later) = server
        .get(&format!("/api/alerts/?from={}", now_s() + 3600), token)
        .await;
    assert_eq!(later.as_array().unwrap().len(), 2, "still open then");
    let (_, earlier) = server.get("/api/alerts/?to=1600000000", token).await;
    assert!(earlier.as_array().unwrap().is_empty());
    for bad in [
        "?level=severe",
        "?open=maybe",
        "?room=bad%20id",
        "?from=soon",
        "?limit=0",
    ] {
        let (status, _) = server.get(&format!("/api/alerts/{bad}"), token).await;
        assert_eq!(status, 422, "{bad}");
    }

    // A guest sees its own room's alerts only and cannot acknowledge.
    let (status, _) = server
        .post(
            "/api/users/",
            token,
            json!({"username": "g802", "password": "a long guest password", "role": "guest",
                   "room": "802", "expires_at": (now_s() + 86_400).to_string()}),
        )
        .await;
    assert_eq!(status, 201);
    let guest = server
        .sign_in("g802", "a long guest password")
        .await
        .unwrap();
    let (status, mine) = server.get("/api/alerts/", &guest).await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["room"], "802");
    let (status, _) = server.get("/api/alerts/?room=801", &guest).await;
    assert_eq!(status, 403);
    let id = mine[0]["id"].as_i64().unwrap();
    let (status, _) = server
        .post(&format!("/api/alerts/{id}/ack/"), &guest, json!({}))
        .await;
    assert_eq!(status, 403);
    let (status, _) = server.get("/api/notifications/", &guest).await;
    assert_eq!(status, 403);
    server.shutdown().await;
}
