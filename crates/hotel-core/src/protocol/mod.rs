//! The device protocol: topics, payload decoding and the reasons a message is
//! refused.
//!
//! [`decode`] turns one MQTT publish from a device into a [`Message`] or a
//! [`Rejection`]. It is pure: it takes the receive time as an argument and
//! does no I/O, so the same rules hold in the server, the tests and the
//! benches. Encoding for devices lives in [`crate::command`] (commands) and
//! [`encode`] (telemetry).
//!
//! Layout:
//! - [`topic`]: topic parsing, with and without the leading slash.
//! - `plain`: legacy plain-value payloads (`hotel/<room>/telemetry/<name>`).
//! - `json`: JSON telemetry payloads (feature `std`).
//! - [`encode`]: writing JSON telemetry the way devices do.

pub mod encode;
#[cfg(feature = "std")]
mod json;
mod plain;
pub mod topic;

use core::fmt;

use crate::reading::{Metric, Reading};
use crate::room::RoomId;
use crate::state::DeviceState;

pub use topic::Topic;

/// The largest payload accepted, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Device timestamps before this (2020-01-01T00:00:00Z, Unix ms) are wrong clocks.
pub const EARLIEST_TIMESTAMP_MS: i64 = 1_577_836_800_000;

/// Device timestamps further ahead of the receive time than this are wrong clocks.
pub const MAX_FUTURE_SKEW_MS: i64 = 24 * 60 * 60 * 1000;

/// Why a message, or one value in it, was refused. The [`as_str`](Self::as_str)
/// form is the `reason` label of `hotel_telemetry_rejected_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RejectReason {
    /// The payload is larger than [`MAX_PAYLOAD_BYTES`].
    TooLarge,
    /// The payload is not valid UTF-8.
    Utf8,
    /// The payload is not valid JSON, is not an object where one is needed,
    /// repeats a key, or nests deeper than the protocol needs.
    Json,
    /// The room id in the topic is empty, too long or has a bad character.
    RoomId,
    /// The body's `room` differs from the topic's.
    RoomMismatch,
    /// A value has the wrong JSON type (a string where a number belongs).
    Type,
    /// A number is NaN, infinite or outside its physical range, or a word is
    /// not one the protocol knows (a fan speed `turbo`).
    Range,
    /// The timestamp is before 2020, more than a day ahead, or unreadable;
    /// the message is kept at its receive time.
    Timestamp,
    /// The topic is not part of the protocol, or names an unknown value.
    UnknownTopic,
    /// A device published under a room it has no credentials for.
    ForeignRoom,
}

/// A refused message: nothing of it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// Why it was refused.
    pub reason: RejectReason,
    /// The room in the topic, when the topic named a valid one.
    pub room: Option<RoomId>,
}

/// One decoded device message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The room in the topic.
    pub room: RoomId,
    /// What it says.
    pub body: Body,
}

/// What a device message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Readings and settings (JSON telemetry, legacy plain values, LED and
    /// room-mode status topics).
    Telemetry(Telemetry),
    /// `hotel/<room>/heartbeat`: the device is alive.
    Heartbeat,
    /// `hotel/<room>/status/online`: `online` (true) or `offline` (false), the
    /// latter usually the device's last will.
    Online(bool),
    /// `hotel/<room>/status/error`: the device refused something; the text is
    /// cut to [`DEVICE_ERROR_MAX_BYTES`].
    DeviceError(DeviceErrorText),
}

/// The longest device error text kept, in bytes.
pub const DEVICE_ERROR_MAX_BYTES: usize = 120;

/// A short device error text, held inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DeviceErrorText {
    len: u8,
    bytes: [u8; DEVICE_ERROR_MAX_BYTES],
}

/// Readings and settings from one message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Telemetry {
    /// When the values were read, Unix ms: the device's timestamp, or the
    /// receive time when it had none or a wrong one.
    pub ts_ms: i64,
    /// The valid numeric values, indexed by [`Metric::index`].
    pub values: [Option<f64>; Metric::ALL.len()],
    /// The valid word-valued settings.
    pub state: DeviceState,
    /// Values that were dropped (or a timestamp replaced), by reason; the
    /// rest of the message stands.
    pub problems: Problems,
}

