import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { EVENT_TYPES } from '../../src/core/events/catalogue.js';

// Webhook endpoints for `datachonk check`, written the way apps write them (plain node:http, the
// signature checked by hand): a correct one, and ones each wrong in exactly one way. Real servers on
// 127.0.0.1 port 0.

/** How an endpoint is wrong; none: it is right. */
export type Flaw =
  | 'accepts-everything' // verifies no signature
  | 'reserialized' // verifies the signature over JSON.stringify(JSON.parse(body)), as DataChonk's doc sample does
  | 'crashes-on-short-signatures' // timingSafeEqual on buffers of unequal length, with no length check first: 500
  | 'conflict-on-duplicates' // 409 to an event id it has seen
  | 'crashes-on-unknown-types' // 500 to an event type it has no handler for
  | 'crashes-on-non-json' // 500 to a body that is not JSON
  | 'refuses-unknown-types' // 422 to an event type it does not know: deliberate, allowed with --allow-unknown
  | 'hangs-on-unknown-types' // never answers an event type it does not know
  | 'dies-on-missing-signature' // a request without a signature kills it: the connection dropped, the port closed
  | 'slow' // answers everything right, after `slowMs`
  | 'uppercase-hex' // compares HEX in uppercase, as C#'s ToString("X2") and Java's printHexBinary write it
  | 'prefix-compare' // expected.startsWith(header): refuses a wrong secret, accepts a signature cut short
  | 'throws-own-error' // as @octokit/webhooks-methods: its own error on an empty signature, answered 500
  | 'str-compare' // as Python's hmac.compare_digest on str: TypeError (500) on a non-ASCII header
  | 'decodes-hex'; // as bytes.fromhex or Go's hex.DecodeString: an error (500) on a signature that is not hex

export interface Endpoint {
  url: string;
  /** Requests received. */
  received: number;
  close(): Promise<void>;
}

const KNOWN = new Set<string>(EVENT_TYPES);

function isEnvelope(value: unknown): value is { id: string; event: string } {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v.id === 'string' &&
    typeof v.event === 'string' &&
    typeof v.created_at === 'string' &&
    typeof v.project_id === 'string' &&
    typeof v.data === 'object' &&
    v.data !== null
  );
}

/** A receiver written right: raw-body HMAC with the format checked first, idempotent, 2xx to unknown types, 400 to bad input. */
export async function startEndpoint(
  secret: string,
  flaw?: Flaw,
  options: { slowMs?: number; authorization?: string; server?: string } = {},
): Promise<Endpoint> {
  const seen = new Set<string>();
  const verifies = (bytes: Buffer, header: IncomingHttpHeaders[string]): boolean => {
    if (typeof header !== 'string') return false;
    const hex = createHmac('sha256', secret).update(bytes).digest('hex');
    if (flaw === 'uppercase-hex') return header === `sha256=${hex.toUpperCase()}`;
    if (flaw === 'prefix-compare') return `sha256=${hex}`.startsWith(header);
    if (flaw === 'throws-own-error' && header === '')
      throw new TypeError('[@octokit/webhooks-methods] secret, eventPayload & signature required');
    if (flaw === 'str-compare' && /[^\x00-\x7f]/.test(header))
      throw new TypeError('comparing strings with non-ASCII characters is not supported');
    if (flaw === 'decodes-hex' && !/^sha256=[0-9a-fA-F]*$/.test(header))
      throw new Error(`non-hexadecimal number found in fromhex() arg`);
    // The format check that keeps timingSafeEqual from throwing; the flawed endpoint has none.
    if (flaw !== 'crashes-on-short-signatures' && !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`);
    return timingSafeEqual(Buffer.from(header), expected);
  };
  const endpoint: Endpoint = { url: '', received: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    if (new URL(req.url ?? '/', 'http://endpoint').pathname !== '/webhooks/datachonk') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    endpoint.received++;
    // Behind a proxy's Basic authorization, when the test gives one.
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="ci"' }).end('Unauthorized');
      return;
    }
    const raw = Buffer.concat(chunks);
    const answer = (status: number, body: object) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(options.server ? { server: options.server } : {}),
      });
      res.end(JSON.stringify(body));
    };
    if (flaw === 'slow') await delay(options.slowMs ?? 250);
    if (flaw === 'dies-on-missing-signature' && req.headers['x-datachonk-signature'] === undefined) {
      // As a process that crashed: nothing answers any more, on this connection or a new one.
      server.close();
      server.closeAllConnections();
      return;
    }
    try {
      let signedBytes = raw;
      if (flaw === 'reserialized') {
        try {
          signedBytes = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
        } catch {
          return answer(400, { error: 'invalid JSON' });
        }
      }
      if (flaw !== 'accepts-everything' && !verifies(signedBytes, req.headers['x-datachonk-signature']))
        return answer(401, { error: 'invalid signature' });
      let event: unknown;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        if (flaw === 'crashes-on-non-json') throw error;
        return answer(400, { error: 'invalid JSON' });
      }
      if (!isEnvelope(event)) return answer(400, { error: 'not a DataChonk event' });
      if (!KNOWN.has(event.event) && flaw === 'crashes-on-unknown-types')
        throw new Error(`no handler for ${event.event}`);
      if (!KNOWN.has(event.event) && flaw === 'hangs-on-unknown-types') return undefined;
      if (!KNOWN.has(event.event) && flaw === 'refuses-unknown-types')
        return answer(422, { error: `unknown event type ${event.event}` });
      if (seen.has(event.id) && flaw === 'conflict-on-duplicates')
        return answer(409, { error: 'event already processed' });
      seen.add(event.id);
      return answer(200, { received: true });
    } catch (error) {
      return answer(500, { error: (error as Error).message });
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/datachonk`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}
