//! The notification centre (staff): open and recent alerts with an
//! acknowledge button, and recent notifications with their delivery
//! status; and the notification settings (admins): the configured channels
//! and a test message.
//!
//! Both read without JavaScript; every post carries the CSRF token.
//! `js/alerts.js` says when alerts change (over `/live/alerts`) and offers
//! a reload.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hotel_core::store::{AlertQuery, AlertRecord, NotificationRecord, NotificationStatus};
use hotel_core::{AlertKind, AlertLevel};
use maud::{Markup, html};
use serde::Deserialize;

use crate::alert::notify::test_message;
use crate::error::AppError;
use crate::http::alerts::ack;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::timestamp;
use crate::web::session::{self, WebUser, forbidden};

/// Alerts listed in the notification centre.
const ALERT_ROWS: u32 = 100;

/// Notifications listed in the notification centre.
const NOTIFICATION_ROWS: u32 = 50;

/// Outcome shown above the lists.
#[derive(Debug, Default, Deserialize)]
pub struct Outcome {
    acked: Option<String>,
    test: Option<String>,
}

/// `GET /alerts`: the notification centre (staff; guests go to their room,
/// which lists their room's alerts).
pub async fn centre(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(outcome): Query<Outcome>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(Redirect::to(&session::home_of(&user)).into_response());
    }
    let tr = ctx.tr;
    let store = &state.alerts.store;
    let open = store
        .alerts(&AlertQuery {
            open: Some(true),
            room: None,
            level: None,
            from_ms: None,
            to_ms: None,
            limit: ALERT_ROWS,
        })
        .await?;
    let recent = store
        .alerts(&AlertQuery {
            open: Some(false),
            room: None,
            level: None,
            from_ms: None,
            to_ms: None,
            limit: ALERT_ROWS,
        })
        .await?;
    let notifications = store.notifications(NOTIFICATION_ROWS).await?;
    let failed = notifications
        .iter()
        .filter(|n| n.status == NotificationStatus::Failed)
        .count();
    let content = html! {
        div.page-head {
            h1 { (tr.t("alerts.title")) }
            p.summary {
                (tr.f("alerts.open_count", &[("n", &open.len().to_string())]))
            }
        }
        @if outcome.acked.is_some() {
            p.notice role="status" { (tr.t("alerts.acked")) }
        }
        div id="alert-feed" data-live="/live/alerts" aria-live="polite" {}
        section.panel aria-labelledby="open-h" {
            h2 id="open-h" { (tr.t("alerts.open")) }
            @if open.is_empty() {
                p.muted { (tr.t("alerts.none_open")) }
            } @else {
                (alert_table(tr, &open, Some(&user.csrf)))
            }
        }
        section.panel aria-labelledby="recent-h" {
            h2 id="recent-h" { (tr.t("alerts.recent")) }
            @if recent.is_empty() {
                p.muted { (tr.t("alerts.none_recent")) }
            } @else {
                (alert_table(tr, &recent, None))
            }
        }
        section.panel aria-labelledby="notifications-h" {
            h2 id="notifications-h" { (tr.t("alerts.notifications")) }
            @if failed > 0 {
                p.error role="alert" { (tr.f("alerts.failed_count", &[("n", &failed.to_string())])) }
            }
            p {
                a href="/thresholds" { (tr.t("alerts.thresholds_link")) }
                @if user.is_admin() {
                    " · " a href="/notifications" { (tr.t("alerts.settings_link")) }
                }
            }
            @if notifications.is_empty() {
                p.muted { (tr.t("alerts.no_notifications")) }
            } @else {
                (notification_table(tr, &notifications))
            }
        }
    };
    Ok(Html(
        layout::page(
            &ctx,
            Some(&user),
            tr.t("alerts.title"),
            Nav::Alerts,
            &["js/alerts.js"],
            content,
        )
        .into_string(),
    )
    .into_response())
}

/// `POST /alerts/<id>/ack` (staff): acknowledges as the signed-in user.
pub async fn acknowledge(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(forbidden());
    }
    ack(&state, &id, &user.username).await?;
    Ok(Redirect::to("/alerts?acked=1").into_response())
}

