// The details of one event: request, signature verdict, forwards, and the actions on it (Replay, Edit →
// Send, Copy as curl, Download). Every value from the journal is put in as text (issue 14, item 5).
import { ApiError, bodyUrl, getCurl, getEvent, replay, send } from './api.js';
import { facts, fill, h, pairsTable } from './dom.js';
import { prettyJson } from './json.js';
import { latency, timeOf, verdictBadge } from './rows.js';

/** `{ show, live, clear }` over the details pane; `ctx.canSend()` and `ctx.sendNote` say whether Replay and Send work. */
export function createDetails(root, ctx) {
  const view = { rid: null, detail: null, parts: null, controller: null };

  async function show(rid) {
    view.controller?.abort();
    const controller = new AbortController();
    view.controller = controller;
    view.rid = rid;
    try {
      const detail = await getEvent(rid, controller.signal);
      if (view.rid !== rid) return;
      view.detail = detail;
      view.parts = render(detail, ctx);
      fill(root, ...Object.values(view.parts));
    } catch (error) {
      if (error.name === 'AbortError' || view.rid !== rid) return;
      const text =
        error instanceof ApiError && error.status === 404
          ? `No entry ${rid} in the journal.`
          : `Could not load ${rid}: ${error.message}`;
      fill(root, h('p', { class: 'problem', role: 'alert' }, text));
    }
  }

  /** Refreshes what the journal knows of the shown event, keeping the action panels as they are. */
  async function refresh() {
    const rid = view.rid;
    if (!rid || !view.parts) return;
    try {
      const detail = await getEvent(rid);
      if (view.rid !== rid || !view.parts) return;
      view.detail = detail;
      for (const key of ['head', 'signature', 'request', 'forwards']) {
        const fresh = PARTS[key](detail);
        view.parts[key].replaceWith(fresh);
        view.parts[key] = fresh;
      }
    } catch {
      // The next update refreshes it again; the list still shows the summary.
    }
  }

  /** A summary from the stream: the shown event's forwards completed, or a replay or edit of it arrived. */
  function live(summary, kind) {
    if (summary.rid === view.rid || summary.replay_of === view.rid) void refresh();
    // Said once, when the copy arrives: not again when its forwards complete, which may be after a newer action.
    if (kind === 'entry' && summary.replay_of === view.rid && view.parts) {
      const what = summary.edited ? 'The edited copy' : 'The replay';
      const link = h('a', { href: `#/events/${encodeURIComponent(summary.rid)}` }, summary.rid);
      fill(view.parts.actions.arrived, what, ' arrived: ', link, '.');
    }
  }

  function clear() {
    view.controller?.abort();
    view.rid = null;
    view.parts = null;
    fill(
      root,
      h(
        'p',
        { class: 'placeholder' },
        'Select an event to see its request, signature verdict and what your app answered.',
      ),
    );
  }

  return { show, live, clear };
}

const PARTS = { head, signature, request, forwards };

function render(detail, ctx) {
  return {
    head: head(detail),
    actions: actions(detail, ctx),
    signature: signature(detail),
    request: request(detail),
    forwards: forwards(detail),
  };
}

const link = (rid) => h('a', { href: `#/events/${encodeURIComponent(rid)}` }, rid);

function head(detail) {
  const lines = [
    h('h2', {}, detail.event ?? 'Not an event', ' ', h('span', { class: 'id' }, detail.id ?? '')),
    h(
      'p',
      { class: 'meta' },
      verdictBadge(detail.verdict, detail.reason_code),
      ' ',
      timeOf(detail.received_at),
      ' · ',
      h('code', {}, detail.rid),
      ' · the listener answered ',
      String(detail.status ?? '—'),
    ),
  ];
  if (detail.replay_of) {
    lines.push(
      h('p', { class: 'origin' }, detail.edited ? '✎ An edited copy of ' : '↻ A replay of ', link(detail.replay_of)),
    );
  }
  if (detail.replays?.length) {
    lines.push(
      h(
        'p',
        { class: 'origin' },
        'Replays and edits: ',
        detail.replays.flatMap((rid, i) => [i ? ', ' : '', link(rid)]),
      ),
    );
  }
  return h('header', { class: 'detail-head' }, lines);
}

function signature(detail) {
  const v = detail.verification ?? {};
  const diagnosis = v.diagnosis
    ? Object.entries(v.diagnosis).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ])
    : [];
  return h(
    'section',
    { class: 'part', 'aria-label': 'Signature' },
    h('h3', {}, 'Signature'),
    facts([
      ['verdict', verdictBadge(detail.verdict, detail.reason_code)],
      ['check', v.status],
      ['reason', v.reason],
      ['code', v.code],
      ['cause', v.cause],
      ['hint', v.hint],
    ]),
    diagnosis.length ? [h('h4', {}, 'Diagnosis'), facts(diagnosis)] : null,
  );
}

