//! The reading write path: new readings and their hourly rollups in one
//! transaction, with each reading's rollup folded in exactly once.
//!
//! A batch is sorted by key and stripped of repeats; a reading newer than the
//! newest one stored for its room and metric (remembered in memory) cannot be
//! a repeat, and only the others are looked up. The new readings are
//! inserted, then summed per room, metric and hour in Rust and added to
//! `rollup_hour` with one upsert per hour touched, instead of one per reading
//! (the trigger of migration 0004, dropped by 0006).
//!
//! It is not a general upsert: a reading already stored keeps its first
//! value, as before.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use hotel_core::{Reading, RoomId};
use sqlx::SqliteConnection;

use super::HOUR_MS;

/// Rows per multi-row `INSERT` of readings (4 parameters each).
const INSERT_CHUNK: usize = 1_000;

/// Rows per multi-row rollup upsert (7 parameters each).
const ROLLUP_CHUNK: usize = 1_000;

/// Start of the reading insert; one `(?, ?, ?, ?)` per row follows.
const INSERT_HEAD: &str = "INSERT INTO reading (room, metric, ts, value) VALUES ";

/// Start of the rollup upsert; one `(?, …)` of 7 per row follows.
const ROLLUP_HEAD: &str =
    "INSERT INTO rollup_hour (room, metric, hour, count, sum, min, max) VALUES ";

/// End of the rollup upsert: add a batch's share to what is stored.
const ROLLUP_TAIL: &str = " ON CONFLICT (room, metric, hour) DO UPDATE SET \
     count = count + excluded.count, sum = sum + excluded.sum, \
     min = MIN(min, excluded.min), max = MAX(max, excluded.max)";

/// (room, metric) pairs whose newest stored time is remembered at most; past
/// it the memory is cleared and refilled from the database as needed.
const NEWEST_KEYS: usize = 100_000;

/// Per room and metric, a time no stored reading is newer than, Unix ms
/// (`None`: no reading stored). Shared by the clones of one store.
#[derive(Debug, Default)]
pub(super) struct NewestStored {
    by_key: Mutex<HashMap<(RoomId, u8), Option<i64>>>,
}

impl NewestStored {
    fn get(&self, key: (RoomId, u8)) -> Option<Option<i64>> {
        self.lock().get(&key).copied()
    }

    /// Records the newest times of a committed batch.
    pub(super) fn raise(&self, newest: &[((RoomId, u8), Option<i64>)]) {
        let mut map = self.lock();
        if map.len() + newest.len() > NEWEST_KEYS {
            map.clear();
        }
        for &(key, ts) in newest {
            let slot = map.entry(key).or_insert(ts);
            *slot = (*slot).max(ts);
        }
    }

