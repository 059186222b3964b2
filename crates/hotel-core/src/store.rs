//! Storage traits: telemetry (time series), the hotel's records (rooms,
//! accounts, sessions, device credentials, command log) and alerting
//! (alerts, thresholds, notifications).
//!
//! Each backend implements these in its own module of `hotel-telemetry`
//! (SQLite by default); the server only sees the traits.

use async_trait::async_trait;
use serde::Serialize;

use crate::account::Role;
use crate::alert::{AlertKind, AlertLevel, ThresholdOverrides};
use crate::command::ControlCommand;
use crate::reading::{Metric, Reading};
use crate::room::RoomId;
use crate::state::{DeviceState, LightMode, Occupancy};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record exists already (a user name, a room id).
    #[error("already exists")]
    Conflict,
    /// The backend failed; the cause says how.
    #[error("storage backend failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A history request: one room's metric over `[from_ms, to_ms)`, in at most
/// `points` buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryQuery {
    /// The room.
    pub room: RoomId,
    /// The metric.
    pub metric: Metric,
    /// Start, Unix ms, inclusive.
    pub from_ms: i64,
    /// End, Unix ms, exclusive.
    pub to_ms: i64,
    /// The most buckets to return (at least 1).
    pub points: u32,
}

/// Readings of one time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    /// Start of the bucket, Unix ms.
    pub start_ms: i64,
    /// How many readings fell in it (never 0: empty buckets are left out).
    pub count: u64,
    /// Smallest value.
    pub min: f64,
    /// Mean value.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
}

/// The latest stored value of one room's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latest {
    /// The room.
    pub room: RoomId,
    /// The metric.
    pub metric: Metric,
    /// When it was read, Unix ms.
    pub ts_ms: i64,
    /// The value.
    pub value: f64,
}

/// The time-series store of readings.
///
/// Writing is idempotent: one room, metric and timestamp is one reading, so a
/// re-delivered message never duplicates history.
#[async_trait]
pub trait ReadingStore: Send + Sync {
    /// Stores `readings` in one transaction; returns how many were new.
    async fn write_batch(&self, readings: &[Reading]) -> Result<u64, StoreError>;

    /// The latest value of every room's every metric.
    async fn latest(&self) -> Result<Vec<Latest>, StoreError>;

    /// Downsampled history; empty buckets are left out.
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Bucket>, StoreError>;

    /// Deletes raw readings older than `raw_before_ms` and rollups older than
    /// `rollup_before_ms`; returns how many raw readings went.
    async fn prune(&self, raw_before_ms: i64, rollup_before_ms: i64) -> Result<u64, StoreError>;

    /// One room's raw readings of one metric in `[from_ms, to_ms)`, oldest
    /// first, at most `limit` of them (the oldest ones).
    async fn readings(
        &self,
        room: RoomId,
        metric: Metric,
        from_ms: i64,
        to_ms: i64,
        limit: u32,
    ) -> Result<Vec<Reading>, StoreError>;
}

/// A room's occupancy and guest flags as the room automation holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupancyRecord {
    /// The room.
    pub room: RoomId,
    /// The occupancy state; `None` until one is set (flags may come first).
    pub state: Option<Occupancy>,
    /// For a booked room, the expected check-in, Unix ms.
    pub check_in_ms: Option<i64>,
    /// When `state` last changed, Unix ms.
    pub state_changed_ms: i64,
    /// Do-not-disturb.
    pub do_not_disturb: bool,
    /// Make-up-room request.
    pub make_up_room: bool,
    /// Who made the last change: a user name, `device` or `kiosk`.
    pub updated_by: String,
    /// When, Unix ms.
    pub updated_ms: i64,
}

/// Occupancy and guest flags per room, for the room automation.
#[async_trait]
pub trait OccupancyStore: Send + Sync {
    /// Every room's record, ordered by room.
    async fn occupancies(&self) -> Result<Vec<OccupancyRecord>, StoreError>;

    /// Creates or replaces a room's record.
    async fn put_occupancy(&self, record: &OccupancyRecord) -> Result<(), StoreError>;
}

/// A room as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomRecord {
    /// The room id.
    pub id: RoomId,
    /// A display name set by an admin.
    pub name: Option<String>,
    /// The latest word-valued settings the device reported.
    pub state: DeviceState,
    /// The light mode last commanded.
    pub light_mode: Option<LightMode>,
    /// The brightness last commanded, %.
    pub brightness: Option<u8>,
    /// When the device was last heard from, Unix ms.
    pub last_seen_ms: Option<i64>,
    /// The device's last `status/online` word, if any.
    pub online: Option<bool>,
}

/// One control command as sent, for the room's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandRecord {
    /// The room.
    pub room: RoomId,
    /// The command.
    #[serde(flatten)]
    pub command: ControlCommand,
    /// Who sent it: a user name, or `automation:<reason>`.
    pub sent_by: String,
    /// When, Unix ms.
    pub sent_ms: i64,
}

