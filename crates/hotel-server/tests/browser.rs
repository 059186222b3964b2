//! Browser tests of the staff dashboard in headless Chromium, driven over
//! WebDriver (`chromedriver`, spawned on a free loopback port).
//!
//! Without `chromedriver` each test prints a skip notice, unless
//! `HOTEL_REQUIRE_SERVICES=1` (CI), where it fails. Screenshots of every page
//! in both themes at desktop and phone widths go to
//! `<target>/screenshots/`.

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use common::fake_bot::{CHAT_ID, FakeBot, Reply, TOKEN};
use common::{PATIENCE, TestServer, eventually, free_port};
use fantoccini::{Client, ClientBuilder, Locator};
use hotel_server::alert::notify::telegram::TelegramConfig;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// A headless Chromium behind its own chromedriver; both end on drop.
struct Browser {
    client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("HOTEL_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "chromium and chromium-driver must be installed when HOTEL_REQUIRE_SERVICES=1"
        );
        eprintln!("skipped: apt-get install chromium chromium-driver to run the browser tests");
        return None;
    }
    found
}

impl Browser {
    async fn start() -> Option<Browser> {
        let driver_path = chromedriver()?;
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let client = eventually("chromedriver answers", || {
            let caps = caps.clone();
            let url = url.clone();
            async move {
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps)
                    .connect(&url)
                    .await
                    .ok()
            }
        })
        .await;
        Some(Browser {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until the element's text satisfies `check`.
    async fn text_until(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        eventually(what, || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            let text = el.text().await.ok()?;
            check(&text).then_some(text)
        })
        .await
    }

    async fn attr_until(&self, css: &str, attr: &str, want: &str) {
        eventually(&format!("{css} [{attr}={want}]"), || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            (el.attr(attr).await.ok()??.as_str() == want).then_some(())
        })
        .await;
    }

