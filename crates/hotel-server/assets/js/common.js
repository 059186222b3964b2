// Shared helpers of the dashboard's scripts: texts from the page's message
// catalogue, value formatting, the live WebSocket feed, charts, the theme
// switch. Pages work without any of this; it only adds live updates.

const textsEl = document.getElementById('i18n');
export const texts = textsEl ? JSON.parse(textsEl.textContent) : {};

/** The text of a catalogue key (without its `js.` prefix). */
export function t(key, args = {}) {
  let text = texts[key] ?? key;
  for (const [name, value] of Object.entries(args)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

const UNITS = {
  temperature: [1, ' °C'],
  target_temp: [1, ' °C'],
  humidity: [0, ' %'],
  light_percent: [0, ' %'],
  gas_level: [0, ''],
};

/** A room field as the server renders it. */
export function formatField(field, room) {
  const value = room[field];
  if (value === null || value === undefined) return '–';
  if (field in UNITS) {
    const [decimals, unit] = UNITS[field];
    return Number(value).toFixed(decimals) + unit;
  }
  if (field === 'heating') return t(value ? 'word.on' : 'word.off');
  if (field === 'occupancy') return t('occupancy.' + value);
  return t('word.' + value);
}

/** Catalogue keys of a room's flags that are set, in the server's order. */
export function flagKeys(room) {
  const keys = [];
  if (room.do_not_disturb === true) keys.push('flag.dnd');
  if (room.make_up_room === true) keys.push('flag.make_up');
  return keys;
}

/** Shows a room's flags as badges; hides the row when none is set. */
export function setFlags(el, room) {
  const keys = flagKeys(room);
  const text = keys.map((key) => t(key)).join(' ');
  const row = el.closest('.flags');
  if (row) row.hidden = keys.length === 0;
  if (el.textContent.trim() === text) return;
  const badges = [];
  for (const key of keys) {
    if (badges.length) badges.push(document.createTextNode(' '));
    const badge = document.createElement('span');
    badge.className = 'flag';
    badge.textContent = t(key);
    badges.push(badge);
  }
  el.replaceChildren(...badges);
  el.classList.remove('changed');
  void el.offsetWidth;
  el.classList.add('changed');
}

/** "12 s ago" and so on. */
export function ageText(ms) {
  if (!ms) return t('age.never');
  const s = Math.max(0, Math.floor((Date.now() - ms) / 1000));
  if (s < 60) return t('age.seconds', { n: s });
  if (s < 3600) return t('age.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('age.hours', { n: Math.floor(s / 3600) });
  return t('age.days', { n: Math.floor(s / 86400) });
}

/** online, offline or nodata, as the server decides it. */
export function statusOf(room) {
  if (room.online) return 'online';
  return room.last_seen ? 'offline' : 'nodata';
}

/** Writes a room's values into the `[data-f]` elements under `root`. */
export function applyRoom(root, room) {
  for (const el of root.querySelectorAll('[data-f]')) {
    const field = el.dataset.f;
    if (field === 'age') {
      if (room.reading_ts_ms) el.dataset.ms = room.reading_ts_ms;
      el.textContent = ageText(Number(el.dataset.ms) || null);
    } else if (field === 'status') {
      setStatus(el, statusOf(room));
    } else if (field === 'flags') {
      setFlags(el, room);
    } else {
      const text = formatField(field, room);
      if (el.textContent !== text) {
        el.textContent = text;
        el.classList.remove('changed');
        void el.offsetWidth;
        el.classList.add('changed');
      }
    }
  }
}

/** Shows a status word with its dot. */
export function setStatus(el, status) {
  el.dataset.status = status;
  const dot = document.createElement('span');
  dot.className = 'dot';
  dot.setAttribute('aria-hidden', 'true');
  el.replaceChildren(dot, document.createTextNode(t('status.' + status)));
}

/** The CSRF token of the page's forms. */
export function csrfToken() {
  const input = document.querySelector('input[name="csrf"]');
  return input ? input.value : '';
}

/**
 * Opens the live feed at `path` and calls `onRoom` with every room object;
 * reconnects with backoff when the connection drops.
 */
export function connectLive(path, onRoom) {
  let delay = 1000;
  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}${path}`);
    ws.addEventListener('open', () => {
      delay = 1000;
      document.body.dataset.live = 'on';
    });
    ws.addEventListener('message', (event) => {
      try {
        onRoom(JSON.parse(event.data));
      } catch (e) {
        console.warn('bad live message', e);
      }
    });
    ws.addEventListener('close', () => {
      document.body.dataset.live = 'off';
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };
  open();
}

/** Colours of chart series, from the theme's CSS variables. */
export function palette() {
  const css = getComputedStyle(document.documentElement);
  const get = (name) => css.getPropertyValue(name).trim();
  return {
    series: [1, 2, 3, 4, 5, 6].map((i) => get(`--chart-${i}`)),
    band: get('--chart-band'),
    grid: get('--border'),
    text: get('--muted'),
  };
}

/**
 * The x range of a time chart over `[from, to]` (Unix seconds): the whole
 * range when uPlot asks for all the data (at first, and when a zoom is reset),
 * else the zoomed part within it. uPlot's own choice pads a lone point by
 * its magnitude, years for a timestamp.
 */
export function timeRange(from, to) {
  return (u, min, max) => {
    const xs = u.data[0];
    if (min == null || !xs.length || (min <= xs[0] && max >= xs[xs.length - 1])) return [from, to];
    return [Math.max(min, from), Math.min(max, to)];
  };
}

/**
 * Draws a uPlot chart in `el`; returns it (or null without uPlot). `xRange`
 * is `[from, to]` in Unix seconds, as uPlot counts time.
 */
export function chart(el, series, data, { unit = '', bands = [], xRange = null } = {}) {
  if (!window.uPlot) return null;
  const colours = palette();
  const axis = {
    stroke: colours.text,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid, width: 1 },
  };
  const options = {
    width: Math.max(el.clientWidth, 240),
    height: el.classList.contains('wide') ? 320 : 200,
    series: [{}, ...series],
    bands,
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    axes: [axis, { ...axis, size: 56, values: (u, vals) => vals.map((v) => v + unit) }],
    scales: { x: xRange ? { time: true, range: timeRange(...xRange) } : { time: true } },
  };
  el.replaceChildren();
  const plot = new window.uPlot(options, data, el);
  new ResizeObserver(() => {
    plot.setSize({ width: Math.max(el.clientWidth, 240), height: options.height });
  }).observe(el);
  return plot;
}

/** Shows a short message in a chart's place. */
export function chartMessage(el, text) {
  const p = document.createElement('p');
  p.className = 'muted chart-empty';
  p.textContent = text;
  el.replaceChildren(p);
}

// Forms that undo a lot at once ask first (`data-confirm` holds the question);
// without scripts they post straight away.
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Ages tick every second.
setInterval(() => {
  for (const el of document.querySelectorAll('[data-f="age"]')) {
    el.textContent = ageText(Number(el.dataset.ms) || null);
  }
}, 1000);

// Theme switch: light, dark, or the system's; remembered in a cookie.
const toggle = document.getElementById('theme-toggle');
if (toggle) {
  toggle.hidden = false;
  toggle.addEventListener('click', () => {
    const root = document.documentElement;
    const systemDark = matchMedia('(prefers-color-scheme: dark)').matches;
    const current = root.dataset.theme || (systemDark ? 'dark' : 'light');
    const next = current === 'dark' ? 'light' : 'dark';
    root.dataset.theme = next;
    document.cookie = `hotel_theme=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
    window.dispatchEvent(new Event('themechange'));
  });
}
