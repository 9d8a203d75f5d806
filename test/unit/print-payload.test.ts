import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indentJson, parseJson, RawNumber } from '../../src/core/lossless-json.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode, run } from '../helpers/program.js';

// `trigger --print-payload`: the way to get a payload file to edit and send with --fixture.

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('trigger --print-payload', () => {
  it('prints the payload, overrides applied, as indented JSON that --fixture sends back; nothing is sent or signed', async () => {
    ctx = await testContext();
    await run(ctx, ['trigger', 'push.completed', '--print-payload', '--set', 'data.branch=dev']);
    const printed = ctx.stdout.text;
    expect(printed).toMatch(/^\{\n {2}"id": "evt_\w{24}",\n {2}"event": "push.completed",\n/);
    const payload = JSON.parse(printed) as { data: Record<string, unknown> };
    expect(payload.data.branch).toBe('dev');
    // No secret was needed, so none was made.
    await expect(access(ctx.paths.configFile)).rejects.toMatchObject({ code: 'ENOENT' });

    const file = join(ctx.home, 'my-push.json');
    await writeFile(file, printed);
    const sent = await testContext({ output: 'json', env: { HOME: ctx.home } });
    await run(sent, ['trigger', 'push.completed', '--fixture', file, '--dry-run', '--secret', 'whsec_x']);
    const [request] = sent.stdout.records as { body: string }[];
    expect((JSON.parse(request!.body) as { data: unknown }).data).toEqual(payload.data);
  });

  it('with --json, the one compact line trigger would send', async () => {
    ctx = await testContext({ output: 'json' });
    await run(ctx, ['trigger', 'generation.completed', '--print-payload']);
    const lines = ctx.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(JSON.stringify(JSON.parse(lines[0]!)));
    expect(JSON.parse(lines[0]!)).toMatchObject({
      event: 'generation.completed',
      data: { chonk_name: 'dim_customers' },
    });
  });

  it('keeps the digits of a number a JavaScript number would change', async () => {
    ctx = await testContext();
    await run(ctx, ['trigger', 'chonk.created', '--print-payload', '--set', 'data.external_ref=12345678901234567890']);
    expect(ctx.stdout.text).toContain('"external_ref": 12345678901234567890\n');
  });

  it('is one event: not with --all or --dry-run (exit 2)', async () => {
    ctx = await testContext();
    expect(await exitCode(ctx, ['trigger', '--all', '--print-payload'])).toBe(2);
    expect(ctx.stderr.text).toContain("option '--print-payload' cannot be used with option '--all'");
    expect(await exitCode(ctx, ['trigger', 'chonk.created', '--dry-run', '--print-payload'])).toBe(2);
  });
});

describe('indentJson', () => {
  it.each([
    ['{"a":1,"b":[1,{"c":null}],"d":{},"e":[],"f":"x\\ny","g":true}'],
    ['[]'],
    ['"text"'],
    ['{"nested":{"deeper":{"list":[[1,2],[3]]}}}'],
  ])('writes %s as JSON.stringify(value, null, 2) does', (text) => {
    expect(indentJson(parseJson(text))).toBe(JSON.stringify(JSON.parse(text), null, 2));
  });

  it('writes a kept number as its text', () => {
    expect(indentJson({ n: new RawNumber('1e400'), list: [new RawNumber('12345678901234567890')] })).toBe(
      '{\n  "n": 1e400,\n  "list": [\n    12345678901234567890\n  ]\n}',
    );
  });
});
