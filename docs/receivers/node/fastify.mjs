// A DataChonk webhook receiver with Fastify 5. npm install fastify, then:
// DATACHONK_WEBHOOK_SECRET=whsec_… node fastify.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';

const secret = process.env.DATACHONK_WEBHOOK_SECRET;
if (!secret) throw new Error('set DATACHONK_WEBHOOK_SECRET to the webhook signing secret');
const handled = new Set(); // event ids already handled: keep them in your database in production

const app = Fastify();

// In a plugin of its own, so the rest of the app keeps Fastify's JSON parser: here every body, whatever
// its Content-Type, stays the Buffer DataChonk signed.
app.register(async (webhooks) => {
  webhooks.removeAllContentTypeParsers();
  webhooks.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => done(null, body));

  webhooks.post('/webhooks/datachonk', async (request, reply) => {
    const body = request.body ?? Buffer.alloc(0);
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const given = Buffer.from(request.headers['x-datachonk-signature'] ?? '');
    // timingSafeEqual throws on buffers of unequal length: compare the lengths first.
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply.code(401).send({ error: 'invalid signature' });

    let event;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: 'the body is not JSON' });
    }
    if (typeof event?.id !== 'string') return reply.code(400).send({ error: 'not a DataChonk event' });

    // DataChonk retries a delivery that failed: the same event may come twice. Handle it once, answer 200 each time.
    if (handled.has(event.id)) console.log(`${event.event} ${event.id}: a repeat, already handled`);
    else {
      handled.add(event.id);
      // Your code goes here, by event.event; ignore the types you do not know. Slow work: queue it, answer now.
      console.log(`${event.event} ${event.id}: verified, handled`);
    }
    return { received: true };
  });
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
console.log(`Listening on http://localhost:${app.server.address().port}/webhooks/datachonk`);
