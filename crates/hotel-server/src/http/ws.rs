//! WebSocket feeds: `/ws/rooms/` (every room the caller may see) and
//! `/ws/room/<id>/`. Each connection first gets the current state of its
//! rooms, then one JSON room object per update as it is ingested.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use hotel_core::RoomId;
use hotel_telemetry::clock::now_ms;
use tokio::sync::broadcast::error::RecvError;

use crate::error::AppError;
use crate::http::auth::Caller;
use crate::http::rooms::visible_room;
use crate::state::AppState;

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
    loop {
        tokio::select! {
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

async fn send_json<T: serde::Serialize>(socket: &mut WebSocket, value: &T) -> Result<(), ()> {
    let text = serde_json::to_string(value).map_err(|_| ())?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| ())
}
