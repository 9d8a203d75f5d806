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
