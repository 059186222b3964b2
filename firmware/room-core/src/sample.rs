//! One telemetry snapshot of the room, and its JSON payload in hotel-core's
//! wire format (`hotel/<room>/telemetry/json`).
//!
//! A snapshot is small and `Copy`, so the offline buffer holds many.

use core::fmt;

use hotel_core::protocol::Telemetry;
use hotel_core::protocol::encode::{TimestampUnit, write_telemetry};
use hotel_core::{ClimateMode, FanSpeed, LightMode, Metric, RoomId};

/// Capacity of a JSON payload buffer, bytes; the longest snapshot (a 32
/// character room id, every value at its widest) takes under 300.
pub const PAYLOAD_CAPACITY: usize = 384;

/// A JSON payload.
pub type Payload = heapless::String<PAYLOAD_CAPACITY>;

/// What the room looked like at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Wall-clock time of the snapshot, Unix ms.
    pub unix_ms: i64,
    /// Temperature, tenths of °C (`None` while the sensor is at fault).
    pub temperature_dc: Option<i16>,
    /// Relative humidity, tenths of % (`None` while the sensor is at fault).
    pub humidity_dpct: Option<u16>,
    /// Light level from the LDR, %.
    pub light_pct: Option<u8>,
    /// Raw MQ-5 reading (`None` during warm-up).
    pub gas_raw: Option<u16>,
    /// Thermostat target, tenths of °C.
    pub target_dc: i16,
    /// Thermostat mode.
    pub climate_mode: ClimateMode,
    /// Fan speed as running.
    pub fan_speed: FanSpeed,
    /// Heater relay.
    pub heating: bool,
    /// Light mode.
    pub light_mode: LightMode,
    /// LED channel 1 lit.
    pub led1: bool,
    /// LED channel 2 lit.
    pub led2: bool,
}

impl Sample {
    /// The snapshot as hotel-core telemetry.
    pub fn telemetry(&self) -> Telemetry {
        let mut t = Telemetry::at(self.unix_ms);
        let tenths = |v: f64| v / 10.0;
        let v = &mut t.values;
        v[Metric::Temperature.index()] = self.temperature_dc.map(|d| tenths(f64::from(d)));
        v[Metric::Humidity.index()] = self.humidity_dpct.map(|d| tenths(f64::from(d)));
        v[Metric::LightPercent.index()] = self.light_pct.map(f64::from);
        v[Metric::GasLevel.index()] = self.gas_raw.map(f64::from);
        v[Metric::TargetTemp.index()] = Some(tenths(f64::from(self.target_dc)));
        t.state.climate_mode = Some(self.climate_mode);
        t.state.fan_speed = Some(self.fan_speed);
        t.state.heating = Some(self.heating);
        t.state.light_mode = Some(self.light_mode);
        t.state.led1 = Some(self.led1);
        t.state.led2 = Some(self.led2);
        t
    }

    /// Writes the JSON payload (timestamp in Unix seconds, as devices do).
    ///
    /// # Errors
    ///
    /// Whatever `out` returns when full.
    pub fn write_json<W: fmt::Write>(&self, room: RoomId, out: &mut W) -> fmt::Result {
        write_telemetry(out, room, &self.telemetry(), TimestampUnit::Seconds)
    }

    /// The JSON payload in a fixed buffer.
    ///
    /// # Errors
    ///
    /// [`fmt::Error`] if it did not fit (it always does; see
    /// [`PAYLOAD_CAPACITY`]).
    pub fn to_json(&self, room: RoomId) -> Result<Payload, fmt::Error> {
        let mut out = Payload::new();
        self.write_json(room, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotel_core::protocol::{Body, decode};
    use proptest::prelude::*;
    use proptest::sample::select;

    const NOW: i64 = 1_733_300_000_000;

    fn room() -> impl Strategy<Value = RoomId> {
        "[A-Za-z0-9_-]{1,32}".prop_map(|t| RoomId::parse(&t).unwrap())
    }

    fn sample() -> impl Strategy<Value = Sample> {
        (
            (
                (NOW - 86_400_000)..(NOW + 3_600_000),
                proptest::option::of(-400i16..=800),
                proptest::option::of(0u16..=1000),
                proptest::option::of(0u8..=100),
                proptest::option::of(any::<u16>()),
                20i16..=64,
            ),
            (
                select(ClimateMode::ALL),
                select(FanSpeed::ALL),
                any::<bool>(),
                select(LightMode::ALL),
                any::<bool>(),
                any::<bool>(),
            ),
        )
            .prop_map(
                |((unix_ms, t, h, l, g, half), (cm, fs, heating, lm, led1, led2))| Sample {
                    unix_ms,
                    temperature_dc: t,
                    humidity_dpct: h,
                    light_pct: l,
                    gas_raw: g,
                    target_dc: half * 5,
                    climate_mode: cm,
                    fan_speed: fs,
                    heating,
                    light_mode: lm,
                    led1,
                    led2,
                },
            )
    }

    #[test]
    fn writes_the_device_layout() {
        let s = Sample {
            unix_ms: NOW,
            temperature_dc: Some(221),
            humidity_dpct: Some(405),
            light_pct: Some(55),
            gas_raw: Some(120),
            target_dc: 220,
            climate_mode: ClimateMode::Auto,
            fan_speed: FanSpeed::Low,
            heating: true,
            light_mode: LightMode::Auto,
            led1: true,
            led2: false,
        };
        assert_eq!(
            s.to_json(RoomId::parse("101").unwrap()).unwrap().as_str(),
            r#"{"room":"101","timestamp":1733300000,"sensors":{"temperature":22.1,"humidity":40.5,"light_percent":55,"gas_level":120,"target_temp":22},"state":{"thermostat_mode":"auto","fan_speed":"low","heating":true,"room_mode":"auto","led1":true,"led2":false}}"#
        );
    }

    proptest! {
        /// The server's decoder accepts every snapshot the core writes, with
        /// the same values, the original timestamp and no problem counted.
        #[test]
        fn server_decoder_accepts_every_snapshot(room in room(), s in sample()) {
            let json = s.to_json(room).unwrap();
            let topic = format!("hotel/{room}/telemetry/json");
            let msg = decode(&topic, json.as_bytes(), NOW).unwrap();
            prop_assert_eq!(msg.room, room);
            let Body::Telemetry(t) = msg.body else { panic!("telemetry expected") };
            prop_assert!(t.problems.is_empty(), "{:?} in {}", t.problems, json);
            prop_assert_eq!(t.ts_ms, s.unix_ms.div_euclid(1000) * 1000);
            let mut sent = s.telemetry();
            sent.ts_ms = t.ts_ms;
            sent.values[Metric::Heating.index()] = Some(f64::from(u8::from(s.heating)));
            prop_assert_eq!(t.values, sent.values);
            prop_assert_eq!(t.state, sent.state);
        }
    }
}
