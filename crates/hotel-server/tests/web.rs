//! The dashboard over plain HTTP: session cookie, CSRF, sign-in limits,
//! sign-out everywhere, account admin with its audit log, guest limits.

mod common;

use std::time::Duration;

use common::fake_bot::{CHAT_ID, FakeBot, TOKEN};
use common::{ADMIN_PASSWORD, TestServer, eventually, now_s};
use hotel_server::alert::notify::queue::RetryPolicy;
use hotel_server::alert::notify::telegram::TelegramConfig;
use hotel_server::server::{NotifySettings, ServerConfig};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

/// A browser-like client without redirects, holding its cookies by hand.
struct Visitor<'a> {
    server: &'a TestServer,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) -> Vec<String> {
        let raw: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for line in &raw {
            let (name, value) = line.split(';').next().unwrap().split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        raw
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let response = self
            .http
            .get(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap(), location)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Vec<String>) {
        let (status, set, _) = self.post_to(path, form).await;
        (status, set)
    }

    /// Posts a form; returns the status, the cookies set and where it leads.
    async fn post_to(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Vec<String>, Option<String>) {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+").replace('@', "%40")))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .http
            .post(format!("{}{path}", self.server.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let set = self.keep_cookies(&response);
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        (response.status(), set, location)
    }

    /// Signs in through the form; returns the page's CSRF token after.
    async fn sign_in(&mut self, user: &str, password: &str) -> StatusCode {
        let (_, page, _) = self.get("/login").await;
        let token = csrf_in(&page);
        self.post(
            "/login",
            &[("csrf", &token), ("username", user), ("password", password)],
        )
        .await
        .0
    }

    /// Reloads `path` until `check` holds for the page (or gives up).
    async fn page_until(&mut self, path: &str, check: impl Fn(&str) -> bool) -> String {
        for _ in 0..400 {
            let (status, html, _) = self.get(path).await;
            assert_eq!(status, 200, "{path}");
            if check(&html) {
                return html;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("gave up waiting for {path}");
    }

    async fn token(&mut self, page: &str) -> String {
        let (status, html, _) = self.get(page).await;
        assert_eq!(status, 200, "{page}");
        csrf_in(&html)
    }
}

/// Telegram at the local fake Bot API, quick retries and timers.
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
                max_attempts: 2,
                first_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_millis(100),
                max_retry_after: Duration::from_secs(1),
            },
        };
        c.alerts.check_every = Duration::from_millis(50);
        c
    }
}

