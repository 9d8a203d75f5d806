// Text from outside (a received request, the journal, the API, the app's answers, users' files) must
// not reach a terminal as control sequences: an ESC or an 8-bit CSI can set the window title, clear
// the screen or print OSC 8 links, and a bidi override can disguise what a line says (CVE-2021-42574
// for the bidi characters). What a terminal would act on is shown escaped instead.
// No imports: program.ts uses this for commander's own output without loading chalk.

// C0 controls, DEL, C1 controls (U+0080–U+009F, among them the 8-bit CSI U+009B), and the bidi
// embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// The same, but for a newline and a tab, where a view prints a multi-line text as it is laid out.
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// What JSON.stringify leaves as it is of the above: it escapes C0 itself.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (char: string, digits: number) => char.charCodeAt(0).toString(16).padStart(digits, '0');

/** `\x1b` for C0 and DEL, `\u009b` for C1 and the bidi characters, `\n` `\r` `\t` by name. */
function escaped(char: string): string {
  return NAMED[char] ?? (char < '\u0080' ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`);
}

/**
 * The text with every character a terminal would act on shown escaped (`\x1b`, `\u009b`, `\u202e`).
 * `layout: true` keeps newlines and tabs, for a multi-line text printed as it is laid out (a body);
 * otherwise the text stays on one line. Backslashes are left as they are: the text is for reading.
 */
export function escapeControls(text: string, options: { layout?: boolean } = {}): string {
  return text.replace(options.layout ? UNSAFE_BUT_LAYOUT : UNSAFE, escaped);
}

/** What a JSON record shows in place of a value too deeply nested to print. */
export const UNPRINTABLE = '[nested too deeply to print]';

/**
 * One JSON text for a record of --json output, with nothing a terminal would act on: JSON.stringify
 * escapes C0, and DEL, C1 and the bidi characters are escaped here as \uXXXX (still the same JSON).
 * A value nested so deeply that JSON.stringify runs out of stack (a hostile body 100,000 arrays deep)
 * becomes UNPRINTABLE, so the record is still printed.
 */
export function jsonText(record: unknown): string {
  return safeJson(stringify(record));
}

/** JSON text made elsewhere (kept lossless, big numbers' digits and all), with C1 and bidi written as \u escapes. */
export function safeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${hex(char, 4)}`);
}

function stringify(record: unknown): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return JSON.stringify(withPlaceholders(record));
  }
}

/** The record with each top-level value that cannot be stringified replaced by UNPRINTABLE. */
function withPlaceholders(record: unknown): unknown {
  if (record === null || typeof record !== 'object') return UNPRINTABLE;
  const printable = (value: unknown) => {
    try {
      JSON.stringify(value);
      return value;
    } catch {
      return UNPRINTABLE;
    }
  };
  if (Array.isArray(record)) return record.map(printable);
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, printable(value)]));
}
