//! Alert thresholds (staff read them, admins change them): the hotel's
//! values at `/thresholds` and a room's overrides at `/thresholds/<room>`.
//!
//! A field left empty inherits: the hotel from the defaults and the
//! configuration file, a room from the hotel. Both pages read and post
//! without JavaScript; a rejected form comes back with what was typed and
//! the reason, and nothing changes.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hotel_core::alert::{ThresholdError, ThresholdOverrides};
use hotel_core::{RoomId, Thresholds};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::http::alerts::save_thresholds;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::{error_markup, percent_encode};
use crate::web::session::{WebUser, forbidden};

/// The longest value a threshold field accepts, in bytes.
const MAX_FIELD_LEN: usize = 32;

/// One threshold on the form, in the order shown.
struct FieldSpec {
    /// The field's name in [`ThresholdOverrides`] and in the form.
    name: &'static str,
    /// Whole seconds rather than a decimal number.
    integer: bool,
}

/// The groups of fields, each with its legend key.
const GROUPS: [(&str, &[FieldSpec]); 4] = [
    (
        "gas",
        &[
            FieldSpec {
                name: "gas_warning",
                integer: false,
            },
            FieldSpec {
                name: "gas_critical",
                integer: false,
            },
            FieldSpec {
                name: "gas_hysteresis",
                integer: false,
            },
        ],
    ),
    (
        "temperature",
        &[
            FieldSpec {
                name: "temperature_min_c",
                integer: false,
            },
            FieldSpec {
                name: "temperature_max_c",
                integer: false,
            },
            FieldSpec {
                name: "temperature_hysteresis_c",
                integer: false,
            },
        ],
    ),
    (
        "humidity",
        &[
            FieldSpec {
                name: "humidity_min_pct",
                integer: false,
            },
            FieldSpec {
                name: "humidity_max_pct",
                integer: false,
            },
            FieldSpec {
                name: "humidity_hysteresis_pct",
                integer: false,
            },
        ],
    ),
    (
        "device",
        &[
            FieldSpec {
                name: "offline_after_s",
                integer: true,
            },
            FieldSpec {
                name: "stuck_after_s",
                integer: true,
            },
        ],
    ),
];

/// Query of the thresholds pages.
#[derive(Debug, Default, Deserialize)]
pub struct ThresholdQuery {
    saved: Option<String>,
    /// On the hotel page: a room to open.
    room: Option<String>,
}

/// What the form shows: the values typed (or stored), and a rejection.
struct FormState {
    values: HashMap<String, String>,
    error: Option<Rejection>,
}

/// Why a posted form was refused.
enum Rejection {
    /// A field is not a number of the right kind.
    Number(&'static str),
    /// The values contradict each other.
    Rule(ThresholdError),
}

/// `GET /thresholds` (staff): the hotel's thresholds.
pub async fn hotel(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(query): Query<ThresholdQuery>,
) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    if let Some(room) = query
        .room
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        return Redirect::to(&format!("/thresholds/{}", percent_encode(room))).into_response();
    }
    let form = stored_form(&state, None);
    render(&state, &ctx, &user, None, form, query.saved.is_some())
}

/// `GET /thresholds/<room>` (staff): a room's overrides.
pub async fn room(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Path(id): Path<String>,
    Query(query): Query<ThresholdQuery>,
) -> Response {
    if user.is_guest() {
        return forbidden();
    }
    let Some(room) = known_room(&state, &id) else {
        return not_found(&ctx, &user);
    };
    let form = stored_form(&state, Some(room));
    render(&state, &ctx, &user, Some(room), form, query.saved.is_some())
}

/// `POST /thresholds` (admins): replaces the hotel's overrides.
pub async fn save_hotel(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    save(&state, &ctx, &user, None, form).await
}

