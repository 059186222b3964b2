//! Alerts: rules on every reading and on a timer, stored alerts with
//! de-duplication and escalation, MQTT and WebSocket pushes, and
//! notifications.
//!
//! - [`rules`]: the pure rules (hysteresis, bands, offline, sensor fault).
//! - [`engine`]: the task that applies them and keeps alerts.
//! - [`notify`]: Telegram, webhook and the queue in front of them.
//!
//! What it is not: a general rule language. The conditions are the ones a
//! hotel room needs; their limits are [`Thresholds`], per hotel with
//! per-room overrides.

pub mod engine;
pub mod notify;
pub mod rules;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hotel_core::alert::{ThresholdError, ThresholdOverrides};
use hotel_core::store::{AlertRecord, AlertStore};
use hotel_core::{AlertKind, AlertLevel, RoomId, Thresholds};
use hotel_telemetry::live::rfc3339;
use serde::Serialize;
use tokio::sync::broadcast;

/// Alert changes buffered per slow WebSocket subscriber.
const UPDATE_CAPACITY: usize = 256;

/// How alerting behaves; every field has a default suited to a hotel.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// The hotel's thresholds (defaults, then the configuration file's).
    pub thresholds: Thresholds,
    /// Per-room overrides from the configuration file.
    pub room_thresholds: Vec<(RoomId, ThresholdOverrides)>,
    /// A critical alert not acknowledged within this is notified again, and
    /// again after each such period. Default 15 min.
    pub escalate_after: Duration,
    /// How often the timer rules (offline, escalation) run. Default 10 s.
    pub check_every: Duration,
    /// Alerts below this level are stored and pushed but not notified.
    /// Default warning.
    pub notify_min_level: AlertLevel,
    /// The staff site's base URL, for links in notifications. Default
    /// `http://localhost:8001`.
    pub public_url: String,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            room_thresholds: Vec::new(),
            escalate_after: Duration::from_secs(15 * 60),
            check_every: Duration::from_secs(10),
            notify_min_level: AlertLevel::Warning,
            public_url: "http://localhost:8001".to_owned(),
        }
    }
}

/// An alert as the API and the WebSocket feed show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertView {
    /// Id, for acknowledging.
    pub id: i64,
    /// The room.
    pub room: RoomId,
    /// The condition: `gas`, `temperature`, `humidity`, `offline`,
    /// `sensor_fault`.
    #[serde(rename = "type")]
    pub kind: AlertKind,
    /// `info`, `warning` or `critical`.
    pub level: AlertLevel,
    /// Condition and value.
    pub message: String,
    /// The value behind it, if any.
    pub value: Option<f64>,
    /// When it was raised (RFC 3339).
    pub started_at: Option<String>,
    /// When it cleared (RFC 3339); `null` while open.
    pub ended_at: Option<String>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When (RFC 3339).
    pub acknowledged_at: Option<String>,
}

impl From<&AlertRecord> for AlertView {
    fn from(a: &AlertRecord) -> Self {
        Self {
            id: a.id,
            room: a.room,
            kind: a.kind,
            level: a.level,
            message: a.message.clone(),
            value: a.value,
            started_at: rfc3339(a.started_ms),
            ended_at: a.ended_ms.and_then(rfc3339),
            acknowledged_by: a.acknowledged_by.clone(),
            acknowledged_at: a.acknowledged_ms.and_then(rfc3339),
        }
    }
}

/// The thresholds in force: the hotel's base (defaults and file), the
/// file's per-room overrides, and what admins stored through the API
/// (which wins over the file).
#[derive(Debug, Default)]
pub struct ThresholdBook {
    inner: RwLock<Book>,
}

#[derive(Debug, Default, Clone)]
struct Book {
    base: Thresholds,
    file_rooms: HashMap<RoomId, ThresholdOverrides>,
    hotel: ThresholdOverrides,
    rooms: HashMap<RoomId, ThresholdOverrides>,
}

impl Book {
    fn hotel(&self) -> Thresholds {
        self.base.with(&self.hotel)
    }

    fn room(&self, room: RoomId) -> Thresholds {
        let mut t = self.hotel();
        if let Some(o) = self.file_rooms.get(&room) {
            t = t.with(o);
        }
        if let Some(o) = self.rooms.get(&room) {
            t = t.with(o);
        }
        t
    }

    fn validate(&self) -> Result<(), ThresholdError> {
        self.hotel().validate()?;
        for room in self.file_rooms.keys().chain(self.rooms.keys()) {
            self.room(*room).validate()?;
        }
        Ok(())
    }
}

