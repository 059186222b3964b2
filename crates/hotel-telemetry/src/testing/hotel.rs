//! Hotel records: rooms, commands, accounts, sessions, devices, guest
//! limits and the audit log.

use super::{BASE_MS, room};
use hotel_core::command::ControlCommand;
use hotel_core::store::{
    AuditRecord, CommandRecord, DeviceCredential, GuestLimits, HotelStore, RoomRecord,
    SessionRecord, StoreError, UserRecord,
};
use hotel_core::{ClimateMode, DeviceState, LightMode, Role};

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
