//! The notification queue: one bounded queue and one worker per channel, with
//! retry, backoff and the channel's own `retry_after`.
//!
//! [`NotifyQueue::enqueue`] never waits on a channel: it records the
//! notification as pending and hands it over with `try_send`; a full queue
//! marks it failed at once. So a channel that is down, slow or rate limited
//! never holds up the alert engine, let alone the ingest. Every outcome is
//! in the store (the notification centre) and in `/metrics` as
//! `hotel_notifications_total{channel,outcome}`.

use std::sync::Arc;
use std::time::Duration;

use hotel_core::notify::{Notification, Notifier, NotifyError};
use hotel_core::store::{AlertStore, NotificationRecord, NotificationStatus};
use hotel_telemetry::clock::now_ms;
use metrics::Counter;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Notifications waiting per channel at most; past it they fail at once.
pub const QUEUE_CAPACITY: usize = 256;

/// How a channel's worker retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per notification, the first included.
    pub max_attempts: u32,
    /// Wait after the first failure to reach the channel; doubles each time.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// The longest `retry_after` honoured; a channel asking for more waits
    /// this long.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

struct Job {
    id: i64,
    notification: Notification,
}

struct Outcomes {
    sent: Counter,
    failed: Counter,
    retried: Counter,
    dropped: Counter,
}

impl Outcomes {
    fn register(channel: &'static str) -> Self {
        let c = |outcome: &'static str| metrics::counter!("hotel_notifications_total", "channel" => channel, "outcome" => outcome);
        Self {
            sent: c("sent"),
            failed: c("failed"),
            retried: c("retried"),
            dropped: c("dropped"),
        }
    }
}

struct Channel {
    name: &'static str,
    jobs: mpsc::Sender<Job>,
    outcomes: Arc<Outcomes>,
}

/// Every configured channel's queue. Cheap to share behind an `Arc`.
pub struct NotifyQueue {
    channels: Vec<Channel>,
    store: Arc<dyn AlertStore>,
}

impl NotifyQueue {
    /// Starts one worker per notifier. Call inside the server's metrics
    /// recorder scope so the counters land in its `/metrics`.
    pub fn start(
        notifiers: Vec<Arc<dyn Notifier>>,
        store: Arc<dyn AlertStore>,
        policy: RetryPolicy,
        cancel: &CancellationToken,
    ) -> (Self, Vec<JoinHandle<()>>) {
        let mut channels = Vec::new();
        let mut tasks = Vec::new();
        for notifier in notifiers {
            let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
            let outcomes = Arc::new(Outcomes::register(notifier.channel()));
            channels.push(Channel {
                name: notifier.channel(),
                jobs: tx,
                outcomes: outcomes.clone(),
            });
            tasks.push(tokio::spawn(run_worker(
                notifier,
                rx,
                store.clone(),
                policy,
                outcomes,
                cancel.clone(),
            )));
        }
        (Self { channels, store }, tasks)
    }

    /// True when no channel is configured.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Queues `notification` on every channel without waiting for delivery;
    /// returns the ids of the notification records, to follow their status.
    pub async fn enqueue(&self, notification: &Notification) -> Vec<i64> {
        let mut ids = Vec::with_capacity(self.channels.len());
        for channel in &self.channels {
            let now = now_ms();
            let record = NotificationRecord {
                id: 0,
                channel: channel.name.to_owned(),
                alert_id: notification.alert_id,
                room: notification.room,
                text: notification.text.clone(),
                status: NotificationStatus::Pending,
                attempts: 0,
                last_error: None,
                created_ms: now,
                updated_ms: now,
            };
            let id = match self.store.record_notification(&record).await {
                Ok(id) => id,
                Err(e) => {
                    tracing::warn!(channel = channel.name, error = %e, "could not record notification");
                    continue;
                }
            };
            ids.push(id);
            let job = Job {
                id,
                notification: notification.clone(),
            };
            if channel.jobs.try_send(job).is_err() {
                channel.outcomes.dropped.increment(1);
                tracing::warn!(channel = channel.name, "notification queue full; dropped");
                let _ = self
                    .store
                    .update_notification(
                        id,
                        NotificationStatus::Failed,
                        0,
                        Some("queue full"),
                        now_ms(),
                    )
                    .await;
            }
        }
        ids
    }
}

async fn run_worker(
    notifier: Arc<dyn Notifier>,
    mut jobs: mpsc::Receiver<Job>,
    store: Arc<dyn AlertStore>,
    policy: RetryPolicy,
    outcomes: Arc<Outcomes>,
    cancel: CancellationToken,
) {
    loop {
        let job = tokio::select! {
            () = cancel.cancelled() => return,
            job = jobs.recv() => match job {
                Some(job) => job,
                None => return,
            },
        };
        if !deliver(
            notifier.as_ref(),
            store.as_ref(),
            policy,
            &outcomes,
            &cancel,
            job,
        )
        .await
        {
            return;
        }
    }
}

/// Tries one notification until it is sent or given up; false when
/// cancelled meanwhile.
async fn deliver(
    notifier: &dyn Notifier,
    store: &dyn AlertStore,
    policy: RetryPolicy,
    outcomes: &Outcomes,
    cancel: &CancellationToken,
    job: Job,
) -> bool {
    let channel = notifier.channel();
    let mut backoff = policy.first_backoff;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let result = notifier.send(&job.notification).await;
        let (wait, error) = match result {
            Ok(()) => {
                outcomes.sent.increment(1);
                tracing::debug!(channel, id = job.id, "notification sent");
                save(store, job.id, NotificationStatus::Sent, attempts, None).await;
                return true;
            }
            Err(NotifyError::Refused(reason)) => {
                outcomes.failed.increment(1);
                tracing::warn!(channel, id = job.id, reason = %reason, "notification refused; not retried");
                save(
                    store,
                    job.id,
                    NotificationStatus::Failed,
                    attempts,
                    Some(&reason),
                )
                .await;
                return true;
            }
            Err(NotifyError::RetryAfter(secs)) => (
                Duration::from_secs(secs).min(policy.max_retry_after),
                format!("rate limited; retry after {secs} s"),
            ),
            Err(e) => {
                let wait = backoff;
                backoff = (backoff * 2).min(policy.max_backoff);
                (wait, error_chain(&e))
            }
        };
        if attempts >= policy.max_attempts {
            outcomes.failed.increment(1);
            tracing::warn!(channel, id = job.id, attempts, error = %error, "notification given up");
            save(
                store,
                job.id,
                NotificationStatus::Failed,
                attempts,
                Some(&error),
            )
            .await;
            return true;
        }
        outcomes.retried.increment(1);
        tracing::warn!(channel, id = job.id, attempts, error = %error, wait_ms = wait.as_millis() as u64, "notification failed; retrying");
        save(
            store,
            job.id,
            NotificationStatus::Pending,
            attempts,
            Some(&error),
        )
        .await;
        tokio::select! {
            () = cancel.cancelled() => return false,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn save(
    store: &dyn AlertStore,
    id: i64,
    status: NotificationStatus,
    attempts: u32,
    error: Option<&str>,
) {
    if let Err(e) = store
        .update_notification(id, status, attempts, error, now_ms())
        .await
    {
        tracing::warn!(id, error = %e, "could not save notification status");
    }
}

/// The error and its causes on one line (causes were stripped of URLs).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
