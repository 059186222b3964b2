//! The page shell: `<head>`, the top bar with navigation, theme switch and
//! sign-out, and the main landmark every page fills.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::web::assets;
use crate::web::csrf;
use crate::web::i18n::Tr;
use crate::web::session::{WebUser, cookie};

/// Cookie holding the chosen theme (`light` or `dark`; absent: the system's).
pub const THEME_COOKIE: &str = "hotel_theme";

/// Where the vendored chart library lives under `assets/`.
pub const UPLOT_DIR: &str = "vendor/uplot-1.6.32";

/// The chart library's script, for pages with charts.
pub const UPLOT_JS: &str = "vendor/uplot-1.6.32/uPlot.iife.min.js";

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// No entry (sign-in, errors).
    None,
    /// Rooms overview and room pages.
    Rooms,
    /// Room sensors dashboard.
    Sensors,
    /// System health dashboard.
    Health,
    /// MQTT traffic dashboard.
    Mqtt,
    /// Accounts.
    Users,
    /// Audit log.
    Audit,
    /// Notification centre.
    Alerts,
    /// Alert thresholds.
    Thresholds,
    /// Notification settings.
    Notifications,
    /// Energy view.
    Energy,
}

/// Language and theme of one request.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// The catalogue.
    pub tr: Tr,
    /// `Some("light")`, `Some("dark")`, or the system's when `None`.
    pub theme: Option<&'static str>,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let theme = match cookie(&parts.headers, THEME_COOKIE) {
            Some("light") => Some("light"),
            Some("dark") => Some("dark"),
            _ => None,
        };
        Ok(Ctx {
            tr: Tr::from_headers(&parts.headers),
            theme,
        })
    }
}

/// A whole page.
pub fn page(
    ctx: &Ctx,
    user: Option<&WebUser>,
    title: &str,
    nav: Nav,
    scripts: &[&str],
    content: Markup,
) -> Markup {
    let tr = ctx.tr;
    html! {
        (DOCTYPE)
        html lang=(tr.lang()) data-theme=[ctx.theme] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · " (tr.t("app.name")) }
                @if scripts.iter().any(|s| s.starts_with(UPLOT_DIR)) {
                    link rel="stylesheet" href=(assets::url(&format!("{UPLOT_DIR}/uPlot.min.css")));
                }
                link rel="stylesheet" href=(assets::url("css/app.css"));
                @for script in scripts {
                    @if script.starts_with("vendor/") {
                        script src=(assets::url(script)) defer {}
                    } @else {
                        script type="module" src=(assets::url(script)) {}
                    }
                }
                script type="application/json" id="i18n" {
                    (PreEscaped(ctx.tr.script_texts_json().replace("</", "<\\/")))
                }
            }
            body {
                a.skip href="#main" { (tr.t("nav.skip")) }
                header.topbar {
                    a.brand href="/" { span.logo aria-hidden="true" { "◆" } (tr.t("app.name")) }
                    @if let Some(user) = user {
                        (navigation(tr, user, nav))
                    }
                    div.tools {
                        button.theme-toggle type="button" id="theme-toggle" hidden
                            aria-label=(tr.t("theme.toggle")) title=(tr.t("theme.toggle")) {
                            span aria-hidden="true" { "◐" }
                        }
                        @if let Some(user) = user {
                            details.account {
                                summary {
                                    span.visually-hidden { (tr.t("nav.signed_in_as")) " " }
                                    (user.username)
                                    " " span.badge { (role_name(tr, user)) }
                                }
                                div.menu {
                                    form method="post" action="/logout" {
                                        input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                                        button type="submit" { (tr.t("nav.sign_out")) }
                                    }
                                    form method="post" action="/logout/everywhere" {
                                        input type="hidden" name=(csrf::FIELD) value=(user.csrf);
                                        button type="submit" { (tr.t("nav.sign_out_everywhere")) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" { (content) }
                script type="module" src=(assets::url("js/common.js")) {}
            }
        }
    }
}

fn role_name(tr: Tr, user: &WebUser) -> &'static str {
    match user.access.role {
        hotel_core::Role::Admin => tr.t("role.admin"),
        hotel_core::Role::Monitor => tr.t("role.monitor"),
        hotel_core::Role::Guest => tr.t("role.guest"),
    }
}

fn navigation(tr: Tr, user: &WebUser, current: Nav) -> Markup {
    let item = |nav: Nav, href: &str, label: &str| {
        html! {
            li { a href=(href) aria-current=[(nav == current).then_some("page")] { (label) } }
        }
    };
    html! {
        nav aria-label=(tr.t("nav.label")) {
            ul {
                @if user.is_guest() {
                    (item(Nav::Rooms, &crate::web::session::home_of(user), tr.t("nav.my_room")))
                } @else {
                    (item(Nav::Rooms, "/rooms", tr.t("nav.rooms")))
                    (item(Nav::Sensors, "/dashboards/sensors", tr.t("nav.sensors")))
                    (item(Nav::Health, "/dashboards/health", tr.t("nav.health")))
                    (item(Nav::Mqtt, "/dashboards/mqtt", tr.t("nav.mqtt")))
                    (item(Nav::Alerts, "/alerts", tr.t("nav.alerts")))
                    (item(Nav::Thresholds, "/thresholds", tr.t("nav.thresholds")))
                    (item(Nav::Energy, "/energy", tr.t("nav.energy")))
                    @if user.is_admin() {
                        (item(Nav::Notifications, "/notifications", tr.t("nav.notifications")))
                        (item(Nav::Users, "/users", tr.t("nav.users")))
                        (item(Nav::Audit, "/audit", tr.t("nav.audit")))
                    }
                }
            }
        }
    }
}
