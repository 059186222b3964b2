//! The settings a guest or staff choose, and the small blob that keeps them
//! in flash across a reboot.
//!
//! Blob layout (10 bytes): magic `b'H'`, version, target (tenths of °C,
//! little-endian `i16`), climate mode, fan speed, light mode, brightness,
//! CRC-16/CCITT-FALSE of the first 8 bytes (big-endian). A blob that fails
//! any check decodes to an error, and [`Settings::from_blob_or_default`] falls
//! back to the defaults.

use hotel_core::command::{TARGET_MAX_C, TARGET_MIN_C};
use hotel_core::{ClimateMode, ControlCommand, FanSpeed, LightMode};

/// Length of the flash blob, bytes.
pub const SETTINGS_BLOB_LEN: usize = 10;
/// First byte of every blob.
pub const SETTINGS_MAGIC: u8 = b'H';
/// Layout version written now.
pub const SETTINGS_VERSION: u8 = 1;

/// Why a blob does not hold settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SettingsError {
    /// Not [`SETTINGS_BLOB_LEN`] bytes.
    Length,
    /// No magic byte (erased or foreign flash).
    Magic,
    /// A layout this firmware does not know.
    Version,
    /// The checksum does not match (torn write, bit rot).
    Checksum,
    /// A field is outside its range.
    Value,
}

/// The room's chosen settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Thermostat target, tenths of °C (100–320, in steps of 5).
    pub target_dc: i16,
    /// Thermostat mode.
    pub climate_mode: ClimateMode,
    /// Fan speed in manual mode (never [`FanSpeed::Off`]).
    pub fan_speed: FanSpeed,
    /// Light mode.
    pub light_mode: LightMode,
    /// Brightness in manual light mode, %.
    pub brightness_pct: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            target_dc: 210,
            climate_mode: ClimateMode::Auto,
            fan_speed: FanSpeed::Low,
            light_mode: LightMode::Auto,
            brightness_pct: 60,
        }
    }
}

impl Settings {
    /// The target, °C.
    pub fn target_c(&self) -> f64 {
        f64::from(self.target_dc) / 10.0
    }

    /// Applies a validated command; returns whether anything changed.
    pub fn apply(&mut self, command: ControlCommand) -> bool {
        let before = *self;
        match command {
            // Validated targets are multiples of 0.5 between 10 and 32, so
            // the tenths are exact.
            ControlCommand::TargetTemperature(c) => self.target_dc = (c * 10.0) as i16,
            ControlCommand::ClimateMode(m) => self.climate_mode = m,
            ControlCommand::FanSpeed(FanSpeed::Off) => {}
            ControlCommand::FanSpeed(s) => self.fan_speed = s,
            ControlCommand::LightMode(m) => self.light_mode = m,
            ControlCommand::Luminosity(p) => self.brightness_pct = p.min(100),
        }
        *self != before
    }

    /// The flash blob of these settings.
    pub fn to_blob(&self) -> [u8; SETTINGS_BLOB_LEN] {
        let mut blob = [0u8; SETTINGS_BLOB_LEN];
        let target = self.target_dc.to_le_bytes();
        blob[0] = SETTINGS_MAGIC;
        blob[1] = SETTINGS_VERSION;
        blob[2] = target[0];
        blob[3] = target[1];
        blob[4] = index_of(ClimateMode::ALL, self.climate_mode);
        blob[5] = index_of(FanSpeed::ALL, self.fan_speed);
        blob[6] = index_of(LightMode::ALL, self.light_mode);
        blob[7] = self.brightness_pct;
        let crc = crc16(&blob[..8]).to_be_bytes();
        blob[8] = crc[0];
        blob[9] = crc[1];
        blob
    }

