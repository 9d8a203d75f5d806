import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { SecretInputError } from './parsers.js';

// How a command is declared: once, in its own module, with its arguments, options (defaults,
// parsers, choices, conflicts) and examples. The action receives typed values, parsed once by the
// option's parser; program.ts only registers the modules. This file stays light (commander only):
// `--help` loads it and nothing heavy.

/** One option: its commander flags, and what the action receives. */
export interface OptionSpec<T> {
  flags: string;
  description: string;
  /** The value when the option is not given, shown in --help. */
  default?: T | undefined;
  /** How --help shows the default, when not as JSON (a duration shows as "10s", not 10000). */
  defaultText?: string | undefined;
  /** The value when the option is not given, not shown in --help (false, []). */
  fallback?: T | undefined;
  /** For an optional value (`--inspect [port]`): the text taken when the flag comes without one, parsed like a typed one. */
  preset?: string | undefined;
  /** Turns the text typed into the value; throw an Error to refuse it (a usage error naming the flag). */
  parse?: ((text: string, previous: T | undefined) => T) | undefined;
  choices?: readonly string[] | undefined;
  /** Options that may not be given with this one (their attribute names, e.g. 'fixture'). */
  conflicts?: readonly string[] | undefined;
  required?: boolean | undefined;
  /** Left out of --help, completion and the command reference (an old spelling kept working). */
  hidden?: boolean | undefined;
  /** For the type only: the value the action receives. */
  readonly _type?: T;
}

// `any`: a spec's parser both takes and returns its T, so specs of different T share no narrower type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OptionSpecs = Record<string, OptionSpec<any>>;

/** The values an action receives for a set of option specs. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]: O[K] extends OptionSpec<infer T> ? T : never };

export interface ArgumentSpec {
  /** `<event>` (required) or `[event]` (optional). */
  name: string;
  description: string;
  /** The only values it takes (anything else is a usage error). */
  choices?: readonly string[] | undefined;
}

/**
 * A command that runs: its definition and, loaded only when it runs, its action. A top-level
 * command's name and description are in commands/index.ts (so --help lists them without loading
 * this); a subcommand's are here.
 */
export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  name?: string;
  description?: string;
  args?: readonly ArgumentSpec[];
  options: O;
  /** Shown under "Examples:" in --help. */
  examples: readonly string[];
  action: () => Promise<Action<O>>;
}

/** A command with subcommands (`events list|show|resend`). */
export interface GroupSpec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  commands: readonly CommandSpec<any>[];
}

/** A top-level command as the program lists it: light, with its definition loaded on demand. */
export interface CommandEntry {
  name: string;
  description: string;
  load: () => Promise<{ default: AnyCommandSpec | GroupSpec }>;
}

/** What --help and the parser need of a command: its name and description. */
export interface Named {
  name: string;
  description: string;
}

/** Any command's spec, as the program holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommandSpec = CommandSpec<any>;

export type Action<O extends OptionSpecs> = (
  ctx: Context,
  input: { args: (string | undefined)[]; options: OptionValues<O> },
) => Promise<void>;

export function command<O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

// Option builders, one per kind of value.

/** A boolean switch (false when absent). `--no-x` switches default to true. */
export function flag(
  flags: string,
  description: string,
  extra: Partial<OptionSpec<boolean>> = {},
): OptionSpec<boolean> {
  return { flags, description, fallback: !flags.startsWith('--no-') ? false : undefined, ...extra };
}

/** A text value. */
export function text(flags: string, description: string): OptionSpec<string | undefined>;
export function text(
  flags: string,
  description: string,
  extra: Partial<OptionSpec<string>> & { default: string },
): OptionSpec<string>;
export function text(
  flags: string,
  description: string,
  extra: Partial<OptionSpec<string>>,
): OptionSpec<string | undefined>;
export function text(
  flags: string,
  description: string,
  extra: Partial<OptionSpec<string>> = {},
): OptionSpec<string> | OptionSpec<string | undefined> {
  return { flags, description, ...extra };
}

