//! The embedded store: SQLite through sqlx, in WAL mode, for both the
//! telemetry time series and the hotel's records.
//!
//! Readings go to a `WITHOUT ROWID` table keyed by (room, metric, ts), so a
//! repeated reading is ignored; each batch also folds its new readings into
//! hourly rollups in the same transaction, which long history ranges read
//! (see `write`).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hotel_core::command::ControlCommand;
use hotel_core::store::{
    AuditRecord, Bucket, CommandRecord, DeviceCredential, GuestLimits, HistoryQuery, HotelStore,
    Latest, ReadingStore, RoomRecord, SessionRecord, StoreError, UserRecord,
};
use hotel_core::{DeviceState, LightMode, Metric, Reading, Role, RoomId};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod alert;
mod occupancy;
mod write;

/// One hour, in ms: the rollup granularity.
pub const HOUR_MS: i64 = 3_600_000;

/// How long a writer waits for the database lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite page cache of the reading writer's one connection, KiB: the
/// newest leaf page of 300 rooms' six metrics. Past that a batch re-reads
/// pages from the OS cache, which costs CPU, not RSS (see
/// `docs/performance.md`). Other connections keep SQLite's default (2 MiB).
const WRITER_CACHE_KIB: u32 = 8 * 1024;

/// Readers plus the one writer SQLite allows at a time.
const MAX_CONNECTIONS: u32 = 4;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The one connection reading batches are written through.
    writer: SqlitePool,
    /// Newest stored reading time per room and metric, so that new readings
    /// need no lookup.
    newest: Arc<write::NewestStored>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the file cannot be opened or migrated.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL keeps every commit across a process crash
            // (kill -9); only an OS crash or power loss may lose the last ones.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(backend)?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.pragma("cache_size", format!("-{WRITER_CACHE_KIB}")))
            .await
            .map_err(backend)?;
        Ok(Self {
            pool,
            writer,
            newest: Arc::default(),
        })
    }

    /// Size of the database files on disk, bytes (main file plus WAL).
    pub async fn size_bytes(&self) -> Result<u64, StoreError> {
        let row =
            sqlx::query("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
        Ok(u64::try_from(row.get::<i64, _>(0)).unwrap_or(0))
    }

    /// One transaction of [`ReadingStore::write_batch`].
    async fn try_write_batch(&self, readings: &[Reading]) -> Result<u64, sqlx::Error> {
        // IMMEDIATE takes the write lock first: the batch reads before it
        // writes, and a deferred transaction whose snapshot went stale
        // meanwhile (a room saved on another connection) fails at its first
        // write instead of waiting for the lock.
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let (inserted, newest) = write::write_readings(&mut tx, &self.newest, readings).await?;
        tx.commit().await?;
        self.newest.raise(&newest);
        Ok(inserted)
    }

    /// Closes every connection, after pending writes.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

#[async_trait]
impl ReadingStore for SqliteStore {
    async fn write_batch(&self, readings: &[Reading]) -> Result<u64, StoreError> {
        if readings.is_empty() {
            return Ok(0);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_write_batch(readings).await {
                Ok(inserted) => return Ok(inserted),
                Err(e) => {
                    // The remembered times may be what failed the batch: a
                    // reading thought new was written by another store.
                    self.newest.clear();
                    let repeat = e
                        .as_database_error()
                        .is_some_and(|d| d.is_unique_violation());
                    if !(repeat && attempt == 1) {
                        return Err(backend(e));
                    }
                }
            }
        }
    }

    async fn latest(&self) -> Result<Vec<Latest>, StoreError> {
        // One index seek per room and metric: the key is (room, metric, ts).
        let rows = sqlx::query(
            "SELECT r.id, m.metric, \
               (SELECT ts FROM reading WHERE room = r.id AND metric = m.metric ORDER BY ts DESC LIMIT 1), \
               (SELECT value FROM reading WHERE room = r.id AND metric = m.metric ORDER BY ts DESC LIMIT 1) \
             FROM room r, (SELECT value AS metric FROM json_each(?)) m",
        )
        .bind(metric_codes_json())
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            let (Some(ts), Some(value)) =
                (row.get::<Option<i64>, _>(2), row.get::<Option<f64>, _>(3))
            else {
                continue;
            };
            let (Ok(room), Some(metric)) = (room_from_db(row.get(0)), metric_from_db(row.get(1)))
            else {
                continue;
            };
            out.push(Latest {
                room,
                metric,
                ts_ms: ts,
                value,
            });
        }
        Ok(out)
    }

    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Bucket>, StoreError> {
        let span = query.to_ms.saturating_sub(query.from_ms);
        if span <= 0 {
            return Ok(Vec::new());
        }
        let points = i64::from(query.points.max(1));
        let width = (span + points - 1) / points;

        let rows = if width >= HOUR_MS {
            // Whole-hour buckets from the rollups; the range snaps to hours.
            let width = (width + HOUR_MS - 1) / HOUR_MS * HOUR_MS;
            let from = query.from_ms.div_euclid(HOUR_MS) * HOUR_MS;
            sqlx::query(
                "SELECT (hour - ?1) / ?2 AS b, SUM(count), MIN(min), SUM(sum) / SUM(count), MAX(max) \
                 FROM rollup_hour WHERE room = ?3 AND metric = ?4 AND hour >= ?1 AND hour < ?5 \
                 GROUP BY b ORDER BY b",
            )
            .bind(from)
            .bind(width)
            .bind(query.room.as_str())
            .bind(i64::from(query.metric.code()))
            .bind(query.to_ms)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|row| bucket(&row, from, width))
            .collect()
        } else {
            sqlx::query(
                "SELECT (ts - ?1) / ?2 AS b, COUNT(*), MIN(value), AVG(value), MAX(value) \
                 FROM reading WHERE room = ?3 AND metric = ?4 AND ts >= ?1 AND ts < ?5 \
                 GROUP BY b ORDER BY b",
            )
            .bind(query.from_ms)
            .bind(width)
            .bind(query.room.as_str())
            .bind(i64::from(query.metric.code()))
            .bind(query.to_ms)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|row| bucket(&row, query.from_ms, width))
            .collect()
        };
        Ok(rows)
    }

    async fn readings(
        &self,
        room: RoomId,
        metric: Metric,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<Reading>, StoreError> {
        let rows = sqlx::query(
            "SELECT ts, value FROM reading WHERE room = ? AND metric = ? AND ts >= ? AND ts < ? \
             ORDER BY ts LIMIT ?",
        )
        .bind(room.as_str())
        .bind(i64::from(metric.code()))
        .bind(from_ms)
        .bind(to_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|row| Reading {
                room,
                metric,
                ts_ms: row.get(0),
                value: row.get(1),
            })
            .collect())
    }

    async fn prune(&self, raw_before_ms: i64, rollup_before_ms: i64) -> Result<u64, StoreError> {
        // Per room and metric, so each delete walks the primary key.
        let rooms: Vec<String> = sqlx::query_scalar("SELECT DISTINCT room FROM rollup_hour")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let mut removed = 0;
        for room in rooms {
            for metric in Metric::ALL {
                let done =
                    sqlx::query("DELETE FROM reading WHERE room = ? AND metric = ? AND ts < ?")
                        .bind(&room)
                        .bind(i64::from(metric.code()))
                        .bind(raw_before_ms)
                        .execute(&self.pool)
                        .await
                        .map_err(backend)?;
                removed += done.rows_affected();
                sqlx::query("DELETE FROM rollup_hour WHERE room = ? AND metric = ? AND hour < ?")
                    .bind(&room)
                    .bind(i64::from(metric.code()))
                    .bind(rollup_before_ms)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
            }
        }
        Ok(removed)
    }
}

