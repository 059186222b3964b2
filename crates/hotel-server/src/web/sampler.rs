//! The server's own metrics over the last hour, sampled every few seconds,
//! for the built-in "System health" and "MQTT traffic" dashboards: no
//! Prometheus or Grafana needed to see them.
//!
//! Counters are read from this server's Prometheus recorder (the same
//! numbers `/metrics` shows) and turned into rates; process CPU and memory
//! come from `/proc/self` (Linux; elsewhere they read as unknown).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hotel_core::protocol::RejectReason;
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::ingest::MESSAGE_KINDS;
use hotel_telemetry::sqlite::SqliteStore;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// How often a sample is taken.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Samples kept: one hour.
pub const KEEP: usize = 720;

/// One sample.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// When, Unix ms.
    pub t: i64,
    /// Process CPU over the last interval, % of one core.
    pub cpu_pct: Option<f64>,
    /// Resident memory, bytes.
    pub rss_bytes: Option<u64>,
    /// Database size, bytes.
    pub store_bytes: Option<u64>,
    /// Mean delay from receipt to commit of the readings stored in the
    /// last interval, ms.
    pub latency_ms: Option<f64>,
    /// Devices online.
    pub devices_online: f64,
    /// Accepted messages per second, by kind ([`MESSAGE_KINDS`] order).
    pub messages_per_s: Vec<f64>,
    /// Refused values per second, by reason ([`RejectReason::ALL`] order).
    pub rejected_per_s: Vec<f64>,
}

/// Raw counter values of the previous sample, to compute rates.
#[derive(Debug, Clone, Default)]
struct Counters {
    at: Option<Instant>,
    cpu_ticks: Option<f64>,
    messages: Vec<f64>,
    rejected: Vec<f64>,
    delay_sum: f64,
    delay_count: f64,
}

/// The ring of samples.
#[derive(Debug)]
pub struct Samples {
    ring: Mutex<VecDeque<Sample>>,
    started: Instant,
}

impl Default for Samples {
    fn default() -> Self {
        Self {
            ring: Mutex::new(VecDeque::with_capacity(KEEP)),
            started: Instant::now(),
        }
    }
}

impl Samples {
    /// Every sample kept, oldest first.
    pub fn all(&self) -> Vec<Sample> {
        self.lock().iter().cloned().collect()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<Sample> {
        self.lock().back().cloned()
    }

    /// Seconds since the server started.
    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    fn push(&self, sample: Sample) {
        let mut ring = self.lock();
        if ring.len() == KEEP {
            ring.pop_front();
        }
        ring.push_back(sample);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Sample>> {
        // A push or a copy cannot leave the ring inconsistent; recover.
        self.ring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Takes a sample every [`SAMPLE_EVERY`] until cancelled.
pub async fn run(state: AppState, store: SqliteStore, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    let mut previous = Counters::default();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let store_bytes = store.size_bytes().await.ok();
        let (sample, counters) = take(&state, &previous, store_bytes);
        previous = counters;
        state.metrics.with(|| {
            metrics::gauge!("hotel_uptime_seconds").set(state.web.samples.uptime_s() as f64);
            if let Some(rss) = sample.rss_bytes {
                metrics::gauge!("hotel_process_resident_bytes").set(rss as f64);
            }
            if let Some(size) = sample.store_bytes {
                metrics::gauge!("hotel_store_size_bytes").set(size as f64);
            }
        });
        state.web.samples.push(sample);
    }
}

fn take(state: &AppState, previous: &Counters, store_bytes: Option<u64>) -> (Sample, Counters) {
    let text = state.metrics.handle.render();
    let now = Instant::now();
    let counters = Counters {
        at: Some(now),
        cpu_ticks: cpu_ticks(),
        messages: MESSAGE_KINDS
            .iter()
            .map(|k| {
                metric(
                    &text,
                    &format!("hotel_telemetry_messages_total{{kind=\"{k}\"}}"),
                )
            })
            .collect(),
        rejected: RejectReason::ALL
            .iter()
            .map(|r| {
                metric(
                    &text,
                    &format!(
                        "hotel_telemetry_rejected_total{{reason=\"{}\"}}",
                        r.as_str()
                    ),
                )
            })
            .collect(),
        delay_sum: metric(&text, "hotel_ingest_delay_seconds_sum"),
        delay_count: metric(&text, "hotel_ingest_delay_seconds_count"),
    };
    let secs = previous
        .at
        .map(|at| now.duration_since(at).as_secs_f64())
        .filter(|s| *s > 0.0);
    let rates = |new: &[f64], old: &[f64]| -> Vec<f64> {
        new.iter()
            .enumerate()
            .map(|(i, n)| match (secs, old.get(i)) {
                (Some(s), Some(o)) => ((n - o) / s).max(0.0),
                _ => 0.0,
            })
            .collect()
    };
    let cpu_pct = match (secs, previous.cpu_ticks, counters.cpu_ticks) {
        (Some(s), Some(old), Some(new)) => Some((new - old) / clock_ticks_per_s() / s * 100.0),
        _ => None,
    };
    let stored = counters.delay_count - previous.delay_count;
    let latency_ms = (previous.at.is_some() && stored > 0.0)
        .then(|| (counters.delay_sum - previous.delay_sum) / stored * 1000.0);
    let sample = Sample {
        t: now_ms(),
        cpu_pct,
        rss_bytes: rss_bytes(),
        store_bytes,
        latency_ms,
        devices_online: metric(&text, "hotel_devices_online"),
        messages_per_s: rates(&counters.messages, &previous.messages),
        rejected_per_s: rates(&counters.rejected, &previous.rejected),
    };
    (sample, counters)
}

/// The value of one sample line of Prometheus text (0 when absent).
pub fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(sample) && l[sample.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Clock ticks per second of `/proc/self/stat` times (the kernel's
/// `USER_HZ`, told to each process at start).
#[cfg(target_os = "linux")]
fn clock_ticks_per_s() -> f64 {
    rustix::param::clock_ticks_per_second().max(1) as f64
}

/// Elsewhere there is no `/proc/self/stat`: [`cpu_ticks`] gives `None`, so
/// this rate is never used.
#[cfg(not(target_os = "linux"))]
fn clock_ticks_per_s() -> f64 {
    100.0
}

/// User plus system CPU time of this process, clock ticks.
fn cpu_ticks() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory of this process, bytes.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prometheus_samples_and_process_figures() {
        let text = "a_total{kind=\"x\"} 12\na_total{kind=\"xy\"} 5\nb 1.5\n";
        assert_eq!(metric(text, "a_total{kind=\"x\"}"), 12.0);
        assert_eq!(metric(text, "b"), 1.5);
        assert_eq!(metric(text, "c"), 0.0);
        if cfg!(target_os = "linux") {
            assert!(rss_bytes().is_some_and(|b| b > 0));
            assert!(cpu_ticks().is_some());
            assert!(clock_ticks_per_s() >= 1.0);
        }
    }

    #[test]
    fn ring_keeps_the_last_hour() {
        let samples = Samples::default();
        for t in 0..(KEEP as i64 + 5) {
            samples.push(Sample {
                t,
                cpu_pct: None,
                rss_bytes: None,
                store_bytes: None,
                latency_ms: None,
                devices_online: 0.0,
                messages_per_s: Vec::new(),
                rejected_per_s: Vec::new(),
            });
        }
        let all = samples.all();
        assert_eq!(all.len(), KEEP);
        assert_eq!(all[0].t, 5);
    }
}
