//! Alerts, their thresholds and the notification centre:
//! `GET /api/alerts/`, `POST /api/alerts/<id>/ack/`,
//! `GET/PUT /api/alerts/thresholds/` (hotel) and
//! `GET/PUT /api/alerts/thresholds/<room>/`, `GET /api/notifications/`.
//!
//! Guests see their own room's alerts only and cannot acknowledge;
//! thresholds are read by staff and changed by admins.

use axum::Json;
use axum::extract::{Path, Query, State};
use hotel_core::alert::ThresholdOverrides;
use hotel_core::store::{
    AlertQuery, AlertRecord, AuditRecord, NotificationRecord, NotificationStatus,
};
use hotel_core::{AlertLevel, Role, RoomId, Thresholds};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::live::rfc3339;
use serde::{Deserialize, Serialize};

use crate::alert::AlertView;
use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::body::JsonBody;
use crate::http::rooms::{parse_time, visible_room};
use crate::state::AppState;

/// The most alerts or notifications one request lists.
pub const MAX_LIMIT: u32 = 1_000;

/// `GET /api/alerts/` query string.
#[derive(Deserialize)]
pub struct AlertParams {
    open: Option<String>,
    room: Option<String>,
    level: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/alerts/?open=true&room=101&level=critical&from=…&to=…&limit=100`:
/// newest first; `from`/`to` select alerts active in that range.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<AlertParams>,
) -> Result<Json<Vec<AlertView>>, AppError> {
    let open = match params.open.as_deref() {
        None | Some("") => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => return Err(AppError::Invalid("'open' must be true or false".to_owned())),
    };
    let room = match params.room.as_deref() {
        None | Some("") => None,
        Some(id) => Some(RoomId::parse(id).map_err(|e| AppError::Invalid(e.to_string()))?),
    };
    let level = match params.level.as_deref() {
        None | Some("") => None,
        Some(l) => Some(AlertLevel::parse(l).ok_or_else(|| {
            AppError::Invalid("'level' must be info, warning or critical".to_owned())
        })?),
    };
    let time = |name: &str, value: Option<&str>| -> Result<Option<i64>, AppError> {
        value
            .filter(|v| !v.is_empty())
            .map(|v| {
                parse_time(v).ok_or_else(|| AppError::Invalid(format!("'{name}' is not a time")))
            })
            .transpose()
    };
    let from_ms = time("from", params.from.as_deref())?;
    let to_ms = time("to", params.to.as_deref())?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "'limit' must be between 1 and {MAX_LIMIT}"
        )));
    }

    // A guest sees only its own room.
    let room = match (caller.access.role, room) {
        (Role::Guest, Some(r)) if !caller.access.allows_room(&r) => {
            return Err(AppError::Forbidden);
        }
        (Role::Guest, None) => Some(caller.access.room.ok_or(AppError::Forbidden)?),
        (_, room) => room,
    };
    let alerts = state
        .alerts
        .store
        .alerts(&AlertQuery {
            open,
            room,
            level,
            from_ms,
            to_ms,
            limit,
        })
        .await?;
    Ok(Json(alerts.iter().map(AlertView::from).collect()))
}

/// `POST /api/alerts/<id>/ack/` (staff): records who acknowledged it; the
/// first acknowledgement stays.
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, AppError> {
    require_staff(&caller)?;
    let alert = ack(&state, &id, &caller.username).await?;
    Ok(Json(AlertView::from(&alert)))
}

/// Acknowledges alert `id` as `username` (staff, checked by the caller),
/// pushes the change and returns the alert; the first acknowledgement
/// stays. Shared by the API and the dashboard.
///
/// # Errors
///
/// Not found for an unknown id; store errors.
pub async fn ack(state: &AppState, id: &str, username: &str) -> Result<AlertRecord, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("alert"))?;
    let alert = state
        .alerts
        .store
        .acknowledge_alert(id, username, now_ms())
        .await?
        .ok_or(AppError::NotFound("alert"))?;
    tracing::info!(alert = id, room = %alert.room, by = %username, "alert acknowledged");
    state.alerts.push(&alert);
    Ok(alert)
}

/// Thresholds of the hotel or a room: what is in force, and what admins
/// changed through the API.
#[derive(Serialize)]
pub struct ThresholdsView {
    room: Option<RoomId>,
    effective: Thresholds,
    overrides: ThresholdOverrides,
    #[serde(skip_serializing_if = "Option::is_none")]
    rooms_with_overrides: Option<Vec<RoomId>>,
}

/// `GET /api/alerts/thresholds/` (staff).
pub async fn hotel_thresholds(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ThresholdsView>, AppError> {
    require_staff(&caller)?;
    Ok(Json(thresholds_view(&state, None)))
}

/// `PUT /api/alerts/thresholds/` (admin): the body is the hotel's
/// overrides, a partial object of threshold fields (`{}` resets to the
/// defaults and the configuration file).
pub async fn put_hotel_thresholds(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(overrides): JsonBody<ThresholdOverrides>,
) -> Result<Json<ThresholdsView>, AppError> {
    caller.require_admin()?;
    put(&state, &caller, None, overrides).await
}

/// `GET /api/alerts/thresholds/<room>/` (staff).
pub async fn room_thresholds(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ThresholdsView>, AppError> {
    require_staff(&caller)?;
    let room = visible_room(&state, &caller, &id)?;
    Ok(Json(thresholds_view(&state, Some(room))))
}

/// `PUT /api/alerts/thresholds/<room>/` (admin): the room's overrides over
/// the hotel's (`{}` removes them).
pub async fn put_room_thresholds(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(overrides): JsonBody<ThresholdOverrides>,
) -> Result<Json<ThresholdsView>, AppError> {
    caller.require_admin()?;
    let room = visible_room(&state, &caller, &id)?;
    put(&state, &caller, Some(room), overrides).await
}

async fn put(
    state: &AppState,
    caller: &Caller,
    room: Option<RoomId>,
    overrides: ThresholdOverrides,
) -> Result<Json<ThresholdsView>, AppError> {
    save_thresholds(state, &caller.username, room, overrides).await?;
    Ok(Json(thresholds_view(state, room)))
}

/// Stores and applies the hotel's (`None`) or a room's threshold overrides
/// for `actor`, and records the change in the audit log.
///
/// # Errors
///
/// [`AppError::Invalid`] and nothing changed when the result would
/// contradict itself for the hotel or any room; store errors.
pub async fn save_thresholds(
    state: &AppState,
    actor: &str,
    room: Option<RoomId>,
    overrides: ThresholdOverrides,
) -> Result<(), AppError> {
    let book = &state.alerts.thresholds;
    book.check(room, overrides)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    state
        .alerts
        .store
        .put_threshold_overrides(room, &overrides)
        .await?;
    book.set(room, overrides)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let target = room.map_or_else(|| "hotel".to_owned(), |r| r.to_string());
    state
        .records
        .record_audit(&AuditRecord {
            at_ms: now_ms(),
            actor: actor.to_owned(),
            action: "thresholds.set".to_owned(),
            target: target.clone(),
            detail: serde_json::to_string(&overrides).unwrap_or_default(),
        })
        .await?;
    tracing::info!(scope = %target, by = %actor, "alert thresholds changed");
    Ok(())
}

fn thresholds_view(state: &AppState, room: Option<RoomId>) -> ThresholdsView {
    let book = &state.alerts.thresholds;
    ThresholdsView {
        room,
        effective: room.map_or_else(|| book.hotel(), |r| book.room(r)),
        overrides: book.stored(room),
        rooms_with_overrides: room.is_none().then(|| book.rooms_with_overrides()),
    }
}

/// One notification in the notification centre.
#[derive(Serialize)]
pub struct NotificationView {
    id: i64,
    channel: String,
    alert_id: Option<i64>,
    room: Option<RoomId>,
    text: String,
    status: NotificationStatus,
    attempts: u32,
    last_error: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl From<NotificationRecord> for NotificationView {
    fn from(n: NotificationRecord) -> Self {
        Self {
            id: n.id,
            channel: n.channel,
            alert_id: n.alert_id,
            room: n.room,
            text: n.text,
            status: n.status,
            attempts: n.attempts,
            last_error: n.last_error,
            created_at: rfc3339(n.created_ms),
            updated_at: rfc3339(n.updated_ms),
        }
    }
}

/// `GET /api/notifications/` query string.
#[derive(Deserialize)]
pub struct NotificationParams {
    status: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/notifications/?status=failed&limit=100` (staff): the latest
/// `limit` notifications, newest first, those with `status` among them.
pub async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<NotificationParams>,
) -> Result<Json<Vec<NotificationView>>, AppError> {
    require_staff(&caller)?;
    let status = match params.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(NotificationStatus::parse(s).ok_or_else(|| {
            AppError::Invalid("'status' must be pending, sent or failed".to_owned())
        })?),
    };
    let limit = params.limit.unwrap_or(100);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "'limit' must be between 1 and {MAX_LIMIT}"
        )));
    }
    let list = state.alerts.store.notifications(limit).await?;
    Ok(Json(
        list.into_iter()
            .filter(|n| status.is_none_or(|s| n.status == s))
            .map(NotificationView::from)
            .collect(),
    ))
}

fn require_staff(caller: &Caller) -> Result<(), AppError> {
    match caller.access.role {
        Role::Admin | Role::Monitor => Ok(()),
        Role::Guest => Err(AppError::Forbidden),
    }
}
