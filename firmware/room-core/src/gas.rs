//! The MQ-5 gas sensor: readings during the heater's warm-up are ignored;
//! after it, a slow baseline follows clean air, and the distance above the
//! baseline gives the alarm level, with hysteresis on the way down.
//!
//! Readings are raw 12-bit ADC counts, as the devices report them.

/// Tuning of the gas alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasConfig {
    /// Readings are ignored this long after power-up, ms.
    pub warmup_ms: u64,
    /// Warning at this many counts above the baseline.
    pub warning_above: u16,
    /// Danger at this many counts above the baseline.
    pub danger_above: u16,
    /// Danger at this raw reading whatever the baseline (a baseline that
    /// crept up during a slow leak cannot hide it).
    pub danger_raw: u16,
    /// A level clears only this many counts below its threshold.
    pub hysteresis: u16,
    /// The baseline moves 1/2^shift of the way to each clean reading.
    pub baseline_shift: u8,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self {
            warmup_ms: 180_000,
            warning_above: 300,
            danger_above: 800,
            danger_raw: 3_000,
            hysteresis: 100,
            baseline_shift: 6,
        }
    }
}

/// How alarming the air is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GasLevel {
    /// The sensor heater is warming up; readings mean nothing yet.
    WarmingUp,
    /// Clean air.
    Normal,
    /// Above the warning threshold.
    Warning,
    /// Above the danger threshold: reported at once.
    Danger,
}

/// Warm-up clock, baseline and level.
#[derive(Debug, Clone, Copy)]
pub struct GasMonitor {
    config: GasConfig,
    powered_at_ms: Option<u64>,
    /// The baseline in 1/16 counts, for a smooth average without floats.
    baseline_x16: Option<u32>,
    level: GasLevel,
}

impl GasMonitor {
    /// A monitor whose warm-up starts at the first [`update`](Self::update).
    pub fn new(config: GasConfig) -> Self {
        Self {
            config,
            powered_at_ms: None,
            baseline_x16: None,
            level: GasLevel::WarmingUp,
        }
    }

    /// The current level.
    pub fn level(&self) -> GasLevel {
        self.level
    }

    /// The clean-air baseline, counts (`None` during warm-up).
    pub fn baseline(&self) -> Option<u16> {
        self.baseline_x16
            .map(|b| u16::try_from(b / 16).unwrap_or(u16::MAX))
    }

    /// Takes one reading (`None` when the ADC read failed) at `now_ms`.
    pub fn update(&mut self, now_ms: u64, raw: Option<u16>) -> GasLevel {
        let c = self.config;
        let powered = *self.powered_at_ms.get_or_insert(now_ms);
        if now_ms.saturating_sub(powered) < c.warmup_ms {
            return self.level;
        }
        let Some(raw) = raw else {
            return self.level;
        };
        let baseline_x16 = *self.baseline_x16.get_or_insert(u32::from(raw) * 16);
        let above = raw.saturating_sub(u16::try_from(baseline_x16 / 16).unwrap_or(u16::MAX));

        let danger = above >= c.danger_above || raw >= c.danger_raw;
        let still_danger = above + c.hysteresis >= c.danger_above
            || raw.saturating_add(c.hysteresis) >= c.danger_raw;
        let warning = above >= c.warning_above;
        let still_warning = above + c.hysteresis >= c.warning_above;
        self.level = match self.level {
            _ if danger => GasLevel::Danger,
            GasLevel::Danger if still_danger => GasLevel::Danger,
            _ if warning => GasLevel::Warning,
            GasLevel::Danger | GasLevel::Warning if still_warning => GasLevel::Warning,
            _ => GasLevel::Normal,
        };

        // Learn only from clean air, so a leak never becomes the baseline.
        if self.level == GasLevel::Normal {
            let target = i64::from(raw) * 16;
            let b = i64::from(baseline_x16);
            let moved = b + ((target - b) >> c.baseline_shift);
            self.baseline_x16 = u32::try_from(moved).ok();
        }
        self.level
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn warmed(baseline: u16) -> (GasMonitor, u64) {
        let mut g = GasMonitor::new(GasConfig::default());
        g.update(0, Some(baseline));
        let now = GasConfig::default().warmup_ms;
        assert_eq!(g.update(now, Some(baseline)), GasLevel::Normal);
        (g, now)
    }

    #[test]
    fn ignores_everything_during_warm_up() {
        let mut g = GasMonitor::new(GasConfig::default());
        assert_eq!(g.update(0, Some(4_000)), GasLevel::WarmingUp);
        assert_eq!(g.update(179_999, Some(4_000)), GasLevel::WarmingUp);
        assert_eq!(g.baseline(), None);
        assert_eq!(g.update(180_000, Some(200)), GasLevel::Normal);
        assert_eq!(g.baseline(), Some(200));
    }

    #[test]
    fn levels_rise_at_thresholds_and_fall_with_hysteresis() {
        let (mut g, now) = warmed(200);
        let mut probe = g;
        assert_eq!(probe.update(now + 1, Some(499)), GasLevel::Normal);
        assert_eq!(g.update(now + 2, Some(500)), GasLevel::Warning);
        assert_eq!(g.update(now + 3, Some(1_000)), GasLevel::Danger);
        assert_eq!(g.update(now + 4, Some(901)), GasLevel::Danger, "hysteresis");
        assert_eq!(g.update(now + 5, Some(899)), GasLevel::Warning);
        assert_eq!(
            g.update(now + 6, Some(401)),
            GasLevel::Warning,
            "hysteresis"
        );
        assert_eq!(g.update(now + 7, Some(399)), GasLevel::Normal);
    }

    #[test]
    fn absolute_danger_ignores_the_baseline() {
        let (mut g, now) = warmed(2_800);
        assert_eq!(g.update(now + 1, Some(3_000)), GasLevel::Danger);
    }

    #[test]
    fn baseline_follows_clean_air_but_not_a_leak() {
        let (mut g, mut now) = warmed(200);
        for _ in 0..500 {
            now += 1_000;
            g.update(now, Some(260));
        }
        assert!(g.baseline().unwrap() >= 255, "{:?}", g.baseline());
        for _ in 0..500 {
            now += 1_000;
            g.update(now, Some(1_500));
        }
        assert!(g.baseline().unwrap() <= 260);
        assert_eq!(g.level(), GasLevel::Danger);
    }

    proptest! {
        /// Any reading at or above the absolute threshold after warm-up is
        /// danger, whatever came before.
        #[test]
        fn high_reading_is_always_danger(
            history in proptest::collection::vec(proptest::option::of(0u16..4096), 0..200),
            high in 3_000u16..=4095,
        ) {
            let mut g = GasMonitor::new(GasConfig::default());
            g.update(0, None);
            let mut now = 1_000;
            for r in history {
                g.update(now, r);
                now += 1_000;
            }
            let now = now.max(GasConfig::default().warmup_ms);
            prop_assert_eq!(g.update(now, Some(high)), GasLevel::Danger);
        }
    }
}