/// `POST /thresholds/<room>` (admins): replaces a room's overrides.
pub async fn save_room(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(room) = known_room(&state, &id) else {
        return Ok(not_found(&ctx, &user));
    };
    save(&state, &ctx, &user, Some(room), form).await
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    user: &WebUser,
    room: Option<RoomId>,
    mut form: HashMap<String, String>,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    form.retain(|name, _| spec(name).is_some());
    let checked = overrides_of(&form).and_then(|overrides| {
        state
            .alerts
            .thresholds
            .check(room, overrides)
            .map(|()| overrides)
            .map_err(Rejection::Rule)
    });
    let overrides = match checked {
        Ok(o) => o,
        Err(rejection) => {
            let shown = FormState {
                values: form,
                error: Some(rejection),
            };
            let page = render(state, ctx, user, room, shown, false);
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    save_thresholds(state, &user.username, room, overrides).await?;
    let back = room.map_or_else(|| "/thresholds".to_owned(), |r| format!("/thresholds/{r}"));
    Ok(Redirect::to(&format!("{back}?saved=1")).into_response())
}

fn spec(name: &str) -> Option<&'static FieldSpec> {
    GROUPS
        .iter()
        .flat_map(|(_, fields)| fields.iter())
        .find(|f| f.name == name)
}

/// The overrides a form sets: an empty field sets nothing.
fn overrides_of(form: &HashMap<String, String>) -> Result<ThresholdOverrides, Rejection> {
    let mut set = Map::new();
    for (name, text) in form {
        let Some(spec) = spec(name) else { continue };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let number = (text.len() <= MAX_FIELD_LEN)
            .then(|| {
                if spec.integer {
                    text.parse::<u64>().ok().map(Value::from)
                } else {
                    text.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                }
            })
            .flatten()
            .ok_or(Rejection::Number(spec.name))?;
        set.insert(spec.name.to_owned(), number);
    }
    // Every key is a known field with a value of its type, so this holds.
    serde_json::from_value(Value::Object(set))
        .map_err(|_| Rejection::Rule(ThresholdError::NotFinite))
}

/// The stored overrides as the form shows them.
fn stored_form(state: &AppState, room: Option<RoomId>) -> FormState {
    let stored = state.alerts.thresholds.stored(room);
    FormState {
        values: fields_of(&stored),
        error: None,
    }
}

/// The fields `overrides` sets, as text.
fn fields_of(overrides: &ThresholdOverrides) -> HashMap<String, String> {
    match serde_json::to_value(overrides) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(name, value)| (name, number_text(&value)))
            .collect(),
        _ => HashMap::new(),
    }
}

