//! Alerts, threshold overrides and notifications.

use super::{BASE_MS, HOUR_MS, room};
use hotel_core::alert::ThresholdOverrides;
use hotel_core::store::{
    AlertQuery, AlertRecord, AlertStore, HotelStore, NotificationRecord, NotificationStatus,
    StoreError,
};
use hotel_core::{AlertKind, AlertLevel};

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
