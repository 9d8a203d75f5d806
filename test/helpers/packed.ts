import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homeEnv, windows } from './platform.js';

/** The repository's root: where `npm pack` runs. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end, collecting its output; never throws for a non-zero exit. A Windows
 * `.cmd` (what npm installs as a package's binary there) runs through the shell: Node refuses to spawn
 * one without it (CVE-2024-27980).
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const shell = windows && command.endsWith('.cmd');
    // Through the shell, one quoted command line: arguments beside `shell: true` are deprecated (DEP0190).
    const line = shell ? [[command, ...args].map((word) => `"${word}"`).join(' ')] : [command, ...args];
    const child = spawn(line[0]!, line.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that exits without reading its input closes the pipe first: no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

export interface PackedInstall {
  /** The temporary folder holding the tarball, the app and its HOME; remove it when done. */
  dir: string;
  /** A project with the tarball installed as a dependency, as a user would have it. */
  app: string;
  /** A HOME for what runs in the app. */
  home: string;
  /** The paths inside the tarball. */
  files: string[];
}

/**
 * Packs the repository as `npm publish` would and installs the tarball into a new project, offline.
 * `npm install <tarball>` offline needs the registry's package documents to resolve the tarball's
 * dependency ranges, and npm's cache holds only the tarballs that `npm ci` fetched. So the project
 * gets a lockfile pinning those dependencies as the repository's own lockfile resolves them, and
 * `npm ci --offline` installs them from the cache.
 */
export async function packAndInstall(): Promise<PackedInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'datachonk-pack-'));
  const home = join(dir, 'home');
  const app = join(dir, 'app');
  await Promise.all([mkdir(home), mkdir(app)]);
  // npm's cache is the real one (npm passes its place to the scripts it runs, `npm test`; else its
  // default); nothing else of the user's is read.
  const cache =
    process.env.npm_config_cache ??
    (windows ? join(process.env.LOCALAPPDATA ?? homedir(), 'npm-cache') : join(homedir(), '.npm'));
  const env = { PATH: process.env.PATH ?? '', ...homeEnv(home), npm_config_cache: cache };
  // --ignore-scripts: `prepare` would rebuild dist/ while other e2e tests run the binary from it;
  // `npm test` has just built it.
  const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  await writeApp(app, `file:../${filename}`);
  const installed = await npm(['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    env,
  });
  if (installed.code !== 0) throw new Error(`npm ci --offline of the tarball failed:\n${installed.stderr}`);
  return { dir, app, home, files: files.map((f) => f.path) };
}

/**
 * Runs npm with this Node. npm tells the scripts it runs (`npm test`) where its own npm-cli.js is; a
 * test run some other way takes `npm` from PATH (on Windows npm.cmd, through the shell).
 */
function npm(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunResult> {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.[cm]?js$/.test(cli)) return run(process.execPath, [cli, ...args], options);
  return run(windows ? 'npm.cmd' : 'npm', args, options);
}

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

/** A project depending on the tarball, with a lockfile made from the repository's. */
async function writeApp(app: string, spec: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { datachonk: spec } },
    'node_modules/datachonk': {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  // The repository's production dependencies, at the paths its lockfile puts them (hoisted or nested).
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev && !entry.link) packages[path] = entry;
  }
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, dependencies: { datachonk: spec } }),
  );
  await writeFile(
    join(app, 'package-lock.json'),
    JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }),
  );
}
