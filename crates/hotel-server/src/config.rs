//! Command-line and environment configuration of the `hotel` binary.
//!
//! Every setting is a flag with an environment variable of the same meaning;
//! secrets (passwords, tokens) come from the environment only, never a flag
//! that `ps` would show. Alert thresholds and notification settings may also
//! come from an optional TOML file (`--config`, `HOTEL_CONFIG`; see
//! [`FileConfig`]): defaults, then the file, then the environment, then
//! flags.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};
use hotel_core::alert::ThresholdOverrides;
use hotel_core::{AlertLevel, RoomId};
use secrecy::SecretString;
use serde::Deserialize;

use crate::alert::AlertSettings;
use crate::alert::notify::telegram::{DEFAULT_API_URL, TelegramConfig};
use crate::automation::AutomationSettings;
use crate::server::NotifySettings;

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
        after_help = "Examples:\n  hotel load --broker 127.0.0.1:1883 --http http://127.0.0.1:8001 --devices 200 --rate 5 --seconds 30\n  hotel load --broker 127.0.0.1:1883 --http off --devices 100 --rate 600   # a broker alone"
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
    /// Optional TOML file with alert thresholds, per-room overrides and
    /// notification settings (see README).
    #[arg(long = "config", env = "HOTEL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Base URL of the staff site, for links in notifications.
    #[arg(long = "public-url", env = "HOTEL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Telegram Bot API base (before `/bot<token>/sendMessage`); the token
    /// comes from TELEGRAM_BOT_TOKEN only.
    #[arg(long = "telegram-api-url", env = "TELEGRAM_API_URL")]
    pub telegram_api_url: Option<String>,
    /// Telegram chat to notify (number or @channel).
    #[arg(long = "telegram-chat-id", env = "TELEGRAM_CHAT_ID")]
    pub telegram_chat_id: Option<String>,
}

/// The optional configuration file (TOML). Every key is optional; unknown
/// keys are refused so that a typo does not silently keep a default.
///
/// ```toml
/// public_url = "https://hotel.example"
///
/// [alerts]
/// escalate_after_min = 15      # critical alert not acknowledged: notify again
/// check_every_s = 10           # timer rules (offline, escalation)
/// notify_min_level = "warning"
///
/// [alerts.thresholds]          # the hotel's, over the built-in defaults
/// gas_warning = 1500
/// gas_critical = 2500
/// offline_after_s = 300
///
/// [alerts.rooms.101]           # one room's, over the hotel's
/// temperature_max_c = 32
///
/// [automation]                 # room automation by occupancy
/// eco_target_c = 17.0          # vacant and checked-out rooms
/// comfort_target_c = 21.0      # booked rooms, from preheat_min before check-in
/// preheat_min = 120
/// check_every_s = 5            # re-evaluation of every room
///
/// [telegram]                   # the token comes from TELEGRAM_BOT_TOKEN only
/// chat_id = "-1001234567890"
///
/// [webhook]
/// url = "https://integrator.example/hooks/hotel"
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// Base URL of the staff site.
    pub public_url: Option<String>,
    /// Alert rules.
    pub alerts: AlertsFile,
    /// Room automation.
    pub automation: AutomationFile,
    /// Telegram settings (not the token).
    pub telegram: TelegramFile,
    /// Webhook settings.
    pub webhook: WebhookFile,
}

/// `[alerts]` of the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsFile {
    /// The hotel's thresholds over the defaults.
    pub thresholds: ThresholdOverrides,
    /// Per-room overrides, by room id.
    pub rooms: BTreeMap<String, ThresholdOverrides>,
    /// Minutes before an unacknowledged critical alert is notified again.
    pub escalate_after_min: Option<u64>,
    /// Seconds between runs of the timer rules.
    pub check_every_s: Option<u64>,
    /// The lowest level that is notified.
    pub notify_min_level: Option<AlertLevel>,
}

/// `[automation]` of the configuration file; see [`AutomationSettings`]
/// for the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutomationFile {
    /// Target of vacant and checked-out rooms, °C.
    pub eco_target_c: Option<f64>,
    /// Target of booked rooms from the pre-heat start, °C.
    pub comfort_target_c: Option<f64>,
    /// Minutes before check-in that pre-heating starts.
    pub preheat_min: Option<u64>,
    /// Seconds between re-evaluations of every room.
    pub check_every_s: Option<u64>,
}

/// `[telegram]` of the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramFile {
    /// Bot API base URL.
    pub api_url: Option<String>,
    /// Chat id.
    pub chat_id: Option<String>,
}

/// `[webhook]` of the configuration file.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookFile {
    /// Where to POST; may hold a secret.
    pub url: Option<String>,
}

