//! Sending control commands: validate, publish (retained, QoS 1, also on the
//! leading-slash topic when configured), record who sent it.
//!
//! The HTTP API and, later, the room automation use the same path, so every
//! command a device receives is in the room's history.

use hotel_core::store::CommandRecord;
use hotel_core::transport::TransportError;
use hotel_core::{Access, Role};
use hotel_core::{ControlCommand, RoomId};
use hotel_telemetry::clock::now_ms;

use crate::error::AppError;
use crate::state::AppState;

/// The topic a command for `room` goes to.
pub fn topic(room: RoomId, command: &ControlCommand) -> String {
    format!("hotel/{room}/control/{}", command.name())
}

/// Publishes `command` to the room's device, without recording it.
pub async fn publish(
    state: &AppState,
    room: RoomId,
    command: &ControlCommand,
) -> Result<(), TransportError> {
    let topic = topic(room, command);
    let payload = command.payload();
    state
        .publisher
        .publish(&topic, payload.as_str().as_bytes(), true)
        .await?;
    if state.legacy_slash_topics {
        state
            .publisher
            .publish(&format!("/{topic}"), payload.as_str().as_bytes(), true)
            .await?;
    }
    Ok(())
}

/// Publishes and records a command sent by `sent_by`.
pub async fn send(
    state: &AppState,
    room: RoomId,
    command: ControlCommand,
    sent_by: &str,
) -> Result<CommandRecord, AppError> {
    if !state.publisher.is_connected() {
        return Err(AppError::Unavailable("MQTT broker"));
    }
    publish(state, room, &command).await.map_err(|e| {
        tracing::warn!(room = %room, error = %e, "control command not published");
        AppError::Unavailable("MQTT broker")
    })?;
    match command {
        ControlCommand::LightMode(mode) => state.live.set_light_command(room, Some(mode), None),
        ControlCommand::Luminosity(pct) => state.live.set_light_command(room, None, Some(pct)),
        _ => {}
    }
    let record = CommandRecord {
        room,
        command,
        sent_by: sent_by.to_owned(),
        sent_ms: now_ms(),
    };
    state.records.record_command(&record).await?;
    tracing::info!(room = %room, command = command.name(), by = sent_by, "control command sent");
    Ok(record)
}

/// Refuses a command outside the limits an admin set for a guest account
/// (422); staff and guests without limits pass.
pub async fn check_guest_limits(
    state: &AppState,
    access: &Access,
    username: &str,
    command: &ControlCommand,
) -> Result<(), AppError> {
    if access.role != Role::Guest {
        return Ok(());
    }
    let ControlCommand::TargetTemperature(celsius) = *command else {
        return Ok(());
    };
    match state.records.guest_limits(username).await? {
        Some(limits) if !limits.allows_target(celsius) => Err(AppError::Invalid(format!(
            "target must be between {} and {} °C for this account",
            limits.target_min_c, limits.target_max_c
        ))),
        _ => Ok(()),
    }
}
