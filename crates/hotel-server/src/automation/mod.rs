//! Room automation: occupancy states per room, the targets they call for,
//! guest flags, and the energy view's heating hours.
//!
//! - [`policy`]: the pure rules (state and time in, target and reason out).
//! - [`energy`]: heating hours per UTC day from the `heating` readings.
//!
//! Occupancy is set by staff (`PUT /api/room/<id>/occupancy/`), by a device
//! (`room_mode` words), and later by the kiosk check-in through
//! [`set_occupancy`]. Each change is stored and applied at once; the runner
//! ([`run`]) re-evaluates every room on a timer, so a booked room starts
//! pre-heating on time and a failed publish is retried. Automatic commands
//! go through [`crate::control::send`], so the device receives them like a
//! person's and the room's history shows them as `automation:<reason>`.
//!
//! What it is not: a booking system. It knows a room's state and its next
//! check-in time, nothing of guests.

pub mod energy;
pub mod policy;

use std::collections::HashMap;
use std::sync::Arc;

use hotel_core::store::{OccupancyRecord, OccupancyStore};
use hotel_core::{Occupancy, RoomId};
use hotel_telemetry::clock::now_ms;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

pub use policy::AutomationSettings;

use crate::error::AppError;
use crate::state::AppState;

/// Recent commands read to decide whether an automatic one is still due.
const RECENT_COMMANDS: u32 = 50;

/// `updated_by` of a change a device reported.
pub const BY_DEVICE: &str = "device";

/// What the API and the runner share: the settings and every room's
/// occupancy record.
pub struct Automation {
    /// Where occupancy is kept.
    pub store: Arc<dyn OccupancyStore>,
    /// Targets and timing.
    pub settings: AutomationSettings,
    /// Every room's record; the lock also orders changes of one room.
    records: Mutex<HashMap<RoomId, OccupancyRecord>>,
    /// Held from reading a room's recent commands to recording the one
    /// sent, so that a state change and the runner's tick deciding at the
    /// same moment send one command, not two.
    applying: Mutex<()>,
}

impl Automation {
    /// Loads every room's record from `store`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn load(
        store: Arc<dyn OccupancyStore>,
        settings: AutomationSettings,
    ) -> Result<Self, hotel_core::store::StoreError> {
        let records = store
            .occupancies()
            .await?
            .into_iter()
            .map(|r| (r.room, r))
            .collect();
        Ok(Self {
            store,
            settings,
            records: Mutex::new(records),
            applying: Mutex::new(()),
        })
    }

    /// A room's record, if anything was set for it.
    pub async fn record(&self, room: RoomId) -> Option<OccupancyRecord> {
        self.records.lock().await.get(&room).cloned()
    }
}

/// Sets a room's occupancy state, stores it, shows it in the room's JSON
/// and sends what the new state calls for. `check_in_ms` matters for
/// `booked` only. Setting the state a room already has is still a change:
/// it ends a person's hold on the target.
///
/// This is what the kiosk check-in will call (with `by` = `kiosk`) once it
/// exists.
///
/// # Errors
///
/// When the store fails. A command that cannot be published now is only
/// logged: the runner retries it.
pub async fn set_occupancy(
    state: &AppState,
    room: RoomId,
    occupancy: Occupancy,
    check_in_ms: Option<i64>,
    by: &str,
) -> Result<OccupancyRecord, AppError> {
    let now = now_ms();
    let record = {
        let mut records = state.automation.records.lock().await;
        let mut record = records
            .get(&room)
            .cloned()
            .unwrap_or_else(|| empty_record(room, now));
        record.state = Some(occupancy);
        record.check_in_ms = check_in_ms.filter(|_| occupancy == Occupancy::Booked);
        record.state_changed_ms = now;
        record.updated_by = by.to_owned();
        record.updated_ms = now;
        state.automation.store.put_occupancy(&record).await?;
        records.insert(room, record.clone());
        state.live.set_occupancy(room, occupancy);
        record
    };
    tracing::info!(room = %room, occupancy = %occupancy, by, "occupancy changed");
    apply(state, &record).await;
    Ok(record)
}

