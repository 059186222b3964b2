//! The energy view (staff): hours each room's heater ran, per UTC day, so a
//! manager sees what the eco setback of empty rooms saves.
//!
//! A table of rooms by days with totals, the average per room and day by
//! the rooms' occupancy now, and a form for the range (whole UTC days, at
//! most 31). Reads without JavaScript.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hotel_core::Occupancy;
use hotel_telemetry::clock::now_ms;
use maud::{Markup, html};
use serde::Deserialize;

use crate::automation::energy::DAY_MS;
use crate::error::AppError;
use crate::http::automation::{Energy, energy_report};
use crate::state::AppState;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::session::{WebUser, forbidden};

/// Days shown when no range is given: the last seven, today included.
const DEFAULT_DAYS: i64 = 7;

/// Query of the energy page: first and last day, `YYYY-MM-DD` (UTC).
#[derive(Debug, Default, Deserialize)]
pub struct EnergyQuery {
    from: Option<String>,
    to: Option<String>,
}

/// A day of the range.
#[derive(Debug, Clone, Copy)]
struct Day {
    /// Midnight UTC, Unix ms.
    start: i64,
    /// The store held heating readings by the day's end, and the day has
    /// begun: its hours mean something, zero included.
    has_data: bool,
}

/// `GET /energy` (staff).
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(query): Query<EnergyQuery>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(forbidden());
    }
    let tr = ctx.tr;
    let today = now_ms().div_euclid(DAY_MS) * DAY_MS;
    let first = query
        .from
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(day_start);
    let last = query.to.as_deref().filter(|t| !t.is_empty()).map(day_start);
    let (first, last) = match (first, last) {
        (Some(None), _) | (_, Some(None)) => {
            return Ok(invalid(&ctx, &user, &query, "energy.error.date"));
        }
        (f, l) => {
            let last = l.flatten().unwrap_or(today);
            (
                f.flatten().unwrap_or(last - (DEFAULT_DAYS - 1) * DAY_MS),
                last,
            )
        }
    };
    let report = match energy_report(&state, first, last + DAY_MS).await {
        Ok(r) => r,
        Err(AppError::Invalid(_)) => return Ok(invalid(&ctx, &user, &query, "energy.error.range")),
        Err(other) => return Err(other),
    };
    let days: Vec<Day> = (0..)
        .map(|i| first + i * DAY_MS)
        .take_while(|d| *d <= last)
        .map(|start| Day {
            start,
            has_data: has_data(start, report.data_since_ms, today),
        })
        .collect();
    let content = html! {
        (head(tr, &day_text(first), &day_text(last), None))
        (table(tr, &report, &days))
        (by_occupancy(tr, &report, days.iter().filter(|d| d.has_data).count()))
    };
    Ok(Html(
        layout::page(
            &ctx,
            Some(&user),
            tr.t("energy.title"),
            Nav::Energy,
            &[],
            content,
        )
        .into_string(),
    )
    .into_response())
}

/// The page with the range form and why the range was refused.
fn invalid(ctx: &Ctx, user: &WebUser, query: &EnergyQuery, key: &'static str) -> Response {
    let tr = ctx.tr;
    let content = head(
        tr,
        query.from.as_deref().unwrap_or(""),
        query.to.as_deref().unwrap_or(""),
        Some(tr.t(key)),
    );
    let page = layout::page(
        ctx,
        Some(user),
        tr.t("energy.title"),
        Nav::Energy,
        &[],
        content,
    );
    (StatusCode::BAD_REQUEST, Html(page.into_string())).into_response()
}

fn head(tr: Tr, from: &str, to: &str, error: Option<&str>) -> Markup {
    html! {
        div.page-head {
            h1 { (tr.t("energy.title")) }
        }
        p { (tr.t("energy.intro")) }
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
        form.row-form method="get" action="/energy" {
            div.field {
                label for="energy-from" { (tr.t("energy.from")) }
                input id="energy-from" name="from" type="date" value=(from);
            }
            div.field {
                label for="energy-to" { (tr.t("energy.to")) }
                input id="energy-to" name="to" type="date" value=(to);
            }
            button type="submit" { (tr.t("energy.show")) }
        }
    }
}

/// Whether the day starting at `start` has data: it ends after the oldest
/// heating reading (`since`) and starts no later than `today`.
fn has_data(start: i64, since: Option<i64>, today: i64) -> bool {
    since.is_some_and(|since| start + DAY_MS > since) && start <= today
}

