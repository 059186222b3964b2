//! Telegram through the Bot API's `sendMessage`.
//!
//! The bot token sits in the request path (`/bot<token>/sendMessage`), so
//! neither the URL nor a `reqwest` error with its URL ever reaches a log or
//! an error message: errors are stripped with
//! [`reqwest::Error::without_url`] and Telegram's own descriptions are
//! scrubbed of the token before they are kept.

use std::time::Duration;

use async_trait::async_trait;
use hotel_core::notify::{Notification, Notifier, NotifyError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

/// The public Bot API; `TELEGRAM_API_URL` replaces it (tests use a local
/// fake).
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest description from Telegram kept in an error, characters.
const MAX_DESCRIPTION: usize = 200;

/// Where and as whom to send.
#[derive(Clone)]
pub struct TelegramConfig {
    /// The API base before `/bot<token>/sendMessage`.
    pub api_url: String,
    /// The bot token (`TELEGRAM_BOT_TOKEN`).
    pub token: SecretString,
    /// The chat to write to (`TELEGRAM_CHAT_ID`): a number or `@channel`.
    pub chat_id: String,
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("api_url", &self.api_url)
            .field("token", &"[redacted]")
            .field("chat_id", &self.chat_id)
            .finish()
    }
}

/// Sends notifications to one Telegram chat.
pub struct TelegramNotifier {
    client: reqwest::Client,
    /// `<api_url>/bot<token>/sendMessage`: holds the token.
    url: SecretString,
    token: SecretString,
    chat_id: Value,
}

/// The Bot API's answer, as far as it matters here.
#[derive(Deserialize)]
struct Answer {
    ok: bool,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

/// An answer that was not a usable Bot API reply.
#[derive(Debug, thiserror::Error)]
#[error("Telegram answered HTTP {0}")]
struct HttpStatus(u16);

impl TelegramNotifier {
    /// A notifier for `config`.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(config: &TelegramConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        let base = config.api_url.trim_end_matches('/');
        let url = format!("{base}/bot{}/sendMessage", config.token.expose_secret());
        // Numeric chat ids go as numbers, `@channel` names as strings.
        let chat_id = config
            .chat_id
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::from(config.chat_id.trim()), Value::from);
        Ok(Self {
            client,
            url: url.into(),
            token: config.token.clone(),
            chat_id,
        })
    }

    fn scrub(&self, text: &str) -> String {
        let token = self.token.expose_secret();
        let text: String = text.chars().take(MAX_DESCRIPTION).collect();
        if token.is_empty() {
            text
        } else {
            text.replace(token, "[redacted]")
        }
    }
}

#[async_trait]
impl Notifier for TelegramNotifier {
    fn channel(&self) -> &'static str {
        "telegram"
    }

    async fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        let body = json!({
            "chat_id": self.chat_id,
            "text": notification.text,
            "disable_web_page_preview": true,
        });
        let response = self
            .client
            .post(self.url.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(Box::new(e.without_url())))?;
        let status = response.status().as_u16();
        let answer: Option<Answer> = response.json().await.ok();
        match answer {
            Some(a) if a.ok && status == 200 => Ok(()),
            Some(a) => {
                let code = a.error_code.unwrap_or(status);
                let retry_after = a.parameters.and_then(|p| p.retry_after);
                match (code, retry_after) {
                    (_, Some(secs)) => Err(NotifyError::RetryAfter(secs)),
                    (429, None) => Err(NotifyError::RetryAfter(1)),
                    (500.., _) => Err(NotifyError::Unreachable(Box::new(HttpStatus(code)))),
                    _ => Err(NotifyError::Refused(format!(
                        "Telegram error {code}: {}",
                        self.scrub(a.description.as_deref().unwrap_or("no description"))
                    ))),
                }
            }
            None if status == 429 || status >= 500 => {
                Err(NotifyError::Unreachable(Box::new(HttpStatus(status))))
            }
            None => Err(NotifyError::Refused(format!(
                "Telegram answered HTTP {status} without a Bot API reply"
            ))),
        }
    }
}
