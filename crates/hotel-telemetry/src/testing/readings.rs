//! Reading and occupancy stores: idempotent writes, rollups, history
//! buckets, latest values, pruning.

use super::{BASE_MS, HOUR_MS, reading, room};
use hotel_core::store::{HistoryQuery, HotelStore, OccupancyRecord, OccupancyStore, ReadingStore};
use hotel_core::{Metric, Occupancy};

/// Runs every reading-store rule on an empty store.
pub async fn reading_store_conformance<S: ReadingStore + HotelStore>(store: &S) {
    writes_are_idempotent(store).await;
    rollups_count_each_new_reading_once(store).await;
    history_downsamples_raw_readings(store).await;
    history_uses_hour_buckets_for_long_ranges(store).await;
    latest_returns_newest_value_per_metric(store).await;
    prune_removes_only_old_readings(store).await;
    raw_readings_come_back_in_range_oldest_first(store).await;
}

async fn raw_readings_come_back_in_range_oldest_first<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("rawq")).await.expect("ensure room");
    store
        .write_batch(&[
            reading("rawq", Metric::Heating, BASE_MS + 2_000, 0.0),
            reading("rawq", Metric::Heating, BASE_MS, 1.0),
            reading("rawq", Metric::Heating, BASE_MS + 1_000, 1.0),
            reading("rawq", Metric::Heating, BASE_MS + 3_000, 1.0),
            reading("rawq", Metric::Temperature, BASE_MS + 1_500, 21.0),
        ])
        .await
        .expect("write");
    let got = store
        .readings(room("rawq"), Metric::Heating, BASE_MS, BASE_MS + 3_000, 100)
        .await
        .expect("readings");
    let points: Vec<_> = got.iter().map(|r| (r.ts_ms, r.value)).collect();
    assert_eq!(
        points,
        vec![
            (BASE_MS, 1.0),
            (BASE_MS + 1_000, 1.0),
            (BASE_MS + 2_000, 0.0)
        ],
        "one metric, oldest first, end exclusive"
    );
    assert!(got.iter().all(|r| r.room == room("rawq")));
    let limited = store
        .readings(room("rawq"), Metric::Heating, BASE_MS, BASE_MS + 10_000, 2)
        .await
        .expect("readings");
    assert_eq!(limited.len(), 2, "the limit bounds the answer");
    assert_eq!(limited[0].ts_ms, BASE_MS, "the oldest come first");
    let none = store
        .readings(
            room("other"),
            Metric::Heating,
            BASE_MS,
            BASE_MS + 10_000,
            10,
        )
        .await
        .expect("readings");
    assert!(none.is_empty(), "another room has none");
}

async fn writes_are_idempotent<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("idem")).await.expect("ensure room");
    let batch = [
        reading("idem", Metric::Temperature, BASE_MS, 21.0),
        reading("idem", Metric::Humidity, BASE_MS, 40.0),
    ];
    assert_eq!(
        store.write_batch(&batch).await.expect("first write"),
        2,
        "both readings are new"
    );
    assert_eq!(
        store.write_batch(&batch).await.expect("second write"),
        0,
        "a repeat stores nothing"
    );
    let buckets = store
        .history(&HistoryQuery {
            room: room("idem"),
            metric: Metric::Temperature,
            from_ms: BASE_MS - HOUR_MS,
            to_ms: BASE_MS + 10 * HOUR_MS,
            points: 1,
        })
        .await
        .expect("history");
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    assert_eq!(total, 1, "rollups count a repeated reading once");
    assert_eq!(store.write_batch(&[]).await.expect("empty write"), 0);
}

