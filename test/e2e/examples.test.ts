import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnyCommandSpec } from '../../src/commands/define.js';
import { COMMANDS } from '../../src/commands/index.js';
import { sign } from '../../src/core/signing/signature.js';
import {
  code,
  documentBlocks,
  mentions,
  readDocuments,
  World,
  type Example,
  type ExampleBlock,
} from '../helpers/examples.js';

// Every `datachonk …` example of README.md and the guides in docs/ (their sh and console code blocks), and of each command's
// --help is run here, with the built binary, as a user would type it: in bash, with `datachonk` on
// PATH, a temporary HOME, and "your app", the listener and the DataChonk API (the emulator) on
// 127.0.0.1 port 0. The examples of one block run in order in one world (a listener started in
// "terminal 1" is there for the lines after it); long-running ones are started, seen Ready, and
// stopped with Ctrl-C at the end of their block. Addresses and placeholders are rewritten (REWRITES),
// and an example that cannot run here is listed in NOT_RUN with the reason: a new example is never
// skipped without saying so.

/** Examples not run (the command, without its comment), and why. */
const NOT_RUN: Readonly<Record<string, string>> = {
  'npm install': "installs the clone's dependencies from the npm registry; `npm ci` did, before these tests",
  'DATACHONK_WEBHOOK_SECRET=$(datachonk listen --print-secret) node examples/receiver.mjs':
    "the README's receiver on port 3000: test/readme/webhooks.test.ts runs it behind startListener, test/e2e/demo-cli.test.ts as a program; here your app is the test's, on port 0",
  'npm install -g .':
    "installs into npm's global prefix (and takes a minute); the package test installs the packed tarball",
};

/**
 * What is rewritten before an example runs: the documented addresses become the servers of the
 * test (no fixed ports, nothing leaves the machine), placeholders become real ids and signatures.
 */
