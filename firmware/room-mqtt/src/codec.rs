//! The MQTT 3.1.1 packets a room device exchanges with its broker, written
//! into and read from caller-owned byte slices.
//!
//! This is not a general MQTT library. It encodes what a device sends
//! (CONNECT with a last will, PUBLISH at QoS 0 or 1, PUBACK, SUBSCRIBE with
//! one filter, PINGREQ, DISCONNECT) and decodes what a broker sends it
//! (CONNACK, PUBLISH, PUBACK, SUBACK, PINGRESP). QoS 2 is refused: the device
//! subscribes with QoS 1 at most, so a broker never sends it QoS 2.
//! Decoding never panics and never allocates; a decoded packet borrows the
//! input.

/// The protocol level of MQTT 3.1.1 in CONNECT.
pub const PROTOCOL_LEVEL: u8 = 4;

/// The largest remaining length MQTT can express (four length bytes).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

const CONNECT: u8 = 1;
const CONNACK: u8 = 2;
const PUBLISH: u8 = 3;
const PUBACK: u8 = 4;
const SUBSCRIBE: u8 = 8;
const SUBACK: u8 = 9;
const PINGREQ: u8 = 12;
const PINGRESP: u8 = 13;
const DISCONNECT: u8 = 14;

/// Why a packet could not be encoded or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CodecError {
    /// The packet does not fit the output buffer.
    BufferTooSmall,
    /// A string or payload is longer than MQTT allows.
    TooLong,
    /// The input is not a valid MQTT 3.1.1 packet of a kind the device
    /// understands.
    Malformed,
}

/// Delivery guarantee of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QoS {
    /// Fire and forget.
    AtMostOnce,
    /// Acknowledged with PUBACK; may arrive twice.
    AtLeastOnce,
}

impl QoS {
    fn bits(self) -> u8 {
        match self {
            QoS::AtMostOnce => 0,
            QoS::AtLeastOnce => 1,
        }
    }
}

/// The message the broker publishes for the device when it is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Will<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// Delivery guarantee.
    pub qos: QoS,
    /// Whether the broker keeps it for later subscribers.
    pub retain: bool,
}

/// A CONNECT packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connect<'a> {
    /// Client id (the room id on a device).
    pub client_id: &'a str,
    /// Seconds of silence after which the broker drops the device.
    pub keep_alive_s: u16,
    /// Whether the broker forgets the previous session.
    pub clean_session: bool,
    /// Last will.
    pub will: Option<Will<'a>>,
    /// User name and password.
    pub credentials: Option<(&'a str, &'a [u8])>,
}

/// A PUBLISH packet, outgoing or incoming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// Delivery guarantee.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// Whether this is a redelivery.
    pub dup: bool,
    /// Packet id; meaningful for [`QoS::AtLeastOnce`] only.
    pub packet_id: u16,
}

