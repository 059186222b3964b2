//! MQTT topics of the device protocol.
//!
//! Devices of the replaced stack use `hotel/<room>/...`, some with a leading
//! slash (`/hotel/<room>/...`); both parse to the same [`Topic`]. Topics are
//! case-sensitive.

use crate::protocol::RejectReason;
use crate::room::RoomId;

/// A topic of the device protocol, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic<'a> {
    /// `hotel/<room>/telemetry/json`: a JSON telemetry message.
    TelemetryJson {
        /// The room in the topic.
        room: RoomId,
    },
    /// `hotel/<room>/telemetry/<name>`: one legacy plain value.
    TelemetryValue {
        /// The room in the topic.
        room: RoomId,
        /// The value's name (`temperature`, `gas`, ...), not yet checked.
        name: &'a str,
    },
    /// `hotel/<room>/heartbeat`.
    Heartbeat {
        /// The room in the topic.
        room: RoomId,
    },
    /// `hotel/<room>/status/<name>`.
    Status {
        /// The room in the topic.
        room: RoomId,
        /// The status name (`online`, `led1`, ...), not yet checked.
        name: &'a str,
    },
    /// `hotel/<room>/control/<name>`: a command to the device.
    Control {
        /// The room in the topic.
        room: RoomId,
        /// The command name, not yet checked.
        name: &'a str,
    },
}

impl<'a> Topic<'a> {
    /// Parses `topic`, with or without the leading slash.
    ///
    /// # Errors
    ///
    /// [`RejectReason::RoomId`] when the shape is right but the room id is not
    /// valid, [`RejectReason::UnknownTopic`] for any other shape.
    pub fn parse(topic: &'a str) -> Result<Self, RejectReason> {
        let rest = topic.strip_prefix('/').unwrap_or(topic);
        let rest = rest
            .strip_prefix("hotel/")
            .ok_or(RejectReason::UnknownTopic)?;
        let (room, tail) = rest.split_once('/').ok_or(RejectReason::UnknownTopic)?;

        // Decide the shape before the room id, so that a stray topic is
        // counted as unknown rather than as a bad room.
        let shape = match tail.split_once('/') {
            None if tail == "heartbeat" => Shape::Heartbeat,
            Some(("telemetry", "json")) => Shape::Json,
            Some(("telemetry", name)) if is_segment(name) => Shape::Value(name),
            Some(("status", name)) if is_segment(name) => Shape::Status(name),
            Some(("control", name)) if is_segment(name) => Shape::Control(name),
            _ => return Err(RejectReason::UnknownTopic),
        };
        let room = RoomId::parse(room).map_err(|_| RejectReason::RoomId)?;

        Ok(match shape {
            Shape::Heartbeat => Topic::Heartbeat { room },
            Shape::Json => Topic::TelemetryJson { room },
            Shape::Value(name) => Topic::TelemetryValue { room, name },
            Shape::Status(name) => Topic::Status { room, name },
            Shape::Control(name) => Topic::Control { room, name },
        })
    }

    /// The room in the topic.
    pub fn room(&self) -> RoomId {
        match *self {
            Topic::TelemetryJson { room }
            | Topic::TelemetryValue { room, .. }
            | Topic::Heartbeat { room }
            | Topic::Status { room, .. }
            | Topic::Control { room, .. } => room,
        }
    }
}

enum Shape<'a> {
    Heartbeat,
    Json,
    Value(&'a str),
    Status(&'a str),
    Control(&'a str),
}

/// A last topic segment: non-empty, no further level.
fn is_segment(name: &str) -> bool {
    !name.is_empty() && !name.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str) -> RoomId {
        RoomId::parse(id).unwrap()
    }

    #[test]
    fn parses_every_shape_with_and_without_slash() {
        for prefix in ["", "/"] {
            let t = |s: &str| format!("{prefix}{s}");
            assert_eq!(
                Topic::parse(&t("hotel/101/telemetry/json")),
                Ok(Topic::TelemetryJson { room: room("101") })
            );
            assert_eq!(
                Topic::parse(&t("hotel/101/telemetry/gas")),
                Ok(Topic::TelemetryValue {
                    room: room("101"),
                    name: "gas"
                })
            );
            assert_eq!(
                Topic::parse(&t("hotel/B-2/heartbeat")),
                Ok(Topic::Heartbeat { room: room("B-2") })
            );
            assert_eq!(
                Topic::parse(&t("hotel/101/status/online")),
                Ok(Topic::Status {
                    room: room("101"),
                    name: "online"
                })
            );
            assert_eq!(
                Topic::parse(&t("hotel/101/control/fan_speed")),
                Ok(Topic::Control {
                    room: room("101"),
                    name: "fan_speed"
                })
            );
        }
    }

    #[test]
    fn rejects_other_shapes_as_unknown() {
        for bad in [
            "",
            "hotel",
            "hotel/101",
            "Hotel/101/heartbeat",
            "hotel/101/TELEMETRY/json",
            "hotel/101/telemetry/",
            "hotel/101/telemetry/json/extra",
            "hotel/101/heartbeat/x",
            "//hotel/101/heartbeat",
            "other/101/heartbeat",
        ] {
            assert_eq!(
                Topic::parse(bad),
                Err(RejectReason::UnknownTopic),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejects_bad_room_ids() {
        let long = format!("hotel/{}/heartbeat", "9".repeat(33));
        for bad in [
            "hotel//heartbeat",
            "hotel/1 01/heartbeat",
            "hotel/+/heartbeat",
            long.as_str(),
        ] {
            assert_eq!(Topic::parse(bad), Err(RejectReason::RoomId), "{bad:?}");
        }
    }
}