async fn rollups_count_each_new_reading_once<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("fold")).await.expect("ensure room");
    let t = Metric::Temperature;
    let first = [
        reading("fold", t, BASE_MS + 1_000, 20.0),
        reading("fold", t, BASE_MS + 2_000, 22.0),
        reading("fold", t, BASE_MS + HOUR_MS + 1_000, 30.0),
    ];
    assert_eq!(store.write_batch(&first).await.expect("first write"), 3);

    // Repeats (with other values), a late reading in an hour already rolled
    // up, a repeat inside the batch, and a new hour, in no particular order.
    let second = [
        reading("fold", t, 2 * HOUR_MS + BASE_MS, 40.0),
        reading("fold", t, BASE_MS + 2_000, 99.0),
        reading("fold", t, BASE_MS + 500, 18.0),
        reading("fold", t, BASE_MS + HOUR_MS + 1_000, 99.0),
        reading("fold", t, BASE_MS + 500, 97.0),
        reading("fold", t, BASE_MS + HOUR_MS + 2_000, 34.0),
    ];
    assert_eq!(
        store.write_batch(&second).await.expect("second write"),
        3,
        "only the late, the next and the new-hour readings are new"
    );
    assert_eq!(store.write_batch(&second).await.expect("third write"), 0);

    let raw = store
        .readings(room("fold"), t, BASE_MS, BASE_MS + 3 * HOUR_MS, 100)
        .await
        .expect("raw readings");
    let values: Vec<f64> = raw.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        [18.0, 20.0, 22.0, 30.0, 34.0, 40.0],
        "a stored reading keeps its first value"
    );
    let hours = store
        .history(&HistoryQuery {
            room: room("fold"),
            metric: t,
            from_ms: BASE_MS,
            to_ms: BASE_MS + 3 * HOUR_MS,
            points: 3,
        })
        .await
        .expect("history");
    let got: Vec<(i64, u64, f64, f64)> = hours
        .iter()
        .map(|b| (b.start_ms, b.count, b.min, b.max))
        .collect();
    assert_eq!(
        got,
        [
            (BASE_MS, 3, 18.0, 22.0),
            (BASE_MS + HOUR_MS, 2, 30.0, 34.0),
            (BASE_MS + 2 * HOUR_MS, 1, 40.0, 40.0),
        ],
        "hourly rollups agree with the raw readings"
    );
    assert!((hours[0].mean - 20.0).abs() < 1e-9);
    assert!((hours[1].mean - 32.0).abs() < 1e-9);
}

async fn history_downsamples_raw_readings<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("raw")).await.expect("ensure room");
    // One reading a minute for an hour: 0, 1, 2, ... 59.
    let batch: Vec<_> = (0..60)
        .map(|i| reading("raw", Metric::Temperature, BASE_MS + i * 60_000, i as f64))
        .collect();
    store.write_batch(&batch).await.expect("write");
    let buckets = store
        .history(&HistoryQuery {
            room: room("raw"),
            metric: Metric::Temperature,
            from_ms: BASE_MS,
            to_ms: BASE_MS + HOUR_MS,
            points: 6,
        })
        .await
        .expect("history");
    assert_eq!(
        buckets.len(),
        6,
        "an hour in 6 points is 6 ten-minute buckets"
    );
    let first = buckets[0];
    assert_eq!(first.start_ms, BASE_MS);
    assert_eq!(first.count, 10);
    assert_eq!((first.min, first.max), (0.0, 9.0));
    assert!(
        (first.mean - 4.5).abs() < 1e-9,
        "mean of 0..9 is 4.5, got {}",
        first.mean
    );
    assert_eq!(buckets[5].start_ms, BASE_MS + 50 * 60_000);

    // Empty buckets are left out; other metrics and rooms do not leak in.
    let sparse = store
        .history(&HistoryQuery {
            room: room("raw"),
            metric: Metric::Temperature,
            from_ms: BASE_MS - HOUR_MS,
            to_ms: BASE_MS + HOUR_MS,
            points: 12,
        })
        .await
        .expect("history");
    assert_eq!(sparse.len(), 6, "the empty first hour yields no buckets");
    let none = store
        .history(&HistoryQuery {
            room: room("raw"),
            metric: Metric::Humidity,
            from_ms: BASE_MS,
            to_ms: BASE_MS + HOUR_MS,
            points: 6,
        })
        .await
        .expect("history");
    assert!(none.is_empty(), "no humidity was written");
}

async fn history_uses_hour_buckets_for_long_ranges<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("long")).await.expect("ensure room");
    // Two days, one reading every 30 minutes, value = hour index.
    let batch: Vec<_> = (0..96)
        .map(|i| {
            reading(
                "long",
                Metric::GasLevel,
                BASE_MS + i * 1_800_000,
                (i / 2) as f64,
            )
        })
        .collect();
    store.write_batch(&batch).await.expect("write");
    let buckets = store
        .history(&HistoryQuery {
            room: room("long"),
            metric: Metric::GasLevel,
            from_ms: BASE_MS,
            to_ms: BASE_MS + 48 * HOUR_MS,
            points: 8,
        })
        .await
        .expect("history");
    assert_eq!(
        buckets.len(),
        8,
        "two days in 8 points is 8 six-hour buckets"
    );
    assert!(
        buckets.iter().all(|b| b.count == 12),
        "each six hours holds 12 readings"
    );
    assert_eq!(buckets[1].start_ms, BASE_MS + 6 * HOUR_MS);
    assert_eq!((buckets[1].min, buckets[1].max), (6.0, 11.0));
    assert!((buckets[1].mean - 8.5).abs() < 1e-9);
}

