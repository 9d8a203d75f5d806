import type { Env, Paths } from '../config/paths.js';
import type { OutStream } from '../context.js';
import type { Block, Topic } from '../commands/help/topics.js';
import { paint, shown, writeLine, type Painter } from './style.js';

// `datachonk help <topic>` on a terminal or into a pipe: plain text wrapped to the terminal's width
// (80 columns when it reports none), headings in bold only where colours are on. The same topic
// becomes Markdown in docs/commands.md (commands/reference.ts).

/** Where a topic is printed, and the folders of this machine (shown under the `files` topic). */
export interface TopicOutput {
  stdout: OutStream;
  env: Env;
  paths?: Paths | undefined;
}

/** A first column wider than this puts a table's second column on lines of its own. */
const TERM_COLUMN = 26;

/**
 * Greedy word wrap of one paragraph into lines of at most `width`; a `code span` is never broken, and a
 * word or span longer than a line keeps one of its own.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.match(/(?:[^\s`]|`[^`]*`)+/g) ?? []) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Text under a first line's prefix, the next lines indented as far as the prefix is long. */
function hanging(prefix: string, text: string, width: number): string[] {
  const indent = ' '.repeat(prefix.length);
  return wrap(text, Math.max(20, width - prefix.length)).map((line, i) => (i === 0 ? prefix : indent) + line);
}

function tableLines(table: Extract<Block, { table: unknown }>['table'], width: number): string[] {
  const widest = Math.max(...table.rows.map(([term]) => term.length));
  if (widest <= TERM_COLUMN)
    return table.rows.flatMap(([term, meaning]) => hanging(`  ${term.padEnd(widest)}  `, meaning, width));
  return table.rows.flatMap(([term, meaning]) => [`  ${term}`, ...hanging('      ', meaning, width)]);
}

/** The lines of one block (headings are painted by the caller). */
function blockLines(block: Block, width: number): string[] {
  if ('text' in block) return wrap(block.text, width);
  if ('list' in block) return block.list.flatMap((item) => hanging('  - ', item, width));
  if ('table' in block) return tableLines(block.table, width);
  if ('code' in block) return block.code.map((line) => (line ? `    ${line}` : ''));
  return [block.heading];
}

function writeBlock(out: TopicOutput, c: Painter, block: Block, width: number): void {
  writeLine(out.stdout, '');
  if ('heading' in block) writeLine(out.stdout, c.bold(block.heading));
  else for (const line of blockLines(block, width)) writeLine(out.stdout, line);
}

/** Prints a topic; under `files`, the folders this machine uses too. */
export function printTopic(out: TopicOutput, topic: Topic): void {
  const c = paint(out.stdout, out.env);
  const width = Math.max(40, Math.min(out.stdout.columns || 80, 100));
  writeLine(out.stdout, c.bold(topic.title));
  for (const block of topic.blocks) writeBlock(out, c, block, width);
  if (topic.name === 'files' && out.paths) {
    writeLine(out.stdout, '');
    writeLine(out.stdout, c.bold('Here (from your environment)'));
    writeLine(out.stdout, shown`  <config>  ${out.paths.configDir}`);
    writeLine(out.stdout, shown`  <state>   ${out.paths.stateDir}`);
  }
}
