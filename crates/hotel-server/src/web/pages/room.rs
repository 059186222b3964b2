//! A room: live values, history charts, controls with acknowledgement, and
//! the command and alert histories; plus the JSON and WebSocket endpoints its script
//! uses (signed in by the session cookie).

use axum::Form;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use hotel_core::store::{AlertQuery, GuestLimits};
use hotel_core::{ClimateMode, ControlCommand, FanSpeed, LightMode, RoomId};
use hotel_telemetry::clock::now_ms;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::control;
use crate::error::AppError;
use crate::http::rooms::{self, HistoryParams, parse_time};
use crate::state::AppState;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::alerts::alert_table;
use crate::web::pages::occupancy;
use crate::web::pages::overview::{Status, readings, word_label};
use crate::web::pages::{age, error_markup, timestamp};
use crate::web::session::{WebUser, forbidden};

/// Preset chart ranges: (query word, ms).
pub const RANGES: [(&str, i64); 4] = [
    ("1h", 3_600_000),
    ("24h", 86_400_000),
    ("7d", 7 * 86_400_000),
    ("30d", 30 * 86_400_000),
];

/// Commands shown in the room's history.
const HISTORY_ROWS: u32 = 20;

/// Query of the room page.
#[derive(Debug, Default, Deserialize)]
pub struct RoomQuery {
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sent: Option<String>,
    failed: Option<String>,
}

/// A control form as posted.
#[derive(Debug, Deserialize)]
pub struct ControlForm {
    kind: String,
    value: Option<String>,
    brightness: Option<String>,
}

