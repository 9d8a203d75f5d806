import type { Context } from '../context.js';
import { EVENTS, EVENT_TYPES } from '../core/events/catalogue.js';
import { paint } from './style.js';

/** Prints a command's result: the text for people, or one JSON record for scripts. */
export function printResult(ctx: Context, text: string, record: object): void {
  if (ctx.output === 'json') ctx.stdout.write(`${JSON.stringify(record)}\n`);
  else ctx.stdout.write(`${text}\n`);
}

/** A line for people on stderr (kept off stdout, which holds data); silent in quiet mode. */
export function note(ctx: Context, text: string): void {
  if (ctx.output !== 'quiet') ctx.stderr.write(`${text}\n`);
}

/** A verdict line: ✔ in green or ✖ in red, on stderr. */
export function verdict(ctx: Context, ok: boolean, text: string): void {
  const c = paint(ctx.stderr, ctx.env);
  if (ctx.output !== 'quiet') ctx.stderr.write(`${ok ? c.green('✔') : c.red('✖')} ${text}\n`);
}

/** `trigger --list`: the event types with DataChonk's descriptions. */
export function printEventTypes(ctx: Context): void {
  if (ctx.output === 'json') {
    for (const name of EVENT_TYPES) {
      const { description, documented } = EVENTS[name];
      ctx.stdout.write(`${JSON.stringify({ type: 'event-type', name, description, data_documented: documented })}\n`);
    }
    return;
  }
  const c = paint(ctx.stdout, ctx.env);
  const width = Math.max(...EVENT_TYPES.map((name) => name.length));
  for (const name of EVENT_TYPES) {
    const { description, documented } = EVENTS[name];
    const inferred = documented ? '' : c.dim('  (payload data inferred)');
    ctx.stdout.write(`${c.bold(name.padEnd(width))}  ${description}${inferred}\n`);
  }
}
