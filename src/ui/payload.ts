import type { Context } from '../context.js';
import { indentJson, stringifyJson, type JsonObject } from '../core/lossless-json.js';

/**
 * `trigger --print-payload`: the payload as a file to edit and send back with `--fixture` (indented),
 * or with --json the one compact line `trigger` would send. Numbers keep the digits typed.
 */
export function printPayload(ctx: Context, payload: JsonObject): void {
  ctx.stdout.write(`${ctx.output === 'json' ? stringifyJson(payload) : indentJson(payload)}\n`);
}