/// A threshold's value as text, by field name.
fn value_of(thresholds: &Thresholds, name: &str) -> String {
    match serde_json::to_value(thresholds) {
        Ok(Value::Object(map)) => map.get(name).map(number_text).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A number as a person writes it: `1500`, not `1500.0`.
fn number_text(value: &Value) -> String {
    match (value.as_u64(), value.as_f64()) {
        (Some(n), _) => n.to_string(),
        (None, Some(f)) => f.to_string(),
        _ => value.to_string(),
    }
}

fn known_room(state: &AppState, id: &str) -> Option<RoomId> {
    RoomId::parse(id).ok().filter(|r| state.live.contains(r))
}

fn not_found(ctx: &Ctx, user: &WebUser) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(error_markup(ctx, Some(user), StatusCode::NOT_FOUND).into_string()),
    )
        .into_response()
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    user: &WebUser,
    room: Option<RoomId>,
    form: FormState,
    saved: bool,
) -> Response {
    let tr = ctx.tr;
    let book = &state.alerts.thresholds;
    let in_force = room.map_or_else(|| book.hotel(), |r| book.room(r));
    let inherited = book.inherited(room);
    let editable = user.is_admin();
    let action = room.map_or_else(|| "/thresholds".to_owned(), |r| format!("/thresholds/{r}"));
    let title = match room {
        None => tr.t("thresholds.title").to_owned(),
        Some(r) => tr.f("thresholds.room_title", &[("id", r.as_str())]),
    };
    let invalid = match &form.error {
        Some(Rejection::Number(name)) => Some(*name),
        _ => None,
    };
    let content = html! {
        div.page-head {
            p.crumbs {
                @if let Some(r) = room {
                    a href={ "/rooms/" (r.as_str()) } { "← " (tr.f("room.title", &[("id", r.as_str())])) }
                    " · "
                    a href="/thresholds" { (tr.t("thresholds.title")) }
                } @else {
                    a href="/alerts" { "← " (tr.t("nav.alerts")) }
                }
            }
            h1 { (title) }
        }
        p { (if room.is_some() { tr.t("thresholds.room_intro") } else { tr.t("thresholds.hotel_intro") }) }
        @if saved {
            p.notice role="status" { (tr.t("thresholds.saved")) }
        }
        @if let Some(error) = &form.error {
            p.error role="alert" { (rejection_text(tr, error)) }
        }
        @if !editable {
            p.muted { (tr.t("thresholds.read_only")) }
        }
        section.panel aria-labelledby="values-h" {
            h2 id="values-h" { (tr.t("thresholds.values")) }
            form.grid-form method="post" action=(action) {
                input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                @for (group, fields) in GROUPS {
                    fieldset {
                        legend { (group_label(tr, group)) }
                        @for field in fields {
                            @let id = format!("t-{}", field.name);
                            @let hint = format!("{id}-hint");
                            @let unit = unit_of(field.name);
                            div.field {
                                label for=(id) { (field_label(tr, field.name)) " (" (unit) ")" }
                                input id=(id) name=(field.name) type="number" inputmode="decimal"
                                    step=(if field.integer { "1" } else { "any" })
                                    min=[field.integer.then_some("1")]
                                    value=[form.values.get(field.name)]
                                    placeholder=(value_of(&inherited, field.name))
                                    aria-describedby=(hint)
                                    aria-invalid=[(invalid == Some(field.name)).then_some("true")]
                                    disabled[!editable];
                                small id=(hint) {
                                    (tr.f("thresholds.in_force", &[("value", &value_of(&in_force, field.name)), ("unit", unit)]))
                                }
                            }
                        }
                    }
                }
                @if editable {
                    button.primary type="submit" { (tr.t("thresholds.save")) }
                }
            }
            @if editable {
                form.row-form method="post" action=(action) data-confirm=(tr.t("thresholds.reset_confirm")) {
                    input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                    button type="submit" { (tr.t("thresholds.reset")) }
                }
            }
        }
        @if room.is_none() {
            (rooms_panel(tr, &book.rooms_with_overrides()))
        }
    };
    Html(layout::page(ctx, Some(user), &title, Nav::Thresholds, &[], content).into_string())
        .into_response()
}

/// The hotel page's list of rooms with their own values, and a way to open
/// any room's.
fn rooms_panel(tr: Tr, rooms: &[RoomId]) -> Markup {
    html! {
        section.panel aria-labelledby="rooms-h" {
            h2 id="rooms-h" { (tr.t("thresholds.rooms")) }
            @if rooms.is_empty() {
                p.muted { (tr.t("thresholds.no_rooms")) }
            } @else {
                ul.inline-list {
                    @for r in rooms {
                        li { a href={ "/thresholds/" (r.as_str()) } { (r.as_str()) } }
                    }
                }
            }
            form.row-form method="get" action="/thresholds" {
                div.field {
                    label for="open-room" { (tr.t("thresholds.open_room")) }
                    input id="open-room" name="room" maxlength="32" autocomplete="off";
                }
                button type="submit" { (tr.t("thresholds.open")) }
            }
        }
    }
}

