// The datachonk inspector page (issue 14): a live list of the journal's events, their details, and
// Replay, Edit → Send, Copy as curl, Diff, Download. Plain DOM code, no framework, no build step: the
// server sends this folder as it is, under a Content-Security-Policy that allows only these files.
import { getEvent, getInfo } from './api.js';
import { createDetails } from './details.js';
import { lineDiff } from './diff.js';
import { fill, h } from './dom.js';
import { prettyJson } from './json.js';
import { createList } from './list.js';

const $ = (id) => document.getElementById(id);

const state = { info: { can_send: false, event_types: [], targets: [] } };

const problem = (text) => {
  $('problem').hidden = !text;
  fill($('problem'), text ?? '');
};

const list = createList(
  {
    filters: $('filters'),
    filter: $('filter'),
    type: $('type-filter'),
    status: $('status-filter'),
    rows: $('rows'),
    empty: $('empty'),
    loadMore: $('load-more'),
    scroll: $('table-scroll'),
  },
  {
    onProblem: problem,
    onPick(rids) {
      /** @type {HTMLButtonElement} */ ($('diff')).disabled = rids.length !== 2;
      fill(
        $('diff-hint'),
        rids.length === 2
          ? 'Compare the two ticked events.'
          : `Tick two events to compare their bodies (${rids.length} of 2).`,
      );
    },
  },
);

const details = createDetails($('details'), { canSend: () => state.info.can_send });

$('diff').addEventListener('click', () => {
  const [a, b] = list.picked();
  if (a && b) location.hash = `#/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
});

/** `#/events/<rid>` shows an event, `#/diff/<a>/<b>` compares two: links, Back and reloads all work. */
function route() {
  const [, kind, a, b] = location.hash.split('/').map((part) => decodeURIComponent(part));
  if (kind === 'events' && a) {
    list.select(a);
    void details.show(a);
  } else if (kind === 'diff' && a && b) {
    list.select(null);
    void showDiff(a, b);
  } else {
    list.select(null);
    details.clear();
  }
}

async function showDiff(a, b) {
  details.clear();
  const root = $('details');
  try {
    const [left, right] = (await Promise.all([getEvent(a), getEvent(b)])).sort(
      (x, y) => Date.parse(x.received_at) - Date.parse(y.received_at),
    );
    const text = (d) => prettyJson(d.request?.body ?? '') ?? d.request?.body ?? '';
    const lines = lineDiff(text(left), text(right));
    const count = (op) => lines.filter((l) => l.op === op).length;
    const name = (d) => h('a', { href: `#/events/${encodeURIComponent(d.rid)}` }, d.id ?? d.rid);
    fill(
      root,
      h(
        'section',
        { class: 'part', 'aria-label': 'Diff' },
        h('h2', {}, 'Diff'),
        h(
          'p',
          {},
          '− ',
          name(left),
          ` (${left.event ?? 'not an event'}, older) → + `,
          name(right),
          ` (${right.event ?? 'not an event'}): ${count('-')} lines removed, ${count('+')} added.`,
        ),
        h(
          'pre',
          { class: 'diff', tabIndex: 0, 'aria-label': 'Line diff of the two bodies' },
          lines.map((l) =>
            h('span', { class: l.op === '-' ? 'del' : l.op === '+' ? 'add' : 'same' }, `${l.op} ${l.line}`),
          ),
        ),
      ),
    );
  } catch (error) {
    fill(root, h('p', { class: 'problem', role: 'alert' }, `Could not compare them: ${error.message}`));
  }
}

function showInfo(info) {
  state.info = { ...state.info, ...info };
  const where = info.mode === 'inspect' ? 'the journal (datachonk inspect)' : `listening on ${info.listen_url ?? '?'}`;
  const targets = info.targets?.length ? ` → ${info.targets.join(', ')}` : '';
  fill($('info'), where, targets);
  // Once: the info is fetched again when the stream reconnects (a listener restarted), with the same types.
  const typeFilter = /** @type {HTMLSelectElement} */ ($('type-filter'));
  if (typeFilter.options.length <= 1)
    for (const type of info.event_types ?? []) typeFilter.append(h('option', { value: type }, type));
  // Why Replay and Send cannot work (no listener; `inspect` signing with another secret than the listener's).
  const note = $('send-note');
  note.hidden = Boolean(info.can_send);
  fill(note, info.can_send ? '' : (info.send_note ?? 'Replay and Send cannot work here.'));
}

const loadInfo = () => getInfo().then(showInfo, (error) => problem(`Could not reach the inspector: ${error.message}`));

/**
 * The stream of new and updated entries. The list is fetched each time it (re)connects, after it has: an
 * entry journalled between the two is then in the page or on the stream (or both), never in neither.
 */
function connect() {
  const stream = new EventSource('/api/stream');
  const connection = $('connection');
  let opened = false;
  stream.addEventListener('open', () => {
    // Reconnected: perhaps to a restarted listener, whose settings may have changed.
    if (opened) void loadInfo();
    opened = true;
    connection.className = 'connection live';
    fill(connection, 'live');
    // Fetched again now that the stream is open: an entry journalled before it opened is then in the page.
    list.refresh();
  });
  stream.addEventListener('error', () => {
    const closed = stream.readyState === EventSource.CLOSED;
    connection.className = 'connection down';
    fill(connection, closed ? 'disconnected: reload the page' : 'reconnecting…');
    // Never connected: show the journal all the same, without live updates.
    if (!opened && closed) void list.reload();
  });
  for (const kind of ['entry', 'update']) {
    stream.addEventListener(kind, (message) => {
      const summary = JSON.parse(message.data);
      list.live(summary, kind);
      details.live(summary, kind);
    });
  }
}

function start() {
  window.addEventListener('hashchange', route);
  void loadInfo();
  // The first page at once, not after the stream opens (the rows the server wrote into the HTML show
  // meanwhile). When the stream opens the list is fetched again, so nothing journalled in between is missed.
  void list.reload();
  connect();
  route();
}

start();
