//! Wi-Fi, the IP stack, SNTP, and the TCP connections and clock the MQTT
//! link runs on. The link itself (session, pings, reconnection backoff) is
//! [`hotel_room_mqtt`]'s, tested on the host; what to publish and what a
//! control message means come from the
//! [`RoomController`](hotel_room_core::RoomController).
//!
//! Build-time settings (environment variables of `cargo build`):
//! `WIFI_SSID`, `WIFI_PASSWORD`, `MQTT_HOST` (name or IPv4), `MQTT_PORT`
//! (default 1883), `MQTT_USERNAME`, `MQTT_PASSWORD` (from `hotel device add`),
//! `NTP_HOST` (default `pool.ntp.org`).

use core::net::Ipv4Addr;

use embassy_executor::Spawner;
use embassy_net::dns::DnsQueryType;
use embassy_net::tcp::TcpSocket;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{IpAddress, Runner, Stack, StackResources};
use embassy_time::{Duration, Instant, Timer, with_timeout};
use esp_hal::peripherals::WIFI;
use esp_hal::rng::Rng;
use esp_radio::wifi::{
    ClientConfig, ModeConfig, WifiController, WifiDevice, WifiEvent, WifiStaState,
};
use hotel_core::RoomId;
use hotel_room_core::Backoff;
use hotel_room_core::clock::{SNTP_REQUEST, parse_sntp_reply};
use hotel_room_mqtt::{LinkConfig, Transport};
use static_cell::StaticCell;

use crate::{Shared, SharedClock};

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");
const MQTT_HOST: &str = env!("MQTT_HOST");
const MQTT_PORT: Option<&str> = option_env!("MQTT_PORT");
const MQTT_USERNAME: Option<&str> = option_env!("MQTT_USERNAME");
const MQTT_PASSWORD: Option<&str> = option_env!("MQTT_PASSWORD");
const NTP_HOST: Option<&str> = option_env!("NTP_HOST");

/// TCP socket buffers of the MQTT connection, each way.
const TCP_BUFFER: usize = 1024;

/// The radio peripherals.
pub struct Radio {
    pub wifi: WIFI<'static>,
    pub rng: Rng,
}

static RADIO: StaticCell<esp_radio::Controller<'static>> = StaticCell::new();
static RESOURCES: StaticCell<StackResources<4>> = StaticCell::new();

/// Starts Wi-Fi, the IP stack and the MQTT session.
pub fn start(
    spawner: &Spawner,
    radio: Radio,
    room: RoomId,
    controller: &'static Shared,
    clock: &'static SharedClock,
) {
    let Ok(init) = esp_radio::init() else {
        panic!("radio failed to start");
    };
    let init = RADIO.init(init);
    let Ok((wifi, interfaces)) = esp_radio::wifi::new(init, radio.wifi, Default::default()) else {
        panic!("Wi-Fi failed to start");
    };
    let seed = (u64::from(radio.rng.random()) << 32) | u64::from(radio.rng.random());
    let (stack, runner) = embassy_net::new(
        interfaces.sta,
        embassy_net::Config::dhcpv4(Default::default()),
        RESOURCES.init(StackResources::new()),
        seed,
    );
    spawner.must_spawn(wifi_task(wifi, radio.rng));
    spawner.must_spawn(run_stack(runner));
    spawner.must_spawn(mqtt_task(stack, room, controller, clock, radio.rng));
}

/// Keeps the station joined, retrying with backoff and jitter.
#[embassy_executor::task]
async fn wifi_task(mut wifi: WifiController<'static>, rng: Rng) {
    let mut backoff = Backoff::new(1_000, 60_000);
    loop {
        if esp_radio::wifi::sta_state() == WifiStaState::Connected {
            wifi.wait_for_event(WifiEvent::StaDisconnected).await;
            log::warn!("Wi-Fi lost");
        }
        if !matches!(wifi.is_started(), Ok(true)) {
            let config = ModeConfig::Client(
                ClientConfig::default()
                    .with_ssid(WIFI_SSID.into())
                    .with_password(WIFI_PASSWORD.into()),
            );
            if wifi.set_config(&config).is_err() || wifi.start_async().await.is_err() {
                log::error!("Wi-Fi configuration refused");
            }
        }
        match wifi.connect_async().await {
            Ok(()) => {
                log::info!("Wi-Fi joined");
                backoff.succeeded();
            }
            Err(_) => {
                let delay = backoff.failed(Instant::now().as_millis(), rng.random());
                log::warn!("Wi-Fi join failed, retry in {} ms", delay);
                Timer::after_millis(delay).await;
            }
        }
    }
}

