//! The staff dashboard: server-rendered HTML pages on the staff port, with
//! small ES modules that add live updates and charts.
//!
//! Every page reads without JavaScript; forms post with a CSRF token and a
//! session cookie. It is not an API: scripts and other programs use
//! [`crate::http`] with bearer tokens.
//!
//! Layout:
//! - [`session`]: the session cookie and the [`session::WebUser`] extractor.
//! - [`csrf`]: tokens and the middleware that refuses posts without one.
//! - [`limit`]: the failed sign-in limiter.
//! - [`i18n`]: the message catalogue.
//! - [`assets`]: static files embedded in the binary.
//! - [`layout`]: the page shell every page shares.
//! - [`sampler`]: the server's own metrics over time, for the dashboards.
//! - [`pages`]: one module per page.

pub mod assets;
pub mod csrf;
pub mod i18n;
pub mod layout;
pub mod limit;
pub mod pages;
pub mod sampler;
pub mod session;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

/// What a page may load: only this server's own files; no inline script or
/// style.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The dashboard's routes, to merge into [`crate::http::router`].
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/logout/everywhere", post(pages::login::logout_everywhere))
        .route("/rooms", get(pages::overview::page))
        .route("/rooms/{id}", get(pages::room::page))
        .route("/rooms/{id}/control", post(pages::room::control))
        .route(
            "/rooms/{id}/occupancy",
            post(pages::occupancy::set_occupancy),
        )
        .route("/rooms/{id}/flags", post(pages::occupancy::set_flags))
        .route("/rooms/{id}/history.json", get(pages::room::history))
        .route("/live/rooms", get(pages::room::live_all))
        .route("/live/rooms/{id}", get(pages::room::live_one))
        .route("/dashboards/sensors", get(pages::dashboards::sensors))
        .route("/dashboards/health", get(pages::dashboards::health))
        .route("/dashboards/mqtt", get(pages::dashboards::mqtt))
        .route("/dashboards/metrics.json", get(pages::dashboards::samples))
        .route("/users", get(pages::users::page).post(pages::users::create))
        .route("/users/{name}/{action}", post(pages::users::act))
        .route("/audit", get(pages::users::audit_page))
        .route("/alerts", get(pages::alerts::centre))
        .route("/alerts/{id}/ack", post(pages::alerts::acknowledge))
        .route("/live/alerts", get(pages::alerts::live))
        .route(
            "/thresholds",
            get(pages::thresholds::hotel).post(pages::thresholds::save_hotel),
        )
        .route(
            "/thresholds/{id}",
            get(pages::thresholds::room).post(pages::thresholds::save_room),
        )
        .route("/energy", get(pages::energy::page))
        .route("/notifications", get(pages::alerts::settings))
        .route("/notifications/test", post(pages::alerts::send_test))
        .route("/assets/{build}/{*path}", get(assets::serve))
        .layer(middleware::from_fn_with_state(state, csrf::require_token))
        .layer(middleware::from_fn(security_headers))
}

async fn root(user: Option<session::WebUser>) -> Redirect {
    match user {
        Some(u) => Redirect::to(&session::home_of(&u)),
        None => Redirect::to("/login"),
    }
}

/// Headers on every dashboard response: CSP, no framing, no sniffing, and no
/// caching of pages (they hold live data and CSRF tokens).
async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// What the dashboard keeps between requests.
#[derive(Debug, Default)]
pub struct WebShared {
    /// Failed sign-ins, for the dashboard and the token API.
    pub limiter: limit::SignInLimiter,
    /// The server's own metrics over time.
    pub samples: sampler::Samples,
}
