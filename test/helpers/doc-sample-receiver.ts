// DataChonk's documented sample receiver, as written on its webhook page (datachonk-webhooks-doc.txt):
// express.json(), then an HMAC over JSON.stringify(req.body), compared with timingSafeEqual.
// Kept as written, flaws included, because users paste it: what we send must pass it.
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

function verifyWebhookSignature(payload: string, signature: string, secret: string): boolean {
  const expectedSignature = crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(`sha256=${expectedSignature}`));
}

export interface ReceivedEvent {
  event: string;
  data: Record<string, unknown>;
  body: Record<string, unknown>;
}

export interface SampleReceiver {
  url: string;
  /** Events that passed the signature check. */
  accepted: ReceivedEvent[];
  /** Requests answered 401. */
  rejected: number;
  /** Answer this status (after verifying) instead of 200. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startSampleReceiver(secret: string, port = 0): Promise<SampleReceiver> {
  const app = express();
  app.use(express.json());
  const receiver: SampleReceiver = { url: '', accepted: [], rejected: 0, close: async () => {} };

  app.post('/webhooks/datachonk', (req, res) => {
    const signature = req.headers['x-datachonk-signature'] as string;
    // As in the doc: timingSafeEqual throws when the lengths differ (a missing or malformed
    // signature), and express then answers 500. That is the sample's flaw, kept on purpose.
    const isValid = verifyWebhookSignature(JSON.stringify(req.body), signature, secret);
    if (!isValid) {
      receiver.rejected++;
      return res.status(401).json({ error: 'Invalid signature' });
    }
    const { event, data } = req.body;
    receiver.accepted.push({ event, data, body: req.body });
    if (receiver.failWith) return res.status(receiver.failWith).json({ error: 'failing on purpose' });
    res.status(200).json({ received: true });
  });

  const server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/datachonk`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