fn rejection_text(tr: Tr, rejection: &Rejection) -> String {
    match rejection {
        Rejection::Number(name) => tr.f(
            "thresholds.error.number",
            &[("field", field_label(tr, name))],
        ),
        Rejection::Rule(ThresholdError::NotFinite) => {
            tr.t("thresholds.error.not_finite").to_owned()
        }
        Rejection::Rule(ThresholdError::GasNotPositive) => {
            tr.t("thresholds.error.gas_positive").to_owned()
        }
        Rejection::Rule(ThresholdError::GasOrder) => tr.t("thresholds.error.gas_order").to_owned(),
        Rejection::Rule(ThresholdError::BandOrder) => {
            tr.t("thresholds.error.band_order").to_owned()
        }
        Rejection::Rule(ThresholdError::ZeroTime) => tr.t("thresholds.error.zero_time").to_owned(),
        // A rule added later: its own (English) reason.
        Rejection::Rule(other) => other.to_string(),
    }
}

fn group_label(tr: Tr, group: &str) -> &'static str {
    match group {
        "gas" => tr.t("thresholds.group.gas"),
        "temperature" => tr.t("thresholds.group.temperature"),
        "humidity" => tr.t("thresholds.group.humidity"),
        _ => tr.t("thresholds.group.device"),
    }
}

fn field_label(tr: Tr, name: &str) -> &'static str {
    match name {
        "gas_warning" => tr.t("thresholds.gas_warning"),
        "gas_critical" => tr.t("thresholds.gas_critical"),
        "gas_hysteresis" => tr.t("thresholds.gas_hysteresis"),
        "temperature_min_c" => tr.t("thresholds.temperature_min"),
        "temperature_max_c" => tr.t("thresholds.temperature_max"),
        "temperature_hysteresis_c" => tr.t("thresholds.temperature_hysteresis"),
        "humidity_min_pct" => tr.t("thresholds.humidity_min"),
        "humidity_max_pct" => tr.t("thresholds.humidity_max"),
        "humidity_hysteresis_pct" => tr.t("thresholds.humidity_hysteresis"),
        "offline_after_s" => tr.t("thresholds.offline_after"),
        _ => tr.t("thresholds.stuck_after"),
    }
}

fn unit_of(name: &str) -> &'static str {
    match name {
        n if n.starts_with("gas_") => "raw",
        n if n.ends_with("_c") => "°C",
        n if n.ends_with("_pct") => "%",
        _ => "s",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn empty_fields_inherit_and_numbers_are_read_by_kind() {
        let o = overrides_of(&form(&[
            ("gas_warning", " 1200 "),
            ("gas_critical", ""),
            ("offline_after_s", "120"),
        ]))
        .ok()
        .unwrap();
        assert_eq!(o.gas_warning, Some(1200.0));
        assert_eq!(o.gas_critical, None);
        assert_eq!(o.offline_after_s, Some(120));
        assert!(overrides_of(&form(&[])).ok().unwrap().is_empty());
    }

    #[test]
    fn a_field_that_is_not_its_kind_of_number_is_named() {
        for (name, text) in [
            ("offline_after_s", "1.5"),
            ("stuck_after_s", "-3"),
            ("gas_warning", "lots"),
            ("gas_warning", "NaN"),
            ("gas_warning", "inf"),
            ("humidity_max_pct", &"9".repeat(MAX_FIELD_LEN + 1)),
        ] {
            match overrides_of(&form(&[(name, text)])) {
                Err(Rejection::Number(n)) => assert_eq!(n, name, "{text}"),
                _ => panic!("{name}={text} accepted"),
            }
        }
    }

    #[test]
    fn every_field_of_the_overrides_is_on_the_form() {
        let all: Vec<&str> = GROUPS
            .iter()
            .flat_map(|(_, f)| f.iter().map(|s| s.name))
            .collect();
        let full: ThresholdOverrides = serde_json::from_value(
            all.iter()
                .map(|n| ((*n).to_owned(), Value::from(5)))
                .collect::<Map<_, _>>()
                .into(),
        )
        .unwrap();
        // Deserialising denies unknown fields, so every name is real; and
        // every real field round-trips through the form.
        assert_eq!(fields_of(&full).len(), all.len());
        assert_eq!(
            fields_of(&ThresholdOverrides::default()).len(),
            0,
            "nothing set, nothing shown"
        );
    }
}
