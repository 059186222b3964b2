//! `hotel serve --demo N`: simulated rooms that publish through the real
//! broker and obey control commands, so a newcomer sees a living hotel at
//! once. They are the `hotel sim` rooms ([`crate::sim`]) run in-process:
//! the room firmware's control core against a thermal model.

use hotel_core::RoomId;
use hotel_telemetry::mqtt::MqttConfig;
use tokio_util::sync::CancellationToken;

use crate::sim::{self, SimOptions};

/// Room ids for `count` demo rooms: 101–120, 201–220, …
pub fn room_ids(count: u32) -> Vec<RoomId> {
    (0..count)
        .filter_map(|i| RoomId::parse(&format!("{}{:02}", 1 + i / 20, i % 20 + 1)).ok())
        .collect()
}

/// Runs the demo rooms until `cancel` fires.
pub async fn run(count: u32, broker: MqttConfig, cancel: CancellationToken) {
    sim::run(
        room_ids(count),
        broker,
        SimOptions::default(),
        rand::random(),
        cancel,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ids_count_by_floor() {
        let ids = room_ids(45);
        assert_eq!(ids.len(), 45);
        assert_eq!(ids[0].as_str(), "101");
        assert_eq!(ids[19].as_str(), "120");
        assert_eq!(ids[20].as_str(), "201");
        assert_eq!(ids[44].as_str(), "305");
    }
}
