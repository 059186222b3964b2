//! JSON telemetry payloads (`hotel/<room>/telemetry/json`).

use crate::protocol::{RejectReason, Telemetry};
use crate::room::RoomId;

/// Decodes a JSON telemetry payload for the topic's `room`.
pub(crate) fn decode_telemetry(
    room: RoomId,
    payload: &[u8],
    received_ms: i64,
) -> Result<Telemetry, RejectReason> {
    let _ = (room, payload, received_ms);
    Err(RejectReason::Json)
}
