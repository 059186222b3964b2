//! Sign-in and sign-out: `/login`, `/logout`, `/logout/everywhere`.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hotel_telemetry::clock::now_ms;
use maud::html;
use serde::Deserialize;

use crate::error::AppError;
use crate::http::auth;
use crate::password;
use crate::state::AppState;
use crate::web::csrf::{self, LOGIN_COOKIE};
use crate::web::layout::{self, Ctx, Nav};
use crate::web::limit::ClientIp;
use crate::web::session::{self, SESSION_TTL_MS, WebUser, cookie};

/// `?next=` of the sign-in page.
#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// The sign-in form as posted.
#[derive(Deserialize)]
pub struct SignIn {
    username: String,
    password: String,
    next: Option<String>,
}

/// `GET /login`.
pub async fn form(
    ctx: Ctx,
    user: Option<WebUser>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<NextParam>,
) -> Result<Response, AppError> {
    if let Some(user) = user {
        return Ok(Redirect::to(&session::home_of(&user)).into_response());
    }
    let secure = session::is_https(&headers, uri.scheme_str());
    let (seed, set) = match cookie(&headers, LOGIN_COOKIE) {
        Some(seed) => (seed.to_owned(), None),
        None => {
            let seed = password::random_secret(16);
            let set = session::set_cookie(LOGIN_COOKIE, &seed, 3600, "Strict", secure)?;
            (seed, Some(set))
        }
    };
    let page = render(&ctx, &csrf::token_for(&seed), q.next.as_deref(), "", None);
    let mut response = Html(page).into_response();
    if let Some(set) = set {
        response.headers_mut().insert(header::SET_COOKIE, set);
    }
    Ok(response)
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<SignIn>,
) -> Result<Response, AppError> {
    let tr = ctx.tr;
    let token = cookie(&headers, LOGIN_COOKIE)
        .map(csrf::token_for)
        .unwrap_or_default();
    let again = |status: StatusCode, message: String| {
        let page = render(
            &ctx,
            &token,
            form.next.as_deref(),
            &form.username,
            Some(&message),
        );
        Ok((status, Html(page)).into_response())
    };

    if let Some(wait) = state.web.limiter.blocked_for(&form.username, ip) {
        tracing::info!("sign-in refused: too many failures");
        let minutes = wait.as_secs().div_ceil(60).to_string();
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            tr.f("login.too_many", &[("minutes", &minutes)]),
        );
    }
    let Some(user) = auth::check_password(&state, &form.username, form.password).await? else {
        state.web.limiter.fail(&form.username, ip);
        tracing::info!("dashboard sign-in refused");
        return again(StatusCode::UNAUTHORIZED, tr.t("login.failed").to_owned());
    };
    state.web.limiter.succeed(&user.username);

    let now = now_ms();
    let expires_ms = user
        .expires_ms
        .map_or(now + SESSION_TTL_MS, |exp| exp.min(now + SESSION_TTL_MS));
    let secure = session::is_https(&headers, uri.scheme_str());
    let set = session::start(&state, &user.username, expires_ms, secure).await?;
    tracing::info!(user = %user.username, role = %user.role, "signed in to the dashboard");

    let home = match (user.role, user.room) {
        (hotel_core::Role::Guest, Some(room)) => format!("/rooms/{room}"),
        _ => "/rooms".to_owned(),
    };
    // Only a local path is followed, and a guest always goes to its room.
    let target = form
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .filter(|_| user.role != hotel_core::Role::Guest)
        .unwrap_or(home);
    let mut response = Redirect::to(&target).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set);
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(LOGIN_COOKIE, "", 0, "Strict", secure)?,
    );
    Ok(response)
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, AppError> {
    state.records.delete_session(&user.session_sha256).await?;
    tracing::info!(user = %user.username, "signed out");
    Ok(signed_out(&headers, &uri))
}

/// `POST /logout/everywhere`: ends every session of the account, dashboard
/// and API tokens alike.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    user: WebUser,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, AppError> {
    let ended = state.records.delete_sessions_of(&user.username).await?;
    tracing::info!(user = %user.username, sessions = ended, "signed out everywhere");
    Ok(signed_out(&headers, &uri))
}

fn signed_out(headers: &HeaderMap, uri: &Uri) -> Response {
    let secure = session::is_https(headers, uri.scheme_str());
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(secure));
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    response
}

fn render(
    ctx: &Ctx,
    token: &str,
    next: Option<&str>,
    username: &str,
    error: Option<&str>,
) -> String {
    let tr = ctx.tr;
    layout::page(
        ctx,
        None,
        tr.t("login.title"),
        Nav::None,
        &[],
        html! {
            section.narrow.card.login {
                h1 { (tr.t("login.title")) }
                p.muted { (tr.t("login.intro")) }
                @if let Some(error) = error {
                    p.error role="alert" id="login-error" { (error) }
                }
                form method="post" action="/login" {
                    input type="hidden" name=(csrf::FIELD) value=(token);
                    @if let Some(next) = next {
                        input type="hidden" name="next" value=(next);
                    }
                    div.field {
                        label for="username" { (tr.t("login.username")) }
                        input id="username" name="username" autocomplete="username" required
                            autocapitalize="none" spellcheck="false" value=(username)
                            aria-describedby=[error.map(|_| "login-error")];
                    }
                    div.field {
                        label for="password" { (tr.t("login.password")) }
                        input id="password" name="password" type="password"
                            autocomplete="current-password" required;
                    }
                    button.primary type="submit" { (tr.t("login.submit")) }
                }
            }
        },
    )
    .into_string()
}
