import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { sign, verify } from '../../src/core/signing/signature.js';
import { homePerTest, listeningUrl, runCli, startCli } from '../helpers/cli.js';
import { browserForTests, LAUNCH_ARGS } from '../helpers/browser.js';
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Responder,
} from '../helpers/recording-server.js';

// The inspector's page in a real browser (Debian's chromium driven by playwright-core), served by the
// built `datachonk listen --inspect 0` in front of an app on port 0. The accessible names are the
// contract: the "Events" table, the "Filter" and "Body" textboxes, the
// "Replay", "Edit", "Send" and "Copy as curl" buttons. Every wait is for something a user would see.

const t = homePerTest('datachonk-browser-');
// Without a Chromium the tests are skipped, with one line saying how to run them (browser.ts); where one
// is required (.ci/run), finding none fails here. Launched by the first test that needs it.
const executablePath = await browserForTests();
let launched: Promise<Browser> | undefined;
const browser = () => (launched ??= chromium.launch({ executablePath, args: LAUNCH_ARGS }));

afterAll(async () => {
  await (await launched?.catch(() => undefined))?.close();
});

interface Session {
  app: RecordingServer;
  /** The listener's webhook URL. */
  url: string;
  /** The inspector page's URL, from the Ready block. */
  inspector: string;
  secret: string;
  page: Page;
  events: Locator;
  /** What the page reported: uncaught errors and console errors (a CSP violation is one). */
  errors: string[];
}

async function open(respond?: Responder): Promise<Session> {
  const secret = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
  const app = t.opened(await startRecordingServer(respond));
  const listener = t.started(
    await startCli(['listen', '--port', '0', '--forward', app.origin, '--inspect', '0'], {
      home: t.home,
      ready: /Inspector:\s+http/,
    }),
  );
  const inspector = /Inspector:\s+(http:\/\/\S+)/.exec(listener.stderr())![1]!;
  const { page, errors } = await openPage(inspector);
  return {
    app,
    url: listeningUrl(listener.stderr()),
    inspector,
    secret,
    page,
    events: page.getByRole('table', { name: 'Events' }),
    errors,
  };
}

