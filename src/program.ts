import { Command, CommanderError } from 'commander';
import type { Env } from './config/paths.js';
import type { Context, OutputMode, OutStream } from './context.js';
import { addOptions, flag, register, registerGroup, valuesOf, type Runner } from './commands/define.js';
import { isTopic, TOPICS, type TopicName } from './commands/help/topics.js';
import { COMMANDS } from './commands/index.js';
import { escapeControls } from './ui/sanitize.js';

// The program: every command module registered on one commander program, and every failure turned
// into words on stderr and an exit code. No process.* here: cli.ts passes the world in, and tests pass
// their own (test/helpers/program.ts).

/** The exit codes (`datachonk help exit-codes` says what each covers). */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export const PROGRAM_DESCRIPTION = 'Build and test integrations with DataChonk webhooks.';

/** The program's own options, before any command; declared as the commands declare theirs. */
export const GLOBAL_OPTIONS = {
  json: flag('--json', 'machine-readable output: NDJSON on stdout, nothing else there'),
  quiet: flag('-q, --quiet', 'print only results, warnings and errors (with --json: stderr only for those)'),
  debug: flag('--debug', 'show stack traces of unexpected errors'),
};

const width = Math.max(...TOPICS.map((topic) => topic.name.length));
const PROGRAM_HELP = `
Exit codes:
  0    success (every delivery got the expected status; the signature is valid; listen stopped cleanly)
  1    failure (an unexpected status, a failed check, a refused connection, a timeout, an invalid signature, a busy port)
  2    usage error (a bad flag, an unknown command or event type, an invalid payload)
  130  interrupted (Ctrl-C)

Help topics (datachonk help <topic>):
${TOPICS.map((topic) => `  ${topic.name.padEnd(width)}  ${topic.summary}`).join('\n')}`;

/** What the program runs in: made by cli.ts from the process, by tests from their own parts. */
export interface World {
  version: string;
  env: Env;
  stdout: OutStream;
  stderr: OutStream;
  /** The context a command runs with, for the output mode the global flags chose. */
  context(options: { output: OutputMode; debug: boolean }): Context;
}

/**
 * Builds the program; `run` carries out a parsed command (tests may pass their own). Only the
 * commands named in `load` are defined in full (their modules imported); the others are listed by
 * name for --help and suggestions. Undefined: all of them.
 */
