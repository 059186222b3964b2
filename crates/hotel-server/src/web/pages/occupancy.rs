//! Occupancy and guest flags on the room page (staff): set a room vacant,
//! booked (with the check-in time the pre-heating aims for), occupied or
//! checked out, and set or clear do-not-disturb and make-up-room.
//!
//! Plain forms that post and come back to the room page; the automation
//! then sends what the new state calls for, as it does for the API.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hotel_core::{Occupancy, RoomId};
use hotel_telemetry::live::RoomView;
use maud::{Markup, html};
use serde::Deserialize;

use crate::automation;
use crate::error::AppError;
use crate::http::rooms;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::pages::room::{local_input, parse_local};
use crate::web::session::{WebUser, forbidden};

/// The `sent` and `failed` words of the room page that this panel shows.
pub const OUTCOMES: [&str; 3] = ["occupancy", "flags", "check_in"];

/// The occupancy form as posted.
#[derive(Debug, Deserialize)]
pub struct OccupancyForm {
    state: String,
    check_in: Option<String>,
}

/// The flags form as posted: an unticked box is absent.
#[derive(Debug, Deserialize)]
pub struct FlagsForm {
    do_not_disturb: Option<String>,
    make_up_room: Option<String>,
}

/// `POST /rooms/<id>/occupancy` (staff).
pub async fn set_occupancy(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<OccupancyForm>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(forbidden());
    }
    let room = rooms::visible_room(&state, &user.caller(), &id)?;
    let Some(occupancy) = Occupancy::parse_word(&form.state) else {
        return Ok(back(room, "failed=occupancy"));
    };
    let check_in = form
        .check_in
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && occupancy == Occupancy::Booked);
    let check_in_ms = match check_in {
        None => None,
        Some(text) => match parse_local(text) {
            Some(ms) => Some(ms),
            None => return Ok(back(room, "failed=check_in")),
        },
    };
    automation::set_occupancy(&state, room, occupancy, check_in_ms, &user.username).await?;
    Ok(back(room, "sent=occupancy"))
}

/// `POST /rooms/<id>/flags` (staff).
pub async fn set_flags(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(form): Form<FlagsForm>,
) -> Result<Response, AppError> {
    if user.is_guest() {
        return Ok(forbidden());
    }
    let room = rooms::visible_room(&state, &user.caller(), &id)?;
    automation::set_flags(
        &state,
        room,
        Some(form.do_not_disturb.is_some()),
        Some(form.make_up_room.is_some()),
        &user.username,
    )
    .await?;
    Ok(back(room, "sent=flags"))
}

fn back(room: RoomId, query: &str) -> Response {
    Redirect::to(&format!("/rooms/{room}?{query}#stay")).into_response()
}

/// The room page's occupancy panel (staff only).
pub fn panel(
    tr: Tr,
    user: &WebUser,
    view: &RoomView,
    check_in_ms: Option<i64>,
    sent: Option<&str>,
    failed: Option<&str>,
) -> Markup {
    let room = view.id.as_str();
    let states = [
        (Occupancy::Vacant, tr.t("js.occupancy.vacant")),
        (Occupancy::Booked, tr.t("js.occupancy.booked")),
        (Occupancy::Occupied, tr.t("js.occupancy.occupied")),
        (Occupancy::CheckedOut, tr.t("js.occupancy.checked_out")),
    ];
    html! {
        section.panel id="stay" aria-labelledby="stay-h" {
            h2 id="stay-h" { (tr.t("stay.title")) }
            p.muted { (tr.t("stay.hint")) }
            @match sent {
                Some("occupancy") => p.notice role="status" { (tr.t("stay.saved")) },
                Some("flags") => p.notice role="status" { (tr.t("stay.flags_saved")) },
                _ => {}
            }
            @match failed {
                Some("occupancy") => p.error role="alert" { (tr.t("stay.error.state")) },
                Some("check_in") => p.error role="alert" { (tr.t("stay.error.check_in")) },
                _ => {}
            }
            div.controls {
                form.stay method="post" action={ "/rooms/" (room) "/occupancy" } {
                    fieldset {
                        legend { (tr.t("room.occupancy")) }
                        input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                        div.field {
                            label for="stay-state" { (tr.t("stay.state")) }
                            select id="stay-state" name="state" {
                                @for (word, label) in states {
                                    option value=(word.as_str()) selected[view.occupancy == Some(word)] { (label) }
                                }
                            }
                        }
                        div.field {
                            label for="stay-check-in" { (tr.t("stay.check_in")) }
                            input id="stay-check-in" name="check_in" type="datetime-local"
                                value=[check_in_ms.map(local_input)]
                                aria-describedby="stay-check-in-hint";
                            small id="stay-check-in-hint" { (tr.t("stay.check_in_hint")) }
                        }
                        div.actions { button.primary type="submit" { (tr.t("stay.save")) } }
                    }
                }
                form.stay method="post" action={ "/rooms/" (room) "/flags" } {
                    fieldset {
                        legend { (tr.t("room.flags")) }
                        input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                        label.check {
                            input type="checkbox" name="do_not_disturb" value="1"
                                checked[view.do_not_disturb == Some(true)];
                            " " (tr.t("js.flag.dnd"))
                        }
                        label.check {
                            input type="checkbox" name="make_up_room" value="1"
                                checked[view.make_up_room == Some(true)];
                            " " (tr.t("js.flag.make_up"))
                        }
                        div.actions { button.primary type="submit" { (tr.t("stay.save_flags")) } }
                    }
                }
            }
        }
    }
}