/// A packet the device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outgoing<'a> {
    /// Opens the session.
    Connect(Connect<'a>),
    /// Sends a message.
    Publish(Publish<'a>),
    /// Acknowledges a QoS 1 message with this packet id.
    PubAck(u16),
    /// Subscribes to one filter.
    Subscribe {
        /// Packet id, echoed in SUBACK.
        packet_id: u16,
        /// Topic filter.
        filter: &'a str,
        /// Highest QoS wanted.
        qos: QoS,
    },
    /// Keep-alive request.
    PingReq,
    /// Clean close: the broker discards the last will.
    Disconnect,
}

/// A packet the broker sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// Answer to CONNECT; `code` 0 is accepted.
    ConnAck {
        /// Whether the broker kept a session.
        session_present: bool,
        /// Return code (0 accepted, 1–5 refused).
        code: u8,
    },
    /// A message on a subscribed topic.
    Publish(Publish<'a>),
    /// A QoS 1 message of the device was received.
    PubAck(u16),
    /// Answer to SUBSCRIBE; `code` 0x80 is a refusal, otherwise the QoS
    /// granted.
    SubAck {
        /// Packet id of the SUBSCRIBE.
        packet_id: u16,
        /// Return code of the (only) filter.
        code: u8,
    },
    /// Answer to PINGREQ.
    PingResp,
}

impl Outgoing<'_> {
    /// Writes the packet to the front of `out`; returns the bytes written.
    ///
    /// # Errors
    ///
    /// [`CodecError::BufferTooSmall`] when it does not fit `out`,
    /// [`CodecError::TooLong`] when a string is over 65 535 bytes.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        let body = self.body_len()?;
        if body > MAX_REMAINING_LENGTH {
            return Err(CodecError::TooLong);
        }
        let mut w = Writer { out, pos: 0 };
        w.put_u8(self.first_byte())?;
        w.put_remaining_length(body)?;
        match *self {
            Outgoing::Connect(c) => {
                w.put_str("MQTT")?;
                w.put_u8(PROTOCOL_LEVEL)?;
                w.put_u8(connect_flags(&c))?;
                w.put_u16(c.keep_alive_s)?;
                w.put_str(c.client_id)?;
                if let Some(will) = c.will {
                    w.put_str(will.topic)?;
                    w.put_prefixed(will.payload)?;
                }
                if let Some((user, password)) = c.credentials {
                    w.put_str(user)?;
                    w.put_prefixed(password)?;
                }
            }
            Outgoing::Publish(p) => {
                w.put_str(p.topic)?;
                if p.qos == QoS::AtLeastOnce {
                    w.put_u16(p.packet_id)?;
                }
                w.put_bytes(p.payload)?;
            }
            Outgoing::PubAck(id) => w.put_u16(id)?,
            Outgoing::Subscribe {
                packet_id,
                filter,
                qos,
            } => {
                w.put_u16(packet_id)?;
                w.put_str(filter)?;
                w.put_u8(qos.bits())?;
            }
            Outgoing::PingReq | Outgoing::Disconnect => {}
        }
        Ok(w.pos)
    }

    fn first_byte(&self) -> u8 {
        match self {
            Outgoing::Connect(_) => CONNECT << 4,
            Outgoing::Publish(p) => {
                (PUBLISH << 4) | (u8::from(p.dup) << 3) | (p.qos.bits() << 1) | u8::from(p.retain)
            }
            Outgoing::PubAck(_) => PUBACK << 4,
            // SUBSCRIBE's reserved flags must be 0b0010.
            Outgoing::Subscribe { .. } => (SUBSCRIBE << 4) | 0b0010,
            Outgoing::PingReq => PINGREQ << 4,
            Outgoing::Disconnect => DISCONNECT << 4,
        }
    }

    fn body_len(&self) -> Result<usize, CodecError> {
        Ok(match self {
            Outgoing::Connect(c) => {
                let mut n = str_len("MQTT")? + 1 + 1 + 2 + str_len(c.client_id)?;
                if let Some(will) = c.will {
                    n += str_len(will.topic)? + prefixed_len(will.payload)?;
                }
                if let Some((user, password)) = c.credentials {
                    n += str_len(user)? + prefixed_len(password)?;
                }
                n
            }
            Outgoing::Publish(p) => {
                let id = if p.qos == QoS::AtLeastOnce { 2 } else { 0 };
                str_len(p.topic)? + id + p.payload.len()
            }
            Outgoing::PubAck(_) => 2,
            Outgoing::Subscribe { filter, .. } => 2 + str_len(filter)? + 1,
            Outgoing::PingReq | Outgoing::Disconnect => 0,
        })
    }
}

/// The length of the first packet in `buf`, header included, once its fixed
/// header is complete; `None` while more bytes are needed to know it.
///
/// # Errors
///
/// [`CodecError::Malformed`] for a remaining length over four bytes.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, CodecError> {
    let mut remaining = 0usize;
    for i in 0..4 {
        let Some(&byte) = buf.get(1 + i) else {
            return Ok(None);
        };
        remaining |= usize::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(Some(1 + i + 1 + remaining));
        }
    }
    Err(CodecError::Malformed)
}

