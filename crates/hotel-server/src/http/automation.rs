//! Room automation endpoints: occupancy and guest flags per room (staff),
//! and the energy view's heating hours.

use axum::Json;
use axum::extract::{Path, Query, State};
use hotel_core::store::OccupancyRecord;
use hotel_core::{Metric, Occupancy, RoomId};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::live::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::automation::{self, energy};
use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::body::JsonBody;
use crate::http::rooms::{parse_time, visible_room};
use crate::state::AppState;

/// The longest range the energy view covers, ms (31 days).
const MAX_ENERGY_RANGE_MS: i64 = 31 * energy::DAY_MS;

/// Energy range when none is given, ms (7 days).
const DEFAULT_ENERGY_RANGE_MS: i64 = 7 * energy::DAY_MS;

/// Raw `heating` readings read per room at most; past it the room is
/// marked `truncated`.
const MAX_READINGS_PER_ROOM: u32 = 200_000;

/// `{"state": "booked", "check_in_at": "2024-12-04T15:00:00Z"}`
#[derive(Deserialize)]
pub struct OccupancyBody {
    state: Value,
    check_in_at: Option<Value>,
}

/// `{"do_not_disturb": true, "make_up_room": false}`; either may be left out.
#[derive(Deserialize)]
pub struct FlagsBody {
    do_not_disturb: Option<bool>,
    make_up_room: Option<bool>,
}

/// A room's occupancy and flags as the API shows them.
#[derive(Serialize)]
pub struct OccupancyView {
    room: RoomId,
    state: Option<Occupancy>,
    check_in_at: Option<String>,
    do_not_disturb: bool,
    make_up_room: bool,
    updated_by: String,
    updated_at: Option<String>,
}

impl From<OccupancyRecord> for OccupancyView {
    fn from(r: OccupancyRecord) -> Self {
        Self {
            room: r.room,
            state: r.state,
            check_in_at: r.check_in_ms.and_then(rfc3339),
            do_not_disturb: r.do_not_disturb,
            make_up_room: r.make_up_room,
            updated_by: r.updated_by,
            updated_at: rfc3339(r.updated_ms),
        }
    }
}

/// `PUT /api/room/<id>/occupancy/` (admin, monitor).
pub async fn put_occupancy(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OccupancyBody>,
) -> Result<Json<OccupancyView>, AppError> {
    caller.require_staff()?;
    let room = visible_room(&state, &caller, &id)?;
    let occupancy = body
        .state
        .as_str()
        .and_then(Occupancy::parse_word)
        .ok_or_else(|| {
            AppError::Invalid("'state' must be vacant, booked, occupied or checked_out".to_owned())
        })?;
    let check_in_ms = match body.check_in_at.filter(|v| !v.is_null()) {
        None => None,
        Some(_) if occupancy != Occupancy::Booked => {
            return Err(AppError::Invalid(
                "'check_in_at' is for a booked room only".to_owned(),
            ));
        }
        Some(v) => Some(time_value(&v).ok_or_else(|| {
            AppError::Invalid("'check_in_at' must be RFC 3339 or Unix seconds".to_owned())
        })?),
    };
    let record =
        automation::set_occupancy(&state, room, occupancy, check_in_ms, &caller.username).await?;
    Ok(Json(record.into()))
}

/// `PUT /api/room/<id>/flags/` (admin, monitor).
pub async fn put_flags(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FlagsBody>,
) -> Result<Json<OccupancyView>, AppError> {
    caller.require_staff()?;
    let room = visible_room(&state, &caller, &id)?;
    if body.do_not_disturb.is_none() && body.make_up_room.is_none() {
        return Err(AppError::Invalid(
            "give 'do_not_disturb' or 'make_up_room' (true or false)".to_owned(),
        ));
    }
    let record = automation::set_flags(
        &state,
        room,
        body.do_not_disturb,
        body.make_up_room,
        &caller.username,
    )
    .await?;
    Ok(Json(record.into()))
}

/// Energy query string.
#[derive(Deserialize)]
pub struct EnergyParams {
    from: Option<String>,
    to: Option<String>,
}

/// The energy view.
#[derive(Serialize)]
pub struct Energy {
    /// Start of the range, RFC 3339.
    pub from: Option<String>,
    /// End of the range, RFC 3339.
    pub to: Option<String>,
    /// Time of the oldest heating reading the store holds, RFC 3339; none
    /// without any. Days before it have no data rather than no heating.
    pub data_since: Option<String>,
    /// [`Energy::data_since`] as Unix ms, for the dashboard.
    #[serde(skip)]
    pub data_since_ms: Option<i64>,
    /// Every known room.
    pub rooms: Vec<RoomEnergy>,
}

