// A DataChonk webhook receiver with Express 5. npm install express, then:
// DATACHONK_WEBHOOK_SECRET=whsec_… node express.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';

const secret = process.env.DATACHONK_WEBHOOK_SECRET;
if (!secret) throw new Error('set DATACHONK_WEBHOOK_SECRET to the webhook signing secret');
const handled = new Set(); // event ids already handled: keep them in your database in production

const app = express();

// express.raw: req.body is the bytes DataChonk signed, whatever the Content-Type. No express.json() before it.
app.post('/webhooks/datachonk', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(req.get('x-datachonk-signature') ?? '');
  // timingSafeEqual throws on buffers of unequal length: compare the lengths first.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return res.status(401).json({ error: 'invalid signature' });

  let event;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    return res.status(400).json({ error: 'the body is not JSON' });
  }
  if (typeof event?.id !== 'string') return res.status(400).json({ error: 'not a DataChonk event' });

  // DataChonk retries a delivery that failed: the same event may come twice. Handle it once, answer 200 each time.
  if (handled.has(event.id)) console.log(`${event.event} ${event.id}: a repeat, already handled`);
  else {
    handled.add(event.id);
    // Your code goes here, by event.event; ignore the types you do not know. Slow work: queue it, answer now.
    console.log(`${event.event} ${event.id}: verified, handled`);
  }
  res.json({ received: true });
});

const server = app.listen(Number(process.env.PORT ?? 3000), () =>
  console.log(`Listening on http://localhost:${server.address().port}/webhooks/datachonk`),
);