export async function buildProgram(world: World, run: Runner, load?: ReadonlySet<string>): Promise<Command> {
  const program = new Command('datachonk')
    .description(PROGRAM_DESCRIPTION)
    .version(world.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's errors quote what was typed: escaped like everything else printed (ui/sanitize.ts).
    .configureOutput({
      writeOut: (text) => world.stdout.write(escapeControls(text, { layout: true })),
      writeErr: (text) => world.stderr.write(escapeControls(text, { layout: true })),
    })
    .configureHelp({ showGlobalOptions: true })
    .helpCommand('help [command|topic]', 'display help for a command, or a help topic')
    .addHelpText('after', PROGRAM_HELP);
  addOptions(program, GLOBAL_OPTIONS);
  for (const entry of COMMANDS) {
    if (load && !load.has(entry.name)) {
      program.command(entry.name).description(entry.description);
      continue;
    }
    const spec = (await entry.load()).default;
    if ('commands' in spec) registerGroup(program, entry, spec, run);
    else register(program, entry, spec, run);
  }
  return program;
}

/** The command a command line names: its first word that is not a flag (after `help`, the next). */
export function namedCommands(args: readonly string[]): Set<string> {
  return new Set(commandWords(args).slice(0, 1));
}

/** The words of a command line that are not flags, after `help` if it starts with it: ['events', 'list', …]. */
function commandWords(args: readonly string[]): string[] {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words.slice(1) : words;
}

/** The help topic a command line asks for (`help signatures`), if it does. */
function helpTopic(args: readonly string[]): TopicName | undefined {
  const [first, second] = args.filter((arg) => !arg.startsWith('-'));
  return first === 'help' && isTopic(second) ? second : undefined;
}

/** Whether the words name a command (and, for a group, a subcommand) that exists. */
function knowsCommand(program: Command, [first, second]: readonly string[]): boolean {
  if (first === undefined) return true;
  const top = program.commands.find((c) => c.name() === first);
  if (!top) return false;
  return (
    top.commands.length === 0 ||
    second === undefined ||
    second === 'help' ||
    top.commands.some((c) => c.name() === second)
  );
}

/** What the program learned while it ran: for the words of a failure. */
export interface RunState {
  command: string;
  debug: boolean;
}

/** Parses argv (without node and the script) and runs the command; failures are thrown. */
export async function execute(
  args: readonly string[],
  world: World,
  state: RunState = { command: '', debug: false },
): Promise<void> {
  const run: Runner = async (spec, command, positional) => {
    const globals = command.optsWithGlobals() as { json?: boolean; quiet?: boolean; debug?: boolean };
    state.debug = Boolean(globals.debug);
    state.command = commandPath(command);
    // Decided once, here, and passed down (STYLE.md: no sniffing of argv deep inside helpers).
    const output: OutputMode = globals.json ? 'json' : globals.quiet ? 'quiet' : 'pretty';
    const action = await spec.action();
    // -q with --json is not a conflict: the records on stdout, and stderr only for errors and warnings.
    const ctx = { ...world.context({ output, debug: state.debug }), quiet: Boolean(globals.quiet) };
    await action(ctx, { args: positional, options: valuesOf(spec.options, command.opts()) });
  };
  const topic = helpTopic(args);
  if (topic) {
    const { env, stdout, paths } = world.context({ output: 'pretty', debug: false });
    return (await import('./commands/help/run.js')).showTopic({ env, stdout, paths }, topic);
  }
  const program = await buildProgram(world, run, namedCommands(args));
  // Commander would suggest only names of the same level; ours knows `login` means `auth login`.
  const words = commandWords(args);
  if (!knowsCommand(program, words)) {
    const { unknownCommand } = await import('./commands/suggest.js');
    throw await unknownCommand(program, words, { topics: args.find((arg) => !arg.startsWith('-')) === 'help' });
  }
  await program.parseAsync(helpOfSubcommand(args), { from: 'user' });
}

/**
 * `help events resend` as `events resend --help`: commander's help command goes one level down only,
 * and would show the help of `events`.
 */
function helpOfSubcommand(args: readonly string[]): readonly string[] {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' && words.length > 2 ? [...words.slice(1, 3), '--help'] : args;
}

/** Runs the program and returns the exit code; failures are said on stderr. */
export async function runProgram(args: readonly string[], world: World): Promise<number> {
  const state: RunState = { command: '', debug: args.includes('--debug') };
  try {
    await execute(args, world, state);
    return EXIT_CODES.ok;
  } catch (error) {
    return report(error, { world, command: state.command, debug: state.debug || args.includes('--debug') });
  }
}

/** "events resend" for the resend command. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

async function report(error: unknown, where: { world: World; command: string; debug: boolean }): Promise<number> {
  const { world } = where;
  if (error instanceof CommanderError) {
    // Commander has printed its message already (with a suggestion when it has one).
    const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return shown ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  // Loaded only when something failed: --help and --version stay light.
  const [{ paint, shown, multiline, writeLine }, { isFailure }, { DatachonkError }] = await Promise.all([
    import('./ui/style.js'),
    import('./failure.js'),
    import('./errors.js'),
  ]);
  const c = paint(world.stderr, world.env);
  // The words may quote what came from outside (an API's message, a file's path): escaped, lines kept.
  const say = (message: string, hint: string | undefined) => {
    writeLine(world.stderr, shown`${c.red('error:')} ${multiline(message)}`);
    if (hint) writeLine(world.stderr, shown`${c.dim('hint:')} ${multiline(hint)}`);
  };
  const trace = (stack: unknown) => writeLine(world.stderr, multiline(String(stack ?? '')));
  if (isFailure(error)) {
    const { describeFailure } = await import('./ui/failures.js');
    const words = describeFailure(error, { command: where.command });
    say(words.message, words.hint);
    if (where.debug) trace(error.stack);
    return words.kind === 'usage' ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
  if (error instanceof DatachonkError) {
    say(error.message, error.hint);
    if (where.debug && error.cause) trace((error.cause as Error).stack ?? error.cause);
    return EXIT_CODES[error.kind];
  }
  say(
    `unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    where.debug ? undefined : 'run again with --debug for details, and report it if it persists',
  );
  if (where.debug) trace((error as Error)?.stack);
  return EXIT_CODES.failure;
}
