//! The thermal model of a simulated room: heat lost to the outside (more
//! with the window open), heater power scaled by the fan, body heat of
//! occupants, daylight, and gas from a leak that ventilation clears.
//!
//! One lumped temperature, integrated in small explicit steps; good enough
//! to exercise the controller, not a building-physics tool.

use std::f64::consts::{PI, TAU};

use hotel_core::FanSpeed;
use hotel_room_core::ClimateReading;

/// Raw MQ-5 reading in clean air.
pub const GAS_CLEAN_RAW: f64 = 180.0;

/// One room's physical state and constants.
#[derive(Debug, Clone)]
pub struct ThermalModel {
    /// Air temperature, °C.
    pub temperature_c: f64,
    /// Relative humidity, %.
    pub humidity_pct: f64,
    /// Raw MQ-5 reading the air would give.
    pub gas_raw: f64,
    /// Window open.
    pub window_open: bool,
    /// A guest is in.
    pub occupied: bool,
    /// Warming by the heater at full fan, °C/s.
    pub heater_c_per_s: f64,
    /// Loss through walls per °C of difference to outside, 1/s.
    pub loss_per_s: f64,
    /// Extra loss with the window open, 1/s.
    pub window_loss_per_s: f64,
    /// Warming by one occupant, °C/s.
    pub occupant_c_per_s: f64,
}

impl ThermalModel {
    /// A closed, empty room at `temperature_c`.
    pub fn new(temperature_c: f64) -> Self {
        Self {
            temperature_c,
            humidity_pct: 45.0,
            gas_raw: GAS_CLEAN_RAW,
            window_open: false,
            occupied: false,
            heater_c_per_s: 0.012,
            loss_per_s: 0.000_2,
            window_loss_per_s: 0.000_5,
            occupant_c_per_s: 0.000_3,
        }
    }

    /// Outside temperature at `hour` (0–24): a cool day, 0 °C at 04:00,
    /// 10 °C at 16:00.
    pub fn outside_c(hour: f64) -> f64 {
        5.0 - 5.0 * ((hour - 4.0) / 24.0 * TAU).cos()
    }

    /// Daylight reaching the LDR at `hour`, % (none at night).
    pub fn daylight_pct(hour: f64) -> f64 {
        (((hour - 6.0) / 12.0 * PI).sin() * 80.0).clamp(0.0, 100.0)
    }

    /// Advances `dt_s` seconds at `hour` with the heater and fan as given;
    /// `leak` true while gas escapes.
    pub fn step(&mut self, dt_s: f64, hour: f64, heater_on: bool, fan: FanSpeed, leak: bool) {
        let power = match (heater_on, fan) {
            (false, _) => 0.0,
            (true, FanSpeed::Off) => 0.4,
            (true, FanSpeed::Low) => 0.5,
            (true, FanSpeed::Medium) => 0.75,
            (true, FanSpeed::High) => 1.0,
        };
        let loss = self.loss_per_s
            + if self.window_open {
                self.window_loss_per_s
            } else {
                0.0
            };
        let people = if self.occupied {
            self.occupant_c_per_s
        } else {
            0.0
        };
        self.temperature_c += dt_s
            * (power * self.heater_c_per_s + people
                - loss * (self.temperature_c - Self::outside_c(hour)));

        let humid_target = if self.occupied { 50.0 } else { 42.0 };
        self.humidity_pct += dt_s * 0.001 * (humid_target - self.humidity_pct);

        // Gas builds up during a leak and is cleared by air exchange.
        let clear_per_s = if self.window_open { 0.02 } else { 0.005 };
        let excess = self.gas_raw - GAS_CLEAN_RAW;
        let inflow = if leak { 40.0 } else { 0.0 };
        self.gas_raw = GAS_CLEAN_RAW + (excess + dt_s * (inflow - clear_per_s * excess)).max(0.0);
    }

    /// What a DHT22 reads, with `noise` in −1…1 (±0.05 °C, ±0.5 %), in its
    /// tenths.
    pub fn dht22(&self, noise: f64) -> ClimateReading {
        ClimateReading {
            temperature_dc: ((self.temperature_c + noise * 0.05) * 10.0).round() as i16,
            humidity_dpct: ((self.humidity_pct + noise * 0.5).clamp(0.0, 100.0) * 10.0).round()
                as u16,
        }
    }

    /// What the LDR reads at `hour`, %; it faces the window, so the room's
    /// own lamps do not reach it.
    pub fn ldr_pct(hour: f64, noise: f64) -> u8 {
        (Self::daylight_pct(hour) + noise * 2.0)
            .clamp(0.0, 100.0)
            .round() as u8
    }

    /// What the MQ-5 reads, raw counts, with `noise` in −1…1.
    pub fn mq5_raw(&self, noise: f64) -> u16 {
        (self.gas_raw + noise * 8.0).clamp(0.0, 4095.0).round() as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unheated_room_drifts_to_the_outside_temperature() {
        let mut m = ThermalModel::new(21.0);
        for _ in 0..(48 * 3600) {
            m.step(1.0, 4.0, false, FanSpeed::Off, false);
        }
        assert!((m.temperature_c - ThermalModel::outside_c(4.0)).abs() < 0.1);
    }

    #[test]
    fn heater_outruns_the_loss_even_on_low_fan() {
        let mut m = ThermalModel::new(21.0);
        m.step(60.0, 4.0, true, FanSpeed::Low, false);
        assert!(m.temperature_c > 21.0);
    }

    #[test]
    fn open_window_cools_faster_and_clears_gas() {
        let mut closed = ThermalModel::new(21.0);
        let mut open = ThermalModel::new(21.0);
        open.window_open = true;
        for _ in 0..600 {
            closed.step(1.0, 4.0, false, FanSpeed::Off, true);
            open.step(1.0, 4.0, false, FanSpeed::Off, true);
        }
        assert!(open.temperature_c < closed.temperature_c);
        assert!(open.gas_raw < closed.gas_raw);
        assert!(closed.mq5_raw(0.0) > 3_000, "{}", closed.gas_raw);
    }
}
