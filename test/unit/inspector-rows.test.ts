import { describe, expect, it } from 'vitest';
// @ts-expect-error: the page's own module, plain JavaScript with no types (it is served to the browser as is).
import { el, rowTree, toHtml } from '../../inspector/rows.js';

// The inspector's rows as trees, and as the HTML the server writes into the page (issue 14, item 6):
// everything that came from outside is escaped, so an event's id or a target stays text.

const summary = {
  rid: 'rcv_abc',
  received_at: '2026-11-29T10:00:00.000Z',
  event: 'generation.completed',
  id: 'evt_1',
  verdict: 'verified',
  reason_code: null,
  status: 200,
  forward: { target: 'http://127.0.0.1:3000/hooks', status: 200, latency_ms: 3.24 },
  replay_of: null,
  edited: false,
};

describe('toHtml', () => {
  it('escapes text and attribute values: HTML in a value stays text', () => {
    const html = toHtml(el('td', { title: '"><img src=x onerror=alert(1)>' }, "<img src=x onerror=alert(1)> & 'q'"));
    expect(html).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;</td>',
    );
  });

  it('writes true as a bare attribute, skips null, undefined and false, and closes no void element', () => {
    expect(
      toHtml(el('input', { type: 'checkbox', checked: true, disabled: false, title: null, 'aria-label': undefined })),
    ).toBe('<input type="checkbox" checked>');
    expect(toHtml(el('p', {}, 'a', null, false, undefined, el('b', {}, 2)))).toBe('<p>a<b>2</b></p>');
  });

  it('writes DOM property names as their attributes (dateTime is datetime)', () => {
    expect(toHtml(el('time', { dateTime: '2026-11-29T10:00:00Z' }, 'x'))).toBe(
      '<time datetime="2026-11-29T10:00:00Z">x</time>',
    );
  });
});

describe('rowTree', () => {
  it('a forwarded event: its link, verdict, status, forward and latency, and its rid on the row and the pick', () => {
    const html = toHtml(rowTree(summary));
    expect(html).toMatch(
      /^<tr data-rid="rcv_abc"><td><input type="checkbox" class="pick" aria-label="Pick evt_1 for diff" data-rid="rcv_abc"><\/td>/,
    );
    expect(html).toContain('<td class="type">generation.completed</td>');
    expect(html).toContain('<td class="id"><a class="select" href="#/events/rcv_abc" title="evt_1">evt_1</a></td>');
    expect(html).toContain('<td><span class="badge verdict-verified">verified</span></td><td class="num">200</td>');
    expect(html).toContain('<span class="status good" title="http://127.0.0.1:3000/hooks">200</span>');
    expect(html).toMatch(/<td class="num">3\.2 ms<\/td><\/tr>$/);
  });

  it('an event id with HTML in it, a rejected delivery and a failed forward', () => {
    const html = toHtml(
      rowTree({
        ...summary,
        id: '<img src=x onerror=alert(1)>',
        verdict: 'rejected',
        reason_code: 'wrong_secret',
        status: 401,
        forward: { target: 'http://x/', status: null, latency_ms: 1 },
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('>&lt;img src=x onerror=alert(1)&gt;</a>');
    expect(html).toContain(
      '<span class="badge verdict-rejected">rejected<span class="code"> wrong_secret</span></span>',
    );
    expect(html).toContain('<span class="status bad" title="http://x/">failed</span>');
  });

  it('marks the selected and picked rows, a replay with its original, and a body that was not an event', () => {
    const html = toHtml(
      rowTree(
        { ...summary, event: null, id: null, replay_of: 'rcv_old', edited: true, forward: null, status: null },
        { selected: 'rcv_abc', picked: ['rcv_abc'] },
      ),
    );
    expect(html).toMatch(
      /^<tr class="selected" data-rid="rcv_abc"><td><input type="checkbox" class="pick" aria-label="Pick rcv_abc for diff" checked/,
    );
    expect(html).toContain(
      '<td class="type"><span class="muted">not an event</span><span class="origin">✎ edit of <a href="#/events/rcv_old">rcv_old</a></span></td>',
    );
    expect(html).toContain('aria-current="true"');
    expect(html).toContain('<td class="num">—</td><td><span class="muted">—</span></td><td class="num"></td></tr>');
  });
});
