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

/** Appends nodes, trees (rows.js) and strings (as text) to `el`, skipping null, undefined, false and ''. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    // An empty string makes no text node: a row built here is then the same node as one the HTML parser made.
    if (child === null || child === undefined || child === false || child === '') continue;
    el.append(child instanceof Node ? child : isTree(child) ? build(child) : String(child));
  }
  return el;
}

const isTree = (value) => typeof value === 'object' && typeof value.tag === 'string' && Array.isArray(value.children);

/** A tree from rows.js as elements. */
export const build = (tree) => h(tree.tag, tree.props, ...tree.children);

/** Empties `el` and fills it with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A two-column table of [name, value] pairs (headers), with an accessible name. */
export function pairsTable(label, pairs) {
  if (!pairs || pairs.length === 0) return h('p', { class: 'muted' }, 'none');
  const rows = pairs.map(([name, value]) =>
    h('tr', {}, h('th', { scope: 'row' }, String(name)), h('td', {}, String(value))),
  );
  return h('table', { class: 'pairs', 'aria-label': label }, h('tbody', {}, rows));
}

/** A definition list of the entries whose value is not empty. */
export function facts(entries) {
  const items = entries.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return h(
    'dl',
    { class: 'facts' },
    items.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}
