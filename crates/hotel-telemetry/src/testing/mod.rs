//! The conformance suite every store backend passes, so that SQLite,
//! PostgreSQL and any later backend agree on idempotency, history buckets,
//! latest values, pruning, the hotel records and alerting.
//!
//! Each function panics with a message naming the broken rule; call them
//! from a backend's tests on an empty store.

use hotel_core::{Metric, Reading, RoomId};

mod alerts;
mod hotel;
mod readings;

pub use alerts::alert_store_conformance;
pub use hotel::hotel_store_conformance;
pub use readings::{occupancy_store_conformance, reading_store_conformance};

/// 2024-12-04T08:00:00Z, a whole hour, Unix ms.
pub(crate) const BASE_MS: i64 = 1_733_299_200_000;
/// One hour, Unix ms.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// A room id the suite uses (always valid).
pub(crate) fn room(id: &str) -> RoomId {
    RoomId::parse(id).expect("test room ids are valid")
}

/// One reading of `room_id`.
pub(crate) fn reading(room_id: &str, metric: Metric, ts_ms: i64, value: f64) -> Reading {
    Reading {
        room: room(room_id),
        metric,
        ts_ms,
        value,
    }
}
