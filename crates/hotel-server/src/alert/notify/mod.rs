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
