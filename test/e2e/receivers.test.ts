import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBES } from '../../src/core/check/probes.js';
import { sign } from '../../src/core/signing/signature.js';
import { runCli } from '../helpers/cli.js';

// The receivers of docs/receivers/, each started as its README says (port 0, the secret in the
// environment) and checked from outside: `datachonk check` (the built binary) must pass with no
// failure and no warning; a few raw requests check what no HTTP client library would send (a header
// of non-ASCII bytes) and a body of raw UTF-8; and the receiver's own log must show each event
// handled once, the repeats acknowledged. A sample whose runtime or framework is not on this machine
// is skipped, its title saying what it needs: nothing is installed at test time.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'whsec_e2e_receivers_Tq4mW8';
const CHECKS = PROBES.length + 1;
const REFUSALS = [400, 401, 403];
const JACKSON = ['jackson-databind', 'jackson-core', 'jackson-annotations'].map((jar) => `/usr/share/java/${jar}.jar`);

/** Whether a command runs and exits 0 here. */
const runs = (command: string, args: string[], cwd = ROOT) =>
  spawnSync(command, args, { cwd, stdio: 'ignore', timeout: 30_000 }).status === 0;
const resolves = (module: string) => runs(process.execPath, ['-e', `import(${JSON.stringify(module)})`]);
const python = (modules: string) => runs('python3', ['-c', `import ${modules}`]);

interface Sample {
  /** Its file, from the repository's root. */
  file: string;
  /** What it needs to run, when that is not here. */
  needs: string;
  available(): boolean;
  /** The command that starts it from its folder (`bin`: a folder of the test's own for build output). */
  command(file: string, bin: string): string[];
  /** A step before it starts (a compiler), in its folder. */
  build?(file: string, bin: string): string[];
}

const SAMPLES: Sample[] = [
  {
    file: 'examples/receiver.mjs',
    needs: 'Node',
    available: () => true,
    command: (file) => [process.execPath, file],
  },
  {
    file: 'docs/receivers/node/express.mjs',
    needs: 'express (npm install express)',
    available: () => resolves('express'),
    command: (file) => [process.execPath, file],
  },
  {
    file: 'docs/receivers/node/fastify.mjs',
    needs: 'fastify (npm install fastify)',
    available: () => resolves('fastify'),
    command: (file) => [process.execPath, file],
  },
  {
    file: 'docs/receivers/python/stdlib_receiver.py',
    needs: 'python3',
    available: () => python('sys'),
    command: (file) => ['python3', file],
  },
  {
    file: 'docs/receivers/python/flask_receiver.py',
    needs: 'python3 and Flask (pip install flask)',
    available: () => python('flask'),
    command: (file) => ['python3', file],
  },
  {
    file: 'docs/receivers/python/fastapi_receiver.py',
    needs: 'python3, FastAPI and uvicorn (pip install fastapi uvicorn)',
    available: () => python('fastapi, uvicorn'),
    command: (file) => ['python3', file],
  },
  {
    file: 'docs/receivers/go/main.go',
    needs: 'Go 1.19 or later (go)',
    available: () => runs('go', ['version']),
    build: (_file, bin) => ['go', 'build', '-o', join(bin, 'receiver'), '.'],
    command: (_file, bin) => [join(bin, 'receiver')],
  },
  {
    file: 'docs/receivers/ruby/receiver.rb',
    needs: 'Ruby and Sinatra (gem install sinatra rackup puma)',
    available: () => runs('ruby', ['-e', 'require "sinatra/base"']),
    command: (file) => ['ruby', file],
  },
  {
    file: 'docs/receivers/php/receiver.php',
    needs: 'PHP 8 (php)',
    available: () => runs('php', ['--version']),
    command: (file) => ['php', '-S', '127.0.0.1:0', file],
  },
  {
    file: 'docs/receivers/java/Receiver.java',
    needs: `a JDK 17 or later and Jackson's jars in /usr/share/java (apt-get install libjackson2-databind-java)`,
    available: () => runs('javac', ['-version']) && JACKSON.every((jar) => existsSync(jar)),
    command: (file) => ['java', '-cp', JACKSON.join(':'), file],
  },
  {
    file: 'docs/receivers/csharp/Program.cs',
    needs: 'the .NET 8 SDK (dotnet)',
    available: () => runs('dotnet', ['--version']),
    build: (_file, bin) => ['dotnet', 'build', '--nologo', '-o', bin],
    command: (_file, bin) => ['dotnet', join(bin, 'Receiver.dll')],
  },
];

