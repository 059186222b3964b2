//! The rooms overview: one card per room, problem rooms (open alert,
//! offline, no data) first, marked in text, filters by
//! floor, status and text; `js/overview.js` keeps the cards live over the
//! WebSocket.
//!
//! Rendered from the in-memory live view, never the store, so it stays
//! fast with a thousand rooms.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hotel_core::store::AlertQuery;
use hotel_core::{AlertKind, AlertLevel, RoomId};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::live::RoomView;
use maud::{Markup, html};
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::alerts::{kind_label, level_badge};
use crate::web::pages::{age, value};
use crate::web::session::{self, WebUser};

/// Filters of the overview.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// Only this floor.
    pub floor: Option<String>,
    /// `online`, `offline`, or all.
    pub status: Option<String>,
    /// Text the room id or name contains.
    pub q: Option<String>,
}

/// A room's status on the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Heard from before, silent or gone now (a problem).
    Offline,
    /// Never heard from.
    NoData,
    /// Reporting.
    Online,
}

impl Status {
    /// The status of a room.
    pub fn of(room: &RoomView) -> Self {
        if room.online {
            Status::Online
        } else if room.last_seen.is_none() {
            Status::NoData
        } else {
            Status::Offline
        }
    }

    /// Word used in markup and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Offline => "offline",
            Status::NoData => "nodata",
            Status::Online => "online",
        }
    }

    /// Translated label.
    pub fn label(self, tr: Tr) -> &'static str {
        match self {
            Status::Offline => tr.t("js.status.offline"),
            Status::NoData => tr.t("js.status.nodata"),
            Status::Online => tr.t("js.status.online"),
        }
    }
}

/// The floor of a room: its id without the last two characters when the id
/// is a number of three or more digits (`512` → `5`), else the part before
/// the first `-` (`B-217` → `B`), else none.
pub fn floor_of(id: &str) -> Option<&str> {
    if id.len() >= 3 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Some(&id[..id.len() - 2]);
    }
    id.split_once('-').map(|(f, _)| f).filter(|f| !f.is_empty())
}

/// `GET /rooms`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(Redirect::to(&session::home_of(&user)).into_response());
    }
    let open = state
        .alerts
        .store
        .alerts(&AlertQuery {
            open: Some(true),
            room: None,
            level: None,
            from_ms: None,
            to_ms: None,
            limit: crate::http::alerts::MAX_LIMIT,
        })
        .await?;
    // The most severe open alert of each room.
    let mut alerting: Alerting = HashMap::new();
    for a in &open {
        let worst = alerting.entry(a.room).or_insert((a.kind, a.level));
        if a.level > worst.1 {
            *worst = (a.kind, a.level);
        }
    }
    let now = now_ms();
    Ok(
        Html(render(&ctx, &user, state.live.views(now), &alerting, &filters, now).into_string())
            .into_response(),
    )
}

/// Rooms with an open alert: the kind and level of the most severe one.
pub type Alerting = HashMap<RoomId, (AlertKind, AlertLevel)>;

