// Notification centre: listens to the alert feed and, when an alert is new,
// ends or is acknowledged after the page loaded, says so and offers a
// reload. Text only, never HTML from the feed.
import { connectLive, t } from './common.js';

const feed = document.getElementById('alert-feed');
if (feed) {
  const shown = new Map();
  for (const row of document.querySelectorAll('tr[data-alert]')) {
    shown.set(row.dataset.alert, {
      ended: row.hasAttribute('data-ended'),
      acked: row.hasAttribute('data-acked'),
    });
  }
  const changed = new Set();
  connectLive(feed.dataset.live, (alert) => {
    const id = String(alert.id);
    const before = shown.get(id);
    const ended = alert.ended_at !== null && alert.ended_at !== undefined;
    const acked = alert.acknowledged_by !== null && alert.acknowledged_by !== undefined;
    if (before && before.ended === ended && before.acked === acked) return;
    changed.add(t('alerts.new', { room: alert.room, type: alert.type, level: alert.level }));
    feed.replaceChildren();
    const p = document.createElement('p');
    p.className = 'notice';
    p.textContent = t('alerts.changed', { what: [...changed].join('; ') }) + ' ';
    const reload = document.createElement('a');
    reload.href = location.pathname;
    reload.textContent = t('alerts.reload');
    p.append(reload);
    feed.append(p);
  });
}
