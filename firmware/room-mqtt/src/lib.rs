//! The room device's MQTT link, written once for the ESP32 and for host
//! tests: an MQTT 3.1.1 client without `std` and without allocation, over
//! any `embedded-io-async` byte stream.
//!
//! MQTT 3.1.1 because every broker the hotel runs speaks it: the server's
//! embedded broker (rumqttd) serves only 3.1.1 on its MQTT port, Mosquitto
//! serves 3.1.1 and 5 on the same port, and the room devices of the stack
//! being replaced speak 3.1.1. A device on 3.1.1 works against either broker
//! without any change to it.
//!
//! What the room does is not decided here: messages go to, and what to
//! publish comes from, [`hotel_room_core::RoomController`]. This crate only
//! keeps the session up.
//!
//! # Layout
//!
//! - [`codec`]: the MQTT 3.1.1 packets a device sends and receives.
//! - [`client`]: [`Client`], framing packets over a byte stream, with a
//!   cancel-safe receive.
//! - [`link`]: [`run`] and [`session`]: connect with the last will,
//!   subscribe, publish the controller's queue, ping, reconnect with
//!   backoff; [`Transport`] and [`Timer`] are the caller's network and clock.
//!
//! Logging goes through `hotel-room-core`'s shim (`defmt` or `log` feature,
//! never both; this crate's features forward to its).

#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

pub mod client;
pub mod codec;
pub mod link;

pub use client::Client;
pub use link::{LinkConfig, LinkError, SessionEnd, Timer, Transport, run, session};
