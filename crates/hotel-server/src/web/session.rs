//! Dashboard sessions: a random id in an `HttpOnly`, `SameSite=Lax` cookie
//! (`Secure` when the site is reached over HTTPS), stored only as its
//! SHA-256 in the same session table as API tokens.
//!
//! Each request checks the session and the account again, so signing out
//! everywhere, disabling an account or a guest's checkout take effect at
//! once.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hotel_core::store::SessionRecord;
use hotel_core::{Access, Role};
use hotel_telemetry::clock::now_ms;

use crate::error::AppError;
use crate::http::auth::Caller;
use crate::password;
use crate::state::AppState;
use crate::web::csrf;
use crate::web::pages;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hotel_session";

/// How long a dashboard session lasts, ms (a front-desk shift and some).
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// Bytes of randomness in a session id.
const SESSION_BYTES: usize = 32;

/// A signed-in dashboard user.
#[derive(Clone)]
pub struct WebUser {
    /// Account name.
    pub username: String,
    /// What it may see and do.
    pub access: Access,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// SHA-256 of the session id, to end this session.
    pub session_sha256: String,
}

impl std::fmt::Debug for WebUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebUser")
            .field("username", &self.username)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl WebUser {
    /// The same caller as the JSON API sees it, to reuse its handlers.
    pub fn caller(&self) -> Caller {
        Caller {
            username: self.username.clone(),
            access: self.access,
            session_sha256: self.session_sha256.clone(),
        }
    }

    /// True for administrators.
    pub fn is_admin(&self) -> bool {
        self.access.is_admin()
    }

    /// True for a guest (one room only).
    pub fn is_guest(&self) -> bool {
        self.access.role == Role::Guest
    }
}

/// Where a user lands after signing in: a guest in its room, staff in the
/// rooms overview.
pub fn home_of(user: &WebUser) -> String {
    match (user.access.role, user.access.room) {
        (Role::Guest, Some(room)) => format!("/rooms/{room}"),
        _ => "/rooms".to_owned(),
    }
}

/// Why a request has no usable session.
#[derive(Debug)]
pub enum SessionRejection {
    /// Not signed in: pages redirect to the sign-in page, scripts get 401.
    SignIn {
        /// Where to come back to.
        next: String,
        /// The request wants JSON or a WebSocket, not a page.
        wants_data: bool,
    },
    /// The store failed.
    Store(AppError),
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            SessionRejection::SignIn {
                wants_data: true, ..
            } => AppError::Unauthorized.into_response(),
            SessionRejection::SignIn { next, .. } => {
                let target = if next == "/" || next.is_empty() {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", pages::percent_encode(&next))
                };
                Redirect::to(&target).into_response()
            }
            SessionRejection::Store(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, SessionRejection> {
        let sign_in = || SessionRejection::SignIn {
            next: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            wants_data: wants_data(&parts.headers),
        };
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(sign_in());
        };
        let hash = password::sha256_hex(id);
        let now = now_ms();
        let session = state
            .records
            .session(&hash)
            .await
            .map_err(|e| SessionRejection::Store(e.into()))?
            .filter(|s| s.expires_ms > now);
        let Some(session) = session else {
            return Err(sign_in());
        };
        let user = state
            .records
            .user(&session.username)
            .await
            .map_err(|e| SessionRejection::Store(e.into()))?
            .filter(|u| !u.disabled && u.expires_ms.is_none_or(|exp| exp > now));
        let Some(user) = user else {
            return Err(sign_in());
        };
        Ok(WebUser {
            username: user.username,
            access: Access {
                role: user.role,
                room: user.room,
            },
            csrf: csrf::token_for(id),
            session_sha256: hash,
        })
    }
}

impl OptionalFromRequestParts<AppState> for WebUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, SessionRejection> {
        match <WebUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(user) => Ok(Some(user)),
            Err(SessionRejection::SignIn { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Starts a session for `username` ending at `expires_ms`; returns the
/// `Set-Cookie` value.
pub async fn start(
    state: &AppState,
    username: &str,
    expires_ms: i64,
    secure: bool,
) -> Result<HeaderValue, AppError> {
    let id = password::random_secret(SESSION_BYTES);
    state
        .records
        .create_session(
            &password::sha256_hex(&id),
            &SessionRecord {
                username: username.to_owned(),
                expires_ms,
            },
        )
        .await?;
    let max_age = ((expires_ms - now_ms()) / 1000).max(1);
    set_cookie(SESSION_COOKIE, &id, max_age, "Lax", secure)
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", 0, "Lax", secure)
        .unwrap_or_else(|_| HeaderValue::from_static("hotel_session=; Max-Age=0; Path=/"))
}

/// Builds a `Set-Cookie` header value: `HttpOnly`, `Path=/`, the given
/// `SameSite`, and `Secure` when asked.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_s: i64,
    same_site: &str,
    secure: bool,
) -> Result<HeaderValue, AppError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age_s}; Path=/; HttpOnly; SameSite={same_site}{secure}"
    ))
    .map_err(|e| AppError::Internal(Box::new(e)))
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// True when the site was reached over HTTPS (directly, or through a proxy
/// that says so), so cookies must be `Secure`.
pub fn is_https(parts_headers: &HeaderMap, scheme: Option<&str>) -> bool {
    scheme == Some("https")
        || parts_headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn wants_data(headers: &HeaderMap) -> bool {
    let accept_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    accept_json || headers.contains_key(header::UPGRADE)
}

/// A 403 page or JSON answer for a signed-in user who may not do this.
pub fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        pages::error_page(StatusCode::FORBIDDEN),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; hotel_session=abc ; b="),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_secure_over_https() {
        let plain = set_cookie(SESSION_COOKIE, "x", 10, "Lax", false).unwrap();
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(!plain.contains("Secure"));
        let tls = set_cookie(SESSION_COOKIE, "x", 10, "Lax", true).unwrap();
        assert!(tls.to_str().unwrap().ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        assert!(!is_https(&headers, None));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_https(&headers, None));
    }
}
