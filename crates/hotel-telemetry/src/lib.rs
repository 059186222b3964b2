//! Smart Hotel telemetry: the MQTT side of the server and the embedded store.
//!
//! # Layout
//!
//! - [`broker`]: the embedded MQTT broker (rumqttd), sized for a hotel.
//! - [`mqtt`]: the MQTT client transport (rumqttc) for the embedded or an
//!   external broker.
//! - [`ingest`]: decode → validate → live view → writer, with rejection counts.
//! - [`writer`]: group-commit batch writer with retry.
//! - [`live`]: every room's latest values, pushed to subscribers.
//! - [`sqlite`]: the embedded SQLite store (time series and records).
//! - [`testing`]: the conformance suite every store backend passes.

#![warn(missing_docs)]

pub mod broker;
pub mod clock;
pub mod ingest;
pub mod live;
pub mod mqtt;
pub mod sqlite;
pub mod testing;
pub mod writer;
