//! A fake Telegram Bot API on 127.0.0.1: checks each request against the
//! documented form of `sendMessage` and answers like the real API,
//! including its 429 `retry_after` and 401 answers, on demand. Also a fake
//! webhook receiver.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub const TOKEN: &str = "123456:TEST-token_not-real";
pub const CHAT_ID: &str = "-100777";

/// What the fake answers next.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Ok,
    RateLimited(u64),
    Unauthorized,
}

/// One request as received, valid or not.
#[derive(Debug, Clone)]
pub struct BotRequest {
    pub at: Instant,
    pub path_ok: bool,
    /// Why the request breaks the Bot API's form, if it does.
    pub invalid: Option<String>,
    pub chat_id: Value,
    pub text: String,
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    requests: Vec<BotRequest>,
    plan: VecDeque<Reply>,
    always: Option<Reply>,
    next_id: i64,
}

#[derive(Clone)]
pub struct FakeBot {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeBot {
    pub async fn start() -> FakeBot {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .route("/{bot}/sendMessage", post(send_message))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeBot { base, shared }
    }

    /// Answers these, in order, then `Ok` (or what `always` says).
    pub fn plan(&self, replies: &[Reply]) {
        self.shared
            .lock()
            .unwrap()
            .plan
            .extend(replies.iter().copied());
    }

    pub fn always(&self, reply: Reply) {
        self.shared.lock().unwrap().always = Some(reply);
    }

    pub fn requests(&self) -> Vec<BotRequest> {
        self.shared.lock().unwrap().requests.clone()
    }
}

async fn send_message(
    State(shared): State<Arc<Mutex<Shared>>>,
    Path(bot): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let path_ok = bot.strip_prefix("bot") == Some(TOKEN);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed: Option<Value> = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).ok()
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let map: serde_json::Map<String, Value> = form_pairs(&body)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Some(Value::Object(map))
    } else {
        None
    };
    let invalid = check_form(parsed.as_ref());
    let body = parsed.unwrap_or(Value::Null);
    let chat_id = body["chat_id"].clone();
    let text = body["text"].as_str().unwrap_or("").to_owned();

    let mut shared = shared.lock().unwrap();
    let reply = if !path_ok {
        Some(Reply::Unauthorized)
    } else if invalid.is_some() {
        None
    } else {
        Some(
            shared
                .plan
                .pop_front()
                .or(shared.always)
                .unwrap_or(Reply::Ok),
        )
    };
    let (status, answer) = match reply {
        None => (
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error_code": 400, "description": format!("Bad Request: {}", invalid.as_deref().unwrap_or(""))}),
        ),
        Some(Reply::Unauthorized) => (
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
        ),
        Some(Reply::RateLimited(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {secs}"),
                "parameters": {"retry_after": secs},
            }),
        ),
        Some(Reply::Ok) => {
            shared.next_id += 1;
            (
                StatusCode::OK,
                json!({
                    "ok": true,
                    "result": {
                        "message_id": shared.next_id,
                        "date": 1_733_300_000,
                        "chat": {"id": chat_id, "type": "supergroup", "title": "Front desk"},
                        "from": {"id": 123456, "is_bot": true, "first_name": "Hotel"},
                        "text": text,
                    },
                }),
            )
        }
    };
    shared.requests.push(BotRequest {
        at,
        path_ok,
        invalid,
        chat_id,
        text,
        status: status.as_u16(),
    });
    (status, axum::Json(answer)).into_response()
}

/// What breaks the documented form of `sendMessage`, if anything.
fn check_form(body: Option<&Value>) -> Option<String> {
    let Some(body) = body.and_then(Value::as_object) else {
        return Some("body is not JSON or a form".to_owned());
    };
    match body.get("chat_id") {
        Some(Value::Number(n)) if n.is_i64() => {}
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => return Some("chat_id is missing or not an integer or string".to_owned()),
    }
    match body.get("text").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() && t.chars().count() <= 4096 => {}
        _ => return Some("message text is empty or too long".to_owned()),
    }
    if let Some(mode) = body.get("parse_mode")
        && !matches!(mode.as_str(), Some("HTML" | "Markdown" | "MarkdownV2"))
    {
        return Some("unsupported parse_mode".to_owned());
    }
    if let Some(flag) = body.get("disable_web_page_preview")
        && !flag.is_boolean()
        && !matches!(flag.as_str(), Some("true" | "false"))
    {
        return Some("disable_web_page_preview must be a boolean".to_owned());
    }
    None
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace('+', " ")))
        .collect()
}

/// A webhook receiver: records each JSON body, answers with `status`.
#[derive(Clone)]
pub struct FakeHook {
    pub url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl FakeHook {
    pub async fn start() -> FakeHook {
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let app = Router::new()
            .route(
                "/hooks/{key}",
                post(
                    |State(bodies): State<Arc<Mutex<Vec<Value>>>>,
                     axum::Json(body): axum::Json<Value>| async move {
                        bodies.lock().unwrap().push(body);
                        StatusCode::NO_CONTENT
                    },
                ),
            )
            .with_state(bodies.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/s3cret-key", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeHook { url, bodies }
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}