/// An account as stored. The password is kept only as a PHC hash string.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Unique user name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// For a guest, its room.
    pub room: Option<RoomId>,
    /// For a guest, checkout: the account stops working then, Unix ms.
    pub expires_ms: Option<i64>,
    /// A disabled account cannot sign in.
    pub disabled: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("username", &self.username)
            .field("password_hash", &"[redacted]")
            .field("role", &self.role)
            .field("room", &self.room)
            .field("expires_ms", &self.expires_ms)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A signed-in session, found by the hash of its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The account.
    pub username: String,
    /// When the token stops working, Unix ms.
    pub expires_ms: i64,
}

/// A device's MQTT credential; the secret is kept only as a hash.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceCredential {
    /// MQTT user name.
    pub username: String,
    /// The room it may publish for.
    pub room: RoomId,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("username", &self.username)
            .field("room", &self.room)
            .field("secret_sha256", &"[redacted]")
            .finish()
    }
}

/// What a guest may set in its room, chosen by an admin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuestLimits {
    /// Lowest target temperature the guest may set, °C.
    pub target_min_c: f64,
    /// Highest target temperature the guest may set, °C.
    pub target_max_c: f64,
}

impl GuestLimits {
    /// True when `celsius` is within the limits.
    pub fn allows_target(&self, celsius: f64) -> bool {
        (self.target_min_c..=self.target_max_c).contains(&celsius)
    }
}

/// One admin action, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// When, Unix ms.
    pub at_ms: i64,
    /// Who did it (a user name).
    pub actor: String,
    /// What, as a short machine word (`user.create`, `user.disable`, …).
    pub action: String,
    /// What it was done to (a user name or room id).
    pub target: String,
    /// Extra facts (a role, a room); never a password or token.
    pub detail: String,
}

/// The hotel's records: rooms, accounts, sessions, devices, commands.
#[async_trait]
pub trait HotelStore: Send + Sync {
    /// Every room, ordered by id.
    async fn rooms(&self) -> Result<Vec<RoomRecord>, StoreError>;

    /// Creates `room` if it is new; returns true when it was created.
    async fn ensure_room(&self, room: RoomId) -> Result<bool, StoreError>;

    /// Creates or renames a room.
    async fn put_room(&self, room: RoomId, name: Option<&str>) -> Result<(), StoreError>;

    /// Removes a room and its readings; returns false when it did not exist.
    async fn delete_room(&self, room: RoomId) -> Result<bool, StoreError>;

    /// Saves what the server knows of a room's device.
    async fn save_room_status(&self, record: &RoomRecord) -> Result<(), StoreError>;

    /// Appends a sent command to the room's history.
    async fn record_command(&self, record: &CommandRecord) -> Result<(), StoreError>;

    /// The room's latest commands, newest first.
    async fn commands(&self, room: RoomId, limit: u32) -> Result<Vec<CommandRecord>, StoreError>;

    /// The newest command of each kind for every room: what devices should
    /// find retained on their control topics.
    async fn last_commands(&self) -> Result<Vec<CommandRecord>, StoreError>;

