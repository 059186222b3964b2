//! Accounts (admin only): create staff and guest accounts, disable, enable,
//! delete, reset passwords, set a guest's limits; and the audit log where
//! every one of these actions is recorded.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hotel_core::store::{AuditRecord, GuestLimits, StoreError, UserRecord};
use hotel_core::{Role, RoomId};
use hotel_telemetry::clock::now_ms;
use maud::html;
use serde::Deserialize;

use crate::error::AppError;
use crate::password;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::pages::timestamp;
use crate::web::session::{WebUser, forbidden};

/// Audit entries shown.
const AUDIT_ROWS: u32 = 200;

/// Guest target limits when the admin gives none, °C.
pub const DEFAULT_GUEST_LIMITS: GuestLimits = GuestLimits {
    target_min_c: 18.0,
    target_max_c: 26.0,
};

/// Outcome shown above the list.
#[derive(Debug, Default, Deserialize)]
pub struct Outcome {
    done: Option<String>,
    error: Option<String>,
}

/// The create form, and the fields of the per-account actions.
#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    username: Option<String>,
    password: Option<String>,
    role: Option<String>,
    room: Option<String>,
    checkout: Option<String>,
    target_min: Option<String>,
    target_max: Option<String>,
}

/// `GET /users`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
    Query(outcome): Query<Outcome>,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    let tr = ctx.tr;
    let now = now_ms();
    let accounts = state.records.users().await?;
    let mut limits = Vec::with_capacity(accounts.len());
    for a in &accounts {
        limits.push(if a.role == Role::Guest {
            state.records.guest_limits(&a.username).await?
        } else {
            None
        });
    }
    let token = user.csrf.as_str();
    let content = html! {
        h1 { (tr.t("users.title")) }
        @if let Some(done) = &outcome.done {
            p.notice role="status" { (done_text(tr, done)) }
        }
        @if let Some(error) = &outcome.error {
            p.error role="alert" { (error_text(tr, error)) }
        }
        section.panel {
            h2 { (tr.t("users.list")) }
            div.table-wrap { table.users {
                thead { tr {
                    th scope="col" { (tr.t("users.username")) }
                    th scope="col" { (tr.t("users.role")) }
                    th scope="col" { (tr.t("users.room")) }
                    th scope="col" { (tr.t("users.checkout")) }
                    th scope="col" { (tr.t("users.state")) }
                    th scope="col" { (tr.t("users.actions")) }
                } }
                tbody {
                    @for (a, lim) in accounts.iter().zip(&limits) {
                        @let expired = a.expires_ms.is_some_and(|e| e <= now);
                        tr {
                            th scope="row" { (a.username) }
                            td { (role_label(tr, a.role)) }
                            td { @if let Some(r) = a.room { a href={ "/rooms/" (r.as_str()) } { (r.as_str()) } } @else { "–" } }
                            td { @if let Some(e) = a.expires_ms { (timestamp(e)) } @else { "–" } }
                            td {
                                @if a.disabled { span.badge.bad { (tr.t("users.disabled")) } }
                                @else if expired { span.badge.bad { (tr.t("users.expired")) } }
                                @else { span.badge.ok { (tr.t("users.active")) } }
                                @if let Some(l) = lim {
                                    br; small { (tr.f("users.limits_value", &[("min", &l.target_min_c.to_string()), ("max", &l.target_max_c.to_string())])) }
                                }
                            }
                            td.actions {
                                @if a.username != user.username {
                                    @let name = a.username.as_str();
                                    form.inline method="post" action={ "/users/" (name) (if a.disabled { "/enable" } else { "/disable" }) } {
                                        input type="hidden" name=(csrf::FIELD) value=(token);
                                        button type="submit" { (if a.disabled { tr.t("users.enable") } else { tr.t("users.disable") }) }
                                    }
                                    form.inline method="post" action={ "/users/" (name) "/delete" } {
                                        input type="hidden" name=(csrf::FIELD) value=(token);
                                        button.danger type="submit" { (tr.t("users.delete")) }
                                    }
                                }
                                details {
                                    summary { (tr.t("users.more")) }
                                    form.stack method="post" action={ "/users/" (a.username) "/password" } {
                                        input type="hidden" name=(csrf::FIELD) value=(token);
                                        label for={ "pw-" (a.username) } { (tr.t("users.new_password")) }
                                        input id={ "pw-" (a.username) } name="password" type="password" autocomplete="new-password" minlength=(password::MIN_PASSWORD_LEN) required;
                                        button type="submit" { (tr.t("users.reset_password")) }
                                    }
                                    @if a.role == Role::Guest {
                                        @let l = lim.unwrap_or(DEFAULT_GUEST_LIMITS);
                                        form.stack method="post" action={ "/users/" (a.username) "/limits" } {
                                            input type="hidden" name=(csrf::FIELD) value=(token);
                                            label for={ "min-" (a.username) } { (tr.t("users.target_min")) }
                                            input id={ "min-" (a.username) } name="target_min" type="number" min="10" max="32" step="0.5" value=(l.target_min_c);
                                            label for={ "max-" (a.username) } { (tr.t("users.target_max")) }
                                            input id={ "max-" (a.username) } name="target_max" type="number" min="10" max="32" step="0.5" value=(l.target_max_c);
                                            button type="submit" { (tr.t("users.set_limits")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        section.panel {
            h2 { (tr.t("users.create")) }
            form.grid-form method="post" action="/users" {
                input type="hidden" name=(csrf::FIELD) value=(token);
                div.field { label for="new-username" { (tr.t("users.username")) }
                    input id="new-username" name="username" required minlength="3" maxlength="64" autocomplete="off"; }
                div.field { label for="new-password" { (tr.t("users.password")) }
                    input id="new-password" name="password" type="password" required minlength=(password::MIN_PASSWORD_LEN) autocomplete="new-password"
                        aria-describedby="new-password-hint";
                    small id="new-password-hint" { (tr.f("users.password_hint", &[("n", &password::MIN_PASSWORD_LEN.to_string())])) } }
                div.field { label for="new-role" { (tr.t("users.role")) }
                    select id="new-role" name="role" {
                        option value="monitor" { (tr.t("role.monitor")) }
                        option value="admin" { (tr.t("role.admin")) }
                        option value="guest" { (tr.t("role.guest")) }
                    } }
                fieldset.guest-only {
                    legend { (tr.t("users.guest_fields")) }
                    div.field { label for="new-room" { (tr.t("users.room")) } input id="new-room" name="room"; }
                    div.field { label for="new-checkout" { (tr.t("users.checkout_utc")) } input id="new-checkout" name="checkout" type="datetime-local"; }
                    div.field { label for="new-min" { (tr.t("users.target_min")) }
                        input id="new-min" name="target_min" type="number" min="10" max="32" step="0.5" value=(DEFAULT_GUEST_LIMITS.target_min_c); }
                    div.field { label for="new-max" { (tr.t("users.target_max")) }
                        input id="new-max" name="target_max" type="number" min="10" max="32" step="0.5" value=(DEFAULT_GUEST_LIMITS.target_max_c); }
                }
                button.primary type="submit" { (tr.t("users.create_submit")) }
            }
        }
    };
    Ok(Html(
        layout::page(
            &ctx,
            Some(&user),
            tr.t("users.title"),
            Nav::Users,
            &[],
            content,
        )
        .into_string(),
    )
    .into_response())
}

/// `POST /users`: creates an account.
pub async fn create(
    State(state): State<AppState>,
    user: WebUser,
    Form(form): Form<AccountForm>,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    let record = match new_account(&form) {
        Ok(r) => r,
        Err(key) => return Ok(back_error(key)),
    };
    let limits = match (record.role, limits_of(&form)) {
        (Role::Guest, Ok(l)) => Some(l),
        (Role::Guest, Err(key)) => return Ok(back_error(key)),
        _ => None,
    };
    let Some(secret) = form.password else {
        return Ok(back_error("password"));
    };
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))?
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    let record = UserRecord {
        password_hash: hash,
        ..record
    };
    match state.records.create_user(&record).await {
        Err(StoreError::Conflict) => return Ok(back_error("taken")),
        other => other?,
    }
    if let Some(limits) = limits {
        state
            .records
            .set_guest_limits(&record.username, &limits)
            .await?;
    }
    let detail = match record.room {
        Some(room) => format!("role={} room={room}", record.role),
        None => format!("role={}", record.role),
    };
    audit(&state, &user, "user.create", &record.username, detail).await?;
    Ok(Redirect::to("/users?done=created").into_response())
}

/// `POST /users/<name>/<action>`: `disable`, `enable`, `delete`, `password`,
/// `limits`.
pub async fn act(
    State(state): State<AppState>,
    user: WebUser,
    Path((name, action)): Path<(String, String)>,
    Form(form): Form<AccountForm>,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    if name == user.username && matches!(action.as_str(), "disable" | "delete") {
        return Ok(back_error("self"));
    }
    let Some(target) = state.records.user(&name).await? else {
        return Ok(back_error("missing"));
    };
    let detail = match action.as_str() {
        "disable" | "enable" => {
            let disable = action == "disable";
            state.records.set_user_disabled(&name, disable).await?;
            if disable {
                state.records.delete_sessions_of(&name).await?;
            }
            String::new()
        }
        "delete" => {
            state.records.delete_user(&name).await?;
            String::new()
        }
        "password" => {
            let Some(secret) = form
                .password
                .filter(|p| password::check_strength(p).is_ok())
            else {
                return Ok(back_error("password"));
            };
            let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
                .await
                .map_err(|e| AppError::Internal(Box::new(e)))?
                .map_err(|e| AppError::Internal(e.to_string().into()))?;
            state.records.set_password_hash(&name, &hash).await?;
            // A reset password ends the account's sessions.
            state.records.delete_sessions_of(&name).await?;
            String::new()
        }
        "limits" if target.role == Role::Guest => {
            let limits = match limits_of(&form) {
                Ok(l) => l,
                Err(key) => return Ok(back_error(key)),
            };
            state.records.set_guest_limits(&name, &limits).await?;
            format!("target={}..{}", limits.target_min_c, limits.target_max_c)
        }
        _ => return Ok(back_error("action")),
    };
    audit(&state, &user, &format!("user.{action}"), &name, detail).await?;
    tracing::info!(user = %name, action = %action, by = %user.username, "account changed");
    Ok(Redirect::to(&format!("/users?done={action}")).into_response())
}

/// `GET /audit`.
pub async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: WebUser,
) -> Result<Response, AppError> {
    if !user.is_admin() {
        return Ok(forbidden());
    }
    let tr = ctx.tr;
    let entries = state.records.audit_log(AUDIT_ROWS).await?;
    let content = html! {
        h1 { (tr.t("audit.title")) }
        @if entries.is_empty() {
            p.muted { (tr.t("audit.empty")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (tr.t("room.when")) }
                    th scope="col" { (tr.t("room.who")) }
                    th scope="col" { (tr.t("audit.action")) }
                    th scope="col" { (tr.t("audit.target")) }
                    th scope="col" { (tr.t("audit.detail")) }
                } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { (timestamp(e.at_ms)) }
                            td { (e.actor) }
                            td { code { (e.action) } }
                            td { (e.target) }
                            td { (e.detail) }
                        }
                    }
                }
            } }
        }
    };
    Ok(Html(
        layout::page(
            &ctx,
            Some(&user),
            tr.t("audit.title"),
            Nav::Audit,
            &[],
            content,
        )
        .into_string(),
    )
    .into_response())
}

async fn audit(
    state: &AppState,
    user: &WebUser,
    action: &str,
    target: &str,
    detail: String,
) -> Result<(), AppError> {
    state
        .records
        .record_audit(&AuditRecord {
            at_ms: now_ms(),
            actor: user.username.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail,
        })
        .await?;
    Ok(())
}

/// Checks the create form; the password hash is filled in later.
fn new_account(form: &AccountForm) -> Result<UserRecord, &'static str> {
    let username = form.username.as_deref().unwrap_or("").trim().to_owned();
    let name_ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !name_ok {
        return Err("username");
    }
    let role = Role::parse(form.role.as_deref().unwrap_or("")).ok_or("role")?;
    if password::check_strength(form.password.as_deref().unwrap_or("")).is_err() {
        return Err("password");
    }
    let (room, expires_ms) = if role == Role::Guest {
        let room = form
            .room
            .as_deref()
            .and_then(|r| RoomId::parse(r.trim()).ok())
            .ok_or("room")?;
        let checkout = form
            .checkout
            .as_deref()
            .and_then(super::room::parse_local)
            .filter(|c| *c > now_ms())
            .ok_or("checkout")?;
        (Some(room), Some(checkout))
    } else {
        (None, None)
    };
    Ok(UserRecord {
        username,
        password_hash: String::new(),
        role,
        room,
        expires_ms,
        disabled: false,
    })
}

fn limits_of(form: &AccountForm) -> Result<GuestLimits, &'static str> {
    let read = |v: &Option<String>, default: f64| -> Result<f64, &'static str> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<f64>().map_err(|_| "limits"),
        }
    };
    let min = read(&form.target_min, DEFAULT_GUEST_LIMITS.target_min_c)?;
    let max = read(&form.target_max, DEFAULT_GUEST_LIMITS.target_max_c)?;
    if !(10.0..=32.0).contains(&min) || !(10.0..=32.0).contains(&max) || min > max {
        return Err("limits");
    }
    Ok(GuestLimits {
        target_min_c: min,
        target_max_c: max,
    })
}

