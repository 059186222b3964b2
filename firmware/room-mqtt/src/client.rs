//! [`Client`]: MQTT 3.1.1 packets over any `embedded-io-async` byte stream
//! (an embassy-net `TcpSocket` on the device, a tokio `TcpStream` in tests).
//!
//! The client only frames packets; what to send when is the
//! [`link`](crate::link)'s. Receiving is cancel-safe as long as the stream's
//! `read` is (embassy-net's and tokio's are): the bytes of a packet read so
//! far stay in the client, so the link can race [`Client::receive`] against
//! a timer without losing half a packet.

use embedded_io_async::{Read, Write};
use hotel_room_core::warn;

use crate::LinkError;
use crate::codec::{Incoming, Outgoing, frame_len};

/// One connection's framing state, over caller-owned buffers.
pub struct Client<'b, T> {
    io: T,
    rx: &'b mut [u8],
    tx: &'b mut [u8],
    /// Bytes buffered in `rx`.
    filled: usize,
    /// Length of the packet returned last, dropped at the next receive.
    returned: usize,
    /// Bytes still to drop of a packet too large for `rx`.
    discard: usize,
    next_id: u16,
}

impl<'b, T: Read + Write> Client<'b, T> {
    /// A client on a connected stream. A packet to send must fit `tx`; a
    /// received packet larger than `rx` is dropped (and logged).
    ///
    /// Limit: a dropped QoS 1 message is never acknowledged; reading its
    /// packet id before dropping the rest would lift it.
    pub fn new(io: T, rx: &'b mut [u8], tx: &'b mut [u8]) -> Self {
        Self {
            io,
            rx,
            tx,
            filled: 0,
            returned: 0,
            discard: 0,
            next_id: 0,
        }
    }

    /// A fresh packet id (never 0).
    pub fn next_packet_id(&mut self) -> u16 {
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        self.next_id
    }

    /// Encodes and sends one packet.
    ///
    /// # Errors
    ///
    /// [`LinkError::Codec`] when it does not fit the send buffer,
    /// [`LinkError::Io`] when the stream fails.
    pub async fn send(&mut self, packet: &Outgoing<'_>) -> Result<(), LinkError> {
        let n = packet.encode(self.tx).map_err(LinkError::Codec)?;
        self.io
            .write_all(&self.tx[..n])
            .await
            .map_err(|_| LinkError::Io)?;
        self.io.flush().await.map_err(|_| LinkError::Io)
    }

