//! The two LED channels: in auto mode they follow the LDR, smoothed over a
//! window and switched with hysteresis; in manual mode they shine at the
//! set brightness; off is off.
//!
//! Channel 1 is the main light and the only one auto mode drives; channel 2
//! (bedside) follows only a manual brightness.

use hotel_core::LightMode;

use crate::settings::Settings;

/// LDR samples averaged in auto mode.
pub const SMOOTHING_WINDOW: usize = 8;

/// Tuning of auto mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LightsConfig {
    /// Lights go on when the smoothed light level falls below this, %.
    pub on_below_pct: u8,
    /// Lights go off when the smoothed light level rises above this, %.
    pub off_above_pct: u8,
    /// Brightness of channel 1 when auto mode turns it on, %.
    pub auto_brightness_pct: u8,
}

impl Default for LightsConfig {
    fn default() -> Self {
        Self {
            on_below_pct: 30,
            off_above_pct: 45,
            auto_brightness_pct: 80,
        }
    }
}

/// Brightness of each LED channel, % (0 is off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LightOutput {
    /// Channel 1 (main light).
    pub led1_pct: u8,
    /// Channel 2 (bedside light).
    pub led2_pct: u8,
}

/// The smoothing window and the auto on/off state.
#[derive(Debug, Clone, Copy)]
pub struct Lights {
    config: LightsConfig,
    window: [u8; SMOOTHING_WINDOW],
    filled: usize,
    next: usize,
    auto_on: bool,
}

impl Lights {
    /// Lights off with an empty window.
    pub fn new(config: LightsConfig) -> Self {
        Self {
            config,
            window: [0; SMOOTHING_WINDOW],
            filled: 0,
            next: 0,
            auto_on: false,
        }
    }

    /// The mean of the window, % (`None` before the first reading).
    pub fn smoothed_pct(&self) -> Option<u8> {
        if self.filled == 0 {
            return None;
        }
        let sum: usize = self.window[..self.filled]
            .iter()
            .map(|v| usize::from(*v))
            .sum();
        u8::try_from(sum / self.filled).ok()
    }

    /// Takes one LDR reading (`None` when it failed; values above 100 count
    /// as 100) and decides both channels.
    pub fn update(&mut self, ldr_pct: Option<u8>, settings: &Settings) -> LightOutput {
        if let Some(v) = ldr_pct {
            self.window[self.next] = v.min(100);
            self.next = (self.next + 1) % SMOOTHING_WINDOW;
            self.filled = (self.filled + 1).min(SMOOTHING_WINDOW);
        }
        if let Some(level) = self.smoothed_pct() {
            if level < self.config.on_below_pct {
                self.auto_on = true;
            } else if level > self.config.off_above_pct {
                self.auto_on = false;
            }
        }
        match settings.light_mode {
            LightMode::Off => LightOutput::default(),
            LightMode::Manual => LightOutput {
                led1_pct: settings.brightness_pct,
                led2_pct: settings.brightness_pct,
            },
            LightMode::Auto => LightOutput {
                led1_pct: if self.auto_on {
                    self.config.auto_brightness_pct
                } else {
                    0
                },
                led2_pct: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn auto_turns_on_in_the_dark_and_off_in_daylight_with_hysteresis() {
        let mut l = Lights::new(LightsConfig::default());
        let s = Settings::default();
        for _ in 0..SMOOTHING_WINDOW {
            assert_eq!(l.update(Some(60), &s).led1_pct, 0);
        }
        for _ in 0..SMOOTHING_WINDOW {
            l.update(Some(10), &s);
        }
        assert_eq!(l.update(Some(10), &s).led1_pct, 80);
        for _ in 0..SMOOTHING_WINDOW {
            assert_eq!(l.update(Some(40), &s).led1_pct, 80, "inside the band");
        }
        for _ in 0..SMOOTHING_WINDOW {
            l.update(Some(50), &s);
        }
        assert_eq!(l.update(Some(50), &s).led1_pct, 0);
    }

    #[test]
    fn one_dark_reading_does_not_switch() {
        let mut l = Lights::new(LightsConfig::default());
        let s = Settings::default();
        for _ in 0..SMOOTHING_WINDOW {
            l.update(Some(60), &s);
        }
        assert_eq!(l.update(Some(0), &s).led1_pct, 0, "mean 52 %");
    }

    #[test]
    fn manual_and_off_ignore_the_sensor() {
        let mut l = Lights::new(LightsConfig::default());
        let manual = Settings {
            light_mode: LightMode::Manual,
            brightness_pct: 35,
            ..Settings::default()
        };
        let out = l.update(Some(0), &manual);
        assert_eq!((out.led1_pct, out.led2_pct), (35, 35));
        let off = Settings {
            light_mode: LightMode::Off,
            ..Settings::default()
        };
        assert_eq!(l.update(Some(0), &off), LightOutput::default());
    }

    proptest! {
        /// Under readings that stay inside the band the lights never switch.
        #[test]
        fn no_flicker_inside_the_band(start_dark: bool, noise in proptest::collection::vec(30u8..=45, 1..200)) {
            let mut l = Lights::new(LightsConfig::default());
            let s = Settings::default();
            for _ in 0..SMOOTHING_WINDOW {
                l.update(Some(if start_dark { 0 } else { 100 }), &s);
            }
            let before = l.update(None, &s);
            for v in &noise {
                let now = l.update(Some(*v), &s);
                // The window may still hold the start value, which only
                // pushes further from the threshold it came from.
                prop_assert_eq!(now, before);
            }
        }
    }
}
