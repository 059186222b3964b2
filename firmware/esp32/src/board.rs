//! The room's hardware: which pin does what, reading the sensors into the
//! core's [`Inputs`], and applying its [`Outputs`]. No decisions here.
//!
//! | Signal | GPIO | Notes |
//! |---|---|---|
//! | DHT22 data | 10 | 10 kΩ pull-up to 3.3 V |
//! | LDR divider | 0 (ADC1_CH0) | LDR to 3.3 V, 10 kΩ to GND |
//! | MQ-5 AO | 1 (ADC1_CH1) | through a 10 k/20 k divider: the module runs at 5 V |
//! | heater relay | 4 | active high, via the relay module's transistor |
//! | fan low / medium / high | 5 / 6 / 7 | one relay each, at most one on |
//! | LED channel 1 / 2 | 3 / 20 | LEDC PWM, 1 kHz, to MOSFET gates |

use esp_hal::analog::adc::{Adc, AdcConfig, AdcPin, Attenuation};
use esp_hal::gpio::{Level, Output, OutputConfig};
use esp_hal::ledc::channel::{self, ChannelIFace};
use esp_hal::ledc::timer::{self, TimerIFace};
use esp_hal::ledc::{LSGlobalClkSource, Ledc, LowSpeed};
use esp_hal::peripherals::{
    ADC1, GPIO0, GPIO1, GPIO3, GPIO4, GPIO5, GPIO6, GPIO7, GPIO10, GPIO20, LEDC,
};
use esp_hal::time::Rate;
use hotel_core::FanSpeed;
use hotel_room_core::{Inputs, Outputs};
use static_cell::StaticCell;

use crate::dht22::Dht22;

/// Full scale of the 12-bit ADC.
const ADC_FULL_SCALE: u32 = 4095;

/// The peripherals the board takes.
pub struct Pins<'d> {
    pub dht22: GPIO10<'d>,
    pub ldr: GPIO0<'d>,
    pub mq5: GPIO1<'d>,
    pub heater: GPIO4<'d>,
    pub fan_low: GPIO5<'d>,
    pub fan_medium: GPIO6<'d>,
    pub fan_high: GPIO7<'d>,
    pub led1: GPIO3<'d>,
    pub led2: GPIO20<'d>,
    pub adc: ADC1<'d>,
    pub ledc: LEDC<'d>,
}

/// The initialised hardware.
pub struct Board<'d> {
    dht22: Dht22<'d>,
    adc: Adc<'d, ADC1<'d>, esp_hal::Blocking>,
    ldr: AdcPin<GPIO0<'d>, ADC1<'d>>,
    mq5: AdcPin<GPIO1<'d>, ADC1<'d>>,
    heater: Output<'d>,
    fan: [Output<'d>; 3],
    led1: channel::Channel<'d, LowSpeed>,
    led2: channel::Channel<'d, LowSpeed>,
}

static LEDC_TIMER: StaticCell<timer::Timer<'static, LowSpeed>> = StaticCell::new();

impl Board<'static> {
    /// Sets every output off, then configures the sensors.
    pub fn new(p: Pins<'static>) -> Self {
        let off = || OutputConfig::default();
        let heater = Output::new(p.heater, Level::Low, off());
        let fan = [
            Output::new(p.fan_low, Level::Low, off()),
            Output::new(p.fan_medium, Level::Low, off()),
            Output::new(p.fan_high, Level::Low, off()),
        ];

        let mut adc_config = AdcConfig::new();
        let ldr = adc_config.enable_pin(p.ldr, Attenuation::_11dB);
        let mq5 = adc_config.enable_pin(p.mq5, Attenuation::_11dB);
        let adc = Adc::new(p.adc, adc_config);

        let mut ledc = Ledc::new(p.ledc);
        ledc.set_global_slow_clock(LSGlobalClkSource::APBClk);
        let timer = LEDC_TIMER.init(ledc.timer::<LowSpeed>(timer::Number::Timer0));
        let _ = timer.configure(timer::config::Config {
            duty: timer::config::Duty::Duty10Bit,
            clock_source: timer::LSClockSource::APBClk,
            frequency: Rate::from_khz(1),
        });
        let mut led1 = ledc.channel(channel::Number::Channel0, p.led1);
        let mut led2 = ledc.channel(channel::Number::Channel1, p.led2);
        for led in [&mut led1, &mut led2] {
            let _ = led.configure(channel::config::Config {
                timer,
                duty_pct: 0,
                drive_mode: esp_hal::gpio::DriveMode::PushPull,
            });
        }

        Self {
            dht22: Dht22::new(p.dht22),
            adc,
            ldr,
            mq5,
            heater,
            fan,
            led1,
            led2,
        }
    }

    /// Reads every sensor once; a failed read is `None`.
    pub fn read(&mut self) -> Inputs {
        let climate = self.dht22.read().ok();
        let ldr = nb::block!(self.adc.read_oneshot(&mut self.ldr)).ok();
        let gas = nb::block!(self.adc.read_oneshot(&mut self.mq5)).ok();
        Inputs {
            climate,
            ldr_pct: ldr
                .map(|raw| (u32::from(raw).min(ADC_FULL_SCALE) * 100 / ADC_FULL_SCALE) as u8),
            gas_raw: gas,
        }
    }

    /// Drives the relays and LEDs as the core decided.
    pub fn apply(&mut self, o: &Outputs) {
        self.heater.set_level(Level::from(o.heater_on));
        let wanted = match o.fan {
            FanSpeed::Off => None,
            FanSpeed::Low => Some(0),
            FanSpeed::Medium => Some(1),
            FanSpeed::High => Some(2),
        };
        // Break before make: never two speed relays at once.
        for (i, relay) in self.fan.iter_mut().enumerate() {
            if Some(i) != wanted {
                relay.set_low();
            }
        }
        if let Some(i) = wanted {
            self.fan[i].set_high();
        }
        let _ = self.led1.set_duty(o.lights.led1_pct);
        let _ = self.led2.set_duty(o.lights.led2_pct);
    }
}
