//! `hotel device add <room>`: MQTT credentials for a room's device.

use std::io::Write;

use anyhow::Context;
use hotel_core::RoomId;
use hotel_core::store::{DeviceCredential, HotelStore, StoreError};
use hotel_telemetry::sqlite::SqliteStore;

use crate::config::DataDir;
use crate::password;

/// Creates a credential and prints it (the password only this once).
pub async fn add(
    room: &str,
    json: bool,
    data: &DataDir,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let room = RoomId::parse(room).with_context(|| format!("'{room}' is not a valid room id"))?;
    std::fs::create_dir_all(&data.path)
        .with_context(|| format!("cannot create data directory {}", data.path.display()))?;
    let store = SqliteStore::open(&data.path.join("hotel.db")).await?;
    let secret = password::random_secret(16);
    let mut username = String::new();
    for _ in 0..5 {
        username = format!("{room}-{}", password::random_secret(3));
        let credential = DeviceCredential {
            username: username.clone(),
            room,
            secret_sha256: password::sha256_hex(&secret),
        };
        match store.add_device(&credential).await {
            Ok(()) => break,
            Err(StoreError::Conflict) => username.clear(),
            Err(e) => return Err(e.into()),
        }
    }
    anyhow::ensure!(
        !username.is_empty(),
        "could not find a free device user name"
    );
    store.ensure_room(room).await?;
    store.close().await;
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "username": username, "password": secret })
        )?;
    } else {
        writeln!(
            out,
            "Device credentials for room {room} (the password is shown only now):"
        )?;
        writeln!(out, "  username: {username}")?;
        writeln!(out, "  password: {secret}")?;
        writeln!(
            out,
            "It may publish under hotel/{room}/ and subscribe to hotel/{room}/control/#."
        )?;
    }
    Ok(())
}