/// Renders the overview of `rooms` (exposed for the render benchmark).
pub fn render(
    ctx: &Ctx,
    user: &WebUser,
    rooms: Vec<RoomView>,
    alerting: &Alerting,
    filters: &Filters,
    now: i64,
) -> Markup {
    let tr = ctx.tr;
    let mut floors: Vec<&str> = rooms
        .iter()
        .filter_map(|r| floor_of(r.id.as_str()))
        .collect();
    floors.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    floors.dedup();
    let online = rooms.iter().filter(|r| r.online).count();
    let total = rooms.len();

    let q = filters
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    let floor = filters.floor.as_deref().filter(|f| !f.is_empty());
    let status = filters.status.as_deref().filter(|s| !s.is_empty());
    let mut shown: Vec<(Status, &RoomView)> = rooms
        .iter()
        .map(|r| (Status::of(r), r))
        .filter(|(_, r)| floor.is_none_or(|f| floor_of(r.id.as_str()) == Some(f)))
        .filter(|(s, r)| match status {
            Some("online") => *s == Status::Online,
            Some("offline") => *s != Status::Online || alerting.contains_key(&r.id),
            _ => true,
        })
        .filter(|(_, r)| {
            q.as_deref().is_none_or(|q| {
                r.id.as_str().to_lowercase().contains(q)
                    || r.name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(q))
            })
        })
        .collect();
    // Problems (an open alert, offline, no data) first, alerts first among
    // them; then by id (the live view is already ordered by id).
    shown.sort_by_key(|(s, r)| {
        let alert = alerting.get(&r.id).map(|(_, level)| *level);
        (
            alert.is_none() && *s == Status::Online,
            std::cmp::Reverse(alert),
            *s,
        )
    });
    let alerts = alerting.len();

    let content = html! {
        div.page-head {
            h1 { (tr.t("overview.title")) }
            p.summary {
                (tr.f("overview.count", &[("n", &total.to_string())])) " · "
                span.ok { (tr.f("overview.online", &[("n", &online.to_string())])) } " · "
                span.bad { (tr.f("overview.offline", &[("n", &(total - online).to_string())])) }
                @if alerts > 0 {
                    " · " a.bad href="/alerts" { (tr.f("overview.alerts", &[("n", &alerts.to_string())])) }
                }
            }
        }
        form.filters method="get" action="/rooms" role="search" {
            div.field {
                label for="q" { (tr.t("overview.search")) }
                input id="q" name="q" type="search" value=[filters.q.as_deref()]
                    placeholder=(tr.t("overview.search_hint"));
            }
            div.field {
                label for="floor" { (tr.t("overview.floor")) }
                select id="floor" name="floor" {
                    option value="" { (tr.t("overview.all_floors")) }
                    @for f in &floors {
                        option value=(f) selected[floor == Some(*f)] { (f) }
                    }
                }
            }
            div.field {
                label for="status" { (tr.t("overview.status")) }
                select id="status" name="status" {
                    option value="" { (tr.t("overview.any_status")) }
                    option value="offline" selected[status == Some("offline")] { (tr.t("overview.problems")) }
                    option value="online" selected[status == Some("online")] { (tr.t("js.status.online")) }
                }
            }
            button type="submit" { (tr.t("overview.apply")) }
        }
        @if shown.is_empty() {
            p.empty { (tr.t("overview.none")) }
        }
        ul.cards id="rooms" data-live="/live/rooms" aria-label=(tr.t("overview.title")) {
            @for (status, room) in &shown {
                (card(tr, room, *status, alerting.get(&room.id).copied(), now))
            }
        }
    };
    layout::page(
        ctx,
        Some(user),
        tr.t("overview.title"),
        Nav::Rooms,
        &["js/overview.js"],
        content,
    )
}

fn card(
    tr: Tr,
    room: &RoomView,
    status: Status,
    alert: Option<(AlertKind, AlertLevel)>,
    now: i64,
) -> Markup {
    let id = room.id.as_str();
    let reading_ms = room.reading_ts_ms;
    html! {
        li.card.room id={ "room-" (id) } data-room=(id) data-status=(status.as_str())
            data-alert=[alert.map(|(_, l)| l.as_str())] {
            div.card-head {
                h2 {
                    a href={ "/rooms/" (id) } {
                        (id)
                        @if let Some(name) = &room.name { span.name { " · " (name) } }
                    }
                }
                span.status data-f="status" data-status=(status.as_str()) {
                    span.dot aria-hidden="true" {} (status.label(tr))
                }
            }
            @if let Some((kind, level)) = alert {
                p.alert-mark {
                    (level_badge(tr, level)) " "
                    a href="/alerts" { (tr.f("overview.open_alert", &[("type", kind_label(tr, kind))])) }
                }
            }
            (readings(tr, room))
            p.age {
                (tr.t("room.last_reading")) " "
                span data-f="age" data-ms=[reading_ms] { (age(tr, reading_ms, now)) }
            }
        }
    }
}

