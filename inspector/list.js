// The events list: pages of summaries from /api/events (newest first, filtered by the server), live
// entries from the stream prepended, more pages loaded on scroll or with "Load more". Only the pages
// asked for are rendered, so a journal of 10,000 events costs one page (issue 14, item 6).
import { listEvents } from './api.js';
import { h, fill, latency, timeOf } from './dom.js';

const PAGE = 200;

/** `{ reload, live, select, picked }` over the list's elements; `hooks.onPick(rids)` hears the diff picks. */
export function createList(els, hooks) {
  const list = {
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
    // Bumped by each reload: a page asked for before it belongs to another list.
    generation: 0,
  };

  const filtered = () => Boolean(els.filter.value.trim() || els.type.value || els.status.value);

  function query(before) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (before) params.set('before', before);
    const q = els.filter.value.trim();
    if (q) params.set('q', q);
    if (els.type.value) params.set('type', els.type.value);
    if (els.status.value) params.set('status', els.status.value);
    return params;
  }

  /** Fetches the first page again (filters changed, the stream (re)connected), replacing the list. */
  async function reload() {
    list.reloading?.abort();
    const controller = new AbortController();
    list.reloading = controller;
    list.generation++;
    list.arrived = new Map();
    try {
      const page = await listEvents(query(), controller.signal);
      list.entries = merged(page.entries, list.arrived);
      list.more = page.more;
      renderAll();
      hooks.onProblem(null);
    } catch (error) {
      if (error.name !== 'AbortError') hooks.onProblem(`Could not load the events: ${error.message}`);
    } finally {
      if (list.reloading === controller) settle();
    }
  }

  function settle() {
    list.reloading = null;
    list.arrived = null;
    if (list.reloadAgain) {
      list.reloadAgain = false;
      void reload();
    }
  }

  /** A reload once the one in flight is done: live entries under a filter only the server can apply. */
  function reloadSoon() {
    if (list.reloading) list.reloadAgain = true;
    else void reload();
  }

  async function loadMore() {
    if (list.loadingMore || list.reloading || !list.more || list.entries.length === 0) return;
    list.loadingMore = true;
    els.loadMore.disabled = true;
    const generation = list.generation;
    try {
      const page = await listEvents(query(list.entries.at(-1).rid));
      if (generation !== list.generation) return;
      const fresh = page.entries.filter((e) => !list.rows.has(e.rid));
      list.entries.push(...fresh);
      list.more = page.more;
      els.rows.append(...fresh.map(renderRow));
      showEnd();
    } catch (error) {
      hooks.onProblem(`Could not load more events: ${error.message}`);
    } finally {
      list.loadingMore = false;
      els.loadMore.disabled = false;
    }
  }

  /** A summary from the stream: `entry` (new) or `update` (its forwards completed: same rid). */
  function live(summary, kind) {
    if (filtered()) {
      reloadSoon();
      return;
    }
    const before = list.arrived?.get(summary.rid);
    list.arrived?.set(summary.rid, { summary, isNew: before?.isNew || kind === 'entry' });
    const row = list.rows.get(summary.rid);
    if (row) {
      list.entries[list.entries.findIndex((e) => e.rid === summary.rid)] = summary;
      row.replaceWith(renderRow(summary));
    } else if (kind === 'entry') {
      list.entries.unshift(summary);
      els.rows.prepend(renderRow(summary));
      showEnd();
    }
  }

  function renderAll() {
    list.rows.clear();
    const fragment = document.createDocumentFragment();
    fragment.append(...list.entries.map(renderRow));
    els.rows.replaceChildren(fragment);
    showEnd();
  }

  function showEnd() {
    els.loadMore.hidden = !list.more;
    // Observed afresh: the button may still be in view after a page, and only a change would be reported.
    els.observer.unobserve(els.loadMore);
    els.observer.observe(els.loadMore);
    els.empty.hidden = list.entries.length > 0;
    fill(els.empty, filtered() ? 'No event matches these filters.' : emptyJournal());
  }

  function renderRow(summary) {
    const row = rowFor(summary, list);
    list.rows.set(summary.rid, row);
    return row;
  }

  function select(rid) {
    list.rows.get(list.selected)?.classList.remove('selected');
    list.rows.get(list.selected)?.querySelector('a.select')?.removeAttribute('aria-current');
    list.selected = rid;
    const row = list.rows.get(rid);
    row?.classList.add('selected');
    row?.querySelector('a.select')?.setAttribute('aria-current', 'true');
  }

  function togglePick(rid, on) {
    list.picked = list.picked.filter((r) => r !== rid);
    if (on) list.picked.push(rid);
    // Two at most: ticking a third unticks the oldest pick.
    while (list.picked.length > 2) {
      const dropped = list.picked.shift();
      const box = list.rows.get(dropped)?.querySelector('input.pick');
      if (box) box.checked = false;
    }
    hooks.onPick([...list.picked]);
  }

  els.observer = new IntersectionObserver((seen) => {
    if (seen.some((entry) => entry.isIntersecting)) void loadMore();
  }, { root: els.scroll, rootMargin: '600px' });
  wire(els, { reload, loadMore, togglePick });
  return { reload, live, select, picked: () => [...list.picked] };
}

