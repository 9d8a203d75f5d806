import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/core/signing/signature.js';
import { packAndInstall, ROOT, run, type PackedInstall } from '../helpers/packed.js';
import { homeEnv, windows } from '../helpers/platform.js';

// The package as users get it: packed as `npm publish` would, installed into a new project, then
// loaded with require() and with import (issue 11, item 12). Runs after `npm test`'s build.

const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};

// What a receiver does with the package: verify and construct a known event, a new type, a forgery.
const USE = `
const secret = 'whsec_pack';
const event = { id: 'evt_pack', event: 'generation.completed', created_at: '2026-11-26T10:00:00Z', project_id: 'proj_1',
  data: { chonk_id: 'chonk_1', chonk_name: 'dim_customers', chonk_type: 'entity', files_generated: [{ path: 'a.sql', lines: 3 }], duration_ms: 5 } };
const body = JSON.stringify(event);
const future = JSON.stringify({ ...event, event: 'chonk.archived', data: {} });
const known = dc.constructEvent(Buffer.from(body), dc.sign(secret, body), secret);
const unknown = dc.constructEvent(future, dc.sign(secret, future), secret);
let refused;
try { dc.constructEvent(body, dc.sign('other', body), secret); } catch (error) { refused = error instanceof dc.WebhookVerificationError ? error.reason : String(error); }
const result = { type: known.event, known: known.known, files: known.data.files_generated.length, unknown: [unknown.event, unknown.known], refused,
  verify: dc.verify(secret, body, dc.sign(secret, body)) };
`;
const EXPECTED = {
  type: 'generation.completed',
  known: true,
  files: 1,
  unknown: ['chonk.archived', false],
  refused: 'mismatch',
  verify: { ok: true, secretIndex: 0 },
  // require() and import give the one module: `instanceof WebhookVerificationError` holds for both.
  sameModule: true,
};

describe('the packed tarball, installed into a new project', () => {
  let packed: PackedInstall;
  beforeAll(async () => {
    packed = await packAndInstall();
  }, 120_000);
  afterAll(async () => {
    if (packed) await rm(packed.dir, { recursive: true, force: true });
  });

  const node = async (file: string, source: string) => {
    await writeFile(join(packed.app, file), source);
    return run(process.execPath, [file], {
      cwd: packed.app,
      env: { PATH: process.env.PATH ?? '', ...homeEnv(packed.home) },
    });
  };

  it('holds the built library, the binary, the fixtures, the inspector page, the sample receiver and the README, and no sources or tests', () => {
    expect(packed.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/datachonk.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli.js',
        'fixtures/generation.completed.json',
        'inspector/index.html',
        'inspector/app.js',
        'inspector/app.css',
        'fixtures/scenarios/generate-and-push.yaml',
        'examples/receiver.mjs',
      ]),
    );
    expect(packed.files.filter((f) => /^(src|test|node_modules)\//.test(f))).toEqual([]);
  });

  it('works with require() from CommonJS', async () => {
    const result = await node(
      'check.cjs',
      `const dc = require('datachonk');\n${USE}
import('datachonk').then((esm) => console.log(JSON.stringify({ ...result, sameModule: esm.WebhookVerificationError === dc.WebhookVerificationError })));`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it('works with import from an ES module', async () => {
    const result = await node(
      'check.mjs',
      `import * as dc from 'datachonk';\nimport { createRequire } from 'node:module';\n${USE}
const required = createRequire(import.meta.url)('datachonk');
console.log(JSON.stringify({ ...result, sameModule: required.WebhookVerificationError === dc.WebhookVerificationError }));`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it('installs a working datachonk binary', async () => {
    // On Windows npm links a package's binary as a .cmd file.
    const bin = join(packed.app, 'node_modules', '.bin', windows ? 'datachonk.cmd' : 'datachonk');
    const env = { PATH: process.env.PATH ?? '', ...homeEnv(packed.home), NO_COLOR: '1' };
    const version = await run(bin, ['--version'], { cwd: packed.app, env });
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const signed = await run(bin, ['sign', '--secret', 'whsec_pack'], { cwd: packed.app, env, input: '{"a":1}' });
    expect(signed).toMatchObject({ code: 0, stdout: `${sign('whsec_pack', '{"a":1}')}\n` });
    // The built-in scenarios are found where the package is installed, and read with its yaml dependency.
    const scenario = await run(
      bin,
      ['trigger', '--scenario', 'generate-and-push', '--dry-run', '--secret', 'whsec_pack'],
      { cwd: packed.app, env },
    );
    expect(scenario.code, scenario.stderr).toBe(0);
    expect(scenario.stdout).toContain('Scenario generate-and-push: 4 events, in order');
    // The whole loop, as the README's first command after install: the sample receiver found in the package.
    const demo = await run(bin, ['demo', '--exit'], { cwd: packed.app, env });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).toContain('✔ All 5 deliveries verified by the listener and answered 2xx by the receiver');
    expect(demo.stderr).toMatch(/node_modules[\\/]datachonk[\\/]examples[\\/]receiver\.mjs/);
  });
});

/** Whether a version is in a range of `||`-separated `^x.y.z` and `>=x.y.z` parts (all `engines` uses). */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const compare = (min: number[]) => v.map((n, i) => n - min[i]!).find((d) => d !== 0) ?? 0;
  return range.split('||').some((part) => {
    const m = /^\s*(\^|>=)(\d+)\.(\d+)\.(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`engines has a range part this test cannot read: "${part}"`);
    const min = [m[2], m[3], m[4]].map(Number);
    return compare(min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

describe('engines', () => {
  // require() of an ES module works without a flag from Node 20.19.0 on 20, 22.12.0 on 22, and 23.0.0.
  it.each([
    ['18.20.4', false],
    ['20.18.1', false],
    ['20.18.3', false],
    ['20.19.0', true],
    ['20.20.2', true],
    ['21.7.3', false],
    ['22.0.0', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['22.20.0', true],
    ['23.0.0', true],
    ['24.0.0', true],
    ['25.2.1', true],
  ])('admits Node %s: %s (only versions where require("datachonk") works)', (version, works) => {
    expect(satisfies(version, pkg.engines.node)).toBe(works);
  });

  it('admits the Node running the tests, and the README says what it admits', async () => {
    expect(satisfies(process.versions.node, pkg.engines.node)).toBe(true);
    expect(await readFile(join(ROOT, 'README.md'), 'utf8')).toContain(`\`engines\`: \`${pkg.engines.node}\``);
  });
});
