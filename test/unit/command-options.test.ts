import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import type { AnyCommandSpec, OptionSpecs } from '../../src/commands/define.js';
import { COMMANDS } from '../../src/commands/index.js';
import { buildProgram, namedCommands, type World } from '../../src/program.js';

// The options of every command are declared once; these tests hold the declaration to what --help
// says and what the action receives.

const silent = { write: () => true };
const world: World = {
  version: '0.0.0-test',
  env: {},
  stdout: silent,
  stderr: silent,
  context: () => {
    throw new Error('not run');
  },
};

/** Every command spec with its path ("events resend"). */
async function everyCommand(): Promise<[string, AnyCommandSpec][]> {
  const all = await Promise.all(COMMANDS.map(async (entry) => ({ entry, spec: (await entry.load()).default })));
  return all.flatMap(({ entry, spec }): [string, AnyCommandSpec][] =>
    'commands' in spec
      ? spec.commands.map((sub): [string, AnyCommandSpec] => [`${entry.name} ${sub.name}`, sub])
      : [[entry.name, spec]],
  );
}

/** The commander command at a path, in a program whose actions only record what they receive. */
async function programFor(received: { options?: Record<string, unknown> }): Promise<Command> {
  return (
    await buildProgram(world, async (_spec, command) => {
      received.options = command.opts();
    })
  ).exitOverride();
}

function find(program: Command, path: string): Command {
  return path.split(' ').reduce((cmd, name) => cmd.commands.find((c) => c.name() === name)!, program);
}

/** Made-up values for what a command requires, so it can be parsed with nothing else given. */
function requiredArgs(spec: AnyCommandSpec): string[] {
  const args = (spec.args ?? []).filter((a) => a.name.startsWith('<')).map(() => 'generation.completed');
  for (const option of Object.values(spec.options as OptionSpecs)) {
    if (option.required)
      args.push(
        option.flags.split(' ')[0]!.replace(',', ''),
        option.flags.includes('url') ? 'http://127.0.0.1:1/x' : 'sha256=00',
      );
  }
  return args;
}

const cases = (await everyCommand()).flatMap(([path, spec]) =>
  Object.entries(spec.options as OptionSpecs).map(([key, option]) => ({ path, spec, key, option })),
);

describe('command options', () => {
  it.each(cases.filter((c) => c.option.default !== undefined).map((c) => [`${c.path} ${c.option.flags}`, c] as const))(
    '%s: the default --help shows is the value the action receives',
    async (_name, { path, spec, key, option }) => {
      const received: { options?: Record<string, unknown> } = {};
      const program = await programFor(received);
      const commander = find(program, path).options.find((o: Option) => o.attributeName() === key)!;
      const shown = commander.defaultValueDescription ?? JSON.stringify(commander.defaultValue);
      expect(find(program, path).helpInformation().replace(/\s+/g, ' ')).toContain(
        `default: ${shown}`.replace(/\s+/g, ' '),
      );
      await program.parseAsync([...path.split(' '), ...requiredArgs(spec)], { from: 'user' });
      // Text is shown quoted (JSON), numbers and durations as typed.
      const typed = shown.startsWith('"') ? (JSON.parse(shown) as string) : shown;
      const fromHelp = option.parse ? option.parse(typed, undefined) : JSON.parse(shown);
      expect(received.options![key]).toEqual(fromHelp);
    },
  );

  it.each(cases.map((c) => [`${c.path} ${c.option.flags}`, c] as const))(
    '%s: is keyed by its attribute name',
    async (_name, { path, key }) => {
      expect(find(await programFor({}), path).options.map((o: Option) => o.attributeName())).toContain(key);
    },
  );

  it('numbers arrive as numbers, parsed once by the option', async () => {
    const received: { options?: Record<string, unknown> } = {};
    await (
      await programFor(received)
    ).parseAsync(['trigger', 'x', '--count', '3', '--timeout', '2m', '--concurrency', '7'], { from: 'user' });
    expect(received.options).toMatchObject({ count: 3, timeout: 120_000, concurrency: 7 });
  });

  it.each([
    [
      ['trigger', '--count', '0'],
      "option '--count <n>' argument '0' is invalid. expected a whole number from 1 to 10000000",
    ],
    [['listen', '--port', '99999'], 'expected a whole number from 0 to 65535'],
    [
      ['trigger', '--data', '{}', '--fixture', 'f.json'],
      "option '--data <json|@file>' cannot be used with option '--fixture <file>'",
    ],
    [
      ['listen', '--tunnel', '--tunnel-url', 'https://x.example'],
      "option '--tunnel' cannot be used with option '--tunnel-url <url>'",
    ],
    [
      ['webhooks', 'update', 'wh_1', '--enable', '--disable'],
      "option '--enable' cannot be used with option '--disable'",
    ],
    [['trigger', 'x', '--header', 'X-A: 1\r\nX-B: 2'], 'a header value may not contain a line break'],
  ])('%j is a usage error: %s', async (args, message) => {
    let said = '';
    const program = (
      await buildProgram({ ...world, stderr: { write: (text: string) => ((said += text), true) } }, async () => {})
    ).exitOverride();
    await expect(program.parseAsync(args, { from: 'user' })).rejects.toMatchObject({ exitCode: 1 });
    expect(said).toContain(message);
  });
});

