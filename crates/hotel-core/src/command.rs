//! Control commands the server sends to a room device.
//!
//! Each command travels as a plain-text payload on
//! `hotel/<room>/control/<name>`; [`ControlCommand::name`] gives `<name>` and
//! [`ControlCommand::payload`] the text. The firmware parses the same text with
//! [`ControlCommand::parse`], so both sides share one definition.

use core::fmt;

use serde::Serialize;

use crate::state::{ClimateMode, FanSpeed, LightMode};

/// Lowest target temperature a command may set, °C.
pub const TARGET_MIN_C: f64 = 10.0;
/// Highest target temperature a command may set, °C.
pub const TARGET_MAX_C: f64 = 32.0;
/// Target temperatures move in steps of this size, °C.
pub const TARGET_STEP_C: f64 = 0.5;

/// One setting sent to a room device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "command", content = "value", rename_all = "snake_case")]
pub enum ControlCommand {
    /// Thermostat target, °C, 10–32 in 0.5 steps.
    TargetTemperature(f64),
    /// Thermostat mode.
    ClimateMode(ClimateMode),
    /// Fan speed: low, medium or high.
    FanSpeed(FanSpeed),
    /// Light mode.
    LightMode(LightMode),
    /// Light brightness, %, 0–100.
    Luminosity(u8),
}

/// Why a command is refused; nothing is sent for a refused command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The topic's last segment is not a command name.
    #[error(
        "unknown command; expected target_temperature, climate_mode, fan_speed, light_mode or luminosity"
    )]
    UnknownCommand,
    /// The target is not a finite number between 10 and 32 °C.
    #[error("target temperature must be between 10 and 32 °C")]
    TargetOutOfRange,
    /// The target is not a multiple of 0.5 °C.
    #[error("target temperature must be a multiple of 0.5 °C")]
    TargetStep,
    /// The brightness is not a whole number between 0 and 100.
    #[error("brightness must be a whole number between 0 and 100")]
    BrightnessOutOfRange,
    /// The mode or speed word is not one the command takes.
    #[error("unknown value for this command")]
    UnknownWord,
}

/// A command payload as text, held inline (at most 8 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CommandPayload {
    len: u8,
    bytes: [u8; 8],
}

impl ControlCommand {
    /// Every command name, as used in the topic.
    pub const NAMES: [&'static str; 5] = [
        "target_temperature",
        "climate_mode",
        "fan_speed",
        "light_mode",
        "luminosity",
    ];

    /// A validated target-temperature command.
    ///
    /// # Errors
    ///
    /// [`CommandError::TargetOutOfRange`] or [`CommandError::TargetStep`].
    pub fn target_temperature(celsius: f64) -> Result<Self, CommandError> {
        if !celsius.is_finite() || !(TARGET_MIN_C..=TARGET_MAX_C).contains(&celsius) {
            return Err(CommandError::TargetOutOfRange);
        }
        let steps = celsius / TARGET_STEP_C;
        if (steps - round(steps)).abs() > 1e-9 {
            return Err(CommandError::TargetStep);
        }
        Ok(ControlCommand::TargetTemperature(celsius))
    }

    /// A validated fan-speed command (`off` is reported by devices, never sent).
    ///
    /// # Errors
    ///
    /// [`CommandError::UnknownWord`] for [`FanSpeed::Off`].
    pub fn fan_speed(speed: FanSpeed) -> Result<Self, CommandError> {
        match speed {
            FanSpeed::Off => Err(CommandError::UnknownWord),
            speed => Ok(ControlCommand::FanSpeed(speed)),
        }
    }

    /// A validated brightness command.
    ///
    /// # Errors
    ///
    /// [`CommandError::BrightnessOutOfRange`] above 100.
    pub fn luminosity(percent: u8) -> Result<Self, CommandError> {
        if percent > 100 {
            return Err(CommandError::BrightnessOutOfRange);
        }
        Ok(ControlCommand::Luminosity(percent))
    }

