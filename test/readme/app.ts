// A small app that receives DataChonk webhooks, as README.md's test suite example tests it: it verifies
// each delivery over the raw body, and remembers the chonks whose code was generated.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constructEvent, WebhookVerificationError } from 'datachonk';

export async function startApp(options: { webhookSecret: string }) {
  const generated: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const event = constructEvent(
          Buffer.concat(chunks),
          req.headers['x-datachonk-signature'],
          options.webhookSecret,
        );
        if (event.known && event.event === 'generation.completed') generated.push(event.data.chonk_id);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      } catch (error) {
        res.writeHead(error instanceof WebhookVerificationError ? 400 : 500).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    generated,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
