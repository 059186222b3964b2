//! Exponential reconnection backoff with jitter, for Wi-Fi and for MQTT.
//!
//! The delay doubles with each failure up to a ceiling; half of it is fixed
//! and half random ("equal jitter"), so a hotel's worth of devices that lost
//! the broker together do not all come back in the same second. The random
//! number is an argument: the caller owns the generator, tests pass any.

/// Backoff state of one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u64,
    max_ms: u64,
    failures: u32,
    next_try_ms: u64,
}

impl Backoff {
    /// A backoff whose first delay is about `base_ms` and never exceeds
    /// `max_ms`.
    pub const fn new(base_ms: u64, max_ms: u64) -> Self {
        Self {
            base_ms,
            max_ms,
            failures: 0,
            next_try_ms: 0,
        }
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether a connection attempt may start at `now_ms`.
    pub fn may_try(&self, now_ms: u64) -> bool {
        now_ms >= self.next_try_ms
    }

    /// Records a failed attempt at `now_ms`; returns the delay before the
    /// next one, ms. `random` is any number from the caller's generator.
    pub fn failed(&mut self, now_ms: u64, random: u32) -> u64 {
        let ceiling = self
            .base_ms
            .saturating_mul(1u64 << self.failures.min(32))
            .min(self.max_ms);
        let half = ceiling / 2;
        let delay = half + u64::from(random) % (ceiling - half + 1);
        self.failures = self.failures.saturating_add(1);
        self.next_try_ms = now_ms.saturating_add(delay);
        delay
    }

    /// Records a success: the next failure starts from the base delay.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.next_try_ms = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_up_to_the_ceiling_and_resets_on_success() {
        let mut b = Backoff::new(1_000, 60_000);
        // random = 0 gives the fixed half of each delay.
        let delays: Vec<u64> = (0..9).map(|_| b.failed(0, 0)).collect();
        assert_eq!(
            delays,
            [
                500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000
            ]
        );
        b.succeeded();
        assert_eq!(b.failed(0, u32::MAX), 500 + u64::from(u32::MAX) % 501);
    }

    #[test]
    fn waits_until_the_delay_has_passed() {
        let mut b = Backoff::new(1_000, 60_000);
        assert!(b.may_try(0));
        let delay = b.failed(10_000, 7);
        assert!(!b.may_try(10_000 + delay - 1));
        assert!(b.may_try(10_000 + delay));
    }

    proptest! {
        #[test]
        fn delay_stays_between_half_and_full_ceiling(failures in 0u32..80, random: u32) {
            let mut b = Backoff::new(1_000, 60_000);
            for _ in 0..failures {
                b.failed(0, 0);
            }
            let ceiling = (1_000u64 << failures.min(32)).min(60_000);
            let d = b.failed(0, random);
            prop_assert!(d >= ceiling / 2 && d <= ceiling);
        }
    }
}
