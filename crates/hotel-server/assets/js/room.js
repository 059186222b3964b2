// Room page: live values, controls with device acknowledgement, history
// charts with a min/max band.
import { applyRoom, chart, chartMessage, connectLive, csrfToken, palette, t } from './common.js';

/** How long a control waits for the device to report the new state, ms. */
const ACK_TIMEOUT_MS = 15000;

const live = document.getElementById('live');
const pending = new Map();

function matches(kind, expected, room) {
  switch (kind) {
    case 'target': return room.target_temp !== null && Math.abs(room.target_temp - expected) < 0.01;
    case 'climate': return room.climate_mode === expected;
    case 'fan': return room.fan_speed === expected;
    case 'light': return room.light_mode === expected;
    default: return false;
  }
}

function feedback(form, state, text) {
  const out = form.querySelector('output.feedback');
  out.dataset.state = state;
  out.textContent = text;
}

function checkAcks(room) {
  const seen = room.last_seen ? Date.parse(room.last_seen) : 0;
  for (const [form, p] of pending) {
    if (seen >= p.sentMs && matches(p.kind, p.expected, room)) {
      clearTimeout(p.timer);
      pending.delete(form);
      feedback(form, 'ack', t('control.ack'));
    }
  }
}

if (live) {
  const header = document.querySelector('.page-head [data-f="status"]');
  connectLive(live.dataset.live, (room) => {
    applyRoom(live, room);
    if (header) applyRoom(header.parentElement, room);
    checkAcks(room);
  });
}

for (const form of document.querySelectorAll('form.control')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const kind = body.get('kind');
    const raw = body.get('value');
    const expected = kind === 'target' ? Number(raw) : raw;
    const old = pending.get(form);
    if (old) clearTimeout(old.timer);
    pending.delete(form);
    feedback(form, 'sending', t('control.sending'));
    let response;
    try {
      response = await fetch(form.action, {
        method: 'POST',
        body,
        headers: { 'x-csrf-token': csrfToken(), Accept: 'application/json' },
        credentials: 'same-origin',
      });
    } catch {
      feedback(form, 'error', t('control.broker'));
      return;
    }
    const reply = await response.json().catch(() => ({}));
    if (response.status !== 202) {
      feedback(form, 'error', t('control.' + (reply.error || 'range')));
      return;
    }
    feedback(form, 'sent', t('control.sent'));
    const timer = setTimeout(() => {
      pending.delete(form);
      feedback(form, 'timeout', t('control.timeout', { s: ACK_TIMEOUT_MS / 1000 }));
    }, ACK_TIMEOUT_MS);
    pending.set(form, { kind, expected, sentMs: reply.sent_ms, timer });
  });
}

/** History points of `sensor` from `from` to `to` (Unix ms); `ts_ms` in ms. */
async function history(base, sensor, from, to) {
  const url = `${base}?sensor=${sensor}&from=${from / 1000}&to=${to / 1000}&points=300`;
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`history ${response.status}`);
  return (await response.json()).points;
}

const UNIT = { temperature: ' °C', humidity: ' %', light_percent: ' %', gas_level: '' };

async function drawCharts() {
  const section = document.getElementById('charts');
  if (!section) return;
  const base = section.dataset.history;
  const from = Number(section.dataset.from);
  const to = Number(section.dataset.to);
  const colours = palette();
  for (const el of section.querySelectorAll('.plot[data-sensor]')) {
    const sensor = el.dataset.sensor;
    try {
      const points = await history(base, sensor, from, to);
      if (points.length === 0) {
        chartMessage(el, t('chart.empty'));
        continue;
      }
      const xs = points.map((p) => p.ts_ms / 1000);
      const data = [xs, points.map((p) => p.mean), points.map((p) => p.min), points.map((p) => p.max)];
      const colour = colours.series[0];
      const series = [
        { label: t('chart.mean'), stroke: colour, width: 2 },
        { label: t('chart.min'), stroke: colours.band, width: 1 },
        { label: t('chart.max'), stroke: colours.band, width: 1 },
      ];
      if (sensor === 'temperature') {
        const target = await history(base, 'target_temp', from, to);
        const byTs = new Map(target.map((p) => [p.ts_ms / 1000, p.mean]));
        data.push(xs.map((x) => byTs.get(x) ?? null));
        series.push({ label: t('metric.target_temp'), stroke: colours.series[2], width: 2, dash: [6, 4], spanGaps: true });
      }
      chart(el, series, data, {
        unit: UNIT[sensor],
        xRange: [from / 1000, to / 1000],
        bands: [{ series: [3, 2], fill: colours.band + '55' }],
      });
    } catch (e) {
      chartMessage(el, t('chart.failed'));
    }
  }
}

drawCharts();
window.addEventListener('themechange', drawCharts);
