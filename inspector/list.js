// The events list: pages of summaries from /api/events (newest first, filtered by the server), live
// entries from the stream prepended, more pages loaded on scroll or with "Load more". Only the pages
// asked for are rendered, so a journal of 10,000 events costs one page (issue 14, item 6).
import { listEvents } from './api.js';
import { build, fill, h } from './dom.js';
import { rowTree } from './rows.js';

const PAGE = 200;
// Rows drawn at once when a page arrives: more than a screen holds. The rest of the page follows a task
// later, so the first rows are laid out and painted without waiting for all 200 (issue 14, item 6).
const FIRST_ROWS = 40;

/** `{ reload, live, select, picked }` over the list's elements; `hooks.onPick(rids)` hears the diff picks. */
export function createList(els, hooks) {
  const list = {
    els,
    hooks,
    entries: [],
    rows: new Map(),
    more: false,
    selected: null,
    picked: [],
    // The reload in flight (its AbortController), whether another is due, and the live entries that
    // arrived while it ran (they may be newer than its page).
    reloading: null,
    reloadAgain: false,
    arrived: null,
    loadingMore: false,
    // Whether the rows in the table are still the ones the server wrote into the HTML.
    served: true,
    // The rest of a page waiting to be drawn after the first rows (`{ cancel }`), or null.
    drawing: null,
    // Bumped by each reload: a page asked for before it belongs to another list.
    generation: 0,
  };
  list.observer = new IntersectionObserver(
    (seen) => {
      if (seen.some((entry) => entry.isIntersecting)) void loadMore(list);
    },
    { root: els.scroll, rootMargin: '600px' },
  );
  wire(list);
  return {
    reload: () => reload(list),
    // Another reload once the one in flight is done (or now): the stream opened while the first page loaded.
    refresh: () => reloadSoon(list),
    live: (summary, kind) => live(list, summary, kind),
    select: (rid) => select(list, rid),
    picked: () => [...list.picked],
  };
}

const filtered = (els) => Boolean(els.filter.value.trim() || els.type.value || els.status.value);

function query(els, before) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (before) params.set('before', before);
  const q = els.filter.value.trim();
  if (q) params.set('q', q);
  if (els.type.value) params.set('type', els.type.value);
  if (els.status.value) params.set('status', els.status.value);
  return params;
}

/** Fetches the first page again (filters changed, the stream (re)connected), replacing the list. */
async function reload(list) {
  list.reloading?.abort();
  const controller = new AbortController();
  list.reloading = controller;
  list.generation++;
  list.arrived = new Map();
  try {
    const page = await listEvents(query(list.els), controller.signal);
    const entries = merged(page.entries, list.arrived);
    list.more = page.more;
    // The same rows already shown (the refresh when the stream opens, most often): nothing to redraw. The
    // rows the server wrote are always looked at (the page may have come back empty, under a filter).
    if (same(entries, list.entries) && !list.served) showEnd(list);
    else {
      list.entries = entries;
      renderAll(list);
    }
    list.hooks.onProblem(null);
  } catch (error) {
    if (error.name !== 'AbortError') list.hooks.onProblem(`Could not load the events: ${error.message}`);
  } finally {
    if (list.reloading === controller) settle(list);
  }
}

function settle(list) {
  list.reloading = null;
  list.arrived = null;
  if (list.reloadAgain) {
    list.reloadAgain = false;
    void reload(list);
  }
}

/** A reload once the one in flight is done: live entries under a filter only the server can apply. */
function reloadSoon(list) {
  if (list.reloading) list.reloadAgain = true;
  else void reload(list);
}

async function loadMore(list) {
  const { els } = list;
  if (list.loadingMore || list.reloading || list.drawing || !list.more || list.entries.length === 0) return;
  list.loadingMore = true;
  els.loadMore.disabled = true;
  const generation = list.generation;
  try {
    const page = await listEvents(query(els, list.entries.at(-1).rid));
    if (generation !== list.generation) return;
    const fresh = page.entries.filter((e) => !list.rows.has(e.rid));
    list.entries.push(...fresh);
    list.more = page.more;
    els.rows.append(...fresh.map((summary) => renderRow(list, summary)));
    showEnd(list);
  } catch (error) {
    list.hooks.onProblem(`Could not load more events: ${error.message}`);
  } finally {
    list.loadingMore = false;
    els.loadMore.disabled = false;
  }
}

/** A summary from the stream: `entry` (new) or `update` (its forwards completed: same rid). */
function live(list, summary, kind) {
  if (filtered(list.els)) {
    reloadSoon(list);
    return;
  }
  const before = list.arrived?.get(summary.rid);
  list.arrived?.set(summary.rid, { summary, isNew: before?.isNew || kind === 'entry' });
  const row = list.rows.get(summary.rid);
  const at = list.entries.findIndex((e) => e.rid === summary.rid);
  if (at >= 0) list.entries[at] = summary;
  if (row) {
    row.replaceWith(renderRow(list, summary));
  } else if (kind === 'entry' && at < 0) {
    list.entries.unshift(summary);
    list.els.rows.prepend(renderRow(list, summary));
    showEnd(list);
  }
}