/// How many values of one message were dropped, per reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Problems {
    counts: [u8; RejectReason::ALL.len()],
}

impl RejectReason {
    /// Every reason, in label order.
    pub const ALL: [RejectReason; 10] = [
        RejectReason::TooLarge,
        RejectReason::Utf8,
        RejectReason::Json,
        RejectReason::RoomId,
        RejectReason::RoomMismatch,
        RejectReason::Type,
        RejectReason::Range,
        RejectReason::Timestamp,
        RejectReason::UnknownTopic,
        RejectReason::ForeignRoom,
    ];

    /// The metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            RejectReason::TooLarge => "too_large",
            RejectReason::Utf8 => "utf8",
            RejectReason::Json => "json",
            RejectReason::RoomId => "room_id",
            RejectReason::RoomMismatch => "room_mismatch",
            RejectReason::Type => "type",
            RejectReason::Range => "range",
            RejectReason::Timestamp => "timestamp",
            RejectReason::UnknownTopic => "unknown_topic",
            RejectReason::ForeignRoom => "foreign_room",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Problems {
    /// Counts one dropped value (or replaced timestamp) for `reason`.
    pub fn add(&mut self, reason: RejectReason) {
        let slot = &mut self.counts[reason.index()];
        *slot = slot.saturating_add(1);
    }

    /// How many were counted for `reason`.
    pub fn count(&self, reason: RejectReason) -> u8 {
        self.counts[reason.index()]
    }

    /// Each reason with a non-zero count.
    pub fn iter(&self) -> impl Iterator<Item = (RejectReason, u8)> + '_ {
        RejectReason::ALL
            .into_iter()
            .filter_map(|r| Some((r, self.count(r))).filter(|(_, n)| *n > 0))
    }

    /// True when nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|n| *n == 0)
    }
}

impl Telemetry {
    /// An empty message at `ts_ms`.
    pub fn at(ts_ms: i64) -> Self {
        Self {
            ts_ms,
            values: [None; Metric::ALL.len()],
            state: DeviceState::default(),
            problems: Problems::default(),
        }
    }

    /// Sets `metric` to `value` after checking its range; an invalid value is
    /// counted in [`Telemetry::problems`] and dropped.
    pub fn set_checked(&mut self, metric: Metric, value: f64) {
        match metric.check(value) {
            Ok(v) => self.values[metric.index()] = Some(v),
            Err(_) => self.problems.add(RejectReason::Range),
        }
    }

    /// The valid readings of this message for `room`.
    pub fn readings(&self, room: RoomId) -> impl Iterator<Item = Reading> + '_ {
        Metric::ALL.into_iter().filter_map(move |metric| {
            self.values[metric.index()].map(|value| Reading {
                room,
                metric,
                ts_ms: self.ts_ms,
                value,
            })
        })
    }

    /// True when the message carries no valid value and no setting.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none) && self.state.is_empty()
    }
}