#[embassy_executor::task]
async fn run_stack(mut runner: Runner<'static, WifiDevice<'static>>) {
    runner.run().await
}

/// The MQTT link for ever (the session logic is `hotel-room-mqtt`'s).
#[embassy_executor::task]
async fn mqtt_task(
    stack: Stack<'static>,
    room: RoomId,
    controller: &'static Shared,
    clock: &'static SharedClock,
    rng: Rng,
) {
    let mut config = LinkConfig::new(room.as_str());
    if let (Some(user), Some(password)) = (MQTT_USERNAME, MQTT_PASSWORD) {
        config.credentials = Some((user, password));
    }
    let mut transport = Tcp {
        stack,
        clock,
        rx: [0; TCP_BUFFER],
        tx: [0; TCP_BUFFER],
    };
    hotel_room_mqtt::run(
        &config,
        controller,
        &mut transport,
        &mut EmbassyTimer { rng },
    )
    .await;
}

/// Opens TCP connections to the broker once the network is up, setting the
/// wall clock by SNTP first while it is unknown.
struct Tcp {
    stack: Stack<'static>,
    clock: &'static SharedClock,
    rx: [u8; TCP_BUFFER],
    tx: [u8; TCP_BUFFER],
}

impl Transport for Tcp {
    type Connection<'a> = TcpSocket<'a>;

    async fn open(&mut self) -> Option<TcpSocket<'_>> {
        self.stack.wait_config_up().await;
        if self.clock.lock().await.unix_ms(0).is_none()
            && let Some(unix_ms) = sntp(self.stack).await
        {
            self.clock
                .lock()
                .await
                .set(Instant::now().as_millis(), unix_ms);
            log::info!("clock set by SNTP");
        }
        let Some(broker) = resolve(self.stack, MQTT_HOST).await else {
            log::warn!("cannot resolve the MQTT host");
            return None;
        };
        let port = MQTT_PORT.and_then(|p| p.parse().ok()).unwrap_or(1883);
        let mut socket = TcpSocket::new(self.stack, &mut self.rx, &mut self.tx);
        socket.set_timeout(Some(Duration::from_secs(90)));
        socket.connect((broker, port)).await.ok()?;
        Some(socket)
    }
}

/// embassy-time and the hardware random number generator.
struct EmbassyTimer {
    rng: Rng,
}

impl hotel_room_mqtt::Timer for EmbassyTimer {
    fn now_ms(&self) -> u64 {
        Instant::now().as_millis()
    }

    async fn sleep_ms(&mut self, ms: u64) {
        Timer::after_millis(ms).await;
    }

    fn random(&mut self) -> u32 {
        self.rng.random()
    }
}

/// Asks the NTP server for the time.
async fn sntp(stack: Stack<'static>) -> Option<i64> {
    let server = resolve(stack, NTP_HOST.unwrap_or("pool.ntp.org")).await?;
    let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 2], [PacketMetadata::EMPTY; 2]);
    let (mut rx, mut tx) = ([0u8; 128], [0u8; 128]);
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
    socket.bind(0).ok()?;
    socket.send_to(&SNTP_REQUEST, (server, 123)).await.ok()?;
    let mut reply = [0u8; 48];
    let (n, _) = with_timeout(Duration::from_secs(3), socket.recv_from(&mut reply))
        .await
        .ok()?
        .ok()?;
    parse_sntp_reply(&reply[..n])
}

async fn resolve(stack: Stack<'static>, host: &str) -> Option<IpAddress> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Some(IpAddress::Ipv4(ip));
    }
    stack
        .dns_query(host, DnsQueryType::A)
        .await
        .ok()?
        .first()
        .copied()
}
