//! WebSocket feeds: `/ws/rooms/` (every room the caller may see) and
//! `/ws/room/<id>/`. Each connection first gets the current state of its
//! rooms, then one JSON room object per update as it is ingested.
//! `/ws/alerts/` first sends the open alerts the caller may see, then each
//! alert as it is raised, changes level, is acknowledged or clears.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use hotel_core::RoomId;
use hotel_core::store::AlertQuery;
use hotel_telemetry::clock::now_ms;
use tokio::sync::broadcast::error::RecvError;

use crate::alert::AlertView;
use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::rooms::visible_room;
use crate::state::AppState;

/// How often an open feed re-checks that its session and account still
/// work; sign-out, disabling and checkout end the feed within this time.
pub const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// `GET /ws/rooms/`.
pub async fn rooms(
    State(state): State<AppState>,
    caller: Caller,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| feed(socket, state, caller, None))
}

/// `GET /ws/room/<id>/`.
pub async fn room(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let room = visible_room(&state, &caller, &id)?;
    Ok(ws.on_upgrade(move |socket| feed(socket, state, caller, Some(room))))
}

async fn feed(mut socket: WebSocket, state: AppState, caller: Caller, only: Option<RoomId>) {
    let wanted = |id: &RoomId| caller.access.allows_room(id) && only.is_none_or(|o| o == *id);
    // Subscribe before the snapshot so nothing falls between the two.
    let mut updates = state.live.subscribe();
    for view in state
        .live
        .views(now_ms())
        .into_iter()
        .filter(|v| wanted(&v.id))
    {
        if send_json(&mut socket, &view).await.is_err() {
            return;
        }
    }
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
    loop {
        tokio::select! {
            _ = recheck.tick() => {
                if !caller.is_still_valid(&state).await {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
            update = updates.recv() => match update {
                Ok(view) if wanted(&view.id) => {
                    if send_json(&mut socket, view.as_ref()).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                // A slow client skips ahead; the next update carries the full room.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// `GET /ws/alerts/`.
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| alert_feed(socket, state, caller))
}

async fn alert_feed(mut socket: WebSocket, state: AppState, caller: Caller) {
    let mut updates = state.alerts.updates.subscribe();
    let open = AlertQuery {
        open: Some(true),
        limit: 1_000,
        ..AlertQuery::default()
    };
    let snapshot = match state.alerts.store.alerts(&open).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(error = %e, "could not load open alerts for a feed");
            Vec::new()
        }
    };
    for alert in snapshot
        .iter()
        .filter(|a| caller.access.allows_room(&a.room))
    {
        if send_json(&mut socket, &AlertView::from(alert))
            .await
            .is_err()
        {
            return;
        }
    }
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
    loop {
        tokio::select! {
            _ = recheck.tick() => {
                if !caller.is_still_valid(&state).await {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
            update = updates.recv() => match update {
                Ok(alert) if caller.access.allows_room(&alert.room) => {
                    if send_json(&mut socket, alert.as_ref()).await.is_err() {
                        return;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn send_json<T: serde::Serialize>(socket: &mut WebSocket, value: &T) -> Result<(), ()> {
    let text = serde_json::to_string(value).map_err(|_| ())?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| ())
}
