//! Occupancy and guest flags per room in SQLite, for the room automation.

use async_trait::async_trait;
use hotel_core::Occupancy;
use hotel_core::store::{OccupancyRecord, OccupancyStore, StoreError};
use sqlx::Row;

use super::{SqliteStore, backend, room_from_db};

#[async_trait]
impl OccupancyStore for SqliteStore {
    async fn occupancies(&self) -> Result<Vec<OccupancyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT room, state, check_in_ms, state_changed_ms, do_not_disturb, make_up_room, \
             updated_by, updated_ms FROM room_occupancy ORDER BY room",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            // A row that no longer parses (hand-edited database) is skipped,
            // not fatal: the room then behaves as if nothing was set.
            let Ok(room) = room_from_db(row.get(0)) else {
                continue;
            };
            out.push(OccupancyRecord {
                room,
                state: row
                    .get::<Option<String>, _>(1)
                    .and_then(|w| Occupancy::parse_word(&w)),
                check_in_ms: row.get(2),
                state_changed_ms: row.get(3),
                do_not_disturb: row.get(4),
                make_up_room: row.get(5),
                updated_by: row.get(6),
                updated_ms: row.get(7),
            });
        }
        Ok(out)
    }

    async fn put_occupancy(&self, record: &OccupancyRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("INSERT OR IGNORE INTO room (id) VALUES (?)")
            .bind(record.room.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT OR REPLACE INTO room_occupancy (room, state, check_in_ms, state_changed_ms, \
             do_not_disturb, make_up_room, updated_by, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(record.room.as_str())
        .bind(record.state.map(Occupancy::as_str))
        .bind(record.check_in_ms)
        .bind(record.state_changed_ms)
        .bind(record.do_not_disturb)
        .bind(record.make_up_room)
        .bind(&record.updated_by)
        .bind(record.updated_ms)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}
