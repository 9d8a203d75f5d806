import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { TOPICS, type TopicName } from './help/topics.js';
import { COMMANDS } from './index.js';

// A command line whose command does not exist (`datachonk login`) is refused here, before commander
// parses it, with the command the user most likely meant: commander's own suggestion only knows the
// names at one level, so it cannot offer `auth login` for `login`. Loaded only when a word is unknown.

/**
 * Words people type for a command that has another name here (from other CLIs and habit). A
 * subcommand's own name needs no entry: `login` finds `auth login` by it.
 */
const MEANT: Readonly<Record<string, string>> = {
  whoami: 'auth status',
  send: 'trigger',
  fire: 'trigger',
  receive: 'listen',
  serve: 'listen',
  forward: 'listen',
  replay: 'events resend',
  logs: 'events list',
  history: 'events list',
  completions: 'completion',
};

/** Words people type for a help topic (`help env`). */
const TOPIC_WORDS: Readonly<Record<string, TopicName>> = {
  env: 'environment',
  vars: 'environment',
  variables: 'environment',
  exit: 'exit-codes',
  codes: 'exit-codes',
  signing: 'signatures',
  secret: 'signatures',
  secrets: 'signatures',
  hmac: 'signatures',
  rotation: 'signatures',
  paths: 'files',
  folders: 'files',
  config: 'files',
  journal: 'files',
  state: 'files',
};

/** Other names for a subcommand, tried within the group typed (`webhooks rm` → `webhooks delete`). */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  ls: ['list'],
  rm: ['delete'],
  remove: ['delete'],
  del: ['delete'],
  add: ['create'],
  new: ['create'],
  register: ['create'],
  show: ['get'],
  get: ['show'],
  replay: ['resend'],
  rotate: ['rotate-secret'],
};

/** Every command and subcommand: `trigger`, `events`, `events list`… */
async function commandPaths(): Promise<string[]> {
  const specs = await Promise.all(COMMANDS.map(async (entry) => ({ entry, spec: (await entry.load()).default })));
  return specs.flatMap(({ entry, spec }) => [
    entry.name,
    ...('commands' in spec ? spec.commands.map((sub) => `${entry.name} ${sub.name!}`) : []),
  ]);
}

/**
 * The commands `word` most likely meant: a known habit (`send` → `trigger`, `webhooks rm` → `webhooks
 * delete`), else the commands whose last word is spelled nearest: a subcommand's own name (`login` →
 * `auth login`, `list` → `events list` and `webhooks list`) or a typo of one (`triger` → `trigger`).
 */
export async function suggestCommands(word: string, paths: readonly string[], group = ''): Promise<string[]> {
  const typed = word.toLowerCase();
  const meant = [MEANT[typed], ...(SYNONYMS[typed] ?? []).map((name) => `${group} ${name}`)].filter(
    (path) => path && paths.includes(path),
  );
  if (meant.length > 0) return meant as string[];
  // Loaded here only: the registry brings zod, which --help never needs.
  const { editDistance } = await import('../core/events/catalogue.js');
  const scored = paths.map((path) => ({ path, d: editDistance(typed, path.split(' ').at(-1)!) }));
  const best = Math.min(...scored.map((s) => s.d));
  return best <= Math.max(1, Math.floor(typed.length / 3)) ? scored.filter((s) => s.d === best).map((s) => s.path) : [];
}

/** `did you mean "auth login"?`, or how to see the commands. */
function hintFor(suggestions: readonly string[], group: string): string {
  if (suggestions.length > 0) return `did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?`;
  return `run \`datachonk ${group ? `${group} ` : ''}--help\` to see the commands`;
}

/** `datachonk help <word>` for a word that is neither a command nor a topic: the nearest of either. */
async function unknownTopic(word: string, paths: readonly string[]): Promise<Error> {
  const topics = TOPICS.map((topic) => topic.name);
  const meant = TOPIC_WORDS[word.toLowerCase()];
  const suggestions = meant ? [meant] : await suggestCommands(word, [...topics, ...paths]);
  return usageError(
    `unknown help topic or command '${word}'`,
    suggestions.length > 0
      ? `did you mean ${suggestions.map((s) => `"datachonk help ${s}"`).join(' or ')}?`
      : 'run `datachonk help` to see the commands and the help topics',
  );
}

/**
 * The usage error for the words of a command line (its operands: `events lst wh_1`) whose command,
 * or subcommand of a group, does not exist (program.ts decides that). `program` has every top-level
 * command. `topics`: the words came after `help`, so a help topic may have been meant too.
 */
export async function unknownCommand(
  program: Command,
  [first = '', second = '']: readonly string[],
  { topics = false } = {},
): Promise<Error> {
  const paths = await commandPaths();
  if (!program.commands.some((c) => c.name() === first)) {
    if (topics) return unknownTopic(first, paths);
    return usageError(`unknown command '${first}'`, hintFor(await suggestCommands(first, paths), ''));
  }
  const inGroup = await suggestCommands(
    second,
    paths.filter((path) => path.startsWith(`${first} `)),
    first,
  );
  return usageError(
    `unknown command '${first} ${second}'`,
    hintFor(inGroup.length > 0 ? inGroup : await suggestCommands(second, paths), first),
  );
}
