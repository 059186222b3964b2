//! Measures how fast the SQLite store writes readings in batches the size
//! the writer uses: `cargo run --release -p hotel-telemetry --example store_write [batches]`.
//!
//! Each batch holds 20,000 readings (100 rooms × 5 metrics × 40 timestamps);
//! the default is 50 batches (1,000,000 readings). A fixed, smaller count
//! suits instruction counting under `valgrind --tool=callgrind`.

use std::time::Instant;

use hotel_core::store::{HotelStore, ReadingStore};
use hotel_core::{Metric, Reading, RoomId};
use hotel_telemetry::sqlite::SqliteStore;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db")).await?;
    let rooms: Vec<RoomId> = (0..100)
        .map(|i| RoomId::parse(&format!("r{i}")).unwrap())
        .collect();
    for room in &rooms {
        store.ensure_room(*room).await?;
    }
    let batches: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 50,
    };
    let per_batch = 20_000;
    let mut ts = 1_733_300_000_000i64;
    let started = Instant::now();
    for _ in 0..batches {
        let mut batch = Vec::with_capacity(per_batch);
        while batch.len() < per_batch {
            ts += 1;
            for room in &rooms {
                for metric in [
                    Metric::Temperature,
                    Metric::Humidity,
                    Metric::LightPercent,
                    Metric::GasLevel,
                    Metric::TargetTemp,
                ] {
                    batch.push(Reading {
                        room: *room,
                        metric,
                        ts_ms: ts,
                        value: 21.5,
                    });
                }
            }
        }
        store.write_batch(&batch).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let total = (batches * per_batch) as f64;
    println!(
        "{total} readings in {secs:.2} s: {:.0} readings/s",
        total / secs
    );
    Ok(())
}
