//! Smart Hotel core: the domain, the device protocol and the traits that
//! backends implement.
//!
//! Everything here is usable without `std` (feature `std`, on by default,
//! adds the JSON decoder and the async traits), so the room firmware shares
//! the exact protocol code the server runs.
//!
//! # Layout
//!
//! - [`room`]: validated room ids.
//! - [`reading`]: metrics, their physical ranges, readings.
//! - [`state`]: word-valued device settings (modes, fan speed, LEDs).
//! - [`command`]: control commands and their plain-text payloads.
//! - [`protocol`]: MQTT topics, telemetry decoding and rejection reasons.
//! - [`account`]: roles and the room-access rule.
//! - [`alert`]: alert kinds, levels and thresholds.
//! - `store`, `transport`, `notify` (feature `std`): backend traits.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

pub mod account;
pub mod alert;
pub mod command;
#[cfg(feature = "std")]
pub mod notify;
pub mod protocol;
pub mod reading;
pub mod room;
pub mod state;
#[cfg(feature = "std")]
pub mod store;
#[cfg(feature = "std")]
pub mod transport;

pub use account::{Access, Role};
pub use alert::{AlertKind, AlertLevel, Thresholds};
pub use command::{CommandError, ControlCommand};
pub use reading::{Metric, Reading};
pub use room::{RoomId, RoomIdError};
pub use state::{ClimateMode, DeviceState, FanSpeed, LightMode, Occupancy};