/// Rooms by days, the most heated room first, with totals.
fn table(tr: Tr, report: &Energy, days: &[Day]) -> Markup {
    let mut rooms: Vec<_> = report.rooms.iter().collect();
    // By the total as shown, so that equal totals fall back to the room id.
    rooms.sort_by(|a, b| {
        tenths(b.heating_hours)
            .cmp(&tenths(a.heating_hours))
            .then(a.room.cmp(&b.room))
    });
    let mut per_day: BTreeMap<String, f64> = BTreeMap::new();
    for room in &rooms {
        for d in &room.days {
            *per_day.entry(d.day.clone()).or_default() += d.heating_hours;
        }
    }
    let total: f64 = rooms.iter().map(|r| r.heating_hours).sum();
    html! {
        section.panel aria-labelledby="energy-h" {
            h2 id="energy-h" { (tr.t("energy.hours")) }
            @if rooms.is_empty() {
                p.muted { (tr.t("energy.no_rooms")) }
            } @else {
                div.table-wrap { table.energy {
                    thead { tr {
                        th scope="col" { (tr.t("alerts.room")) }
                        th scope="col" { (tr.t("room.occupancy")) }
                        @for d in days { th scope="col" { (short_day(d.start)) } }
                        th scope="col" { (tr.t("energy.total")) }
                    } }
                    tbody {
                        @for room in &rooms {
                            tr data-room=(room.room.as_str()) {
                                th scope="row" { a href={ "/rooms/" (room.room.as_str()) } { (room.room.as_str()) } }
                                td { (occupancy_word(tr, room.occupancy)) }
                                @for d in days {
                                    @if d.has_data {
                                        @let text = day_text(d.start);
                                        td.num { (hours(room.days.iter().find(|x| x.day == text).map_or(0.0, |x| x.heating_hours))) }
                                    } @else {
                                        td.num.muted data-nodata { (tr.t("energy.no_data")) }
                                    }
                                }
                                td.num data-total=(format!("{:.2}", room.heating_hours)) {
                                    strong { (hours(room.heating_hours)) }
                                    @if room.truncated { " " span.badge.warn title=(tr.t("energy.truncated")) { "!" } }
                                }
                            }
                        }
                    }
                    tfoot { tr {
                        th scope="row" colspan="2" { (tr.t("energy.all_rooms")) }
                        @for d in days {
                            @if d.has_data {
                                td.num { (hours(per_day.get(&day_text(d.start)).copied().unwrap_or(0.0))) }
                            } @else {
                                td.num.muted { (tr.t("energy.no_data")) }
                            }
                        }
                        td.num { strong { (hours(total)) } }
                    } }
                } }
            }
        }
    }
}

