import { Chalk, type ChalkInstance } from 'chalk';
import type { Env } from '../config/paths.js';
import type { OutStream } from '../context.js';
import { escapeControls, jsonText, safeJson } from './sanitize.js';

// What views print is `Shown` text. It is made only in this module: the literal parts of a `shown`
// template (the source code's own words), values put into it (escaped by escapeControls unless they
// are Shown already), a painter's colours around escaped text, and JSON records (jsonText). The
// writers escape anything else whole (writeLine) or refuse it (bufferedLines, a type error). So a
// value from outside cannot reach a terminal raw unless a view goes out of its way:
// forgetting `shown` costs a line its layout, never its safety.

class ShownText {
  // An ES private field makes the type nominal: no object literal passes for Shown text.
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  toString(): string {
    return this.#text;
  }
}

/** Text safe to write to a terminal; see above. */
export type Shown = ShownText;

/** What may go into Shown text: Shown text as it is; anything else is escaped. */
export type Showable = Shown | string | number;

const textOf = (value: Showable): string => (value instanceof ShownText ? value.text : escapeControls(String(value)));

/** A template of the source's own words with values escaped into it: shown`${c.bold(name)} [${id}]`. */
export function shown(literals: TemplateStringsArray, ...values: readonly Showable[]): Shown {
  let text = literals[0]!;
  for (let i = 0; i < values.length; i++) text += textOf(values[i]!) + literals[i + 1]!;
  return new ShownText(text);
}

/** Shown parts joined with a separator of the source's own (', ', '\n'). */
export function joinShown(parts: readonly Showable[], separator: string): Shown {
  return new ShownText(parts.map(textOf).join(separator));
}

/** A multi-line text from outside (a body, a failure's words) escaped but for its newlines and tabs. */
export function multiline(text: string): Shown {
  return new ShownText(escapeControls(text, { layout: true }));
}

/** One record of --json output (see jsonText). */
export function jsonLine(record: unknown): Shown {
  return new ShownText(jsonText(record));
}

/** A line of JSON already written (one line, e.g. lossless-json's), made safe like jsonLine's. */
export function rawJsonLine(json: string): Shown {
  return new ShownText(safeJson(json));
}

/** Writes a line: how views write to stdout and stderr. A string is escaped whole, onto one line. */
export function writeLine(stream: OutStream, text: Showable): void {
  stream.write(`${textOf(text)}\n`);
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** The width Shown text takes on a terminal: without its colours (all else in it is printable). */
export function visibleLength(text: Shown): number {
  return text.text.replace(SGR, '').length;
}

/**
 * Colour level for a stream: FORCE_COLOR wins, then NO_COLOR (https://no-color.org), then colour
 * only on a terminal. chalk's own detection ignores NO_COLOR and looks at process.stdout only.
 */
export function colorLevel(stream: OutStream, env: Env): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number.parseInt(force, 10);
    return (Number.isNaN(level) ? 1 : Math.min(Math.max(level, 1), 3)) as 1 | 2 | 3;
  }
  if (env.NO_COLOR) return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (env.TERM?.includes('256')) return 2;
  return 1;
}

const STYLES = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan'] as const;
type Style = (typeof STYLES)[number];

/** Colours text (escaping it first unless it is Shown already). */
export type Paint = (text: Showable) => Shown;

/** The colours views use, one level of chaining deep (`c.green.bold`); chalk's, at the stream's level. */
export type Painter = { readonly [S in Style]: Paint & { readonly [T in Style]: Paint } };

export function paint(stream: OutStream, env: Env): Painter {
  const chalk = new Chalk({ level: colorLevel(stream, env) });
  const painter =
    (style: ChalkInstance): Paint =>
    (text) =>
      new ShownText(style(textOf(text)));
  const chained = (s: Style) =>
    Object.assign(painter(chalk[s]), Object.fromEntries(STYLES.map((t) => [t, painter(chalk[s][t])])));
  return Object.fromEntries(STYLES.map((s) => [s, chained(s)])) as unknown as Painter;
}

/** Green below 300, yellow 300–499, red from 500 (as the peers colour statuses). */
export function statusColor(c: Painter, status: number): Paint {
  if (status < 300) return c.green;
  if (status < 500) return c.yellow;
  return c.red;
}

/** Cuts text to one short line for display. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}