impl<'a> Incoming<'a> {
    /// Decodes the first packet of `buf`; `None` while it is incomplete.
    /// Returns the packet and its length, header included.
    ///
    /// # Errors
    ///
    /// [`CodecError::Malformed`] for bytes that are not a packet a broker
    /// sends a client, or one with a QoS 2 or invalid UTF-8 topic.
    pub fn decode(buf: &'a [u8]) -> Result<Option<(Self, usize)>, CodecError> {
        let Some(len) = frame_len(buf)? else {
            return Ok(None);
        };
        let Some(frame) = buf.get(..len) else {
            return Ok(None);
        };
        let header = header_len(frame);
        let body = &frame[header..];
        let kind = frame[0] >> 4;
        let flags = frame[0] & 0x0F;
        let packet = match (kind, flags) {
            (CONNACK, 0) => match *body {
                [ack, code] if ack & 0xFE == 0 => Incoming::ConnAck {
                    session_present: ack & 1 == 1,
                    code,
                },
                _ => return Err(CodecError::Malformed),
            },
            (PUBLISH, _) => Incoming::Publish(decode_publish(flags, body)?),
            (PUBACK, 0) => match *body {
                [hi, lo] => Incoming::PubAck(u16::from_be_bytes([hi, lo])),
                _ => return Err(CodecError::Malformed),
            },
            (SUBACK, 0) => match *body {
                [hi, lo, code, ..] => Incoming::SubAck {
                    packet_id: u16::from_be_bytes([hi, lo]),
                    code,
                },
                _ => return Err(CodecError::Malformed),
            },
            (PINGRESP, 0) if body.is_empty() => Incoming::PingResp,
            _ => return Err(CodecError::Malformed),
        };
        Ok(Some((packet, len)))
    }
}

/// Bytes of the fixed header of a complete frame.
fn header_len(frame: &[u8]) -> usize {
    // frame_len succeeded, so a byte without the continuation bit exists.
    1 + frame[1..]
        .iter()
        .take(4)
        .position(|b| b & 0x80 == 0)
        .map_or(4, |i| i + 1)
}

fn decode_publish(flags: u8, body: &[u8]) -> Result<Publish<'_>, CodecError> {
    let qos = match (flags >> 1) & 0b11 {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => return Err(CodecError::Malformed),
    };
    let mut r = Reader { buf: body };
    let topic = core::str::from_utf8(r.prefixed()?).map_err(|_| CodecError::Malformed)?;
    let packet_id = match qos {
        QoS::AtMostOnce => 0,
        QoS::AtLeastOnce => r.u16()?,
    };
    Ok(Publish {
        topic,
        payload: r.buf,
        qos,
        retain: flags & 1 == 1,
        dup: flags & 0b1000 != 0,
        packet_id,
    })
}

fn connect_flags(c: &Connect<'_>) -> u8 {
    let mut flags = u8::from(c.clean_session) << 1;
    if let Some(will) = c.will {
        flags |= 0b100 | (will.qos.bits() << 3) | (u8::from(will.retain) << 5);
    }
    if c.credentials.is_some() {
        flags |= 0b1100_0000;
    }
    flags
}

fn str_len(s: &str) -> Result<usize, CodecError> {
    prefixed_len(s.as_bytes())
}

fn prefixed_len(b: &[u8]) -> Result<usize, CodecError> {
    if b.len() > usize::from(u16::MAX) {
        return Err(CodecError::TooLong);
    }
    Ok(2 + b.len())
}

struct Writer<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put_bytes(&mut self, bytes: &[u8]) -> Result<(), CodecError> {
        let end = self.pos + bytes.len();
        self.out
            .get_mut(self.pos..end)
            .ok_or(CodecError::BufferTooSmall)?
            .copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    fn put_u8(&mut self, v: u8) -> Result<(), CodecError> {
        self.put_bytes(&[v])
    }

