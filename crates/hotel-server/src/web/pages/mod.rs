//! One module per page, and the small formatting helpers they share.

pub mod alerts;
pub mod dashboards;
pub mod energy;
pub mod login;
pub mod occupancy;
pub mod overview;
pub mod room;
pub mod thresholds;
pub mod users;

use axum::http::StatusCode;
use axum::response::Html;
use maud::{Markup, html};

use crate::web::i18n::Tr;
use crate::web::layout::{self, Ctx, Nav};
use crate::web::session::WebUser;

/// A small HTML page for an error status.
pub fn error_page(status: StatusCode) -> Html<String> {
    let ctx = Ctx {
        tr: Tr::default_language(),
        theme: None,
    };
    Html(error_markup(&ctx, None, status).into_string())
}

/// The error page's markup, in the request's language.
pub fn error_markup(ctx: &Ctx, user: Option<&WebUser>, status: StatusCode) -> Markup {
    let tr = ctx.tr;
    let (title, text) = match status {
        StatusCode::FORBIDDEN => (tr.t("error.forbidden.title"), tr.t("error.forbidden.text")),
        StatusCode::NOT_FOUND => (tr.t("error.not_found.title"), tr.t("error.not_found.text")),
        _ => (tr.t("error.other.title"), tr.t("error.other.text")),
    };
    layout::page(
        ctx,
        user,
        title,
        Nav::None,
        &[],
        html! {
            section.narrow {
                h1 { (title) }
                p { (text) }
                p { a href="/" { (tr.t("error.home")) } }
            }
        },
    )
}

/// Percent-encodes everything but unreserved characters (for a query value).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A value with one decimal and a unit, or an en dash when unknown.
pub fn value(v: Option<f64>, decimals: usize, unit: &str) -> String {
    match v {
        Some(v) if unit.is_empty() => format!("{v:.decimals$}"),
        Some(v) => format!("{v:.decimals$} {unit}"),
        None => "–".to_owned(),
    }
}

/// "12 s ago", "5 min ago", "3 h ago", "2 d ago", or "never".
pub fn age(tr: Tr, then_ms: Option<i64>, now_ms: i64) -> String {
    let Some(then) = then_ms else {
        return tr.t("js.age.never").to_owned();
    };
    let s = ((now_ms - then) / 1000).max(0);
    let (n, key) = match s {
        0..60 => (s, "js.age.seconds"),
        60..3600 => (s / 60, "js.age.minutes"),
        3600..86_400 => (s / 3600, "js.age.hours"),
        _ => (s / 86_400, "js.age.days"),
    };
    tr.f(key, &[("n", &n.to_string())])
}

/// A time as `YYYY-MM-DD HH:MM:SS` UTC.
pub fn timestamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values_ages_and_queries() {
        let tr = Tr::default_language();
        assert_eq!(value(Some(22.46), 1, "°C"), "22.5 °C");
        assert_eq!(value(None, 1, "°C"), "–");
        assert_eq!(age(tr, Some(0), 12_000), "12 s ago");
        assert_eq!(age(tr, Some(0), 7_200_000), "2 h ago");
        assert_eq!(age(tr, None, 0), "never");
        assert_eq!(percent_encode("/rooms?q=a b&x"), "/rooms%3Fq%3Da%20b%26x");
        assert_eq!(timestamp(1_733_300_000_000), "2024-12-04 08:13:20 UTC");
    }
}
