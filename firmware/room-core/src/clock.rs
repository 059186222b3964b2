//! Wall-clock time for a device without a battery-backed clock: an SNTP
//! request, the parsing of the reply, and the offset between the monotonic
//! clock and Unix time.
//!
//! Only the reply's transmit timestamp is used (no round-trip correction);
//! a second of error is irrelevant to telemetry.

/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const NTP_TO_UNIX_S: u64 = 2_208_988_800;

/// An SNTP client request: version 4, mode 3 (client), the rest zero.
pub const SNTP_REQUEST: [u8; 48] = {
    let mut r = [0u8; 48];
    r[0] = (4 << 3) | 3;
    r
};

/// The Unix time (ms) in an SNTP server reply, if it is one.
///
/// A reply that is short, not from a server (mode 4), unsynchronised (leap
/// indicator 3, or stratum 0, a kiss-o'-death) or before 2020 gives `None`.
pub fn parse_sntp_reply(reply: &[u8]) -> Option<i64> {
    if reply.len() < 48 || reply[0] & 0x07 != 4 || reply[0] >> 6 == 3 || reply[1] == 0 {
        return None;
    }
    let seconds = u64::from(u32::from_be_bytes([
        reply[40], reply[41], reply[42], reply[43],
    ]));
    let fraction = u64::from(u32::from_be_bytes([
        reply[44], reply[45], reply[46], reply[47],
    ]));
    // Era 0 ends in 2036; later times wrap to small values.
    let seconds = if seconds < NTP_TO_UNIX_S {
        seconds + (1 << 32)
    } else {
        seconds
    };
    let unix_ms = (seconds - NTP_TO_UNIX_S) * 1_000 + ((fraction * 1_000) >> 32);
    let unix_ms = i64::try_from(unix_ms).ok()?;
    (unix_ms >= hotel_core::protocol::EARLIEST_TIMESTAMP_MS).then_some(unix_ms)
}

/// The wall clock as an offset from the monotonic clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WallClock {
    offset_ms: Option<i64>,
}

impl WallClock {
    /// Records that it was `unix_ms` at monotonic `mono_ms`.
    pub fn set(&mut self, mono_ms: u64, unix_ms: i64) {
        self.offset_ms = i64::try_from(mono_ms).ok().map(|m| unix_ms - m);
    }

    /// Unix ms at monotonic `mono_ms`, once set.
    pub fn unix_ms(&self, mono_ms: u64) -> Option<i64> {
        let m = i64::try_from(mono_ms).ok()?;
        self.offset_ms.map(|o| o + m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reply(seconds: u32, fraction: u32) -> [u8; 48] {
        let mut r = [0u8; 48];
        r[0] = (4 << 3) | 4;
        r[1] = 2;
        r[40..44].copy_from_slice(&seconds.to_be_bytes());
        r[44..48].copy_from_slice(&fraction.to_be_bytes());
        r
    }

    #[test]
    fn reads_the_transmit_timestamp() {
        // 2024-12-04T08:13:20.5Z
        let ntp = (1_733_300_000 + NTP_TO_UNIX_S) as u32;
        assert_eq!(
            parse_sntp_reply(&reply(ntp, 1 << 31)),
            Some(1_733_300_000_500)
        );
    }

    #[test]
    fn refuses_non_server_short_and_unsynchronised_replies() {
        let ntp = (1_733_300_000 + NTP_TO_UNIX_S) as u32;
        assert_eq!(parse_sntp_reply(&SNTP_REQUEST), None);
        assert_eq!(parse_sntp_reply(&reply(ntp, 0)[..47]), None);
        let mut kiss = reply(ntp, 0);
        kiss[1] = 0;
        assert_eq!(parse_sntp_reply(&kiss), None);
        let mut unsync = reply(ntp, 0);
        unsync[0] |= 0xC0;
        assert_eq!(parse_sntp_reply(&unsync), None);
        assert_eq!(
            parse_sntp_reply(&reply(NTP_TO_UNIX_S as u32, 0)),
            None,
            "1970"
        );
    }

    #[test]
    fn wall_clock_follows_the_monotonic_clock() {
        let mut c = WallClock::default();
        assert_eq!(c.unix_ms(5), None);
        c.set(1_000, 1_733_300_000_000);
        assert_eq!(c.unix_ms(61_000), Some(1_733_300_060_000));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_sntp_reply(&bytes);
        }
    }
}
