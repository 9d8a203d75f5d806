// Takes docs/inspector.png, the README's picture of the inspector page, from a real run: the built
// `datachonk listen --inspect 0` in front of a small app, a few events sent with `datachonk trigger`
// (one forged, one the app fails), the page in headless Chromium. Run `npm run screenshot:inspector`
// after changing the page. Chromium as for the browser tests: DATACHONK_CHROMIUM, else /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'datachonk.js');
const out = join(root, 'docs', 'inspector.png');
// As test/helpers/browser.ts: no background connections, which a machine without network refuses.
const args = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** An app on 127.0.0.1:0 that accepts every event but generation.failed, which it answers 500. */
async function startApp() {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const failing = body.includes('"generation.failed"');
    res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(failing ? '{"error":"database is locked"}' : '{"received":true}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function run(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

/** Starts the listener; resolves with it and its Ready block's URLs. */
function startListener(argv, env) {
  const child = spawn(process.execPath, [bin, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (text) => {
      stderr += text;
      const inspector = /Inspector:\s+(http:\/\/\S+)/.exec(stderr);
      const url = /Listening on (http:\/\/\S+)/.exec(stderr);
      if (inspector && url) resolve({ child, url: url[1], inspector: inspector[1] });
    });
    child.on('exit', (code) => reject(new Error(`listen exited ${code}:\n${stderr}`)));
  });
}

const home = await mkdtemp(join(tmpdir(), 'datachonk-screenshot-'));
const env = { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' };
const app = await startApp();
const listener = await startListener(['listen', '--port', '0', '--forward', app.origin, '--inspect', '0'], env);
const browser = await chromium.launch({ executablePath: process.env.DATACHONK_CHROMIUM || '/usr/bin/chromium', args });
try {
  const send = (...extra) => run(['trigger', ...extra, '--url', listener.url], env);
  await send('scan.completed');
  await send('chonk.created', '--set', 'data.chonk_name=stg_orders');
  await send('generation.failed');
  await send('push.completed', '--signature', 'invalid');
  await send('chonk.deleted');
  await send('generation.completed', '--set', 'data.chonk_name=dim_orders');
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  await page.goto(listener.inspector);
  await page
    .getByRole('status')
    .filter({ hasText: /^live$/ })
    .waitFor();
  const events = page.getByRole('table', { name: 'Events' });
  await events.locator('tbody tr').nth(5).waitFor();
  await events.locator('tbody tr').first().getByRole('link').first().click();
  await page.getByRole('region', { name: 'Forwards' }).waitFor();
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  listener.child.kill('SIGINT');
  await app.close();
  await rm(home, { recursive: true, force: true });
}