    async fn sign_in(&self, base: &str, user: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        let c = &self.client;
        c.find(Locator::Id("username"))
            .await
            .unwrap()
            .send_keys(user)
            .await
            .unwrap();
        c.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        c.find(Locator::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        eventually("signed in", || async {
            let url = c.current_url().await.ok()?;
            (!url.path().starts_with("/login")).then_some(())
        })
        .await;
    }

    async fn session_cookie(&self) -> String {
        self.client
            .get_named_cookie("hotel_session")
            .await
            .unwrap()
            .value()
            .to_owned()
    }

    async fn screenshot(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots")
}

fn telemetry(room: &str, temperature: f64, target: f64) -> String {
    format!(
        r#"{{"room":"{room}","sensors":{{"temperature":{temperature},"humidity":41.0,"light_percent":55,"gas_level":120,"target_temp":{target}}},"state":{{"thermostat_mode":"auto","fan_speed":"low","heating":true}}}}"#
    )
}

async fn rooms_reporting(server: &TestServer, rooms: &[&str]) -> common::Device {
    let device = server.device("browser-test").await;
    for room in rooms {
        device
            .publish(
                &format!("hotel/{room}/telemetry/json"),
                telemetry(room, 21.0, 22.0),
            )
            .await;
    }
    for room in rooms {
        server
            .room_until(room, "room reported", |r| r["temperature"] == 21.0)
            .await;
    }
    device
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_sees_live_values_and_controls_reach_the_device() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let mut device = rooms_reporting(&server, &["101", "102"]).await;
    device.subscribe("hotel/101/control/#").await;

    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    let path = browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_owned();
    assert_eq!(path, "/rooms", "staff land on the rooms overview");
    assert!(
        browser
            .text("#room-101 [data-f=temperature]")
            .await
            .starts_with("21.0")
    );

    // A real publish changes the card without a reload.
    browser
        .client
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    device
        .publish("hotel/101/telemetry/json", telemetry("101", 23.7, 22.0))
        .await;
    browser
        .text_until("#room-101 [data-f=temperature]", "live 23.7 °C", |t| {
            t == "23.7 °C"
        })
        .await;
    let same_page = browser
        .client
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same_page, Value::Bool(true), "the page was not reloaded");

    // A control goes out on the device topic, then the device's report
    // acknowledges it.
    browser.goto(&format!("{}/rooms/101", server.base)).await;
    let input = browser
        .client
        .wait()
        .for_element(Locator::Id("target-value"))
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys("24.5").await.unwrap();
    browser
        .client
        .find(Locator::Css("form[data-kind=target] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let payload = device
        .expect_message("hotel/101/control/target_temperature")
        .await;
    assert_eq!(payload, "24.5");
    browser
        .attr_until("form[data-kind=target] output", "data-state", "sent")
        .await;
    device
        .publish("hotel/101/telemetry/json", telemetry("101", 23.7, 24.5))
        .await;
    browser
        .attr_until("form[data-kind=target] output", "data-state", "ack")
        .await;
    // The command history names who sent what.
    browser.goto(&format!("{}/rooms/101", server.base)).await;
    let history = browser.text("#commands table").await;
    assert!(history.contains("admin") && history.contains("24.5"));

    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_sees_only_its_room() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let _device = rooms_reporting(&server, &["101", "102"]).await;
    let checkout = common::now_s() + 86_400;
    let (status, _) = server
        .post(
            "/api/users/",
            &server.admin_token,
            json!({"username": "guest101", "password": "guest pass phrase 1",
                   "role": "guest", "room": "101", "expires_at": checkout.to_string()}),
        )
        .await;
    assert_eq!(status, 201);

    browser
        .sign_in(&server.base, "guest101", "guest pass phrase 1")
        .await;
    let path = browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_owned();
    assert_eq!(path, "/rooms/101", "a guest lands in its room");

    browser.goto(&format!("{}/rooms/102", server.base)).await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    browser.goto(&format!("{}/rooms", server.base)).await;
    let path = browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_owned();
    assert_eq!(path, "/rooms/101", "the overview sends a guest to its room");
    assert!(
        browser.client.find(Locator::Id("room-102")).await.is_err(),
        "no other room is shown"
    );

    // The same over HTTP, with the guest's session cookie.
    let cookie = browser.session_cookie().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/rooms/102",
        "/rooms/102/history.json",
        "/dashboards/health",
        "/users",
    ] {
        let status = http
            .get(format!("{}{path}", server.base))
            .header("cookie", format!("hotel_session={cookie}"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "{path}");
    }

    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_without_the_csrf_token_are_refused() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let mut device = rooms_reporting(&server, &["101"]).await;
    device.subscribe("hotel/101/control/#").await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;

    // A form whose token was removed, submitted by the browser.
    browser.goto(&format!("{}/rooms/101", server.base)).await;
    browser
        .client
        .execute(
            "const f = document.querySelector('form[data-kind=fan]');
             f.querySelector('input[name=csrf]').remove();
             HTMLFormElement.prototype.submit.call(f);",
            vec![],
        )
        .await
        .unwrap();
    browser
        .text_until("h1", "refusal page", |t| t == "Not allowed")
        .await;

    // Over HTTP: with the session cookie but no token, or a wrong one: 403.
    let cookie = browser.session_cookie().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for body in ["kind=fan&value=high", "kind=fan&value=high&csrf=00"] {
        let status = http
            .post(format!("{}/rooms/101/control", server.base))
            .header("cookie", format!("hotel_session={cookie}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 403, "{body}");
    }
    let status = http
        .post(format!("{}/login", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&password=x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403, "sign-in without a token");

    // Nothing reached the device: the first fan command it sees is the
    // one sent afterwards with a token.
    let (status, _) = server
        .post(
            "/api/room/101/set_fan_speed/",
            &server.admin_token,
            json!({"speed": "medium"}),
        )
        .await;
    assert_eq!(status, 202);
    let first = device.expect_message("hotel/101/control/fan_speed").await;
    assert_eq!(first, "medium", "the refused posts published nothing");

    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn screenshots_of_every_page_in_both_themes() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    // Telegram at the local fake, refusing, so a failed delivery shows.
    let bot = FakeBot::start().await;
    bot.always(Reply::Unauthorized);
    let api_url = bot.base.clone();
    let server = TestServer::start_with(move |mut c| {
        c.notify.telegram = Some(TelegramConfig {
            api_url,
            token: TOKEN.to_owned().into(),
            chat_id: CHAT_ID.to_owned(),
        });
        c
    })
    .await;
    let rooms = ["101", "102", "103", "201", "202", "203", "301", "302"];
    let device = rooms_reporting(&server, &rooms).await;
    device.publish("hotel/302/status/online", "offline").await;
    server
        .room_until("302", "room 302 offline", |r| r["online"] == false)
        .await;
    // An open critical alert in 203, and one that ended in 103.
    let gas = |room: &str, level: f64| {
        format!(
            r#"{{"room":"{room}","timestamp":{},"sensors":{{"gas_level":{level}}}}}"#,
            common::now_s()
        )
    };
    device
        .publish("hotel/203/telemetry/json", gas("203", 2710.0))
        .await;
    device
        .publish("hotel/103/telemetry/json", gas("103", 1600.0))
        .await;
    device
        .publish("hotel/103/telemetry/json", gas("103", 900.0))
        .await;
    eventually("alerts raised and ended", || async {
        let (_, all) = server.get("/api/alerts/", &server.admin_token).await;
        let all = all.as_array()?.clone();
        let open = all.iter().any(|a| a["room"] == "203");
        let ended = all
            .iter()
            .any(|a| a["room"] == "103" && !a["ended_at"].is_null());
        (open && ended).then_some(())
    })
    .await;
    let pages = [
        ("login", "/login"),
        ("rooms", "/rooms"),
        ("room", "/rooms/101"),
        ("sensors", "/dashboards/sensors"),
        ("health", "/dashboards/health"),
        ("mqtt", "/dashboards/mqtt"),
        ("users", "/users"),
        ("audit", "/audit"),
        ("alerts", "/alerts"),
        ("notifications", "/notifications"),
        ("thresholds", "/thresholds"),
        ("energy", "/energy"),
        ("room-thresholds", "/thresholds/101"),
    ];
    browser.goto(&format!("{}/login", server.base)).await;
    for theme in ["light", "dark"] {
        browser
            .client
            .execute(
                &format!("document.cookie = 'hotel_theme={theme}; Path=/';"),
                vec![],
            )
            .await
            .unwrap();
        for (width_name, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            browser.client.set_window_size(w, h).await.unwrap();
            for (name, path) in pages {
                if name == "login" {
                    let _ = browser.client.delete_cookie("hotel_session").await;
                } else if browser
                    .client
                    .get_named_cookie("hotel_session")
                    .await
                    .is_err()
                {
                    browser
                        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
                        .await;
                }
                browser.goto(&format!("{}{path}", server.base)).await;
                let title = browser.text("h1").await;
                assert!(!title.is_empty(), "{path} has a heading");
                // Every chart is drawn (or says why not) before the picture.
                eventually(&format!("charts of {path} drawn"), || async {
                    let empty = browser
                        .client
                        .execute(
                            "return document.querySelectorAll('.plot:empty').length;",
                            vec![],
                        )
                        .await
                        .ok()?;
                    (empty == json!(0)).then_some(())
                })
                .await;
                browser
                    .screenshot(&format!("{name}-{theme}-{width_name}"))
                    .await;
            }
        }
    }
    let count = std::fs::read_dir(screenshot_dir()).unwrap().count();
    assert!(count >= pages.len() * 4);

    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_centre_tells_of_a_new_alert_live() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let device = rooms_reporting(&server, &["101"]).await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/alerts", server.base)).await;
    assert!(browser.text("#open-h + p").await.contains("No open alerts"));
    browser.attr_until("body", "data-live", "on").await;

    let gas = format!(
        r#"{{"room":"101","timestamp":{},"sensors":{{"gas_level":2710}}}}"#,
        common::now_s()
    );
    device.publish("hotel/101/telemetry/json", gas).await;
    let text = browser
        .text_until("#alert-feed", "the new alert announced", |t| {
            t.contains("room 101")
        })
        .await;
    assert!(text.contains("critical"), "{text}");
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn live_updates_show_occupancy_and_flags_as_the_server_renders_them() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let _device = rooms_reporting(&server, &["103"]).await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    let token = server.admin_token.clone();
    let set_occupancy = |state: &'static str| {
        let server = &server;
        let token = token.clone();
        async move {
            let (status, body) = server
                .put(
                    "/api/room/103/occupancy/",
                    &token,
                    json!({ "state": state }),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };

    // The room page: each occupancy word as the server writes it.
    browser.goto(&format!("{}/rooms/103", server.base)).await;
    browser.attr_until("body", "data-live", "on").await;
    for (state, word) in [
        ("occupied", "occupied"),
        ("booked", "booked"),
        ("checked_out", "checked out"),
    ] {
        set_occupancy(state).await;
        browser
            .text_until("#live [data-f=occupancy]", word, |t| t == word)
            .await;
    }

    // A flag set after the page loaded shows as a badge, not a dash.
    let (status, _) = server
        .put(
            "/api/room/103/flags/",
            &token,
            json!({ "do_not_disturb": true }),
        )
        .await;
    assert_eq!(status, 200);
    browser
        .text_until("#live [data-f=flags]", "the do-not-disturb badge", |t| {
            t == "Do not disturb"
        })
        .await;
    let badges = browser
        .client
        .find_all(Locator::Css("#live [data-f=flags] span.flag"))
        .await
        .unwrap();
    assert_eq!(badges.len(), 1);

    // What the script shows is what the server renders on a reload.
    let live = browser.text("#live .readings").await;
    browser.goto(&format!("{}/rooms/103", server.base)).await;
    let rendered = browser.text("#live .readings").await;
    assert_eq!(live, rendered);

    // Clearing the flag hides the row again.
    browser.attr_until("body", "data-live", "on").await;
    let (status, _) = server
        .put(
            "/api/room/103/flags/",
            &token,
            json!({ "do_not_disturb": false }),
        )
        .await;
    assert_eq!(status, 200);
    eventually("the flags row hidden", || async {
        let row = browser
            .client
            .find(Locator::Css("#live .flags"))
            .await
            .ok()?;
        (!row.is_displayed().await.ok()?).then_some(())
    })
    .await;

    // The rooms overview's cards too.
    browser.goto(&format!("{}/rooms", server.base)).await;
    browser.attr_until("body", "data-live", "on").await;
    set_occupancy("occupied").await;
    browser
        .text_until(
            "#room-103 [data-f=occupancy]",
            "occupied on the card",
            |t| t == "occupied",
        )
        .await;
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn history_charts_get_unix_seconds_within_the_chosen_range() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let device = rooms_reporting(&server, &["103"]).await;
    // Readings over the last day, an hour or more apart.
    let now = common::now_s();
    for hours_ago in [20, 12, 6, 2, 1] {
        let ts = now - hours_ago * 3600;
        device
            .publish(
                "hotel/103/telemetry/json",
                format!(
                    r#"{{"room":"103","timestamp":{ts},"sensors":{{"temperature":{}.5}}}}"#,
                    20 + hours_ago % 5
                ),
            )
            .await;
    }
    eventually("the readings stored", || async {
        let (_, history) = server
            .get(
                &format!(
                    "/api/room/103/history/?from={}&to={}",
                    now - 86_400,
                    now + 60
                ),
                &server.admin_token,
            )
            .await;
        (history["points"].as_array()?.len() >= 5).then_some(())
    })
    .await;

    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    browser
        .goto(&format!("{}/rooms/103?range=24h", server.base))
        .await;
    browser
        .client
        .wait()
        .at_most(common::PATIENCE)
        .for_element(Locator::Css(".plot[data-sensor=temperature] .u-over"))
        .await
        .unwrap();

    // Catch the charts as the page redraws them (it does on a theme
    // change), and read what their x scale got.
    browser
        .client
        .execute(
            r#"
            const Plot = window.uPlot;
            window.caught = [];
            window.uPlot = function (opts, data, el) {
              const plot = new Plot(opts, data, el);
              window.caught.push(plot);
              return plot;
            };
            window.dispatchEvent(new Event('themechange'));
            "#,
            vec![],
        )
        .await
        .unwrap();
    // Temperature has several points; humidity, light and gas one each.
    for sensor in ["temperature", "humidity", "light_percent", "gas_level"] {
        let script = format!(
            r#"
            const el = document.querySelector('.plot[data-sensor={sensor}]');
            const plot = (window.caught || []).find((p) => el.contains(p.root));
            if (!plot || plot.scales.x.min == null) return null;
            const section = document.getElementById('charts');
            return {{
              min: plot.scales.x.min,
              max: plot.scales.x.max,
              xs: Array.from(plot.data[0]),
              from_ms: Number(section.dataset.from),
              to_ms: Number(section.dataset.to),
            }};
            "#
        );
        let got = eventually(&format!("the {sensor} chart redrawn"), || async {
            let value = browser.client.execute(&script, vec![]).await.ok()?;
            (!value.is_null()).then_some(value)
        })
        .await;
        let from_s = got["from_ms"].as_f64().unwrap() / 1000.0;
        let to_s = got["to_ms"].as_f64().unwrap() / 1000.0;
        assert!((to_s - from_s - 86_400.0).abs() < 1.0, "24 hours: {got}");
        let xs = got["xs"].as_array().unwrap();
        assert!(!xs.is_empty(), "{sensor}: {got}");
        for x in xs {
            assert!(
                (from_s..=to_s).contains(&x.as_f64().unwrap()),
                "{sensor}: x values are Unix seconds in the range: {got}"
            );
        }
        let (min, max) = (got["min"].as_f64().unwrap(), got["max"].as_f64().unwrap());
        assert!(
            (min - from_s).abs() < 1.0 && (max - to_s).abs() < 1.0,
            "{sensor}: the x scale spans the chosen day, not years: {got}"
        );
    }
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn room_page_control_boxes_never_overlap() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    let _device = rooms_reporting(&server, &["101"]).await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;

    // Every box (fieldset) of the controls and occupancy panels, and every
    // input in it, as rectangles; the first failure found, or null.
    let check = r#"
        const boxes = [...document.querySelectorAll('.controls fieldset')];
        const rect = (el) => el.getBoundingClientRect();
        const name = (el) => el.querySelector('legend').textContent;
        for (const [i, a] of boxes.entries()) {
            const ra = rect(a);
            for (const input of a.querySelectorAll('input:not([type=hidden]), select')) {
                const ri = rect(input);
                if (ri.left < ra.left - 0.5 || ri.right > ra.right + 0.5) {
                    return `${input.name} ${JSON.stringify(ri)} sticks out of ${name(a)} ${JSON.stringify(ra)}`;
                }
            }
            for (const b of boxes.slice(i + 1)) {
                const rb = rect(b);
                const apart = ra.right <= rb.left + 0.5 || rb.right <= ra.left + 0.5
                    || ra.bottom <= rb.top + 0.5 || rb.bottom <= ra.top + 0.5;
                if (!apart) {
                    return `${name(a)} ${JSON.stringify(ra)} overlaps ${name(b)} ${JSON.stringify(rb)}`;
                }
            }
        }
        return boxes.length >= 6 ? null : `only ${boxes.length} boxes`;
    "#;
    for width in [1366, 1280, 1024, 800, 600, 390] {
        browser.client.set_window_size(width, 900).await.unwrap();
        browser.goto(&format!("{}/rooms/101", server.base)).await;
        browser.text("#stay h2").await;
        let found = browser.client.execute(check, vec![]).await.unwrap();
        assert_eq!(found, Value::Null, "at {width} px");
    }
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_menu_entry_is_in_view_on_a_phone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    browser
        .client
        .set_window_size(PHONE.0, PHONE.1)
        .await
        .unwrap();
    browser.goto(&format!("{}/rooms", server.base)).await;
    browser.text("h1").await;
    let cut = browser
        .client
        .execute(
            r#"
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('header nav a')]
                .filter((a) => {
                    const r = a.getBoundingClientRect();
                    return r.left < 0 || r.right > width || r.width === 0;
                })
                .map((a) => a.textContent);
            "#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(cut, json!([]), "entries cut off at {} px", PHONE.0);
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_threshold_inputs_look_read_only() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::embedded().await;
    browser
        .sign_in(&server.base, "admin", common::ADMIN_PASSWORD)
        .await;
    browser.goto(&format!("{}/thresholds", server.base)).await;
    browser.text("h1").await;

    // A monitor gets the same inputs disabled; compare one of each.
    let looks = browser
        .client
        .execute(
            r#"
            const [editable, locked] = document.querySelectorAll('form.grid-form input[type=number]');
            locked.disabled = true;
            const look = (el) => {
                const s = getComputedStyle(el);
                return [s.backgroundColor, s.borderTopStyle, s.color];
            };
            return [look(editable), look(locked)];
            "#,
            vec![],
        )
        .await
        .unwrap();
    let (editable, locked) = (&looks[0], &looks[1]);
    for (i, what) in ["background", "border", "text colour"].iter().enumerate() {
        assert_ne!(editable[i], locked[i], "{what} of a disabled input");
    }
    browser.close().await;
    server.shutdown().await;
}