function renderAll(list) {
  list.rows.clear();
  list.drawing?.cancel();
  list.drawing = null;
  // The first time, the rows the server wrote into the HTML are kept when they are this page's first.
  const served = list.served;
  list.served = false;
  if (served && adoptServed(list)) {
    list.drawing = afterPaint(() => drawRest(list));
    return showEnd(list);
  }
  list.els.rows.replaceChildren(...list.entries.slice(0, FIRST_ROWS).map((summary) => renderRow(list, summary)));
  if (list.entries.length > FIRST_ROWS) list.drawing = afterPaint(() => drawRest(list));
  showEnd(list);
}

/** Runs `then` in the task after the next frame is painted; `cancel()` stops it. */
function afterPaint(then) {
  let timer;
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(then, 0);
  });
  return {
    cancel() {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    },
  };
}

/**
 * Takes the rows the server wrote into the HTML as the list's own when they are the page's first entries
 * in order: each is kept when it is the row the list would draw (rows.js made both), else replaced by
 * that row (an event whose forward finished since, the selected event, a time in another zone). Only
 * the rest of the page is then left to draw.
 */
function adoptServed(list) {
  const served = [...list.els.rows.rows];
  if (served.length === 0 || served.some((row, i) => row.dataset.rid !== list.entries[i]?.rid)) return false;
  served.forEach((row, i) => {
    const ticked = row.querySelector('input.pick')?.checked;
    const fresh = renderRow(list, list.entries[i]);
    if (fresh.isEqualNode(row)) list.rows.set(row.dataset.rid, row);
    else row.replaceWith(fresh);
    // A box ticked before the page's script ran is a pick all the same.
    if (ticked && !list.picked.includes(row.dataset.rid)) togglePick(list, row.dataset.rid, true);
  });
  return true;
}

/** The rest of the page after its first rows: every entry not drawn yet, in the list's order. */
function drawRest(list) {
  list.drawing = null;
  const fragment = document.createDocumentFragment();
  fragment.append(...list.entries.filter((e) => !list.rows.has(e.rid)).map((summary) => renderRow(list, summary)));
  list.els.rows.append(fragment);
  showEnd(list);
}

function showEnd(list) {
  const { els } = list;
  els.loadMore.hidden = !list.more || Boolean(list.drawing);
  // Observed afresh: the button may still be in view after a page, and only a change would be reported.
  list.observer.unobserve(els.loadMore);
  list.observer.observe(els.loadMore);
  els.empty.hidden = list.entries.length > 0;
  fill(els.empty, filtered(els) ? 'No event matches these filters.' : emptyJournal());
}

function renderRow(list, summary) {
  const row = rowFor(summary, list);
  list.rows.set(summary.rid, row);
  return row;
}

function select(list, rid) {
  const link = (row) => row?.querySelector('a.select');
  list.rows.get(list.selected)?.classList.remove('selected');
  link(list.rows.get(list.selected))?.removeAttribute('aria-current');
  list.selected = rid;
  const row = list.rows.get(rid);
  row?.classList.add('selected');
  link(row)?.setAttribute('aria-current', 'true');
}

function togglePick(list, rid, on) {
  list.picked = list.picked.filter((r) => r !== rid);
  if (on) list.picked.push(rid);
  // Two at most: ticking a third unticks the oldest pick.
  while (list.picked.length > 2) {
    const dropped = list.picked.shift();
    const box = list.rows.get(dropped)?.querySelector('input.pick');
    if (box) box.checked = false;
  }
  list.hooks.onPick([...list.picked]);
}

const same = (a, b) => a.length === b.length && a.every((entry, i) => JSON.stringify(entry) === JSON.stringify(b[i]));

/**
 * A fresh first page with what the stream brought while it was fetched: new entries the page missed go
 * first (newest first), and an update replaces the page's older copy of its entry.
 */
function merged(page, arrived) {
  const seen = new Set(page.map((e) => e.rid));
  const newer = [...arrived.values()]
    .filter((a) => a.isNew && !seen.has(a.summary.rid))
    .map((a) => a.summary)
    .reverse();
  return [...newer, ...page.map((e) => arrived.get(e.rid)?.summary ?? e)];
}

function emptyJournal() {
  return ['No events yet. Send one: ', h('code', {}, 'datachonk trigger generation.completed')];
}

function rowFor(summary, list) {
  return build(rowTree(summary, { selected: list.selected, picked: list.picked }));
}

function wire(list) {
  const { els } = list;
  els.filters.addEventListener('submit', (event) => event.preventDefault());
  els.filter.addEventListener('input', () => void reload(list));
  els.type.addEventListener('change', () => void reload(list));
  els.status.addEventListener('change', () => void reload(list));
  els.loadMore.addEventListener('click', () => void loadMore(list));
  els.rows.addEventListener('change', (event) => {
    if (event.target.matches('input.pick')) togglePick(list, event.target.dataset.rid, event.target.checked);
  });
  els.rows.addEventListener('click', (event) => {
    const row = event.target.closest('tr');
    if (!row || event.target.closest('a, input, button')) return;
    location.hash = `#/events/${encodeURIComponent(row.dataset.rid)}`;
  });
  els.rows.addEventListener('keydown', (event) => moveFocus(event));
}

/** Up and down arrows move between the rows' links, and open the event. */
function moveFocus(event) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const row = event.target.closest('tr');
  const next = event.key === 'ArrowDown' ? row?.nextElementSibling : row?.previousElementSibling;
  const link = next?.querySelector('a.select');
  if (!link) return;
  event.preventDefault();
  link.focus();
  location.hash = link.getAttribute('href');
}
