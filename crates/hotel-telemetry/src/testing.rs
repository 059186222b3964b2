//! The conformance suite every store backend passes, so that SQLite,
//! PostgreSQL and any later backend agree on idempotency, history buckets,
//! latest values, pruning, the hotel records and alerting.
//!
//! Each function panics with a message naming the broken rule; call them
//! from a backend's tests on an empty store.

use hotel_core::alert::ThresholdOverrides;
use hotel_core::command::ControlCommand;
use hotel_core::store::{
    AlertQuery, AlertRecord, AlertStore, AuditRecord, CommandRecord, DeviceCredential, GuestLimits,
    HistoryQuery, HotelStore, NotificationRecord, NotificationStatus, OccupancyRecord,
    OccupancyStore, ReadingStore, RoomRecord, SessionRecord, StoreError, UserRecord,
};
use hotel_core::{
    AlertKind, AlertLevel, ClimateMode, DeviceState, LightMode, Metric, Occupancy, Reading, Role,
    RoomId,
};

/// 2024-12-04T08:00:00Z, a whole hour, Unix ms.
const BASE_MS: i64 = 1_733_299_200_000;
const HOUR_MS: i64 = 3_600_000;

fn room(id: &str) -> RoomId {
    RoomId::parse(id).expect("test room ids are valid")
}

fn reading(room_id: &str, metric: Metric, ts_ms: i64, value: f64) -> Reading {
    Reading {
        room: room(room_id),
        metric,
        ts_ms,
        value,
    }
}

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

/// Runs every hotel-record rule on an empty store.
pub async fn hotel_store_conformance<S: HotelStore>(store: &S) {
    rooms_are_created_once_renamed_and_deleted(store).await;
    room_status_round_trips(store).await;
    commands_come_back_newest_first(store).await;
    users_sessions_and_expiry(store).await;
    devices_are_unique(store).await;
    sessions_end_one_by_one_or_all_at_once(store).await;
    accounts_are_disabled_and_passwords_reset(store).await;
    guest_limits_go_with_the_account(store).await;
    audit_log_comes_back_newest_first(store).await;
}

async fn rooms_are_created_once_renamed_and_deleted<S: HotelStore>(store: &S) {
    assert!(store.ensure_room(room("r1")).await.expect("ensure"));
    assert!(
        !store.ensure_room(room("r1")).await.expect("ensure"),
        "second ensure creates nothing"
    );
    store
        .put_room(room("r1"), Some("Garden suite"))
        .await
        .expect("rename");
    store.put_room(room("r0"), None).await.expect("create");
    let rooms = store.rooms().await.expect("rooms");
    let ids: Vec<_> = rooms.iter().map(|r| r.id.as_str().to_owned()).collect();
    let r0 = ids.iter().position(|i| i == "r0").expect("r0 listed");
    let r1 = ids.iter().position(|i| i == "r1").expect("r1 listed");
    assert!(r0 < r1, "rooms are ordered by id");
    assert_eq!(rooms[r1].name.as_deref(), Some("Garden suite"));
    assert!(store.delete_room(room("r0")).await.expect("delete"));
    assert!(
        !store.delete_room(room("r0")).await.expect("delete"),
        "deleting twice finds nothing"
    );
}

async fn room_status_round_trips<S: HotelStore>(store: &S) {
    let record = RoomRecord {
        id: room("st"),
        name: None,
        state: DeviceState {
            climate_mode: Some(ClimateMode::Manual),
            heating: Some(true),
            ..DeviceState::default()
        },
        light_mode: Some(LightMode::Manual),
        brightness: Some(60),
        last_seen_ms: Some(BASE_MS),
        online: Some(false),
    };
    store.save_room_status(&record).await.expect("save");
    let rooms = store.rooms().await.expect("rooms");
    let back = rooms
        .iter()
        .find(|r| r.id == room("st"))
        .expect("saved room listed");
    assert_eq!(back, &record);
}