    /// Forgets everything, so the next batch asks the database again.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(RoomId, u8), Option<i64>>> {
        // The map holds only upper bounds; a panic mid-update leaves valid ones.
        self.by_key.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One room, metric and hour's share of a batch.
#[derive(Debug, Clone, Copy)]
struct RollupDelta {
    room: RoomId,
    metric: u8,
    hour: i64,
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
}

/// Writes `readings` through `conn`, inside the caller's transaction, and
/// returns how many were new together with the newest times to remember
/// once the transaction commits.
pub(super) async fn write_readings(
    conn: &mut SqliteConnection,
    newest: &NewestStored,
    readings: &[Reading],
) -> Result<(u64, Vec<((RoomId, u8), Option<i64>)>), sqlx::Error> {
    // In key order, consecutive inserts land on the same B-tree pages, and
    // each (room, metric, hour) is one run. A stable sort keeps the first of
    // two readings with one key, the one an `INSERT OR IGNORE` would keep.
    let mut sorted: Vec<&Reading> = readings.iter().collect();
    sorted.sort_by_key(|r| key(r));
    sorted.dedup_by_key(|r| key(r));

    // Per (room, metric) run: drop readings already stored.
    let mut fresh: Vec<&Reading> = Vec::with_capacity(sorted.len());
    let mut raised = Vec::new();
    for run in sorted.chunk_by(|a, b| (a.room, a.metric) == (b.room, b.metric)) {
        let first = run[0];
        let group = (first.room, first.metric.code());
        let stored_newest = match newest.get(group) {
            Some(ts) => ts,
            None => newest_in_db(conn, group).await?,
        };
        let split = run.partition_point(|r| Some(r.ts_ms) <= stored_newest);
        let (maybe_stored, surely_new) = run.split_at(split);
        if !maybe_stored.is_empty() {
            let existing = existing_times(conn, group, maybe_stored).await?;
            fresh.extend(
                maybe_stored
                    .iter()
                    .filter(|r| existing.binary_search(&r.ts_ms).is_err()),
            );
        }
        fresh.extend(surely_new);
        let batch_newest = run.last().map(|r| r.ts_ms);
        raised.push((group, stored_newest.max(batch_newest)));
    }

    // A plain INSERT: a repeat slipping through (another store on the same
    // file wrote meanwhile) fails the batch, which the caller redoes after
    // `clear`.
    // The statement text of a full chunk is built once; sqlx keeps it
    // prepared. Building it per batch cost more than binding the values.
    // A partial chunk's length differs from batch to batch: its statement
    // is not kept, or sqlx's cache would fill with up to 100 large ones.
    static FULL_INSERT: OnceLock<String> = OnceLock::new();
    static FULL_ROLLUP: OnceLock<String> = OnceLock::new();
    for chunk in fresh.chunks(INSERT_CHUNK) {
        let partial;
        let (sql, keep) = if chunk.len() == INSERT_CHUNK {
            (
                FULL_INSERT.get_or_init(|| values_sql(INSERT_HEAD, 4, INSERT_CHUNK, "")),
                true,
            )
        } else {
            partial = values_sql(INSERT_HEAD, 4, chunk.len(), "");
            (&partial, false)
        };
        let mut q = sqlx::query(sql).persistent(keep);
        for r in chunk {
            q = q
                .bind(r.room.as_str())
                .bind(i64::from(r.metric.code()))
                .bind(r.ts_ms)
                .bind(r.value);
        }
        q.execute(&mut *conn).await?;
    }

    let deltas = rollup_deltas(&fresh);
    for chunk in deltas.chunks(ROLLUP_CHUNK) {
        let partial;
        let (sql, keep) = if chunk.len() == ROLLUP_CHUNK {
            (
                FULL_ROLLUP.get_or_init(|| values_sql(ROLLUP_HEAD, 7, ROLLUP_CHUNK, ROLLUP_TAIL)),
                true,
            )
        } else {
            partial = values_sql(ROLLUP_HEAD, 7, chunk.len(), ROLLUP_TAIL);
            (&partial, false)
        };
        let mut q = sqlx::query(sql).persistent(keep);
        for d in chunk {
            q = q
                .bind(d.room.as_str())
                .bind(i64::from(d.metric))
                .bind(d.hour)
                .bind(d.count)
                .bind(d.sum)
                .bind(d.min)
                .bind(d.max);
        }
        q.execute(&mut *conn).await?;
    }

    Ok((fresh.len() as u64, raised))
}

/// `head` followed by `rows` groups of `columns` placeholders, then `tail`.
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let group = format!("({})", vec!["?"; columns].join(", "));
    let mut sql = String::with_capacity(head.len() + rows * (group.len() + 2) + tail.len());
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&group);
    }
    sql.push_str(tail);
    sql
}

fn key(r: &Reading) -> (RoomId, u8, i64) {
    (r.room, r.metric.code(), r.ts_ms)
}

/// The newest stored time of one room and metric: one seek to the end of
/// its key range.
async fn newest_in_db(
    conn: &mut SqliteConnection,
    (room, metric): (RoomId, u8),
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(ts) FROM reading WHERE room = ? AND metric = ?")
        .bind(room.as_str())
        .bind(i64::from(metric))
        .fetch_one(&mut *conn)
        .await
}

/// Which of `readings` (one room and metric, sorted by time) are stored
/// already: their times, sorted.
async fn existing_times(
    conn: &mut SqliteConnection,
    (room, metric): (RoomId, u8),
    readings: &[&Reading],
) -> Result<Vec<i64>, sqlx::Error> {
    let times: Vec<String> = readings.iter().map(|r| r.ts_ms.to_string()).collect();
    let mut existing: Vec<i64> = sqlx::query_scalar(
        "SELECT ts FROM reading WHERE room = ? AND metric = ? \
         AND ts IN (SELECT value FROM json_each(?))",
    )
    .bind(room.as_str())
    .bind(i64::from(metric))
    .bind(format!("[{}]", times.join(",")))
    .fetch_all(&mut *conn)
    .await?;
    existing.sort_unstable();
    Ok(existing)
}

/// Sums readings sorted by key into one delta per room, metric and hour.
fn rollup_deltas(readings: &[&Reading]) -> Vec<RollupDelta> {
    let mut out: Vec<RollupDelta> = Vec::new();
    for r in readings {
        // Truncating division, as SQLite's `(ts / 3600000) * 3600000` did.
        let hour = r.ts_ms / HOUR_MS * HOUR_MS;
        let metric = r.metric.code();
        match out.last_mut() {
            Some(d) if d.room == r.room && d.metric == metric && d.hour == hour => {
                d.count += 1;
                d.sum += r.value;
                d.min = d.min.min(r.value);
                d.max = d.max.max(r.value);
            }
            _ => out.push(RollupDelta {
                room: r.room,
                metric,
                hour,
                count: 1,
                sum: r.value,
                min: r.value,
                max: r.value,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_sql_has_one_placeholder_group_per_row() {
        assert_eq!(
            values_sql(
                "INSERT INTO t (a, b) VALUES ",
                2,
                3,
                " ON CONFLICT DO NOTHING"
            ),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING"
        );
    }
}