impl ThresholdBook {
    /// The book for `settings`, with the admins' stored overrides.
    pub fn new(
        settings: &AlertSettings,
        stored: Vec<(Option<RoomId>, ThresholdOverrides)>,
    ) -> Self {
        let mut book = Book {
            base: settings.thresholds,
            file_rooms: settings.room_thresholds.iter().copied().collect(),
            ..Book::default()
        };
        for (room, overrides) in stored {
            match room {
                None => book.hotel = overrides,
                Some(r) => {
                    book.rooms.insert(r, overrides);
                }
            }
        }
        Self {
            inner: RwLock::new(book),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Book> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The hotel's thresholds in force.
    pub fn hotel(&self) -> Thresholds {
        self.read().hotel()
    }

    /// A room's thresholds in force.
    pub fn room(&self, room: RoomId) -> Thresholds {
        self.read().room(room)
    }

    /// What the hotel (`None`) or a room would have without its stored
    /// overrides: defaults and the file for the hotel; the hotel's and the
    /// file's room overrides for a room.
    pub fn inherited(&self, room: Option<RoomId>) -> Thresholds {
        let book = self.read();
        match room {
            None => book.base,
            Some(r) => {
                let t = book.hotel();
                book.file_rooms.get(&r).map_or(t, |o| t.with(o))
            }
        }
    }

    /// The hotel's (`None`) or a room's overrides stored by admins.
    pub fn stored(&self, room: Option<RoomId>) -> ThresholdOverrides {
        let book = self.read();
        match room {
            None => book.hotel,
            Some(r) => book.rooms.get(&r).copied().unwrap_or_default(),
        }
    }

    /// Every room with overrides, from the file or stored.
    pub fn rooms_with_overrides(&self) -> Vec<RoomId> {
        let book = self.read();
        let mut rooms: Vec<_> = book
            .file_rooms
            .keys()
            .chain(book.rooms.keys())
            .copied()
            .collect();
        rooms.sort();
        rooms.dedup();
        rooms
    }

    /// Replaces the stored overrides of the hotel (`None`) or a room, if the
    /// result is valid for the hotel and every room.
    ///
    /// # Errors
    ///
    /// [`ThresholdError`] and nothing changed when the result contradicts
    /// itself.
    pub fn set(
        &self,
        room: Option<RoomId>,
        overrides: ThresholdOverrides,
    ) -> Result<(), ThresholdError> {
        let mut book = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut next = book.clone();
        match room {
            None => next.hotel = overrides,
            Some(r) if overrides.is_empty() => {
                next.rooms.remove(&r);
            }
            Some(r) => {
                next.rooms.insert(r, overrides);
            }
        }
        next.validate()?;
        *book = next;
        Ok(())
    }

    /// Checks whether `set` would succeed, without changing anything.
    ///
    /// # Errors
    ///
    /// As [`ThresholdBook::set`].
    pub fn check(
        &self,
        room: Option<RoomId>,
        overrides: ThresholdOverrides,
    ) -> Result<(), ThresholdError> {
        let mut next = self.read().clone();
        match room {
            None => next.hotel = overrides,
            Some(r) => {
                next.rooms.insert(r, overrides);
            }
        }
        next.validate()
    }
}

/// What the API shares with the alert engine.
pub struct AlertHub {
    /// Where alerts live.
    pub store: Arc<dyn AlertStore>,
    /// Thresholds in force.
    pub thresholds: ThresholdBook,
    /// Every change of an alert, for the WebSocket feed.
    pub updates: broadcast::Sender<Arc<AlertView>>,
}

impl AlertHub {
    /// A hub over `store` with `thresholds`.
    pub fn new(store: Arc<dyn AlertStore>, thresholds: ThresholdBook) -> Self {
        Self {
            store,
            thresholds,
            updates: broadcast::channel(UPDATE_CAPACITY).0,
        }
    }

    /// Pushes a change to WebSocket subscribers.
    pub fn push(&self, alert: &AlertRecord) {
        let _ = self.updates.send(Arc::new(AlertView::from(alert)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str) -> RoomId {
        RoomId::parse(id).unwrap()
    }

    #[test]
    fn stored_overrides_win_over_the_file_and_rooms_over_the_hotel() {
        let settings = AlertSettings {
            room_thresholds: vec![(
                room("101"),
                ThresholdOverrides {
                    gas_warning: Some(1000.0),
                    temperature_max_c: Some(28.0),
                    ..ThresholdOverrides::default()
                },
            )],
            ..AlertSettings::default()
        };
        let stored = vec![
            (
                None,
                ThresholdOverrides {
                    temperature_max_c: Some(27.0),
                    ..ThresholdOverrides::default()
                },
            ),
            (
                Some(room("101")),
                ThresholdOverrides {
                    gas_warning: Some(1100.0),
                    ..ThresholdOverrides::default()
                },
            ),
        ];
        let book = ThresholdBook::new(&settings, stored);
        assert_eq!(book.hotel().temperature_max_c, 27.0);
        assert_eq!(book.room(room("102")).gas_warning, 1500.0);
        let r101 = book.room(room("101"));
        assert_eq!(r101.gas_warning, 1100.0, "stored room override wins");
        assert_eq!(
            r101.temperature_max_c, 28.0,
            "file room override over hotel"
        );
    }

    #[test]
    fn refuses_overrides_that_break_a_room() {
        let book = ThresholdBook::new(&AlertSettings::default(), Vec::new());
        book.set(
            Some(room("101")),
            ThresholdOverrides {
                gas_critical: Some(1800.0),
                ..ThresholdOverrides::default()
            },
        )
        .unwrap();
        // A hotel warning above room 101's critical contradicts it.
        let err = book.set(
            None,
            ThresholdOverrides {
                gas_warning: Some(2000.0),
                ..ThresholdOverrides::default()
            },
        );
        assert_eq!(err, Err(ThresholdError::GasOrder));
        assert_eq!(book.hotel().gas_warning, 1500.0, "nothing changed");
    }
}
