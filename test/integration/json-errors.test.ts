import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// A JSON syntax error in what the user wrote is said as a line and a column, with the line and a caret.

let ctx: TestContext;
afterEach(() => ctx.cleanup());

const BROKEN = '{\n  "data": {\n    "chonk_name": "dim_orders",\n  }\n}\n';
const AT = 'line 4, column 3: a comma before } (JSON takes no trailing comma)\n  4 |   }\n    |   ^';

async function file(name: string, text: string): Promise<string> {
  const path = join(ctx.home, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

describe('JSON syntax errors say a line and a column', () => {
  it('--data inline: the line with a caret under the column', async () => {
    ctx = await testContext();
    const args = ['trigger', 'generation.completed', '--dry-run', '--data', '{"data": {"chonk_name": x}}'];
    expect(await exitCode(ctx, args)).toBe(2);
    expect(ctx.stderr.text).toContain(
      'error: the --data value is not valid JSON: line 1, column 25: expected a value, found "x"\n' +
        '  1 | {"data": {"chonk_name": x}}\n' +
        '    |                         ^\n',
    );
  });

  it.each([
    ['--data', (p: string) => `@${p}`, 'the --data file'],
    ['--fixture', (p: string) => p, 'the --fixture file'],
  ])('%s from a file', async (flag, value, said) => {
    ctx = await testContext();
    const path = await file('payload.json', BROKEN);
    expect(await exitCode(ctx, ['trigger', 'generation.completed', '--dry-run', flag, value(path)])).toBe(2);
    expect(ctx.stderr.text).toContain(`error: ${said} ${path} is not valid JSON: ${AT}`);
  });

  it('a long line is cut around the column, the caret under it', async () => {
    ctx = await testContext();
    const data = `{"data": {${'"k": 1, '.repeat(40)}"chonk_name" "x"}}`;
    expect(await exitCode(ctx, ['trigger', 'generation.completed', '--dry-run', '--data', data])).toBe(2);
    const lines = ctx.stderr.text.split('\n');
    expect(lines[0]).toContain('line 1, column 344: expected a colon after the key, found "\\""');
    expect(lines[1]!.length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^ {2}1 \| ….*"chonk_name" "x"}}$/);
    expect(lines[1]![lines[2]!.indexOf('^')]).toBe('"');
  });

  it('a scenario file ending in .json is read as JSON', async () => {
    ctx = await testContext();
    const path = await file('s.json', '{\n  "steps": [\n    {"event": "chonk.created"\n  ]\n}\n');
    expect(await exitCode(ctx, ['trigger', '--scenario', path, '--dry-run'])).toBe(2);
    expect(ctx.stderr.text).toContain('the file: not valid JSON: line 4, column 3: expected a comma or }, found "]"');
  });

  it('the config file', async () => {
    ctx = await testContext({ stdin: '{}' });
    await file(join(ctx.paths.configFile.slice(ctx.home.length + 1)), '{"dev_secret": "whsec_x",\n "api_key": x}');
    expect(await exitCode(ctx, ['sign'])).toBe(1);
    expect(ctx.stderr.text).toContain(
      'is not valid JSON: line 2, column 13: expected a value, found "x"\n  2 |  "api_key": x}\n    |             ^',
    );
  });

  it("the emulator's API: the line and column in its 400", async () => {
    ctx = await testContext();
    const emulator = await startEmulator(
      {
        host: '127.0.0.1',
        port: 0,
        retrySchedule: [],
        deliveryTimeoutMs: 2000,
        version: 'test',
        now: () => new Date(),
        monotonic: () => performance.now(),
      },
      { request() {}, attempt() {} },
    );
    try {
      const response = await fetch(`${emulator.url}/webhooks`, {
        method: 'POST',
        headers: { authorization: 'Bearer dck_x', 'content-type': 'application/json' },
        body: '{"url": "http://127.0.0.1:1/x",\n "events": [}',
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(
        'the body is not JSON: line 2, column 13: expected a value, found \\"}\\"',
      );
    } finally {
      await emulator.close();
    }
  });
});
