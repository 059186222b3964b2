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