    /// Reads a flash blob.
    ///
    /// # Errors
    ///
    /// [`SettingsError`] saying which check failed.
    pub fn from_blob(blob: &[u8]) -> Result<Self, SettingsError> {
        if blob.len() != SETTINGS_BLOB_LEN {
            return Err(SettingsError::Length);
        }
        if blob[0] != SETTINGS_MAGIC {
            return Err(SettingsError::Magic);
        }
        if blob[1] != SETTINGS_VERSION {
            return Err(SettingsError::Version);
        }
        if crc16(&blob[..8]).to_be_bytes() != [blob[8], blob[9]] {
            return Err(SettingsError::Checksum);
        }
        let target_dc = i16::from_le_bytes([blob[2], blob[3]]);
        let target_ok = (i32::from(target_dc) * 10) % 50 == 0
            && (TARGET_MIN_C..=TARGET_MAX_C).contains(&(f64::from(target_dc) / 10.0));
        let fan_speed = *FanSpeed::ALL
            .get(usize::from(blob[5]))
            .ok_or(SettingsError::Value)?;
        if !target_ok || fan_speed == FanSpeed::Off || blob[7] > 100 {
            return Err(SettingsError::Value);
        }
        Ok(Self {
            target_dc,
            climate_mode: *ClimateMode::ALL
                .get(usize::from(blob[4]))
                .ok_or(SettingsError::Value)?,
            fan_speed,
            light_mode: *LightMode::ALL
                .get(usize::from(blob[6]))
                .ok_or(SettingsError::Value)?,
            brightness_pct: blob[7],
        })
    }

    /// Reads a flash blob, or gives the defaults when it is missing or bad.
    pub fn from_blob_or_default(blob: &[u8]) -> Self {
        Self::from_blob(blob).unwrap_or_default()
    }
}

fn index_of<T: PartialEq>(all: &[T], value: T) -> u8 {
    all.iter()
        .position(|v| *v == value)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0)
}

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF).
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for b in bytes {
        crc ^= u16::from(*b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn settings() -> impl Strategy<Value = Settings> {
        (
            20i16..=64,
            select(ClimateMode::ALL),
            select(&[FanSpeed::Low, FanSpeed::Medium, FanSpeed::High][..]),
            select(LightMode::ALL),
            0u8..=100,
        )
            .prop_map(
                |(half, climate_mode, fan_speed, light_mode, brightness_pct)| Settings {
                    target_dc: half * 5,
                    climate_mode,
                    fan_speed,
                    light_mode,
                    brightness_pct,
                },
            )
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn defaults_survive_erased_and_foreign_flash() {
        assert_eq!(Settings::from_blob(&[0xFF; 10]), Err(SettingsError::Magic));
        assert_eq!(Settings::from_blob(&[0; 3]), Err(SettingsError::Length));
        let mut future = Settings::default().to_blob();
        future[1] = 2;
        assert_eq!(Settings::from_blob(&future), Err(SettingsError::Version));
        assert_eq!(
            Settings::from_blob_or_default(&[0xFF; 10]),
            Settings::default()
        );
    }

    #[test]
    fn refuses_a_checksummed_blob_with_bad_values() {
        let mut blob = Settings::default().to_blob();
        blob[7] = 101;
        let crc = crc16(&blob[..8]).to_be_bytes();
        blob[8..].copy_from_slice(&crc);
        assert_eq!(Settings::from_blob(&blob), Err(SettingsError::Value));
    }

    #[test]
    fn commands_change_settings() {
        let mut s = Settings::default();
        assert!(s.apply(ControlCommand::TargetTemperature(23.5)));
        assert_eq!(s.target_dc, 235);
        assert!(
            !s.apply(ControlCommand::TargetTemperature(23.5)),
            "no change"
        );
        assert!(!s.apply(ControlCommand::FanSpeed(FanSpeed::Off)));
        assert!(s.apply(ControlCommand::Luminosity(5)));
        assert_eq!(s.brightness_pct, 5);
    }

    proptest! {
        #[test]
        fn blob_round_trips(s in settings()) {
            prop_assert_eq!(Settings::from_blob(&s.to_blob()), Ok(s));
        }

        /// Any single corrupted byte is caught: the blob is refused and the
        /// defaults stand.
        #[test]
        fn corrupt_blob_falls_back_to_defaults(s in settings(), at in 0usize..SETTINGS_BLOB_LEN, flip in 1u8..=255) {
            let mut blob = s.to_blob();
            blob[at] ^= flip;
            prop_assert!(Settings::from_blob(&blob).is_err());
            prop_assert_eq!(Settings::from_blob_or_default(&blob), Settings::default());
        }
    }
}