/// `GET /rooms/<id>`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Path(id): Path<String>,
    Query(query): Query<RoomQuery>,
) -> Result<Response, AppError> {
    let tr = ctx.tr;
    let Ok(room) = RoomId::parse(&id) else {
        return Ok(not_found(&ctx, &user));
    };
    if !user.access.allows_room(&room) {
        return Ok(forbidden_page(&ctx, &user));
    }
    let now = now_ms();
    let Some(view) = state.live.view(&room, now) else {
        return Ok(not_found(&ctx, &user));
    };
    let limits = if user.is_guest() {
        state.records.guest_limits(&user.username).await?
    } else {
        None
    };
    let commands = state.records.commands(room, HISTORY_ROWS).await?;
    let alerts = state
        .alerts
        .store
        .alerts(&AlertQuery {
            open: None,
            room: Some(room),
            level: None,
            from_ms: None,
            to_ms: None,
            limit: HISTORY_ROWS,
        })
        .await?;
    let stay_check_in = match state.automation.record(room).await {
        Some(record) if !user.is_guest() => record.check_in_ms,
        _ => None,
    };
    let (from_ms, to_ms, range) = chart_range(&query, now);
    let status = Status::of(&view);

    let content = html! {
        div.page-head {
            @if !user.is_guest() {
                p.crumbs { a href="/rooms" { "← " (tr.t("overview.title")) } }
            }
            h1 {
                (tr.f("room.title", &[("id", room.as_str())]))
                @if let Some(name) = &view.name { span.name { " · " (name) } }
            }
            span.status data-f="status" data-status=(status.as_str()) {
                span.dot aria-hidden="true" {} (status.label(tr))
            }
        }
        section.panel id="live" data-room=(room.as_str()) data-live={ "/live/rooms/" (room.as_str()) }
            aria-labelledby="live-h" {
            h2 id="live-h" { (tr.t("room.now")) }
            (readings(tr, &view))
            p.age {
                (tr.t("room.last_reading")) " "
                span data-f="age" data-ms=[view.reading_ts_ms] { (age(tr, view.reading_ts_ms, now)) }
            }
        }
        section.panel id="controls" aria-labelledby="controls-h" {
            h2 id="controls-h" { (tr.t("room.controls")) }
            @if let Some(kind) = query.sent.as_deref().filter(|k| !occupancy::OUTCOMES.contains(k)) {
                p.notice role="status" { (tr.f("room.sent_nojs", &[("what", kind_label(tr, kind))])) }
            }
            @if let Some(reason) = query.failed.as_deref().filter(|k| !occupancy::OUTCOMES.contains(k)) {
                p.error role="alert" { (failure_text(tr, reason)) }
            }
            div.controls {
                (control_form(tr, &user, room, "target", tr.t("room.target"), target_input(tr, view.target_temp, limits)))
                (control_form(tr, &user, room, "climate", tr.t("room.mode"),
                    select("climate", &words(ClimateMode::ALL, ClimateMode::as_str), view.climate_mode.map(ClimateMode::as_str), tr)))
                (control_form(tr, &user, room, "fan", tr.t("room.fan"),
                    select("fan", &fan_choices(), view.fan_speed.map(FanSpeed::as_str), tr)))
                (control_form(tr, &user, room, "light", tr.t("room.light"), html! {
                    (select("light", &words(LightMode::ALL, LightMode::as_str), view.light_mode.map(LightMode::as_str), tr))
                    div.field {
                        label for="light-brightness" { (tr.t("room.brightness")) }
                        input id="light-brightness" name="brightness" type="number" min="0" max="100" step="1"
                            inputmode="numeric" value=(view.brightness.unwrap_or(100));
                    }
                }))
            }
        }
        section.panel id="charts" aria-labelledby="charts-h"
            data-history={ "/rooms/" (room.as_str()) "/history.json" }
            data-from=(from_ms) data-to=(to_ms) {
            h2 id="charts-h" { (tr.t("room.history")) }
            nav.ranges aria-label=(tr.t("room.range")) {
                @for (word, _) in RANGES {
                    a href={ "?range=" (word) "#charts" } aria-current=[(range == word).then_some("true")] {
                        (range_label(tr, word))
                    }
                }
            }
            form.custom-range method="get" action={ "/rooms/" (room.as_str()) } {
                div.field {
                    label for="from" { (tr.t("room.from")) }
                    input id="from" name="from" type="datetime-local" value=(local_input(from_ms));
                }
                div.field {
                    label for="to" { (tr.t("room.to")) }
                    input id="to" name="to" type="datetime-local" value=(local_input(to_ms));
                }
                button type="submit" { (tr.t("room.show")) }
            }
            noscript { p.muted { (tr.t("room.charts_need_js")) } }
            div.charts {
                @for (sensor, key) in [("temperature", "js.metric.temperature"), ("humidity", "js.metric.humidity"),
                                        ("light_percent", "js.metric.light_percent"), ("gas_level", "js.metric.gas_level")] {
                    figure.chart {
                        figcaption { (tr.t(key)) }
                        div.plot data-sensor=(sensor) role="img" aria-label=(tr.t(key)) {}
                    }
                }
            }
        }
        @if !user.is_guest() {
            (occupancy::panel(tr, &user, &view, stay_check_in, query.sent.as_deref(), query.failed.as_deref()))
        }
        div.two {
            section.panel id="commands" aria-labelledby="commands-h" {
                h2 id="commands-h" { (tr.t("room.commands")) }
                @if commands.is_empty() {
                    p.muted { (tr.t("room.no_commands")) }
                } @else {
                    div.table-wrap {
                        table {
                            thead { tr { th scope="col" { (tr.t("room.when")) } th scope="col" { (tr.t("room.who")) } th scope="col" { (tr.t("room.what")) } } }
                            tbody {
                                @for c in &commands {
                                    tr {
                                        td { (timestamp(c.sent_ms)) }
                                        td { (c.sent_by) }
                                        td { (command_label(tr, &c.command)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.panel id="alerts" aria-labelledby="alerts-h" {
                h2 id="alerts-h" { (tr.t("alerts.history")) }
                @if alerts.is_empty() {
                    p.muted { (tr.t("alerts.no_history")) }
                } @else {
                    (alert_table(tr, &alerts, None))
                }
                @if !user.is_guest() {
                    p { a href={ "/thresholds/" (room.as_str()) } { (tr.t("thresholds.room_link")) } }
                }
            }
        }
    };
    let title = tr.f("room.title", &[("id", room.as_str())]);
    let page = layout::page(
        &ctx,
        Some(&user),
        &title,
        Nav::Rooms,
        &[layout::UPLOT_JS, "js/room.js"],
        content,
    );
    Ok(Html(page.into_string()).into_response())
}

/// `POST /rooms/<id>/control`: sends one control; scripts get JSON, forms a
/// redirect back to the room.
pub async fn control(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ControlForm>,
) -> Result<Response, AppError> {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let room = rooms::visible_room(&state, &user.caller(), &id)?;
    let back = |q: String| Redirect::to(&format!("/rooms/{room}?{q}#controls")).into_response();
    let commands = match parse_control(&form) {
        Ok(c) => c,
        Err(reason) if wants_json => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": reason })),
            )
                .into_response());
        }
        Err(reason) => return Ok(back(format!("failed={reason}"))),
    };
    let mut sent_ms = 0;
    for command in commands {
        let result = async {
            control::check_guest_limits(&state, &user.access, &user.username, &command).await?;
            control::send(&state, room, command, &user.username).await
        }
        .await;
        match result {
            Ok(record) => sent_ms = record.sent_ms,
            Err(e) => {
                let reason = match e {
                    AppError::Invalid(_) => "limit",
                    AppError::Unavailable(_) => "broker",
                    other => return Err(other),
                };
                if wants_json {
                    return Ok((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(json!({ "error": reason })),
                    )
                        .into_response());
                }
                return Ok(back(format!("failed={reason}")));
            }
        }
    }
    if wants_json {
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "sent_ms": sent_ms, "kind": form.kind })),
        )
            .into_response());
    }
    Ok(back(format!("sent={}", form.kind)))
}

/// `GET /rooms/<id>/history.json`: the history API for the page's script.
pub async fn history(
    state: State<AppState>,
    user: WebUser,
    path: Path<String>,
    query: Query<HistoryParams>,
) -> Result<Response, AppError> {
    rooms::history(state, user.caller(), path, query)
        .await
        .map(IntoResponse::into_response)
}

/// `GET /live/rooms`: the rooms feed for the overview's script.
pub async fn live_all(
    state: State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers) {
        return forbidden();
    }
    crate::http::ws::rooms(state, user.caller(), ws).await
}

