//! The live view of every room: latest values and settings, kept in memory
//! and pushed to subscribers (the WebSocket feeds) as each message is
//! ingested.
//!
//! It is the source of `GET /api/rooms/`; the store holds history and is
//! where the live view is reloaded from after a restart.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use hotel_core::protocol::Telemetry;
use hotel_core::store::{Latest, RoomRecord};
use hotel_core::{ClimateMode, DeviceState, FanSpeed, LightMode, Metric, Occupancy, RoomId};
use serde::Serialize;
use tokio::sync::broadcast;

/// A device is offline when nothing was heard from it for this long, ms.
pub const OFFLINE_AFTER_MS: i64 = 120_000;

/// Room updates buffered per slow WebSocket subscriber before it skips ahead.
const UPDATE_CAPACITY: usize = 1024;

/// What the server knows of one room right now.
#[derive(Debug, Clone, Default)]
struct RoomLive {
    name: Option<String>,
    values: [Option<(i64, f64)>; Metric::ALL.len()],
    state: DeviceState,
    light_mode: Option<LightMode>,
    brightness: Option<u8>,
    last_seen_ms: Option<i64>,
    online_word: Option<bool>,
    /// Occupancy as the room automation decided it (staff, kiosk or a
    /// device report it acted on); wins over `state.occupancy`.
    occupancy: Option<Occupancy>,
    messages: u64,
    dirty: bool,
}

/// A room as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomView {
    /// Room id.
    pub id: RoomId,
    /// Display name, if an admin set one.
    pub name: Option<String>,
    /// Whether the device is online: heard from within two minutes and no
    /// `offline` last will since.
    pub online: bool,
    /// When the device was last heard from (RFC 3339), if ever.
    pub last_seen: Option<String>,
    /// Latest temperature, °C.
    pub temperature: Option<f64>,
    /// Latest relative humidity, %.
    pub humidity: Option<f64>,
    /// Latest light level, %.
    pub light_percent: Option<f64>,
    /// Latest raw gas reading.
    pub gas_level: Option<f64>,
    /// Target temperature the device reports, °C.
    pub target_temp: Option<f64>,
    /// Thermostat mode.
    pub climate_mode: Option<ClimateMode>,
    /// Fan speed.
    pub fan_speed: Option<FanSpeed>,
    /// Light mode (reported, or else last commanded).
    pub light_mode: Option<LightMode>,
    /// Brightness last commanded, %.
    pub brightness: Option<u8>,
    /// Whether the heater runs.
    pub heating: Option<bool>,
    /// Occupancy: as the room automation holds it, or else as the device
    /// reported it.
    pub occupancy: Option<Occupancy>,
    /// Do-not-disturb, from the device or staff (the latest wins).
    pub do_not_disturb: Option<bool>,
    /// Make-up-room request, from the device or staff (the latest wins).
    pub make_up_room: Option<bool>,
    /// LED channel 1.
    pub led1: Option<bool>,
    /// LED channel 2.
    pub led2: Option<bool>,
    /// Time of the latest reading, Unix ms (for latency measurements).
    pub reading_ts_ms: Option<i64>,
}

/// When a room's device was last heard from, and its last `status/online`
/// word: what the offline rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presence {
    /// The room.
    pub room: RoomId,
    /// Last message of any kind, Unix ms.
    pub last_seen_ms: Option<i64>,
    /// The last `status/online` word, if any.
    pub online_word: Option<bool>,
}

/// Every room's live state, shared by the ingest and the API.
#[derive(Debug)]
pub struct LiveRooms {
    rooms: RwLock<HashMap<RoomId, RoomLive>>,
    updates: broadcast::Sender<Arc<RoomView>>,
}

impl Default for LiveRooms {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveRooms {
    /// An empty view.
    pub fn new() -> Self {
        Self {
            rooms: RwLock::new(HashMap::new()),
            updates: broadcast::channel(UPDATE_CAPACITY).0,
        }
    }

