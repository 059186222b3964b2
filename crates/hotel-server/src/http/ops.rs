//! Operations endpoints without authentication: health and Prometheus
//! metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::state::AppState;

/// `GET /healthz`: 200 when the broker connection and the store are up, 503
/// otherwise; each component's state in the body.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let broker = state.publisher.is_connected();
    let store = state.records.ping().await.is_ok();
    let word = |up: bool| if up { "up" } else { "down" };
    let ok = broker && store;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "components": { "broker": word(broker), "store": word(store) },
    });
    (status, Json(body))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.handle.render(),
    )
}
