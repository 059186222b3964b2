//! Bearer-token authentication: `POST /api/auth/token` and the [`Caller`]
//! extractor every `/api/` and `/ws/` route takes.
//!
//! Tokens are random and stored only as SHA-256; each request checks the
//! session and the account, so a disabled account or a guest past checkout
//! stops working at once.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use hotel_core::store::{SessionRecord, UserRecord};
use hotel_core::{Access, Role};
use hotel_telemetry::clock::now_ms;
use hotel_telemetry::live::rfc3339;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::http::body::JsonBody;
use crate::password;
use crate::state::AppState;
use crate::web::limit::ClientIp;

/// How long a staff token works, ms.
pub const STAFF_TOKEN_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// Bytes of randomness in a token.
const TOKEN_BYTES: usize = 32;

/// A hash that never matches, verified when the user does not exist so that
/// a wrong name costs the same time as a wrong password.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Rm9vYmFyQmF6UXV4Rm9vYmFyQmF6UXV4Rm9vYmFyQmE";

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Account name.
    pub username: String,
    /// What it may do.
    pub access: Access,
    /// SHA-256 of the session's token or cookie, for re-checking a
    /// long-lived connection.
    pub session_sha256: String,
}

/// Sign-in request.
#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// Sign-in answer.
#[derive(Serialize)]
pub struct Token {
    token: String,
    role: Role,
    expires_at: Option<String>,
}

/// `POST /api/auth/token`. Failed attempts count towards the same per
/// account and per address limits as the dashboard's sign-in.
pub async fn issue_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(creds): JsonBody<Credentials>,
) -> Result<(StatusCode, Json<Token>), AppError> {
    if state.web.limiter.blocked_for(&creds.username, ip).is_some() {
        tracing::info!("sign-in refused: too many failures");
        return Err(AppError::TooManyRequests);
    }
    let Some(user) = check_password(&state, &creds.username, creds.password).await? else {
        state.web.limiter.fail(&creds.username, ip);
        tracing::info!("sign-in refused");
        return Err(AppError::BadCredentials);
    };
    state.web.limiter.succeed(&user.username);
    let now = now_ms();

    let token = format!("hs_{}", password::random_secret(TOKEN_BYTES));
    let expires_ms = user.expires_ms.map_or(now + STAFF_TOKEN_TTL_MS, |exp| {
        exp.min(now + STAFF_TOKEN_TTL_MS)
    });
    state
        .records
        .create_session(
            &password::sha256_hex(&token),
            &SessionRecord {
                username: user.username.clone(),
                expires_ms,
            },
        )
        .await?;
    tracing::info!(user = %user.username, role = %user.role, "signed in");
    Ok((
        StatusCode::OK,
        Json(Token {
            token,
            role: user.role,
            expires_at: rfc3339(expires_ms),
        }),
    ))
}

/// The account when `username` exists, is enabled, has not passed its
/// checkout and `password` matches; `None` otherwise. A wrong name costs the
/// same time as a wrong password.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<Option<UserRecord>, AppError> {
    let user = state.records.user(username).await?;
    let phc = user
        .as_ref()
        .map_or_else(|| DUMMY_PHC.to_owned(), |u| u.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .map_err(|e| AppError::Internal(Box::new(e)))?;
    let now = now_ms();
    Ok(user.filter(|u| matches && !u.disabled && u.expires_ms.is_none_or(|exp| exp > now)))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts).ok_or(AppError::Unauthorized)?;
        let session_sha256 = password::sha256_hex(&token);
        let user = valid_user(state, &session_sha256)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Caller {
            username: user.username,
            access: Access {
                role: user.role,
                room: user.room,
            },
            session_sha256,
        })
    }
}

/// The account behind a session, if the session has not expired or ended
/// and the account is neither disabled nor past checkout.
async fn valid_user(
    state: &AppState,
    session_sha256: &str,
) -> Result<Option<hotel_core::store::UserRecord>, AppError> {
    let now = now_ms();
    let Some(session) = state
        .records
        .session(session_sha256)
        .await?
        .filter(|s| s.expires_ms > now)
    else {
        return Ok(None);
    };
    Ok(state
        .records
        .user(&session.username)
        .await?
        .filter(|u| !u.disabled && u.expires_ms.is_none_or(|exp| exp > now)))
}

/// The token from `Authorization: Bearer …`, or from `?token=` (browsers
/// cannot set headers on a WebSocket).
fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v.to_owned())
    })
}

impl Caller {
    /// True while the caller's session and account still work: long-lived
    /// connections (WebSocket feeds) ask this again and again, so sign-out,
    /// disabling and checkout end them too.
    pub async fn is_still_valid(&self, state: &AppState) -> bool {
        matches!(valid_user(state, &self.session_sha256).await, Ok(Some(u)) if u.username == self.username)
    }

    /// Fails with 403 unless the caller is an administrator.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.access.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Fails with 403 unless the caller is staff (an administrator or a
    /// monitor).
    pub fn require_staff(&self) -> Result<(), AppError> {
        match self.access.role {
            Role::Admin | Role::Monitor => Ok(()),
            Role::Guest => Err(AppError::Forbidden),
        }
    }
}
