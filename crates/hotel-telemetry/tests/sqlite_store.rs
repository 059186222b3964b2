//! The SQLite store passes the shared store conformance suite.

use hotel_telemetry::sqlite::SqliteStore;
use hotel_telemetry::testing;

async fn fresh_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("hotel.db"))
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test]
async fn sqlite_passes_reading_store_conformance() {
    let (_dir, store) = fresh_store().await;
    testing::reading_store_conformance(&store).await;
}

#[tokio::test]
async fn sqlite_passes_hotel_store_conformance() {
    let (_dir, store) = fresh_store().await;
    testing::hotel_store_conformance(&store).await;
}

#[tokio::test]
async fn sqlite_passes_alert_store_conformance() {
    let (_dir, store) = fresh_store().await;
    testing::alert_store_conformance(&store).await;
}

#[tokio::test]
async fn sqlite_passes_occupancy_store_conformance() {
    let (_dir, store) = fresh_store().await;
    testing::occupancy_store_conformance(&store).await;
}

#[tokio::test]
async fn sqlite_keeps_data_across_reopen() {
    use hotel_core::store::{HotelStore, ReadingStore};
    use hotel_core::{Metric, Reading, RoomId};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotel.db");
    let room = RoomId::parse("101").unwrap();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.ensure_room(room).await.unwrap();
        let r = Reading {
            room,
            metric: Metric::Temperature,
            ts_ms: 1_733_300_000_000,
            value: 22.5,
        };
        store.write_batch(&[r]).await.unwrap();
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let latest = store.latest().await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].value, 22.5);
}

/// 2024-12-04T08:00:00Z, Unix ms.
const HOUR_START_MS: i64 = 1_733_299_200_000;

fn temperature(room: &str, ts_ms: i64, value: f64) -> hotel_core::Reading {
    hotel_core::Reading {
        room: hotel_core::RoomId::parse(room).unwrap(),
        metric: hotel_core::Metric::Temperature,
        ts_ms,
        value,
    }
}

async fn hour_count(store: &SqliteStore, room: &str) -> u64 {
    use hotel_core::store::{HistoryQuery, ReadingStore};

    store
        .history(&HistoryQuery {
            room: hotel_core::RoomId::parse(room).unwrap(),
            metric: hotel_core::Metric::Temperature,
            from_ms: HOUR_START_MS,
            to_ms: HOUR_START_MS + 3_600_000,
            points: 1,
        })
        .await
        .unwrap()
        .iter()
        .map(|b| b.count)
        .sum()
}

#[tokio::test]
async fn sqlite_ignores_repeats_written_by_another_store_on_the_file() {
    use hotel_core::store::{HotelStore, ReadingStore};

    let (dir, first) = fresh_store().await;
    first
        .ensure_room(hotel_core::RoomId::parse("twin").unwrap())
        .await
        .unwrap();
    let early = temperature("twin", HOUR_START_MS + 1_000, 20.0);
    let late = temperature("twin", HOUR_START_MS + 2_000, 21.0);
    assert_eq!(first.write_batch(&[early]).await.unwrap(), 1);

    // The second store writes a reading the first has not seen; the first
    // then gets the same reading again.
    let second = SqliteStore::open(&dir.path().join("hotel.db"))
        .await
        .unwrap();
    assert_eq!(second.write_batch(&[early, late]).await.unwrap(), 1);
    assert_eq!(first.write_batch(&[late]).await.unwrap(), 0);
    assert_eq!(hour_count(&first, "twin").await, 2);
}

#[tokio::test]
async fn sqlite_upgrades_a_database_with_trigger_rollups() {
    use hotel_core::store::{HotelStore, ReadingStore};

    // A database migrated up to 0005, when a trigger kept the rollups.
    let dir = tempfile::tempdir().unwrap();
    let old_migrations = dir.path().join("migrations");
    std::fs::create_dir(&old_migrations).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() < "0006" {
            std::fs::copy(&path, old_migrations.join(&name)).unwrap();
        }
    }
    let path = dir.path().join("hotel.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let migrator = sqlx::migrate::Migrator::new(old_migrations.as_path())
            .await
            .unwrap();
        migrator.run(&pool).await.unwrap();
        sqlx::query("INSERT INTO room (id) VALUES ('old')")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO reading (room, metric, ts, value) VALUES ('old', 0, ?, 20.0)")
            .bind(HOUR_START_MS + 1_000)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        hour_count(&store, "old").await,
        1,
        "the trigger's rollup stays"
    );
    let batch = [
        temperature("old", HOUR_START_MS + 1_000, 20.0),
        temperature("old", HOUR_START_MS + 2_000, 22.0),
    ];
    assert_eq!(store.write_batch(&batch).await.unwrap(), 1);
    assert_eq!(
        hour_count(&store, "old").await,
        2,
        "each reading is rolled up once, by the writer alone"
    );
    assert!(
        store
            .rooms()
            .await
            .unwrap()
            .iter()
            .any(|r| r.id.as_str() == "old")
    );
}

#[tokio::test]
async fn sqlite_batch_waits_for_a_write_on_another_connection() {
    use hotel_core::store::{HotelStore, ReadingStore};

    let (dir, store) = fresh_store().await;
    store
        .ensure_room(hotel_core::RoomId::parse("busy").unwrap())
        .await
        .unwrap();
    store
        .write_batch(&[temperature("busy", HOUR_START_MS, 20.0)])
        .await
        .unwrap();

    // Another connection holds the write lock while a store that has not
    // seen the room yet (so it reads before it writes) stores a batch.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("hotel.db"));
    let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("INSERT INTO room (id) VALUES ('other')")
        .execute(&mut other)
        .await
        .unwrap();
    let fresh = SqliteStore::open(&dir.path().join("hotel.db"))
        .await
        .unwrap();
    let batch = tokio::spawn(async move {
        fresh
            .write_batch(&[temperature("busy", HOUR_START_MS + 1_000, 21.0)])
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    assert_eq!(
        batch.await.unwrap().unwrap(),
        1,
        "the batch waited, then stored"
    );
    assert_eq!(hour_count(&store, "busy").await, 2);
}
