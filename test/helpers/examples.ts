import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../src/core/api/client.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import { checkEnvelope } from '../../src/core/events/schemas.js';
import { verify } from '../../src/core/signing/signature.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { BIN, runCli } from './cli.js';
import { isAlive } from './process.js';
import { startRecordingServer, type RecordingServer } from './recording-server.js';

// The documented examples, taken from the code blocks of README.md and the guides in docs/ (DOCUMENTS)
// and from the commands' --help, and a world
// to run them in: a temporary HOME and folder, `datachonk` on PATH (the built binary), "your app"
// and the DataChonk API (the emulator) on 127.0.0.1 port 0, a listener when an example sends to it,
// and a stand-in cloudflared. test/e2e/examples.test.ts runs them.

/** One command line of the docs, as written (continuation lines joined, `\` newlines kept). */
export interface Example {
  /** Where it is written: `README.md:158` or `datachonk trigger --help`. */
  where: string;
  text: string;
  /** A `console` block's output under its `$ ` line. */
  output?: string[];
}

/** Examples that share a world and run in order: one code block, or one command's --help. */
export interface ExampleBlock {
  where: string;
  examples: Example[];
}

/** The command lines of a code block: comment-only lines dropped, `\` continuations joined. */
function logicalLines(lines: { text: string; line: number }[]): { text: string; line: number }[] {
  const joined: { text: string; line: number }[] = [];
  let open: { text: string; line: number } | undefined;
  for (const { text, line } of lines) {
    if (!open && (/^\s*#/.test(text) || !text.trim())) continue;
    open = open ? { text: `${open.text}\n${text}`, line: open.line } : { text, line };
    if (!text.endsWith('\\')) {
      joined.push(open);
      open = undefined;
    }
  }
  return joined;
}

/** A `console` block: `$ command` lines, each followed by its output. */
function consoleExamples(file: string, lines: { text: string; line: number }[]): Example[] {
  const examples: Example[] = [];
  for (const { text, line } of lines) {
    if (text.startsWith('$ ')) examples.push({ where: `${file}:${line}`, text: text.slice(2), output: [] });
    else examples.at(-1)?.output?.push(text);
  }
  return examples;
}

/** The documents whose examples are run: the README and the guides (docs/commands.md's come from --help). */
export const DOCUMENTS = [
  'README.md',
  ...['receiving', 'listen', 'trigger', 'check', 'inspector', 'webhooks', 'emulator', 'ci', 'library']
    .concat(['troubleshooting', 'datachonk-api', 'development'])
    .map((guide) => `docs/${guide}.md`),
];

/** Every document of DOCUMENTS: its path and its text. */
export async function readDocuments(): Promise<{ file: string; markdown: string }[]> {
  return Promise.all(
    DOCUMENTS.map(async (file) => ({
      file,
      markdown: await readFile(new URL(`../../${file}`, import.meta.url), 'utf8'),
    })),
  );
}

/** Every ```sh and ```console block of a Markdown file with a line that mentions `datachonk`. */
export function documentBlocks(file: string, markdown: string): ExampleBlock[] {
  const blocks: ExampleBlock[] = [];
  let current: { lang: string; start: number; lines: { text: string; line: number }[] } | undefined;
  markdown.split('\n').forEach((text, index) => {
    const fence = /^```(\w*)/.exec(text);
    if (fence && !current) current = { lang: fence[1]!, start: index + 1, lines: [] };
    else if (fence && current) {
      const { lang, start, lines } = current;
      current = undefined;
      const examples =
        lang === 'console'
          ? consoleExamples(file, lines)
          : lang === 'sh'
            ? logicalLines(lines).map(({ text: line, line: at }) => ({ where: `${file}:${at}`, text: line }))
            : [];
      if (examples.some((e) => e.text.includes('datachonk'))) blocks.push({ where: `${file}:${start}`, examples });
    } else current?.lines.push({ text, line: index + 1 });
  });
  return blocks;
}

/**
 * The files the docs show whole: a ```yaml or ```json block whose first line is `# <file name>`
 * (`# my-scenario.yaml`). The examples that name such a file find it written as shown.
 */
export function documentedFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, text] of markdown.matchAll(/^```(?:yaml|json)\n(# ([\w.-]+\.(?:ya?ml|json))\n[\s\S]*?)^```$/gm)) {
    files.set(/^# (\S+)/.exec(text!)![1]!, text!);
  }
  return files;
}

/** A command line without its comments (`# terminal 1`). */
export const code = (text: string) => text.replace(/(^|\s)#\s.*$/gm, '').trim();

/** What an example needs from the world: found in its text (its comments left out). */
export const mentions = {
  /** It runs until stopped: a listener (not --print-secret), the emulator, or the demo (not --exit). */
  longRunning: (text: string) =>
    /datachonk (?:--\w+ )*(?:listen(?![^|;&)]*--print-secret)|emulator start|inspect|demo(?![^|;&)]*--exit))\b/.test(
      code(text),
    ),
  pipeline: (text: string) => /\|\s*\w/.test(code(text).replace(/'[^']*'/g, '')),
  /** It sends to where `listen` listens by default, or names what the listener journalled. */
  listener: (text: string) =>
    !mentions.longRunning(text) &&
    (/127\.0\.0\.1:4747|\b(evt|rcv)_/.test(code(text)) || triggersDefaultUrl(code(text))),
  /** `auth login` typed at a prompt, not piped. */
  typedKey: (text: string) => /^datachonk auth login\b/.test(text),
};

/** A `trigger` that sends to the default URL: no --url, and not one that only prints. */
function triggersDefaultUrl(text: string): boolean {
  return /datachonk (?:--\w+ )*trigger\b/.test(text) && !/--(url|dry-run|list|print-payload|help)\b/.test(text);
}

/**
 * Your app, a receiver written right (so that `datachonk check` passes it): 200 {"received":true} to a
 * request signed with one of `secrets` (verified over the raw bytes, a repeat included), 401 to
 * others, 400 to a signed body that is not JSON or not an event envelope.
 */
async function startApp(secrets: () => string[]): Promise<RecordingServer> {
  return startRecordingServer((req, res) => {
    const signed = secrets().some((secret) => verify(secret, req.body, req.headers['x-datachonk-signature']).ok);
    const [status, answer] = !signed
      ? [401, '{"error":"invalid signature"}']
      : !checkEnvelope(parsed(req.body)).ok
        ? [400, '{"error":"not a DataChonk event"}']
        : [200, '{"received":true}'];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(answer);
  });
}

function parsed(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const FAKE_CLOUDFLARED = fileURLToPath(new URL('./fake-cloudflared.mjs', import.meta.url));

/** A command line run by bash in the world: its output, and its exit. */
export interface ShellRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Runs `script` with bash, in its own process group (so that a pipeline can be stopped whole). */
function bash(script: string, options: { cwd: string; env: Record<string, string>; input?: string }): ShellRun {
  const child = spawn('bash', ['-c', `set -o pipefail\n${script}`], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A command that exits without reading its input (most do) closes the pipe first: no failure.
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.input ?? '');
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves once `run` has printed a line matching `ready`; rejects with its output if it exits first. */
function readyOf(run: ShellRun, ready: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = ready.exec(run.stderr()) ?? ready.exec(run.stdout());
      if (match) resolve(match);
    };
    run.child.stderr!.on('data', check);
    run.child.stdout!.on('data', check);
    void run.exited.then((code) =>
      reject(new Error(`exited ${code} before it was ready:\n${run.stderr()}\n${run.stdout()}`)),
    );
  });
}

/** A long-running example, started and ready. */
export interface Background {
  example: Example;
  run: ShellRun;
  /** The URL it serves: the listener's, the emulator's API base, or the inspector's page. */
  url: string;
  kind: 'listener' | 'emulator' | 'inspector';
}

/** Where the examples of one block run. */
export class World {
  private constructor(
    readonly dir: string,
    readonly home: string,
    readonly work: string,
    readonly env: Record<string, string>,
    readonly app: RecordingServer,
    readonly app2: RecordingServer,
    readonly emulator: Emulator,
  ) {}

  background: Background[] = [];
  private listener?: Promise<Background>;
  private seeded?: Promise<{ evt: string; rcv: string }>;

  static async open(): Promise<World> {
    const dir = await mkdtemp(join(tmpdir(), 'datachonk-examples-'));
    const [home, work, bin] = ['home', 'work', 'bin'].map((name) => join(dir, name)) as [string, string, string];
    await Promise.all([mkdir(home), mkdir(work), mkdir(bin)]);
    // `datachonk` on PATH, as `npm install -g` puts it there: the built binary.
    await writeFile(join(bin, 'datachonk'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    await chmod(join(bin, 'datachonk'), 0o755);
    // Your app knows the secrets the examples give it: the local dev secret (once a command made it), and those typed.
    const secrets = () => [devSecret(home), 'whsec_my_test_secret', 'whsec_other', 'whsec_test'];
    const [app, app2, emulator] = await Promise.all([
      startApp(secrets),
      startApp(secrets),
      startEmulator(
        {
          host: '127.0.0.1',
          port: 0,
          retrySchedule: [],
          deliveryTimeoutMs: 5000,
          version: 'examples',
          now: () => new Date(),
          monotonic: () => performance.now(),
        },
        { request() {}, attempt() {} },
      ),
    ]);
    const env = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: home,
      NO_COLOR: '1',
      DATACHONK_API_URL: emulator.url,
      DATACHONK_API_KEY: 'dck_examples',
      DATACHONK_KEY: 'dck_examples',
      CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
      FAKE_CLOUDFLARED_PIDFILE: join(dir, 'cloudflared.pid'),
    };
    // The payload files the examples name, before a line of theirs makes them: event payloads (the fixtures).
    await Promise.all(
      [
        ['generation.completed', 'payload.json'],
        ['push.completed', 'my-push.json'],
      ].map(([event, file]) =>
        copyFile(fileURLToPath(new URL(`../../fixtures/${event}.json`, import.meta.url)), join(work, file!)),
      ),
    );
    // And the files the docs show whole (a scenario file), as they show them.
    const shown = (await readDocuments()).flatMap(({ markdown }) => [...documentedFiles(markdown)]);
    await Promise.all(shown.map(([file, text]) => writeFile(join(work, file), text)));
    return new World(dir, home, work, env, app, app2, emulator);
  }

  /** Runs a command line with bash in this world (stdin: `input`). */
  shell(text: string, prelude: readonly string[], input?: string): ShellRun {
    return bash([...prelude, text].join('\n'), { cwd: this.work, env: this.env, input });
  }

  /** Starts a long-running example and waits for its Ready line. */
  async start(example: Example, text: string, prelude: readonly string[]): Promise<Background> {
    const run = this.shell(text, prelude);
    const ready = await readyOf(run, /Ready! (Listening on|DataChonk API emulator on|Inspector on) (http:\/\/\S+)/);
    const kind = ready[1] === 'Listening on' ? 'listener' : ready[1] === 'Inspector on' ? 'inspector' : 'emulator';
    const started: Background = { example, run, url: ready[2]!, kind };
    this.background.push(started);
    return started;
  }

  /** The listener the examples send to: the block's latest, else one of the world's, forwarding to the app. */
  async listenerUrl(): Promise<string> {
    const own = this.background.filter((b) => b.kind === 'listener').at(-1);
    if (own) return own.url;
    this.listener ??= this.start(
      { where: 'the world', text: '' },
      `datachonk listen --port 0 --forward ${this.app.origin}`,
      [],
    );
    return (await this.listener).url;
  }

  /** The API the examples talk to: the block's latest emulator, else the world's. */
  apiUrl(): string {
    return this.background.filter((b) => b.kind === 'emulator').at(-1)?.url ?? this.emulator.url;
  }

  /** An event the listener journalled (forwarded to the app): its event id and journal id. */
  journalled(): Promise<{ evt: string; rcv: string }> {
    this.seeded ??= (async () => {
      const url = await this.listenerUrl();
      const sent = await runCli(['trigger', 'generation.completed', '--url', url], { home: this.home });
      if (sent.code !== 0) throw new Error(`could not journal an event: ${sent.stderr}`);
      const [record] = (await runCli(['--json', 'events', 'list', '--limit', '1'], { home: this.home })).stdout
        .trim()
        .split('\n');
      const { id, rid } = JSON.parse(record!) as { id: string; rid: string };
      return { evt: id, rcv: rid };
    })();
    return this.seeded;
  }

  /** A new webhook at the app, in the API the examples talk to. */
  async webhook(): Promise<string> {
    const client = new ApiClient({ baseUrl: this.apiUrl(), apiKey: 'dck_examples', userAgent: 'examples' });
    try {
      return (
        await new WebhooksApi(client).create({
          url: `${this.app.origin}/webhooks/datachonk`,
          events: ['generation.completed'],
          secret: 'whsec_test',
        })
      ).id;
    } finally {
      await client.close();
    }
  }

  /** Stops what the examples started (Ctrl-C to each process group) and says how each exited. */
  async stopBackground(): Promise<{ background: Background; code: number | null }[]> {
    const stopped = [];
    for (const background of this.background.reverse()) {
      try {
        process.kill(-background.run.child.pid!, 'SIGINT');
      } catch {
        /* gone already */
      }
      stopped.push({ background, code: await background.run.exited });
    }
    this.background = [];
    return stopped;
  }

  async close(): Promise<void> {
    for (const { run } of this.background) {
      try {
        process.kill(-run.child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await killFromPidfile(this.env.FAKE_CLOUDFLARED_PIDFILE!);
    await Promise.all([this.app.close(), this.app2.close(), this.emulator.close()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The local dev secret in a HOME's config file, once a command has made it. */
function devSecret(home: string): string {
  try {
    return (
      (JSON.parse(readFileSync(join(home, '.config', 'datachonk', 'config.json'), 'utf8')) as { dev_secret?: string })
        .dev_secret ?? ''
    );
  } catch {
    return '';
  }
}

/** A stand-in cloudflared outlives nothing: killed if its listener did not stop it. */
async function killFromPidfile(file: string): Promise<void> {
  const pid = Number(await readFile(file, 'utf8').catch(() => ''));
  if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
}