    fn put_u16(&mut self, v: u16) -> Result<(), CodecError> {
        self.put_bytes(&v.to_be_bytes())
    }

    fn put_prefixed(&mut self, bytes: &[u8]) -> Result<(), CodecError> {
        let len = u16::try_from(bytes.len()).map_err(|_| CodecError::TooLong)?;
        self.put_u16(len)?;
        self.put_bytes(bytes)
    }

    fn put_str(&mut self, s: &str) -> Result<(), CodecError> {
        self.put_prefixed(s.as_bytes())
    }

    fn put_remaining_length(&mut self, mut len: usize) -> Result<(), CodecError> {
        loop {
            let mut byte = (len % 128) as u8;
            len /= 128;
            if len > 0 {
                byte |= 0x80;
            }
            self.put_u8(byte)?;
            if len == 0 {
                return Ok(());
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.buf.len() < n {
            return Err(CodecError::Malformed);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn prefixed(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(p: &Outgoing<'_>) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let n = p.encode(&mut buf).unwrap();
        buf[..n].to_vec()
    }

    #[test]
    fn connect_carries_will_credentials_and_keep_alive() {
        let bytes = encode(&Outgoing::Connect(Connect {
            client_id: "101",
            keep_alive_s: 30,
            clean_session: true,
            will: Some(Will {
                topic: "hotel/101/status/online",
                payload: b"offline",
                qos: QoS::AtLeastOnce,
                retain: true,
            }),
            credentials: Some(("u", b"pw")),
        }));
        let mut expected = vec![0x10, 0];
        expected.extend_from_slice(&[0, 4, b'M', b'Q', b'T', b'T', 4]);
        // user, password, will retain, will QoS 1, will, clean session.
        expected.push(0b1110_1110);
        expected.extend_from_slice(&[0, 30, 0, 3, b'1', b'0', b'1']);
        expected.extend_from_slice(&[0, 23]);
        expected.extend_from_slice(b"hotel/101/status/online");
        expected.extend_from_slice(&[0, 7]);
        expected.extend_from_slice(b"offline");
        expected.extend_from_slice(&[0, 1, b'u', 0, 2, b'p', b'w']);
        expected[1] = (expected.len() - 2) as u8;
        assert_eq!(bytes, expected);
    }

    #[test]
    fn subscribe_sets_the_reserved_flag_bits() {
        let bytes = encode(&Outgoing::Subscribe {
            packet_id: 7,
            filter: "a/+",
            qos: QoS::AtLeastOnce,
        });
        assert_eq!(bytes, [0x82, 8, 0, 7, 0, 3, b'a', b'/', b'+', 1]);
    }

    #[test]
    fn small_packets_are_exact() {
        assert_eq!(encode(&Outgoing::PingReq), [0xC0, 0]);
        assert_eq!(encode(&Outgoing::Disconnect), [0xE0, 0]);
        assert_eq!(encode(&Outgoing::PubAck(0x0102)), [0x40, 2, 1, 2]);
    }

    #[test]
    fn long_publish_uses_a_two_byte_length() {
        let payload = [b'x'; 200];
        let bytes = encode(&Outgoing::Publish(Publish {
            topic: "t",
            payload: &payload,
            qos: QoS::AtMostOnce,
            retain: true,
            dup: false,
            packet_id: 0,
        }));
        // 3 (topic) + 200 = 203 = 0xCB 0x01.
        assert_eq!(&bytes[..3], [0x31, 0xCB, 0x01]);
        assert_eq!(bytes.len(), 3 + 203);
        assert_eq!(frame_len(&bytes), Ok(Some(bytes.len())));
    }

    #[test]
    fn encode_refuses_a_buffer_too_small() {
        let mut buf = [0u8; 5];
        let p = Outgoing::Subscribe {
            packet_id: 1,
            filter: "hotel/101/control/+",
            qos: QoS::AtLeastOnce,
        };
        assert_eq!(p.encode(&mut buf), Err(CodecError::BufferTooSmall));
    }

    #[test]
    fn decodes_what_a_broker_sends() {
        assert_eq!(
            Incoming::decode(&[0x20, 2, 1, 0]),
            Ok(Some((
                Incoming::ConnAck {
                    session_present: true,
                    code: 0
                },
                4
            )))
        );
        assert_eq!(
            Incoming::decode(&[0x40, 2, 0, 9, 0xFF]),
            Ok(Some((Incoming::PubAck(9), 4)))
        );
        assert_eq!(
            Incoming::decode(&[0x90, 3, 0, 9, 0x80]),
            Ok(Some((
                Incoming::SubAck {
                    packet_id: 9,
                    code: 0x80
                },
                5
            )))
        );
        assert_eq!(
            Incoming::decode(&[0xD0, 0]),
            Ok(Some((Incoming::PingResp, 2)))
        );
    }

    #[test]
    fn decodes_a_qos1_publish_with_its_packet_id() {
        let mut bytes = vec![0x3B, 0, 0, 3, b'a', b'/', b'b', 0x12, 0x34];
        bytes.extend_from_slice(b"25.0");
        bytes[1] = (bytes.len() - 2) as u8;
        let (packet, len) = Incoming::decode(&bytes).unwrap().unwrap();
        assert_eq!(len, bytes.len());
        assert_eq!(
            packet,
            Incoming::Publish(Publish {
                topic: "a/b",
                payload: b"25.0",
                qos: QoS::AtLeastOnce,
                retain: true,
                dup: true,
                packet_id: 0x1234,
            })
        );
    }

    #[test]
    fn incomplete_input_asks_for_more() {
        assert_eq!(Incoming::decode(&[]), Ok(None));
        assert_eq!(Incoming::decode(&[0x30]), Ok(None));
        assert_eq!(Incoming::decode(&[0x30, 0x80]), Ok(None));
        assert_eq!(Incoming::decode(&[0x30, 5, 0, 1]), Ok(None));
    }

    #[test]
    fn refuses_qos2_bad_flags_and_overlong_lengths() {
        assert_eq!(
            Incoming::decode(&[0x34, 4, 0, 1, b'a', 0]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            Incoming::decode(&[0x21, 2, 0, 0]),
            Err(CodecError::Malformed)
        );
        assert_eq!(
            frame_len(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 1]),
            Err(CodecError::Malformed)
        );
        // A PINGREQ is something a client sends, never receives.
        assert_eq!(
            Incoming::decode(&encode(&Outgoing::PingReq)),
            Err(CodecError::Malformed)
        );
    }

    #[test]
    fn refuses_a_topic_that_is_not_utf8() {
        assert_eq!(
            Incoming::decode(&[0x30, 4, 0, 2, 0xC3, 0x28]),
            Err(CodecError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Incoming::decode(&bytes);
        }

        #[test]
        fn a_publish_decodes_as_it_was_encoded(
            topic in "[a-z0-9/+_-]{0,40}",
            payload in proptest::collection::vec(any::<u8>(), 0..300),
            qos1: bool,
            retain: bool,
            dup: bool,
            packet_id: u16,
        ) {
            let qos = if qos1 { QoS::AtLeastOnce } else { QoS::AtMostOnce };
            let sent = Publish {
                topic: &topic,
                payload: &payload,
                qos,
                retain,
                dup,
                packet_id: if qos1 { packet_id } else { 0 },
            };
            let bytes = encode(&Outgoing::Publish(sent));
            // Any prefix is incomplete, never an error.
            for cut in 0..bytes.len() {
                prop_assert_eq!(Incoming::decode(&bytes[..cut]), Ok(None));
            }
            prop_assert_eq!(
                Incoming::decode(&bytes),
                Ok(Some((Incoming::Publish(sent), bytes.len())))
            );
        }
    }
}
