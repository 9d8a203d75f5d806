import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';
import { homePerTest, runCli } from '../helpers/cli.js';

// `datachonk completion bash|zsh|fish`: scripts made from the command definitions. Bash is on every
// machine this runs on, so its completion function is run for real; zsh and fish may not be
// installed: their scripts are checked as text, and run where the shell is found.

const t = homePerTest('datachonk-e2e-completion-');
const run = promisify(execFile);

// Each script is made once, by the built binary, into a folder of this file's.
let scripts = '';
beforeAll(async () => {
  scripts = await mkdtemp(join(tmpdir(), 'datachonk-e2e-completion-scripts-'));
});
afterAll(() => rm(scripts, { recursive: true, force: true }));
const made = new Map<string, Promise<string>>();

/** The file holding `datachonk completion <shell>`'s script. */
function script(shell: string): Promise<string> {
  if (!made.has(shell)) {
    made.set(
      shell,
      (async () => {
        const { code, stdout, stderr } = await runCli(['completion', shell], { home: scripts });
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        const file = join(scripts, `datachonk.${shell}`);
        await writeFile(file, stdout);
        return file;
      })(),
    );
  }
  return made.get(shell)!;
}

async function found(shell: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${shell}`]).then(
    () => true,
    () => false,
  );
}

const shellEnv = () => ({ PATH: process.env.PATH ?? '', HOME: t.home });

/** What bash's completion offers for the words typed so far (the last one being completed). */
async function bashOffers(file: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(' ');
  const program = `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _datachonk; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run('bash', ['-c', program], { env: shellEnv() });
  return stdout.split('\n').filter(Boolean);
}

const TOP = [...COMMANDS.map((c) => c.name), 'help'];
const events = (prefix: string) => EVENT_TYPES.filter((e) => e.startsWith(prefix));

describe('bash', () => {
  it('is valid bash, and registers _datachonk for datachonk', async () => {
    const file = await script('bash');
    await run('bash', ['-n', file]);
    const { stdout } = await run('bash', ['-c', `source '${file}'; complete -p datachonk`], { env: shellEnv() });
    expect(stdout.trim()).toBe('complete -o default -F _datachonk datachonk');
  });

  it.each([
    [['datachonk', ''], TOP],
    [['datachonk', 'ev'], ['events']],
    [
      ['datachonk', '--json', 'events', ''],
      ['list', 'show', 'resend', 'wait', 'help'],
    ],
    [['datachonk', 'trigger', 'gen'], events('gen')],
    [['datachonk', 'trigger', '--url', 'http://127.0.0.1:1/x', ''], [...EVENT_TYPES]],
    [['datachonk', 'emulator', 'emit', 'p'], events('p')],
    [
      ['datachonk', 'trigger', '--signature', ''],
      ['valid', 'invalid', 'missing'],
    ],
    [['datachonk', 'listen', '--events', 'generation.completed,pu'], ['generation.completed,push.completed']],
    [['datachonk', 'webhooks', 'create', '--events', 'c'], events('c')],
    [['datachonk', 'webhooks', 'create', '--ev'], ['--events']],
    [
      ['datachonk', 'events', 'resend', 'evt_1', '--t'],
      ['--to', '--timeout'],
    ],
    [['datachonk', 'webhooks', 'delete', '-y', 'wh_1', '--y'], ['--yes']],
    [
      ['datachonk', 'completion', ''],
      ['bash', 'zsh', 'fish'],
    ],
    [['datachonk', 'help', 'tr'], ['trigger']],
    [
      ['datachonk', 'help', 'e'],
      ['events', 'emulator', 'exit-codes', 'environment'],
    ],
    [['datachonk', 'events', 'help', 'e'], []],
    // A file: left to bash's own file completion (-o default).
    [['datachonk', 'trigger', '--fixture', ''], []],
  ])('%j offers %j', async (words, expected) => {
    expect(await bashOffers(await script('bash'), words)).toEqual(expected);
  });

  it('offers every option of a command, and the global ones', async () => {
    const offered = await bashOffers(await script('bash'), ['datachonk', 'trigger', '-']);
    expect(offered).toEqual(
      expect.arrayContaining(['--url', '--print-payload', '--no-validate', '--json', '-q', '--quiet', '--help']),
    );
  });
});

describe('zsh and fish', () => {
  it('zsh: a #compdef script naming every command, option and event type; valid zsh where zsh is installed', async () => {
    const file = await script('zsh');
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('#compdef datachonk\n')).toBe(true);
    for (const word of [...TOP, ...EVENT_TYPES, '--print-payload', 'rotate-secret']) expect(text).toContain(word);
    if (!(await found('zsh'))) return;
    await run('zsh', ['-n', file]);
    // Completion's builtins exist only inside a completion widget: stand-ins print what they were given.
    const program = `compdef() { :; }; source '${file}'
      _describe() { local n=\${@[-1]}; print -rl -- \${\${(P)n}%%:*}; }
      compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -rl -- "$@"; }
      words=(datachonk events ''); CURRENT=3; _datachonk
      words=(datachonk trigger --signature ''); CURRENT=4; _datachonk`;
    const { stdout } = await run('zsh', ['-f', '-c', program], { env: shellEnv() });
    expect(stdout.split('\n').filter(Boolean)).toEqual([
      'list',
      'show',
      'resend',
      'wait',
      'help',
      'valid',
      'invalid',
      'missing',
    ]);
  });

  it('fish: complete lines for every command and event type; fish completes with it where fish is installed', async () => {
    const file = await script('fish');
    const text = await readFile(file, 'utf8');
    for (const word of [...TOP, ...EVENT_TYPES]) expect(text).toContain(word);
    expect(text).toContain("complete -c datachonk -n '__datachonk_is \\'\\'' -a 'trigger'");
    if (!(await found('fish'))) return;
    await run('fish', ['-n', file]);
    const offers = async (line: string) =>
      (await run('fish', ['-c', `source '${file}'; complete -C '${line}'`], { env: shellEnv() })).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(await offers('datachonk events ')).toEqual(['help', 'list', 'resend', 'show', 'wait']);
    expect(await offers('datachonk trigger gen')).toEqual(events('gen').sort());
    expect(await offers('datachonk listen --events generation.completed,pu')).toEqual([
      'generation.completed,push.completed',
    ]);
  });
});

describe('datachonk completion', () => {
  it('another shell is a usage error that lists the shells', async () => {
    const { code, stderr } = await runCli(['completion', 'powershell'], { home: t.home });
    expect(code).toBe(2);
    expect(stderr).toContain(
      "error: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.",
    );
  });

  it('--json: one record holding the script', async () => {
    const json = await runCli(['--json', 'completion', 'bash'], { home: t.home });
    expect(JSON.parse(json.stdout)).toEqual({
      type: 'completion',
      shell: 'bash',
      script: await readFile(await script('bash'), 'utf8'),
    });
  });
});
