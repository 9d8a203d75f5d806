import { indentJson, parseJson } from '../core/lossless-json.js';

// A body for people: pretty-printed when it is JSON (every number's digits as sent: lossless-json.ts),
// else as it is; cut after `max` characters with how many bytes were left out. Escaping is the
// caller's, as for any text (style.ts `multiline`).

/** Bodies larger than this, when cut anyway, are shown as they came: pretty-printing 1 MB takes about 50 ms. */
const PRETTY_MAX_CHARS = 64 * 1024;

/** The body's text for a terminal; `max` characters at most, then "… N more bytes". */
export function prettyBody(text: string, max = Infinity): string {
  let pretty = text;
  if (max === Infinity || text.length <= PRETTY_MAX_CHARS) {
    try {
      pretty = indentJson(parseJson(text));
    } catch {
      // Not JSON: shown as it came.
    }
  }
  if (pretty.length <= max) return pretty;
  const kept = pretty.slice(0, max);
  return `${kept}\n… ${Buffer.byteLength(pretty) - Buffer.byteLength(kept)} more bytes`;
}
