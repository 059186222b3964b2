//! Static files (CSS, scripts, the vendored chart library), embedded in the
//! binary and served under `/assets/<build>/…`, where `<build>` is a hash
//! of every file: a changed file gets a new URL, so each can be cached for a
//! year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Every embedded file: (path under `assets/`, content type, bytes).
const FILES: [(&str, &str, &[u8]); 9] = [
    (
        "css/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/css/app.css"),
    ),
    (
        "js/common.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/common.js"),
    ),
    (
        "js/overview.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/overview.js"),
    ),
    (
        "js/room.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/room.js"),
    ),
    (
        "js/alerts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/alerts.js"),
    ),
    (
        "js/dashboards.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/dashboards.js"),
    ),
    (
        "vendor/uplot-1.6.32/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/uplot-1.6.32/uPlot.iife.min.js"),
    ),
    (
        "vendor/uplot-1.6.32/uPlot.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/vendor/uplot-1.6.32/uPlot.min.css"),
    ),
    (
        "vendor/uplot-1.6.32/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/vendor/uplot-1.6.32/LICENSE"),
    ),
];

/// Cache lifetime of a versioned asset.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

static BUILD: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for (path, _, bytes) in FILES {
        hash.update(path.as_bytes());
        hash.update(bytes);
    }
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The URL of an embedded file.
pub fn url(path: &str) -> String {
    format!("/assets/{}/{path}", BUILD.as_str())
}

/// `GET /assets/<build>/<path>`.
pub async fn serve(Path((build, path)): Path<(String, String)>) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(p, _, _)| *p == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // An old build's URL still gets today's file, but not for a year.
    let cache = if build == *BUILD {
        CACHE_FOREVER
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        *bytes,
    )
        .into_response()
}
