//! The room controller of Smart Hotel: every decision the ESP32 in a room
//! makes, written once, without `std` and without allocation.
//!
//! The same code runs in the ESP32 image (`firmware/esp32`), in the `hotel
//! sim` simulator and in `hotel serve --demo`. Everything that depends on time
//! takes the time as an argument, so the host tests are instant and exact.
//! This crate does no I/O: it reads sensor values, returns relay and LED
//! settings, and says what to publish; the caller talks to the hardware and
//! the network.
//!
//! # Layout
//!
//! - [`controller`]: [`RoomController`], which ties the rules below together
//!   and says what to publish.
//! - [`thermostat`]: deadband, minimum relay times, fan speed, cut-off, and
//!   the DHT22 fault monitor.
//! - [`lights`]: LDR smoothing and the two LED channels.
//! - [`gas`]: MQ-5 warm-up, baseline tracking, alarm levels.
//! - [`command`]: validating `hotel/<room>/control/...` messages.
//! - [`settings`]: the settings that survive a reboot, and their flash blob.
//! - [`sample`]: one telemetry snapshot and its JSON payload.
//! - [`replay`]: the bounded buffer of snapshots taken while offline.
//! - [`backoff`]: exponential reconnection backoff with jitter.
//! - [`clock`]: SNTP request and reply, and the wall clock offset.
//! - `fmt`: the logging shim (`defmt` or `log` feature, never both).

#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

#[macro_use]
mod fmt;

pub mod backoff;
pub mod clock;
pub mod command;
pub mod controller;
pub mod gas;
pub mod lights;
pub mod replay;
pub mod sample;
pub mod settings;
pub mod thermostat;

pub use backoff::Backoff;
pub use command::CommandFault;
pub use controller::{Config, Inputs, Now, Outputs, Publish, RoomController};
pub use gas::GasLevel;
pub use sample::Sample;
pub use settings::Settings;
pub use thermostat::{ClimateReading, SensorFault};