/** A value turned into a T by `parse` (a number, a duration in ms, a URL…). */
export function parsed<T>(flags: string, description: string, parse: (text: string) => T): OptionSpec<T | undefined>;
export function parsed<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  extra: { defaultText: string } & Partial<OptionSpec<T>>,
): OptionSpec<T>;
export function parsed<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  extra: Partial<OptionSpec<T>> = {},
): OptionSpec<T> | OptionSpec<T | undefined> {
  const spec: OptionSpec<T> = { flags, description, parse: (value) => parse(value), ...extra };
  // A default given as text is parsed by the same parser, so --help shows exactly what the action gets.
  if (extra.defaultText !== undefined && extra.default === undefined) spec.default = parse(extra.defaultText);
  return spec;
}

/** A repeatable option: every value given, in order ([] when absent). */
export function repeatable<T = string>(
  flags: string,
  description: string,
  parse?: (text: string) => T,
): OptionSpec<T[]> {
  return {
    flags,
    description: `${description} (repeatable)`,
    fallback: [],
    parse: (value, previous) => [...(previous ?? []), parse ? parse(value) : (value as T)],
  };
}

/** One of a fixed set of words. */
export function choice<C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  defaultValue: C,
): OptionSpec<C> {
  return { flags, description, choices, default: defaultValue };
}

/** Adds the options of `specs` to a commander command. */
export function addOptions(target: Command, specs: OptionSpecs): void {
  for (const [key, spec] of Object.entries(specs)) {
    // Commander refuses a missing mandatory option but does not say so in --help: the description does.
    const option = new Option(spec.flags, spec.required ? `${spec.description} (required)` : spec.description);
    // A spec keyed differently from commander's attribute name would never receive its value.
    if (option.attributeName() !== key)
      throw new Error(`option ${spec.flags} must be keyed ${option.attributeName()}, not ${key}`);
    if (spec.default !== undefined) option.default(spec.default, spec.defaultText);
    if (spec.preset !== undefined) option.preset(spec.preset);
    if (spec.choices) option.choices(spec.choices);
    if (spec.parse) option.argParser(refusingWith(spec.parse, spec.flags));
    if (spec.conflicts) option.conflicts([...spec.conflicts]);
    if (spec.required) option.makeOptionMandatory();
    if (spec.hidden) option.hideHelp();
    target.addOption(option);
  }
}

/**
 * Commander reports InvalidArgumentError as "option '--x <n>' argument 'y' is invalid. <why>" (exit 2).
 * A SecretInputError leaves out 'y', which holds a password: a usage error of our own says the rest.
 */
function refusingWith<T>(parse: (text: string, previous: T | undefined) => T, flags: string) {
  return (value: string, previous: T | undefined): T => {
    try {
      return parse(value, previous);
    } catch (error) {
      if (error instanceof SecretInputError)
        throw usageError(`option '${flags}' argument is invalid. ${error.message}`);
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** The values of a parsed command's options, with fallbacks for those not given. */
export function valuesOf<O extends OptionSpecs>(specs: O, given: Record<string, unknown>): OptionValues<O> {
  const values: Record<string, unknown> = { ...given };
  for (const [key, spec] of Object.entries(specs)) values[key] ??= spec.fallback;
  return values as OptionValues<O>;
}

/** Runs an action with the context of the command line and the command's typed values. */
export type Runner = (spec: AnyCommandSpec, command: Command, args: (string | undefined)[]) => Promise<void>;

/** Builds the commander command of a spec under `parent`. */
export function register(parent: Command, named: Named, spec: AnyCommandSpec, run: Runner): Command {
  const cmd = parent.command(named.name).description(named.description);
  for (const arg of spec.args ?? []) {
    const argument = new Argument(arg.name, arg.description);
    if (arg.choices) argument.choices(arg.choices);
    cmd.addArgument(argument);
  }
  addOptions(cmd, spec.options);
  if (spec.examples.length > 0)
    cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`);
  cmd.action(async (...received: unknown[]) => {
    const command = received.at(-1) as Command;
    await run(spec, command, received.slice(0, -2) as (string | undefined)[]);
  });
  return cmd;
}

/** Builds a group's command and its subcommands. */
export function registerGroup(parent: Command, named: Named, group: GroupSpec, run: Runner): Command {
  const cmd = parent.command(named.name).description(named.description);
  for (const spec of group.commands) register(cmd, { name: spec.name!, description: spec.description! }, spec, run);
  return cmd;
}