async fn latest_returns_newest_value_per_metric<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("last")).await.expect("ensure room");
    store
        .write_batch(&[
            reading("last", Metric::Temperature, BASE_MS + 2_000, 23.0),
            reading("last", Metric::Temperature, BASE_MS + 1_000, 21.0),
            reading("last", Metric::Humidity, BASE_MS, 45.0),
        ])
        .await
        .expect("write");
    let latest = store.latest().await.expect("latest");
    let of = |metric| {
        latest
            .iter()
            .find(|l| l.room == room("last") && l.metric == metric)
            .map(|l| (l.ts_ms, l.value))
    };
    assert_eq!(of(Metric::Temperature), Some((BASE_MS + 2_000, 23.0)));
    assert_eq!(of(Metric::Humidity), Some((BASE_MS, 45.0)));
    assert_eq!(of(Metric::GasLevel), None);
}

async fn prune_removes_only_old_readings<S: ReadingStore + HotelStore>(store: &S) {
    store.ensure_room(room("prune")).await.expect("ensure room");
    store
        .write_batch(&[
            reading("prune", Metric::Humidity, BASE_MS, 40.0),
            reading("prune", Metric::Humidity, BASE_MS + 2 * HOUR_MS, 41.0),
        ])
        .await
        .expect("write");
    let removed = store
        .prune(BASE_MS + HOUR_MS, BASE_MS - HOUR_MS)
        .await
        .expect("prune");
    assert!(removed >= 1, "the old reading goes");
    let raw = store
        .history(&HistoryQuery {
            room: room("prune"),
            metric: Metric::Humidity,
            from_ms: BASE_MS,
            to_ms: BASE_MS + 3 * HOUR_MS,
            points: 100,
        })
        .await
        .expect("history");
    assert_eq!(raw.len(), 1, "only the recent raw reading is left");
    let rolled = store
        .history(&HistoryQuery {
            room: room("prune"),
            metric: Metric::Humidity,
            from_ms: BASE_MS,
            to_ms: BASE_MS + 3 * HOUR_MS,
            points: 1,
        })
        .await
        .expect("history");
    assert_eq!(
        rolled.iter().map(|b| b.count).sum::<u64>(),
        2,
        "rollups outlive raw readings"
    );
}

/// Runs every occupancy-store rule on an empty store.
pub async fn occupancy_store_conformance<S: OccupancyStore + HotelStore>(store: &S) {
    assert!(
        store.occupancies().await.expect("list").is_empty(),
        "an empty store has no occupancy"
    );
    let mut record = OccupancyRecord {
        room: room("o2"),
        state: Some(Occupancy::Booked),
        check_in_ms: Some(BASE_MS + HOUR_MS),
        state_changed_ms: BASE_MS,
        do_not_disturb: false,
        make_up_room: true,
        updated_by: "admin".to_owned(),
        updated_ms: BASE_MS,
    };
    store.put_occupancy(&record).await.expect("put");
    let flags_only = OccupancyRecord {
        room: room("o1"),
        state: None,
        check_in_ms: None,
        state_changed_ms: BASE_MS,
        do_not_disturb: true,
        make_up_room: false,
        updated_by: "device".to_owned(),
        updated_ms: BASE_MS,
    };
    store.put_occupancy(&flags_only).await.expect("put flags");
    assert_eq!(
        store.occupancies().await.expect("list"),
        vec![flags_only.clone(), record.clone()],
        "records round-trip, ordered by room"
    );

    record.state = Some(Occupancy::Occupied);
    record.check_in_ms = None;
    record.updated_ms = BASE_MS + 5;
    store.put_occupancy(&record).await.expect("replace");
    let all = store.occupancies().await.expect("list");
    assert_eq!(all.len(), 2, "a put replaces the room's record");
    assert_eq!(all[1], record);

    store.delete_room(room("o2")).await.expect("delete room");
    assert_eq!(
        store.occupancies().await.expect("list"),
        vec![flags_only],
        "the record goes with its room"
    );
}