/// The readings and settings of a room as a description list; elements
/// carry `data-f` so scripts can update them.
pub fn readings(tr: Tr, room: &RoomView) -> Markup {
    let word = |w: Option<&'static str>| w.map_or("–", |w| word_label(tr, w));
    let heating = room.heating.map(|h| if h { "on" } else { "off" });
    let has_flags = room.do_not_disturb == Some(true) || room.make_up_room == Some(true);
    html! {
        dl.readings {
            div.big { dt { (tr.t("js.metric.temperature")) } dd data-f="temperature" { (value(room.temperature, 1, "°C")) } }
            div { dt { (tr.t("js.metric.humidity")) } dd data-f="humidity" { (value(room.humidity, 0, "%")) } }
            div { dt { (tr.t("js.metric.light_percent")) } dd data-f="light_percent" { (value(room.light_percent, 0, "%")) } }
            div { dt { (tr.t("js.metric.gas_level")) } dd data-f="gas_level" { (value(room.gas_level, 0, "")) } }
            div { dt { (tr.t("js.metric.target_temp")) } dd data-f="target_temp" { (value(room.target_temp, 1, "°C")) } }
            div { dt { (tr.t("room.mode")) } dd data-f="climate_mode" { (word(room.climate_mode.map(|m| m.as_str()))) } }
            div { dt { (tr.t("room.fan")) } dd data-f="fan_speed" { (word(room.fan_speed.map(|m| m.as_str()))) } }
            div { dt { (tr.t("room.heating")) } dd data-f="heating" { (word(heating)) } }
            div { dt { (tr.t("room.occupancy")) } dd data-f="occupancy" { (occupancy_label(tr, room.occupancy)) } }
            // Always there, hidden without flags, so that the live script
            // can show a flag set after the page was loaded.
            div.flags hidden[!has_flags] {
                dt { (tr.t("room.flags")) }
                dd data-f="flags" {
                    @if room.do_not_disturb == Some(true) { span.flag { (tr.t("js.flag.dnd")) } " " }
                    @if room.make_up_room == Some(true) { span.flag { (tr.t("js.flag.make_up")) } }
                }
            }
        }
    }
}

/// The translated occupancy word, or a dash when unknown.
fn occupancy_label(tr: Tr, occupancy: Option<hotel_core::Occupancy>) -> &'static str {
    use hotel_core::Occupancy;
    match occupancy {
        Some(Occupancy::Vacant) => tr.t("js.occupancy.vacant"),
        Some(Occupancy::Booked) => tr.t("js.occupancy.booked"),
        Some(Occupancy::Occupied) => tr.t("js.occupancy.occupied"),
        Some(Occupancy::CheckedOut) => tr.t("js.occupancy.checked_out"),
        None => "–",
    }
}

