// DOM helpers. Everything that came from outside (event bodies, headers, the app's answers: attacker
// controlled, issue 14 item 5) becomes a text node: no innerHTML anywhere in the page.

/**
 * Creates an element. `props`: `class`, `on<event>` listeners, DOM properties (textContent, href, type,
 * disabled, value, checked…) or, for anything else, attributes. Children: nodes, or strings made text nodes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && !key.includes('-')) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends nodes and strings (as text) to `el`, skipping null, undefined and false. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Empties `el` and fills it with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** A local time `HH:MM:SS.mmm` in a <time> element whose title is the full local date. */
export function timeOf(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso ?? ''));
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return h('time', { dateTime: iso, title: `${day} ${clock}` }, `${clock}.${pad(date.getMilliseconds(), 3)}`);
}

/** A latency in milliseconds for people: `0.8 ms`, `12 ms`, `1.24 s`. */
export function latency(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A two-column table of [name, value] pairs (headers), with an accessible name. */
export function pairsTable(label, pairs) {
  if (!pairs || pairs.length === 0) return h('p', { class: 'muted' }, 'none');
  const rows = pairs.map(([name, value]) => h('tr', {}, h('th', { scope: 'row' }, String(name)), h('td', {}, String(value))));
  return h('table', { class: 'pairs', 'aria-label': label }, h('tbody', {}, rows));
}

/** A definition list of the entries whose value is not empty. */
export function facts(entries) {
  const items = entries.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return h('dl', { class: 'facts' }, items.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}