    /// Succeeds when the backend answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Finds an account.
    async fn user(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Every account, ordered by name.
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;

    /// Creates an account; [`StoreError::Conflict`] when the name is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;

    /// Deletes an account and its sessions; returns false when it did not exist.
    async fn delete_user(&self, username: &str) -> Result<bool, StoreError>;

    /// Stores a session under the hash of its token.
    async fn create_session(
        &self,
        token_sha256: &str,
        session: &SessionRecord,
    ) -> Result<(), StoreError>;

    /// Finds a session by the hash of its token.
    async fn session(&self, token_sha256: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Deletes sessions that expired before `now_ms` and guest accounts whose
    /// checkout passed before `now_ms`; returns how many records went.
    async fn purge_expired(&self, now_ms: i64) -> Result<u64, StoreError>;

    /// Stores a device credential; [`StoreError::Conflict`] when the user name is taken.
    async fn add_device(&self, credential: &DeviceCredential) -> Result<(), StoreError>;

    /// Finds a device credential by MQTT user name.
    async fn device(&self, username: &str) -> Result<Option<DeviceCredential>, StoreError>;

    /// Deletes one session (sign-out); returns false when there was none.
    async fn delete_session(&self, token_sha256: &str) -> Result<bool, StoreError>;

    /// Deletes every session of an account (sign-out everywhere); returns
    /// how many went.
    async fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError>;

    /// Disables or enables an account; returns false when it does not exist.
    async fn set_user_disabled(&self, username: &str, disabled: bool) -> Result<bool, StoreError>;

    /// Replaces an account's password hash; returns false when it does not
    /// exist.
    async fn set_password_hash(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError>;

    /// Sets a guest's limits (replacing earlier ones); they go with the
    /// account.
    async fn set_guest_limits(
        &self,
        username: &str,
        limits: &GuestLimits,
    ) -> Result<(), StoreError>;

    /// A guest's limits, if an admin set any.
    async fn guest_limits(&self, username: &str) -> Result<Option<GuestLimits>, StoreError>;

    /// Appends an entry to the audit log.
    async fn record_audit(&self, entry: &AuditRecord) -> Result<(), StoreError>;

    /// The latest audit entries, newest first.
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;
}

/// An alert as stored: one condition of one room, from when it was raised
/// until it cleared.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// Assigned by the store; ignored by [`AlertStore::open_alert`].
    pub id: i64,
    /// The room.
    pub room: RoomId,
    /// The condition.
    pub kind: AlertKind,
    /// Its level now (it may rise and fall while open).
    pub level: AlertLevel,
    /// A short line for staff: condition and value.
    pub message: String,
    /// The value that raised or last changed it, if there is one.
    pub value: Option<f64>,
    /// When it was raised, Unix ms.
    pub started_ms: i64,
    /// When the condition cleared, Unix ms; `None` while open.
    pub ended_ms: Option<i64>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was acknowledged, Unix ms.
    pub acknowledged_ms: Option<i64>,
}

/// Which alerts to list. Every filter set must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertQuery {
    /// `Some(true)`: only open alerts; `Some(false)`: only ended ones.
    pub open: Option<bool>,
    /// Only this room's.
    pub room: Option<RoomId>,
    /// Only alerts at this level.
    pub level: Option<AlertLevel>,
    /// Only alerts still open at or after this time, Unix ms.
    pub from_ms: Option<i64>,
    /// Only alerts raised before this time, Unix ms.
    pub to_ms: Option<i64>,
    /// The most to return, newest first.
    pub limit: u32,
}

impl Default for AlertQuery {
    fn default() -> Self {
        Self {
            open: None,
            room: None,
            level: None,
            from_ms: None,
            to_ms: None,
            limit: 100,
        }
    }
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Queued or being retried.
    Pending,
    /// Delivered.
    Sent,
    /// Given up: refused by the channel, retries exhausted or queue full.
    Failed,
}

impl NotificationStatus {
    /// The status name in the API and the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Failed => "failed",
        }
    }

    /// Parses a status name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// One notification on one channel, for the notification centre.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    /// Assigned by the store; ignored by [`AlertStore::record_notification`].
    pub id: i64,
    /// The channel (`telegram`, `webhook`).
    pub channel: String,
    /// The alert it is about, if any.
    pub alert_id: Option<i64>,
    /// The room it is about, if any.
    pub room: Option<RoomId>,
    /// The text sent.
    pub text: String,
    /// Where it stands.
    pub status: NotificationStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed (never a secret).
    pub last_error: Option<String>,
    /// When it was queued, Unix ms.
    pub created_ms: i64,
    /// When its status last changed, Unix ms.
    pub updated_ms: i64,
}

/// Alerts, alert thresholds set by admins, and the notification log.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Stores a new open alert and returns its id; [`StoreError::Conflict`]
    /// when the room already has an open alert of that kind.
    async fn open_alert(&self, alert: &AlertRecord) -> Result<i64, StoreError>;

    /// Changes an open alert's level, message and value.
    async fn update_alert(
        &self,
        id: i64,
        level: AlertLevel,
        message: &str,
        value: Option<f64>,
    ) -> Result<(), StoreError>;

    /// Ends an open alert at `ended_ms`; ending an ended one changes nothing.
    async fn end_alert(&self, id: i64, ended_ms: i64) -> Result<(), StoreError>;

    /// Records who acknowledged an alert (the first acknowledgement stays);
    /// `None` when there is no such alert.
    async fn acknowledge_alert(
        &self,
        id: i64,
        by: &str,
        at_ms: i64,
    ) -> Result<Option<AlertRecord>, StoreError>;

    /// One alert.
    async fn alert(&self, id: i64) -> Result<Option<AlertRecord>, StoreError>;

    /// Alerts matching `query`, newest first.
    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<AlertRecord>, StoreError>;

    /// The hotel's (`None`) and each room's threshold overrides set by admins.
    async fn threshold_overrides(
        &self,
    ) -> Result<Vec<(Option<RoomId>, ThresholdOverrides)>, StoreError>;

    /// Replaces the hotel's (`None`) or a room's overrides; empty overrides
    /// remove the entry.
    async fn put_threshold_overrides(
        &self,
        room: Option<RoomId>,
        overrides: &ThresholdOverrides,
    ) -> Result<(), StoreError>;

    /// Stores a queued notification and returns its id.
    async fn record_notification(&self, record: &NotificationRecord) -> Result<i64, StoreError>;

    /// Updates a notification's status, attempts and last error.
    async fn update_notification(
        &self,
        id: i64,
        status: NotificationStatus,
        attempts: u32,
        last_error: Option<&str>,
        at_ms: i64,
    ) -> Result<(), StoreError>;

    /// The latest notifications, newest first.
    async fn notifications(&self, limit: u32) -> Result<Vec<NotificationRecord>, StoreError>;
}
