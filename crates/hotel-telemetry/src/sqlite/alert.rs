//! Alerts, threshold overrides and the notification log in SQLite.

use async_trait::async_trait;
use hotel_core::alert::ThresholdOverrides;
use hotel_core::store::{
    AlertQuery, AlertRecord, AlertStore, NotificationRecord, NotificationStatus, StoreError,
};
use hotel_core::{AlertKind, AlertLevel, RoomId};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{SqliteStore, backend, room_from_db};

const ALERT_COLUMNS: &str = "id, room, kind, level, message, value, started_ms, ended_ms, \
     acknowledged_by, acknowledged_ms";

#[async_trait]
impl AlertStore for SqliteStore {
    async fn open_alert(&self, alert: &AlertRecord) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "INSERT INTO alert (room, kind, level, message, value, started_ms) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(alert.room.as_str())
        .bind(alert.kind.as_str())
        .bind(alert.level.as_str())
        .bind(&alert.message)
        .bind(alert.value)
        .bind(alert.started_ms)
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(row) => Ok(row.get(0)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict),
            Err(e) => Err(backend(e)),
        }
    }

    async fn update_alert(
        &self,
        id: i64,
        level: AlertLevel,
        message: &str,
        value: Option<f64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert SET level = ?, message = ?, value = ? WHERE id = ? AND ended_ms IS NULL",
        )
        .bind(level.as_str())
        .bind(message)
        .bind(value)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn end_alert(&self, id: i64, ended_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE alert SET ended_ms = ? WHERE id = ? AND ended_ms IS NULL")
            .bind(ended_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn acknowledge_alert(
        &self,
        id: i64,
        by: &str,
        at_ms: i64,
    ) -> Result<Option<AlertRecord>, StoreError> {
        sqlx::query(
            "UPDATE alert SET acknowledged_by = ?, acknowledged_ms = ? \
             WHERE id = ? AND acknowledged_by IS NULL",
        )
        .bind(by)
        .bind(at_ms)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.alert(id).await
    }

    async fn alert(&self, id: i64) -> Result<Option<AlertRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alert WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.as_ref().and_then(alert_from_row))
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<AlertRecord>, StoreError> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {ALERT_COLUMNS} FROM alert WHERE 1 = 1"));
        match query.open {
            Some(true) => {
                q.push(" AND ended_ms IS NULL");
            }
            Some(false) => {
                q.push(" AND ended_ms IS NOT NULL");
            }
            None => {}
        }
        if let Some(room) = query.room {
            q.push(" AND room = ").push_bind(room.as_str().to_owned());
        }
        if let Some(level) = query.level {
            q.push(" AND level = ").push_bind(level.as_str());
        }
        if let Some(from) = query.from_ms {
            q.push(" AND (ended_ms IS NULL OR ended_ms >= ")
                .push_bind(from)
                .push(")");
        }
        if let Some(to) = query.to_ms {
            q.push(" AND started_ms < ").push_bind(to);
        }
        q.push(" ORDER BY started_ms DESC, id DESC LIMIT ")
            .push_bind(i64::from(query.limit));
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        Ok(rows.iter().filter_map(alert_from_row).collect())
    }

    async fn threshold_overrides(
        &self,
    ) -> Result<Vec<(Option<RoomId>, ThresholdOverrides)>, StoreError> {
        let rows = sqlx::query("SELECT scope, overrides FROM alert_threshold ORDER BY scope")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let scope: String = row.get(0);
                let json: String = row.get(1);
                let room = if scope.is_empty() {
                    None
                } else {
                    Some(room_from_db(scope).ok()?)
                };
                Some((room, serde_json::from_str(&json).ok()?))
            })
            .collect())
    }

    async fn put_threshold_overrides(
        &self,
        room: Option<RoomId>,
        overrides: &ThresholdOverrides,
    ) -> Result<(), StoreError> {
        let scope = room.map_or_else(String::new, |r| r.as_str().to_owned());
        if overrides.is_empty() {
            sqlx::query("DELETE FROM alert_threshold WHERE scope = ?")
                .bind(scope)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            return Ok(());
        }
        let json = serde_json::to_string(overrides).map_err(backend)?;
        sqlx::query(
            "INSERT INTO alert_threshold (scope, overrides) VALUES (?1, ?2) \
             ON CONFLICT (scope) DO UPDATE SET overrides = ?2",
        )
        .bind(scope)
        .bind(json)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn record_notification(&self, record: &NotificationRecord) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO notification \
             (channel, alert_id, room, text, status, attempts, last_error, created_ms, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&record.channel)
        .bind(record.alert_id)
        .bind(record.room.map(|r| r.as_str().to_owned()))
        .bind(&record.text)
        .bind(record.status.as_str())
        .bind(i64::from(record.attempts))
        .bind(&record.last_error)
        .bind(record.created_ms)
        .bind(record.updated_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.get(0))
    }

    async fn update_notification(
        &self,
        id: i64,
        status: NotificationStatus,
        attempts: u32,
        last_error: Option<&str>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE notification SET status = ?, attempts = ?, last_error = ?, updated_ms = ? \
             WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(i64::from(attempts))
        .bind(last_error)
        .bind(at_ms)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn notifications(&self, limit: u32) -> Result<Vec<NotificationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel, alert_id, room, text, status, attempts, last_error, \
             created_ms, updated_ms FROM notification ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let room: Option<String> = row.get(3);
                let status: String = row.get(5);
                Some(NotificationRecord {
                    id: row.get(0),
                    channel: row.get(1),
                    alert_id: row.get(2),
                    room: match room {
                        Some(r) => Some(room_from_db(r).ok()?),
                        None => None,
                    },
                    text: row.get(4),
                    status: NotificationStatus::parse(&status)?,
                    attempts: u32::try_from(row.get::<i64, _>(6)).unwrap_or(u32::MAX),
                    last_error: row.get(7),
                    created_ms: row.get(8),
                    updated_ms: row.get(9),
                })
            })
            .collect())
    }
}

fn alert_from_row(row: &sqlx::sqlite::SqliteRow) -> Option<AlertRecord> {
    let kind: String = row.get(2);
    let level: String = row.get(3);
    Some(AlertRecord {
        id: row.get(0),
        room: room_from_db(row.get(1)).ok()?,
        kind: AlertKind::parse(&kind)?,
        level: AlertLevel::parse(&level)?,
        message: row.get(4),
        value: row.get(5),
        started_ms: row.get(6),
        ended_ms: row.get(7),
        acknowledged_by: row.get(8),
        acknowledged_ms: row.get(9),
    })
}