function request(detail) {
  const req = detail.request ?? { headers: [], body: '' };
  const pretty = req.body_is_text === false ? null : prettyJson(req.body ?? '');
  return h(
    'section',
    { class: 'part', 'aria-label': 'Request' },
    h('h3', {}, 'Request'),
    h('p', {}, h('code', {}, `${req.method ?? ''} ${req.path ?? ''}`)),
    h('h4', {}, 'Headers'),
    pairsTable('Request headers', req.headers),
    h('h4', {}, 'Body'),
    req.body_is_text === false
      ? h('p', { class: 'muted' }, 'Not UTF-8 text: shown as decoded; Download has the exact bytes.')
      : null,
    pretty === null
      ? null
      : [h('h5', {}, 'Pretty'), h('pre', { class: 'body', tabIndex: 0, 'aria-label': 'Body, pretty-printed' }, pretty)],
    h('h5', {}, 'Raw'),
    h('pre', { class: 'body raw', tabIndex: 0, 'aria-label': 'Body, raw' }, req.body ?? ''),
  );
}

function forwards(detail) {
  const list = detail.forwards ?? [];
  return h(
    'section',
    { class: 'part', 'aria-label': 'Forwards' },
    h('h3', {}, 'Forwards'),
    list.length === 0 ? h('p', { class: 'muted' }, 'Not forwarded.') : null,
    list.map((forward) =>
      h(
        'div',
        { class: 'forward' },
        h('h4', {}, timeOf(forward.at), forward.resend ? ' (resent)' : ''),
        forward.results.map(result),
      ),
    ),
  );
}

function result(r) {
  return h(
    'div',
    { class: 'result' },
    facts([
      ['target', r.target],
      ['status', r.status === null ? h('span', { class: 'status bad' }, 'no answer') : String(r.status)],
      ['error', r.error ? `${r.error.code}: ${r.error.message}` : null],
      ['time', latency(r.latency_ms)],
    ]),
    h('h5', {}, 'Response headers'),
    pairsTable(`Response headers from ${r.target}`, r.headers),
    h('h5', {}, 'Response body'),
    r.body
      ? h('pre', { class: 'body', tabIndex: 0, 'aria-label': `Response body from ${r.target}` }, r.body)
      : h('p', { class: 'muted' }, 'empty'),
  );
}

function actions(detail, ctx) {
  const status = h('p', { class: 'action-status', role: 'status' });
  const panel = h('div', { class: 'panel' });
  // Nothing to replay (refused before its body was read): no Replay, and why, beside the buttons.
  const nothing = detail.replay?.nothing ?? null;
  const cannot = !ctx.canSend();
  const described = nothing ? 'replay-note' : cannot ? 'send-note' : null;
  const bar = h(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Actions' },
    h(
      'button',
      {
        type: 'button',
        disabled: cannot || Boolean(nothing),
        'aria-describedby': described,
        onclick: (e) => doReplay(e.currentTarget, detail, status),
      },
      'Replay',
    ),
    h('button', { type: 'button', onclick: () => openEditor(panel, detail, { status, ctx }) }, 'Edit'),
    h('button', { type: 'button', onclick: () => showCurl(panel, detail, status) }, 'Copy as curl'),
    h('a', { class: 'button', href: bodyUrl(detail.rid), download: `${detail.rid}.json` }, 'Download'),
  );
  const note = nothing ? h('p', { id: 'replay-note', class: 'note' }, `No Replay: ${nothing}.`) : null;
  // What the last action did, and (a line of its own) the new entry it made, once the stream brings it.
  const arrived = h('p', { class: 'action-status', role: 'status' });
  const section = h(
    'section',
    { class: 'part actions-part', 'aria-label': 'Actions' },
    bar,
    note,
    status,
    arrived,
    panel,
  );
  section.arrived = arrived;
  status.arrived = arrived;
  return section;
}

/** An action starts: its status says so, and the line about an earlier action's new entry goes. */
function starting(status, text) {
  fill(status, text);
  fill(status.arrived);
}

/**
 * Asks before a rejected entry is signed and sent (as `events resend` needs --allow-rejected): a modal dialog
 * that says what will happen. Resolves true when the user confirms; Cancel and Escape resolve false.
 */