const commands = await everyCommand();

describe('help', () => {
  it.each(commands.map(([path, spec]) => [path, spec] as const))('%s has examples, each running it', (path, spec) => {
    expect(spec.examples.length).toBeGreaterThan(0);
    for (const example of spec.examples) expect(example).toContain(`datachonk ${path}`);
  });

  it.each(commands.map(([path]) => [path] as const))(
    '%s: --help shows numeric defaults as numbers, not quoted',
    async (path) => {
      const help = find(await programFor({}), path).helpInformation();
      // A number in quotes reads as text to be typed with its quotes ("4747").
      expect(help).not.toMatch(/default: "-?\d+(\.\d+)?"/);
    },
  );

  it.each(
    cases.filter((c) => typeof c.option.default === 'number').map((c) => [`${c.path} ${c.option.flags}`, c] as const),
  )('%s: its numeric default is shown unquoted, as it would be typed', async (_name, { path, key, option }) => {
    const commander = find(await programFor({}), path).options.find((o: Option) => o.attributeName() === key)!;
    const shown = commander.defaultValueDescription ?? JSON.stringify(commander.defaultValue);
    expect(shown).not.toMatch(/^"/);
    expect(option.parse!(shown, undefined)).toBe(option.default);
  });

  it.each(cases.map((c) => [`${c.path} ${c.option.flags}`, c] as const))(
    '%s: --help says whether it is required',
    async (_name, { path, key, option }) => {
      const commander = find(await programFor({}), path).options.find((o: Option) => o.attributeName() === key)!;
      const line = new Command().createHelp().optionDescription(commander);
      if (option.required) expect(line).toMatch(/\(required\)$/);
      else expect(line).not.toContain('(required)');
      expect(commander.mandatory).toBe(Boolean(option.required));
    },
  );

  it('a required option left out is a usage error that names it', async () => {
    let said = '';
    const program = (
      await buildProgram({ ...world, stderr: { write: (text: string) => ((said += text), true) } }, async () => {})
    ).exitOverride();
    await expect(program.parseAsync(['webhooks', 'create'], { from: 'user' })).rejects.toMatchObject({
      code: 'commander.missingMandatoryOptionValue',
    });
    expect(said).toContain("required option '--url <url>' not specified");
  });
});

describe('loading', () => {
  it('a command line loads only the command it names; --help still lists every command', async () => {
    expect(namedCommands(['--json', 'trigger', '--url', 'http://x', 'generation.completed'])).toEqual(
      new Set(['trigger']),
    );
    expect(namedCommands(['help', 'events'])).toEqual(new Set(['events']));
    expect(namedCommands(['--version'])).toEqual(new Set());
    const program = await buildProgram(world, async () => {}, new Set(['events']));
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    expect(find(program, 'events').commands.map((c) => c.name())).toEqual(['list', 'show', 'resend', 'wait']);
    expect(find(program, 'trigger').options).toEqual([]);
  });
});