// The first line that gives the port a server listens on, as each prints it: "Listening on
// http://localhost:3000/…" (ours), Werkzeug's "Running on http://127.0.0.1:3000", uvicorn's, PHP's,
// Puma's, Kestrel's "Now listening on: http://0.0.0.0:3000", WEBrick's "port=3000".
const LISTENING = /(?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::\]):|\bport=)(\d+)/;

interface Running {
  url: string;
  /** Everything it printed, stdout and stderr. */
  log(): string;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datachonk-receiver-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a build step to its end; its output is the error when it fails. */
function build(argv: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: 'utf8' });
  expect(result.status, `${argv.join(' ')}:\n${result.stdout}${result.stderr}`).toBe(0);
}

/** Starts a sample on port 0 and resolves once it prints the port it listens on. */
async function start(sample: Sample, path: string): Promise<Running> {
  const bin = await scratch();
  // TMPDIR: where PHP's sample keeps the ids it handled. GOTOOLCHAIN: Go never downloads another toolchain.
  const env = { ...process.env, DATACHONK_WEBHOOK_SECRET: SECRET, PORT: '0', TMPDIR: bin, GOTOOLCHAIN: 'local' };
  const [cwd, file] = [dirname(path), basename(path)];
  if (sample.build) build(sample.build(file, bin), cwd, env);
  const [command, ...args] = sample.command(file, bin);
  const child = spawn(command!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(stop);
  let log = '';
  const port = new Promise<string>((resolve) => {
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        log += `${line}\n`;
        const match = LISTENING.exec(line);
        if (match) resolve(match[1]!);
      });
  });
  const failed = exited.then((code) => {
    throw new Error(`${sample.file} exited ${String(code)} before it listened:\n${log}`);
  });
  const listening = await Promise.race([port, failed]);
  return { url: `http://127.0.0.1:${listening}/webhooks/datachonk`, log: () => log, stop };
}

/**
 * Sends one request byte for byte (a header value of any bytes, which fetch and node:http refuse
 * or re-encode) and resolves with the status answered, or 0 when the connection closed without one.
 */