/// Sets a room's do-not-disturb and make-up-room flags (`None` keeps one
/// as it is), stores them and shows them in the room's JSON.
///
/// # Errors
///
/// When the store fails.
pub async fn set_flags(
    state: &AppState,
    room: RoomId,
    do_not_disturb: Option<bool>,
    make_up_room: Option<bool>,
    by: &str,
) -> Result<OccupancyRecord, AppError> {
    let now = now_ms();
    let mut records = state.automation.records.lock().await;
    let mut record = records
        .get(&room)
        .cloned()
        .unwrap_or_else(|| empty_record(room, now));
    if let Some(dnd) = do_not_disturb {
        record.do_not_disturb = dnd;
    }
    if let Some(make_up) = make_up_room {
        record.make_up_room = make_up;
    }
    record.updated_by = by.to_owned();
    record.updated_ms = now;
    state.automation.store.put_occupancy(&record).await?;
    records.insert(room, record.clone());
    state.live.set_flags(room, do_not_disturb, make_up_room);
    Ok(record)
}

/// Re-evaluates every room until `cancel`: acts on occupancy changes that
/// devices report and sends targets that became due.
pub async fn run(state: AppState, cancel: CancellationToken) {
    {
        let records = state.automation.records.lock().await;
        for record in records.values() {
            if let Some(occupancy) = record.state {
                state.live.set_occupancy(record.room, occupancy);
            }
        }
    }
    let mut reported: HashMap<RoomId, Option<Occupancy>> =
        state.live.device_occupancy().into_iter().collect();
    // What was found sent or held, per room: its state change and reason,
    // so the command history is read once per decision, not every turn.
    let mut settled: HashMap<RoomId, (i64, &'static str)> = HashMap::new();
    let mut tick = tokio::time::interval(state.automation.settings.check_every);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        follow_devices(&state, &mut reported).await;
        let records: Vec<_> = state
            .automation
            .records
            .lock()
            .await
            .values()
            .cloned()
            .collect();
        for record in records {
            // A deleted room's record went with it from the store.
            let Some(occupancy) = record.state.filter(|_| state.live.contains(&record.room)) else {
                continue;
            };
            let settings = &state.automation.settings;
            let Some(decision) = policy::decide(occupancy, record.check_in_ms, now_ms(), settings)
            else {
                continue;
            };
            let key = (record.state_changed_ms, decision.reason);
            if settled.get(&record.room) == Some(&key) {
                continue;
            }
            if apply(&state, &record).await {
                settled.insert(record.room, key);
            }
        }
    }
}

/// Treats a changed device-reported occupancy as a state change.
async fn follow_devices(state: &AppState, reported: &mut HashMap<RoomId, Option<Occupancy>>) {
    for (room, now_reported) in state.live.device_occupancy() {
        let before = reported.insert(room, now_reported);
        let Some(occupancy) = now_reported else {
            continue;
        };
        if before == Some(now_reported) {
            continue;
        }
        let held = state.automation.record(room).await.and_then(|r| r.state);
        if held == Some(occupancy) {
            continue;
        }
        if let Err(e) = set_occupancy(state, room, occupancy, None, BY_DEVICE).await {
            tracing::warn!(room = %room, error = %e, "could not store reported occupancy");
        }
    }
}

/// Sends what the record's state calls for, unless it was sent already or
/// a person holds the target. True when nothing is left to do.
async fn apply(state: &AppState, record: &OccupancyRecord) -> bool {
    let Some(occupancy) = record.state else {
        return true;
    };
    let Some(decision) = policy::decide(
        occupancy,
        record.check_in_ms,
        now_ms(),
        &state.automation.settings,
    ) else {
        return true;
    };
    let _applying = state.automation.applying.lock().await;
    let recent = match state.records.commands(record.room, RECENT_COMMANDS).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(room = %record.room, error = %e, "could not read recent commands");
            return false;
        }
    };
    if !policy::is_due(&decision, &recent, record.state_changed_ms) {
        return true;
    }
    let command = match decision.command() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "automation target out of range; check the configuration");
            return true;
        }
    };
    match crate::control::send(state, record.room, command, &decision.sent_by()).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(room = %record.room, error = %e, "automatic command not sent; will retry");
            false
        }
    }
}

fn empty_record(room: RoomId, now: i64) -> OccupancyRecord {
    OccupancyRecord {
        room,
        state: None,
        check_in_ms: None,
        state_changed_ms: now,
        do_not_disturb: false,
        make_up_room: false,
        updated_by: String::new(),
        updated_ms: now,
    }
}
