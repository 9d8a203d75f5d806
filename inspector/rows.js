// The events list's rows as plain trees, `{ tag, props, children }`, with no DOM: the page builds them
// into elements (dom.js), and the server writes the first screen of them into the page's HTML as
// escaped text (toHtml), so the first rows show before the page's script has loaded (issue 14, item 6).
// One definition of a row for both, so the two cannot drift.

/** A tree node. `props` as dom.js's h() takes them; children are trees, strings, or null to skip. */
export const el = (tag, props = {}, ...children) => ({ tag, props, children });

/** One row; its id is a link to the event (the keyboard's way in), and the whole row selects it on click. */
export function rowTree(summary, { selected = null, picked = [] } = {}) {
  const href = `#/events/${encodeURIComponent(summary.rid)}`;
  const name = summary.id ?? summary.rid;
  const isSelected = summary.rid === selected;
  return el(
    'tr',
    { class: isSelected ? 'selected' : null, 'data-rid': summary.rid },
    el(
      'td',
      {},
      el('input', {
        type: 'checkbox',
        class: 'pick',
        'aria-label': `Pick ${name} for diff`,
        checked: picked.includes(summary.rid),
        'data-rid': summary.rid,
      }),
    ),
    el('td', { class: 'time' }, timeOf(summary.received_at)),
    el('td', { class: 'type' }, summary.event ?? el('span', { class: 'muted' }, 'not an event'), origin(summary)),
    el(
      'td',
      { class: 'id' },
      el('a', { class: 'select', href, title: name, 'aria-current': isSelected ? 'true' : null }, name),
    ),
    el('td', {}, verdictBadge(summary.verdict, summary.reason_code)),
    el('td', { class: 'num' }, summary.status ?? '—'),
    el('td', {}, forwardCell(summary.forward)),
    el('td', { class: 'num' }, summary.forward ? latency(summary.forward.latency_ms) : ''),
  );
}

/** The marker of a replay or an edit, linking to the original. */
function origin(summary) {
  if (!summary.replay_of) return null;
  const what = summary.edited ? 'edit of ' : 'replay of ';
  return el(
    'span',
    { class: 'origin' },
    summary.edited ? '✎ ' : '↻ ',
    what,
    el('a', { href: `#/events/${encodeURIComponent(summary.replay_of)}` }, summary.replay_of),
  );
}

/** The listener's verdict, with the reason code when it failed. */
export function verdictBadge(verdict, code) {
  return el(
    'span',
    { class: `badge verdict-${verdict}` },
    verdict,
    code ? el('span', { class: 'code' }, ` ${code}`) : null,
  );
}

function forwardCell(forward) {
  if (!forward) return el('span', { class: 'muted' }, '—');
  const status = forward.status;
  const tone = status === null ? 'bad' : status < 300 ? 'good' : status < 500 ? 'warn' : 'bad';
  return el('span', { class: `status ${tone}`, title: forward.target }, status === null ? 'failed' : String(status));
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** A local time `HH:MM:SS.mmm` in a <time> element whose title is the full local date. */
export function timeOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el('span', {}, String(iso ?? ''));
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return el('time', { dateTime: iso, title: `${day} ${clock}` }, `${clock}.${pad(date.getMilliseconds(), 3)}`);
}

/** A latency in milliseconds for people: `0.8 ms`, `12 ms`, `1.24 s`. */
export function latency(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
// DOM property names h() sets that are spelt otherwise as HTML attributes.
const ATTRIBUTES = { dateTime: 'datetime', className: 'class' };
const VOID = new Set(['input', 'br', 'img', 'meta', 'link', 'hr']);

/**
 * A tree as HTML, every value escaped: what came from outside (an event's id, type or target) stays
 * text, whatever it holds. Tags and attribute names are the code's own, never a value.
 */
export function toHtml(node) {
  if (node === null || node === undefined || node === false) return '';
  if (Array.isArray(node)) return node.map(toHtml).join('');
  if (typeof node !== 'object') return escape(node);
  let html = `<${node.tag}`;
  for (const [key, value] of Object.entries(node.props)) {
    if (value === null || value === undefined || value === false) continue;
    const name = ATTRIBUTES[key] ?? key;
    html += value === true ? ` ${name}` : ` ${name}="${escape(value)}"`;
  }
  html += '>';
  if (VOID.has(node.tag)) return html;
  return `${html}${node.children.map(toHtml).join('')}</${node.tag}>`;
}
