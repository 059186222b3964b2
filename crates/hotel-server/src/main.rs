//! The `hotel` binary.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::Parser;
use hotel_server::config::{
    Cli, Command, DeviceCommand, EnvSecrets, FileConfig, ServeArgs, unsupported_env,
};
use hotel_server::server::{self, BrokerChoice, ServerConfig};
use tracing_subscriber::EnvFilter;

/// 128 + SIGPIPE, as a shell reports a process the signal ended.
const SIGPIPE_STATUS: u8 = 141;

/// jemalloc returns freed memory to the system within seconds; glibc's malloc
/// kept most of what the server ever freed resident (`docs/performance.md`).
#[cfg(all(feature = "jemalloc", target_os = "linux"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if let Command::Mrz(command) = cli.command {
        // Exit status 1 when any MRZ is invalid, like a linter; 2, as for a
        // usage error, when the command itself fails (input over the limit,
        // output that cannot be written), with one line saying why. A reader
        // that closed the pipe early (`| head`) is no error: stop quietly
        // with the status a shell gives a program SIGPIPE ended.
        return Ok(match hotel_server::mrz_cli::run(command) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(error) if is_broken_pipe(&error) => ExitCode::from(SIGPIPE_STATUS),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(2)
            }
        });
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                // rumqttd logs every client disconnect as an error.
                .unwrap_or_else(|_| EnvFilter::new("info,rumqttd=off,sqlx=warn")),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Device(DeviceCommand::Add { room, json, data }) => {
                hotel_server::device::add(&room, json, &data, &mut std::io::stdout()).await
            }
            Command::Load(args) => hotel_server::load::run(args).await,
            Command::Sim(args) => hotel_server::sim::run_cli(args).await,
            Command::Mrz(_) => unreachable!("handled before the runtime starts"),
        }
    })?;
    // rumqttd's threads do not stop on their own.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if let Some((var, feature)) = unsupported_env() {
        bail!(
            "{var} is set, but {feature} is not part of this build yet; unset it to use the embedded defaults"
        );
    }
    let file = match &args.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let automation = hotel_server::config::automation(&file.automation)?;
    let (alerts, notify) = hotel_server::config::alerting(&args, file, EnvSecrets::from_env())?;
    let broker = match args.mqtt_broker {
        Some(host) => BrokerChoice::External {
            host,
            port: args.mqtt_port,
            credentials: match (
                std::env::var("MQTT_USERNAME"),
                std::env::var("MQTT_PASSWORD"),
            ) {
                (Ok(u), Ok(p)) => Some((u, p)),
                _ => None,
            },
        },
        None => BrokerChoice::Embedded {
            mqtt: args.mqtt.0,
            ws: args.mqtt_ws.0,
            dev: args.dev,
        },
    };
    let config = ServerConfig {
        data_dir: args.data.path,
        http: args.http,
        broker,
        demo_rooms: args.demo.unwrap_or(0),
        legacy_slash_topics: args.legacy_slash_topics,
        retention: Duration::from_secs(u64::from(args.retention_days) * 86_400),
        rollup_retention: Duration::from_secs(u64::from(args.rollup_retention_days) * 86_400),
        admin_password: std::env::var("HOTEL_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty()),
        alerts,
        notify,
        automation,
    };
    let running = server::start(config).await?;
    if let Some(password) = &running.generated_admin_password {
        // Shown once, on the terminal, never through the log.
        let note = if std::io::stdout().is_terminal() {
            ""
        } else {
            " (store it now)"
        };
        println!("\nFirst start: created user 'admin' with password {password}{note}\n");
    }
    println!(
        "Staff API on http://{}  (GET /healthz, POST /api/auth/token)",
        running.http_addr
    );
    running.run_until_signal().await;
    Ok(())
}