/**
 * A fresh first page with what the stream brought while it was fetched: new entries the page missed go
 * first (newest first), and an update replaces the page's older copy of its entry.
 */
function merged(page, arrived) {
  const seen = new Set(page.map((e) => e.rid));
  const newer = [...arrived.values()].filter((a) => a.isNew && !seen.has(a.summary.rid)).map((a) => a.summary).reverse();
  return [...newer, ...page.map((e) => arrived.get(e.rid)?.summary ?? e)];
}

function emptyJournal() {
  return ['No events yet. Send one: ', h('code', {}, 'datachonk trigger generation.completed')];
}

/** One row; its id is a link to the event (the keyboard's way in), and the whole row selects it on click. */
function rowFor(summary, list) {
  const href = `#/events/${encodeURIComponent(summary.rid)}`;
  const name = summary.id ?? summary.rid;
  const pick = h('input', { type: 'checkbox', class: 'pick', 'aria-label': `Pick ${name} for diff`, checked: list.picked.includes(summary.rid) });
  pick.dataset.rid = summary.rid;
  const row = h('tr', { class: summary.rid === list.selected ? 'selected' : '' },
    h('td', {}, pick),
    h('td', { class: 'time' }, timeOf(summary.received_at)),
    h('td', { class: 'type' }, summary.event ?? h('span', { class: 'muted' }, 'not an event'), origin(summary)),
    h('td', { class: 'id' }, h('a', { class: 'select', href, title: name, 'aria-current': summary.rid === list.selected ? 'true' : null }, name)),
    h('td', {}, verdictBadge(summary.verdict, summary.reason_code)),
    h('td', { class: 'num' }, summary.status ?? '—'),
    h('td', {}, forwardCell(summary.forward)),
    h('td', { class: 'num' }, summary.forward ? latency(summary.forward.latency_ms) : ''),
  );
  row.dataset.rid = summary.rid;
  return row;
}

/** The marker of a replay or an edit, linking to the original. */
function origin(summary) {
  if (!summary.replay_of) return null;
  const what = summary.edited ? 'edit of ' : 'replay of ';
  return h('span', { class: 'origin' }, summary.edited ? '✎ ' : '↻ ', what,
    h('a', { href: `#/events/${encodeURIComponent(summary.replay_of)}` }, summary.replay_of));
}

/** The listener's verdict, with the reason code when it failed. */
export function verdictBadge(verdict, code) {
  return h('span', { class: `badge verdict-${verdict}` }, verdict, code ? h('span', { class: 'code' }, ` ${code}`) : null);
}

function forwardCell(forward) {
  if (!forward) return h('span', { class: 'muted' }, '—');
  const status = forward.status;
  const tone = status === null ? 'bad' : status < 300 ? 'good' : status < 500 ? 'warn' : 'bad';
  return h('span', { class: `status ${tone}`, title: forward.target }, status === null ? 'failed' : String(status));
}

function wire(els, actions) {
  els.filters.addEventListener('submit', (event) => event.preventDefault());
  els.filter.addEventListener('input', () => void actions.reload());
  els.type.addEventListener('change', () => void actions.reload());
  els.status.addEventListener('change', () => void actions.reload());
  els.loadMore.addEventListener('click', () => void actions.loadMore());
  els.rows.addEventListener('change', (event) => {
    if (event.target.matches('input.pick')) actions.togglePick(event.target.dataset.rid, event.target.checked);
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
