//! A minimal DHT22 driver: the single-wire handshake and 40 bits, decoded
//! into the core's [`ClimateReading`]. Range and plausibility checks are the
//! core's ([`hotel_room_core::thermostat::SensorMonitor`]); this only
//! reports a failed read (timeout, checksum).

use esp_hal::gpio::{DriveMode, Flex, OutputConfig, Pull};
use esp_hal::peripherals::GPIO10;
use esp_hal::time::{Duration, Instant};
use hotel_room_core::ClimateReading;

/// Why a read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dht22Error {
    /// The sensor did not answer or a bit took too long.
    Timeout,
    /// The checksum byte does not match.
    Checksum,
}

/// The sensor on its data pin (open drain, external pull-up).
pub struct Dht22<'d> {
    pin: Flex<'d>,
}

impl<'d> Dht22<'d> {
    /// Takes the data pin.
    pub fn new(pin: GPIO10<'d>) -> Self {
        let mut pin = Flex::new(pin);
        pin.apply_output_config(
            &OutputConfig::default()
                .with_drive_mode(DriveMode::OpenDrain)
                .with_pull(Pull::Up),
        );
        pin.set_input_enable(true);
        pin.set_output_enable(true);
        pin.set_high();
        Self { pin }
    }

    /// One reading; the sensor needs 2 s between reads.
    pub fn read(&mut self) -> Result<ClimateReading, Dht22Error> {
        // Start signal: at least 1 ms low, then release.
        self.pin.set_low();
        busy_wait(Duration::from_micros(1_200));
        self.pin.set_high();

        // The 40 bits take about 5 ms and are timed in microseconds:
        // no interrupt may run meanwhile.
        let bytes = critical_section::with(|_| self.receive())?;
        let sum = bytes[..4].iter().fold(0u8, |a, b| a.wrapping_add(*b));
        if sum != bytes[4] {
            return Err(Dht22Error::Checksum);
        }
        let humidity_dpct = u16::from_be_bytes([bytes[0], bytes[1]]);
        let magnitude = i16::from_be_bytes([bytes[2] & 0x7F, bytes[3]]);
        let temperature_dc = if bytes[2] & 0x80 != 0 {
            -magnitude
        } else {
            magnitude
        };
        Ok(ClimateReading {
            temperature_dc,
            humidity_dpct,
        })
    }

    fn receive(&mut self) -> Result<[u8; 5], Dht22Error> {
        // Response: ~80 µs low, ~80 µs high; then each bit is ~50 µs low
        // and 26–28 µs (0) or 70 µs (1) high.
        self.wait_for(false, 100)?;
        self.wait_for(true, 100)?;
        self.wait_for(false, 100)?;
        let mut bytes = [0u8; 5];
        for bit in 0..40 {
            self.wait_for(true, 70)?;
            let high = self.wait_for(false, 100)?;
            if high > 48 {
                bytes[bit / 8] |= 0x80 >> (bit % 8);
            }
        }
        Ok(bytes)
    }

    /// Waits until the line reads `high`; returns the µs waited.
    fn wait_for(&self, high: bool, limit_us: u64) -> Result<u64, Dht22Error> {
        let start = Instant::now();
        while self.pin.is_high() != high {
            if start.elapsed().as_micros() > limit_us {
                return Err(Dht22Error::Timeout);
            }
        }
        Ok(start.elapsed().as_micros())
    }
}

fn busy_wait(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {}
}
