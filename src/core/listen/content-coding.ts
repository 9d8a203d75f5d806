import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';

// A body sent with a Content-Encoding (RFC 9110 §8.4): the signature covers its bytes as sent, and
// they are forwarded as they are; decoded only to read the event in it.
// DataChonk's webhook page says nothing of compression, so any sender may use one.

/** The codings the listener can undo, as a 415 names them in Accept-Encoding. */
export const DECODABLE = 'gzip, deflate, br';

/** A decoded body, or why there is none. */
export type Decoded =
  | { ok: true; body: Buffer }
  | { ok: false; problem: 'unsupported'; coding: string }
  | { ok: false; problem: 'too-large' }
  | { ok: false; problem: 'corrupt'; coding: string; message: string };

type Decoder = (body: Buffer, options: ZlibOptions) => Buffer;

// deflate is the zlib format (RFC 9110 §8.4.1.2), though some senders send raw deflate: both are read.
const inflateAny: Decoder = (body, options) => {
  try {
    return inflateSync(body, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawSync(body, options);
  }
};

const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateAny,
  br: brotliDecompressSync,
};

/**
 * Undoes the codings a Content-Encoding header lists (applied in order, so undone last first),
 * each step stopped as soon as it would give more than `maxBytes`: a small body that expands
 * without end (a decompression bomb) costs no more than `maxBytes`. No header: the body itself.
 */
export function decodeBody(body: Buffer, header: string | undefined, maxBytes: number): Decoded {
  if (header === undefined) return { ok: true, body };
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let out = body;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding];
    if (!decoder) return { ok: false, problem: 'unsupported', coding };
    try {
      out = decoder(out, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, problem: 'too-large' };
      return { ok: false, problem: 'corrupt', coding, message: (error as Error).message };
    }
  }
  return { ok: true, body: out };
}
