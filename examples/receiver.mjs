// A DataChonk webhook receiver in plain Node: node:http, no dependencies. Run it: node receiver.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:http';

/** An HTTP server that takes DataChonk's signed POSTs at /webhooks/datachonk. */
export function createReceiver({ secret, log = console.log }) {
  const handled = new Set(); // the ids of the events handled: keep them in your database in production
  return createServer((req, res) => {
    const reply = (status, answer) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    if (req.method !== 'POST' || req.url !== '/webhooks/datachonk') return reply(404, { error: 'not found' });
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks); // the raw bytes, as signed: verify them before parsing anything
      if (!signedWith(secret, body, req.headers['x-datachonk-signature']))
        return reply(401, { error: 'invalid signature' });
      let event;
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      if (typeof event?.id !== 'string') return reply(400, { error: 'not a DataChonk event' });
      // DataChonk may deliver an event more than once: handle it once, and answer 200 to every delivery.
      if (handled.has(event.id)) log(`${event.event} ${event.id}: a repeat, already handled`);
      else {
        handled.add(event.id);
        log(`${event.event} ${event.id}: verified, handled`); // your code goes here
      }
      reply(200, { received: true });
    });
  });
}

/** Whether the header is `sha256=` and the hex HMAC-SHA256 of the body, compared in constant time. */
function signedWith(secret, body, header) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(typeof header === 'string' ? header : '');
  // timingSafeEqual throws when the lengths differ: compare them first (a length is no secret).
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// As a program: the secret from DATACHONK_WEBHOOK_SECRET; for the local dev secret that `datachonk listen` and
// `trigger` use by default: DATACHONK_WEBHOOK_SECRET=$(datachonk listen --print-secret) node receiver.mjs
if (process.argv[1] && realpathSync(process.argv[1]) === import.meta.filename) {
  const secret = process.env.DATACHONK_WEBHOOK_SECRET;
  if (!secret) {
    console.error('No secret: run it as DATACHONK_WEBHOOK_SECRET=$(datachonk listen --print-secret) node receiver.mjs');
    process.exit(1);
  }
  const server = createReceiver({ secret }).listen(Number(process.env.PORT || 3000), () =>
    console.log(`Listening on http://localhost:${server.address().port}/webhooks/datachonk`),
  );
}