function confirmRejected(detail, action) {
  const doing = action === 'replay' ? 'Replaying it' : 'Sending your edit of it';
  const yes = action === 'replay' ? 'Replay it anyway' : 'Send it anyway';
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      h(
        'h2',
        { id: 'confirm-title' },
        action === 'replay' ? 'Replay a rejected request?' : 'Send an edit of a rejected request?',
      ),
      h(
        'p',
        { id: 'confirm-text' },
        `It was rejected: ${detail.replay.rejected}. ${doing} signs it with the listener's secret and sends it to your app as if it were genuine.`,
      ),
      h(
        'p',
        { class: 'buttons' },
        h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, yes),
        h('button', { type: 'button', autofocus: true, onclick: () => close(false) }, 'Cancel'),
      ),
    );
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** What the listener or the app answered, in words; only a 2xx from the app (or the listener) is "Replayed" or "Sent". */
function answered(answer, done) {
  const said = answer.body ? `: ${answer.body}` : '';
  const ok = answer.status >= 200 && answer.status < 300;
  if (answer.by === 'listener' && !ok)
    return h('span', { class: 'problem' }, `Not ${done.toLowerCase()}: the listener answered ${answer.status}${said}`);
  if (!ok) return h('span', { class: 'problem' }, `Delivered, but your app answered ${answer.status}${said}`);
  const who = answer.by === 'listener' ? 'the listener (it forwards this nowhere)' : 'your app';
  return `${done}: ${who} answered ${answer.status}. The new entry is at the top of the list.`;
}

async function doReplay(button, detail, status) {
  const rejected = Boolean(detail.replay?.rejected);
  if (rejected && !(await confirmRejected(detail, 'replay'))) {
    fill(status, 'Not replayed.');
    button.focus();
    return;
  }
  button.disabled = true;
  starting(status, 'Replaying…');
  try {
    fill(status, answered(await replay(detail.rid, rejected), 'Replayed'));
  } catch (error) {
    fill(status, h('span', { class: 'problem' }, `Replay failed: ${error.message}`));
  } finally {
    button.disabled = false;
  }
}

function openEditor(panel, detail, { status, ctx }) {
  const cannot = !ctx.canSend();
  const textarea = h('textarea', { id: 'edit-body', rows: 16, spellcheck: false, value: detail.request?.body ?? '' });
  const issues = h('div', { class: 'issues', role: 'alert' });
  const submit = (force, button) => void doSend({ detail, textarea, issues, status, button }, force);
  const sendButton = h(
    'button',
    {
      type: 'button',
      disabled: cannot,
      'aria-describedby': cannot ? 'send-note' : null,
      onclick: (e) => submit(false, e.currentTarget),
    },
    'Send',
  );
  fill(
    panel,
    h(
      'section',
      { class: 'editor', 'aria-label': 'Edit the body' },
      h('label', { for: 'edit-body' }, 'Body'),
      textarea,
      h(
        'p',
        { class: 'hint' },
        `Send checks the body against the ${detail.event ?? 'event'} schema, signs it with the listener's secret and sends it to the forward targets; it shows up as a new entry linked to this one.`,
      ),
      issues,
      h('p', { class: 'buttons' }, sendButton, h('button', { type: 'button', onclick: () => fill(panel) }, 'Cancel')),
    ),
  );
  issues.sendAnyway = (button) => submit(true, button);
  textarea.focus();
}

async function doSend({ detail, textarea, issues, status, button }, force) {
  const rejected = Boolean(detail.replay?.rejected);
  if (rejected && !(await confirmRejected(detail, 'send'))) {
    fill(status, 'Not sent.');
    button.focus();
    return;
  }
  button.disabled = true;
  starting(status, 'Sending…');
  try {
    const answer = await send(detail.rid, textarea.value, { force, allowRejected: rejected });
    fill(issues);
    fill(status, answered(answer, 'Sent'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showIssues(issues, detail, error.body.issues ?? []);
    fill(
      status,
      error.status === 422
        ? 'Not sent: the body does not match the schema.'
        : h('span', { class: 'problem' }, `Send failed: ${error.message}`),
    );
  } finally {
    button.disabled = false;
  }
}

function showIssues(issues, detail, list) {
  fill(
    issues,
    h('p', {}, `This body is not a valid ${detail.event ?? 'event'}:`),
    h(
      'ul',
      {},
      list.map((issue) => h('li', {}, h('code', {}, issue.path || '(body)'), ': ', issue.message)),
    ),
    h('button', { type: 'button', onclick: (e) => issues.sendAnyway(e.currentTarget) }, 'Send anyway'),
  );
}

async function showCurl(panel, detail, status) {
  fill(status, 'Making the command…');
  try {
    const { command } = await getCurl(detail.rid);
    const box = h('textarea', { id: 'curl-command', rows: 6, readOnly: true, spellcheck: false, value: command });
    fill(panel, h('section', { class: 'curl' }, h('label', { for: 'curl-command' }, 'curl command'), box));
    box.select();
    fill(
      status,
      (await copied(command))
        ? 'Copied to the clipboard: the body, freshly signed, sent to your app.'
        : 'Copy the command from the box below (the clipboard is not available here).',
    );
  } catch (error) {
    fill(status, h('span', { class: 'problem' }, `No curl command: ${error.message}`));
  }
}

async function copied(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
