import { MASK } from './url-credentials.js';

// HTTP header lists as this tool passes them around: flat name, value… lists, as node:http's
// rawHeaders and undici's raw headers are (names in their case and order, repeats kept).

/** A header map as a flat name, value… list, an array value as one entry per value. */
export function flattenHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}

/** The first value of a header (any case) in a flat name, value… list. */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

// Headers that carry a credential as received: shown masked (listen --verbose, the inspector), kept
// whole only in the journal (0600), which `events resend` sends again.
const AUTHORIZATION = new Set(['authorization', 'proxy-authorization']);
const COOKIES = new Set(['cookie']);

/** A header's value as it may be shown: an Authorization as its scheme and *** (`Basic ***`), a Cookie as ***. */
export function shownHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (COOKIES.has(lower)) return MASK;
  if (!AUTHORIZATION.has(lower)) return value;
  const scheme = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s+\S/.exec(value)?.[1];
  return scheme ? `${scheme} ${MASK}` : MASK;
}
