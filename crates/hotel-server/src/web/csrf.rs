//! CSRF protection: every request that is not a read (`GET`, `HEAD`) must
//! carry a token derived from one of the caller's own cookies, in the form
//! field `csrf` or the `X-CSRF-Token` header; otherwise it gets 403.
//!
//! The token is SHA-256 of the cookie value with a fixed prefix: a page of
//! another site can neither read the `HttpOnly` cookie nor the token. Before
//! sign-in, the sign-in form uses a separate random cookie the same way.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::MAX_BODY_BYTES;
use crate::password;
use crate::state::AppState;
use crate::web::pages;
use crate::web::session::{SESSION_COOKIE, cookie};

/// Cookie holding the random value the sign-in form's token derives from.
pub const LOGIN_COOKIE: &str = "hotel_login";

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// The header that carries the token (for scripts).
pub const HEADER: &str = "x-csrf-token";

/// The token for a cookie value.
pub fn token_for(cookie_value: &str) -> String {
    password::sha256_hex(&format!("hotel-csrf:{cookie_value}"))
}

/// Middleware: refuses a state-changing request without a valid token.
pub async fn require_token(
    State(_state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let expected: Vec<String> = [SESSION_COOKIE, LOGIN_COOKIE]
        .into_iter()
        .filter_map(|name| cookie(request.headers(), name))
        .map(token_for)
        .collect();
    let header_token = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    let (parts, body) = request.into_parts();
    let (given, body) = match header_token {
        Some(t) => (Some(t), body),
        None => {
            let is_form = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                (None, body)
            } else {
                let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
                    return StatusCode::PAYLOAD_TOO_LARGE.into_response();
                };
                (form_field(&bytes, FIELD), Body::from(bytes))
            }
        }
    };
    let valid = given.is_some_and(|g| expected.iter().any(|e| password::constant_time_eq(e, &g)));
    if !valid {
        tracing::info!(path = %parts.uri.path(), "post refused: missing or wrong CSRF token");
        return (
            StatusCode::FORBIDDEN,
            pages::error_page(StatusCode::FORBIDDEN),
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The raw value of field `name` of a URL-encoded form (tokens are hex, so
/// no decoding is needed).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_depends_on_the_cookie_and_hides_it() {
        let a = token_for("session-a");
        assert_eq!(a, token_for("session-a"));
        assert_ne!(a, token_for("session-b"));
        assert!(!a.contains("session-a"));
    }

    #[test]
    fn reads_the_token_field_of_a_form() {
        assert_eq!(
            form_field(b"kind=target&csrf=ab12&value=22", FIELD).as_deref(),
            Some("ab12")
        );
        assert_eq!(form_field(b"kind=target", FIELD), None);
        assert_eq!(form_field(&[0xff, 0xfe], FIELD), None);
    }
}