impl DeviceErrorText {
    /// Keeps at most [`DEVICE_ERROR_MAX_BYTES`] of `text`, cut at a character
    /// boundary, with control characters replaced by spaces.
    pub fn new(text: &str) -> Self {
        let mut out = Self {
            len: 0,
            bytes: [0; DEVICE_ERROR_MAX_BYTES],
        };
        let mut buf = [0u8; 4];
        for c in text.trim().chars() {
            let c = if c.is_control() { ' ' } else { c };
            let encoded = c.encode_utf8(&mut buf).as_bytes();
            let start = usize::from(out.len);
            if start + encoded.len() > DEVICE_ERROR_MAX_BYTES {
                break;
            }
            out.bytes[start..start + encoded.len()].copy_from_slice(encoded);
            out.len += encoded.len() as u8;
        }
        out
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for DeviceErrorText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Decodes one MQTT publish from a device.
///
/// `received_ms` is the receive time (Unix ms); it stands in for a missing or
/// wrong device timestamp. Telemetry with some bad values keeps the good ones
/// and counts the rest in [`Telemetry::problems`].
///
/// # Errors
///
/// A [`Rejection`] when nothing of the message can be used.
///
/// # Example
///
/// ```
/// use hotel_core::protocol::{decode, Body, RejectReason};
/// use hotel_core::Metric;
///
/// let msg = decode("hotel/101/telemetry/temperature", b"22.5", 1_733_300_000_000).unwrap();
/// let Body::Telemetry(t) = msg.body else { panic!() };
/// assert_eq!(t.values[Metric::Temperature.index()], Some(22.5));
///
/// let bad = decode("hotel/101/telemetry/humidity", b"140", 1_733_300_000_000).unwrap_err();
/// assert_eq!(bad.reason, RejectReason::Range);
/// ```
pub fn decode(topic: &str, payload: &[u8], received_ms: i64) -> Result<Message, Rejection> {
    let parsed = Topic::parse(topic).map_err(|reason| Rejection { reason, room: None })?;
    let room = parsed.room();
    let reject = |reason| Rejection {
        reason,
        room: Some(room),
    };
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(reject(RejectReason::TooLarge));
    }

    let body = match parsed {
        Topic::Heartbeat { .. } => Body::Heartbeat,
        Topic::TelemetryJson { .. } => json_body(room, payload, received_ms).map_err(reject)?,
        Topic::TelemetryValue { name, .. } => {
            let text = core::str::from_utf8(payload).map_err(|_| reject(RejectReason::Utf8))?;
            Body::Telemetry(plain::decode_value(name, text, received_ms).map_err(reject)?)
        }
        Topic::Status { name, .. } => {
            let text = core::str::from_utf8(payload).map_err(|_| reject(RejectReason::Utf8))?;
            plain::decode_status(name, text, received_ms).map_err(reject)?
        }
        // Commands are the server's own output; a device never sends them.
        Topic::Control { .. } => return Err(reject(RejectReason::UnknownTopic)),
    };
    Ok(Message { room, body })
}

#[cfg(feature = "std")]
fn json_body(room: RoomId, payload: &[u8], received_ms: i64) -> Result<Body, RejectReason> {
    json::decode_telemetry(room, payload, received_ms).map(Body::Telemetry)
}

/// Without `std` there is no JSON decoder; the firmware never receives telemetry.
#[cfg(not(feature = "std"))]
fn json_body(_room: RoomId, _payload: &[u8], _received_ms: i64) -> Result<Body, RejectReason> {
    Err(RejectReason::UnknownTopic)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_733_300_000_000;

    #[test]
    fn refuses_oversized_payload_before_reading_it() {
        let big = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        let err = decode("hotel/101/telemetry/json", &big, NOW).unwrap_err();
        assert_eq!(err.reason, RejectReason::TooLarge);
        assert_eq!(err.room, Some(RoomId::parse("101").unwrap()));
    }

    #[test]
    fn control_topics_are_not_device_input() {
        let err = decode("hotel/101/control/fan_speed", b"low", NOW).unwrap_err();
        assert_eq!(err.reason, RejectReason::UnknownTopic);
    }

    #[test]
    fn heartbeat_takes_any_payload() {
        let msg = decode("/hotel/101/heartbeat", &[0xff, 0x00], NOW).unwrap();
        assert_eq!(msg.body, Body::Heartbeat);
    }

    #[test]
    fn problems_count_per_reason() {
        let mut p = Problems::default();
        assert!(p.is_empty());
        p.add(RejectReason::Range);
        p.add(RejectReason::Range);
        p.add(RejectReason::Type);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![(RejectReason::Type, 1), (RejectReason::Range, 2)]
        );
    }

    #[test]
    fn reason_labels_are_distinct_and_indexed_in_order() {
        for (i, r) in RejectReason::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
        }
        let mut labels: Vec<_> = RejectReason::ALL.iter().map(|r| r.as_str()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), RejectReason::ALL.len());
    }

    #[test]
    fn device_error_text_is_cut_and_cleaned() {
        let t = DeviceErrorText::new(&"é".repeat(100));
        assert!(t.as_str().len() <= DEVICE_ERROR_MAX_BYTES);
        assert_eq!(DeviceErrorText::new(" bad\ncmd ").as_str(), "bad cmd");
    }
}
