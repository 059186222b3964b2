//! The settings blob in flash: one 4 KiB sector at [`SETTINGS_OFFSET`], the
//! `settings` data partition of `partitions.csv`. Encoding, checksum and the
//! fallback to defaults are the core's ([`hotel_room_core::settings`]).

use embedded_storage::{ReadStorage, Storage};
use esp_hal::peripherals::FLASH;
use esp_storage::FlashStorage;
use hotel_room_core::Settings;
use hotel_room_core::settings::SETTINGS_BLOB_LEN;

/// Offset of the settings sector (see `partitions.csv`).
pub const SETTINGS_OFFSET: u32 = 0x9000 + 0x6000;

/// Reads and writes the settings sector.
pub struct SettingsFlash<'d> {
    storage: FlashStorage<'d>,
}

impl<'d> SettingsFlash<'d> {
    /// Takes the flash.
    pub fn new(flash: FLASH<'d>) -> Self {
        Self {
            storage: FlashStorage::new(flash),
        }
    }

    /// The saved settings, or the defaults when none or corrupt.
    pub fn load(&mut self) -> Settings {
        let mut blob = [0u8; SETTINGS_BLOB_LEN];
        match self.storage.read(SETTINGS_OFFSET, &mut blob) {
            Ok(()) => Settings::from_blob_or_default(&blob),
            Err(_) => Settings::default(),
        }
    }

    /// Saves a blob. A failed write is logged; the blob's checksum makes a
    /// torn write fall back to defaults at the next boot.
    ///
    /// Limit: one sector rewritten per change wears it after ~100 000
    /// changes; a log-structured store (sequential-storage) lifts it.
    pub fn save(&mut self, blob: &[u8; SETTINGS_BLOB_LEN]) {
        if self.storage.write(SETTINGS_OFFSET, blob).is_err() {
            log::warn!("settings not saved: flash write failed");
        }
    }
}
