//! A generic webhook: each notification is POSTed as JSON to one URL, so
//! integrators can route alerts anywhere.
//!
//! The body is the [`Notification`] as JSON:
//! `{"text","room","type","level","alert_id","url"}`. The URL may hold a
//! secret (many services put a key in it), so it is never logged.

use std::time::Duration;

use async_trait::async_trait;
use hotel_core::notify::{Notification, Notifier, NotifyError};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The wait asked for by a 429 without a usable `Retry-After`, seconds.
const DEFAULT_RETRY_AFTER_S: u64 = 5;

/// POSTs notifications to one URL.
pub struct WebhookNotifier {
    client: reqwest::Client,
    url: SecretString,
}

/// A status that means "not now".
#[derive(Debug, thiserror::Error)]
#[error("webhook answered HTTP {0}")]
struct HttpStatus(u16);

impl WebhookNotifier {
    /// A notifier that POSTs to `url`.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn new(url: SecretString) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { client, url })
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn channel(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        let response = self
            .client
            .post(self.url.expose_secret())
            .json(notification)
            .send()
            .await
            .map_err(|e| NotifyError::Unreachable(Box::new(e.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let secs = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(DEFAULT_RETRY_AFTER_S);
            return Err(NotifyError::RetryAfter(secs));
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Err(NotifyError::Unreachable(Box::new(HttpStatus(
                status.as_u16(),
            ))));
        }
        Err(NotifyError::Refused(format!(
            "webhook answered HTTP {}",
            status.as_u16()
        )))
    }
}
