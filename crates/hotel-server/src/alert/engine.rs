//! The alert engine: one task that applies the [rules](super::rules) to
//! every observation of the ingest and, on a timer, to the clock; keeps one
//! open alert per room and condition; stores, publishes on
//! `hotel/alerts/<type>`, pushes to WebSocket subscribers and queues
//! notifications; and sends a critical alert nobody acknowledged again.
//!
//! It receives observations through a bounded channel fed with `try_send`,
//! so a slow store or broker here never slows the ingest.

use std::collections::HashMap;
use std::sync::Arc;

use hotel_core::store::{AlertQuery, AlertRecord, StoreError};
use hotel_core::transport::Publisher;
use hotel_core::{AlertKind, AlertLevel, RoomId};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::ingest::Observation;
use hotel_telemetry::live::LiveRooms;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::notify::queue::NotifyQueue;
use super::notify::{about_alert, cleared};
use super::rules::{self, RoomRules, Verdict};
use super::{AlertHub, AlertSettings};

/// Observations waiting for the engine at most; past it the ingest drops
/// them (and counts the drops).
pub const OBSERVATION_CAPACITY: usize = 4_096;

/// Open alerts loaded at start at most.
const MAX_OPEN_LOADED: u32 = 100_000;

/// An open alert and when it was last notified.
struct Open {
    record: AlertRecord,
    last_notified_ms: i64,
}

/// The engine's state; [`AlertEngine::run`] drives it.
pub struct AlertEngine {
    hub: Arc<AlertHub>,
    publisher: Arc<dyn Publisher>,
    notify: Arc<NotifyQueue>,
    live: Arc<LiveRooms>,
    settings: AlertSettings,
    rooms: HashMap<RoomId, RoomRules>,
    open: HashMap<(RoomId, AlertKind), Open>,
}

impl AlertEngine {
    /// An engine; call [`AlertEngine::run`] to start it.
    pub fn new(
        hub: Arc<AlertHub>,
        publisher: Arc<dyn Publisher>,
        notify: Arc<NotifyQueue>,
        live: Arc<LiveRooms>,
        settings: AlertSettings,
    ) -> Self {
        Self {
            hub,
            publisher,
            notify,
            live,
            settings,
            rooms: HashMap::new(),
            open: HashMap::new(),
        }
    }

