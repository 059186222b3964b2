//! Wi-Fi, the IP stack, SNTP and the MQTT session. Reconnection delays come
//! from the core's [`Backoff`]; what to publish and what a control message
//! means come from the [`RoomController`](hotel_room_core::RoomController).
//!
//! Build-time settings (environment variables of `cargo build`):
//! `WIFI_SSID`, `WIFI_PASSWORD`, `MQTT_HOST` (name or IPv4), `MQTT_PORT`
//! (default 1883), `MQTT_USERNAME`, `MQTT_PASSWORD` (from `hotel device add`),
//! `NTP_HOST` (default `pool.ntp.org`).

use core::net::Ipv4Addr;

use embassy_executor::Spawner;
use embassy_futures::select::{Either, select};
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
use hotel_room_core::controller::{OFFLINE, control_filter, will_topic};
use hotel_room_core::sample::PAYLOAD_CAPACITY;
use rust_mqtt::client::client::MqttClient;
use rust_mqtt::client::client_config::{ClientConfig as MqttConfig, MqttVersion};
use rust_mqtt::packet::v5::publish_packet::QualityOfService;
use rust_mqtt::utils::rng_generator::CountingRng;
use static_cell::StaticCell;

use crate::{Shared, SharedClock};

const WIFI_SSID: &str = env!("WIFI_SSID");
const WIFI_PASSWORD: &str = env!("WIFI_PASSWORD");
const MQTT_HOST: &str = env!("MQTT_HOST");
const MQTT_PORT: Option<&str> = option_env!("MQTT_PORT");
const MQTT_USERNAME: Option<&str> = option_env!("MQTT_USERNAME");
const MQTT_PASSWORD: Option<&str> = option_env!("MQTT_PASSWORD");
const NTP_HOST: Option<&str> = option_env!("NTP_HOST");

/// How often the MQTT task drains the controller's queue.
const PUBLISH_PERIOD: Duration = Duration::from_millis(200);
/// MQTT buffers: the largest payload plus topic and header.
const MQTT_BUFFER: usize = PAYLOAD_CAPACITY + 128;

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

/// SNTP once the network is up, then MQTT sessions for ever.
#[embassy_executor::task]
async fn mqtt_task(
    stack: Stack<'static>,
    room: RoomId,
    controller: &'static Shared,
    clock: &'static SharedClock,
    rng: Rng,
) {
    let mut backoff = Backoff::new(1_000, 60_000);
    loop {
        stack.wait_config_up().await;
        if clock.lock().await.unix_ms(0).is_none() {
            if let Some(unix_ms) = sntp(stack).await {
                clock.lock().await.set(Instant::now().as_millis(), unix_ms);
                log::info!("clock set by SNTP");
            }
        }
        let outcome = session(stack, room, controller).await;
        controller.lock().await.on_disconnected();
        if outcome.is_ok() {
            backoff.succeeded();
        }
        let delay = backoff.failed(Instant::now().as_millis(), rng.random());
        log::warn!("MQTT session ended, retry in {} ms", delay);
        Timer::after_millis(delay).await;
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

/// Why a session ended.
#[derive(Debug, Clone, Copy)]
struct SessionLost;

/// One MQTT session: connect with the last will, subscribe, then publish
/// the controller's queue and hand it every control message.
///
/// Returns `Ok` when the session was up before it was lost (the backoff
/// starts over), `Err` when it never came up.
async fn session(
    stack: Stack<'static>,
    room: RoomId,
    controller: &'static Shared,
) -> Result<(), SessionLost> {
    let broker = resolve(stack, MQTT_HOST).await.ok_or(SessionLost)?;
    let port = MQTT_PORT.and_then(|p| p.parse().ok()).unwrap_or(1883);
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
    let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
    socket.set_timeout(Some(Duration::from_secs(90)));
    socket
        .connect((broker, port))
        .await
        .map_err(|_| SessionLost)?;

    let will = will_topic(room);
    let mut config = MqttConfig::new(MqttVersion::MQTTv5, CountingRng(20_000));
    config.add_max_subscribe_qos(QualityOfService::QoS1);
    config.add_client_id(room.as_str());
    config.keep_alive = 30;
    config.max_packet_size = MQTT_BUFFER as u32;
    config.add_will(will.as_str(), OFFLINE.as_bytes(), true);
    if let (Some(user), Some(password)) = (MQTT_USERNAME, MQTT_PASSWORD) {
        config.add_username(user);
        config.add_password(password);
    }
    let (mut write_buf, mut read_buf) = ([0u8; MQTT_BUFFER], [0u8; MQTT_BUFFER]);
    let mut client = MqttClient::<_, 5, _>::new(
        socket,
        &mut write_buf,
        MQTT_BUFFER,
        &mut read_buf,
        MQTT_BUFFER,
        config,
    );
    client.connect_to_broker().await.map_err(|_| SessionLost)?;
    client
        .subscribe_to_topic(control_filter(room).as_str())
        .await
        .map_err(|_| SessionLost)?;
    controller.lock().await.on_connected();
    log::info!("MQTT session up");

    let mut last_ping = Instant::now();
    loop {
        // Publish everything queued; an item leaves the queue only once
        // the client took it.
        loop {
            let next = controller.lock().await.next_publish();
            let Some(p) = next else { break };
            let (topic, payload) = (p.topic(room), p.payload(room));
            let sent = client
                .send_message(
                    topic.as_str(),
                    payload.as_bytes(),
                    QualityOfService::QoS1,
                    p.retain(),
                )
                .await;
            if sent.is_err() {
                return Ok(());
            }
            controller.lock().await.published();
        }

        // Limit: a receive cut short by the timer may drop a partly read
        // packet; rust-mqtt has no split reader/writer to avoid it.
        match select(client.receive_message(), Timer::after(PUBLISH_PERIOD)).await {
            Either::First(Ok((topic, payload))) => {
                // A refusal is queued for status/error by the controller.
                let _ = controller.lock().await.handle_message(topic, payload);
            }
            Either::First(Err(_)) => return Ok(()),
            Either::Second(()) => {}
        }
        if last_ping.elapsed() > Duration::from_secs(20) {
            client.send_ping().await.map_err(|_| SessionLost)?;
            last_ping = Instant::now();
        }
    }
}
