import { readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { command, flag, register, text } from '../../src/commands/define.js';
import { TOPICS } from '../../src/commands/help/topics.js';
import { TOPIC_TEXTS } from '../../src/commands/help/texts.js';
import { commandReference, renderReference } from '../../src/commands/reference.js';
import { buildProgram, GLOBAL_OPTIONS, type World } from '../../src/program.js';

// docs/commands.md is written from the definitions the CLI runs (npm run docs); these tests keep the
// file in step with them and the renderer true to --help.

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

const reference = await commandReference();

/** Every command line of the program that runs or lists subcommands: `trigger`, `events`, `events list`… */
function commandsOf(program: Command, prefix = ''): [string, Command][] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c): [string, Command][] => {
      const path = `${prefix}${c.name()}`;
      return [[path, c], ...commandsOf(c, `${path} `)];
    });
}

/** The section of the reference for one command, up to the next heading of its level or above. */
function sectionOf(path: string): string {
  const heading = new RegExp(`^(#{2,3}) datachonk ${path}$`, 'm').exec(reference);
  expect(heading, `no section for datachonk ${path}`).not.toBeNull();
  const rest = reference.slice(heading!.index + heading![0].length);
  const next = new RegExp(`^#{2,${heading![1]!.length}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

describe('docs/commands.md', () => {
  it('is what the command definitions and help topics make now', async () => {
    const file = await readFile(new URL('../../docs/commands.md', import.meta.url), 'utf8').catch(() => '(missing)');
    expect(file, 'docs/commands.md is out of date: run npm run docs').toBe(reference);
  });

  it('has a section for every command and subcommand, with its usage, every option --help shows and its examples', async () => {
    const program = await buildProgram(world, async () => {});
    const paths = commandsOf(program);
    expect(paths.length).toBeGreaterThan(20);
    for (const [path, cmd] of paths) {
      const section = sectionOf(path);
      expect(reference).toContain(`](#datachonk-${path.replace(/ /g, '-')})`);
      if (cmd.commands.length > 0) {
        expect(section).toContain(`datachonk ${path} <command>`);
        continue;
      }
      expect(section).toContain(`\`\`\`\ndatachonk ${path} [options]`);
      for (const option of cmd
        .createHelp()
        .visibleOptions(cmd)
        .filter((o) => o.long !== '--help'))
        expect(section, `datachonk ${path} ${option.flags}`).toContain(`| \`${option.flags.replace(/\|/g, '\\|')}\` |`);
      for (const arg of cmd.registeredArguments) expect(section).toContain(arg.name());
    }
  });

  it('lists the global options as --help shows them, and every help topic', async () => {
    const help = (await buildProgram(world, async () => {})).helpInformation();
    for (const spec of Object.values(GLOBAL_OPTIONS)) {
      expect(help).toContain(spec.flags);
      expect(reference).toContain(`| \`${spec.flags}\` | ${spec.description}`);
    }
    for (const topic of TOPICS) {
      expect(reference).toContain(`### datachonk help ${topic.name}\n\n**${TOPIC_TEXTS[topic.name].title}**`);
    }
  });

  it('names nothing of the machine that wrote it: no home folder, temporary folder or working directory', () => {
    // A path as a whole name: /root is a home folder, /rootCA.pem (mkcert's file, in a flag's description) is not.
    for (const path of [homedir(), tmpdir(), process.cwd()]) {
      const whole = new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`);
      expect(reference).not.toMatch(whole);
    }
  });
});

describe('renderReference', () => {
  const spec = command({
    name: 'go',
    description: 'do it',
    args: [{ name: '<kind>', description: 'what to do', choices: ['a', 'b'] }],
    options: {
      mode: { ...text('--mode <mode>', 'how <fast> | slow', { default: 'quick' }), choices: ['quick', 'slow'] },
      old: flag('--old', 'the old spelling of --mode slow', { hidden: true }),
      data: { ...text('--data <json|@file>', 'inline'), conflicts: ['mode'] },
    },
    examples: ['datachonk thing go a --mode slow'],
    action: async () => async () => {},
  });
  const rendered = renderReference({
    program: { name: 'datachonk', description: 'the program' },
    globals: {},
    commands: [{ name: 'thing', description: 'a group', spec: { commands: [spec] } }],
    topics: [
      {
        name: 'files',
        title: 'A title',
        blocks: [{ heading: 'Part' }, { table: { head: ['path', 'what'], rows: [['<state>/x', 'a | b']] } }],
      },
    ],
  });

  it('leaves hidden options out', () => {
    expect(rendered).not.toContain('--old');
    expect(rendered).toContain('--mode <mode>');
  });

  it('a hidden option is left out of --help too, and still taken', async () => {
    let received: Record<string, unknown> = {};
    const program = new Command('datachonk').exitOverride();
    const go = register(program, { name: 'go', description: 'do it' }, spec, async (_spec, cmd) => {
      received = cmd.opts();
    });
    expect(go.helpInformation()).not.toContain('--old');
    await program.parseAsync(['go', 'a', '--old'], { from: 'user' });
    expect(received).toMatchObject({ old: true });
  });

  it('writes usage, arguments with their choices, options with default, choices and conflicts, and examples', () => {
    expect(rendered).toContain('## datachonk thing\n\na group\n\n```\ndatachonk thing <command>\n```');
    expect(rendered).toContain('| [go](#datachonk-thing-go) | do it |');
    expect(rendered).toContain('### datachonk thing go\n\ndo it\n\n```\ndatachonk thing go [options] <kind>\n```');
    expect(rendered).toContain('| `<kind>` | what to do (one of `a`, `b`) |');
    expect(rendered).toContain('| `--mode <mode>` | how \\<fast\\> \\| slow (one of `quick`, `slow`) | `quick` |');
    expect(rendered).toContain('| `--data <json\\|@file>` | inline (not with `--mode`) |  |');
    expect(rendered).toContain('```sh\ndatachonk thing go a --mode slow\n```');
  });

  it('writes the topics as Markdown, after a table of contents that links every section', () => {
    expect(rendered).toContain('- [datachonk thing](#datachonk-thing)\n  - [datachonk thing go](#datachonk-thing-go)');
    expect(rendered).toContain('  - [datachonk help files](#datachonk-help-files)');
    expect(rendered).toContain('#### Part\n\n| path | what |\n|---|---|\n| \\<state\\>/x | a \\| b |');
  });
});