/** A new browser context on the page, once its stream is live; what it reports as errors is collected. */
async function openPage(inspector: string): Promise<{ page: Page; errors: string[] }> {
  const context = await (await browser()).newContext();
  t.later(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The page's own 4xx answers (a 422 it shows) are logged as "Failed to load resource": not errors of the page.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  await page.goto(inspector);
  await page
    .getByRole('status')
    .filter({ hasText: /^live$/ })
    .waitFor();
  return { page, errors };
}

/** `datachonk trigger` through the listener; the event id it sent. */
async function trigger(s: Session, ...args: string[]): Promise<string> {
  const sent = await runCli(['--json', 'trigger', ...args, '--url', s.url], { home: t.home });
  return (JSON.parse(sent.stdout.trim().split('\n')[0]!) as { id: string }).id;
}

/** The row of an event once its forward is shown (the `update` after `entry`: its latency is there), and its cells' texts. */
async function forwardedRow(s: Session, id: string): Promise<{ row: Locator; cells: string[] }> {
  const row = s.events
    .getByRole('row')
    .filter({ hasText: id })
    .filter({ hasText: /\d ms$/ })
    .first();
  await row.waitFor();
  return { row, cells: (await row.getByRole('cell').allInnerTexts()).map((text) => text.trim()) };
}

/** Opens an event's details by its link in the list. */
async function select(s: Session, id: string): Promise<Locator> {
  await s.events.getByRole('link', { name: id, exact: true }).click();
  const details = s.page.getByRole('region', { name: 'Details' });
  await details.getByRole('heading', { level: 2 }).filter({ hasText: id }).waitFor();
  return details;
}

/** The journal id of the event shown (the page's address is `#/events/<rid>`). */
async function shownRid(s: Session): Promise<string> {
  return decodeURIComponent(new URL(s.page.url()).hash.split('/')[2]!);
}

const validSignature = (s: Session, request: RecordedRequest) =>
  verify(s.secret, request.body, request.headers['x-datachonk-signature'] as string).ok;

/**
 * An init script: every row the HTML parser makes is marked `parsed` (a property, which leaves the row's
 * HTML as it is); rows made after it has finished are not.
 */
const MARK_PARSED_ROWS = `const parsing = new MutationObserver((changes) => {
  for (const change of changes) for (const node of change.addedNodes) if (node.tagName === 'TR') node.parsed = true;
});
parsing.observe(document, { childList: true, subtree: true });
document.addEventListener('DOMContentLoaded', () => parsing.disconnect());`;

describe.skipIf(executablePath === undefined)('the inspector page in a real browser', { timeout: 60_000 }, () => {
  it('a live event appears without a reload, with its verdict, forward status and latency', async () => {
    const s = await open();
    await s.page.evaluate('window.__sameDocument = true');
    const id = await trigger(s, 'generation.completed');
    const { cells } = await forwardedRow(s, id);
    // pick, time, type, id, signature, status, forward, latency
    expect(cells.slice(2, 7)).toEqual(['generation.completed', id, 'verified', '200', '200']);
    expect(await s.page.evaluate('window.__sameDocument')).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('a forged delivery shows its verdict and reason code, and the diagnosis in its details', async () => {
    const s = await open();
    const raw =
      '{"id":"evt_forged1","event":"chonk.deleted","created_at":"2026-11-26T10:00:00Z","project_id":"proj_1","data":{"chonk_id":"chonk_1","chonk_name":"dim_x","chonk_type":"entity"}}';
    // Signed over the compact bytes, sent pretty: what a proxy that re-serializes JSON does.
    const sent = await request(s.url, {
      method: 'POST',
      body: JSON.stringify(JSON.parse(raw), null, 2),
      headers: { 'content-type': 'application/json', 'x-datachonk-signature': sign(s.secret, raw) },
    });
    expect(sent.statusCode).toBe(401);
    await sent.body.dump();
    const row = s.events.getByRole('row').filter({ hasText: 'evt_forged1' });
    await row.filter({ hasText: 'rejected' }).filter({ hasText: 'body_reserialized' }).waitFor();
    expect(await row.innerText()).toContain('401');
    const details = await select(s, 'evt_forged1');
    const signature = details.getByRole('region', { name: 'Signature' });
    await signature.getByText('re-serialized', { exact: false }).first().waitFor();
    expect(await signature.innerText()).toMatch(/hint\s+.*raw request bytes/);
    expect(s.errors).toEqual([]);
  });

  it('Replay sends the same bytes to the app with a valid signature, as a new entry linked to the original', async () => {
    const s = await open();
    const id = await trigger(s, 'chonk.created');
    await forwardedRow(s, id);
    const details = await select(s, id);
    await details.getByRole('button', { name: 'Replay', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Replayed: your app answered 200' }).waitFor();
    const [first, again] = await s.app.waitFor(2);
    expect(again!.body.equals(first!.body)).toBe(true);
    expect(validSignature(s, again!)).toBe(true);
    const rid = await shownRid(s);
    await s.events
      .getByRole('row')
      .filter({ hasText: `replay of ${rid}` })
      .waitFor();
    await details.getByRole('status').filter({ hasText: 'The replay arrived' }).getByRole('link').click();
    await details.getByText(`A replay of ${rid}`).waitFor();
    expect(s.errors).toEqual([]);
  });

  it('Replay and Edit → Send of a rejected delivery ask first, saying what will happen; Cancel sends nothing', async () => {
    const s = await open();
    const id = await trigger(s, 'generation.completed', '--signature', 'invalid');
    await s.events.getByRole('row').filter({ hasText: id }).filter({ hasText: 'rejected' }).waitFor();
    const details = await select(s, id);
    const replay = details.getByRole('button', { name: 'Replay', exact: true });
    await replay.click();
    const ask = s.page.getByRole('dialog', { name: 'Replay a rejected request?' });
    await ask.waitFor();
    expect(await ask.innerText()).toMatch(
      /It was rejected: its signature did not verify \(.+\)\. Replaying it signs it with the listener's secret and sends it to your app as if it were genuine\./,
    );
    await ask.getByRole('button', { name: 'Cancel', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Not replayed.' }).waitFor();
    expect(await ask.count()).toBe(0);
    expect(s.app.requests).toHaveLength(0);
    await replay.click();
    await ask.getByRole('button', { name: 'Replay it anyway', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Replayed: your app answered 200' }).waitFor();
    const [replayed] = await s.app.waitFor(1);
    expect(validSignature(s, replayed!)).toBe(true);
    // Edit → Send asks the same.
    await details.getByRole('button', { name: 'Edit', exact: true }).click();
    await details.getByRole('button', { name: 'Send', exact: true }).click();
    const askSend = s.page.getByRole('dialog', { name: 'Send an edit of a rejected request?' });
    expect(await askSend.innerText()).toContain(
      "Sending your edit of it signs it with the listener's secret and sends it to your app as if it were genuine.",
    );
    await askSend.getByRole('button', { name: 'Send it anyway', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Sent: your app answered 200' }).waitFor();
    await s.app.waitFor(2);
    expect(s.errors).toEqual([]);
  });

  it('a request with nothing to replay (a GET, 405) has no Replay, and says why', async () => {
    const s = await open();
    const got = await request(s.url, { method: 'GET' });
    expect(got.statusCode).toBe(405);
    await got.body.dump();
    const row = s.events.getByRole('row').filter({ hasText: '405' });
    await row.getByRole('link').click();
    const details = s.page.getByRole('region', { name: 'Details' });
    const replay = details.getByRole('button', { name: 'Replay', exact: true });
    await replay.waitFor();
    expect(await replay.isDisabled()).toBe(true);
    const why = await s.page.locator(`#${await replay.getAttribute('aria-describedby')}`).innerText();
    expect(why).toMatch(
      /^No Replay: nothing to replay: GET \/\S+ was refused before its body was read \(the listener answered 405\), so no body was kept\.$/,
    );
    expect(await details.getByText(why).isVisible()).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('after the listener restarts, Replay works without a reload (the page fetches the new token)', async () => {
    const secret = (await runCli(['listen', '--print-secret'], { home: t.home })).stdout.trim();
    const app = t.opened(await startRecordingServer());
    const first = await startCli(['listen', '--port', '0', '--forward', app.origin, '--inspect', '0'], {
      home: t.home,
      ready: /Inspector:\s+http/,
    });
    const inspector = /Inspector:\s+(http:\/\/\S+)/.exec(first.stderr())![1]!;
    const { page, errors } = await openPage(inspector);
    const sent = await runCli(['--json', 'trigger', 'chonk.created', '--url', listeningUrl(first.stderr())], {
      home: t.home,
    });
    const { id } = JSON.parse(sent.stdout) as { id: string };
    await page.getByRole('table', { name: 'Events' }).getByRole('link', { name: id, exact: true }).click();
    const details = page.getByRole('region', { name: 'Details' });
    await details.getByRole('heading', { level: 2 }).filter({ hasText: id }).waitFor();
    await first.stop();
    const connection = page.getByRole('status').filter({ hasText: /^(reconnecting…|disconnected: reload the page)$/ });
    await connection.waitFor();
    t.started(
      await startCli(['listen', '--port', '0', '--forward', app.origin, '--inspect', new URL(inspector).port], {
        home: t.home,
        ready: /Inspector:\s+http/,
      }),
    );
    await page
      .getByRole('status')
      .filter({ hasText: /^live$/ })
      .waitFor();
    await details.getByRole('button', { name: 'Replay', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Replayed: your app answered 200' }).waitFor();
    const [, replayed] = await app.waitFor(2);
    expect(verify(secret, replayed!.body, replayed!.headers['x-datachonk-signature'] as string).ok).toBe(true);
    expect(errors).toEqual([]);
  });

  it("datachonk inspect signing with another secret than the listener's: a 401 is not called replayed, and once it can tell, Replay and Send are off with the reason", async () => {
    const app = t.opened(await startRecordingServer());
    const listener = t.started(
      await startCli(['listen', '--port', '0', '--forward', app.origin, '--secret', 'whsec_listeners_own'], {
        home: t.home,
      }),
    );
    const url = listeningUrl(listener.stderr());
    // Only a forged delivery in the journal: nothing tells inspect that its secret is not the listener's.
    const forged = await runCli(['--json', 'trigger', 'chonk.created', '--signature', 'invalid', '--url', url], {
      home: t.home,
    });
    const forgedId = (JSON.parse(forged.stdout.trim().split('\n')[0]!) as { id: string }).id;
    const inspect = t.started(await startCli(['inspect', '--port', '0'], { home: t.home, ready: /Inspector on http/ }));
    const { page, errors } = await openPage(/Inspector on (http:\/\/\S+)/.exec(inspect.stderr())![1]!);
    const events = page.getByRole('table', { name: 'Events' });
    await events.getByRole('link', { name: forgedId, exact: true }).click();
    const details = page.getByRole('region', { name: 'Details' });
    await details.getByRole('button', { name: 'Replay', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Replay a rejected request?' })
      .getByRole('button', { name: 'Replay it anyway' })
      .click();
    await details
      .getByRole('status')
      .filter({ hasText: /^Not replayed: the listener answered 401: invalid signature/ })
      .waitFor();
    expect(
      await details
        .getByRole('status')
        .filter({ hasText: /^Replayed:/ })
        .count(),
    ).toBe(0);
    // A delivery the listener verified: inspect can tell that it signs with another secret.
    const good = await runCli(['--json', 'trigger', 'chonk.created', '--secret', 'whsec_listeners_own', '--url', url], {
      home: t.home,
    });
    const goodId = (JSON.parse(good.stdout) as { id: string }).id;
    await events.getByRole('link', { name: goodId, exact: true }).waitFor();
    await page.reload();
    await events.getByRole('link', { name: goodId, exact: true }).click();
    const replay = details.getByRole('button', { name: 'Replay', exact: true });
    await page.getByText('the listener verifies with another secret than this inspector signs with').waitFor();
    expect(await replay.isDisabled()).toBe(true);
    const why = await page.locator(`#${await replay.getAttribute('aria-describedby')}`).innerText();
    expect(why).toContain('datachonk inspect --secret <secret>');
    await details.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await details.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    expect(app.requests).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('Edit → Send: the edited body reaches the app signed again, and shows as a new entry linked to the original', async () => {
    const s = await open();
    const id = await trigger(s, 'generation.completed');
    await forwardedRow(s, id);
    const details = await select(s, id);
    const rid = await shownRid(s);
    await details.getByRole('button', { name: 'Edit', exact: true }).click();
    const body = details.getByRole('textbox', { name: 'Body', exact: true });
    const edited = (await body.inputValue()).replace('dim_customers', 'dim_edited_in_the_browser');
    await body.fill(edited);
    await details.getByRole('button', { name: 'Send', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Sent: your app answered 200' }).waitFor();
    const [, sent] = await s.app.waitFor(2);
    expect(sent!.body.toString('utf8')).toBe(edited);
    expect(validSignature(s, sent!)).toBe(true);
    const copy = s.events.getByRole('row').filter({ hasText: `edit of ${rid}` });
    await copy.getByRole('link', { name: id, exact: true }).click();
    await details.getByText(`An edited copy of ${rid}`).waitFor();
    expect(await details.getByRole('region', { name: 'Request' }).innerText()).toContain('dim_edited_in_the_browser');
    expect(s.errors).toEqual([]);
  });

  it('Edit → Send of a body the schema refuses: the issues are shown, and Send anyway sends it', async () => {
    const s = await open();
    const id = await trigger(s, 'generation.completed');
    await forwardedRow(s, id);
    const details = await select(s, id);
    await details.getByRole('button', { name: 'Edit', exact: true }).click();
    const body = details.getByRole('textbox', { name: 'Body', exact: true });
    const invalid = (await body.inputValue()).replace('"entity"', '"mart"');
    await body.fill(invalid);
    await details.getByRole('button', { name: 'Send', exact: true }).click();
    await details.getByRole('alert').getByRole('listitem').filter({ hasText: 'data.chonk_type' }).waitFor();
    expect(s.app.requests).toHaveLength(1);
    await details.getByRole('button', { name: 'Send anyway', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Sent: your app answered 200' }).waitFor();
    const [, sent] = await s.app.waitFor(2);
    expect(sent!.body.toString('utf8')).toBe(invalid);
    expect(validSignature(s, sent!)).toBe(true);
    const arrived = details.getByRole('status').filter({ hasText: 'The edited copy arrived' });
    await arrived.waitFor();
    // A new attempt that is not sent leaves no word of the earlier copy's arrival beside its own result.
    await details.getByRole('button', { name: 'Send', exact: true }).click();
    await details.getByRole('status').filter({ hasText: 'Not sent: the body does not match the schema.' }).waitFor();
    expect(await arrived.count()).toBe(0);
    expect(s.app.requests).toHaveLength(2);
    expect(s.errors).toEqual([]);
  });

  it('Copy as curl: the command, run in bash, is accepted by the app with a valid signature', async () => {
    const s = await open();
    const id = await trigger(s, 'scan.completed');
    await forwardedRow(s, id);
    const details = await select(s, id);
    await details.getByRole('button', { name: 'Copy as curl', exact: true }).click();
    const command = await details.getByRole('textbox', { name: 'curl command' }).inputValue();
    expect(command).toMatch(/^curl /);
    const code = await new Promise<number | null>((resolve, reject) => {
      const bash = spawn('bash', ['-c', `${command} --silent --show-error --fail --output /dev/null`], {
        stdio: 'inherit',
      });
      bash.on('error', reject);
      bash.on('close', resolve);
    });
    expect(code).toBe(0);
    const [first, curled] = await s.app.waitFor(2);
    expect(curled!.body.equals(first!.body)).toBe(true);
    expect(validSignature(s, curled!)).toBe(true);
    expect(s.errors).toEqual([]);
  });

  it('Download gives the raw body, byte for byte', async () => {
    const s = await open();
    const id = await trigger(s, 'push.completed');
    await forwardedRow(s, id);
    const details = await select(s, id);
    const [download] = await Promise.all([
      s.page.waitForEvent('download'),
      details.getByRole('link', { name: 'Download', exact: true }).click(),
    ]);
    const saved = await readFile(await download.path());
    expect(saved.equals(s.app.requests[0]!.body)).toBe(true);
  });

  it('refuses a foreign Host (DNS rebinding), a cross-site Origin and a missing token with 403; the secret never reaches the page', async () => {
    const s = await open();
    const id = await trigger(s, 'generation.completed');
    await forwardedRow(s, id);
    const origin = new URL(s.inspector).origin;
    const port = new URL(s.inspector).port;
    const get = async (path: string, host: string) => {
      const answer = await request(`${origin}${path}`, { headers: { host } });
      return { status: answer.statusCode, text: await answer.body.text() };
    };
    expect((await get('/', `attacker.example:${port}`)).status).toBe(403);
    expect((await get('/api/events', `attacker.example:${port}`)).status).toBe(403);
    expect((await get('/api/events', `127.0.0.1:${Number(port) + 1}`)).status).toBe(403);
    const html = await get('/', `127.0.0.1:${port}`);
    expect(html.status).toBe(200);
    const token = /name="datachonk-token" content="([^"]+)"/.exec(html.text)![1]!;
    const rid = (JSON.parse((await get('/api/events', `127.0.0.1:${port}`)).text) as { entries: { rid: string }[] })
      .entries[0]!.rid;
    const replay = async (headers: Record<string, string>) =>
      (await request(`${origin}/api/events/${rid}/replay`, { method: 'POST', headers })).statusCode;
    expect(await replay({ 'x-datachonk-token': token, origin: 'http://attacker.example' })).toBe(403);
    expect(await replay({ origin })).toBe(403);
    expect(await replay({ 'x-datachonk-token': 'not-the-token', origin })).toBe(403);
    expect(s.app.requests).toHaveLength(1);
    // The same request with the token and the page's own Origin goes through: the 403s were the checks.
    expect(await replay({ 'x-datachonk-token': token, origin })).toBe(202);
    await s.app.waitFor(2);
    for (const path of ['/', '/api/info', '/api/events', `/api/events/${rid}`])
      expect((await get(path, `127.0.0.1:${port}`)).text).not.toContain(s.secret);
  });

  it('a payload with HTML in it is shown as text: no element made, no script run', async () => {
    const s = await open();
    const html = '<img src=x onerror="window.__pwned=1">';
    const id = await trigger(
      s,
      'generation.completed',
      '--set',
      `data.chonk_name=${html}`,
      '--header',
      `X-Note: ${html}`,
    );
    await forwardedRow(s, id);
    const details = await select(s, id);
    await details.getByText(html, { exact: false }).first().waitFor();
    expect(
      await details
        .getByRole('table', { name: 'Request headers' })
        .getByRole('row')
        .filter({ hasText: 'x-note' })
        .innerText(),
    ).toContain(html);
    expect(await details.locator('img').count()).toBe(0);
    expect(await s.page.locator('img').count()).toBe(0);
    expect(await s.page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(s.errors).toEqual([]);
  });

  it('pretty-prints a body without changing its numbers: an integer past 2^53 keeps its digits', async () => {
    const s = await open();
    const id = await trigger(
      s,
      'generation.completed',
      '--set',
      'data.duration_ms=12345678901234567890',
      '--no-validate',
    );
    await forwardedRow(s, id);
    const details = await select(s, id);
    expect(await details.getByLabel('Body, pretty-printed').innerText()).toContain(
      '\n    "duration_ms": 12345678901234567890\n',
    );
  });

  it("datachonk inspect with no listener running: the journal's history is there, Replay and Send are greyed out, and the page says why", async () => {
    const app = t.opened(await startRecordingServer());
    const listener = await startCli(['listen', '--port', '0', '--forward', app.origin], { home: t.home });
    const sent = await runCli(['--json', 'trigger', 'chonk.created', '--url', listeningUrl(listener.stderr())], {
      home: t.home,
    });
    const { id } = JSON.parse(sent.stdout) as { id: string };
    await listener.stop();
    const inspect = t.started(await startCli(['inspect', '--port', '0'], { home: t.home, ready: /Inspector on http/ }));
    const { page, errors } = await openPage(/Inspector on (http:\/\/\S+)/.exec(inspect.stderr())![1]!);
    await page.getByRole('table', { name: 'Events' }).getByRole('link', { name: id, exact: true }).click();
    const details = page.getByRole('region', { name: 'Details' });
    const replay = details.getByRole('button', { name: 'Replay', exact: true });
    await replay.waitFor();
    expect(await replay.isDisabled()).toBe(true);
    const why = await page.locator(`#${await replay.getAttribute('aria-describedby')}`).innerText();
    expect(why).toContain('need a running listener');
    await details.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await details.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('Filter (free text), type and status narrow the list, on the server', async () => {
    const s = await open();
    const a = await trigger(s, 'generation.completed');
    const b = await trigger(s, 'chonk.created');
    await trigger(s, 'generation.completed', '--signature', 'invalid');
    await forwardedRow(s, a);
    await forwardedRow(s, b);
    const rows = s.events.locator('tbody').getByRole('row');
    await s.page.getByRole('textbox', { name: 'Filter' }).fill(b);
    await rows.filter({ hasNotText: b }).first().waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    await s.page.getByRole('textbox', { name: 'Filter' }).fill('');
    await s.page.getByRole('combobox', { name: 'Status' }).selectOption('rejected');
    await rows.filter({ hasNotText: 'rejected' }).first().waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    await s.page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await s.page.getByRole('combobox', { name: 'Type' }).selectOption('chonk.created');
    await rows.filter({ hasNotText: 'chonk.created' }).first().waitFor({ state: 'detached' });
    expect(await rows.innerText()).toContain(b);
    expect(s.errors).toEqual([]);
  });

  it('shows the newest rows before its script runs: the server writes them, the same as the script draws them', async () => {
    const s = await open();
    const ids = [
      await trigger(s, 'chonk.created'),
      await trigger(s, 'generation.completed'),
      await trigger(s, 'generation.completed', '--signature', 'invalid'),
    ];
    for (const id of ids.slice(0, 2)) await forwardedRow(s, id);
    await s.events.getByRole('row').filter({ hasText: ids[2]! }).filter({ hasText: 'rejected' }).waitFor();
    const cellsOf = async (table: Locator) =>
      Promise.all(
        (await table.locator('tbody').getByRole('row').all()).map(async (row) =>
          (await row.getByRole('cell').allInnerTexts()).map((text) => text.trim()),
        ),
      );
    const drawn = await cellsOf(s.events);
    // No script at all: what the HTML holds.
    const context = await (await browser()).newContext({ javaScriptEnabled: false });
    t.later(() => context.close());
    const bare = await context.newPage();
    await bare.goto(s.inspector);
    const served = await cellsOf(bare.getByRole('table', { name: 'Events' }));
    expect(served).toEqual(drawn);
    expect(served.map((cells) => cells[3])).toEqual([...ids].reverse());
    expect(served[0]![4]).toMatch(/^rejected [a-z_]+$/);
    // The rows as the HTML parser makes them, marked: the script keeps them rather than drawing them again,
    // but for the event shown (#/events/<rid>), whose row is drawn selected.
    const here = await (await (await browser()).newContext()).newPage();
    t.later(() => here.context().close());
    await here.addInitScript(MARK_PARSED_ROWS);
    const selected = (await s.events.locator('tbody tr').nth(1).getAttribute('data-rid'))!;
    await here.goto(`${s.inspector}#/events/${selected}`);
    await here
      .getByRole('status')
      .filter({ hasText: /^live$/ })
      .waitFor();
    await here.locator(`tbody tr[data-rid="${selected}"] a[aria-current="true"]`).waitFor();
    expect(await here.locator('tbody tr.selected').getAttribute('data-rid')).toBe(selected);
    expect(
      await here
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows
            .filter((row) => (row as unknown as { parsed?: boolean }).parsed)
            .map((row) => row.getAttribute('data-rid')),
        ),
    ).toEqual(
      await s.events
        .locator('tbody tr')
        .evaluateAll(
          (rows, skip) => rows.map((row) => row.getAttribute('data-rid')).filter((rid) => rid !== skip),
          selected,
        ),
    );
    // In a browser whose time zone is not the server's (UTC+14 here), the rows show its times.
    const far = await (await (await browser()).newContext({ timezoneId: 'Pacific/Kiritimati' })).newPage();
    t.later(() => far.context().close());
    await far.goto(s.inspector);
    await far
      .getByRole('status')
      .filter({ hasText: /^live$/ })
      .waitFor();
    const times = await far.locator('tbody time').evaluateAll((els) =>
      els.map((el) => {
        const at = new Date(el.getAttribute('datetime')!);
        return [
          el.textContent!.slice(0, 5),
          `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`,
        ];
      }),
    );
    expect(times).toHaveLength(3);
    for (const [shown, local] of times) expect(shown).toBe(local);
    expect(s.errors).toEqual([]);
  });

  it("keeps none of the server's rows that the script would draw otherwise: a forward finished since, a filter the browser put back", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const s = await open((_request, res) => void released.then(() => res.end('{"ok":true}')));
    const sent = runCli(['--json', 'trigger', 'generation.completed', '--url', s.url], { home: t.home });
    const pending = s.events.locator('tbody tr');
    await pending.first().waitFor();
    // A page served while the forward is pending, whose first fetch of the list waits until it is done.
    let listed!: () => void;
    const canList = new Promise<void>((resolve) => (listed = resolve));
    const late = await (await (await browser()).newContext()).newPage();
    t.later(() => late.context().close());
    await late.route('**/api/events?*', async (route) => {
      await canList;
      await route.continue();
    });
    await late.goto(s.inspector);
    const row = late.getByRole('table', { name: 'Events' }).locator('tbody tr');
    expect((await row.getByRole('cell').allInnerTexts()).slice(5).map((text) => text.trim())).toEqual(['—', '—', '']);
    release();
    expect((await sent).code).toBe(0);
    // Its latency is the time the app was held: seconds, written "2.51 s".
    const forwarded = s.events
      .getByRole('row')
      .filter({ hasText: JSON.parse((await sent).stdout).id })
      .filter({ hasText: /\d m?s$/ });
    await forwarded.waitFor();
    const cells = (await forwarded.getByRole('cell').allInnerTexts()).map((text) => text.trim());
    listed();
    await late
      .getByRole('status')
      .filter({ hasText: /^live$/ })
      .waitFor();
    await row.filter({ hasText: /\d m?s$/ }).waitFor();
    expect((await row.getByRole('cell').allInnerTexts()).map((text) => text.trim()).slice(2)).toEqual(cells.slice(2));
    // A status filter the browser restored before the script ran (as Firefox does on reload): the server's
    // rows are not what it asks for, and go.
    const filtered = await (await (await browser()).newContext()).newPage();
    t.later(() => filtered.context().close());
    await filtered.addInitScript(`new MutationObserver((_, seen) => {
      const status = document.getElementById('status-filter');
      if (status && status.options.length > 1) { status.value = 'rejected'; seen.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`);
    await filtered.goto(s.inspector);
    await filtered.getByText('No event matches these filters.').waitFor();
    expect(await filtered.getByRole('table', { name: 'Events' }).locator('tbody tr').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('shows a page of the journal at a time, and Load more the next', async () => {
    const s = await open();
    const sent = await runCli(
      ['--json', 'trigger', 'chonk.created', '--count', '230', '--concurrency', '8', '--url', s.url],
      { home: t.home },
    );
    expect(sent.code, sent.stderr).toBe(0);
    await s.page.reload();
    const rows = s.events.locator('tbody').getByRole('row');
    await rows.nth(199).waitFor();
    expect(await rows.count()).toBe(200);
    // The click event itself, without scrolling the button into view first: in view, the button also
    // loads the next page by itself (the list's IntersectionObserver), and then hides, which on a busy
    // machine could win the race against a scrolling click.
    await s.page.getByRole('button', { name: 'Load more' }).dispatchEvent('click');
    await rows.nth(229).waitFor();
    expect(await rows.count()).toBe(230);
    expect(s.errors).toEqual([]);
  });

  it("works from the keyboard: Enter on an event's link opens it, the down arrow opens the next", async () => {
    const s = await open();
    const older = await trigger(s, 'scan.completed');
    const newer = await trigger(s, 'chonk.created');
    await forwardedRow(s, older);
    await forwardedRow(s, newer);
    await s.events.getByRole('link', { name: newer, exact: true }).focus();
    await s.page.keyboard.press('Enter');
    const details = s.page.getByRole('region', { name: 'Details' });
    await details.getByRole('heading', { level: 2 }).filter({ hasText: newer }).waitFor();
    await s.page.keyboard.press('ArrowDown');
    await details.getByRole('heading', { level: 2 }).filter({ hasText: older }).waitFor();
    expect(await s.page.evaluate('document.activeElement.textContent')).toBe(older);
  });

  it("Diff shows the lines that differ between two events' bodies", async () => {
    const s = await open();
    const a = await trigger(s, 'generation.completed', '--set', 'data.chonk_name=dim_left');
    const b = await trigger(s, 'generation.completed', '--set', 'data.chonk_name=dim_right');
    await forwardedRow(s, a);
    await forwardedRow(s, b);
    await s.page.getByRole('checkbox', { name: `Pick ${a} for diff` }).check();
    await s.page.getByRole('checkbox', { name: `Pick ${b} for diff` }).check();
    await s.page.getByRole('button', { name: 'Diff', exact: true }).click();
    const diff = s.page.getByRole('region', { name: 'Diff' });
    const text = await diff.getByLabel('Line diff of the two bodies').innerText();
    expect(text).toContain('-     "chonk_name": "dim_left",');
    expect(text).toContain('+     "chonk_name": "dim_right",');
    expect(text).toContain(`-   "id": "${a}",`);
    expect(text).not.toMatch(/^[-+] {3}"project_id"/m);
  });
});
