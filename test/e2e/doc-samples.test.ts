import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';

// The receiver samples of the guides, run as written: the Express sample of docs/library.md (with the
// package it imports, as an app that installed it would) and the Python one of docs/receiving.md. Each
// must take what DataChonk sends, refuse what it would not, and never crash on an odd signature header.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'whsec_doc_samples';
const python = spawnSync('python3', ['--version']).status === 0;

/** The first ```lang block of a guide that follows the line `after` (or the first at all). */
async function block(guide: string, lang: string, after = ''): Promise<string> {
  const text = await readFile(join(ROOT, 'docs', guide), 'utf8');
  const from = text.indexOf(after);
  expect(from, `${guide}: "${after}"`).toBeGreaterThanOrEqual(0);
  const match = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'm').exec(text.slice(from));
  expect(match, `${guide}: a ${lang} block`).not.toBeNull();
  return match![1]!;
}

const dirs: string[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A folder where `import 'datachonk'` and `import 'express'` resolve, as in an app that installed them. */
async function appFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datachonk-doc-sample-'));
  dirs.push(dir);
  await mkdir(join(dir, 'node_modules'));
  await symlink(ROOT, join(dir, 'node_modules', 'datachonk'), 'junction');
  await symlink(join(ROOT, 'node_modules', 'express'), join(dir, 'node_modules', 'express'), 'junction');
  return dir;
}

const event = (id: string) =>
  JSON.stringify({
    id,
    event: 'generation.completed',
    created_at: '2024-01-15T10:30:00Z',
    project_id: 'proj_1',
    data: { chonk_id: 'chonk_1', chonk_name: 'dim_x', chonk_type: 'entity', files_generated: [], duration_ms: 1 },
  });

describe("docs/library.md's Express sample", () => {
  it('takes a signed event whatever its Content-Type, refuses forgeries with 401 and a signed non-event with 400', async () => {
    const dir = await appFolder();
    const sample = await block('library.md', 'js', '## Signing, and verifying in your app');
    const listen = "\nconst server = app.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));\n";
    await writeFile(join(dir, 'app.mjs'), sample + listen);
    const app = spawn(process.execPath, ['app.mjs'], { cwd: dir, env: { ...process.env, WEBHOOK_SECRET: SECRET } });
    stops.push(() => app.kill());
    let stderr = '';
    app.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: app.stdout });
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => line as string),
      once(app, 'exit').then(([code]) => {
        throw new Error(`the sample exited ${String(code)} before listening:\n${stderr}`);
      }),
    ]);
    const url = `http://127.0.0.1:${/port (\d+)/.exec(first)![1]!}/webhooks/datachonk`;

    const post = async (body: string, headers: Record<string, string>) =>
      (await fetch(url, { method: 'POST', body, headers })).status;
    const body = event('evt_1');
    const signature = sign(SECRET, body);
    expect(await post(body, { 'x-datachonk-signature': signature, 'content-type': 'application/json' })).toBe(200);
    expect(await post(body, { 'x-datachonk-signature': signature, 'content-type': 'text/plain' })).toBe(200);
    expect(await post(body, { 'x-datachonk-signature': sign('whsec_other', body) })).toBe(401);
    expect(await post(body, { 'x-datachonk-signature': 'sha256=é' })).toBe(401);
    expect(await post(body, {})).toBe(401);
    expect(await post('not json', { 'x-datachonk-signature': sign(SECRET, 'not json') })).toBe(400);
  });
});

describe("docs/receiving.md's Python sample", () => {
  it.skipIf(!python)(
    'returns the event for a signature over the raw bytes, and None for any other header, non-ASCII included',
    async () => {
      const dir = await appFolder();
      const sample = await block('receiving.md', 'python');
      const body = event('evt_py');
      const cases = [sign(SECRET, body), sign('whsec_other', body), null, '', 'sha256=', 'sha256=é', 'sha256=ab'];
      const driver = [
        'import sys',
        'cases = json.loads(sys.stdin.read())',
        'for header in cases["headers"]:',
        '    event = verified_event(cases["body"].encode(), header)',
        '    print(event["id"] if event else None)',
      ].join('\n');
      await writeFile(join(dir, 'receiver.py'), `${sample}\n${driver}\n`);
      const run = spawnSync('python3', ['receiver.py'], {
        cwd: dir,
        env: { ...process.env, WEBHOOK_SECRET: SECRET },
        input: JSON.stringify({ body, headers: cases }),
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual(['evt_py', 'None', 'None', 'None', 'None', 'None', 'None']);
    },
  );
});
