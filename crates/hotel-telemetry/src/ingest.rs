//! The ingest pipeline: decode → validate → update the live view → batch →
//! store.
//!
//! [`run_ingest`] reads messages from the transport's channel, decodes each
//! with [`hotel_core::protocol::decode`], counts rejections by reason, keeps
//! the live view current and hands readings to the [`writer`](crate::writer)
//! through a bounded channel. Nothing here waits on the network or the disk
//! except that channel, which is the backpressure.
//!
//! Observers (the alert engine) get an [`Observation`] per message through
//! their own bounded channel with `try_send`: a slow observer loses
//! observations (counted in `hotel_observations_dropped_total`), it never
//! slows the ingest.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotel_core::protocol::{Body, RejectReason, decode};
use hotel_core::store::HotelStore;
use hotel_core::transport::Inbound;
use hotel_core::{Metric, RoomId};
use metrics::Counter;
use tokio::sync::mpsc;

use crate::live::LiveRooms;
use crate::writer::ReadingSet;

/// A rejection is logged at most once per this interval per room and reason.
pub const REJECT_LOG_INTERVAL: Duration = Duration::from_secs(60);

/// Distinct (room, reason) pairs remembered for log rate limiting; past it
/// the memory is cleared (so logging stays bounded under a flood of ids).
const REJECT_LOG_KEYS: usize = 10_000;

/// What an observer learns of one accepted message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// Telemetry values (and so, the device was heard from).
    Readings {
        /// The room.
        room: RoomId,
        /// Device time of the values, Unix ms.
        ts_ms: i64,
        /// When the message arrived, Unix ms.
        received_ms: i64,
        /// Values by [`hotel_core::Metric::index`].
        values: [Option<f64>; Metric::ALL.len()],
    },
    /// A message without values: heartbeat, device error, state words.
    Heard {
        /// The room.
        room: RoomId,
        /// When it arrived, Unix ms.
        at_ms: i64,
    },
    /// The device's `status/online` word (its last will says `offline`).
    Online {
        /// The room.
        room: RoomId,
        /// The word.
        online: bool,
        /// When it arrived, Unix ms.
        at_ms: i64,
    },
}
/// Kinds of accepted message, as the `kind` label of
/// `hotel_telemetry_messages_total`.
pub const MESSAGE_KINDS: [&str; 4] = ["telemetry", "heartbeat", "status", "error"];

/// Counters of the ingest, registered once.
#[derive(Clone)]
pub struct IngestMetrics {
    received: Counter,
    rejected: [Counter; RejectReason::ALL.len()],
    observations_dropped: Counter,
    by_kind: [Counter; MESSAGE_KINDS.len()],
}

impl IngestMetrics {
    /// Registers the counters with the installed `metrics` recorder.
    pub fn register() -> Self {
        Self {
            received: metrics::counter!("hotel_telemetry_received_total"),
            rejected: RejectReason::ALL.map(
                |r| metrics::counter!("hotel_telemetry_rejected_total", "reason" => r.as_str()),
            ),
            observations_dropped: metrics::counter!("hotel_observations_dropped_total"),
            by_kind: MESSAGE_KINDS
                .map(|k| metrics::counter!("hotel_telemetry_messages_total", "kind" => k)),
        }
    }

    fn reject(&self, reason: RejectReason, count: u64) {
        if let Some(c) = self.rejected.get(reason as usize) {
            c.increment(count);
        }
    }
}

/// Everything the ingest task needs.
pub struct Ingest {
    /// The live view to keep current.
    pub live: Arc<LiveRooms>,
    /// Where new rooms are recorded.
    pub store: Arc<dyn HotelStore>,
    /// The writer's channel.
    pub readings: mpsc::Sender<ReadingSet>,
    /// Counters.
    pub metrics: IngestMetrics,
    /// Where observations go (the alert engine), if anywhere.
    pub observer: Option<mpsc::Sender<Observation>>,
}

impl Ingest {
    /// Hands `observation` to the observer without waiting; a full or closed
    /// channel drops it and counts the drop.
    fn observe(&self, observation: Observation) {
        if let Some(observer) = &self.observer
            && observer.try_send(observation).is_err()
        {
            self.metrics.observations_dropped.increment(1);
        }
    }
}

