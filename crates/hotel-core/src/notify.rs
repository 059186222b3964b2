//! Notification channels (Telegram, webhooks): the trait the alerting side
//! sends through.
//!
//! A [`Notifier`] delivers one message or says why not; queueing, retry and
//! backoff are the caller's job, so a slow or broken channel never holds up
//! whoever raised the notification.

use async_trait::async_trait;
use serde::Serialize;

use crate::alert::{AlertKind, AlertLevel};
use crate::room::RoomId;

/// A notification failure. Its `Display` never holds a secret (token, URL
/// with credentials).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The channel asked to wait this many seconds before trying again.
    #[error("rate limited; retry after {0} s")]
    RetryAfter(u64),
    /// The channel refused the message for good (bad token, bad chat).
    #[error("notification refused: {0}")]
    Refused(String),
    /// The channel could not be reached or failed for now; the cause says how.
    #[error("notification channel unreachable")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A short message for staff, with what it is about for channels that
/// carry structure (webhooks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// One or two short lines, no personal data.
    pub text: String,
    /// The room it is about, if any.
    pub room: Option<RoomId>,
    /// The alert's kind, if it is about an alert.
    #[serde(rename = "type")]
    pub kind: Option<AlertKind>,
    /// The alert's level, if it is about an alert.
    pub level: Option<AlertLevel>,
    /// The alert's id, if it is about an alert.
    pub alert_id: Option<i64>,
    /// A link to the room's page, if known.
    pub url: Option<String>,
}

impl Notification {
    /// A plain text notification about nothing in particular.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            room: None,
            kind: None,
            level: None,
            alert_id: None,
            url: None,
        }
    }
}

/// Delivers notifications to staff.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// A short name of the channel for metrics labels and the notification
    /// list (`telegram`, `webhook`).
    fn channel(&self) -> &'static str;

    /// Sends one notification, once: no retry here.
    ///
    /// # Errors
    ///
    /// [`NotifyError`] saying whether and when a retry may succeed.
    async fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}
