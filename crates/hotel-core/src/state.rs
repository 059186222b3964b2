//! Device settings that are words, not numbers: climate mode, fan speed,
//! light mode, occupancy, and the two LED channels.
//!
//! Devices of the replaced stack send these words in upper or lower case
//! (`"AUTO"`, `"low"`); [`parse_word`](ClimateMode::parse_word) and its
//! siblings accept either and nothing else.

use core::fmt;

use serde::{Deserialize, Serialize};

macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The protocol word for this value (lower case).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// Parses a protocol word, ignoring ASCII case and surrounding
            /// ASCII whitespace; `None` for any other word.
            pub fn parse_word(word: &str) -> Option<Self> {
                let word = word.trim_ascii();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(word))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum! {
    /// How the thermostat decides to heat.
    ClimateMode {
        /// The device follows its target temperature.
        Auto => "auto",
        /// Staff or the guest drive the heater and fan directly.
        Manual => "manual",
        /// Climate control is off.
        Off => "off",
    }
}

word_enum! {
    /// Fan speed. Control commands take `low`, `medium` or `high`; devices may
    /// also report `off`.
    FanSpeed {
        /// Lowest speed.
        Low => "low",
        /// Middle speed.
        Medium => "medium",
        /// Highest speed.
        High => "high",
        /// The fan is stopped (reported only, never commanded).
        Off => "off",
    }
}

word_enum! {
    /// How the room lights are driven.
    LightMode {
        /// From the light sensor.
        Auto => "auto",
        /// At the brightness set by staff or the guest.
        Manual => "manual",
        /// Lights off.
        Off => "off",
    }
}

word_enum! {
    /// Who is in the room, as the booking and the devices know it.
    Occupancy {
        /// No guest.
        Vacant => "vacant",
        /// A guest checks in today.
        Booked => "booked",
        /// A guest is staying.
        Occupied => "occupied",
        /// The guest has left; the room awaits cleaning.
        CheckedOut => "checked_out",
    }
}

/// The latest word-valued settings a device reported; `None` means "not
/// reported yet".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// Thermostat mode (`thermostat_mode` in JSON, `climate_mode` in legacy topics).
    pub climate_mode: Option<ClimateMode>,
    /// Fan speed.
    pub fan_speed: Option<FanSpeed>,
    /// Whether the heater is on.
    pub heating: Option<bool>,
    /// Light mode (`room_mode` words `auto|manual|off` from older devices).
    pub light_mode: Option<LightMode>,
    /// Occupancy (`room_mode` words `vacant|booked|occupied|checked_out`).
    pub occupancy: Option<Occupancy>,
    /// LED channel 1.
    pub led1: Option<bool>,
    /// LED channel 2.
    pub led2: Option<bool>,
    /// The guest asks not to be disturbed (`status/dnd`).
    #[serde(default)]
    pub do_not_disturb: Option<bool>,
    /// The guest asks for the room to be made up (`status/make_up`).
    #[serde(default)]
    pub make_up_room: Option<bool>,
}

impl DeviceState {
    /// Overwrites each field that `newer` reports, keeping the others.
    pub fn merge(&mut self, newer: &DeviceState) {
        fn take<T: Copy>(old: &mut Option<T>, new: Option<T>) {
            if new.is_some() {
                *old = new;
            }
        }
        take(&mut self.climate_mode, newer.climate_mode);
        take(&mut self.fan_speed, newer.fan_speed);
        take(&mut self.heating, newer.heating);
        take(&mut self.light_mode, newer.light_mode);
        take(&mut self.occupancy, newer.occupancy);
        take(&mut self.led1, newer.led1);
        take(&mut self.led2, newer.led2);
        take(&mut self.do_not_disturb, newer.do_not_disturb);
        take(&mut self.make_up_room, newer.make_up_room);
    }

    /// True when no field is reported.
    pub fn is_empty(&self) -> bool {
        *self == DeviceState::default()
    }
}

/// Parses an on/off word of the protocol: `on/off`, `true/false`, `1/0`,
/// ignoring ASCII case and surrounding whitespace.
pub fn parse_switch(word: &str) -> Option<bool> {
    let word = word.trim_ascii();
    const ON: [&str; 3] = ["on", "true", "1"];
    const OFF: [&str; 3] = ["off", "false", "0"];
    if ON.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if OFF.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_in_any_case() {
        assert_eq!(ClimateMode::parse_word("AUTO"), Some(ClimateMode::Auto));
        assert_eq!(FanSpeed::parse_word(" Medium "), Some(FanSpeed::Medium));
        assert_eq!(FanSpeed::parse_word("turbo"), None);
        assert_eq!(
            Occupancy::parse_word("checked_out"),
            Some(Occupancy::CheckedOut)
        );
        assert_eq!(LightMode::parse_word(""), None);
    }

    #[test]
    fn parses_switch_words() {
        for on in ["on", "ON", "true", "1", " True\n"] {
            assert_eq!(parse_switch(on), Some(true), "{on:?}");
        }
        for off in ["off", "OFF", "false", "0"] {
            assert_eq!(parse_switch(off), Some(false), "{off:?}");
        }
        assert_eq!(parse_switch("yes"), None);
        assert_eq!(parse_switch("2"), None);
    }

    #[test]
    fn merge_keeps_unreported_fields() {
        let mut state = DeviceState {
            climate_mode: Some(ClimateMode::Auto),
            heating: Some(true),
            ..DeviceState::default()
        };
        state.merge(&DeviceState {
            heating: Some(false),
            ..DeviceState::default()
        });
        assert_eq!(state.climate_mode, Some(ClimateMode::Auto));
        assert_eq!(state.heating, Some(false));
    }
}