impl std::fmt::Debug for WebhookFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookFile")
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// A configuration problem; never quotes a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the configuration file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("configuration file {path}, line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong (without the line's text, which may hold a secret).
        message: String,
    },
    /// A value is not allowed.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl FileConfig {
    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Read`] or [`ConfigError::Parse`].
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|(line, message)| ConfigError::Parse {
            path: path.to_owned(),
            line,
            message,
        })
    }

    /// Parses TOML text; on error, the line and message.
    fn parse(text: &str) -> Result<Self, (usize, String)> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map_or(0, |span| {
                text.get(..span.start)
                    .map_or(0, |before| before.matches('\n').count() + 1)
            });
            (line, e.message().to_owned())
        })
    }
}

/// Secrets and settings that come from the environment only.
#[derive(Default)]
pub struct EnvSecrets {
    /// `TELEGRAM_BOT_TOKEN`.
    pub telegram_token: Option<SecretString>,
    /// `HOTEL_WEBHOOK_URL`.
    pub webhook_url: Option<SecretString>,
}

impl EnvSecrets {
    /// Reads them from the process environment; empty values count as unset.
    pub fn from_env() -> Self {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(SecretString::from)
        };
        Self {
            telegram_token: var("TELEGRAM_BOT_TOKEN"),
            webhook_url: var("HOTEL_WEBHOOK_URL"),
        }
    }
}

/// Alert and notification settings from defaults, the file, the
/// environment and flags.
///
/// # Errors
///
/// [`ConfigError::Invalid`] for contradicting thresholds, a bad room id, a
/// Telegram token without a chat id (or the reverse), a zero interval.
pub fn alerting(
    args: &ServeArgs,
    file: FileConfig,
    env: EnvSecrets,
) -> Result<(AlertSettings, NotifySettings), ConfigError> {
    let defaults = AlertSettings::default();
    let mut alerts = AlertSettings {
        thresholds: defaults.thresholds.with(&file.alerts.thresholds),
        ..defaults
    };
    alerts
        .thresholds
        .validate()
        .map_err(|e| ConfigError::Invalid(format!("[alerts.thresholds]: {e}")))?;
    for (id, overrides) in file.alerts.rooms {
        let room = RoomId::parse(&id)
            .map_err(|e| ConfigError::Invalid(format!("[alerts.rooms.{id}]: {e}")))?;
        alerts
            .thresholds
            .with(&overrides)
            .validate()
            .map_err(|e| ConfigError::Invalid(format!("[alerts.rooms.{id}]: {e}")))?;
        alerts.room_thresholds.push((room, overrides));
    }
    if let Some(min) = file.alerts.escalate_after_min {
        if min == 0 {
            return Err(ConfigError::Invalid(
                "escalate_after_min must be at least 1".to_owned(),
            ));
        }
        alerts.escalate_after = Duration::from_secs(min.saturating_mul(60));
    }
    if let Some(s) = file.alerts.check_every_s {
        if s == 0 {
            return Err(ConfigError::Invalid(
                "check_every_s must be at least 1".to_owned(),
            ));
        }
        alerts.check_every = Duration::from_secs(s);
    }
    if let Some(level) = file.alerts.notify_min_level {
        alerts.notify_min_level = level;
    }
    if let Some(url) = args.public_url.clone().or(file.public_url) {
        alerts.public_url = url;
    }

    let chat_id = args
        .telegram_chat_id
        .clone()
        .or(file.telegram.chat_id)
        .filter(|c| !c.trim().is_empty());
    let api_url = args
        .telegram_api_url
        .clone()
        .or(file.telegram.api_url)
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
    let telegram = match (env.telegram_token, chat_id) {
        (Some(token), Some(chat_id)) => Some(TelegramConfig {
            api_url,
            token,
            chat_id,
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ConfigError::Invalid(
                "TELEGRAM_BOT_TOKEN is set but no chat: set TELEGRAM_CHAT_ID".to_owned(),
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::Invalid(
                "TELEGRAM_CHAT_ID is set but no TELEGRAM_BOT_TOKEN".to_owned(),
            ));
        }
    };
    let webhook = env.webhook_url.or_else(|| {
        file.webhook
            .url
            .filter(|u| !u.trim().is_empty())
            .map(SecretString::from)
    });
    Ok((
        alerts,
        NotifySettings {
            telegram,
            webhook,
            ..NotifySettings::default()
        },
    ))
}

/// Room automation settings from the defaults and the file.
///
/// # Errors
///
/// [`ConfigError::Invalid`] for a target a device would refuse or a zero
/// interval.
pub fn automation(file: &AutomationFile) -> Result<AutomationSettings, ConfigError> {
    let mut settings = AutomationSettings::default();
    for (name, value, slot) in [
        (
            "eco_target_c",
            file.eco_target_c,
            &mut settings.eco_target_c,
        ),
        (
            "comfort_target_c",
            file.comfort_target_c,
            &mut settings.comfort_target_c,
        ),
    ] {
        if let Some(celsius) = value {
            hotel_core::ControlCommand::target_temperature(celsius)
                .map_err(|e| ConfigError::Invalid(format!("[automation] {name}: {e}")))?;
            *slot = celsius;
        }
    }
    if let Some(min) = file.preheat_min {
        settings.preheat = Duration::from_secs(min.saturating_mul(60));
    }
    if let Some(s) = file.check_every_s {
        if s == 0 {
            return Err(ConfigError::Invalid(
                "[automation] check_every_s must be at least 1".to_owned(),
            ));
        }
        settings.check_every = Duration::from_secs(s);
    }
    Ok(settings)
}

/// Environment variables of the replaced stack whose backends are not built
/// yet; setting one is an error, never silently ignored.
pub const NOT_YET_SUPPORTED: [(&str, &str); 6] = [
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

    fn serve_args(extra: &[&str]) -> ServeArgs {
        let mut argv = vec!["hotel", "serve"];
        argv.extend_from_slice(extra);
        let Command::Serve(args) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("serve expected")
        };
        args
    }

    #[test]
    fn config_file_sets_thresholds_rooms_and_channels() {
        let file = FileConfig::parse(
            r#"
public_url = "https://hotel.example/"
[alerts]
escalate_after_min = 5
notify_min_level = "critical"
[alerts.thresholds]
gas_warning = 1400
[alerts.rooms.101]
temperature_max_c = 32.0
[telegram]
chat_id = "-100200"
[webhook]
url = "http://127.0.0.1:9/hook"
"#,
        )
        .unwrap();
        let env = EnvSecrets {
            telegram_token: Some("123:abc".to_owned().into()),
            webhook_url: None,
        };
        let (alerts, notify) = alerting(&serve_args(&[]), file, env).unwrap();
        assert_eq!(alerts.thresholds.gas_warning, 1400.0);
        assert_eq!(alerts.thresholds.gas_critical, 2500.0);
        assert_eq!(alerts.room_thresholds.len(), 1);
        assert_eq!(alerts.escalate_after, Duration::from_secs(300));
        assert_eq!(alerts.notify_min_level, AlertLevel::Critical);
        assert_eq!(alerts.public_url, "https://hotel.example/");
        let telegram = notify.telegram.unwrap();
        assert_eq!(telegram.api_url, DEFAULT_API_URL);
        assert_eq!(telegram.chat_id, "-100200");
        assert!(
            !format!("{telegram:?}").contains("123:abc"),
            "token redacted"
        );
        assert!(notify.webhook.is_some());
    }

    #[test]
    fn flags_and_env_win_over_the_file() {
        let file =
            FileConfig::parse("[telegram]\nchat_id = \"1\"\napi_url = \"http://a\"\n").unwrap();
        let args = serve_args(&[
            "--telegram-chat-id",
            "2",
            "--telegram-api-url",
            "http://127.0.0.1:1",
        ]);
        let env = EnvSecrets {
            telegram_token: Some("t".to_owned().into()),
            webhook_url: None,
        };
        let (_, notify) = alerting(&args, file, env).unwrap();
        let telegram = notify.telegram.unwrap();
        assert_eq!(telegram.chat_id, "2");
        assert_eq!(telegram.api_url, "http://127.0.0.1:1");
    }

    #[test]
    fn refuses_bad_files_without_quoting_them() {
        let (line, message) =
            FileConfig::parse("[webhook]\nurl = \"http://secret-key@x\"\nurll = 1\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(!message.contains("secret-key"), "{message}");
        let bad = FileConfig::parse("[alerts.thresholds]\ngas_warning = 3000\n").unwrap();
        let err = alerting(&serve_args(&[]), bad, EnvSecrets::default()).unwrap_err();
        assert!(err.to_string().contains("gas_warning"), "{err}");
        let bad_room = FileConfig::parse("[alerts.rooms.\"no way\"]\ngas_warning = 1\n").unwrap();
        assert!(alerting(&serve_args(&[]), bad_room, EnvSecrets::default()).is_err());
        let token_only = EnvSecrets {
            telegram_token: Some("123:abc".to_owned().into()),
            webhook_url: None,
        };
        let err = alerting(&serve_args(&[]), FileConfig::default(), token_only).unwrap_err();
        assert!(!err.to_string().contains("123:abc"));
    }

    #[test]
    fn config_file_sets_automation_targets_and_refuses_bad_ones() {
        let file =
            FileConfig::parse("[automation]\neco_target_c = 16.5\npreheat_min = 90\n").unwrap();
        let settings = automation(&file.automation).unwrap();
        assert_eq!(settings.eco_target_c, 16.5);
        assert_eq!(settings.comfort_target_c, 21.0, "default kept");
        assert_eq!(settings.preheat, Duration::from_secs(90 * 60));
        let defaults = automation(&AutomationFile::default()).unwrap();
        assert_eq!(defaults, AutomationSettings::default());
        let bad = FileConfig::parse("[automation]\ncomfort_target_c = 500.0\n").unwrap();
        assert!(automation(&bad.automation).is_err());
        let zero = FileConfig::parse("[automation]\ncheck_every_s = 0\n").unwrap();
        assert!(automation(&zero.automation).is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
