//! The room device: an ESP32-C3 running [`hotel_room_core`].
//!
//! This file and its modules are glue only: read the sensors, drive the
//! relays and LEDs, keep Wi-Fi and MQTT up, read and write the settings
//! blob. Every decision (what to switch, what to publish, when to retry, how
//! to validate a command) is the core's, which is tested on the host.
//!
//! Tasks:
//! - `control`: once a second, read sensors, `RoomController::step`, apply
//!   the outputs, save changed settings to flash.
//! - `net::wifi`: join the access point, rejoin with the core's backoff.
//! - `net::run_stack`: the embassy-net stack.
//! - `net::mqtt`: SNTP, then an MQTT session (last will, subscribe, publish
//!   the controller's queue, hand control messages to it), again with
//!   backoff.

#![no_std]
#![no_main]

mod board;
mod dht22;
mod flash;
mod net;

use embassy_executor::Spawner;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::{Duration, Instant, Ticker};
use esp_hal::clock::CpuClock;
use esp_hal::interrupt::software::SoftwareInterruptControl;
use esp_hal::timer::timg::TimerGroup;
use hotel_core::RoomId;
use hotel_room_core::clock::WallClock;
use hotel_room_core::{Config, Now, RoomController};
use static_cell::StaticCell;
// The panic handler: prints a backtrace over the USB serial console.
use esp_backtrace as _;

esp_bootloader_esp_idf::esp_app_desc!();

/// The room this device serves, set at build time: `ROOM_ID=101 cargo build`.
const ROOM: &str = env!("ROOM_ID");

/// One control turn per second.
const CONTROL_PERIOD: Duration = Duration::from_secs(1);

/// The controller, shared by the control loop and the MQTT task.
pub type Shared = Mutex<CriticalSectionRawMutex, RoomController>;
/// The wall clock, set by SNTP in the MQTT task.
pub type SharedClock = Mutex<CriticalSectionRawMutex, WallClock>;

static CONTROLLER: StaticCell<Shared> = StaticCell::new();
static CLOCK: StaticCell<SharedClock> = StaticCell::new();

#[esp_rtos::main]
async fn main(spawner: Spawner) {
    esp_println::logger::init_logger_from_env();
    let peripherals = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    // The Wi-Fi driver allocates; the control core never does.
    esp_alloc::heap_allocator!(size: 72 * 1024);

    let timg0 = TimerGroup::new(peripherals.TIMG0);
    let sw_int = SoftwareInterruptControl::new(peripherals.SW_INTERRUPT);
    esp_rtos::start(timg0.timer0, sw_int.software_interrupt0);

    let room = match RoomId::parse(ROOM) {
        Ok(room) => room,
        Err(_) => panic!("ROOM_ID must be 1-32 letters, digits, '-' or '_'"),
    };
    let mut flash = flash::SettingsFlash::new(peripherals.FLASH);
    let settings = flash.load();
    log::info!("room {} starting, target {} C", ROOM, settings.target_c());

    let controller = CONTROLLER.init(Mutex::new(RoomController::new(
        room,
        Config::default(),
        settings,
    )));
    let clock = CLOCK.init(Mutex::new(WallClock::default()));

    let board = board::Board::new(board::Pins {
        dht22: peripherals.GPIO10,
        ldr: peripherals.GPIO0,
        mq5: peripherals.GPIO1,
        heater: peripherals.GPIO4,
        fan_low: peripherals.GPIO5,
        fan_medium: peripherals.GPIO6,
        fan_high: peripherals.GPIO7,
        led1: peripherals.GPIO3,
        led2: peripherals.GPIO20,
        adc: peripherals.ADC1,
        ledc: peripherals.LEDC,
    });

    net::start(
        &spawner,
        net::Radio {
            wifi: peripherals.WIFI,
            rng: esp_hal::rng::Rng::new(),
        },
        room,
        controller,
        clock,
    );
    spawner.must_spawn(control(board, flash, controller, clock));
}

/// The control loop: sensors in, outputs out, settings to flash.
#[embassy_executor::task]
async fn control(
    mut board: board::Board<'static>,
    mut flash: flash::SettingsFlash<'static>,
    controller: &'static Shared,
    clock: &'static SharedClock,
) {
    let mut ticker = Ticker::every(CONTROL_PERIOD);
    loop {
        let mono_ms = Instant::now().as_millis();
        let inputs = board.read();
        let now = Now {
            mono_ms,
            unix_ms: clock.lock().await.unix_ms(mono_ms),
        };
        let (outputs, to_save) = {
            let mut c = controller.lock().await;
            (c.step(now, &inputs), c.take_settings_to_save())
        };
        board.apply(&outputs);
        if let Some(blob) = to_save {
            flash.save(&blob);
        }
        ticker.next().await;
    }
}
