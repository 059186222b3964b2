//! The batch writer: group commit of readings into the store.
//!
//! The writer takes everything waiting in its channel (up to
//! [`MAX_BATCH_READINGS`]), lets the batch gather for at most
//! [`BATCH_LINGER`] after its oldest message arrived, writes it in one
//! transaction, and repeats; while a transaction runs, the next batch
//! gathers. Under light load a reading is stored within about
//! [`BATCH_LINGER`] plus one transaction; under heavy load batches grow, no
//! lingering happens and the cost per reading falls. A failed write is retried with backoff and
//! the batch is kept, so the channel fills and the ingest slows down rather
//! than lose data.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotel_core::store::ReadingStore;
use hotel_core::{Metric, Reading, RoomId};
use metrics::{Counter, Histogram};
use tokio::sync::{mpsc, watch};

/// Readings written per transaction at most.
pub const MAX_BATCH_READINGS: usize = 20_000;

/// Messages waiting for the writer at most; past it, the ingest waits.
pub const CHANNEL_CAPACITY: usize = 16_384;

/// How long a batch may gather after its oldest message arrived before it is
/// written. Each commit costs about one page write per room and metric it
/// touches, however few readings it holds; gathering for a moment makes a
/// light load cost a few commits a second instead of hundreds. Well inside
/// the 100 ms bound on the delay to the store.
pub const BATCH_LINGER: Duration = Duration::from_millis(50);

/// Longest pause between retries of a failed write.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// The readings of one message, as the ingest hands them over.
#[derive(Debug, Clone, Copy)]
pub struct ReadingSet {
    /// The room.
    pub room: RoomId,
    /// Device time of the readings, Unix ms.
    pub ts_ms: i64,
    /// Values by [`Metric::index`].
    pub values: [Option<f64>; Metric::ALL.len()],
    /// When the message arrived, for the delay histogram.
    pub received: Instant,
}

/// Counters and histograms of the writer.
#[derive(Clone)]
pub struct WriterMetrics {
    stored: Counter,
    commit_seconds: Histogram,
    delay_seconds: Histogram,
}

impl WriterMetrics {
    /// Registers with the installed `metrics` recorder.
    pub fn register() -> Self {
        Self {
            stored: metrics::counter!("hotel_telemetry_stored_total"),
            commit_seconds: metrics::histogram!("hotel_ingest_batch_seconds"),
            delay_seconds: metrics::histogram!("hotel_ingest_delay_seconds"),
        }
    }
}

/// Runs the writer until every sender of `sets` is dropped, then writes what
/// is left and returns. `stored` counts readings committed so far (new or
/// already present), for tests and shutdown reporting.
pub async fn run_writer(
    store: Arc<dyn ReadingStore>,
    mut sets: mpsc::Receiver<ReadingSet>,
    metrics: WriterMetrics,
    stored: watch::Sender<u64>,
) {
    let per_batch = MAX_BATCH_READINGS / Metric::ALL.len();
    let mut batch: Vec<ReadingSet> = Vec::with_capacity(per_batch);
    let mut readings: Vec<Reading> = Vec::with_capacity(MAX_BATCH_READINGS);
    loop {
        batch.clear();
        if sets.recv_many(&mut batch, per_batch).await == 0 {
            break;
        }
        gather(&mut sets, &mut batch, per_batch).await;
        readings.clear();
        readings.extend(batch.iter().flat_map(|set| {
            Metric::ALL.into_iter().filter_map(move |metric| {
                set.values[metric.index()].map(|value| Reading {
                    room: set.room,
                    metric,
                    ts_ms: set.ts_ms,
                    value,
                })
            })
        }));

        let started = Instant::now();
        write_with_retry(store.as_ref(), &readings).await;
        let now = Instant::now();
        metrics
            .commit_seconds
            .record(now.duration_since(started).as_secs_f64());
        if let Some(oldest) = batch.iter().map(|s| s.received).min() {
            metrics
                .delay_seconds
                .record(now.duration_since(oldest).as_secs_f64());
        }
        metrics.stored.increment(readings.len() as u64);
        stored.send_modify(|n| *n += readings.len() as u64);
    }
    tracing::debug!("reading writer stopped");
}

/// Adds to `batch` what arrives until it holds `limit` sets or
/// [`BATCH_LINGER`] has passed since its oldest set arrived.
async fn gather(sets: &mut mpsc::Receiver<ReadingSet>, batch: &mut Vec<ReadingSet>, limit: usize) {
    let Some(oldest) = batch.iter().map(|s| s.received).min() else {
        return;
    };
    let deadline = tokio::time::Instant::from_std(oldest + BATCH_LINGER);
    while batch.len() < limit {
        let room = limit - batch.len();
        match tokio::time::timeout_at(deadline, sets.recv_many(batch, room)).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

async fn write_with_retry(store: &dyn ReadingStore, readings: &[Reading]) {
    let mut delay = Duration::from_millis(50);
    loop {
        match store.write_batch(readings).await {
            Ok(_) => return,
            Err(e) => {
                tracing::error!(error = %e, readings = readings.len(), "storing readings failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
            }
        }
    }
}
