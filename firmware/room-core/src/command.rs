//! Control messages from `hotel/<room>/control/<name>`: validated with
//! hotel-core's own parser before they change anything; a refusal becomes a
//! short text for `hotel/<room>/status/error`.

use core::fmt::Write;

use hotel_core::protocol::Topic;
use hotel_core::{CommandError, ControlCommand, RoomId};

/// Longest error text published, bytes (the server keeps 120).
pub const ERROR_TEXT_CAPACITY: usize = 120;

/// A text for `status/error`.
pub type ErrorText = heapless::String<ERROR_TEXT_CAPACITY>;

/// Why a control message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CommandFault {
    /// Not a `hotel/<room>/control/<name>` topic.
    NotControl,
    /// A control topic for another room.
    OtherRoom,
    /// The payload is not UTF-8.
    NotUtf8,
    /// The name is not a command.
    UnknownCommand,
    /// A target outside 10–32 °C, or not a number.
    TargetOutOfRange,
    /// A target that is not a multiple of 0.5 °C.
    TargetStep,
    /// A brightness outside 0–100, or not a whole number.
    BrightnessOutOfRange,
    /// A word the command does not take.
    UnknownWord,
}

impl CommandFault {
    /// A short description.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommandFault::NotControl => "not a control topic",
            CommandFault::OtherRoom => "command for another room",
            CommandFault::NotUtf8 => "payload is not UTF-8",
            CommandFault::UnknownCommand => "unknown command",
            CommandFault::TargetOutOfRange => "target must be 10-32 C",
            CommandFault::TargetStep => "target must be a multiple of 0.5 C",
            CommandFault::BrightnessOutOfRange => "brightness must be 0-100",
            CommandFault::UnknownWord => "unknown value",
        }
    }
}

impl From<CommandError> for CommandFault {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::UnknownCommand => CommandFault::UnknownCommand,
            CommandError::TargetOutOfRange => CommandFault::TargetOutOfRange,
            CommandError::TargetStep => CommandFault::TargetStep,
            CommandError::BrightnessOutOfRange => CommandFault::BrightnessOutOfRange,
            _ => CommandFault::UnknownWord,
        }
    }
}

/// A control message, parsed and validated for `room`.
///
/// # Errors
///
/// [`CommandFault`] naming what is wrong; nothing may change.
pub fn parse_control(
    room: RoomId,
    topic: &str,
    payload: &[u8],
) -> Result<ControlCommand, CommandFault> {
    let (to, name) = match Topic::parse(topic) {
        Ok(Topic::Control { room, name }) => (room, name),
        _ => return Err(CommandFault::NotControl),
    };
    if to != room {
        return Err(CommandFault::OtherRoom);
    }
    let text = core::str::from_utf8(payload).map_err(|_| CommandFault::NotUtf8)?;
    Ok(ControlCommand::parse(name, text)?)
}

/// `rejected <name>: <why>`, where `<name>` is the topic's last segment
/// (cut to 32 characters, anything but `a-z 0-9 _` replaced by `?`).
pub fn rejection_text(topic: &str, fault: CommandFault) -> ErrorText {
    let mut out = ErrorText::new();
    let name = topic.rsplit('/').next().unwrap_or("");
    let _ = out.push_str("rejected ");
    for c in name.chars().take(32) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
            c
        } else {
            '?'
        };
        let _ = out.push(c);
    }
    let _ = write!(out, ": {}", fault.as_str());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotel_core::FanSpeed;
    use proptest::prelude::*;

    fn room() -> RoomId {
        RoomId::parse("101").unwrap()
    }

    #[test]
    fn accepts_valid_commands_on_the_room_topic() {
        assert_eq!(
            parse_control(room(), "hotel/101/control/fan_speed", b"HIGH"),
            Ok(ControlCommand::FanSpeed(FanSpeed::High))
        );
        assert_eq!(
            parse_control(room(), "/hotel/101/control/target_temperature", b"22.5"),
            Ok(ControlCommand::TargetTemperature(22.5))
        );
    }

    #[test]
    fn refuses_by_range_enum_room_and_encoding() {
        let cases: [(&str, &[u8], CommandFault); 8] = [
            (
                "hotel/101/control/target_temperature",
                b"40",
                CommandFault::TargetOutOfRange,
            ),
            (
                "hotel/101/control/target_temperature",
                b"21.3",
                CommandFault::TargetStep,
            ),
            (
                "hotel/101/control/luminosity",
                b"150",
                CommandFault::BrightnessOutOfRange,
            ),
            (
                "hotel/101/control/fan_speed",
                b"turbo",
                CommandFault::UnknownWord,
            ),
            (
                "hotel/101/control/reboot",
                b"1",
                CommandFault::UnknownCommand,
            ),
            (
                "hotel/102/control/fan_speed",
                b"low",
                CommandFault::OtherRoom,
            ),
            (
                "hotel/101/control/fan_speed",
                &[0xff, 0xfe],
                CommandFault::NotUtf8,
            ),
            ("hotel/101/telemetry/json", b"{}", CommandFault::NotControl),
        ];
        for (topic, payload, fault) in cases {
            assert_eq!(parse_control(room(), topic, payload), Err(fault), "{topic}");
        }
    }

    #[test]
    fn rejection_text_names_the_command_and_reason() {
        assert_eq!(
            rejection_text("hotel/101/control/fan_speed", CommandFault::UnknownWord).as_str(),
            "rejected fan_speed: unknown value"
        );
        let odd = rejection_text(
            "hotel/101/control/\u{1b}[31mÉ",
            CommandFault::UnknownCommand,
        );
        assert_eq!(odd.as_str(), "rejected ??31m?: unknown command");
    }

    proptest! {
        #[test]
        fn never_panics_and_text_fits(topic in "\\PC{0,200}", payload in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Err(fault) = parse_control(room(), &topic, &payload) {
                let text = rejection_text(&topic, fault);
                prop_assert!(text.len() <= ERROR_TEXT_CAPACITY);
            }
        }
    }
}