/// The translated label of a device word (`auto`, `low`, `on`, …).
pub fn word_label(tr: Tr, word: &str) -> &'static str {
    match word {
        "auto" => tr.t("js.word.auto"),
        "manual" => tr.t("js.word.manual"),
        "off" => tr.t("js.word.off"),
        "on" => tr.t("js.word.on"),
        "low" => tr.t("js.word.low"),
        "medium" => tr.t("js.word.medium"),
        "high" => tr.t("js.word.high"),
        _ => "–",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: &str, online: bool) -> RoomView {
        RoomView {
            id: hotel_core::RoomId::parse(id).unwrap(),
            name: None,
            online,
            last_seen: Some("2024-12-04T08:13:00Z".to_owned()),
            temperature: Some(21.5),
            humidity: None,
            light_percent: None,
            gas_level: None,
            target_temp: None,
            climate_mode: None,
            fan_speed: None,
            light_mode: None,
            brightness: None,
            heating: None,
            occupancy: None,
            do_not_disturb: None,
            make_up_room: None,
            led1: None,
            led2: None,
            reading_ts_ms: Some(0),
        }
    }

    fn admin() -> WebUser {
        WebUser {
            username: "admin".to_owned(),
            access: hotel_core::Access {
                role: hotel_core::Role::Admin,
                room: None,
            },
            csrf: String::new(),
            session_sha256: String::new(),
        }
    }

    #[test]
    fn renders_a_thousand_rooms_with_problems_first() {
        let ctx = Ctx {
            tr: Tr::default_language(),
            theme: None,
        };
        let rooms: Vec<_> = (0..1000)
            .map(|i| view(&format!("{}{:02}", 1 + i / 50, i % 50), i != 999))
            .collect();
        let mut alerting = Alerting::new();
        alerting.insert(
            hotel_core::RoomId::parse("1010").unwrap(),
            (AlertKind::Gas, AlertLevel::Critical),
        );
        let html =
            render(&ctx, &admin(), rooms, &alerting, &Filters::default(), 1_000).into_string();
        assert_eq!(html.matches("class=\"card room\"").count(), 1000);
        let first = html.find("data-room=").unwrap();
        assert!(
            html[first..].starts_with("data-room=\"1010\""),
            "the room with an open alert comes first"
        );
        let second = first + 10 + html[first + 10..].find("data-room=").unwrap();
        assert!(
            html[second..].starts_with("data-room=\"2049\""),
            "then the offline room"
        );
        assert_eq!(html.matches("Open alert: Gas").count(), 1, "marked in text");
        let filtered = Filters {
            q: Some("<b>".to_owned()),
            ..Filters::default()
        };
        let html = render(
            &ctx,
            &admin(),
            vec![view("101", true)],
            &Alerting::new(),
            &filtered,
            0,
        )
        .into_string();
        assert!(
            html.contains("&lt;b&gt;") && !html.contains("<b>"),
            "search text is escaped"
        );
    }

    #[test]
    fn shows_occupancy_and_the_do_not_disturb_and_make_up_flags() {
        let tr = Tr::default_language();
        let mut room = view("101", true);
        let plain = readings(tr, &room).into_string();
        assert!(!plain.contains("Do not disturb") && !plain.contains("Make up room"));
        assert!(
            plain.contains(r#"<div class="flags" hidden>"#),
            "an empty flags row is there for the live script, hidden"
        );
        room.occupancy = Some(hotel_core::Occupancy::Occupied);
        room.do_not_disturb = Some(true);
        let html = readings(tr, &room).into_string();
        assert!(html.contains("occupied"));
        assert!(html.contains("Do not disturb") && !html.contains("Make up room"));
        assert!(html.contains(r#"<div class="flags">"#), "shown");
        room.do_not_disturb = Some(false);
        room.make_up_room = Some(true);
        let html = readings(tr, &room).into_string();
        assert!(!html.contains("Do not disturb") && html.contains("Make up room"));
    }

    #[test]
    fn the_live_script_gets_the_same_occupancy_words_and_flags() {
        use hotel_core::Occupancy;

        // common.js shows `occupancy.<word>` and `flag.*` from these texts.
        let tr = Tr::default_language();
        let texts: serde_json::Value = serde_json::from_str(&tr.script_texts_json()).unwrap();
        for occupancy in [
            Occupancy::Vacant,
            Occupancy::Booked,
            Occupancy::Occupied,
            Occupancy::CheckedOut,
        ] {
            let key = format!("occupancy.{}", occupancy.as_str());
            assert_eq!(texts[&key], occupancy_label(tr, Some(occupancy)), "{key}");
        }
        assert_eq!(texts["flag.dnd"], "Do not disturb");
        assert_eq!(texts["flag.make_up"], "Make up room");
    }

    #[test]
    fn finds_floors_of_numeric_and_dashed_ids() {
        assert_eq!(floor_of("512"), Some("5"));
        assert_eq!(floor_of("1204"), Some("12"));
        assert_eq!(floor_of("B-217"), Some("B"));
        assert_eq!(floor_of("42"), None);
        assert_eq!(floor_of("suite"), None);
    }
}
