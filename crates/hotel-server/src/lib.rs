//! The Smart Hotel server: wiring of the MQTT ingest, the store and the
//! staff HTTP API, plus the `hotel` binary's subcommands.
//!
//! # Layout
//!
//! - [`alert`]: alert rules, the alert engine, notifications.
//! - [`automation`]: occupancy states, their targets, the energy view.
//! - [`config`]: command line, environment and the configuration file.
//! - [`server`]: starting and stopping every part in order.
//! - [`http`]: the JSON API, WebSocket feeds, health and metrics.
//! - [`control`]: publishing and recording control commands.
//! - [`demo`]: simulated rooms for `--demo`.
//! - [`sim`]: `hotel sim`, rooms running the firmware core on a thermal model.
//! - [`device`]: `hotel device add`.
//! - [`load`]: `hotel load`, the ingest load generator.
//! - [`mrz_cli`]: `hotel mrz parse|generate`.
//! - [`password`]: password hashing, tokens, secrets.
//! - [`error`]: the API error type.
//! - [`web`]: the staff dashboard (HTML pages).

#![warn(missing_docs)]

pub mod alert;
pub mod automation;
pub mod config;
pub mod control;
pub mod demo;
pub mod device;
pub mod error;
pub mod http;
pub mod load;
pub mod mrz_cli;
pub mod password;
pub mod server;
pub mod sim;
pub mod state;
pub mod web;
