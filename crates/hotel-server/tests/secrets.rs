//! The Telegram bot token and a webhook URL's key never reach the log, an
//! error message or the API, even when both channels fail. Alone in its
//! own test binary because it installs the global log subscriber.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::fake_bot::{CHAT_ID, FakeBot, Reply, TOKEN};
use common::{TestServer, eventually, free_port, now_s};
use hotel_server::alert::notify::queue::RetryPolicy;
use hotel_server::alert::notify::telegram::TelegramConfig;
use hotel_server::server::NotifySettings;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn failing_channels_never_log_the_token_or_webhook_key() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace,rumqttd=off,rumqttc=off,sqlx=off,hyper=off,h2=off")
        .with_writer(move || writer.clone())
        .init();

    let bot = FakeBot::start().await;
    bot.always(Reply::Unauthorized);
    // Nothing listens there: every attempt fails to connect.
    let hook = format!("http://127.0.0.1:{}/hooks/s3cret-key", free_port());
    let api_url = bot.base.clone();
    let server = TestServer::start_with(move |mut c| {
        c.notify = NotifySettings {
            telegram: Some(TelegramConfig {
                api_url,
                token: TOKEN.to_owned().into(),
                chat_id: CHAT_ID.to_owned(),
            }),
            webhook: Some(hook.into()),
            retry: RetryPolicy {
                max_attempts: 2,
                first_backoff: Duration::from_millis(20),
                max_backoff: Duration::from_millis(20),
                max_retry_after: Duration::from_secs(1),
            },
        };
        c
    })
    .await;
    let device = server.device("dev").await;
    device
        .publish(
            "hotel/101/telemetry/json",
            format!(
                r#"{{"room":"101","timestamp":{},"sensors":{{"gas_level":3000}}}}"#,
                now_s()
            ),
        )
        .await;

    let list = eventually("both channels failed", || async {
        let (_, list) = server.get("/api/notifications/", &server.admin_token).await;
        let failed = list
            .as_array()?
            .iter()
            .filter(|n| n["status"] == "failed")
            .count();
        (failed == 2).then_some(list)
    })
    .await;
    server.shutdown().await;

    let api = list.to_string();
    let log = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(log.contains("notification refused"), "the log was captured");
    assert!(
        log.contains("notification given up"),
        "the webhook failure was logged"
    );
    for (name, text) in [("log", &log), ("API", &api)] {
        assert!(!text.contains(TOKEN), "the token is in the {name}");
        assert!(
            !text.contains("TEST-token"),
            "part of the token is in the {name}"
        );
        assert!(
            !text.contains("s3cret-key"),
            "the webhook key is in the {name}"
        );
    }
}
