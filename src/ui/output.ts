import type { Context } from '../context.js';
import { EVENTS, EVENT_TYPES } from '../core/events/catalogue.js';
import { jsonLine, paint, shown, writeLine, type Showable } from './style.js';

/** Prints a command's result: the text for people, or one JSON record for scripts. Strings are escaped (see style.ts). */
export function printResult(ctx: Context, text: Showable, record: object): void {
  writeLine(ctx.stdout, ctx.output === 'json' ? jsonLine(record) : text);
}

/** Whether -q was given (alone, or with --json): stderr then carries only errors and warnings. */
export function isQuiet(ctx: Context): boolean {
  return ctx.output === 'quiet' || ctx.quiet === true;
}

/** Says that DATACHONK_WEBHOOK_SECRET is set but empty, and so the local dev secret is used (a warning: in every mode). */
export function warnEmptySecretEnv(ctx: Context): void {
  const c = paint(ctx.stderr, ctx.env);
  writeLine(
    ctx.stderr,
    shown`${c.yellow('warning:')} DATACHONK_WEBHOOK_SECRET is set but empty, so it is ignored and the local dev secret is used: give it your secret, or unset it`,
  );
}

/** A line for people on stderr (kept off stdout, which holds data); silent in quiet mode. */
export function note(ctx: Context, text: Showable): void {
  if (!isQuiet(ctx)) writeLine(ctx.stderr, text);
}

/** A verdict line: ✔ in green or ✖ in red, on stderr. */
export function verdict(ctx: Context, ok: boolean, text: Showable): void {
  const c = paint(ctx.stderr, ctx.env);
  if (!isQuiet(ctx)) writeLine(ctx.stderr, shown`${ok ? c.green('✔') : c.red('✖')} ${text}`);
}

/** `trigger --list`: the event types with DataChonk's descriptions. */
export function printEventTypes(ctx: Context): void {
  if (ctx.output === 'json') {
    for (const name of EVENT_TYPES) {
      const { description, documented } = EVENTS[name];
      writeLine(ctx.stdout, jsonLine({ type: 'event-type', name, description, data_documented: documented }));
    }
    return;
  }
  const c = paint(ctx.stdout, ctx.env);
  const width = Math.max(...EVENT_TYPES.map((name) => name.length));
  for (const name of EVENT_TYPES) {
    const { description, documented } = EVENTS[name];
    const inferred = documented ? '' : c.dim('  (payload data inferred)');
    writeLine(ctx.stdout, shown`${c.bold(name.padEnd(width))}  ${description}${inferred}`);
  }
}