    /// Loads rooms and their latest values from the store, after a restart.
    pub fn load(&self, rooms: Vec<RoomRecord>, latest: Vec<Latest>) {
        let mut map = self.write();
        for record in rooms {
            map.insert(
                record.id,
                RoomLive {
                    name: record.name,
                    state: record.state,
                    light_mode: record.light_mode,
                    brightness: record.brightness,
                    last_seen_ms: record.last_seen_ms,
                    online_word: record.online,
                    ..RoomLive::default()
                },
            );
        }
        for l in latest {
            if let Some(room) = map.get_mut(&l.room) {
                room.values[l.metric.index()] = Some((l.ts_ms, l.value));
            }
        }
    }

    /// True when the room is known.
    pub fn contains(&self, room: &RoomId) -> bool {
        self.read().contains_key(room)
    }

    /// Adds a room (or renames it) without touching its values.
    pub fn put(&self, room: RoomId, name: Option<String>) {
        let view = {
            let mut map = self.write();
            let live = map.entry(room).or_default();
            live.name = name;
            view_of(room, live, crate::clock::now_ms())
        };
        let _ = self.updates.send(Arc::new(view));
    }

    /// Forgets a room.
    pub fn remove(&self, room: &RoomId) -> bool {
        self.write().remove(room).is_some()
    }

    /// Applies a telemetry message received at `received_ms`.
    pub fn apply(&self, room: RoomId, t: &Telemetry, received_ms: i64) {
        self.update(room, received_ms, |live| {
            for metric in Metric::ALL {
                if let Some(value) = t.values[metric.index()] {
                    let newer = live.values[metric.index()].is_none_or(|(ts, _)| ts <= t.ts_ms);
                    if newer {
                        live.values[metric.index()] = Some((t.ts_ms, value));
                    }
                }
            }
            live.state.merge(&t.state);
            if t.state.light_mode.is_some() {
                live.light_mode = t.state.light_mode;
            }
        });
    }

    /// Records that the device was heard from (heartbeat).
    pub fn touch(&self, room: RoomId, received_ms: i64) {
        self.update(room, received_ms, |_| {});
    }

    /// Records the device's `status/online` word.
    pub fn set_online(&self, room: RoomId, online: bool, received_ms: i64) {
        self.update(room, received_ms, |live| live.online_word = Some(online));
    }

    /// Records a light command that was sent.
    pub fn set_light_command(&self, room: RoomId, mode: Option<LightMode>, brightness: Option<u8>) {
        let view = {
            let mut map = self.write();
            let live = map.entry(room).or_default();
            if mode.is_some() {
                live.light_mode = mode;
            }
            if brightness.is_some() {
                live.brightness = brightness;
            }
            live.dirty = true;
            view_of(room, live, crate::clock::now_ms())
        };
        let _ = self.updates.send(Arc::new(view));
    }

    /// Records the occupancy the room automation holds for `room`.
    pub fn set_occupancy(&self, room: RoomId, occupancy: Occupancy) {
        self.change(room, |live| live.occupancy = Some(occupancy));
    }

    /// Records do-not-disturb and make-up-room flags set by staff; `None`
    /// keeps a flag as it is.
    pub fn set_flags(
        &self,
        room: RoomId,
        do_not_disturb: Option<bool>,
        make_up_room: Option<bool>,
    ) {
        self.change(room, |live| {
            live.state.merge(&DeviceState {
                do_not_disturb,
                make_up_room,
                ..DeviceState::default()
            });
        });
    }

