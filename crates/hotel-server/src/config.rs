//! Command-line and environment configuration of the `hotel` binary.
//!
//! Every setting is a flag with an environment variable of the same meaning;
//! secrets (passwords, tokens) come from the environment only, never a flag
//! that `ps` would show.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  hotel serve --demo 20              run everything on this box with 20 simulated rooms
  hotel device add 101 --json        create MQTT credentials for room 101's device
  hotel load --devices 200 --rate 5  measure ingest throughput and latency
  hotel sim --rooms 40 --faults gas  simulate 40 rooms' firmware against a broker
  hotel mrz parse --json < mrz.txt   parse and validate passport MRZs";

/// Smart Hotel: room telemetry, control and staff API in one process.
#[derive(Debug, Parser)]
#[command(name = "hotel", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: MQTT broker (or external broker client), ingest, staff HTTP API.
    #[command(
        after_help = "Example:\n  HOTEL_ADMIN_PASSWORD='a long secret phrase' hotel serve --demo 10"
    )]
    Serve(ServeArgs),
    /// Manage room devices' MQTT credentials.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Load generator: N simulated devices publish to a broker; reports
    /// messages/s stored and publish→visible latency.
    #[command(
        after_help = "Example:\n  hotel load --broker 127.0.0.1:1883 --http http://127.0.0.1:8001 --devices 200 --rate 5 --seconds 30"
    )]
    Load(crate::load::LoadArgs),
    /// Simulated rooms: the room firmware's control core on a thermal model,
    /// publishing real MQTT, with injectable faults.
    #[command(
        after_help = "Example:\n  hotel sim --rooms 20 --broker 127.0.0.1:1883 --rate 5 --faults disconnect,sensor,gas,clock"
    )]
    Sim(crate::sim::SimArgs),
    /// Passport and ID-card machine-readable zones (MRZ).
    #[command(subcommand)]
    Mrz(crate::mrz_cli::MrzCommand),
}

/// Device credential commands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Create an MQTT user name and password for a room's device; the
    /// password is printed once and stored only as a hash.
    #[command(
        after_help = "Example:\n  hotel device add 101 --json\n  {\"username\":\"101-3fa2c1\",\"password\":\"...\"}"
    )]
    Add {
        /// The room the device belongs to.
        room: String,
        /// Print `{"username":…,"password":…}` instead of text.
        #[arg(long)]
        json: bool,
        /// Where the data lives.
        #[command(flatten)]
        data: DataDir,
    },
}

/// The data directory, shared by every subcommand that touches the store.
#[derive(Debug, Clone, Args)]
pub struct DataDir {
    /// Directory for the SQLite database and other state.
    #[arg(
        long = "data-dir",
        env = "HOTEL_DATA_DIR",
        default_value = "hotel-data"
    )]
    pub path: PathBuf,
}

/// An address to listen on, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen(pub Option<SocketAddr>);

impl FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(Listen(None));
        }
        s.parse()
            .map(|addr| Listen(Some(addr)))
            .map_err(|_| format!("'{s}' is not an address like 127.0.0.1:1883, or 'off'"))
    }
}

/// `hotel serve` settings.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where the data lives.
    #[command(flatten)]
    pub data: DataDir,
    /// Staff HTTP API address.
    #[arg(long = "http", env = "HOTEL_HTTP_ADDR", default_value = "0.0.0.0:8001")]
    pub http: SocketAddr,
    /// Embedded MQTT broker address, or `off`.
    #[arg(long = "mqtt", env = "HOTEL_MQTT_ADDR", default_value = "0.0.0.0:1883")]
    pub mqtt: Listen,
    /// Embedded broker's MQTT-over-WebSocket address, or `off`.
    #[arg(
        long = "mqtt-ws",
        env = "HOTEL_MQTT_WS_ADDR",
        default_value = "0.0.0.0:9001"
    )]
    pub mqtt_ws: Listen,
    /// Use this external MQTT broker (host name or address) instead of the
    /// embedded one. Credentials come from MQTT_USERNAME and MQTT_PASSWORD.
    #[arg(long = "mqtt-broker", env = "MQTT_BROKER")]
    pub mqtt_broker: Option<String>,
    /// Port of the external MQTT broker.
    #[arg(long = "mqtt-port", env = "MQTT_PORT", default_value_t = 1883)]
    pub mqtt_port: u16,
    /// Also run N simulated rooms that publish through the broker.
    #[arg(long, value_name = "N")]
    pub demo: Option<u32>,
    /// Development mode: the embedded broker accepts anonymous clients on
    /// every address.
    #[arg(long)]
    pub dev: bool,
    /// Publish each control command on the leading-slash topic too
    /// (`/hotel/<room>/control/...`), for devices flashed for the old dashboard.
    #[arg(
        long,
        env = "HOTEL_LEGACY_SLASH_TOPICS",
        value_parser = BoolishValueParser::new(),
        default_value = "false",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub legacy_slash_topics: bool,
    /// Days raw readings are kept.
    #[arg(long, env = "HOTEL_RETENTION_DAYS", default_value_t = 90)]
    pub retention_days: u32,
    /// Days hourly rollups are kept.
    #[arg(long, env = "HOTEL_ROLLUP_RETENTION_DAYS", default_value_t = 730)]
    pub rollup_retention_days: u32,
}

/// Environment variables of the replaced stack whose backends are not built
/// yet; setting one is an error, never silently ignored.
pub const NOT_YET_SUPPORTED: [(&str, &str); 8] = [
    ("TELEGRAM_BOT_TOKEN", "Telegram notifications"),
    ("TELEGRAM_CHAT_ID", "Telegram notifications"),
    ("POSTGRES_HOST", "the PostgreSQL store"),
    ("POSTGRES_DB", "the PostgreSQL store"),
    ("POSTGRES_USER", "the PostgreSQL store"),
    ("POSTGRES_PASSWORD", "the PostgreSQL store"),
    ("POSTGRES_PORT", "the PostgreSQL store"),
    ("INFLUX_URL", "the InfluxDB 2 store"),
];

/// The first environment variable set that names a backend this build lacks.
pub fn unsupported_env() -> Option<(&'static str, &'static str)> {
    NOT_YET_SUPPORTED
        .into_iter()
        .find(|(var, _)| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_addresses_and_off() {
        assert_eq!("off".parse::<Listen>(), Ok(Listen(None)));
        assert_eq!(
            "127.0.0.1:1".parse::<Listen>(),
            Ok(Listen(Some("127.0.0.1:1".parse().unwrap())))
        );
        assert!("nonsense".parse::<Listen>().is_err());
    }

    #[test]
    fn cli_parses_serve_defaults() {
        let cli = Cli::try_parse_from(["hotel", "serve", "--demo", "3"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve expected")
        };
        assert_eq!(args.demo, Some(3));
        assert_eq!(args.http.port(), 8001);
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