/// `GET /live/rooms/<id>`: one room's feed for the room page's script.
pub async fn live_one(
    state: State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    path: Path<String>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if !same_origin(&headers) {
        return Ok(forbidden());
    }
    crate::http::ws::room(state, user.caller(), path, ws).await
}

/// A WebSocket authenticated by cookie must come from our own pages: the
/// browser sends `Origin`, which must name the host the request went to.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).map(|v| v.to_str().ok()) {
        None => true,
        Some(Some(origin)) => {
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            host.is_some() && origin_host == host
        }
        Some(None) => false,
    }
}

fn parse_control(form: &ControlForm) -> Result<Vec<ControlCommand>, &'static str> {
    let value = form.value.as_deref().map(str::trim).unwrap_or("");
    let command = match form.kind.as_str() {
        "target" => {
            let celsius: f64 = value.parse().map_err(|_| "range")?;
            ControlCommand::target_temperature(celsius).map_err(|_| "range")?
        }
        "climate" => ControlCommand::ClimateMode(ClimateMode::parse_word(value).ok_or("range")?),
        "fan" => ControlCommand::fan_speed(FanSpeed::parse_word(value).ok_or("range")?)
            .map_err(|_| "range")?,
        "light" => {
            let mode = LightMode::parse_word(value).ok_or("range")?;
            let mut commands = vec![ControlCommand::LightMode(mode)];
            if let Some(b) = form
                .brightness
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
            {
                let pct: u8 = b.parse().map_err(|_| "range")?;
                commands.push(ControlCommand::luminosity(pct).map_err(|_| "range")?);
            }
            return Ok(commands);
        }
        _ => return Err("range"),
    };
    Ok(vec![command])
}

fn chart_range(query: &RoomQuery, now: i64) -> (i64, i64, &'static str) {
    let custom_from = query.from.as_deref().and_then(parse_local);
    let custom_to = query.to.as_deref().and_then(parse_local);
    if let (Some(from), Some(to)) = (custom_from, custom_to)
        && from < to
    {
        return (from, to, "custom");
    }
    let (word, span) = RANGES
        .iter()
        .find(|(w, _)| query.range.as_deref() == Some(*w))
        .copied()
        .unwrap_or(RANGES[1]);
    (now - span, now, word)
}

/// A `datetime-local` value (taken as UTC), or anything the API accepts.
pub(crate) fn parse_local(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 16 && text.as_bytes().get(10) == Some(&b'T') {
        return parse_time(&format!("{text}:00Z"));
    }
    parse_time(text)
}

pub(crate) fn local_input(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn control_form(
    tr: Tr,
    user: &WebUser,
    room: RoomId,
    kind: &str,
    legend: &str,
    inputs: Markup,
) -> Markup {
    html! {
        form.control method="post" action={ "/rooms/" (room.as_str()) "/control" } data-kind=(kind) {
            fieldset {
                legend { (legend) }
                input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                input type="hidden" name="kind" value=(kind);
                (inputs)
                div.actions {
                    button.primary type="submit" { (tr.t("room.send")) }
                    output.feedback aria-live="polite" {}
                }
            }
        }
    }
}

fn target_input(tr: Tr, current: Option<f64>, limits: Option<GuestLimits>) -> Markup {
    let (min, max) = limits.map_or((10.0, 32.0), |l| (l.target_min_c, l.target_max_c));
    let value = current.unwrap_or(22.0).clamp(min, max);
    html! {
        div.field {
            label for="target-value" { (tr.t("room.target_c")) }
            input id="target-value" name="value" type="number" min=(min) max=(max) step="0.5"
                inputmode="decimal" value=(value) aria-describedby="target-hint";
            small id="target-hint" { (tr.f("room.target_hint", &[("min", &min.to_string()), ("max", &max.to_string())])) }
        }
    }
}

/// The protocol words of `all`.
fn words<T: Copy>(all: &[T], word: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().copied().map(word).collect()
}

/// The fan speeds a control command accepts (devices also report `off`,
/// which cannot be sent).
fn fan_choices() -> Vec<&'static str> {
    FanSpeed::ALL
        .iter()
        .copied()
        .filter(|s| ControlCommand::fan_speed(*s).is_ok())
        .map(FanSpeed::as_str)
        .collect()
}