const REWRITES: { what: string; apply: (text: string, world: World) => Promise<string> | string }[] = [
  {
    what: 'your app (localhost:3000, with a user name and password too) is the app on port 0',
    apply: (text, w) =>
      text
        .replace(/(?:https?:\/\/)?([^\s/@'"]+@)?localhost:3000/g, (_all, userinfo?: string) =>
          userinfo ? w.app.origin.replace('://', `://${userinfo}`) : w.app.origin,
        )
        .replace(/--forward 3000\b/g, `--forward ${w.app.origin}`),
  },
  {
    what: 'your other app (localhost:4000)',
    apply: (text, w) => text.replace(/(?:https?:\/\/)?localhost:4000/g, w.app2.origin),
  },
  {
    what: "mkcert's CA is the test certificate (mkcert is not installed here)",
    apply: (text) =>
      text.replaceAll(
        '"$(mkcert -CAROOT)/rootCA.pem"',
        fileURLToPath(new URL('../helpers/tls/localhost-cert.pem', import.meta.url)),
      ),
  },
  {
    what: 'an endpoint on the internet is your app',
    apply: (text, w) => text.replace(/https:\/\/example\.com/g, w.app.origin),
  },
  {
    what: 'the emulator at 127.0.0.1:4010',
    apply: (text, w) => text.replace(/http:\/\/127\.0\.0\.1:4010\/v1/g, w.apiUrl()),
  },
  {
    what: 'a listener or emulator started here listens on port 0',
    apply: (text) => (mentions.longRunning(text) ? portZero(text) : text),
  },
  {
    what: "a quick tunnel's public URL (the stand-in cloudflared's, on trycloudflare.com) is not checked over the network",
    apply: (text) =>
      text.replace(
        /(datachonk (?:--\w+ )*listen\b[^|;&\n]*--tunnel)(?=\s|$)(?![^|;&\n]*--tunnel-check)/,
        '$1 --tunnel-check off',
      ),
  },
  {
    what: 'the listener at 127.0.0.1:4747, where trigger sends by default',
    apply: async (text, w) => {
      if (!mentions.listener(text)) return text;
      const url = await w.listenerUrl();
      const withUrl = /--(url|dry-run|list|print-payload|help)\b/.test(text)
        ? text
        : text.replace(/datachonk ((?:--\w+ )*)trigger\b/, `datachonk $1trigger --url ${url}`);
      return withUrl.replace(/http:\/\/127\.0\.0\.1:4747\/webhooks\/datachonk/g, url);
    },
  },
  {
    what: '`events wait` finds what the listener journalled (a generation.completed)',
    apply: async (text, w) => {
      if (/datachonk (?:--\w+ )*events wait\b/.test(code(text))) await w.journalled();
      return text;
    },
  },
  {
    what: 'an event id (evt_…) or journal id (rcv_…) is one the listener journalled',
    apply: async (text, w) => {
      if (!/\b(evt|rcv)_/.test(text)) return text;
      const { evt, rcv } = await w.journalled();
      return text.replace(/\bevt_[\w…]+/g, evt).replace(/\brcv_[\w…]+/g, rcv);
    },
  },
  {
    what: 'a webhook id (wh_…) is a new webhook at the app',
    apply: async (text, w) => (/\bwh_/.test(text) ? text.replace(/\bwh_[\w…]+/g, await w.webhook()) : text),
  },
  {
    what: "a signature (sha256=…) is payload.json's with whsec_test",
    apply: async (text, w) =>
      /sha256=[0-9a-f]*…/.test(text)
        ? text.replace(/sha256=[0-9a-f]*…/g, sign('whsec_test', await readFile(join(w.work, 'payload.json'))))
        : text,
  },
];

/** `--port N` becomes `--port 0`, and a listen or emulator start without --port gets one. */
function portZero(text: string): string {
  // The inspector too: `--inspect` alone would take its default port, 4041.
  const inspector = text.replace(/--inspect(?: \d+)?(?=\s|$)/, '--inspect 0');
  if (/--port \d+/.test(inspector)) return inspector.replace(/--port \d+/, '--port 0');
  return inspector.replace(/datachonk ((?:--\w+ )*)(listen|emulator start|inspect)\b/, 'datachonk $1$2 --port 0');
}

async function rewrite(text: string, world: World): Promise<string> {
  let rewritten = text;
  for (const { apply } of REWRITES) rewritten = await apply(rewritten, world);
  return rewritten;
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** Runs one example in the world; a long-running one is started and left running. */
async function runExample(example: Example, world: World, prelude: readonly string[]): Promise<void> {
  const text = await rewrite(example.text, world);
  if (mentions.longRunning(text)) {
    await world.start(example, text, prelude);
    return;
  }
  const run = world.shell(text, prelude, mentions.typedKey(text) ? 'dck_examples\n' : undefined);
  const code = await run.exited;
  const said = `${example.where}: ${text}\n${run.stderr()}\n${run.stdout()}`;
  noStackTrace(run.stderr());
  // A console example showing an error: the same words, and a usage error's exit code unless it says
  // otherwise (`# exits 1`: a signature that does not verify is not a usage error).
  const exits = /#\s*exits (\d+)/.exec(example.text)?.[1];
  if (exits !== undefined || example.output?.some((line) => line.startsWith('error:'))) {
    expect(code, said).toBe(exits === undefined ? 2 : Number(exits));
    for (const line of example.output ?? []) expect(run.stderr() + run.stdout(), said).toContain(line);
    return;
  }
  expect(code, said).toBe(0);
  for (const line of example.output ?? []) expect(run.stdout(), said).toContain(line);
  if (/^curl /.test(text)) expect(run.stdout(), said).toContain('{"received":true}');
}

/** Runs a block's examples in order in a new world; then stops what they started, each with exit 0. */
async function runBlock(block: ExampleBlock): Promise<number> {
  const world = await World.open();
  let ran = 0;
  try {
    const prelude: string[] = [];
    for (const example of block.examples) {
      if (notRun(example.text)) continue;
      // Every line of the block, in order: one without datachonk may make what the next one uses.
      await runExample(example, world, prelude);
      ran++;
      if (example.text.startsWith('export ')) prelude.push(await rewrite(example.text, world));
    }
    for (const { background, code } of await world.stopBackground()) {
      // A pipeline's other end (jq) dies of the Ctrl-C too.
      expect(code, `${background.example.where}: ${background.example.text}\n${background.run.stderr()}`).toBe(
        mentions.pipeline(background.example.text) ? 130 : 0,
      );
      noStackTrace(background.run.stderr());
    }
  } finally {
    await world.close();
  }
  return ran;
}

function notRun(text: string): string | undefined {
  return NOT_RUN[code(text)];
}

/** Each command's --help examples: one block per command, run in order in a world of its own. */
async function helpBlocks(): Promise<ExampleBlock[]> {
  const specs = await Promise.all(COMMANDS.map(async (entry) => ({ entry, spec: (await entry.load()).default })));
  return specs
    .flatMap(({ entry, spec }) =>
      'commands' in spec
        ? spec.commands.map((sub): [string, AnyCommandSpec] => [`${entry.name} ${sub.name!}`, sub])
        : [[entry.name, spec] as [string, AnyCommandSpec]],
    )
    .map(([path, spec]) => ({
      where: `datachonk ${path} --help`,
      examples: spec.examples.map((text) => ({ where: `datachonk ${path} --help`, text })),
    }));
}

const readme = (await readDocuments()).flatMap(({ file, markdown }) => documentBlocks(file, markdown));
// An example of --help that the docs also show, word for word, is run there (once is enough).
const inReadme = new Set(readme.flatMap((b) => b.examples).map((e) => code(e.text)));
const help = (await helpBlocks()).map((block) => ({
  ...block,
  examples: block.examples.filter((e) => !inReadme.has(code(e.text))),
}));

// Two cores, shared: a few blocks at a time.
let slots = 3;
const waiting: (() => void)[] = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  while (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  slots--;
  try {
    return await work();
  } finally {
    slots++;
    waiting.shift()?.();
  }
}

describe('the documented examples', () => {
  it('are found: every line of a README or guide block that mentions datachonk is run, or listed with a reason', () => {
    const lines = readme.flatMap((b) => b.examples);
    expect(lines.filter((e) => e.text.includes('datachonk')).length).toBeGreaterThan(40);
    for (const command of Object.keys(NOT_RUN))
      expect(
        lines.filter((e) => code(e.text) === command),
        command,
      ).toHaveLength(1);
    expect(help.length).toBeGreaterThan(15);
    expect(help.flatMap((b) => b.examples).length).toBeGreaterThan(20);
  });

  describe.concurrent('README.md and docs/', () => {
    it.each(readme.map((block) => [block.where, block] as const))(
      '%s runs',
      async (_where, block) => {
        await limited(() => runBlock(block));
      },
      120_000,
    );
  });

  describe.concurrent('--help', () => {
    it.each(help.filter((b) => b.examples.length > 0).map((block) => [block.where, block] as const))(
      '%s: every example runs',
      async (_name, block) => {
        expect(await limited(() => runBlock(block))).toBe(block.examples.length);
      },
      120_000,
    );
  });
});
