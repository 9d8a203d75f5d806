import type { Context } from '../context.js';
import { indentJson, stringifyJson, type JsonObject } from '../core/lossless-json.js';
import { multiline, writeLine } from './style.js';

/**
 * `trigger --print-payload`: the payload as a file to edit and send back with `--fixture` (indented),
 * or with --json the one compact line `trigger` would send. Numbers keep the digits typed.
 */
export function printPayload(ctx: Context, payload: JsonObject): void {
  // JSON escapes C0 controls itself; C1 and bidi characters a value holds are shown escaped (\u009b), as in all --json output.
  writeLine(ctx.stdout, multiline(ctx.output === 'json' ? stringifyJson(payload) : indentJson(payload)));
}
