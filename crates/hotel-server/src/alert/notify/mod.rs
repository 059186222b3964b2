//! Notification channels and their queue.
//!
//! - [`queue`]: bounded per-channel queues with retry and backoff.
//! - [`telegram`]: the Telegram Bot API.
//! - [`webhook`]: POST JSON to a URL.

pub mod queue;
pub mod telegram;
pub mod webhook;

use hotel_core::notify::Notification;
use hotel_core::store::AlertRecord;
use hotel_core::{AlertLevel, RoomId};

/// The configured channels as staff may see them: never the bot token or
/// the webhook's full URL (it may hold a key), for the settings page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelSummary {
    /// Telegram's chat id, when Telegram is on (it needs a token).
    pub telegram_chat_id: Option<String>,
    /// Whether a Telegram bot token is set.
    pub telegram_token_set: bool,
    /// The webhook URL's host, when a webhook is on (`?` if it has none).
    pub webhook_host: Option<String>,
}

impl ChannelSummary {
    /// The summary of `telegram` and `webhook` settings.
    pub fn of(
        telegram: Option<&telegram::TelegramConfig>,
        webhook: Option<&secrecy::SecretString>,
    ) -> Self {
        use secrecy::ExposeSecret;
        Self {
            telegram_chat_id: telegram.map(|t| t.chat_id.clone()),
            telegram_token_set: telegram.is_some_and(|t| !t.token.expose_secret().is_empty()),
            webhook_host: webhook.map(|u| {
                reqwest::Url::parse(u.expose_secret())
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_else(|| "?".to_owned())
            }),
        }
    }
}

/// A test notification, sent from the settings page by `by`.
pub fn test_message(by: &str) -> Notification {
    Notification {
        text: format!("Smart Hotel test message, sent by {by}. Notifications reach this channel."),
        room: None,
        kind: None,
        level: None,
        alert_id: None,
        url: None,
    }
}

/// The room page a notification links to.
pub fn room_link(public_url: &str, room: RoomId) -> String {
    format!("{}/room/{room}/", public_url.trim_end_matches('/'))
}

/// The notification for an alert raised, raised again or still critical:
/// short, with the room, the condition and the value, and a link.
pub fn about_alert(alert: &AlertRecord, public_url: &str, reminder: bool) -> Notification {
    let link = room_link(public_url, alert.room);
    let head = match (alert.level, reminder) {
        (AlertLevel::Critical, true) => "CRITICAL, not acknowledged",
        (AlertLevel::Critical, false) => "CRITICAL",
        (AlertLevel::Warning, _) => "Warning",
        (AlertLevel::Info, _) => "Info",
    };
    Notification {
        text: format!("{head}: room {}: {}\n{link}", alert.room, alert.message),
        room: Some(alert.room),
        kind: Some(alert.kind),
        level: Some(alert.level),
        alert_id: Some(alert.id),
        url: Some(link),
    }
}

/// The notification that an alert's condition cleared.
pub fn cleared(alert: &AlertRecord, message: &str, public_url: &str) -> Notification {
    let link = room_link(public_url, alert.room);
    Notification {
        text: format!("Resolved: room {}: {message}\n{link}", alert.room),
        room: Some(alert.room),
        kind: Some(alert.kind),
        level: Some(AlertLevel::Info),
        alert_id: Some(alert.id),
        url: Some(link),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_summary_shows_no_secret() {
        let telegram = telegram::TelegramConfig {
            api_url: "http://127.0.0.1:1".to_owned(),
            token: "123:secret-token".to_owned().into(),
            chat_id: "-100200".to_owned(),
        };
        let hook: secrecy::SecretString = "https://user:key@hooks.example/p?k=secret"
            .to_owned()
            .into();
        let summary = ChannelSummary::of(Some(&telegram), Some(&hook));
        assert_eq!(summary.telegram_chat_id.as_deref(), Some("-100200"));
        assert!(summary.telegram_token_set);
        assert_eq!(summary.webhook_host.as_deref(), Some("hooks.example"));
        let text = format!("{summary:?}");
        assert!(!text.contains("secret") && !text.contains("key@"), "{text}");
        assert_eq!(ChannelSummary::of(None, None), ChannelSummary::default());
    }
}