function rawPost(url: string, signature: Buffer, body: Buffer): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  const head = [
    `POST ${pathname} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    'Connection: close',
  ].join('\r\n');
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () =>
      socket.end(
        Buffer.concat([Buffer.from(`${head}\r\nX-DataChonk-Signature: `), signature, Buffer.from('\r\n\r\n'), body]),
      ),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

/** A signed event whose body holds "é" as raw UTF-8 bytes, not escaped. */
function utf8Event(): Buffer {
  const id = `evt_utf8${Date.now().toString(36)}`;
  return Buffer.from(
    JSON.stringify({
      id,
      event: 'chonk.deleted',
      created_at: new Date().toISOString(),
      project_id: 'proj_receivers',
      data: { chonk_id: 'chonk_1', chonk_name: 'dim_café_orders', chonk_type: 'entity' },
    }),
    'utf8',
  );
}

interface Exercise {
  check: { code: number | null; stdout: string; stderr: string };
  /** The statuses of the raw requests, by what they sent. */
  raw: Record<'non-ascii' | 'non-hex' | 'raw-utf8', number>;
  /** The ids the receiver logged as handled, once per time it said so; and how many repeats it logged. */
  handled: string[];
  repeats: number;
}

/** Starts the sample at `path`, runs check and the raw requests against it, and stops it. */
async function exercise(sample: Sample, path: string): Promise<Exercise> {
  const home = await scratch();
  const receiver = await start(sample, path);
  const check = await runCli(['check', receiver.url], { home, env: { DATACHONK_WEBHOOK_SECRET: SECRET } });
  const body = utf8Event();
  const raw = {
    // 64 bytes after sha256= (32 × "é" in UTF-8): the length of a real signature, so a length check lets it through.
    'non-ascii': await rawPost(receiver.url, Buffer.from(`sha256=${'é'.repeat(32)}`, 'utf8'), body),
    'non-hex': await rawPost(receiver.url, Buffer.from(`sha256=${'zq'.repeat(32)}`), body),
    'raw-utf8': await rawPost(receiver.url, Buffer.from(sign(SECRET, body)), body),
  };
  await receiver.stop();
  const log = receiver.log();
  return {
    check,
    raw,
    handled: [...log.matchAll(/(\S+): verified, handled$/gm)].map((m) => m[1]!),
    repeats: [...log.matchAll(/: a repeat, already handled$/gm)].length,
  };
}

/** A copy of a sample's folder with one piece of its code replaced: the test must then fail. */
async function broken(sample: Sample, from: string, to: string): Promise<string> {
  const dir = await scratch();
  await cp(join(ROOT, dirname(sample.file)), dir, { recursive: true });
  const path = join(dir, basename(sample.file));
  const code = await readFile(path, 'utf8');
  expect(code, `${sample.file} holds ${from}`).toContain(from);
  await writeFile(path, code.replace(from, to));
  return path;
}

const sample = (file: string) => SAMPLES.find((s) => s.file === file)!;
// Each runtime is probed once (a JDK's javac takes half a second to say its version).
const here = new Map(SAMPLES.map((s) => [s, s.available()]));
const title = (s: Sample) => (here.get(s) ? s.file : `${s.file} (not run here: needs ${s.needs})`);

describe('docs/receivers: each sample passes datachonk check, refuses any odd header, handles each event once', () => {
  for (const s of SAMPLES) {
    it.skipIf(!here.get(s))(title(s), { timeout: 180_000 }, async () => {
      const { check, raw, handled, repeats } = await exercise(s, join(ROOT, s.file));
      expect(check.code, `${check.stdout}${check.stderr}`).toBe(0);
      expect(check.stdout).toContain(`${CHECKS} checks: ${CHECKS} passed, 0 warnings, 0 failed`);
      // A refusal, as check counts one: a server may refuse a non-ASCII header itself (Kestrel answers 400).
      expect(REFUSALS).toContain(raw['non-ascii']);
      expect(REFUSALS).toContain(raw['non-hex']);
      expect(raw['raw-utf8']).toBe(200);
      // Every delivery probe's event, the duplicates' and the raw UTF-8 one, each handled once; the repeats said so.
      expect(handled.length).toBeGreaterThanOrEqual(PROBES.filter((p) => p.group === 'delivery').length + 3);
      expect(new Set(handled).size, handled.join('\n')).toBe(handled.length);
      expect(repeats).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('the tests above fail for a broken receiver', () => {
  const node = sample('examples/receiver.mjs');
  const stdlib = sample('docs/receivers/python/stdlib_receiver.py');

  it('a receiver that takes any signature of the right length fails the forgery checks', async () => {
    const path = await broken(
      node,
      'given.length === expected.length && timingSafeEqual(given, expected)',
      'given.length === expected.length',
    );
    const { check } = await exercise(node, path);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('your endpoint does not verify signatures');
  });

  it.skipIf(!here.get(stdlib))(
    'a Python receiver comparing str drops the connection on a non-ASCII header',
    { timeout: 60_000 },
    async () => {
      const path = await broken(
        stdlib,
        'if not hmac.compare_digest(expected, given):',
        'if not hmac.compare_digest(expected.decode(), given.decode("utf-8", "replace")):',
      );
      const { raw } = await exercise(stdlib, path);
      expect(raw['non-ascii']).toBe(0);
      expect(raw['non-hex']).toBe(401);
    },
  );

  it.skipIf(!here.get(stdlib))(
    'a receiver without its dedupe handles a repeated event twice',
    { timeout: 60_000 },
    async () => {
      const path = await broken(stdlib, 'repeat = event["id"] in handled', 'repeat = False');
      const { check, handled } = await exercise(stdlib, path);
      expect(check.code, check.stdout).toBe(0);
      expect(new Set(handled).size).toBeLessThan(handled.length);
    },
  );
});