/// The id in the first `/alerts/<id>/ack` form of a page.
fn ack_id_in(html: &str) -> Option<String> {
    let start = html.find(r#"action="/alerts/"#)? + 16;
    let len = html[start..].find('/')?;
    Some(html[start..start + len].to_owned())
}

async fn create_account(admin: &mut Visitor<'_>, form: &[(&str, &str)]) {
    let token = admin.token("/users").await;
    let mut fields = vec![("csrf", token.as_str())];
    fields.extend_from_slice(form);
    assert_eq!(admin.post("/users", &fields).await.0, StatusCode::SEE_OTHER);
}

fn csrf_in(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    html[start..start + 64].to_owned()
}

#[tokio::test]
async fn session_cookie_is_http_only_and_secure_only_over_https() {
    let server = TestServer::embedded().await;
    let mut v = Visitor::new(&server);
    let (status, page, _) = v.get("/login").await;
    assert_eq!(status, 200);
    let token = csrf_in(&page);

    let response = v
        .http
        .post(format!("{}/login", server.base))
        .header(COOKIE, v.cookie_header())
        .header("x-forwarded-proto", "https")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={token}&username=admin&password={}",
            ADMIN_PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = v.keep_cookies(&response);
    let session = set
        .iter()
        .find(|c| c.starts_with("hotel_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(session.contains("; Secure"), "Secure over HTTPS: {session}");
    assert!(
        !session.contains(ADMIN_PASSWORD),
        "the cookie holds no credential"
    );

    // Plain HTTP: not Secure. And `/` leads to the overview once signed in.
    let mut plain = Visitor::new(&server);
    assert_eq!(
        plain.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let session = plain
        .cookies
        .iter()
        .find(|(k, _)| k == "hotel_session")
        .unwrap();
    assert!(!session.1.is_empty());
    assert_eq!(plain.get("/").await.2.as_deref(), Some("/rooms"));
    assert_eq!(
        Visitor::new(&server).get("/").await.2.as_deref(),
        Some("/login")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_for_form_and_api() {
    let server = TestServer::embedded().await;
    let mut v = Visitor::new(&server);
    for _ in 0..5 {
        assert_eq!(
            v.sign_in("admin", "not the password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        v.sign_in("admin", ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let response = server
        .http
        .post(format!("{}/api/auth/token", server.base))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    server.shutdown().await;
}

#[tokio::test]
async fn admin_actions_are_audited_and_take_effect_at_once() {
    let server = TestServer::embedded().await;
    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let token = admin.token("/users").await;
    let (status, _) = admin
        .post(
            "/users",
            &[
                ("csrf", &token),
                ("username", "desk"),
                ("password", "front desk pass 1"),
                ("role", "monitor"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The monitor signs in on the web and over the API.
    let mut desk = Visitor::new(&server);
    assert_eq!(
        desk.sign_in("desk", "front desk pass 1").await,
        StatusCode::SEE_OTHER
    );
    let api = server.sign_in("desk", "front desk pass 1").await.unwrap();
    assert_eq!(desk.get("/rooms").await.0, 200);
    assert_eq!(
        desk.get("/users").await.0,
        403,
        "monitors manage no accounts"
    );

    // Sign-out everywhere ends the API token too.
    let desk_token = desk.token("/rooms").await;
    let mut other_desk = Visitor::new(&server);
    other_desk.sign_in("desk", "front desk pass 1").await;
    assert_eq!(
        desk.post("/logout/everywhere", &[("csrf", &desk_token)])
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(server.get("/api/rooms/", &api).await.0, 401);
    assert_eq!(
        other_desk.get("/rooms").await.2.as_deref(),
        Some("/login?next=/rooms")
    );

    // Disabling stops a fresh session at once.
    desk.sign_in("desk", "front desk pass 1").await;
    assert_eq!(desk.get("/rooms").await.0, 200);
    let token = admin.token("/users").await;
    admin.post("/users/desk/disable", &[("csrf", &token)]).await;
    assert_ne!(desk.get("/rooms").await.0, 200);
    assert_eq!(
        desk.sign_in("desk", "front desk pass 1").await,
        StatusCode::UNAUTHORIZED
    );
    admin.post("/users/desk/delete", &[("csrf", &token)]).await;

    let (_, audit, _) = admin.get("/audit").await;
    for action in ["user.create", "user.disable", "user.delete"] {
        assert!(audit.contains(action), "{action} is in the audit log");
    }
    assert!(!audit.contains("front desk pass"), "no password in the log");
    server.shutdown().await;
}

#[tokio::test]
async fn guest_limits_bound_the_target_on_every_path() {
    let server = TestServer::embedded().await;
    let device = server.device("limits").await;
    device
        .publish(
            "hotel/101/telemetry/json",
            common::json_telemetry("101", 21.0),
        )
        .await;
    server
        .room_until("101", "room 101", |r| r["temperature"] == 21.0)
        .await;

    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let token = admin.token("/users").await;
    let (status, _) = admin
        .post(
            "/users",
            &[
                ("csrf", &token),
                ("username", "guest101"),
                ("password", "guest pass phrase 1"),
                ("role", "guest"),
                ("room", "101"),
                ("checkout", "2099-01-01T11:00"),
                ("target_min", "20"),
                ("target_max", "24"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let api = server
        .sign_in("guest101", "guest pass phrase 1")
        .await
        .unwrap();
    let (status, _) = server
        .post("/api/room/101/set_target/", &api, json!({"target": 26}))
        .await;
    assert_eq!(status, 422, "above the guest's limit");
    let (status, _) = server
        .post("/api/room/101/set_target/", &api, json!({"target": 23}))
        .await;
    assert_eq!(status, 202);

    let mut guest = Visitor::new(&server);
    guest.sign_in("guest101", "guest pass phrase 1").await;
    let token = guest.token("/rooms/101").await;
    let (status, _) = guest
        .post(
            "/rooms/101/control",
            &[("csrf", &token), ("kind", "target"), ("value", "19")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = guest.get("/rooms/101?failed=limit").await;
    assert!(page.contains("outside the limits"));
    let (_, commands) = server
        .get("/api/room/101/commands/", &server.admin_token)
        .await;
    assert_eq!(
        commands.as_array().unwrap().len(),
        1,
        "only the allowed target was sent"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn gas_alert_reaches_the_notification_centre_and_is_acknowledged_by_form() {
    let bot = FakeBot::start().await;
    let server = TestServer::start_with(with_telegram(&bot)).await;
    let device = server.device("gas-101").await;
    let gas = |level: f64| {
        format!(
            r#"{{"room":"101","timestamp":{},"sensors":{{"gas_level":{level}}}}}"#,
            now_s()
        )
    };
    device.publish("hotel/101/telemetry/json", gas(120.0)).await;
    server
        .room_until("101", "room 101 known", |r| r["gas_level"] == 120.0)
        .await;
    device
        .publish("hotel/101/telemetry/json", gas(2710.0))
        .await;

    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin
        .page_until("/alerts", |html| ack_id_in(html).is_some())
        .await;
    let id = ack_id_in(&page).unwrap();
    assert!(page.contains(r#"href="/rooms/101""#), "the room is named");
    assert!(page.contains("Gas") && page.contains("critical"));

    // The overview marks the room in text and lists it first.
    let (_, overview, _) = admin.get("/rooms").await;
    assert!(overview.contains("Open alert: Gas"));
    // The room page lists it in the room's alert history.
    let (_, room, _) = admin.get("/rooms/101").await;
    assert!(room.contains("Alert history") && room.contains("Gas"));

    // Without the token: refused, nothing recorded.
    let path = format!("/alerts/{id}/ack");
    assert_eq!(admin.post(&path, &[]).await.0, StatusCode::FORBIDDEN);
    let (_, alert) = server
        .get("/api/alerts/?room=101", &server.admin_token)
        .await;
    assert_eq!(alert[0]["acknowledged_by"], serde_json::Value::Null);

    let token = csrf_in(&page);
    let (status, _, location) = admin.post_to(&path, &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/alerts?acked=1"));
    let (_, alert) = server
        .get("/api/alerts/?room=101", &server.admin_token)
        .await;
    assert_eq!(alert[0]["acknowledged_by"], "admin");
    let (_, page, _) = admin.get("/alerts?acked=1").await;
    assert!(page.contains("Alert acknowledged."));
    assert_eq!(ack_id_in(&page), None, "no button once acknowledged");

    // The alert's Telegram notification is listed with its delivery.
    admin
        .page_until("/alerts", |html| html.contains(r#"data-status="sent""#))
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn notification_settings_are_for_admins_and_the_test_reaches_the_bot() {
    let bot = FakeBot::start().await;
    let server = TestServer::start_with(with_telegram(&bot)).await;
    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    create_account(
        &mut admin,
        &[
            ("username", "desk"),
            ("password", "front desk pass 1"),
            ("role", "monitor"),
        ],
    )
    .await;
    create_account(
        &mut admin,
        &[
            ("username", "guest101"),
            ("password", "guest pass phrase 1"),
            ("role", "guest"),
            ("room", "101"),
            ("checkout", "2099-01-01T11:00"),
        ],
    )
    .await;

    let mut desk = Visitor::new(&server);
    desk.sign_in("desk", "front desk pass 1").await;
    assert_eq!(desk.get("/notifications").await.0, 403);
    assert_eq!(desk.get("/alerts").await.0, 200, "staff see the centre");
    let token = desk.token("/alerts").await;
    assert_eq!(
        desk.post("/notifications/test", &[("csrf", &token)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let mut guest = Visitor::new(&server);
    guest.sign_in("guest101", "guest pass phrase 1").await;
    assert_eq!(guest.get("/notifications").await.0, 403);
    let (status, _, location) = guest.get("/alerts").await;
    assert!(status.is_redirection(), "{status}");
    assert_ne!(location.as_deref(), Some("/alerts"));
    assert_eq!(
        guest.get("/rooms/102").await.0,
        403,
        "no other room's page, nor its alerts"
    );
    assert!(bot.requests().is_empty(), "nothing sent by them");

    let (status, page, _) = admin.get("/notifications").await;
    assert_eq!(status, 200);
    assert!(page.contains(CHAT_ID), "the chat id is shown");
    assert!(!page.contains(TOKEN), "never the token");
    assert_eq!(
        admin.post("/notifications/test", &[]).await.0,
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert!(bot.requests().is_empty());
    let token = csrf_in(&page);
    let (status, _, location) = admin
        .post_to("/notifications/test", &[("csrf", &token)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(location.starts_with("/notifications?test="), "{location}");

    let request = eventually("the test message at the fake Bot API", || async {
        bot.requests().into_iter().next()
    })
    .await;
    assert!(request.path_ok && request.invalid.is_none(), "{request:?}");
    assert_eq!(request.chat_id.to_string(), CHAT_ID);
    assert!(request.text.contains("test message"), "{}", request.text);
    admin
        .page_until(&location, |html| html.contains(r#"data-status="sent""#))
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn admins_set_thresholds_in_the_dashboard_and_they_take_effect() {
    let server = TestServer::embedded().await;
    let device = server.device("thresholds").await;
    device
        .publish(
            "hotel/101/telemetry/json",
            common::json_telemetry("101", 21.0),
        )
        .await;
    server
        .room_until("101", "room 101", |r| r["temperature"] == 21.0)
        .await;
    let hotel_api = "/api/alerts/thresholds/";
    let room_api = "/api/alerts/thresholds/101/";

    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let token = admin.token("/thresholds").await;

    // The hotel's values: an empty field inherits.
    let (status, _, location) = admin
        .post_to(
            "/thresholds",
            &[
                ("csrf", &token),
                ("gas_warning", "1200"),
                ("gas_critical", ""),
                ("offline_after_s", "120"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/thresholds?saved=1"));
    let (_, view) = server.get(hotel_api, &server.admin_token).await;
    assert_eq!(
        view["overrides"],
        json!({"gas_warning": 1200.0, "offline_after_s": 120})
    );
    assert_eq!(view["effective"]["gas_critical"], 2500.0);
    let (_, page, _) = admin.get("/thresholds?saved=1").await;
    assert!(page.contains("Thresholds saved"));
    assert!(
        page.contains(r#"<a href="/thresholds" aria-current="page">Thresholds</a>"#),
        "the menu leads here and marks it"
    );
    assert!(
        page.contains(r#"<a href="/alerts">← Alerts</a>"#),
        "the back link names the page as the menu does"
    );
    assert!(
        page.contains(r#"data-confirm="Clear every value set here?"#),
        "clearing asks first"
    );
    assert!(page.contains(r#"name="gas_warning" type="number""#));
    assert!(
        page.contains(r#"value="1200""#),
        "the stored value is shown"
    );

    // Contradicting values and non-numbers are refused with the reason,
    // keep what was typed, and change nothing.
    for (field, text, reason) in [
        ("gas_warning", "3000", "must be below the critical level"),
        (
            "offline_after_s",
            "1.5",
            "must be a number of the right kind",
        ),
        (
            "humidity_max_pct",
            "wet",
            "must be a number of the right kind",
        ),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/thresholds", server.base))
            .header(COOKIE, admin.cookie_header())
            .form(&[("csrf", token.as_str()), (field, text)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field}={text}");
        let page = response.text().await.unwrap();
        assert!(page.contains(reason), "{field}={text}");
        assert!(page.contains(&format!(r#"value="{text}""#)), "{field} kept");
    }
    let (_, after) = server.get(hotel_api, &server.admin_token).await;
    assert_eq!(after["overrides"], view["overrides"], "nothing changed");

    // A room's own value wins over the hotel's for that room only, and the
    // alert rules use it from the next reading.
    let (status, _, location) = admin
        .post_to(
            "/thresholds/101",
            &[("csrf", &token), ("temperature_max_c", "24")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/thresholds/101?saved=1"));
    let (_, room) = server.get(room_api, &server.admin_token).await;
    assert_eq!(room["effective"]["temperature_max_c"], 24.0);
    assert_eq!(room["effective"]["gas_warning"], 1200.0, "inherited");
    let (_, hotel) = server.get(hotel_api, &server.admin_token).await;
    assert_eq!(hotel["effective"]["temperature_max_c"], 30.0);
    assert_eq!(hotel["rooms_with_overrides"], json!(["101"]));
    device
        .publish(
            "hotel/101/telemetry/json",
            common::json_telemetry("101", 26.0),
        )
        .await;
    eventually("a temperature alert for room 101", || async {
        let (_, alerts) = server
            .get("/api/alerts/?room=101&open=true", &server.admin_token)
            .await;
        alerts
            .as_array()?
            .iter()
            .any(|a| a["type"] == "temperature")
            .then_some(())
    })
    .await;

    // Clearing the room's form removes its values.
    let (status, _) = admin.post("/thresholds/101", &[("csrf", &token)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, room) = server.get(room_api, &server.admin_token).await;
    assert_eq!(room["overrides"], json!({}));
    assert_eq!(room["effective"]["temperature_max_c"], 30.0);

    // Every change is in the audit log.
    let (_, audit, _) = admin.get("/audit").await;
    assert_eq!(audit.matches("thresholds.set").count(), 3);

    // A monitor reads them but cannot change them; an unknown room is 404.
    create_account(
        &mut admin,
        &[
            ("username", "desk"),
            ("password", "front desk pass 1"),
            ("role", "monitor"),
        ],
    )
    .await;
    let mut desk = Visitor::new(&server);
    desk.sign_in("desk", "front desk pass 1").await;
    let (status, page, _) = desk.get("/thresholds").await;
    assert_eq!(status, 200);
    assert!(page.contains("Only administrators can change thresholds."));
    let (_, rooms, _) = desk.get("/rooms").await;
    assert!(
        rooms.contains(r#"<a href="/thresholds">Thresholds</a>"#),
        "monitors find the thresholds in the menu"
    );
    assert!(!page.contains("Save thresholds"));
    let desk_token = csrf_in(&page);
    let (status, _) = desk
        .post(
            "/thresholds",
            &[("csrf", &desk_token), ("gas_warning", "10")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, still) = server.get(hotel_api, &server.admin_token).await;
    assert_eq!(still["overrides"], view["overrides"]);
    assert_eq!(desk.get("/thresholds/999").await.0, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn staff_set_occupancy_and_flags_on_the_room_page_and_read_heating_hours() {
    let server = TestServer::start_with(|mut c| {
        c.automation.check_every = Duration::from_millis(50);
        c
    })
    .await;
    let mut device = server.device("dev-105").await;
    device.subscribe("hotel/105/control/#").await;
    // Two days ago, UTC midnight: heating from 01:00 to 01:10.
    let day = (now_s() / 86_400 - 2) * 86_400;
    for (ts, on) in [(day + 3_600, true), (day + 4_200, false)] {
        device
            .publish(
                "hotel/105/telemetry/json",
                format!(r#"{{"room":"105","timestamp":{ts},"state":{{"heating":{on}}}}}"#),
            )
            .await;
    }
    server
        .room_until("105", "room 105 heard", |r| r["heating"] == false)
        .await;

    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let (_, page, _) = admin.get("/rooms/105").await;
    assert!(page.contains(r#"action="/rooms/105/occupancy""#));
    let token = csrf_in(&page);

    // Vacant: the automation sends the eco target, as for the API.
    let (status, _, location) = admin
        .post_to(
            "/rooms/105/occupancy",
            &[("csrf", &token), ("state", "vacant"), ("check_in", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/rooms/105?sent=occupancy#stay"));
    let target = device
        .expect_message("hotel/105/control/target_temperature")
        .await;
    assert_eq!(target, "17.0");
    let (_, page, _) = admin.get("/rooms/105?sent=occupancy").await;
    assert!(page.contains("Occupancy saved"));
    assert!(page.contains(r#"<option value="vacant" selected>"#));

    // A state that does not exist, or a check-in that is no time, changes
    // nothing.
    let (_, _, location) = admin
        .post_to(
            "/rooms/105/occupancy",
            &[("csrf", &token), ("state", "party")],
        )
        .await;
    assert_eq!(
        location.as_deref(),
        Some("/rooms/105?failed=occupancy#stay")
    );
    let (_, _, location) = admin
        .post_to(
            "/rooms/105/occupancy",
            &[("csrf", &token), ("state", "booked"), ("check_in", "soon")],
        )
        .await;
    assert_eq!(location.as_deref(), Some("/rooms/105?failed=check_in#stay"));
    let (_, room) = server.get("/api/room/105/", &server.admin_token).await;
    assert_eq!(room["occupancy"], "vacant");

    // Flags: a ticked box sets, an unticked one clears.
    let (status, _) = admin
        .post(
            "/rooms/105/flags",
            &[("csrf", &token), ("do_not_disturb", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, room) = server.get("/api/room/105/", &server.admin_token).await;
    assert_eq!(room["do_not_disturb"], true);
    assert_eq!(room["make_up_room"], false);

    // The energy view: ten minutes of heating on that day, vacant now.
    let first = jiff::Timestamp::from_second(day - 86_400).unwrap();
    let path = format!(
        "/energy?from={}&to={}",
        first.strftime("%Y-%m-%d"),
        jiff::Timestamp::from_second(day)
            .unwrap()
            .strftime("%Y-%m-%d")
    );
    let page = admin
        .page_until(&path, |html| html.contains(r#"data-total="0.17""#))
        .await;
    assert!(page.contains(r#"<tr data-room="105">"#));
    assert!(page.contains("vacant"));
    // The first day is before the server's first heating reading: no data,
    // not "0.0 h", and the average covers the one day with data.
    assert_eq!(
        page.matches("no data").count(),
        2,
        "the room's and the total's"
    );
    assert!(!page.contains("0.0 h"));
    assert!(page.contains("vacant · 1 room<"));
    assert!(page.contains("0.2 h a day"));
    for bad in [
        "/energy?from=yesterday",
        "/energy?from=2024-01-01&to=2024-03-01",
    ] {
        assert_eq!(admin.get(bad).await.0, 400, "{bad}");
    }

    // A guest of the room sets neither and sees no energy view.
    create_account(
        &mut admin,
        &[
            ("username", "guest105"),
            ("password", "guest pass phrase 1"),
            ("role", "guest"),
            ("room", "105"),
            ("checkout", "2099-01-01T11:00"),
        ],
    )
    .await;
    let mut guest = Visitor::new(&server);
    guest.sign_in("guest105", "guest pass phrase 1").await;
    let (_, page, _) = guest.get("/rooms/105").await;
    assert!(!page.contains("/rooms/105/occupancy"));
    let guest_token = csrf_in(&page);
    let (status, _) = guest
        .post("/rooms/105/flags", &[("csrf", &guest_token)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(guest.get("/energy").await.0, 403);
    let (_, room) = server.get("/api/room/105/", &server.admin_token).await;
    assert_eq!(room["do_not_disturb"], true, "unchanged");
    server.shutdown().await;
}

#[tokio::test]
async fn gas_levels_of_zero_or_below_are_refused_by_form_and_api() {
    let server = TestServer::embedded().await;
    let hotel_api = "/api/alerts/thresholds/";
    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let token = admin.token("/thresholds").await;
    let (_, before) = server.get(hotel_api, &server.admin_token).await;

    // The form: the reason, what was typed kept, nothing saved.
    for (field, text) in [
        ("gas_warning", "-5"),
        ("gas_warning", "-0"),
        ("gas_warning", "0"),
        ("gas_critical", "-1"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/thresholds", server.base))
            .header(COOKIE, admin.cookie_header())
            .form(&[("csrf", token.as_str()), (field, text)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{field}={text}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Gas warning and critical levels must be above 0"),
            "{field}={text}"
        );
        assert!(page.contains(&format!(r#"value="{text}""#)), "{field} kept");
    }

    // The API: refused with the reason, nothing saved.
    for body in [
        json!({ "gas_warning": -5.0 }),
        json!({ "gas_warning": -0.0 }),
        json!({ "gas_warning": 0 }),
        json!({ "gas_critical": -2500 }),
    ] {
        let (status, reply) = server
            .put(hotel_api, &server.admin_token, body.clone())
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            reply.to_string().contains("must be above 0"),
            "{body}: {reply}"
        );
    }
    let (_, after) = server.get(hotel_api, &server.admin_token).await;
    assert_eq!(after["overrides"], before["overrides"], "nothing saved");
    assert_eq!(after["effective"], before["effective"]);

    // A positive level still saves.
    let (status, _) = server
        .put(
            hotel_api,
            &server.admin_token,
            json!({ "gas_warning": 0.5 }),
        )
        .await;
    assert_eq!(status, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn fan_select_offers_every_sendable_speed_with_the_rooms_preselected() {
    let server = TestServer::embedded().await;
    let device = server.device("fan").await;
    let mut admin = Visitor::new(&server);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let fan_select = |page: &str| {
        let start = page
            .find(r#"<select id="fan-value""#)
            .expect("a fan select");
        let end = start + page[start..].find("</select>").unwrap();
        page[start..end].to_owned()
    };

    // A speed that can be sent is preselected, with no placeholder.
    let report = |speed: &str| {
        format!(
            r#"{{"room":"101","timestamp":{},"sensors":{{"temperature":21.0}},"state":{{"fan_speed":"{speed}"}}}}"#,
            now_s()
        )
    };
    device
        .publish("hotel/101/telemetry/json", report("medium"))
        .await;
    server
        .room_until("101", "fan medium", |r| r["fan_speed"] == "medium")
        .await;
    let page = admin
        .page_until("/rooms/101", |p| p.contains(r#"value="medium" selected"#))
        .await;
    let select = fan_select(&page);
    assert!(select.contains(" required"), "{select}");
    let values: Vec<&str> = select
        .split(r#"<option value=""#)
        .skip(1)
        .map(|o| o.split('"').next().unwrap())
        .collect();
    assert_eq!(values, ["low", "medium", "high"], "what the command takes");
    assert_eq!(select.matches(" selected").count(), 1, "{select}");

    // `off` cannot be sent: the select says so and preselects nothing that
    // would send a speed the room is not at.
    device
        .publish("hotel/101/telemetry/json", report("off"))
        .await;
    server
        .room_until("101", "fan off", |r| r["fan_speed"] == "off")
        .await;
    let page = admin
        .page_until("/rooms/101", |p| fan_select(p).contains("Now: off"))
        .await;
    let select = fan_select(&page);
    assert!(
        select.contains(r#"<option value="" selected>Now: off</option>"#),
        "{select}"
    );
    assert_eq!(select.matches(" selected").count(), 1, "{select}");
    assert!(!select.contains(r#"value="off""#), "off is never sent");

    // Posting the empty placeholder is refused, not sent as some speed.
    let token = admin.token("/rooms/101").await;
    let (status, _, location) = admin
        .post_to(
            "/rooms/101/control",
            &[("csrf", &token), ("kind", "fan"), ("value", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/rooms/101?failed=range#controls")
    );
    server.shutdown().await;
}
