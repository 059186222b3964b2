// Built-in dashboards: room sensors (history of several rooms) and the
// server's own metrics (system health, MQTT traffic), refreshed every 5 s.
import { chart, chartMessage, palette, t } from './common.js';

const REFRESH_MS = 5000;

async function json(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function drawSensors() {
  const el = document.getElementById('sensors-chart');
  if (!el) return;
  const rooms = el.dataset.rooms.split(',').filter(Boolean);
  const { metric, unit } = el.dataset;
  const from = Number(el.dataset.from) / 1000;
  const to = Number(el.dataset.to) / 1000;
  try {
    const all = await Promise.all(rooms.map((room) =>
      json(`/rooms/${encodeURIComponent(room)}/history.json?sensor=${metric}&from=${from}&to=${to}&points=200`)));
    const xs = [...new Set(all.flatMap((h) => h.points.map((p) => p.ts_ms / 1000)))].sort((a, b) => a - b);
    if (xs.length === 0) {
      chartMessage(el, t('chart.empty'));
      return;
    }
    const colours = palette();
    const data = [xs, ...all.map((h) => {
      const byTs = new Map(h.points.map((p) => [p.ts_ms / 1000, p.mean]));
      return xs.map((x) => byTs.get(x) ?? null);
    })];
    const series = rooms.map((room, i) => ({
      label: room, stroke: colours.series[i % colours.series.length], width: 2, spanGaps: true,
    }));
    chart(el, series, data, { unit: ' ' + unit, xRange: [from, to] });
  } catch (e) {
    chartMessage(el, t('chart.failed'));
  }
}

const MIB = 1024 * 1024;

function seriesFor(name, body) {
  const s = body.samples;
  switch (name) {
    case 'cpu': return { unit: ' %', lines: [[t('chart.cpu'), s.map((x) => x.cpu_pct)]] };
    case 'memory': return { unit: ' MiB', lines: [[t('chart.memory'), s.map((x) => x.rss_bytes && x.rss_bytes / MIB)]] };
    case 'store': return { unit: ' MiB', lines: [[t('chart.store'), s.map((x) => x.store_bytes && x.store_bytes / MIB)]] };
    case 'latency': return { unit: ' ms', lines: [[t('chart.latency'), s.map((x) => x.latency_ms)]] };
    case 'messages': return {
      unit: '/s',
      lines: body.kinds.map((k, i) => [t('kind.' + k), s.map((x) => x.messages_per_s[i] ?? null)]),
    };
    case 'rejected': {
      const lines = body.reasons
        .map((r, i) => [r, s.map((x) => x.rejected_per_s[i] ?? null)])
        .filter(([, values]) => values.some((v) => v > 0));
      return { unit: '/s', lines: lines.length ? lines : [[t('chart.none'), s.map(() => 0)]] };
    }
    default: return { unit: '', lines: [] };
  }
}

const plots = new Map();

async function drawMetrics() {
  const box = document.getElementById('metric-charts');
  if (!box) return;
  let body;
  try {
    body = await json(box.dataset.source);
  } catch (e) {
    return;
  }
  const xs = body.samples.map((x) => x.t / 1000);
  const colours = palette();
  for (const el of box.querySelectorAll('.plot[data-series]')) {
    const { unit, lines } = seriesFor(el.dataset.series, body);
    if (xs.length < 2) {
      chartMessage(el, t('chart.collecting'));
      continue;
    }
    const data = [xs, ...lines.map(([, values]) => values)];
    const key = el.dataset.series + ':' + lines.map(([l]) => l).join(',');
    const existing = plots.get(el);
    if (existing && existing.key === key) {
      existing.plot.setData(data);
      continue;
    }
    const series = lines.map(([label], i) => ({
      label, stroke: colours.series[i % colours.series.length], width: 2, spanGaps: true,
    }));
    plots.set(el, { key, plot: chart(el, series, data, { unit }) });
  }
}

drawSensors();
drawMetrics();
setInterval(drawMetrics, REFRESH_MS);
window.addEventListener('themechange', () => {
  plots.clear();
  drawSensors();
  drawMetrics();
});