/// Runs the ingest until every sender of `inbound` is dropped (the transport
/// stopped), handling what was already received; dropping the readings
/// sender on return then lets the writer flush and stop.
pub async fn run_ingest(ingest: Ingest, mut inbound: mpsc::Receiver<Inbound>) {
    let mut log = RejectLog::default();
    while let Some(message) = inbound.recv().await {
        if !handle(&ingest, &mut log, message).await {
            break;
        }
    }
}

/// Handles one message; false when the writer is gone.
async fn handle(ingest: &Ingest, log: &mut RejectLog, message: Inbound) -> bool {
    let arrived = Instant::now();
    ingest.metrics.received.increment(1);
    let decoded = match decode(&message.topic, &message.payload, message.received_ms) {
        Ok(decoded) => decoded,
        Err(rejection) => {
            ingest.metrics.reject(rejection.reason, 1);
            log.note(rejection.room, rejection.reason);
            return true;
        }
    };
    let room = decoded.room;
    if !ingest.live.contains(&room) {
        // First message from this room: it appears in the API from now on.
        if let Err(e) = ingest.store.ensure_room(room).await {
            tracing::warn!(room = %room, error = %e, "could not record new room");
        } else {
            tracing::info!(room = %room, "new room reported");
        }
    }

    let kind = match &decoded.body {
        Body::Telemetry(_) => 0,
        Body::Heartbeat => 1,
        Body::Online(_) => 2,
        Body::DeviceError(_) => 3,
    };
    ingest.metrics.by_kind[kind].increment(1);

    match decoded.body {
        Body::Telemetry(t) => {
            for (reason, count) in t.problems.iter() {
                ingest.metrics.reject(reason, u64::from(count));
                log.note(Some(room), reason);
            }
            ingest.live.apply(room, &t, message.received_ms);
            ingest.observe(if t.values.iter().any(Option::is_some) {
                Observation::Readings {
                    room,
                    ts_ms: t.ts_ms,
                    received_ms: message.received_ms,
                    values: t.values,
                }
            } else {
                Observation::Heard {
                    room,
                    at_ms: message.received_ms,
                }
            });
            if t.values.iter().any(Option::is_some) {
                let set = ReadingSet {
                    room,
                    ts_ms: t.ts_ms,
                    values: t.values,
                    received: arrived,
                };
                if ingest.readings.send(set).await.is_err() {
                    return false;
                }
            }
        }
        Body::Heartbeat => {
            ingest.live.touch(room, message.received_ms);
            ingest.observe(Observation::Heard {
                room,
                at_ms: message.received_ms,
            });
        }
        Body::Online(online) => {
            tracing::info!(room = %room, online, "device status");
            ingest.live.set_online(room, online, message.received_ms);
            ingest.observe(Observation::Online {
                room,
                online,
                at_ms: message.received_ms,
            });
        }
        Body::DeviceError(text) => {
            tracing::info!(room = %room, error = text.as_str(), "device reported an error");
            ingest.live.touch(room, message.received_ms);
            ingest.observe(Observation::Heard {
                room,
                at_ms: message.received_ms,
            });
        }
    }
    true
}

/// Logs each (room, reason) at most once per [`REJECT_LOG_INTERVAL`].
#[derive(Default)]
struct RejectLog {
    last: HashMap<(Option<RoomId>, RejectReason), Instant>,
}

impl RejectLog {
    fn note(&mut self, room: Option<RoomId>, reason: RejectReason) {
        let now = Instant::now();
        if self.last.len() >= REJECT_LOG_KEYS {
            self.last.clear();
        }
        let due = self
            .last
            .get(&(room, reason))
            .is_none_or(|at| now.duration_since(*at) >= REJECT_LOG_INTERVAL);
        if due {
            self.last.insert((room, reason), now);
            match room {
                Some(room) => {
                    tracing::warn!(room = %room, reason = reason.as_str(), "telemetry refused")
                }
                None => tracing::warn!(
                    reason = reason.as_str(),
                    "telemetry refused (no valid room)"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_each_room_and_reason_once_per_interval() {
        let mut log = RejectLog::default();
        let room = RoomId::parse("101").ok();
        log.note(room, RejectReason::Json);
        let first = log.last[&(room, RejectReason::Json)];
        log.note(room, RejectReason::Json);
        assert_eq!(log.last[&(room, RejectReason::Json)], first);
        log.note(room, RejectReason::Range);
        assert_eq!(log.last.len(), 2);
    }
}