/// A setting's select with the room's current word preselected. When the
/// room reports a word that cannot be sent (fan `off`) or nothing yet, a
/// first empty option names the current state, and the select is required
/// so that this option is never sent.
fn select(kind: &str, words: &[&'static str], current: Option<&str>, tr: Tr) -> Markup {
    let id = format!("{kind}-value");
    let is_choice = current.is_some_and(|c| words.contains(&c));
    html! {
        div.field {
            label for=(id) { (tr.t("room.setting")) }
            select id=(id) name="value" required {
                @if !is_choice {
                    option value="" selected {
                        (tr.f("room.now_value", &[("value", word_label(tr, current.unwrap_or("")))]))
                    }
                }
                @for w in words {
                    option value=(w) selected[current == Some(*w)] { (word_label(tr, w)) }
                }
            }
        }
    }
}

fn kind_label(tr: Tr, kind: &str) -> &'static str {
    match kind {
        "target" => tr.t("room.target"),
        "climate" => tr.t("room.mode"),
        "fan" => tr.t("room.fan"),
        "light" => tr.t("room.light"),
        _ => "–",
    }
}

fn failure_text(tr: Tr, reason: &str) -> &'static str {
    match reason {
        "limit" => tr.t("js.control.limit"),
        "broker" => tr.t("js.control.broker"),
        _ => tr.t("js.control.range"),
    }
}

fn range_label(tr: Tr, word: &str) -> &'static str {
    match word {
        "1h" => tr.t("room.range.1h"),
        "24h" => tr.t("room.range.24h"),
        "7d" => tr.t("room.range.7d"),
        _ => tr.t("room.range.30d"),
    }
}

fn command_label(tr: Tr, command: &ControlCommand) -> String {
    let (what, value) = match command {
        ControlCommand::TargetTemperature(c) => (tr.t("room.target"), format!("{c:.1} °C")),
        ControlCommand::ClimateMode(m) => {
            (tr.t("room.mode"), word_label(tr, m.as_str()).to_owned())
        }
        ControlCommand::FanSpeed(s) => (tr.t("room.fan"), word_label(tr, s.as_str()).to_owned()),
        ControlCommand::LightMode(m) => (tr.t("room.light"), word_label(tr, m.as_str()).to_owned()),
        ControlCommand::Luminosity(p) => (tr.t("room.brightness"), format!("{p} %")),
    };
    format!("{what}: {value}")
}

fn not_found(ctx: &Ctx, user: &WebUser) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(error_markup(ctx, Some(user), StatusCode::NOT_FOUND).into_string()),
    )
        .into_response()
}

fn forbidden_page(ctx: &Ctx, user: &WebUser) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(error_markup(ctx, Some(user), StatusCode::FORBIDDEN).into_string()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, value: &str, brightness: Option<&str>) -> ControlForm {
        ControlForm {
            kind: kind.to_owned(),
            value: Some(value.to_owned()),
            brightness: brightness.map(str::to_owned),
        }
    }

    #[test]
    fn parses_control_forms_and_refuses_bad_values() {
        assert_eq!(
            parse_control(&form("target", "22.5", None)),
            Ok(vec![ControlCommand::TargetTemperature(22.5)])
        );
        assert_eq!(parse_control(&form("target", "99", None)), Err("range"));
        assert_eq!(parse_control(&form("target", "warm", None)), Err("range"));
        assert_eq!(parse_control(&form("fan", "turbo", None)), Err("range"));
        assert_eq!(
            parse_control(&form("light", "manual", Some("60"))).map(|c| c.len()),
            Ok(2)
        );
        assert_eq!(
            parse_control(&form("light", "manual", Some("300"))),
            Err("range")
        );
        assert_eq!(parse_control(&form("reboot", "now", None)), Err("range"));
    }

    #[test]
    fn accepts_websockets_only_from_the_same_origin() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:8001".parse().unwrap());
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, "http://127.0.0.1:8001".parse().unwrap());
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&headers));
    }

    #[test]
    fn reads_custom_ranges_as_utc() {
        let q = RoomQuery {
            from: Some("2024-12-04T08:00".to_owned()),
            to: Some("2024-12-04T09:00".to_owned()),
            ..RoomQuery::default()
        };
        assert_eq!(
            chart_range(&q, 0),
            (1_733_299_200_000, 1_733_302_800_000, "custom")
        );
        let q = RoomQuery {
            range: Some("1h".to_owned()),
            ..RoomQuery::default()
        };
        assert_eq!(chart_range(&q, 10_000_000), (6_400_000, 10_000_000, "1h"));
    }
}