    /// Waits for the next packet from the broker. Cancel-safe (see the
    /// module docs).
    ///
    /// # Errors
    ///
    /// [`LinkError::Io`] when the stream fails or the broker closed it,
    /// [`LinkError::Codec`] for bytes that are not a packet the device
    /// understands (the connection cannot be resynchronised after that).
    pub async fn receive(&mut self) -> Result<Incoming<'_>, LinkError> {
        if self.returned > 0 {
            self.rx.copy_within(self.returned..self.filled, 0);
            self.filled -= self.returned;
            self.returned = 0;
        }
        let len = loop {
            if self.discard == 0 {
                match frame_len(&self.rx[..self.filled]).map_err(LinkError::Codec)? {
                    Some(len) if len <= self.filled => break len,
                    Some(len) if len > self.rx.len() => {
                        warn!("dropped a {} byte packet: larger than the buffer", len);
                        self.discard = len - self.filled;
                        self.filled = 0;
                    }
                    _ => {}
                }
            }
            self.fill().await?;
        };
        self.returned = len;
        match Incoming::decode(&self.rx[..len]).map_err(LinkError::Codec)? {
            Some((packet, _)) => Ok(packet),
            // frame_len said the frame is complete.
            None => Err(LinkError::Codec(crate::codec::CodecError::Malformed)),
        }
    }

    /// Reads what the stream has into `rx`, or drops it while discarding.
    async fn fill(&mut self) -> Result<(), LinkError> {
        if self.discard > 0 {
            // `filled` is 0: read into the buffer's start and forget it.
            let n = self.read(self.discard.min(self.rx.len())).await?;
            self.discard -= n;
        } else {
            let n = self.read(self.rx.len() - self.filled).await?;
            self.filled += n;
        }
        Ok(())
    }

    /// One read into `rx[filled..]`, at most `max` bytes, 0 meaning closed.
    async fn read(&mut self, max: usize) -> Result<usize, LinkError> {
        let end = (self.filled + max).min(self.rx.len());
        let n = self
            .io
            .read(&mut self.rx[self.filled..end])
            .await
            .map_err(|_| LinkError::Io)?;
        if n == 0 {
            return Err(LinkError::Io);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use core::convert::Infallible;

    use embassy_futures::block_on;
    use embedded_io_async::ErrorType;

    use super::*;
    use crate::codec::{Publish, QoS};

    /// A stream that yields scripted chunks, then reports closed, and keeps
    /// what was written.
    struct Script {
        chunks: Vec<Vec<u8>>,
        written: Vec<u8>,
    }

    impl ErrorType for Script {
        type Error = Infallible;
    }

    impl Read for Script {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
            if self.chunks.is_empty() {
                return Ok(0);
            }
            let chunk = &mut self.chunks[0];
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.chunks.remove(0);
            }
            Ok(n)
        }
    }

    impl Write for Script {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
    }

    fn script(chunks: &[&[u8]]) -> Script {
        Script {
            chunks: chunks.iter().map(|c| c.to_vec()).collect(),
            written: Vec::new(),
        }
    }

    #[test]
    fn reassembles_packets_split_and_joined_across_reads() {
        let (mut rx, mut tx) = ([0u8; 64], [0u8; 64]);
        let io = script(&[&[0x20], &[2, 0, 0, 0xD0], &[0, 0x40, 2, 0], &[5]]);
        let mut client = Client::new(io, &mut rx, &mut tx);
        block_on(async {
            assert_eq!(
                client.receive().await,
                Ok(Incoming::ConnAck {
                    session_present: false,
                    code: 0
                })
            );
            assert_eq!(client.receive().await, Ok(Incoming::PingResp));
            assert_eq!(client.receive().await, Ok(Incoming::PubAck(5)));
            assert_eq!(client.receive().await, Err(LinkError::Io), "closed");
        });
    }

    #[test]
    fn drops_a_packet_larger_than_the_buffer_and_reads_on() {
        let (mut rx, mut tx) = ([0u8; 16], [0u8; 16]);
        let mut big = vec![0x30, 40, 0, 1, b't'];
        big.extend_from_slice(&[b'x'; 37]);
        let io = script(&[&big[..10], &big[10..], &[0xD0, 0]]);
        let mut client = Client::new(io, &mut rx, &mut tx);
        assert_eq!(block_on(client.receive()), Ok(Incoming::PingResp));
    }

    #[test]
    fn garbage_ends_the_connection() {
        let (mut rx, mut tx) = ([0u8; 16], [0u8; 16]);
        let mut client = Client::new(script(&[&[0x00, 0]]), &mut rx, &mut tx);
        assert!(matches!(
            block_on(client.receive()),
            Err(LinkError::Codec(_))
        ));
    }

    #[test]
    fn sends_encoded_packets_and_numbers_them_from_one() {
        let (mut rx, mut tx) = ([0u8; 16], [0u8; 32]);
        let mut client = Client::new(script(&[]), &mut rx, &mut tx);
        let id = client.next_packet_id();
        assert_eq!(id, 1);
        block_on(client.send(&Outgoing::Publish(Publish {
            topic: "a",
            payload: b"1",
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
            packet_id: id,
        })))
        .unwrap();
        block_on(client.send(&Outgoing::PingReq)).unwrap();
        assert_eq!(
            client.io.written,
            [0x32, 6, 0, 1, b'a', 0, 1, b'1', 0xC0, 0]
        );
        client.next_id = u16::MAX;
        assert_eq!(client.next_packet_id(), 1, "0 is skipped");
    }
}