#[async_trait]
impl HotelStore for SqliteStore {
    async fn rooms(&self) -> Result<Vec<RoomRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, state, light_mode, brightness, last_seen_ms, online FROM room ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let id = room_from_db(row.get(0)).ok()?;
                let state: String = row.get(2);
                Some(RoomRecord {
                    id,
                    name: row.get(1),
                    state: serde_json::from_str::<DeviceState>(&state).unwrap_or_default(),
                    light_mode: row
                        .get::<Option<String>, _>(3)
                        .and_then(|m| LightMode::parse_word(&m)),
                    brightness: row
                        .get::<Option<i64>, _>(4)
                        .and_then(|b| u8::try_from(b).ok()),
                    last_seen_ms: row.get(5),
                    online: row.get::<Option<i64>, _>(6).map(|v| v != 0),
                })
            })
            .collect())
    }

    async fn ensure_room(&self, room: RoomId) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT OR IGNORE INTO room (id) VALUES (?)")
            .bind(room.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_room(&self, room: RoomId, name: Option<&str>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO room (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = ?2",
        )
        .bind(room.as_str())
        .bind(name)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn delete_room(&self, room: RoomId) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let done = sqlx::query("DELETE FROM room WHERE id = ?")
            .bind(room.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        for table in ["reading", "rollup_hour", "command", "alert"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE room = ?"))
                .bind(room.as_str())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        sqlx::query("DELETE FROM alert_threshold WHERE scope = ?")
            .bind(room.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn save_room_status(&self, record: &RoomRecord) -> Result<(), StoreError> {
        let state = serde_json::to_string(&record.state).map_err(backend)?;
        sqlx::query(
            "INSERT INTO room (id, state, light_mode, brightness, last_seen_ms, online) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET \
             state = ?2, light_mode = ?3, brightness = ?4, last_seen_ms = ?5, online = ?6",
        )
        .bind(record.id.as_str())
        .bind(state)
        .bind(record.light_mode.map(LightMode::as_str))
        .bind(record.brightness.map(i64::from))
        .bind(record.last_seen_ms)
        .bind(record.online.map(i64::from))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn record_command(&self, record: &CommandRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO command (room, name, payload, sent_by, sent_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(record.room.as_str())
        .bind(record.command.name())
        .bind(record.command.payload().as_str())
        .bind(&record.sent_by)
        .bind(record.sent_ms)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn commands(&self, room: RoomId, limit: u32) -> Result<Vec<CommandRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, payload, sent_by, sent_ms FROM command WHERE room = ? \
             ORDER BY sent_ms DESC, id DESC LIMIT ?",
        )
        .bind(room.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let name: String = row.get(0);
                let payload: String = row.get(1);
                Some(CommandRecord {
                    room,
                    command: ControlCommand::parse(&name, &payload).ok()?,
                    sent_by: row.get(2),
                    sent_ms: row.get(3),
                })
            })
            .collect())
    }

    async fn last_commands(&self) -> Result<Vec<CommandRecord>, StoreError> {
        // SQLite returns the other columns of the row that holds MAX(id).
        let rows = sqlx::query(
            "SELECT room, name, payload, sent_by, sent_ms, MAX(id) FROM command GROUP BY room, name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let name: String = row.get(1);
                let payload: String = row.get(2);
                Some(CommandRecord {
                    room: room_from_db(row.get(0)).ok()?,
                    command: ControlCommand::parse(&name, &payload).ok()?,
                    sent_by: row.get(3),
                    sent_ms: row.get(4),
                })
            })
            .collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT username, password_hash, role, room, expires_ms, disabled FROM user WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.and_then(|row| user_from_row(&row)))
    }

    async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT username, password_hash, role, room, expires_ms, disabled FROM user ORDER BY username",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.iter().filter_map(user_from_row).collect())
    }

    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO user (username, password_hash, role, room, expires_ms, disabled) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(user.room.as_ref().map(RoomId::as_str))
        .bind(user.expires_ms)
        .bind(user.disabled)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM user WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_session(
        &self,
        token_sha256: &str,
        session: &SessionRecord,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO session (token_sha256, username, expires_ms) VALUES (?, ?, ?)")
            .bind(token_sha256)
            .bind(&session.username)
            .bind(session.expires_ms)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn session(&self, token_sha256: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query("SELECT username, expires_ms FROM session WHERE token_sha256 = ?")
            .bind(token_sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(|row| SessionRecord {
            username: row.get(0),
            expires_ms: row.get(1),
        }))
    }

    async fn purge_expired(&self, now_ms: i64) -> Result<u64, StoreError> {
        let sessions = sqlx::query("DELETE FROM session WHERE expires_ms < ?")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        let guests = sqlx::query("DELETE FROM user WHERE role = 'guest' AND expires_ms < ?")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(sessions.rows_affected() + guests.rows_affected())
    }

    async fn add_device(&self, credential: &DeviceCredential) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO device (username, room, secret_sha256) VALUES (?, ?, ?)",
        )
        .bind(&credential.username)
        .bind(credential.room.as_str())
        .bind(&credential.secret_sha256)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    async fn device(&self, username: &str) -> Result<Option<DeviceCredential>, StoreError> {
        let row =
            sqlx::query("SELECT username, room, secret_sha256 FROM device WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(row.and_then(|row| {
            Some(DeviceCredential {
                username: row.get(0),
                room: room_from_db(row.get(1)).ok()?,
                secret_sha256: row.get(2),
            })
        }))
    }

    async fn delete_session(&self, token_sha256: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM session WHERE token_sha256 = ?")
            .bind(token_sha256)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM session WHERE username = ?")
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }

    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE user SET disabled = ? WHERE username = ?")
            .bind(disabled)
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_password_hash(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE user SET password_hash = ? WHERE username = ?")
            .bind(password_hash)
            .bind(username)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_guest_limits(
        &self,
        username: &str,
        limits: &GuestLimits,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO guest_limit (username, target_min, target_max) VALUES (?, ?, ?) \
             ON CONFLICT (username) DO UPDATE SET target_min = excluded.target_min, \
             target_max = excluded.target_max",
        )
        .bind(username)
        .bind(limits.target_min_c)
        .bind(limits.target_max_c)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn guest_limits(&self, username: &str) -> Result<Option<GuestLimits>, StoreError> {
        let row = sqlx::query("SELECT target_min, target_max FROM guest_limit WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(|row| GuestLimits {
            target_min_c: row.get(0),
            target_max_c: row.get(1),
        }))
    }

    async fn record_audit(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at_ms, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(entry.at_ms)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(&entry.detail)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, actor, action, target, detail FROM audit \
             ORDER BY at_ms DESC, id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|row| AuditRecord {
                at_ms: row.get(0),
                actor: row.get(1),
                action: row.get(2),
                target: row.get(3),
                detail: row.get(4),
            })
            .collect())
    }
}

fn bucket(row: &sqlx::sqlite::SqliteRow, from: i64, width: i64) -> Bucket {
    let index: i64 = row.get(0);
    Bucket {
        start_ms: from + index * width,
        count: u64::try_from(row.get::<i64, _>(1)).unwrap_or(0),
        min: row.get(2),
        mean: row.get(3),
        max: row.get(4),
    }
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Option<UserRecord> {
    Some(UserRecord {
        username: row.get(0),
        password_hash: row.get(1),
        role: Role::parse(row.get::<&str, _>(2))?,
        room: row
            .get::<Option<String>, _>(3)
            .and_then(|r| RoomId::parse(&r).ok()),
        expires_ms: row.get(4),
        disabled: row.get(5),
    })
}

fn room_from_db(text: String) -> Result<RoomId, hotel_core::RoomIdError> {
    RoomId::from_str(&text)
}

fn metric_from_db(code: i64) -> Option<Metric> {
    u8::try_from(code).ok().and_then(Metric::from_code)
}

fn metric_codes_json() -> String {
    let codes: Vec<String> = Metric::ALL.iter().map(|m| m.code().to_string()).collect();
    format!("[{}]", codes.join(","))
}

fn backend<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Backend(Box::new(e))
}