/// One room's heating hours.
#[derive(Serialize)]
pub struct RoomEnergy {
    /// The room.
    pub room: RoomId,
    /// Its occupancy state now.
    pub occupancy: Option<Occupancy>,
    /// Hours over the whole range.
    pub heating_hours: f64,
    /// Hours per UTC day with any heating, oldest first.
    pub days: Vec<DayEnergy>,
    /// True when the room had more readings than are read at once; the
    /// hours then cover the range's start only.
    pub truncated: bool,
}

/// Heating hours of one UTC day.
#[derive(Serialize)]
pub struct DayEnergy {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Hours the heater ran that day.
    pub heating_hours: f64,
}

/// `GET /api/energy/?from=…&to=…` (admin, monitor): heating hours per room
/// and UTC day.
pub async fn energy(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<EnergyParams>,
) -> Result<Json<Energy>, AppError> {
    caller.require_staff()?;
    let now = now_ms();
    let to_ms = match params.to.as_deref() {
        Some(t) => {
            parse_time(t).ok_or_else(|| AppError::Invalid(format!("'to' is not a time: {t}")))?
        }
        None => now,
    };
    let from_ms = match params.from.as_deref() {
        Some(t) => {
            parse_time(t).ok_or_else(|| AppError::Invalid(format!("'from' is not a time: {t}")))?
        }
        None => to_ms - DEFAULT_ENERGY_RANGE_MS,
    };
    Ok(Json(energy_report(&state, from_ms, to_ms).await?))
}

/// Heating hours per room and UTC day from `from_ms` to `to_ms` (at most
/// 31 days), for the API and the dashboard.
///
/// # Errors
///
/// [`AppError::Invalid`] for an empty or too long range; store errors.
pub async fn energy_report(state: &AppState, from_ms: i64, to_ms: i64) -> Result<Energy, AppError> {
    if from_ms >= to_ms {
        return Err(AppError::Invalid("'from' must be before 'to'".to_owned()));
    }
    if to_ms - from_ms > MAX_ENERGY_RANGE_MS {
        return Err(AppError::Invalid(
            "the range may cover at most 31 days".to_owned(),
        ));
    }
    let now = now_ms();
    // Heating does not count past now, however recent the last reading.
    let until_ms = to_ms.min(now);

    let mut rooms = Vec::new();
    let mut data_since_ms: Option<i64> = None;
    for view in state.live.views(now) {
        let oldest = state
            .readings
            .readings(view.id, Metric::Heating, 0, i64::MAX, 1)
            .await?;
        if let Some(first) = oldest.first() {
            data_since_ms = Some(data_since_ms.map_or(first.ts_ms, |t| t.min(first.ts_ms)));
        }
        // A reading shortly before the range still says whether the heater
        // ran at its start.
        let readings = state
            .readings
            .readings(
                view.id,
                Metric::Heating,
                from_ms.saturating_sub(energy::MAX_GAP_MS),
                until_ms,
                MAX_READINGS_PER_ROOM,
            )
            .await?;
        // The batch writer may have committed between the two queries: a
        // reading in range is never newer than the oldest one, so the page
        // never shows hours on a day it calls "no data".
        if let Some(first) = readings.first() {
            data_since_ms = Some(data_since_ms.map_or(first.ts_ms, |t| t.min(first.ts_ms)));
        }
        let truncated = readings.len() >= MAX_READINGS_PER_ROOM as usize;
        let points: Vec<_> = readings.iter().map(|r| (r.ts_ms, r.value)).collect();
        let by_day = energy::heating_ms_by_day(&points, from_ms, until_ms, energy::MAX_GAP_MS);
        let days: Vec<_> = by_day
            .iter()
            .map(|(day, ms)| DayEnergy {
                day: rfc3339(*day)
                    .and_then(|s| s.get(..10).map(str::to_owned))
                    .unwrap_or_default(),
                heating_hours: hours(*ms),
            })
            .collect();
        rooms.push(RoomEnergy {
            room: view.id,
            occupancy: view.occupancy,
            heating_hours: hours(by_day.values().sum()),
            days,
            truncated,
        });
    }
    Ok(Energy {
        from: rfc3339(from_ms),
        to: rfc3339(to_ms),
        data_since: data_since_ms.and_then(rfc3339),
        data_since_ms,
        rooms,
    })
}

fn hours(ms: i64) -> f64 {
    ms as f64 / 3_600_000.0
}

/// A JSON time: RFC 3339 text, or Unix seconds as a number or text.
fn time_value(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => parse_time(s),
        Value::Number(n) => n.as_f64().and_then(|f| parse_time(&f.to_string())),
        _ => None,
    }
}
