import type { Context } from '../context.js';
import { isQuiet } from './output.js';
import type { SecretSource } from '../config/secret.js';

const SIGNED_WITH: Record<SecretSource, string> = {
  flag: 'the --secret value',
  env: 'the secret in DATACHONK_WEBHOOK_SECRET',
  dev: 'the local dev secret (the listener must verify with it too: --secret otherwise)',
};
import { joinShown, jsonLine, paint, shown, writeLine } from './style.js';

/**
 * `datachonk inspect`'s ready text on stderr (the page's URL, and whether replays and edits have a
 * listener to go through); with --json, `{"type":"inspector","url"}` on stdout; -q: the first line.
 */
export function showInspectorReady(
  ctx: Context,
  info: { url: string; listenUrl: string | undefined; secretSource: SecretSource },
): void {
  if (ctx.output === 'json')
    writeLine(ctx.stdout, jsonLine({ type: 'inspector', url: info.url, listen_url: info.listenUrl ?? null }));
  const c = paint(ctx.stderr, ctx.env);
  const lines = [
    shown`${c.green.bold('Ready!')} Inspector on ${c.bold(info.url)} ${c.dim('(the journal: every event `datachonk listen` received)')}`,
    info.listenUrl
      ? shown`  Replays and edits go through the listener at ${info.listenUrl}, signed with ${SIGNED_WITH[info.secretSource]}`
      : c.dim(
          '  No listener is running: replay and edit need one (`datachonk listen --forward …`); reading works without',
        ),
    c.dim('  Ctrl-C to stop'),
  ];
  if (ctx.output === 'json' && ctx.quiet) return;
  writeLine(ctx.stderr, isQuiet(ctx) ? lines[0]! : joinShown(lines, '\n'));
}
