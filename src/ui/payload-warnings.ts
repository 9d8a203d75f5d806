import type { Context } from '../context.js';
import type { UnknownFieldWarning } from '../core/trigger/plan.js';
import { paint, shown, writeLine } from './style.js';

/** Says, on stderr, which `--set` paths the event has no field for: they are sent, but are likely typos. */
export function warnUnknownFields(ctx: Context, warnings: readonly UnknownFieldWarning[]): void {
  const c = paint(ctx.stderr, ctx.env);
  for (const warning of warnings) {
    const events =
      warning.events.length === 1
        ? warning.events[0]!
        : `${warning.events.length} of the event types (${warning.events.join(', ')})`;
    const meant = warning.suggestion ? `; did you mean --set ${warning.suggestion}=…?` : '';
    writeLine(
      ctx.stderr,
      shown`${c.yellow('warning:')} --set ${warning.path}: ${events} has no such field, so it is sent as an extra field${meant}`,
    );
  }
}