fn back_error(key: &str) -> Response {
    Redirect::to(&format!("/users?error={key}")).into_response()
}

fn role_label(tr: Tr, role: Role) -> &'static str {
    match role {
        Role::Admin => tr.t("role.admin"),
        Role::Monitor => tr.t("role.monitor"),
        Role::Guest => tr.t("role.guest"),
    }
}

fn done_text(tr: Tr, action: &str) -> &'static str {
    match action {
        "created" => tr.t("users.done.created"),
        "disable" => tr.t("users.done.disable"),
        "enable" => tr.t("users.done.enable"),
        "delete" => tr.t("users.done.delete"),
        "password" => tr.t("users.done.password"),
        _ => tr.t("users.done.limits"),
    }
}

fn error_text(tr: Tr, key: &str) -> &'static str {
    match key {
        "username" => tr.t("users.error.username"),
        "role" => tr.t("users.error.role"),
        "password" => tr.t("users.error.password"),
        "room" => tr.t("users.error.room"),
        "checkout" => tr.t("users.error.checkout"),
        "limits" => tr.t("users.error.limits"),
        "taken" => tr.t("users.error.taken"),
        "self" => tr.t("users.error.self"),
        "missing" => tr.t("users.error.missing"),
        _ => tr.t("users.error.action"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_new_accounts_and_guest_limits() {
        let staff = AccountForm {
            username: Some("front.desk".to_owned()),
            password: Some("correct horse battery".to_owned()),
            role: Some("monitor".to_owned()),
            ..AccountForm::default()
        };
        assert_eq!(new_account(&staff).map(|u| u.role), Ok(Role::Monitor));
        let weak = AccountForm {
            password: Some("short".to_owned()),
            ..AccountForm::default()
        };
        let weak = AccountForm {
            username: staff.username.clone(),
            role: staff.role.clone(),
            ..weak
        };
        assert_eq!(new_account(&weak).err(), Some("password"));
        let guest = AccountForm {
            role: Some("guest".to_owned()),
            room: Some("101".to_owned()),
            ..AccountForm {
                username: staff.username.clone(),
                password: staff.password.clone(),
                ..AccountForm::default()
            }
        };
        assert_eq!(new_account(&guest).err(), Some("checkout"));
        let inverted = AccountForm {
            target_min: Some("25".to_owned()),
            target_max: Some("20".to_owned()),
            ..AccountForm::default()
        };
        assert_eq!(limits_of(&inverted), Err("limits"));
        assert_eq!(limits_of(&AccountForm::default()), Ok(DEFAULT_GUEST_LIMITS));
    }
}
