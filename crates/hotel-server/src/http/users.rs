//! Accounts (admin only): list, create (staff or guest bound to a room until
//! checkout), delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hotel_core::store::UserRecord;
use hotel_core::{Role, RoomId};
use hotel_telemetry::live::rfc3339;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::body::JsonBody;
use crate::http::rooms::parse_time;
use crate::password;
use crate::state::AppState;

/// An account as the API shows it (never the hash).
#[derive(Serialize)]
pub struct UserView {
    username: String,
    role: Role,
    room: Option<RoomId>,
    expires_at: Option<String>,
    disabled: bool,
}

/// New account.
#[derive(Deserialize)]
pub struct NewUser {
    username: String,
    password: String,
    role: String,
    room: Option<String>,
    expires_at: Option<String>,
}

fn view(u: UserRecord) -> UserView {
    UserView {
        username: u.username,
        role: u.role,
        room: u.room,
        expires_at: u.expires_ms.and_then(rfc3339),
        disabled: u.disabled,
    }
}

/// `GET /api/users/`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, AppError> {
    caller.require_admin()?;
    Ok(Json(
        state.records.users().await?.into_iter().map(view).collect(),
    ))
}

/// `POST /api/users/`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    caller.require_admin()?;
    let username = body.username.trim().to_owned();
    let name_ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !name_ok {
        return Err(AppError::Invalid(
            "'username' must be 3 to 64 letters, digits or . _ - @".to_owned(),
        ));
    }
    let role = Role::parse(&body.role)
        .ok_or_else(|| AppError::Invalid("'role' must be admin, monitor or guest".to_owned()))?;
    password::check_strength(&body.password).map_err(|e| AppError::Invalid(e.to_string()))?;
    let (room, expires_ms) = match role {
        Role::Guest => {
            let room = body
                .room
                .as_deref()
                .map(RoomId::parse)
                .transpose()
                .map_err(|e| AppError::Invalid(e.to_string()))?
                .ok_or_else(|| AppError::Invalid("a guest needs a 'room'".to_owned()))?;
            let expires = body
                .expires_at
                .as_deref()
                .and_then(parse_time)
                .ok_or_else(|| {
                    AppError::Invalid("a guest needs 'expires_at' (checkout)".to_owned())
                })?;
            (Some(room), Some(expires))
        }
        _ => (None, None),
    };
    let secret = body.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))?
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    let record = UserRecord {
        username,
        password_hash: hash,
        role,
        room,
        expires_ms,
        disabled: false,
    };
    match state.records.create_user(&record).await {
        Err(hotel_core::store::StoreError::Conflict) => return Err(AppError::Conflict("user")),
        other => other?,
    }
    tracing::info!(user = %record.username, role = %role, by = %caller.username, "account created");
    Ok((StatusCode::CREATED, Json(view(record))))
}

/// `DELETE /api/users/<name>/`.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    caller.require_admin()?;
    if name == caller.username {
        return Err(AppError::Invalid(
            "you cannot delete your own account".to_owned(),
        ));
    }
    if !state.records.delete_user(&name).await? {
        return Err(AppError::NotFound("user"));
    }
    tracing::info!(user = %name, by = %caller.username, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}
