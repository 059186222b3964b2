//! The staff HTTP API (JSON) and its WebSocket feeds.
//!
//! Layout:
//! - [`alerts`]: alerts, thresholds, notification centre.
//! - [`automation`]: occupancy, guest flags, the energy view.
//! - [`auth`]: token sign-in and the [`auth::Caller`] extractor.
//! - [`rooms`]: rooms, history, command log, room admin.
//! - [`control`]: `set_*` control endpoints.
//! - [`users`]: account admin.
//! - [`ws`]: live room feeds.
//! - [`ops`]: `/healthz` and `/metrics`.

pub mod alerts;
pub mod auth;
pub mod automation;
pub mod body;
pub mod control;
pub mod ops;
pub mod rooms;
pub mod users;
pub mod ws;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::state::AppState;

/// The largest request body accepted by the API.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request taking longer than this is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/auth/token", post(auth::issue_token))
        .route("/api/rooms/", get(rooms::list).post(rooms::create))
        .route(
            "/api/room/{id}/",
            get(rooms::get).patch(rooms::rename).delete(rooms::delete),
        )
        .route("/api/room/{id}/history/", get(rooms::history))
        .route("/api/room/{id}/commands/", get(rooms::commands))
        .route("/api/room/{id}/set_target/", post(control::set_target))
        .route(
            "/api/room/{id}/set_climate_mode/",
            post(control::set_climate_mode),
        )
        .route(
            "/api/room/{id}/set_fan_speed/",
            post(control::set_fan_speed),
        )
        .route(
            "/api/room/{id}/set_light_mode/",
            post(control::set_light_mode),
        )
        .route("/api/room/{id}/occupancy/", put(automation::put_occupancy))
        .route("/api/room/{id}/flags/", put(automation::put_flags))
        .route("/api/energy/", get(automation::energy))
        .route("/api/users/", get(users::list).post(users::create))
        .route("/api/users/{name}/", delete(users::delete))
        .route("/api/alerts/", get(alerts::list))
        .route("/api/alerts/{id}/ack/", post(alerts::acknowledge))
        .route(
            "/api/alerts/thresholds/",
            get(alerts::hotel_thresholds).put(alerts::put_hotel_thresholds),
        )
        .route(
            "/api/alerts/thresholds/{id}/",
            get(alerts::room_thresholds).put(alerts::put_room_thresholds),
        )
        .route("/api/notifications/", get(alerts::notifications))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ));

    Router::new()
        .merge(api)
        .merge(crate::web::router(state.clone()))
        .route("/ws/rooms/", get(ws::rooms))
        .route("/ws/room/{id}/", get(ws::room))
        .route("/ws/alerts/", get(ws::alerts))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), count_request))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: a query may hold a WebSocket token.
            tracing::debug_span!("http", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

async fn not_found(State(state): State<AppState>) -> Response {
    record(&state, "unmatched", 404);
    AppError::NotFound("route").into_response()
}

/// Counts requests by route template and status.
async fn count_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(request).await;
    record(&state, &route, response.status().as_u16());
    response
}

fn record(state: &AppState, route: &str, status: u16) {
    state.metrics.with(|| {
        metrics::counter!(
            "hotel_http_requests_total",
            "route" => route.to_owned(),
            "status" => status.to_string()
        )
        .increment(1);
    });
}