/// The average heating per room and day, by the rooms' occupancy now, over
/// the `days` with data.
fn by_occupancy(tr: Tr, report: &Energy, days: usize) -> Markup {
    let groups = [
        (Some(Occupancy::Occupied), tr.t("js.occupancy.occupied")),
        (Some(Occupancy::Booked), tr.t("js.occupancy.booked")),
        (Some(Occupancy::Vacant), tr.t("js.occupancy.vacant")),
        (
            Some(Occupancy::CheckedOut),
            tr.t("js.occupancy.checked_out"),
        ),
        (None, tr.t("energy.occupancy_unknown")),
    ];
    let rows: Vec<_> = groups
        .iter()
        .filter_map(|(state, label)| {
            let hours: Vec<f64> = report
                .rooms
                .iter()
                .filter(|r| r.occupancy == *state)
                .map(|r| r.heating_hours)
                .collect();
            (!hours.is_empty()).then(|| {
                let average =
                    (days > 0).then(|| hours.iter().sum::<f64>() / (hours.len() * days) as f64);
                (*label, hours.len(), average)
            })
        })
        .collect();
    html! {
        section.panel aria-labelledby="by-state-h" {
            h2 id="by-state-h" { (tr.t("energy.by_state")) }
            p.muted { (tr.t("energy.by_state_hint")) }
            @if rows.is_empty() {
                p.muted { (tr.t("energy.no_rooms")) }
            } @else {
                ul.tiles {
                    @for (label, count, average) in rows {
                        li.tile {
                            span.label { (label) " · " (rooms_count(tr, count)) }
                            span.value {
                                @if let Some(average) = average {
                                    (tr.f("energy.per_day", &[("hours", &hours(average))]))
                                } @else {
                                    (tr.t("energy.no_data"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// "1 room", "2 rooms".
fn rooms_count(tr: Tr, count: usize) -> String {
    let key = if count == 1 {
        "energy.rooms_count_one"
    } else {
        "energy.rooms_count"
    };
    tr.f(key, &[("n", &count.to_string())])
}

fn occupancy_word(tr: Tr, occupancy: Option<Occupancy>) -> &'static str {
    match occupancy {
        Some(Occupancy::Vacant) => tr.t("js.occupancy.vacant"),
        Some(Occupancy::Booked) => tr.t("js.occupancy.booked"),
        Some(Occupancy::Occupied) => tr.t("js.occupancy.occupied"),
        Some(Occupancy::CheckedOut) => tr.t("js.occupancy.checked_out"),
        _ => "–",
    }
}

/// Midnight UTC of a `YYYY-MM-DD` day, ms.
fn day_start(text: &str) -> Option<i64> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    format!("{date}T00:00:00Z")
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
}

/// `YYYY-MM-DD` of a day's start.
fn day_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `Dec 04` of a day's start.
fn short_day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%b %d").to_string())
        .unwrap_or_default()
}

/// Hours with one decimal, as `3.5 h`.
fn hours(h: f64) -> String {
    let t = tenths(h);
    format!("{}.{} h", t / 10, t % 10)
}

/// Hours in whole tenths, as [`hours`] shows them (never negative).
fn tenths(h: f64) -> i64 {
    (h.max(0.0) * 10.0).round() as i64
}

#[cfg(test)]
mod tests {
    use hotel_core::RoomId;

    use super::*;
    use crate::http::automation::{DayEnergy, RoomEnergy};

    /// 2024-12-04T00:00:00Z.
    const DAY: i64 = 1_733_270_400_000;

    fn room(id: &str, heating_hours: f64, occupancy: Option<Occupancy>) -> RoomEnergy {
        RoomEnergy {
            room: RoomId::parse(id).unwrap(),
            occupancy,
            heating_hours,
            days: vec![DayEnergy {
                day: day_text(DAY),
                heating_hours,
            }],
            truncated: false,
        }
    }

    fn energy(rooms: Vec<RoomEnergy>, data_since_ms: Option<i64>) -> Energy {
        Energy {
            from: None,
            to: None,
            data_since: None,
            data_since_ms,
            rooms,
        }
    }

    fn order(html: &str) -> Vec<&str> {
        html.split(r#"<tr data-room=""#)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect()
    }

    #[test]
    fn rooms_are_ordered_by_total_as_shown_then_by_id() {
        let tr = Tr::default_language();
        // 0.16 h, 1/6 h and 0.2 h all show as 0.2 h.
        let report = energy(
            vec![
                room("103", 0.16, None),
                room("101", 1.0 / 6.0, None),
                room("104", 2.0, None),
                room("102", 0.2, None),
            ],
            Some(DAY),
        );
        let days = [Day {
            start: DAY,
            has_data: true,
        }];
        for _ in 0..3 {
            let html = table(tr, &report, &days).into_string();
            assert_eq!(order(&html), ["104", "101", "102", "103"]);
        }
    }

    #[test]
    fn days_before_any_data_show_no_data_and_do_not_count_in_averages() {
        let tr = Tr::default_language();
        let since = DAY + 3_600_000;
        let today = DAY + 3 * DAY_MS;
        assert!(!has_data(DAY - DAY_MS, Some(since), today), "before");
        assert!(has_data(DAY, Some(since), today), "the first day");
        assert!(has_data(today, Some(since), today), "today");
        assert!(!has_data(today + DAY_MS, Some(since), today), "tomorrow");
        assert!(!has_data(DAY, None, today), "no data at all");

        let report = energy(
            vec![room("101", 2.0, Some(Occupancy::Occupied))],
            Some(since),
        );
        let days = [
            Day {
                start: DAY - DAY_MS,
                has_data: false,
            },
            Day {
                start: DAY,
                has_data: true,
            },
        ];
        let html = table(tr, &report, &days).into_string();
        assert_eq!(
            html.matches("no data").count(),
            2,
            "the room's and the total's"
        );
        assert_eq!(
            html.matches("2.0 h").count(),
            4,
            "the day and the total, twice"
        );

        let html = by_occupancy(tr, &report, 1).into_string();
        assert!(html.contains("occupied · 1 room<"), "{html}");
        assert!(html.contains("2.0 h a day"), "over the one day with data");
        let html = by_occupancy(tr, &report, 0).into_string();
        assert!(
            html.contains("no data") && !html.contains("a day"),
            "{html}"
        );

        let two = energy(
            vec![
                room("101", 2.0, Some(Occupancy::Occupied)),
                room("102", 1.0, Some(Occupancy::Occupied)),
            ],
            Some(since),
        );
        let html = by_occupancy(tr, &two, 1).into_string();
        assert!(html.contains("occupied · 2 rooms<") && html.contains("1.5 h a day"));
    }

    #[test]
    fn days_are_read_as_utc_midnights() {
        assert_eq!(day_start("2024-12-04"), Some(1_733_270_400_000));
        assert_eq!(day_text(1_733_270_400_000), "2024-12-04");
        assert_eq!(short_day(1_733_270_400_000), "Dec 04");
        assert_eq!(day_start("2024-13-01"), None);
        assert_eq!(day_start("yesterday"), None);
    }
}
