// Rooms overview: keeps every card live over the WebSocket and moves a card
// to the problems at the top when its room goes offline.
import { applyRoom, connectLive, statusOf } from './common.js';

const list = document.getElementById('rooms');
if (list) {
  connectLive(list.dataset.live, (room) => {
    const card = document.getElementById('room-' + room.id);
    if (!card) return;
    const before = card.dataset.status;
    applyRoom(card, room);
    const after = statusOf(room);
    card.dataset.status = after;
    // A room with an open alert stays among the problems.
    if (before === after || card.dataset.alert) return;
    if (after !== 'online') {
      list.prepend(card);
    } else {
      const problems = list.querySelectorAll('li[data-status="offline"], li[data-status="nodata"], li[data-alert]');
      const last = problems[problems.length - 1];
      if (last) last.after(card);
    }
  });
}
