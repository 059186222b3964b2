//! The device's MQTT link: [`run`] keeps a session with the broker for
//! ever, and [`session`] is one of them.
//!
//! A session connects with the last will (`offline`, retained, on
//! `hotel/<room>/status/online`), subscribes to the room's control topics,
//! tells the [`RoomController`] it is online, then publishes what the
//! controller queues (QoS 1; an item leaves the queue only once the broker
//! acknowledged it), hands it every control message, and pings when idle.
//! When a session ends, [`run`] waits the core's [`Backoff`] (exponential,
//! with jitter) and opens a new connection.
//!
//! The network and the clock are the caller's, behind [`Transport`] and
//! [`Timer`]: embassy-net and embassy-time on the device, tokio in the host
//! tests. This module decides nothing about the room; the controller does.

use core::future::Future;

use embassy_futures::select::{Either, select};
use embassy_sync::blocking_mutex::raw::RawMutex;
use embassy_sync::mutex::Mutex;
use embedded_io_async::{Read, Write};
use hotel_core::RoomId;
use hotel_room_core::controller::{OFFLINE, TOPIC_CAPACITY, control_filter, will_topic};
use hotel_room_core::sample::PAYLOAD_CAPACITY;
use hotel_room_core::{Backoff, RoomController};
use hotel_room_core::{info, warn};

use crate::client::Client;
use crate::codec::{CodecError, Connect, Incoming, Outgoing, Publish, QoS, Will};

/// Send and receive buffer of a session, bytes: the largest PUBLISH the
/// device sends (topic, payload, headers) fits.
pub const BUFFER_BYTES: usize = PAYLOAD_CAPACITY + TOPIC_CAPACITY + 16;

/// How long the broker may take to answer CONNECT, SUBSCRIBE, a QoS 1
/// PUBLISH or a ping before the session is given up, ms.
pub const RESPONSE_TIMEOUT_MS: u64 = 10_000;

/// Why a session ended (or never started).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LinkError {
    /// The transport could not open a connection (name lookup, TCP).
    Connect,
    /// The connection failed or the broker closed it.
    Io,
    /// The broker sent something the device cannot read, or a packet did
    /// not fit the send buffer.
    Codec(CodecError),
    /// The broker refused the connection with this CONNACK code (4: bad
    /// user name or password, 5: not authorised).
    Refused(u8),
    /// The broker refused the subscription to the control topics.
    SubscribeRefused,
    /// The broker did not answer within [`RESPONSE_TIMEOUT_MS`].
    Timeout,
}

impl LinkError {
    /// A short description.
    pub const fn as_str(self) -> &'static str {
        match self {
            LinkError::Connect => "cannot connect",
            LinkError::Io => "connection lost",
            LinkError::Codec(CodecError::BufferTooSmall | CodecError::TooLong) => {
                "packet too large"
            }
            LinkError::Codec(CodecError::Malformed) => "malformed packet",
            LinkError::Refused(_) => "connection refused",
            LinkError::SubscribeRefused => "subscription refused",
            LinkError::Timeout => "no answer",
        }
    }
}

/// How the device connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig<'a> {
    /// MQTT client id; the room id on a device.
    pub client_id: &'a str,
    /// User name and password, if the broker wants them.
    pub credentials: Option<(&'a str, &'a str)>,
    /// Keep-alive told to the broker, s; the device pings after half of it
    /// without sending.
    pub keep_alive_s: u16,
    /// How often an idle session looks at the controller's queue, ms.
    pub poll_ms: u64,
    /// Reconnection delays.
    pub backoff: Backoff,
}

impl<'a> LinkConfig<'a> {
    /// Defaults: 30 s keep-alive, queue looked at every 200 ms, reconnection
    /// after 0.5–1 s doubling up to 30–60 s.
    pub const fn new(client_id: &'a str) -> Self {
        Self {
            client_id,
            credentials: None,
            keep_alive_s: 30,
            poll_ms: 200,
            backoff: Backoff::new(1_000, 60_000),
        }
    }
}

