//! The built-in dashboards that stand in for the Grafana ones: room sensors,
//! system health and MQTT traffic. Current figures are rendered on the
//! server (readable without JavaScript); `js/dashboards.js` draws the
//! charts from `/dashboards/metrics.json` and the history API.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Json, Response};
use hotel_core::RoomId;
use hotel_core::protocol::RejectReason;
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::ingest::MESSAGE_KINDS;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::{age, value};
use crate::web::sampler::{self, Sample};
use crate::web::session::{WebUser, forbidden};

/// Rooms charted when none are chosen.
const DEFAULT_ROOMS: usize = 6;

/// Rooms charted at most.
const MAX_ROOMS: usize = 24;

/// Rooms in the "top rooms by messages" table.
const TOP_ROOMS: usize = 10;

/// Metrics the sensors dashboard offers: (query word, catalogue key, unit).
const SENSOR_METRICS: [(&str, &str, &str); 3] = [
    ("temperature", "js.metric.temperature", "°C"),
    ("humidity", "js.metric.humidity", "%"),
    ("light_percent", "js.metric.light_percent", "%"),
];

/// Query of the sensors dashboard.
#[derive(Debug, Default, Deserialize)]
pub struct SensorQuery {
    metric: Option<String>,
    rooms: Option<String>,
    range: Option<String>,
}

