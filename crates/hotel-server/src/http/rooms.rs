//! Rooms: list, one room, history, command log, and admin create, rename,
//! delete.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hotel_core::store::{Bucket, CommandRecord, HistoryQuery};
use hotel_core::{Metric, RoomId};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::live::{RoomView, rfc3339};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::body::JsonBody;
use crate::state::AppState;

/// The most buckets a history request may ask for.
pub const MAX_POINTS: u32 = 2_000;

/// History range when none is given, ms.
const DEFAULT_RANGE_MS: i64 = 24 * 60 * 60 * 1000;

/// `GET /api/rooms/`: the rooms the caller may see.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Json<Vec<RoomView>> {
    let mut rooms = state.live.views(now_ms());
    rooms.retain(|r| caller.access.allows_room(&r.id));
    Json(rooms)
}

/// `GET /api/room/<id>/`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RoomView>, AppError> {
    let room = visible_room(&state, &caller, &id)?;
    state
        .live
        .view(&room, now_ms())
        .map(Json)
        .ok_or(AppError::NotFound("room"))
}

/// Parses a room id from the path and checks the caller may use it and it
/// exists.
pub fn visible_room(state: &AppState, caller: &Caller, id: &str) -> Result<RoomId, AppError> {
    let room = RoomId::parse(id).map_err(|_| AppError::NotFound("room"))?;
    if !caller.access.allows_room(&room) {
        return Err(AppError::Forbidden);
    }
    if !state.live.contains(&room) {
        return Err(AppError::NotFound("room"));
    }
    Ok(room)
}

/// History query string.
#[derive(Deserialize)]
pub struct HistoryParams {
    sensor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    points: Option<u32>,
}

/// History answer.
#[derive(Serialize)]
pub struct History {
    room: RoomId,
    sensor: Metric,
    from: Option<String>,
    to: Option<String>,
    points: Vec<Point>,
}

/// One bucket of history.
#[derive(Serialize)]
pub struct Point {
    time: Option<String>,
    ts_ms: i64,
    count: u64,
    min: f64,
    mean: f64,
    max: f64,
}

/// `GET /api/room/<id>/history/?sensor=…&from=…&to=…&points=…`.
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<History>, AppError> {
    let room = visible_room(&state, &caller, &id)?;
    let sensor: Metric = params
        .sensor
        .as_deref()
        .unwrap_or("temperature")
        .parse()
        .map_err(|e: hotel_core::reading::UnknownMetric| AppError::Invalid(e.to_string()))?;
    let to_ms = match params.to.as_deref() {
        Some(t) => {
            parse_time(t).ok_or_else(|| AppError::Invalid(format!("'to' is not a time: {t}")))?
        }
        None => now_ms(),
    };
    let from_ms = match params.from.as_deref() {
        Some(t) => {
            parse_time(t).ok_or_else(|| AppError::Invalid(format!("'from' is not a time: {t}")))?
        }
        None => to_ms - DEFAULT_RANGE_MS,
    };
    if from_ms >= to_ms {
        return Err(AppError::Invalid("'from' must be before 'to'".to_owned()));
    }
    let points = params.points.unwrap_or(200);
    if !(1..=MAX_POINTS).contains(&points) {
        return Err(AppError::Invalid(format!(
            "'points' must be between 1 and {MAX_POINTS}"
        )));
    }
    let buckets = state
        .readings
        .history(&HistoryQuery {
            room,
            metric: sensor,
            from_ms,
            to_ms,
            points,
        })
        .await?;
    Ok(Json(History {
        room,
        sensor,
        from: rfc3339(from_ms),
        to: rfc3339(to_ms),
        points: buckets.iter().map(point).collect(),
    }))
}

fn point(b: &Bucket) -> Point {
    Point {
        time: rfc3339(b.start_ms),
        ts_ms: b.start_ms,
        count: b.count,
        min: b.min,
        mean: b.mean,
        max: b.max,
    }
}

/// Unix seconds (integer or fractional) or RFC 3339, to Unix ms.
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs.abs() < 1e12).then(|| (secs * 1000.0).round() as i64);
    }
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// `GET /api/room/<id>/commands/`: newest first.
pub async fn commands(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<CommandRecord>>, AppError> {
    let room = visible_room(&state, &caller, &id)?;
    Ok(Json(state.records.commands(room, 100).await?))
}

/// Body of room create and rename.
#[derive(Deserialize)]
pub struct RoomBody {
    id: Option<String>,
    name: Option<String>,
}

/// `POST /api/rooms/` (admin): create a room before its device reports.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<RoomBody>,
) -> Result<(StatusCode, Json<RoomView>), AppError> {
    caller.require_admin()?;
    let id = body
        .id
        .ok_or_else(|| AppError::Invalid("'id' is required".to_owned()))?;
    let room = RoomId::parse(&id).map_err(|e| AppError::Invalid(e.to_string()))?;
    if state.live.contains(&room) {
        return Err(AppError::Conflict("room"));
    }
    let name = checked_name(body.name)?;
    state.records.put_room(room, name.as_deref()).await?;
    state.live.put(room, name);
    tracing::info!(room = %room, by = %caller.username, "room created");
    let view = state
        .live
        .view(&room, now_ms())
        .ok_or(AppError::NotFound("room"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `PATCH /api/room/<id>/` (admin): rename.
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RoomBody>,
) -> Result<Json<RoomView>, AppError> {
    caller.require_admin()?;
    let room = visible_room(&state, &caller, &id)?;
    let name = checked_name(body.name)?;
    state.records.put_room(room, name.as_deref()).await?;
    state.live.put(room, name);
    let view = state
        .live
        .view(&room, now_ms())
        .ok_or(AppError::NotFound("room"))?;
    Ok(Json(view))
}

/// `DELETE /api/room/<id>/` (admin): remove the room and its history.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require_admin()?;
    let room = visible_room(&state, &caller, &id)?;
    state.records.delete_room(room).await?;
    state.live.remove(&room);
    tracing::info!(room = %room, by = %caller.username, "room deleted");
    Ok(StatusCode::NO_CONTENT)
}

fn checked_name(name: Option<String>) -> Result<Option<String>, AppError> {
    let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 80 || n.chars().any(char::is_control))
    {
        return Err(AppError::Invalid(
            "'name' must be at most 80 printable characters".to_owned(),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unix_seconds_and_rfc3339() {
        assert_eq!(parse_time("1733300000"), Some(1_733_300_000_000));
        assert_eq!(parse_time("1733300000.5"), Some(1_733_300_000_500));
        assert_eq!(parse_time("2024-12-04T08:13:20Z"), Some(1_733_300_000_000));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("NaN"), None);
        assert_eq!(parse_time("1e300"), None);
    }
}
