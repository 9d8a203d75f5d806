// The web inspector with a big journal (issue 14, item 6): journalled events, `datachonk inspect`
// started on them, then (a) the API's own times — the page, the first page of events, a filtered
// search, one event whole — and (b) in Chromium through playwright-core, when one is installed, the
// time from navigation to the first rows laid out on screen and to the script's whole first page, how
// many rows the page holds, and how long "more" takes. Targets: the page loads in under 300 ms; it stays responsive (it never holds all 10,000 rows).
// Counts are exact: the journal holds exactly `events` events and the API must say so when paged through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const max = (values) => Math.max(...values);

/** A journal of `count` forwarded events (request + forwards records), as a listener writes it. */
async function writeJournal(file, count) {
  const fixture = await readFile(join(root, 'fixtures/generation.completed.json'), 'utf8');
  const lines = [];
  const start = Date.parse('2026-11-29T10:00:00Z');
  for (let i = 0; i < count; i++) {
    const rid = `rcv_bench${String(i).padStart(8, '0')}`;
    const body = fixture.replace(/"evt_[^"]*"/, `"evt_bench${i}"`);
    const at = new Date(start + i * 1000).toISOString();
    lines.push(
      JSON.stringify({
        type: 'request',
        rid,
        received_at: at,
        method: 'POST',
        path: '/webhooks/datachonk',
        headers: { 'content-type': 'application/json', 'x-datachonk-signature': 'sha256=' + '0'.repeat(64) },
        body: Buffer.from(body).toString('base64'),
        verification: { status: 'valid' },
        event: 'generation.completed',
        event_id: `evt_bench${i}`,
        targets: ['http://127.0.0.1:9/webhooks/datachonk'],
      }),
    );
    lines.push(
      JSON.stringify({
        type: 'forwards',
        rid,
        at,
        results: [
          {
            target: 'http://127.0.0.1:9/webhooks/datachonk',
            status: 200,
            latency_ms: 3.2,
            headers: [],
            body: '{"received":true}',
          },
        ],
      }),
    );
  }
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

function startInspect(bin, home) {
  const child = spawn(process.execPath, [bin, 'inspect', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      const url = /Inspector on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`inspect exited ${code}: ${stderr}`)));
  });
}

async function timed(url) {
  const started = performance.now();
  const answer = await fetch(url);
  const body = await answer.text();
  if (!answer.ok) throw new Error(`${url}: ${answer.status} ${body}`);
  return { ms: performance.now() - started, body };
}

async function apiTimes(url, { runs, count }) {
  const middle = `rcv_bench${String(Math.floor(count / 2)).padStart(8, '0')}`;
  const names = {
    'page (GET /)': url,
    'first 200 events': `${url}api/events?limit=200`,
    [`search "evt_bench${count - 1}"`]: `${url}api/events?q=evt_bench${count - 1}`,
    'one event whole': `${url}api/events/${middle}`,
  };
  const results = {};
  for (const [name, target] of Object.entries(names)) {
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await timed(target)).ms);
    results[name] = { median: median(times), max: max(times) };
  }
  return results;
}

/** Pages through the whole journal with `before`: the API must give back every event. */
async function countAll(url) {
  let before = '';
  let count = 0;
  for (;;) {
    const { body } = await timed(`${url}api/events?limit=500${before ? `&before=${before}` : ''}`);
    const page = JSON.parse(body);
    count += page.entries.length;
    if (!page.more) return count;
    before = page.entries.at(-1).rid;
  }
}

function chromiumPath() {
  return [
    process.env.DATACHONK_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ].find((p) => p && existsSync(p));
}

async function browserTimes(url, { runs, events }) {
  const executablePath = chromiumPath();
  if (!executablePath)
    return { skipped: 'no Chromium installed (set DATACHONK_CHROMIUM, or apt-get install chromium)' };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const loads = [];
    const wholes = [];
    const walls = [];
    let rows = 0;
    let more = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      // In the page's own clock (from its navigation start), reported by a console message so that the
      // harness injects nothing into the page while it loads: when rows are first laid out (the frame
      // that paints them: a ResizeObserver on the table's body), and when the page's script has drawn its
      // whole first page (200 rows) and that is laid out too.
      await page.addInitScript(
        (whole) => {
          const laidOut = (body, count, name) => {
            const sized = new ResizeObserver(() => {
              if (body.rows.length < count) return;
              sized.disconnect();
              console.debug(`__bench ${name} ${performance.now()}`);
            });
            sized.observe(body);
          };
          let first = false;
          const seen = new MutationObserver(() => {
            const body = document.querySelector('table[aria-label="Events"] tbody');
            if (!body?.rows.length) return;
            if (!first) {
              first = true;
              laidOut(body, 1, 'first');
            }
            if (body.rows.length >= whole) {
              seen.disconnect();
              laidOut(body, whole, 'whole');
            }
          });
          seen.observe(document, { childList: true, subtree: true });
        },
        Math.min(200, events),
      );
      const marks = {};
      const reported = new Promise((resolve) => {
        page.on('console', (message) => {
          const [tag, name, at] = message.text().split(' ');
          if (tag !== '__bench') return;
          marks[name] = { at: Number(at), wall: performance.now() };
          if (marks.first && marks.whole) resolve();
        });
      });
      const started = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await reported;
      walls.push(marks.first.wall - started);
      loads.push(marks.first.at);
      wholes.push(marks.whole.at);
      const table = page.getByRole('table', { name: 'Events' });
      rows = await table.locator('tbody tr').count();
      const loadMore = page.getByRole('button', { name: /more/i });
      if (i === 0 && (await loadMore.count()) > 0) {
        for (let k = 0; k < 5; k++) {
          if (!(await loadMore.isVisible()) || !(await loadMore.isEnabled())) break;
          const before = await table.locator('tbody tr').count();
          const t = performance.now();
          await loadMore.click();
          await page.waitForFunction(
            (n) => document.querySelectorAll('table[aria-label="Events"] tbody tr').length > n,
            before,
          );
          more.push(performance.now() - t);
        }
      }
      await page.close();
    }
    return {
      loads: { median: median(loads), max: max(loads) },
      wholes: { median: median(wholes), max: max(wholes) },
      walls: { median: median(walls), max: max(walls) },
      rows,
      more: more.length ? { median: median(more), max: max(more), clicks: more.length } : undefined,
    };
  } finally {
    await browser.close();
  }
}

/**
 * The inspector over a journal of `events` events: `datachonk inspect` started on it, the API's times,
 * and the page in Chromium when one is installed (`browser.skipped` says why not otherwise).
 */
export async function measureInspector(bin, { events, runs }) {
  const dir = await mkdtemp(join(tmpdir(), 'datachonk-bench-inspector-'));
  const home = join(dir, 'home');
  const state = join(home, '.local/state/datachonk');
  await mkdir(state, { recursive: true, mode: 0o700 });
  await writeJournal(join(state, 'events.ndjson'), events);
  const started = performance.now();
  const { child, url } = await startInspect(bin, home);
  const ready = performance.now() - started;
  try {
    const counted = await countAll(url);
    return {
      events,
      ready,
      counted,
      api: await apiTimes(url, { runs, count: events }),
      browser: await browserTimes(url, { runs, events }),
    };
  } finally {
    child.kill('SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
}
