//! The state every HTTP handler shares.

use std::sync::Arc;

use hotel_core::store::{HotelStore, ReadingStore};
use hotel_core::transport::Publisher;
use hotel_telemetry::live::LiveRooms;

use crate::alert::AlertHub;
use metrics_exporter_prometheus::{PrometheusHandle, PrometheusRecorder};

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Every room's latest values.
    pub live: Arc<LiveRooms>,
    /// Rooms, accounts, sessions, devices, commands.
    pub records: Arc<dyn HotelStore>,
    /// The time series.
    pub readings: Arc<dyn ReadingStore>,
    /// Where control commands go.
    pub publisher: Arc<dyn Publisher>,
    /// This server's metrics.
    pub metrics: Arc<Metrics>,
    /// Publish commands on `/hotel/...` too.
    pub legacy_slash_topics: bool,
    /// Alerts, thresholds and notifications, shared with the alert engine.
    pub alerts: Arc<AlertHub>,
    /// Room automation: occupancy records and settings.
    pub automation: Arc<crate::automation::Automation>,
    /// The notification queue (shared with the alert engine).
    pub notify: Arc<crate::alert::notify::queue::NotifyQueue>,
    /// The configured notification channels, without secrets.
    pub channels: Arc<crate::alert::notify::ChannelSummary>,
    /// The dashboard's shared state: sign-in limiter, metric samples.
    pub web: Arc<crate::web::WebShared>,
}

/// This server's own metrics recorder (one per server, so that several
/// servers in one test process keep separate counts).
pub struct Metrics {
    /// Where metrics are recorded.
    pub recorder: PrometheusRecorder,
    /// Renders the Prometheus text.
    pub handle: PrometheusHandle,
}

impl Metrics {
    /// Runs `f` with this server's recorder as the `metrics` recorder.
    pub fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, f)
    }
}