/// Opens connections to the broker.
pub trait Transport {
    /// A connected byte stream. Its `read` must be cancel-safe (see
    /// [`Client`]).
    type Connection<'a>: Read + Write
    where
        Self: 'a;

    /// Connects to the broker; `None` when that fails (the failure is the
    /// transport's to log).
    fn open(&mut self) -> impl Future<Output = Option<Self::Connection<'_>>>;
}

/// The monotonic clock, sleeping, and the randomness of the backoff jitter.
pub trait Timer {
    /// Monotonic time, ms.
    fn now_ms(&self) -> u64;
    /// Waits `ms` milliseconds.
    fn sleep_ms(&mut self, ms: u64) -> impl Future<Output = ()>;
    /// Any random number, for the backoff jitter.
    fn random(&mut self) -> u32;
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnd {
    /// Whether the session was up (connected and subscribed) before it
    /// ended; the backoff starts over after one that was.
    pub was_up: bool,
    /// Why it ended.
    pub error: LinkError,
}

/// Keeps the device's MQTT session up for ever: open, run a
/// [`session`], mark the controller offline, wait the backoff, again.
/// Never returns; drop the future to stop it.
pub async fn run<M, X, T>(
    config: &LinkConfig<'_>,
    controller: &Mutex<M, RoomController>,
    transport: &mut X,
    timer: &mut T,
) where
    M: RawMutex,
    X: Transport,
    T: Timer,
{
    let mut backoff = config.backoff;
    loop {
        let end = match transport.open().await {
            Some(connection) => session(config, controller, connection, timer).await,
            None => SessionEnd {
                was_up: false,
                error: LinkError::Connect,
            },
        };
        controller.lock().await.on_disconnected();
        if end.was_up {
            backoff.succeeded();
        }
        let delay = backoff.failed(timer.now_ms(), timer.random());
        warn!(
            "MQTT link down ({}), retry in {} ms",
            end.error.as_str(),
            delay
        );
        timer.sleep_ms(delay).await;
    }
}

/// One MQTT session on an open connection, until it fails. The controller
/// is told when it is up ([`RoomController::on_connected`]); telling it
/// that it is down is the caller's ([`run`] does).
pub async fn session<M, C, T>(
    config: &LinkConfig<'_>,
    controller: &Mutex<M, RoomController>,
    connection: C,
    timer: &mut T,
) -> SessionEnd
where
    M: RawMutex,
    C: Read + Write,
    T: Timer,
{
    let (mut rx, mut tx) = ([0u8; BUFFER_BYTES], [0u8; BUFFER_BYTES]);
    let room = controller.lock().await.room();
    let now = timer.now_ms();
    let mut s = Session {
        room,
        client: Client::new(connection, &mut rx, &mut tx),
        controller,
        timer,
        config,
        last_sent_ms: now,
        ping_sent_ms: None,
    };
    if let Err(error) = s.open().await {
        return SessionEnd {
            was_up: false,
            error,
        };
    }
    controller.lock().await.on_connected();
    info!("MQTT session up");
    let error = s.serve().await;
    SessionEnd {
        was_up: true,
        error,
    }
}

/// What a received packet meant, once a message went to the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    ConnAck(u8),
    SubAck { packet_id: u16, code: u8 },
    PubAck(u16),
    PingResp,
    Message,
}

/// The request whose answer [`Session::await_reply`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Connect,
    Subscribe(u16),
    Publish(u16),
}

struct Session<'s, 'b, 'c, M: RawMutex, C, T> {
    room: RoomId,
    client: Client<'b, C>,
    controller: &'s Mutex<M, RoomController>,
    timer: &'s mut T,
    config: &'s LinkConfig<'c>,
    last_sent_ms: u64,
    ping_sent_ms: Option<u64>,
}

