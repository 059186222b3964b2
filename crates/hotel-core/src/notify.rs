//! Notification channels (Telegram, webhooks): the trait the alerting side
//! sends through.

use async_trait::async_trait;

/// A notification failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The channel asked to wait this many seconds before trying again.
    #[error("rate limited; retry after {0} s")]
    RetryAfter(u64),
    /// The channel refused the message for good (bad token, bad chat).
    #[error("notification refused: {0}")]
    Refused(String),
    /// The channel could not be reached; the cause says how.
    #[error("notification channel unreachable")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A short message for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// One line, no personal data.
    pub text: String,
}

/// Delivers notifications to staff.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends one notification.
    async fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}
