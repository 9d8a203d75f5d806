// The ways a receiver (or a sender) commonly re-serializes a JSON body before computing its HMAC:
// what `JSON.stringify(req.body)` makes of it in Node, pretty-printed, keys sorted, Python's
// `json.dumps` defaults, PHP's `json_encode` defaults. Each is a different byte string for the same
// JSON, and so a different signature: the diagnosis tries each to name the one that was signed.

/**
 * A serialization: JavaScript's (`compact`, `pretty` with 2 spaces, `pretty-4`, `tabs`), sorted keys, Python's
 * (`json.dumps` defaults, with `sort_keys=True`, with `separators=(',', ':')`), PHP's.
 */
export type BodyForm =
  | 'compact'
  | 'pretty'
  | 'pretty-4'
  | 'tabs'
  | 'sorted'
  | 'sorted-pretty'
  | 'python'
  | 'python-sorted'
  | 'python-compact'
  | 'php';

interface JsonStyle {
  indent: string;
  /** Between items, and between a key and its value, when not indenting. */
  itemSeparator: string;
  keySeparator: string;
  sortKeys: boolean;
  /** Applied to each string as JSON.stringify writes it. */
  escape?: (quoted: string) => string;
}

const asciiOnly = (quoted: string) =>
  quoted.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
const slashes = (quoted: string) => quoted.replaceAll('/', '\\/');

const JS = { itemSeparator: ',', keySeparator: ':', sortKeys: false } as const;
const STYLES: Record<BodyForm, JsonStyle> = {
  compact: { ...JS, indent: '' },
  pretty: { ...JS, indent: '  ' },
  'pretty-4': { ...JS, indent: '    ' },
  tabs: { ...JS, indent: '\t' },
  sorted: { ...JS, indent: '', sortKeys: true },
  'sorted-pretty': { ...JS, indent: '  ', sortKeys: true },
  python: { indent: '', itemSeparator: ', ', keySeparator: ': ', sortKeys: false, escape: asciiOnly },
  'python-sorted': { indent: '', itemSeparator: ', ', keySeparator: ': ', sortKeys: true, escape: asciiOnly },
  'python-compact': { ...JS, indent: '', escape: asciiOnly },
  php: { ...JS, indent: '', escape: (quoted) => slashes(asciiOnly(quoted)) },
};

/** The body in each form, made one at a time (the caller stops at the first that matches); none when it is not JSON. */
export function* reserializations(
  body: Buffer,
  forms: readonly BodyForm[] = Object.keys(STYLES) as BodyForm[],
): Generator<{ form: BodyForm; bytes: Buffer }> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return;
  }
  for (const form of forms) yield { form, bytes: Buffer.from(serialize(value, STYLES[form]), 'utf8') };
}

/** JSON text of a parsed value in a style; the JavaScript styles give exactly what JSON.stringify gives. */
export function serialize(value: unknown, style: JsonStyle, depth = 0): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return typeof value === 'string' && style.escape ? style.escape(text) : text;
  }
  const inner = style.indent ? `\n${style.indent.repeat(depth + 1)}` : '';
  const outer = style.indent ? `\n${style.indent.repeat(depth)}` : '';
  const separator = style.indent ? `,${inner}` : style.itemSeparator;
  const keySeparator = style.indent ? ': ' : style.keySeparator;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${inner}${value.map((item) => serialize(item, style, depth + 1)).join(separator)}${outer}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = style.sortKeys ? Object.keys(record).sort() : Object.keys(record);
  if (keys.length === 0) return '{}';
  const items = keys.map((key) => `${serialize(key, style)}${keySeparator}${serialize(record[key], style, depth + 1)}`);
  return `{${inner}${items.join(separator)}${outer}}`;
}