impl<M, C, T> Session<'_, '_, '_, M, C, T>
where
    M: RawMutex,
    C: Read + Write,
    T: Timer,
{
    /// CONNECT with the last will, then SUBSCRIBE to the control topics.
    async fn open(&mut self) -> Result<(), LinkError> {
        let will = will_topic(self.room);
        let connect = Connect {
            client_id: self.config.client_id,
            keep_alive_s: self.config.keep_alive_s,
            clean_session: true,
            will: Some(Will {
                topic: &will,
                payload: OFFLINE.as_bytes(),
                qos: QoS::AtLeastOnce,
                retain: true,
            }),
            credentials: self
                .config
                .credentials
                .map(|(user, password)| (user, password.as_bytes())),
        };
        self.send(&Outgoing::Connect(connect)).await?;
        match self.await_reply(Request::Connect).await? {
            0 => {}
            code => return Err(LinkError::Refused(code)),
        }

        let packet_id = self.client.next_packet_id();
        let filter = control_filter(self.room);
        self.send(&Outgoing::Subscribe {
            packet_id,
            filter: &filter,
            qos: QoS::AtLeastOnce,
        })
        .await?;
        match self.await_reply(Request::Subscribe(packet_id)).await? {
            0x80 => Err(LinkError::SubscribeRefused),
            _ => Ok(()),
        }
    }

    /// Publishes the controller's queue and takes in messages until the
    /// connection fails; returns why.
    async fn serve(&mut self) -> LinkError {
        loop {
            if let Err(e) = self.turn().await {
                return e;
            }
        }
    }

    async fn turn(&mut self) -> Result<(), LinkError> {
        // Everything queued, oldest first, each confirmed by the broker.
        // Limit: one PUBLISH in flight, so a replay costs a round trip per
        // snapshot; a window of unacknowledged packet ids would lift it.
        loop {
            let next = self.controller.lock().await.next_publish();
            let Some(item) = next else { break };
            let (topic, payload) = (item.topic(self.room), item.payload(self.room));
            let packet_id = self.client.next_packet_id();
            self.send(&Outgoing::Publish(Publish {
                topic: &topic,
                payload: payload.as_bytes(),
                qos: QoS::AtLeastOnce,
                retain: item.retain(),
                dup: false,
                packet_id,
            }))
            .await?;
            self.await_reply(Request::Publish(packet_id)).await?;
            self.controller.lock().await.published();
        }

        // Keep-alive: ping after half the keep-alive without sending.
        let now = self.timer.now_ms();
        match self.ping_sent_ms {
            Some(sent) if now.saturating_sub(sent) >= RESPONSE_TIMEOUT_MS => {
                return Err(LinkError::Timeout);
            }
            Some(_) => {}
            None => {
                let keep_alive_ms = u64::from(self.config.keep_alive_s) * 1_000;
                if now.saturating_sub(self.last_sent_ms) >= keep_alive_ms / 2 {
                    self.send(&Outgoing::PingReq).await?;
                    self.ping_sent_ms = Some(now);
                }
            }
        }

        self.next_event(self.config.poll_ms).await.map(|_| ())
    }

    /// Waits for the answer to `request`, taking in other packets meanwhile; returns its
    /// code (0 for a PUBACK).
    async fn await_reply(&mut self, request: Request) -> Result<u8, LinkError> {
        let deadline = self.timer.now_ms().saturating_add(RESPONSE_TIMEOUT_MS);
        loop {
            let now = self.timer.now_ms();
            if now >= deadline {
                return Err(LinkError::Timeout);
            }
            match (request, self.next_event(deadline - now).await?) {
                (Request::Connect, Some(Event::ConnAck(code))) => return Ok(code),
                (Request::Subscribe(want), Some(Event::SubAck { packet_id, code }))
                    if packet_id == want =>
                {
                    return Ok(code);
                }
                (Request::Publish(want), Some(Event::PubAck(packet_id))) if packet_id == want => {
                    return Ok(0);
                }
                _ => {}
            }
        }
    }

    /// The next packet within `wait_ms`, if any. A message goes to the
    /// controller (and is acknowledged when QoS 1).
    async fn next_event(&mut self, wait_ms: u64) -> Result<Option<Event>, LinkError> {
        let controller = self.controller;
        let packet = match select(self.client.receive(), self.timer.sleep_ms(wait_ms)).await {
            Either::First(packet) => packet?,
            Either::Second(()) => return Ok(None),
        };
        let (event, ack) = match packet {
            Incoming::ConnAck { code, .. } => (Event::ConnAck(code), None),
            Incoming::SubAck { packet_id, code } => (Event::SubAck { packet_id, code }, None),
            Incoming::PubAck(packet_id) => (Event::PubAck(packet_id), None),
            Incoming::PingResp => (Event::PingResp, None),
            Incoming::Publish(p) => {
                // A refusal is queued for status/error by the controller.
                let _ = controller.lock().await.handle_message(p.topic, p.payload);
                let ack = (p.qos == QoS::AtLeastOnce).then_some(p.packet_id);
                (Event::Message, ack)
            }
        };
        if let Some(packet_id) = ack {
            self.send(&Outgoing::PubAck(packet_id)).await?;
        }
        if event == Event::PingResp {
            self.ping_sent_ms = None;
        }
        Ok(Some(event))
    }

    async fn send(&mut self, packet: &Outgoing<'_>) -> Result<(), LinkError> {
        self.client.send(packet).await?;
        self.last_sent_ms = self.timer.now_ms();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core::cell::{Cell, RefCell};
    use core::convert::Infallible;
    use std::rc::Rc;

    use embassy_futures::block_on;
    use embassy_sync::blocking_mutex::raw::NoopRawMutex;
    use embedded_io_async::ErrorType;
    use hotel_room_core::{Config, Settings};

    use super::*;

    /// A broker's side, scripted: what it sends, then silence; what the
    /// device wrote is kept.
    struct Script {
        chunks: Vec<Vec<u8>>,
        written: Rc<RefCell<Vec<u8>>>,
    }

    impl ErrorType for Script {
        type Error = Infallible;
    }

    impl Read for Script {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
            if self.chunks.is_empty() {
                core::future::pending::<()>().await;
            }
            let chunk = self.chunks.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    impl Write for Script {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
            self.written.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
    }

    /// Virtual time: a sleep returns at once and moves the clock on.
    #[derive(Default)]
    struct FakeTimer {
        now: Cell<u64>,
        slept: Rc<RefCell<Vec<u64>>>,
    }

    impl Timer for FakeTimer {
        fn now_ms(&self) -> u64 {
            self.now.get()
        }

        async fn sleep_ms(&mut self, ms: u64) {
            self.slept.borrow_mut().push(ms);
            self.now.set(self.now.get() + ms);
            // Yield once, as a real sleep would, so that other futures run.
            let mut yielded = false;
            core::future::poll_fn(|cx| {
                if yielded {
                    core::task::Poll::Ready(())
                } else {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    core::task::Poll::Pending
                }
            })
            .await;
        }

        fn random(&mut self) -> u32 {
            0
        }
    }

    /// A transport whose connections always fail.
    struct Unreachable;

    impl Transport for Unreachable {
        type Connection<'a> = Script;

        async fn open(&mut self) -> Option<Script> {
            None
        }
    }

    fn controller() -> Mutex<NoopRawMutex, RoomController> {
        let room = hotel_core::RoomId::parse("101").unwrap();
        Mutex::new(RoomController::new(
            room,
            Config::default(),
            Settings::default(),
        ))
    }

    fn encoded(packets: &[Outgoing<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in packets {
            let mut buf = [0u8; 256];
            let n = p.encode(&mut buf).unwrap();
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    fn run_session(
        chunks: &[&[u8]],
        controller: &Mutex<NoopRawMutex, RoomController>,
    ) -> (SessionEnd, Vec<u8>) {
        let written = Rc::new(RefCell::new(Vec::new()));
        let script = Script {
            chunks: chunks.iter().map(|c| c.to_vec()).collect(),
            written: written.clone(),
        };
        let config = LinkConfig {
            credentials: Some(("101-ab", "secret")),
            ..LinkConfig::new("101")
        };
        let end = block_on(session(
            &config,
            controller,
            script,
            &mut FakeTimer::default(),
        ));
        let bytes = written.borrow().clone();
        (end, bytes)
    }

    const CONNACK_OK: &[u8] = &[0x20, 2, 0, 0];
    const SUBACK_1: &[u8] = &[0x90, 3, 0, 1, 1];

    #[test]
    fn connects_with_the_will_subscribes_and_keeps_what_was_not_acknowledged() {
        let c = controller();
        let (end, written) = run_session(&[CONNACK_OK, SUBACK_1], &c);
        assert_eq!(
            end,
            SessionEnd {
                was_up: true,
                error: LinkError::Timeout
            }
        );
        let expected = encoded(&[
            Outgoing::Connect(Connect {
                client_id: "101",
                keep_alive_s: 30,
                clean_session: true,
                will: Some(Will {
                    topic: "hotel/101/status/online",
                    payload: b"offline",
                    qos: QoS::AtLeastOnce,
                    retain: true,
                }),
                credentials: Some(("101-ab", b"secret")),
            }),
            Outgoing::Subscribe {
                packet_id: 1,
                filter: "hotel/101/control/+",
                qos: QoS::AtLeastOnce,
            },
            Outgoing::Publish(Publish {
                topic: "hotel/101/status/online",
                payload: b"online",
                qos: QoS::AtLeastOnce,
                retain: true,
                dup: false,
                packet_id: 2,
            }),
        ]);
        assert_eq!(written, expected);
        // No PUBACK came: the announcement is still first in the queue.
        assert_eq!(
            block_on(c.lock()).next_publish(),
            Some(hotel_room_core::Publish::Online)
        );
    }

    #[test]
    fn a_refused_connection_never_comes_up() {
        let c = controller();
        let (end, _) = run_session(&[&[0x20, 2, 0, 5]], &c);
        assert_eq!(
            end,
            SessionEnd {
                was_up: false,
                error: LinkError::Refused(5)
            }
        );
        assert_eq!(block_on(c.lock()).next_publish(), None, "still offline");
    }

    #[test]
    fn a_refused_subscription_never_comes_up() {
        let c = controller();
        let (end, _) = run_session(&[CONNACK_OK, &[0x90, 3, 0, 1, 0x80]], &c);
        assert_eq!(end.error, LinkError::SubscribeRefused);
        assert!(!end.was_up);
    }

    #[test]
    fn a_control_message_reaches_the_controller_and_is_acknowledged() {
        let c = controller();
        let mut command = vec![0x32, 0];
        command.extend_from_slice(&[0, 36]);
        command.extend_from_slice(b"hotel/101/control/target_temperature");
        command.extend_from_slice(&[0, 77]);
        command.extend_from_slice(b"25.0");
        command[1] = (command.len() - 2) as u8;
        let (end, written) = run_session(&[CONNACK_OK, SUBACK_1, &[0x40, 2, 0, 2], &command], &c);
        assert_eq!(end.error, LinkError::Timeout, "no PINGRESP");
        assert_eq!(block_on(c.lock()).settings().target_dc, 250);
        let tail = encoded(&[Outgoing::PubAck(77), Outgoing::PingReq]);
        assert!(written.ends_with(&tail), "acknowledged, then pinged");
    }

    #[test]
    fn reconnects_after_a_growing_delay() {
        let c = controller();
        let mut timer = FakeTimer::default();
        let slept = timer.slept.clone();
        let enough = core::future::poll_fn(|_| {
            if slept.borrow().len() >= 4 {
                core::task::Poll::Ready(())
            } else {
                core::task::Poll::Pending
            }
        });
        let config = LinkConfig::new("101");
        block_on(select(
            run(&config, &c, &mut Unreachable, &mut timer),
            enough,
        ));
        // Random 0 gives the fixed half of each backoff delay.
        assert_eq!(*timer.slept.borrow(), [500, 1_000, 2_000, 4_000]);
    }
}