    /// The topic's last segment: `hotel/<room>/control/<name>`.
    pub const fn name(&self) -> &'static str {
        match self {
            ControlCommand::TargetTemperature(_) => "target_temperature",
            ControlCommand::ClimateMode(_) => "climate_mode",
            ControlCommand::FanSpeed(_) => "fan_speed",
            ControlCommand::LightMode(_) => "light_mode",
            ControlCommand::Luminosity(_) => "luminosity",
        }
    }

    /// The plain-text payload, e.g. `22.5`, `auto`, `low`, `60`.
    pub fn payload(&self) -> CommandPayload {
        let mut out = CommandPayload {
            len: 0,
            bytes: [0; 8],
        };
        // Every payload fits in 8 bytes: "32.0", "medium", "100".
        let _ = match self {
            ControlCommand::TargetTemperature(c) => fmt::write(&mut out, format_args!("{c:.1}")),
            ControlCommand::ClimateMode(m) => fmt::write(&mut out, format_args!("{m}")),
            ControlCommand::FanSpeed(s) => fmt::write(&mut out, format_args!("{s}")),
            ControlCommand::LightMode(m) => fmt::write(&mut out, format_args!("{m}")),
            ControlCommand::Luminosity(p) => fmt::write(&mut out, format_args!("{p}")),
        };
        out
    }

    /// Parses a command as a device receives it: the topic's last segment and
    /// the payload text.
    ///
    /// # Errors
    ///
    /// [`CommandError`] naming what is wrong; the device must not act on it.
    pub fn parse(name: &str, payload: &str) -> Result<Self, CommandError> {
        let value = payload.trim_ascii();
        match name {
            "target_temperature" => {
                let celsius: f64 = value.parse().map_err(|_| CommandError::TargetOutOfRange)?;
                Self::target_temperature(celsius)
            }
            "climate_mode" => ClimateMode::parse_word(value)
                .map(ControlCommand::ClimateMode)
                .ok_or(CommandError::UnknownWord),
            "fan_speed" => {
                Self::fan_speed(FanSpeed::parse_word(value).ok_or(CommandError::UnknownWord)?)
            }
            "light_mode" => LightMode::parse_word(value)
                .map(ControlCommand::LightMode)
                .ok_or(CommandError::UnknownWord),
            "luminosity" => {
                let percent: u8 = value
                    .parse()
                    .map_err(|_| CommandError::BrightnessOutOfRange)?;
                Self::luminosity(percent)
            }
            _ => Err(CommandError::UnknownCommand),
        }
    }
}

impl CommandPayload {
    /// The payload text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Write for CommandPayload {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let start = usize::from(self.len);
        let end = start + s.len();
        if end > self.bytes.len() {
            return Err(fmt::Error);
        }
        self.bytes[start..end].copy_from_slice(s.as_bytes());
        self.len = end as u8;
        Ok(())
    }
}

impl fmt::Debug for CommandPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for CommandPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `f64::round` is not in `core`; values here are small and finite.
fn round(x: f64) -> f64 {
    let t = x as i64 as f64;
    if (x - t) >= 0.5 {
        t + 1.0
    } else if (t - x) >= 0.5 {
        t - 1.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_payloads_as_plain_text() {
        let cases = [
            (
                ControlCommand::target_temperature(22.5).unwrap(),
                "target_temperature",
                "22.5",
            ),
            (
                ControlCommand::target_temperature(18.0).unwrap(),
                "target_temperature",
                "18.0",
            ),
            (
                ControlCommand::ClimateMode(ClimateMode::Auto),
                "climate_mode",
                "auto",
            ),
            (
                ControlCommand::fan_speed(FanSpeed::Medium).unwrap(),
                "fan_speed",
                "medium",
            ),
            (
                ControlCommand::LightMode(LightMode::Off),
                "light_mode",
                "off",
            ),
            (
                ControlCommand::luminosity(100).unwrap(),
                "luminosity",
                "100",
            ),
        ];
        for (cmd, name, payload) in cases {
            assert_eq!(cmd.name(), name);
            assert_eq!(cmd.payload().as_str(), payload);
            assert_eq!(ControlCommand::parse(name, payload), Ok(cmd));
        }
    }

    #[test]
    fn refuses_out_of_range_and_off_step_targets() {
        assert_eq!(
            ControlCommand::target_temperature(9.5),
            Err(CommandError::TargetOutOfRange)
        );
        assert_eq!(
            ControlCommand::target_temperature(32.5),
            Err(CommandError::TargetOutOfRange)
        );
        assert_eq!(
            ControlCommand::target_temperature(f64::NAN),
            Err(CommandError::TargetOutOfRange)
        );
        assert_eq!(
            ControlCommand::target_temperature(22.3),
            Err(CommandError::TargetStep)
        );
        assert_eq!(
            ControlCommand::target_temperature(-22.5),
            Err(CommandError::TargetOutOfRange)
        );
        assert!(ControlCommand::target_temperature(10.0).is_ok());
        assert!(ControlCommand::target_temperature(32.0).is_ok());
    }

    #[test]
    fn refuses_bad_words_and_brightness() {
        assert_eq!(
            ControlCommand::parse("fan_speed", "turbo"),
            Err(CommandError::UnknownWord)
        );
        assert_eq!(
            ControlCommand::parse("fan_speed", "off"),
            Err(CommandError::UnknownWord)
        );
        assert_eq!(
            ControlCommand::parse("luminosity", "101"),
            Err(CommandError::BrightnessOutOfRange)
        );
        assert_eq!(
            ControlCommand::parse("luminosity", "-1"),
            Err(CommandError::BrightnessOutOfRange)
        );
        assert_eq!(
            ControlCommand::parse("target_temperature", "inf"),
            Err(CommandError::TargetOutOfRange)
        );
        assert_eq!(
            ControlCommand::parse("reboot", "1"),
            Err(CommandError::UnknownCommand)
        );
    }
}