    /// Runs until `cancel` fires or the ingest stops.
    pub async fn run(
        mut self,
        mut observations: mpsc::Receiver<Observation>,
        cancel: CancellationToken,
    ) {
        self.restore().await;
        let mut tick = tokio::time::interval(self.settings.check_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                observation = observations.recv() => match observation {
                    Some(o) => self.observe(o).await,
                    None => break,
                },
                _ = tick.tick() => self.on_timer(now_ms()).await,
            }
        }
        tracing::debug!("alert engine stopped");
    }

    /// Picks up open alerts and device presence from before a restart, so
    /// an alert still open is continued rather than raised twice.
    async fn restore(&mut self) {
        for p in self.live.presence() {
            let rules = self.rooms.entry(p.room).or_default();
            rules.presence.last_heard_ms = p.last_seen_ms;
            rules.presence.said_offline = p.online_word == Some(false);
        }
        let query = AlertQuery {
            open: Some(true),
            limit: MAX_OPEN_LOADED,
            ..AlertQuery::default()
        };
        let open = match self.hub.store.alerts(&query).await {
            Ok(open) => open,
            Err(e) => {
                tracing::error!(error = %e, "could not load open alerts; they may be raised again");
                return;
            }
        };
        let now = now_ms();
        for record in open {
            let rules = self.rooms.entry(record.room).or_default();
            match record.kind {
                AlertKind::Gas => rules.gas = Some(record.level),
                AlertKind::Temperature => rules.temperature_out = true,
                AlertKind::Humidity => rules.humidity_out = true,
                AlertKind::SensorFault => rules.fault = true,
                AlertKind::Offline => {}
            }
            self.open.insert(
                (record.room, record.kind),
                Open {
                    record,
                    last_notified_ms: now,
                },
            );
        }
    }

    async fn observe(&mut self, observation: Observation) {
        let now = now_ms();
        match observation {
            Observation::Readings {
                room,
                ts_ms,
                received_ms,
                values,
            } => {
                let t = self.hub.thresholds.room(room);
                let rules = self.rooms.entry(room).or_default();
                rules.presence.heard(received_ms);
                let mut verdicts = rules.readings(&values, ts_ms, &t);
                verdicts.push(rules::offline(&rules.presence, now, &t));
                for verdict in verdicts {
                    self.apply(room, verdict, now).await;
                }
            }
            Observation::Heard { room, at_ms } => {
                let rules = self.rooms.entry(room).or_default();
                rules.presence.heard(at_ms);
                let verdict = rules::offline(&rules.presence, now, &self.hub.thresholds.room(room));
                self.apply(room, verdict, now).await;
            }
            Observation::Online {
                room,
                online,
                at_ms,
            } => {
                let rules = self.rooms.entry(room).or_default();
                rules.presence.online_word(online, at_ms);
                // A last will is confirmed by the next timer run (at most
                // `check_every` later), not at once: a device whose first
                // connection dropped as it reconnected (its will fired on
                // the way) says `online` right after and raises nothing.
                if online {
                    let t = self.hub.thresholds.room(room);
                    let verdict = rules::offline(&rules.presence, now, &t);
                    self.apply(room, verdict, now).await;
                }
            }
        }
    }

    /// The timer rules: offline by silence, and reminders of critical
    /// alerts nobody acknowledged.
    async fn on_timer(&mut self, now: i64) {
        // Rooms deleted by an admin take their alerts with them.
        let live = &self.live;
        self.rooms.retain(|room, _| live.contains(room));
        self.open.retain(|(room, _), _| live.contains(room));

        let offline: Vec<(RoomId, Verdict)> = self
            .rooms
            .iter()
            .map(|(room, rules)| {
                let t = self.hub.thresholds.room(*room);
                (*room, rules::offline(&rules.presence, now, &t))
            })
            .collect();
        for (room, verdict) in offline {
            self.apply(room, verdict, now).await;
        }

        let escalate_ms =
            i64::try_from(self.settings.escalate_after.as_millis()).unwrap_or(i64::MAX);
        let due: Vec<(RoomId, AlertKind)> = self
            .open
            .iter()
            .filter(|(_, o)| {
                o.record.level == AlertLevel::Critical
                    && o.record.acknowledged_by.is_none()
                    && now.saturating_sub(o.last_notified_ms) >= escalate_ms
            })
            .map(|(key, _)| *key)
            .collect();
        for key in due {
            self.remind(key, now).await;
        }
    }

    async fn remind(&mut self, key: (RoomId, AlertKind), now: i64) {
        let Some(open) = self.open.get_mut(&key) else {
            return;
        };
        match self.hub.store.alert(open.record.id).await {
            Ok(Some(stored)) if stored.acknowledged_by.is_some() => {
                open.record.acknowledged_by = stored.acknowledged_by;
                open.record.acknowledged_ms = stored.acknowledged_ms;
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not check acknowledgement; reminding anyway");
            }
        }
        open.last_notified_ms = now;
        tracing::info!(room = %key.0, alert = open.record.id, "critical alert not acknowledged; notifying again");
        let notification = about_alert(&open.record, &self.settings.public_url, true);
        self.notify.enqueue(&notification).await;
    }

    /// Turns a verdict into alert changes: open, change level, or end.
    async fn apply(&mut self, room: RoomId, verdict: Verdict, now: i64) {
        let key = (room, verdict.kind);
        match (self.open.get_mut(&key), verdict.level) {
            (None, None) => {}
            (Some(open), Some(level)) if level == open.record.level => {
                open.record.value = verdict.value;
            }
            (Some(open), Some(level)) => {
                let raised = level > open.record.level;
                open.record.level = level;
                open.record.message = verdict.message;
                open.record.value = verdict.value;
                if let Err(e) = self
                    .hub
                    .store
                    .update_alert(open.record.id, level, &open.record.message, verdict.value)
                    .await
                {
                    tracing::warn!(room = %room, error = %e, "could not update alert");
                }
                let record = open.record.clone();
                if raised {
                    open.last_notified_ms = now;
                }
                tracing::info!(room = %room, kind = %record.kind, level = %level, "alert level changed");
                self.announce(&record, &record.message).await;
                if raised && level >= self.settings.notify_min_level {
                    let n = about_alert(&record, &self.settings.public_url, false);
                    self.notify.enqueue(&n).await;
                }
            }
            (None, Some(level)) => {
                let mut record = AlertRecord {
                    id: 0,
                    room,
                    kind: verdict.kind,
                    level,
                    message: verdict.message,
                    value: verdict.value,
                    started_ms: now,
                    ended_ms: None,
                    acknowledged_by: None,
                    acknowledged_ms: None,
                };
                match self.hub.store.open_alert(&record).await {
                    Ok(id) => record.id = id,
                    Err(StoreError::Conflict) => {
                        tracing::warn!(room = %room, kind = %record.kind, "an open alert exists already; not raised twice");
                        return;
                    }
                    Err(e) => {
                        // Still announced and notified: a gas leak matters
                        // more than its record.
                        tracing::error!(room = %room, error = %e, "could not store alert");
                    }
                }
                tracing::warn!(room = %room, kind = %record.kind, level = %level, message = %record.message, "alert raised");
                self.announce(&record, &record.message).await;
                if level >= self.settings.notify_min_level {
                    let n = about_alert(&record, &self.settings.public_url, false);
                    self.notify.enqueue(&n).await;
                }
                self.open.insert(
                    key,
                    Open {
                        record,
                        last_notified_ms: now,
                    },
                );
            }
            (Some(_), None) => {
                let Some(Open { mut record, .. }) = self.open.remove(&key) else {
                    return;
                };
                record.ended_ms = Some(now);
                if let Err(e) = self.hub.store.end_alert(record.id, now).await {
                    tracing::warn!(room = %room, error = %e, "could not end alert");
                }
                tracing::info!(room = %room, kind = %record.kind, "alert cleared");
                let was = record.level;
                let mut announced = record.clone();
                announced.level = AlertLevel::Info;
                self.publish(&announced, &verdict.message).await;
                self.hub.push(&record);
                if was >= self.settings.notify_min_level {
                    let n = cleared(&record, &verdict.message, &self.settings.public_url);
                    self.notify.enqueue(&n).await;
                }
            }
        }
    }

    /// Publishes on MQTT and pushes to WebSocket subscribers.
    async fn announce(&self, record: &AlertRecord, message: &str) {
        self.publish(record, message).await;
        self.hub.push(record);
    }

    /// `hotel/alerts/<type>` with `{"room","level","message"}`, as the
    /// replaced stack published.
    async fn publish(&self, record: &AlertRecord, message: &str) {
        let topic = format!("hotel/alerts/{}", record.kind);
        let payload = json!({
            "room": record.room,
            "level": record.level,
            "message": message,
        })
        .to_string();
        if let Err(e) = self
            .publisher
            .publish(&topic, payload.as_bytes(), false)
            .await
        {
            tracing::warn!(room = %record.room, error = %e, "could not publish alert on MQTT");
        }
    }
}
