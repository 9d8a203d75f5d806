import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TOPIC_TEXTS } from '../../src/commands/help/texts.js';
import { TOPICS } from '../../src/commands/help/topics.js';
import { COMMANDS } from '../../src/commands/index.js';
import type { CheckResult } from '../../src/core/check/run.js';
import { Failure } from '../../src/failure.js';
import { EXIT_CODES } from '../../src/program.js';
import { explain, type CheckRun } from '../../src/ui/check.js';
import { describeFailure } from '../../src/ui/failures.js';
import { wrap } from '../../src/ui/help-topic.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';

// `datachonk help <topic>`: what needs more than a command's --help, run in process through the program.

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

const SRC = new URL('../../src/', import.meta.url);

/** Every .ts file under src/, with its text. */
async function sources(): Promise<{ file: string; text: string }[]> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts'));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(new URL(file, SRC), 'utf8') })));
}

describe('datachonk help <topic>', () => {
  it.each(TOPICS.map((t) => [t.name] as const))('help %s prints its text, plain when piped, exit 0', async (name) => {
    ctx = await testContext();
    expect(await exitCode(ctx, ['help', name])).toBe(0);
    expect(ctx.stdout.text.startsWith(`${TOPIC_TEXTS[name].title}\n\n`)).toBe(true);
    expect(ctx.stdout.text).not.toContain('\u001b');
    expect(ctx.stderr.text).toBe('');
  });

  it('says what the signature is, how to verify it, rotation and the dev secret', async () => {
    ctx = await testContext();
    await exitCode(ctx, ['help', 'signatures']);
    for (const fact of [
      'x-datachonk-signature: sha256=<hex>',
      'raw bytes',
      'timingSafeEqual',
      '--secret <new> --secret <old>',
      'local dev secret',
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    ])
      expect(ctx.stdout.text.replace(/\s+/g, ' ')).toContain(fact);
  });

  it("the receiver's check it shows works: the known answer verifies, a wrong or malformed header does not", async () => {
    const block = TOPIC_TEXTS.signatures.blocks.find((b) => 'code' in b && b.lang === 'js');
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-topic-'));
    try {
      const file = join(dir, 'verify.mjs');
      await writeFile(file, `${block && 'code' in block ? block.code.join('\n') : ''}\nexport { verified };\n`);
      const { verified } = (await import(pathToFileURL(file).href)) as {
        verified: (body: Buffer, header: unknown, secret: string) => boolean;
      };
      const body = Buffer.from('Hello, World!');
      const secret = "It's a Secret to Everybody";
      const known = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
      expect(verified(body, known, secret)).toBe(true);
      expect(verified(body, known.replace('7571', '8571'), secret)).toBe(false);
      expect(verified(body, known.toUpperCase(), secret)).toBe(false);
      expect(verified(body, 'sha256=abc', secret)).toBe(false);
      expect(verified(body, [known, known], secret)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('paints headings only where colours are on', async () => {
    ctx = await testContext({ env: { FORCE_COLOR: '1' } });
    await exitCode(ctx, ['help', 'files']);
    expect(ctx.stdout.text).toContain('\u001b[1mFiles: where datachonk keeps what it keeps\u001b[22m');
  });

  it('files: also says where the folders are on this machine, from the environment', async () => {
    ctx = await testContext();
    await exitCode(ctx, ['help', 'files']);
    expect(ctx.stdout.text).toContain(`  <config>  ${ctx.paths.configDir}\n  <state>   ${ctx.paths.stateDir}\n`);
  });

  it('wraps to the width of the terminal, and keeps a code span whole', async () => {
    ctx = await testContext();
    Object.assign(ctx.stdout, { columns: 60 });
    await exitCode(ctx, ['help', 'environment']);
    const lines = ctx.stdout.text.split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(60);
    expect(wrap("use `express.raw({ type: '*/*' })` here", 12)).toEqual([
      'use',
      "`express.raw({ type: '*/*' })`",
      'here',
    ]);
  });

  it('exit-codes lists every exit code the program has', () => {
    const block = TOPIC_TEXTS['exit-codes'].blocks.find((b) => 'table' in b);
    const codes = block && 'table' in block ? block.table.rows.map(([code]) => Number(code)) : [];
    expect(codes).toEqual(Object.values(EXIT_CODES));
  });

  it('environment names every variable the code reads', async () => {
    const read = new Set<string>();
    for (const { text } of await sources()) {
      for (const [, name] of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) read.add(name!);
      // env[SECRET_ENV]: the constant's value.
      for (const [, constant] of text.matchAll(/\benv\[([A-Z][A-Z0-9_]+)\]/g))
        for (const { text: other } of await sources()) {
          const value = new RegExp(`const ${constant} = '([A-Z0-9_]+)'`).exec(other)?.[1];
          if (value) read.add(value);
        }
      // paths.ts: `variables: ['XDG_CONFIG_HOME', 'APPDATA']`.
      for (const [, list] of text.matchAll(/variables: \[([^\]]*)\]/g))
        for (const [, name] of list!.matchAll(/'([A-Z_]+)'/g)) read.add(name!);
    }
    expect(read.size).toBeGreaterThan(10);
    const block = TOPIC_TEXTS.environment.blocks.find((b) => 'table' in b);
    const documented = block && 'table' in block ? block.table.rows.map(([names]) => names).join(' ') : '';
    for (const name of read) expect(documented, name).toMatch(new RegExp(`\\b${name}\\b`));
  });
});

describe('datachonk help', () => {
  it('alone lists the commands and the topics', async () => {
    ctx = await testContext();
    expect(await exitCode(ctx, ['help'])).toBe(0);
    for (const { name } of COMMANDS) expect(ctx.stdout.text).toMatch(new RegExp(`\\n  ${name} `));
    for (const { name, summary } of TOPICS) expect(ctx.stdout.text).toContain(`  ${name.padEnd(11)}  ${summary}\n`);
  });

  it.each([
    [['help', 'events'], 'Usage: datachonk events [options] [command]'],
    [['help', 'events', 'list'], 'Usage: datachonk events list [options]'],
    [['help', 'trigger'], 'Usage: datachonk trigger [options] [event]'],
  ])('%j shows the help of the command, as --help does', async (args, usage) => {
    ctx = await testContext();
    expect(await exitCode(ctx, args)).toBe(0);
    expect(ctx.stdout.text.startsWith(`${usage}\n`)).toBe(true);
  });

  it.each([
    [['help', 'env'], 'env', 'did you mean "datachonk help environment"?'],
    [['help', 'signature'], 'signature', 'did you mean "datachonk help signatures"?'],
    [['help', 'exit'], 'exit', 'did you mean "datachonk help exit-codes"?'],
    [['help', 'trigerr'], 'trigerr', 'did you mean "datachonk help trigger"?'],
    [['help', 'login'], 'login', 'did you mean "datachonk help auth login"?'],
    [['help', 'frobnicate'], 'frobnicate', 'run `datachonk help` to see the commands and the help topics'],
  ])('%j: exit 2, the nearest topic or command', async (args, word, hint) => {
    ctx = await testContext();
    expect(await exitCode(ctx, args)).toBe(2);
    expect(ctx.stderr.text).toBe(`error: unknown help topic or command '${word}'\nhint: ${hint}\n`);
    expect(ctx.stdout.text).toBe('');
  });
});

describe('hints', () => {
  it('point at a help topic or a guide under docs/, never at a section of the README', async () => {
    const said = (await sources())
      .filter(({ file }) => /^(ui|commands)[\\/]/.test(file))
      .flatMap(({ file, text }) =>
        text
          .split('\n')
          .filter((line) => /README/.test(line) && !/^\s*(\/\/|\*|\/\*\*)/.test(line))
          .map((line) => `${file}: ${line.trim()}`),
      );
    expect(said).toEqual([]);
  });

  it('name only topics and commands that exist', async () => {
    const names = new Set([...TOPICS.map((t) => t.name), ...COMMANDS.map((c) => c.name)]);
    const named = (await sources()).flatMap(({ text }) =>
      [...text.matchAll(/datachonk help ([a-z-]+)/g)].map(([, name]) => name!),
    );
    expect(named.length).toBeGreaterThan(3);
    for (const name of named) expect([...names]).toContain(name);
  });

  it("check's hint for an endpoint that does not verify points at `datachonk help signatures`", () => {
    const result = { check: 'forged-signature', status: 'fail', hint: 'not-verifying', exchanges: [] };
    expect(explain(result as unknown as CheckResult, {} as CheckRun).hint).toContain(
      '`datachonk help signatures` says how',
    );
  });

  it('an invalid scenario file points at the guide of trigger for the format', () => {
    const words = describeFailure(new Failure('scenario-invalid', { file: 'my.yaml', issues: [] }), {
      command: 'trigger',
    });
    expect(words.hint).toContain('docs/trigger.md ("Scenarios")');
  });
});