    /// Every room's occupancy as its device last reported it, ordered by id.
    pub fn device_occupancy(&self) -> Vec<(RoomId, Option<Occupancy>)> {
        let mut out: Vec<_> = self
            .read()
            .iter()
            .map(|(id, live)| (*id, live.state.occupancy))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// The room as the API shows it.
    pub fn view(&self, room: &RoomId, now_ms: i64) -> Option<RoomView> {
        self.read()
            .get(room)
            .map(|live| view_of(*room, live, now_ms))
    }

    /// Every room, ordered by id.
    pub fn views(&self, now_ms: i64) -> Vec<RoomView> {
        let map = self.read();
        let mut views: Vec<_> = map
            .iter()
            .map(|(id, live)| view_of(*id, live, now_ms))
            .collect();
        views.sort_by_key(|v| v.id);
        views
    }

    /// How many devices count as online now.
    pub fn online_count(&self, now_ms: i64) -> usize {
        self.read()
            .values()
            .filter(|live| is_online(live, now_ms))
            .count()
    }

    /// Every room's presence, ordered by id.
    pub fn presence(&self) -> Vec<Presence> {
        let map = self.read();
        let mut out: Vec<_> = map
            .iter()
            .map(|(id, live)| Presence {
                room: *id,
                last_seen_ms: live.last_seen_ms,
                online_word: live.online_word,
            })
            .collect();
        out.sort_by_key(|p| p.room);
        out
    }

    /// The `n` rooms that sent the most messages since the server started,
    /// most first, with their counts. Bounded by the number of rooms.
    pub fn top_by_messages(&self, n: usize) -> Vec<(RoomId, u64)> {
        let mut counts: Vec<_> = self
            .read()
            .iter()
            .filter(|(_, live)| live.messages > 0)
            .map(|(id, live)| (*id, live.messages))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.truncate(n);
        counts
    }

    /// Subscribes to room updates.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RoomView>> {
        self.updates.subscribe()
    }

    /// Takes the records of rooms changed since the last call, for saving.
    pub fn take_dirty(&self) -> Vec<RoomRecord> {
        let mut map = self.write();
        map.iter_mut()
            .filter(|(_, live)| live.dirty)
            .map(|(id, live)| {
                live.dirty = false;
                RoomRecord {
                    id: *id,
                    name: live.name.clone(),
                    state: live.state,
                    light_mode: live.light_mode,
                    brightness: live.brightness,
                    last_seen_ms: live.last_seen_ms,
                    online: live.online_word,
                }
            })
            .collect()
    }

    /// Applies a change made by the server (not a device message) and pushes
    /// the new view.
    fn change(&self, room: RoomId, change: impl FnOnce(&mut RoomLive)) {
        let view = {
            let mut map = self.write();
            let live = map.entry(room).or_default();
            change(live);
            live.dirty = true;
            view_of(room, live, crate::clock::now_ms())
        };
        let _ = self.updates.send(Arc::new(view));
    }

