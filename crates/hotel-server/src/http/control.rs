//! Control endpoints: `POST /api/room/<id>/set_*/`. Each validates, publishes
//! and answers 202 with what was sent; a bad value gets 422 and nothing is
//! published.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hotel_core::{ClimateMode, ControlCommand, FanSpeed, LightMode, RoomId};
use hotel_telemetry::live::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::control;
use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::body::JsonBody;
use crate::http::rooms::visible_room;
use crate::state::AppState;

/// What was sent.
#[derive(Serialize)]
pub struct Sent {
    room: RoomId,
    sent_by: String,
    sent_at: Option<String>,
    commands: Vec<SentCommand>,
}

/// One published command.
#[derive(Serialize)]
pub struct SentCommand {
    #[serde(flatten)]
    command: ControlCommand,
    topic: String,
    payload: String,
}

/// `{"target": 22.5}`
#[derive(Deserialize)]
pub struct TargetBody {
    target: Value,
}

/// `{"mode": "auto"}`
#[derive(Deserialize)]
pub struct ModeBody {
    mode: Value,
    brightness: Option<Value>,
}

/// `{"speed": "low"}`
#[derive(Deserialize)]
pub struct SpeedBody {
    speed: Value,
}

/// `POST /api/room/<id>/set_target/`.
pub async fn set_target(
    state: State<AppState>,
    caller: Caller,
    path: Path<String>,
    JsonBody(body): JsonBody<TargetBody>,
) -> Result<(StatusCode, Json<Sent>), AppError> {
    let celsius = body
        .target
        .as_f64()
        .ok_or_else(|| AppError::Invalid("'target' must be a number".to_owned()))?;
    let command = ControlCommand::target_temperature(celsius).map_err(invalid)?;
    send(state, caller, path, vec![command]).await
}

/// `POST /api/room/<id>/set_climate_mode/`.
pub async fn set_climate_mode(
    state: State<AppState>,
    caller: Caller,
    path: Path<String>,
    JsonBody(body): JsonBody<ModeBody>,
) -> Result<(StatusCode, Json<Sent>), AppError> {
    let mode = word(
        &body.mode,
        "mode",
        ClimateMode::parse_word,
        "auto, manual or off",
    )?;
    send(state, caller, path, vec![ControlCommand::ClimateMode(mode)]).await
}

/// `POST /api/room/<id>/set_fan_speed/`.
pub async fn set_fan_speed(
    state: State<AppState>,
    caller: Caller,
    path: Path<String>,
    JsonBody(body): JsonBody<SpeedBody>,
) -> Result<(StatusCode, Json<Sent>), AppError> {
    let speed = word(
        &body.speed,
        "speed",
        FanSpeed::parse_word,
        "low, medium or high",
    )?;
    let command = ControlCommand::fan_speed(speed)
        .map_err(|_| AppError::Invalid("'speed' must be low, medium or high".to_owned()))?;
    send(state, caller, path, vec![command]).await
}

/// `POST /api/room/<id>/set_light_mode/`: mode, and brightness if given.
pub async fn set_light_mode(
    state: State<AppState>,
    caller: Caller,
    path: Path<String>,
    JsonBody(body): JsonBody<ModeBody>,
) -> Result<(StatusCode, Json<Sent>), AppError> {
    let mode = word(
        &body.mode,
        "mode",
        LightMode::parse_word,
        "auto, manual or off",
    )?;
    let mut commands = vec![ControlCommand::LightMode(mode)];
    if let Some(b) = body.brightness.filter(|b| !b.is_null()) {
        let pct = b
            .as_u64()
            .and_then(|b| u8::try_from(b).ok())
            .ok_or_else(|| {
                AppError::Invalid(
                    "'brightness' must be a whole number between 0 and 100".to_owned(),
                )
            })?;
        commands.push(ControlCommand::luminosity(pct).map_err(invalid)?);
    }
    send(state, caller, path, commands).await
}

async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    commands: Vec<ControlCommand>,
) -> Result<(StatusCode, Json<Sent>), AppError> {
    let room = visible_room(&state, &caller, &id)?;
    for command in &commands {
        control::check_guest_limits(&state, &caller.access, &caller.username, command).await?;
    }
    let mut sent = Vec::with_capacity(commands.len());
    let mut sent_ms = 0;
    for command in commands {
        let record = control::send(&state, room, command, &caller.username).await?;
        sent_ms = record.sent_ms;
        sent.push(SentCommand {
            topic: control::topic(room, &command),
            payload: command.payload().as_str().to_owned(),
            command,
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Sent {
            room,
            sent_by: caller.username,
            sent_at: rfc3339(sent_ms),
            commands: sent,
        }),
    ))
}

fn word<T>(
    value: &Value,
    field: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<T, AppError> {
    value
        .as_str()
        .and_then(parse)
        .ok_or_else(|| AppError::Invalid(format!("'{field}' must be {expected}")))
}

fn invalid(e: hotel_core::CommandError) -> AppError {
    AppError::Invalid(e.to_string())
}