async fn commands_come_back_newest_first<S: HotelStore>(store: &S) {
    for (i, cmd) in [
        ControlCommand::target_temperature(21.5).expect("valid"),
        ControlCommand::ClimateMode(ClimateMode::Auto),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .record_command(&CommandRecord {
                room: room("cmd"),
                command: cmd,
                sent_by: "alice".to_owned(),
                sent_ms: BASE_MS + i as i64,
            })
            .await
            .expect("record");
    }
    let cmds = store.commands(room("cmd"), 10).await.expect("commands");
    assert_eq!(cmds.len(), 2);
    assert_eq!(
        cmds[0].command,
        ControlCommand::ClimateMode(ClimateMode::Auto)
    );
    assert_eq!(cmds[1].command, ControlCommand::TargetTemperature(21.5));
    assert_eq!(cmds[1].sent_by, "alice");
    assert_eq!(
        store
            .commands(room("cmd"), 1)
            .await
            .expect("commands")
            .len(),
        1
    );
}

async fn users_sessions_and_expiry<S: HotelStore>(store: &S) {
    let guest = UserRecord {
        username: "guest-101".to_owned(),
        password_hash: "$argon2id$fake".to_owned(),
        role: Role::Guest,
        room: Some(room("101")),
        expires_ms: Some(BASE_MS),
        disabled: false,
    };
    store.create_user(&guest).await.expect("create");
    assert!(matches!(
        store.create_user(&guest).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.user("guest-101").await.expect("user"),
        Some(guest.clone())
    );
    assert_eq!(store.user("nobody").await.expect("user"), None);

    let session = SessionRecord {
        username: "guest-101".to_owned(),
        expires_ms: BASE_MS + 1,
    };
    store
        .create_session("abc", &session)
        .await
        .expect("session");
    assert_eq!(store.session("abc").await.expect("session"), Some(session));

    // After checkout and session expiry both go.
    let purged = store.purge_expired(BASE_MS + 2).await.expect("purge");
    assert!(
        purged >= 2,
        "expired session and guest are purged, got {purged}"
    );
    assert_eq!(store.session("abc").await.expect("session"), None);
    assert_eq!(store.user("guest-101").await.expect("user"), None);

    let admin = UserRecord {
        username: "admin".to_owned(),
        role: Role::Admin,
        room: None,
        expires_ms: None,
        ..guest
    };
    store.create_user(&admin).await.expect("create");
    assert!(
        store
            .users()
            .await
            .expect("users")
            .iter()
            .any(|u| u.username == "admin")
    );
    assert!(store.delete_user("admin").await.expect("delete"));
    assert!(!store.delete_user("admin").await.expect("delete"));
}

async fn devices_are_unique<S: HotelStore>(store: &S) {
    let device = DeviceCredential {
        username: "dev-101".to_owned(),
        room: room("101"),
        secret_sha256: "00".repeat(32),
    };
    store.add_device(&device).await.expect("add");
    assert!(matches!(
        store.add_device(&device).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.device("dev-101").await.expect("device"), Some(device));
    assert_eq!(store.device("dev-999").await.expect("device"), None);
}

/// Runs every alerting rule on an empty store.
pub async fn alert_store_conformance<S: AlertStore + HotelStore>(store: &S) {
    one_open_alert_per_room_and_kind(store).await;
    alerts_filter_by_open_room_level_and_time(store).await;
    acknowledgement_keeps_the_first(store).await;
    threshold_overrides_round_trip(store).await;
    notifications_track_status(store).await;
}

fn alert(room_id: &str, kind: AlertKind, level: AlertLevel, started_ms: i64) -> AlertRecord {
    AlertRecord {
        id: 0,
        room: room(room_id),
        kind,
        level,
        message: format!("{kind} in {room_id}"),
        value: Some(1.0),
        started_ms,
        ended_ms: None,
        acknowledged_by: None,
        acknowledged_ms: None,
    }
}

async fn one_open_alert_per_room_and_kind<S: AlertStore>(store: &S) {
    let gas = alert("a1", AlertKind::Gas, AlertLevel::Warning, BASE_MS);
    let id = store.open_alert(&gas).await.expect("open");
    assert!(
        matches!(store.open_alert(&gas).await, Err(StoreError::Conflict)),
        "a second open gas alert for the room is refused"
    );
    store
        .open_alert(&alert(
            "a1",
            AlertKind::Temperature,
            AlertLevel::Warning,
            BASE_MS,
        ))
        .await
        .expect("another kind may be open at once");
    store
        .update_alert(id, AlertLevel::Critical, "gas 2600", Some(2600.0))
        .await
        .expect("update");
    let back = store.alert(id).await.expect("alert").expect("exists");
    assert_eq!(back.level, AlertLevel::Critical);
    assert_eq!(back.message, "gas 2600");
    assert_eq!(back.value, Some(2600.0));
    assert_eq!(back.ended_ms, None);

    store.end_alert(id, BASE_MS + 10).await.expect("end");
    store.end_alert(id, BASE_MS + 99).await.expect("end again");
    let ended = store.alert(id).await.expect("alert").expect("exists");
    assert_eq!(ended.ended_ms, Some(BASE_MS + 10), "the first end stays");
    let again = store
        .open_alert(&gas)
        .await
        .expect("a new alert once the old ended");
    assert_ne!(again, id);
    store.end_alert(again, BASE_MS + 20).await.expect("end");
    assert_eq!(store.alert(-5).await.expect("alert"), None);
}

async fn alerts_filter_by_open_room_level_and_time<S: AlertStore>(store: &S) {
    let old = store
        .open_alert(&alert(
            "f1",
            AlertKind::Humidity,
            AlertLevel::Warning,
            BASE_MS,
        ))
        .await
        .expect("open");
    store.end_alert(old, BASE_MS + HOUR_MS).await.expect("end");
    store
        .open_alert(&alert(
            "f1",
            AlertKind::Gas,
            AlertLevel::Critical,
            BASE_MS + 2 * HOUR_MS,
        ))
        .await
        .expect("open");
    store
        .open_alert(&alert(
            "f2",
            AlertKind::Offline,
            AlertLevel::Warning,
            BASE_MS + 3 * HOUR_MS,
        ))
        .await
        .expect("open");

    let list = |q: AlertQuery| async move { store.alerts(&q).await.expect("alerts") };
    let f1 = list(AlertQuery {
        room: Some(room("f1")),
        ..AlertQuery::default()
    })
    .await;
    assert_eq!(f1.len(), 2);
    assert!(f1[0].started_ms > f1[1].started_ms, "newest first");

    let open_f1 = list(AlertQuery {
        room: Some(room("f1")),
        open: Some(true),
        ..AlertQuery::default()
    })
    .await;
    assert_eq!(open_f1.len(), 1);
    assert_eq!(open_f1[0].kind, AlertKind::Gas);

    let ended_f1 = list(AlertQuery {
        room: Some(room("f1")),
        open: Some(false),
        ..AlertQuery::default()
    })
    .await;
    assert_eq!(ended_f1.len(), 1);
    assert_eq!(ended_f1[0].id, old);

    let critical = list(AlertQuery {
        level: Some(AlertLevel::Critical),
        room: Some(room("f1")),
        ..AlertQuery::default()
    })
    .await;
    assert_eq!(critical.len(), 1);

    // In time: alerts active during [from, to).
    let window = list(AlertQuery {
        from_ms: Some(BASE_MS + HOUR_MS + 1),
        to_ms: Some(BASE_MS + 3 * HOUR_MS),
        ..AlertQuery::default()
    })
    .await;
    let ids: Vec<_> = window
        .iter()
        .map(|a| (a.room.as_str().to_owned(), a.kind))
        .collect();
    assert!(ids.contains(&("f1".to_owned(), AlertKind::Gas)), "{ids:?}");
    assert!(
        !ids.contains(&("f1".to_owned(), AlertKind::Humidity)),
        "ended before"
    );
    assert!(
        !ids.contains(&("f2".to_owned(), AlertKind::Offline)),
        "started after"
    );

    let one = list(AlertQuery {
        limit: 1,
        ..AlertQuery::default()
    })
    .await;
    assert_eq!(one.len(), 1);
}

async fn acknowledgement_keeps_the_first<S: AlertStore>(store: &S) {
    let id = store
        .open_alert(&alert("k1", AlertKind::Gas, AlertLevel::Critical, BASE_MS))
        .await
        .expect("open");
    let acked = store
        .acknowledge_alert(id, "alice", BASE_MS + 5)
        .await
        .expect("ack")
        .expect("exists");
    assert_eq!(acked.acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(acked.acknowledged_ms, Some(BASE_MS + 5));
    let again = store
        .acknowledge_alert(id, "bob", BASE_MS + 9)
        .await
        .expect("ack")
        .expect("exists");
    assert_eq!(again.acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(
        store
            .acknowledge_alert(i64::MAX, "bob", BASE_MS)
            .await
            .expect("ack"),
        None
    );
}

async fn threshold_overrides_round_trip<S: AlertStore + HotelStore>(store: &S) {
    let hotel = ThresholdOverrides {
        gas_warning: Some(1400.0),
        ..ThresholdOverrides::default()
    };
    let kitchen = ThresholdOverrides {
        temperature_max_c: Some(35.0),
        offline_after_s: Some(60),
        ..ThresholdOverrides::default()
    };
    store.ensure_room(room("t1")).await.expect("room");
    store
        .put_threshold_overrides(None, &hotel)
        .await
        .expect("put");
    store
        .put_threshold_overrides(Some(room("t1")), &kitchen)
        .await
        .expect("put");
    let all = store.threshold_overrides().await.expect("get");
    assert!(all.contains(&(None, hotel)));
    assert!(all.contains(&(Some(room("t1")), kitchen)));

    store
        .put_threshold_overrides(Some(room("t1")), &ThresholdOverrides::default())
        .await
        .expect("clear");
    let all = store.threshold_overrides().await.expect("get");
    assert!(
        !all.iter().any(|(r, _)| *r == Some(room("t1"))),
        "empty overrides remove the entry"
    );
    store
        .put_threshold_overrides(None, &ThresholdOverrides::default())
        .await
        .expect("clear");
    assert!(store.threshold_overrides().await.expect("get").is_empty());
}

async fn notifications_track_status<S: AlertStore>(store: &S) {
    let record = NotificationRecord {
        id: 0,
        channel: "telegram".to_owned(),
        alert_id: Some(7),
        room: Some(room("n1")),
        text: "gas in n1".to_owned(),
        status: NotificationStatus::Pending,
        attempts: 0,
        last_error: None,
        created_ms: BASE_MS,
        updated_ms: BASE_MS,
    };
    let first = store.record_notification(&record).await.expect("record");
    let second = store
        .record_notification(&NotificationRecord {
            channel: "webhook".to_owned(),
            room: None,
            ..record.clone()
        })
        .await
        .expect("record");
    store
        .update_notification(
            first,
            NotificationStatus::Failed,
            3,
            Some("refused"),
            BASE_MS + 9,
        )
        .await
        .expect("update");
    let list = store.notifications(10).await.expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, second, "newest first");
    assert_eq!(list[0].room, None);
    let failed = &list[1];
    assert_eq!(failed.status, NotificationStatus::Failed);
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.last_error.as_deref(), Some("refused"));
    assert_eq!(failed.updated_ms, BASE_MS + 9);
    assert_eq!(failed.room, Some(room("n1")));
    assert_eq!(store.notifications(1).await.expect("list").len(), 1);
}

fn staff(name: &str) -> UserRecord {
    UserRecord {
        username: name.to_owned(),
        password_hash: "$argon2id$fake".to_owned(),
        role: Role::Monitor,
        room: None,
        expires_ms: None,
        disabled: false,
    }
}

async fn sessions_end_one_by_one_or_all_at_once<S: HotelStore>(store: &S) {
    store.create_user(&staff("sess")).await.expect("create");
    let session = SessionRecord {
        username: "sess".to_owned(),
        expires_ms: BASE_MS * 2,
    };
    for hash in ["s1", "s2", "s3"] {
        store.create_session(hash, &session).await.expect("session");
    }
    assert!(store.delete_session("s1").await.expect("delete"));
    assert!(
        !store.delete_session("s1").await.expect("delete"),
        "a session ends once"
    );
    assert_eq!(store.session("s1").await.expect("session"), None);
    assert!(store.session("s2").await.expect("session").is_some());
    assert_eq!(store.delete_sessions_of("sess").await.expect("delete"), 2);
    assert_eq!(store.session("s3").await.expect("session"), None);
    assert!(store.delete_user("sess").await.expect("delete"));
}

async fn accounts_are_disabled_and_passwords_reset<S: HotelStore>(store: &S) {
    store.create_user(&staff("dis")).await.expect("create");
    assert!(store.set_user_disabled("dis", true).await.expect("disable"));
    assert!(
        store
            .user("dis")
            .await
            .expect("user")
            .expect("exists")
            .disabled
    );
    assert!(store.set_user_disabled("dis", false).await.expect("enable"));
    assert!(
        !store
            .user("dis")
            .await
            .expect("user")
            .expect("exists")
            .disabled
    );
    assert!(
        store
            .set_password_hash("dis", "$argon2id$other")
            .await
            .expect("reset")
    );
    assert_eq!(
        store
            .user("dis")
            .await
            .expect("user")
            .expect("exists")
            .password_hash,
        "$argon2id$other"
    );
    assert!(
        !store
            .set_user_disabled("nobody", true)
            .await
            .expect("disable")
    );
    assert!(!store.set_password_hash("nobody", "x").await.expect("reset"));
    assert!(store.delete_user("dis").await.expect("delete"));
}

async fn guest_limits_go_with_the_account<S: HotelStore>(store: &S) {
    let guest = UserRecord {
        role: Role::Guest,
        room: Some(room("101")),
        expires_ms: Some(BASE_MS * 2),
        ..staff("lim")
    };
    store.create_user(&guest).await.expect("create");
    assert_eq!(store.guest_limits("lim").await.expect("limits"), None);
    let limits = GuestLimits {
        target_min_c: 18.0,
        target_max_c: 26.0,
    };
    store.set_guest_limits("lim", &limits).await.expect("set");
    let narrower = GuestLimits {
        target_min_c: 20.0,
        ..limits
    };
    store.set_guest_limits("lim", &narrower).await.expect("set");
    assert_eq!(
        store.guest_limits("lim").await.expect("limits"),
        Some(narrower),
        "setting limits again replaces them"
    );
    assert!(store.delete_user("lim").await.expect("delete"));
    assert_eq!(
        store.guest_limits("lim").await.expect("limits"),
        None,
        "limits go with the account"
    );
}

async fn audit_log_comes_back_newest_first<S: HotelStore>(store: &S) {
    for (i, action) in ["user.create", "user.disable", "user.delete"]
        .into_iter()
        .enumerate()
    {
        store
            .record_audit(&AuditRecord {
                at_ms: BASE_MS + i as i64,
                actor: "admin".to_owned(),
                action: action.to_owned(),
                target: "bob".to_owned(),
                detail: String::new(),
            })
            .await
            .expect("audit");
    }
    let log = store.audit_log(2).await.expect("audit log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, "user.delete");
    assert_eq!(log[1].action, "user.disable");
    assert_eq!(log[0].actor, "admin");
}