/// `GET /live/alerts`: the alert feed for the centre's script (staff).
pub async fn live(
    state: State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if user.is_guest() || !crate::web::pages::room::same_origin(&headers) {
        return forbidden();
    }
    crate::http::ws::alerts(state, user.caller(), ws).await
}

/// Alerts as a table; with `ack_token`, open unacknowledged ones get an
/// Acknowledge button.
pub fn alert_table(tr: Tr, alerts: &[AlertRecord], ack_token: Option<&str>) -> Markup {
    html! {
        div.table-wrap { table.alerts {
            thead { tr {
                th scope="col" { (tr.t("alerts.room")) }
                th scope="col" { (tr.t("alerts.type")) }
                th scope="col" { (tr.t("alerts.level")) }
                th scope="col" { (tr.t("alerts.message")) }
                th scope="col" { (tr.t("alerts.started")) }
                th scope="col" { (tr.t("alerts.ended")) }
                th scope="col" { (tr.t("alerts.acknowledged_by")) }
            } }
            tbody {
                @for a in alerts {
                    tr data-alert=(a.id) data-ended[a.ended_ms.is_some()] data-acked[a.acknowledged_by.is_some()] {
                        td { a href={ "/rooms/" (a.room.as_str()) } { (a.room.as_str()) } }
                        td { (kind_label(tr, a.kind)) }
                        td { (level_badge(tr, a.level)) }
                        td.msg { (a.message) }
                        td.time { (timestamp(a.started_ms)) }
                        td.time {
                            @if let Some(e) = a.ended_ms { (timestamp(e)) }
                            @else { span.badge.bad { (tr.t("alerts.still_open")) } }
                        }
                        td.actions {
                            @if let Some(by) = &a.acknowledged_by {
                                (by)
                                @if let Some(at) = a.acknowledged_ms { br; small.muted { (timestamp(at)) } }
                            } @else if let (Some(token), None) = (ack_token, a.ended_ms) {
                                form.inline method="post" action={ "/alerts/" (a.id) "/ack" } {
                                    input type="hidden" name=(csrf::FIELD) value=(token);
                                    button type="submit" aria-label=(tr.f("alerts.ack_label", &[("room", a.room.as_str()), ("type", kind_label(tr, a.kind))])) { (tr.t("alerts.ack")) }
                                }
                            } @else {
                                "–"
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn notification_table(tr: Tr, list: &[NotificationRecord]) -> Markup {
    html! {
        div.table-wrap { table.notifications {
            thead { tr {
                th scope="col" { (tr.t("alerts.when")) }
                th scope="col" { (tr.t("notify.channel")) }
                th scope="col" { (tr.t("alerts.room")) }
                th scope="col" { (tr.t("alerts.message")) }
                th scope="col" { (tr.t("notify.status")) }
            } }
            tbody {
                @for n in list {
                    tr data-notification=(n.id) data-status=(n.status.as_str()) {
                        td.time { (timestamp(n.created_ms)) }
                        td { (n.channel) }
                        td { @if let Some(r) = n.room { (r.as_str()) } @else { "–" } }
                        td.msg { (n.text) }
                        td { (status_badge(tr, n)) }
                    }
                }
            }
        } }
    }
}

/// A delivery status as text with a symbol; a failure with its reason.
fn status_badge(tr: Tr, n: &NotificationRecord) -> Markup {
    html! {
        @match n.status {
            NotificationStatus::Pending => span.badge { "… " (tr.t("notify.status.pending")) },
            NotificationStatus::Sent => span.badge.ok { "✓ " (tr.t("notify.status.sent")) },
            NotificationStatus::Failed => span.badge.bad { "✗ " (tr.t("notify.status.failed")) },
        }
        @if let Some(e) = &n.last_error {
            br; small { (tr.f("notify.reason", &[("reason", e)])) }
        }
    }
}

/// The translated name of an alert type.
pub fn kind_label(tr: Tr, kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Gas => tr.t("alerts.kind.gas"),
        AlertKind::Temperature => tr.t("alerts.kind.temperature"),
        AlertKind::Humidity => tr.t("alerts.kind.humidity"),
        AlertKind::Offline => tr.t("alerts.kind.offline"),
        AlertKind::SensorFault => tr.t("alerts.kind.sensor_fault"),
    }
}

/// A level as a badge with a symbol, so colour is not the only signal.
pub fn level_badge(tr: Tr, level: AlertLevel) -> Markup {
    html! {
        @match level {
            AlertLevel::Critical => span.badge.bad data-level="critical" { "▲ " (tr.t("alerts.level.critical")) },
            AlertLevel::Warning => span.badge.warn data-level="warning" { "! " (tr.t("alerts.level.warning")) },
            AlertLevel::Info => span.badge data-level="info" { "i " (tr.t("alerts.level.info")) },
        }
    }
}

/// `GET /notifications`: the configured channels and the test button
/// (admins only).
pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(outcome): Query<Outcome>,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    let tr = ctx.tr;
    let channels = &state.channels;
    // The test notifications just queued, to show how they fare.
    let wanted: Vec<i64> = outcome
        .test
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|id| id.parse().ok())
        .collect();
    let tested: Vec<NotificationRecord> = if wanted.is_empty() {
        Vec::new()
    } else {
        state
            .alerts
            .store
            .notifications(NOTIFICATION_ROWS)
            .await?
            .into_iter()
            .filter(|n| wanted.contains(&n.id))
            .collect()
    };
    let yes_no = |b: bool| {
        if b {
            tr.t("notify.yes")
        } else {
            tr.t("notify.no")
        }
    };
    let content = html! {
        h1 { (tr.t("notify.title")) }
        @if outcome.test.is_some() {
            section.panel aria-labelledby="test-h" aria-live="polite" {
                h2 id="test-h" { (tr.t("notify.test_outcome")) }
                @if tested.is_empty() {
                    p.error role="alert" { (tr.t("notify.test_none")) }
                } @else {
                    ul {
                        @for n in &tested {
                            li data-notification=(n.id) data-status=(n.status.as_str()) {
                                strong { (n.channel) } ": " (status_badge(tr, n))
                            }
                        }
                    }
                    p.muted { (tr.t("notify.test_reload")) }
                }
            }
        }
        section.panel aria-labelledby="telegram-h" {
            h2 id="telegram-h" { (tr.t("notify.telegram")) }
            dl.settings {
                div { dt { (tr.t("notify.enabled")) } dd { (yes_no(channels.telegram_chat_id.is_some())) } }
                div { dt { (tr.t("notify.token_set")) } dd { (yes_no(channels.telegram_token_set)) } }
                div { dt { (tr.t("notify.chat_id")) } dd { code { (channels.telegram_chat_id.as_deref().unwrap_or("–")) } } }
            }
            p.muted { (tr.t("notify.telegram_where")) }
        }
        section.panel aria-labelledby="webhook-h" {
            h2 id="webhook-h" { (tr.t("notify.webhook")) }
            dl.settings {
                div { dt { (tr.t("notify.enabled")) } dd { (yes_no(channels.webhook_host.is_some())) } }
                div { dt { (tr.t("notify.webhook_host")) } dd { code { (channels.webhook_host.as_deref().unwrap_or("–")) } } }
            }
            p.muted { (tr.t("notify.webhook_where")) }
        }
        section.panel aria-labelledby="send-h" {
            h2 id="send-h" { (tr.t("notify.test")) }
            @if state.notify.is_empty() {
                p.muted { (tr.t("notify.no_channels")) }
            } @else {
                p { (tr.t("notify.test_hint")) }
                form method="post" action="/notifications/test" {
                    input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                    button type="submit" { (tr.t("notify.test_button")) }
                }
            }
            p { a href="/alerts" { (tr.t("notify.centre_link")) } }
        }
    };
    Ok(Html(
        layout::page(
            &ctx,
            Some(&user),
            tr.t("notify.title"),
            Nav::Notifications,
            &[],
            content,
        )
        .into_string(),
    )
    .into_response())
}

/// `POST /notifications/test` (admins): queues a test message on every
/// channel and shows how it fares.
pub async fn send_test(State(state): State<AppState>, user: WebUser) -> Response {
    if !user.is_admin() {
        return forbidden();
    }
    let ids = state.notify.enqueue(&test_message(&user.username)).await;
    tracing::info!(by = %user.username, channels = ids.len(), "test notification queued");
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    Redirect::to(&format!("/notifications?test={}", ids.join(","))).into_response()
}