    fn update(&self, room: RoomId, received_ms: i64, change: impl FnOnce(&mut RoomLive)) {
        let view = {
            let mut map = self.write();
            let live = map.entry(room).or_default();
            change(live);
            live.messages += 1;
            live.last_seen_ms = Some(
                live.last_seen_ms
                    .map_or(received_ms, |t| t.max(received_ms)),
            );
            live.dirty = true;
            if self.updates.receiver_count() == 0 {
                return;
            }
            view_of(room, live, received_ms)
        };
        let _ = self.updates.send(Arc::new(view));
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<RoomId, RoomLive>> {
        // A panic while holding the lock cannot leave the map half-updated in
        // a way that matters (each update is one field store), so recover.
        self.rooms
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<RoomId, RoomLive>> {
        self.rooms
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn is_online(live: &RoomLive, now_ms: i64) -> bool {
    live.online_word != Some(false)
        && live
            .last_seen_ms
            .is_some_and(|seen| now_ms - seen <= OFFLINE_AFTER_MS)
}

fn view_of(id: RoomId, live: &RoomLive, now_ms: i64) -> RoomView {
    let value = |m: Metric| live.values[m.index()].map(|(_, v)| v);
    RoomView {
        id,
        name: live.name.clone(),
        online: is_online(live, now_ms),
        last_seen: live.last_seen_ms.and_then(rfc3339),
        temperature: value(Metric::Temperature),
        humidity: value(Metric::Humidity),
        light_percent: value(Metric::LightPercent),
        gas_level: value(Metric::GasLevel),
        target_temp: value(Metric::TargetTemp),
        climate_mode: live.state.climate_mode,
        fan_speed: live.state.fan_speed,
        light_mode: live.light_mode,
        brightness: live.brightness,
        heating: live.state.heating,
        occupancy: live.occupancy.or(live.state.occupancy),
        do_not_disturb: live.state.do_not_disturb,
        make_up_room: live.state.make_up_room,
        led1: live.state.led1,
        led2: live.state.led2,
        reading_ts_ms: live.values.iter().flatten().map(|(ts, _)| *ts).max(),
    }
}

/// Formats Unix ms as RFC 3339 (UTC).
pub fn rfc3339(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str) -> RoomId {
        RoomId::parse(id).unwrap()
    }

    #[test]
    fn keeps_the_newest_value_per_metric() {
        let live = LiveRooms::new();
        let mut t = Telemetry::at(2_000);
        t.values[Metric::Temperature.index()] = Some(22.0);
        live.apply(room("101"), &t, 2_000);
        let mut older = Telemetry::at(1_000);
        older.values[Metric::Temperature.index()] = Some(10.0);
        older.values[Metric::Humidity.index()] = Some(40.0);
        live.apply(room("101"), &older, 2_100);
        let view = live.view(&room("101"), 2_100).unwrap();
        assert_eq!(view.temperature, Some(22.0));
        assert_eq!(view.humidity, Some(40.0));
    }

    #[test]
    fn goes_offline_on_last_will_and_on_silence() {
        let live = LiveRooms::new();
        live.touch(room("101"), 1_000);
        assert!(live.view(&room("101"), 1_000).unwrap().online);
        assert!(
            !live
                .view(&room("101"), 1_000 + OFFLINE_AFTER_MS + 1)
                .unwrap()
                .online
        );
        live.set_online(room("101"), false, 2_000);
        assert!(!live.view(&room("101"), 2_000).unwrap().online);
        live.set_online(room("101"), true, 3_000);
        assert_eq!(live.online_count(3_000), 1);
    }

    #[test]
    fn counts_messages_per_room_for_the_top_list() {
        let live = LiveRooms::new();
        live.touch(room("101"), 1_000);
        live.touch(room("102"), 1_000);
        live.touch(room("102"), 1_001);
        live.put(room("103"), None);
        assert_eq!(
            live.top_by_messages(5),
            vec![(room("102"), 2), (room("101"), 1)]
        );
        assert_eq!(live.top_by_messages(1).len(), 1);
    }

    #[test]
    fn automation_occupancy_wins_and_flags_merge() {
        let live = LiveRooms::new();
        let mut t = Telemetry::at(1_000);
        t.state.occupancy = Some(Occupancy::Occupied);
        t.state.do_not_disturb = Some(true);
        live.apply(room("101"), &t, 1_000);
        assert_eq!(
            live.device_occupancy(),
            vec![(room("101"), Some(Occupancy::Occupied))]
        );
        live.set_occupancy(room("101"), Occupancy::Vacant);
        live.set_flags(room("101"), None, Some(true));
        let view = live.view(&room("101"), 1_000).unwrap();
        assert_eq!(view.occupancy, Some(Occupancy::Vacant));
        assert_eq!(view.do_not_disturb, Some(true));
        assert_eq!(view.make_up_room, Some(true));
    }

    #[test]
    fn hands_out_changed_rooms_once() {
        let live = LiveRooms::new();
        live.touch(room("101"), 1_000);
        assert_eq!(live.take_dirty().len(), 1);
        assert!(live.take_dirty().is_empty());
    }
}