/// `GET /dashboards/sensors`.
pub async fn sensors(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(query): Query<SensorQuery>,
) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    let tr = ctx.tr;
    let now = now_ms();
    let views = state.live.views(now);
    let (metric, metric_key, unit) = SENSOR_METRICS
        .iter()
        .find(|(w, _, _)| query.metric.as_deref() == Some(*w))
        .copied()
        .unwrap_or(SENSOR_METRICS[0]);
    let mut chosen: Vec<RoomId> = query
        .rooms
        .as_deref()
        .unwrap_or("")
        .split([',', ' '])
        .filter_map(|r| RoomId::parse(r.trim()).ok())
        .filter(|r| state.live.contains(r))
        .take(MAX_ROOMS)
        .collect();
    chosen.dedup();
    if chosen.is_empty() {
        chosen = views.iter().take(DEFAULT_ROOMS).map(|v| v.id).collect();
    }
    let rooms_text = chosen
        .iter()
        .map(RoomId::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let range = super::room::RANGES
        .iter()
        .find(|(w, _)| query.range.as_deref() == Some(*w))
        .copied()
        .unwrap_or(super::room::RANGES[1]);
    let pick = |v: &hotel_telemetry::live::RoomView| match metric {
        "humidity" => v.humidity,
        "light_percent" => v.light_percent,
        _ => v.temperature,
    };
    let content = html! {
        h1 { (tr.t("dash.sensors.title")) }
        form.filters method="get" action="/dashboards/sensors" {
            div.field {
                label for="metric" { (tr.t("dash.sensors.metric")) }
                select id="metric" name="metric" {
                    @for (w, key, _) in SENSOR_METRICS {
                        option value=(w) selected[w == metric] { (tr.t(key)) }
                    }
                }
            }
            div.field.grow {
                label for="rooms" { (tr.t("dash.sensors.rooms")) }
                input id="rooms" name="rooms" value=(rooms_text) aria-describedby="rooms-hint";
                small id="rooms-hint" { (tr.f("dash.sensors.rooms_hint", &[("n", &MAX_ROOMS.to_string())])) }
            }
            div.field {
                label for="range" { (tr.t("room.range")) }
                select id="range" name="range" {
                    @for (w, _) in super::room::RANGES {
                        option value=(w) selected[w == range.0] { (w) }
                    }
                }
            }
            button type="submit" { (tr.t("overview.apply")) }
        }
        section.panel {
            h2 { (tr.t(metric_key)) }
            noscript { p.muted { (tr.t("room.charts_need_js")) } }
            div.plot.wide id="sensors-chart" data-metric=(metric) data-unit=(unit)
                data-rooms=(chosen.iter().map(RoomId::as_str).collect::<Vec<_>>().join(","))
                data-from=(now - range.1) data-to=(now) role="img" aria-label=(tr.t(metric_key)) {}
        }
        section.panel {
            h2 { (tr.t("dash.sensors.now")) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (tr.t("dash.room")) }
                        th scope="col" { (tr.t(metric_key)) }
                        th scope="col" { (tr.t("room.last_reading")) }
                    } }
                    tbody {
                        @for v in views.iter().filter(|v| chosen.contains(&v.id)) {
                            tr {
                                td { a href={ "/rooms/" (v.id.as_str()) } { (v.id.as_str()) } }
                                td.num { (value(pick(v), 1, unit)) }
                                td { (age(tr, v.reading_ts_ms, now)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(
        &ctx,
        &user,
        tr.t("dash.sensors.title"),
        Nav::Sensors,
        content,
    )
}

/// `GET /dashboards/health`.
pub async fn health(State(state): State<AppState>, ctx: Ctx, user: WebUser) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    let tr = ctx.tr;
    let latest = state.web.samples.latest();
    let uptime = state.web.samples.uptime_s();
    let last = latest.as_ref();
    let content = html! {
        h1 { (tr.t("dash.health.title")) }
        ul.tiles {
            (tile(tr.t("dash.health.cpu"), value(last.and_then(|s| s.cpu_pct), 1, "%")))
            (tile(tr.t("dash.health.memory"), bytes(last.and_then(|s| s.rss_bytes))))
            (tile(tr.t("dash.health.store"), bytes(last.and_then(|s| s.store_bytes))))
            (tile(tr.t("dash.health.latency"), value(last.and_then(|s| s.latency_ms), 1, "ms")))
            (tile(tr.t("dash.health.uptime"), duration(tr, uptime)))
            (tile(tr.t("dash.mqtt.devices"), value(last.map(|s| s.devices_online), 0, "")))
        }
        (charts(tr, &[("cpu", "dash.health.cpu"), ("memory", "dash.health.memory"),
                      ("store", "dash.health.store"), ("latency", "dash.health.latency")]))
    };
    page(&ctx, &user, tr.t("dash.health.title"), Nav::Health, content)
}

/// `GET /dashboards/mqtt`.
pub async fn mqtt(State(state): State<AppState>, ctx: Ctx, user: WebUser) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    let tr = ctx.tr;
    let latest = state.web.samples.latest();
    let text = state.metrics.handle.render();
    let top = state.live.top_by_messages(TOP_ROOMS);
    let rate = |i: usize| {
        latest
            .as_ref()
            .and_then(|s| s.messages_per_s.get(i).copied())
    };
    let total_rate = latest
        .as_ref()
        .map(|s| s.messages_per_s.iter().sum::<f64>());
    let content = html! {
        h1 { (tr.t("dash.mqtt.title")) }
        ul.tiles {
            (tile(tr.t("dash.mqtt.rate"), value(total_rate, 1, "/s")))
            @for (i, kind) in MESSAGE_KINDS.iter().enumerate() {
                (tile(kind_label(tr, kind), value(rate(i), 1, "/s")))
            }
            (tile(tr.t("dash.mqtt.devices"), value(latest.as_ref().map(|s| s.devices_online), 0, "")))
        }
        (charts(tr, &[("messages", "dash.mqtt.by_kind"), ("rejected", "dash.mqtt.rejected")]))
        div.two {
            section.panel {
                h2 { (tr.t("dash.mqtt.rejected")) }
                div.table-wrap { table {
                    thead { tr { th scope="col" { (tr.t("dash.mqtt.reason")) } th scope="col" { (tr.t("dash.mqtt.total")) } } }
                    tbody {
                        @for r in RejectReason::ALL {
                            tr {
                                td { code { (r.as_str()) } }
                                td.num { (sampler::metric(&text, &format!("hotel_telemetry_rejected_total{{reason=\"{}\"}}", r.as_str()))) }
                            }
                        }
                    }
                } }
            }
            section.panel {
                h2 { (tr.t("dash.mqtt.top")) }
                @if top.is_empty() {
                    p.muted { (tr.t("dash.mqtt.no_messages")) }
                } @else {
                    div.table-wrap { table {
                        thead { tr { th scope="col" { (tr.t("dash.mqtt.topic")) } th scope="col" { (tr.t("dash.mqtt.messages")) } } }
                        tbody {
                            @for (room, n) in &top {
                                tr {
                                    td { a href={ "/rooms/" (room.as_str()) } { code { "hotel/" (room.as_str()) "/#" } } }
                                    td.num { (n) }
                                }
                            }
                        }
                    } }
                }
            }
        }
    };
    page(&ctx, &user, tr.t("dash.mqtt.title"), Nav::Mqtt, content)
}

/// `GET /dashboards/metrics.json`: the samples of the last hour.
pub async fn samples(State(state): State<AppState>, user: WebUser) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    let samples: Vec<Sample> = state.web.samples.all();
    Json(json!({
        "kinds": MESSAGE_KINDS,
        "reasons": RejectReason::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "uptime_s": state.web.samples.uptime_s(),
        "samples": samples,
    }))
    .into_response()
}

fn page(ctx: &Ctx, user: &WebUser, title: &str, nav: Nav, content: Markup) -> Response {
    Html(
        layout::page(
            ctx,
            Some(user),
            title,
            nav,
            &[layout::UPLOT_JS, "js/dashboards.js"],
            content,
        )
        .into_string(),
    )
    .into_response()
}

fn tile(label: &str, value: String) -> Markup {
    html! { li.tile { span.label { (label) } span.value { (value) } } }
}

fn charts(tr: Tr, charts: &[(&str, &'static str)]) -> Markup {
    html! {
        noscript { p.muted { (tr.t("room.charts_need_js")) } }
        div.charts id="metric-charts" data-source="/dashboards/metrics.json" {
            @for (series, key) in charts {
                figure.chart {
                    figcaption { (tr.t(key)) }
                    div.plot data-series=(series) role="img" aria-label=(tr.t(key)) {}
                }
            }
        }
    }
}

fn kind_label(tr: Tr, kind: &str) -> &'static str {
    match kind {
        "telemetry" => tr.t("js.kind.telemetry"),
        "heartbeat" => tr.t("js.kind.heartbeat"),
        "status" => tr.t("js.kind.status"),
        _ => tr.t("js.kind.error"),
    }
}

fn bytes(b: Option<u64>) -> String {
    match b {
        Some(b) if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        Some(b) if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        Some(b) => format!("{:.0} KiB", b as f64 / 1024.0),
        None => "–".to_owned(),
    }
}

fn duration(tr: Tr, secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    tr.f(
        "dash.health.uptime_value",
        &[
            ("d", &d.to_string()),
            ("h", &h.to_string()),
            ("m", &m.to_string()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes_and_durations() {
        assert_eq!(bytes(Some(3 << 20)), "3.0 MiB");
        assert_eq!(bytes(Some(2048)), "2 KiB");
        assert_eq!(bytes(None), "–");
        assert_eq!(duration(Tr::default_language(), 90_061), "1 d 1 h 1 min");
    }
}
