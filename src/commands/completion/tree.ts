import type { Command, Option } from 'commander';
import { TOPICS } from '../help/topics.js';

// What a shell completes, read off the commander program that runs the commands (so it is the
// command definitions themselves: names, options, choices), plus the event registry's names.

/** What a value may be: one of a few words, an event type, a comma-separated list of them, a file, or anything. */
export type Values = { choices: readonly string[] } | 'event' | 'event-list' | 'file' | 'text';

export interface CompletionOption {
  /** `['-q', '--quiet']`. */
  names: string[];
  description: string;
  /** Undefined for a switch. */
  values?: Values | undefined;
}

/** One command line that can be typed: `''` (the program), `events`, `events list`… */
export interface CompletionNode {
  path: string;
  subcommands: { name: string; description: string }[];
  /** Its own options, the global ones and --help. */
  options: CompletionOption[];
  /** What its first argument takes, if it takes one. */
  argument?: Values | undefined;
}

export interface CompletionTree {
  nodes: CompletionNode[];
  eventTypes: readonly string[];
}

function optionValues(option: Option): Values | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices) return { choices: option.argChoices };
  if (option.long === '--events') return 'event-list';
  // `listen --path <path>` is a URL path, not a file.
  return /<file>/.test(option.flags) || (/<path>/.test(option.flags) && option.long !== '--path') ? 'file' : 'text';
}

function argumentValues(command: Command, parent: Command | undefined): Values | undefined {
  const [argument] = command.registeredArguments;
  if (!argument) return undefined;
  if (argument.argChoices) return { choices: argument.argChoices };
  // `help [command]`: the commands beside it, and at the top the help topics.
  if (command.name() === 'help' && parent) {
    const commands = parent.commands.map((c) => c.name()).filter((name) => name !== 'help');
    return { choices: parent.parent ? commands : [...commands, ...TOPICS.map((topic) => topic.name)] };
  }
  return argument.name() === 'event' ? 'event' : 'text';
}

/** Every command of `program`, depth first, with what each completes. */
export function completionTree(program: Command, eventTypes: readonly string[]): CompletionTree {
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string, parent?: Command) => {
    const help = command.createHelp();
    const visible = help.visibleCommands(command);
    nodes.push({
      path,
      subcommands: visible.map((c) => ({ name: c.name(), description: help.subcommandDescription(c) })),
      options: [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)].map((option) => ({
        names: [option.short, option.long].filter((name): name is string => Boolean(name)),
        description: option.description,
        values: optionValues(option),
      })),
      argument: argumentValues(command, parent),
    });
    for (const sub of visible) visit(sub, path ? `${path} ${sub.name()}` : sub.name(), command);
  };
  visit(program, '');
  return { nodes, eventTypes };
}
