//! Snapshots waiting to be published: while the device is offline they pile
//! up here, bounded, and after reconnecting they go out oldest first with
//! their original timestamps.
//!
//! A snapshot leaves the buffer only when the caller confirms that it was
//! handed to the MQTT client, so none is sent twice and none is skipped.
//! When the buffer is full the oldest snapshot is dropped and counted.

use heapless::Deque;

use crate::sample::Sample;

/// Snapshots kept while offline: one hour at the default 10 s period.
pub const REPLAY_CAPACITY: usize = 360;

/// The bounded FIFO of unsent snapshots.
#[derive(Debug, Default)]
pub struct ReplayBuffer<const N: usize = REPLAY_CAPACITY> {
    queue: Deque<Sample, N>,
    dropped: u32,
}

impl<const N: usize> ReplayBuffer<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self {
            queue: Deque::new(),
            dropped: 0,
        }
    }

    /// Adds a snapshot, dropping the oldest when full.
    pub fn push(&mut self, sample: Sample) {
        if let Err(sample) = self.queue.push_back(sample) {
            let _ = self.queue.pop_front();
            self.dropped = self.dropped.saturating_add(1);
            let _ = self.queue.push_back(sample);
        }
    }

    /// The oldest unsent snapshot.
    pub fn front(&self) -> Option<&Sample> {
        self.queue.front()
    }

    /// Removes the oldest snapshot once it was handed to the client.
    pub fn confirm_front(&mut self) -> Option<Sample> {
        self.queue.pop_front()
    }

    /// Unsent snapshots.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Snapshots dropped because the buffer was full, since start.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotel_core::{ClimateMode, FanSpeed, LightMode};
    use proptest::prelude::*;

    fn at(unix_ms: i64) -> Sample {
        Sample {
            unix_ms,
            temperature_dc: Some(210),
            humidity_dpct: Some(450),
            light_pct: Some(50),
            gas_raw: Some(200),
            target_dc: 210,
            climate_mode: ClimateMode::Auto,
            fan_speed: FanSpeed::Off,
            heating: false,
            light_mode: LightMode::Auto,
            led1: false,
            led2: false,
        }
    }

    #[test]
    fn full_buffer_drops_the_oldest() {
        let mut b = ReplayBuffer::<3>::new();
        for t in 0..5 {
            b.push(at(t));
        }
        assert_eq!(b.dropped(), 2);
        let kept: Vec<i64> = core::iter::from_fn(|| b.confirm_front())
            .map(|s| s.unix_ms)
            .collect();
        assert_eq!(kept, [2, 3, 4]);
    }

    #[derive(Debug, Clone, Copy)]
    enum Step {
        Take,
        Send,
        SendFails,
    }

    proptest! {
        /// Snapshots come out in the order they went in, none twice, and
        /// every one that was not dropped for room comes out.
        #[test]
        fn replays_in_order_and_none_twice(steps in proptest::collection::vec(
            prop_oneof![Just(Step::Take), Just(Step::Send), Just(Step::SendFails)], 0..400))
        {
            let mut b = ReplayBuffer::<16>::new();
            let mut taken = 0i64;
            let mut sent: Vec<i64> = Vec::new();
            for step in steps {
                match step {
                    Step::Take => {
                        b.push(at(taken));
                        taken += 1;
                    }
                    // A failed publish leaves the snapshot for the next try.
                    Step::SendFails => {}
                    Step::Send => {
                        if let Some(s) = b.front().copied() {
                            prop_assert_eq!(b.confirm_front(), Some(s));
                            sent.push(s.unix_ms);
                        }
                    }
                }
            }
            while let Some(s) = b.confirm_front() {
                sent.push(s.unix_ms);
            }
            prop_assert!(sent.windows(2).all(|w| w[0] < w[1]), "in order, none twice: {:?}", sent);
            prop_assert_eq!(sent.len() as i64 + i64::from(b.dropped()), taken);
        }
    }
}
