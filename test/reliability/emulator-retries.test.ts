import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/core/api/client.js';
import type { Delivery } from '../../src/core/api/schemas.js';
import { WebhooksApi } from '../../src/core/api/webhooks.js';
import { loadFixture } from '../../src/core/events/payload.js';
import { startEmulator } from '../../src/emulator/server.js';
import { startRecordingServer } from '../helpers/recording-server.js';
import { z } from 'zod';

describe('emulator deliveries', () => {
  it('retry through failures and stop at the first success, with no duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        async (failuresPerWebhook) => {
          const attempts: Delivery[] = [];
          const done = new Map<string, () => void>();
          const emulator = await startEmulator(
            {
              host: '127.0.0.1',
              port: 0,
              retrySchedule: [5, 5, 5, 5, 5],
              deliveryTimeoutMs: 2000,
              version: 't',
              now: () => new Date(),
              monotonic: () => performance.now(),
            },
            {
              request() {},
              attempt(delivery) {
                attempts.push(delivery);
                if (delivery.ok || delivery.next_retry_at === null) done.get(delivery.webhook_id)?.();
              },
            },
          );
          const client = new ApiClient({ baseUrl: emulator.url, apiKey: 'k', userAgent: 't' });
          const api = new WebhooksApi(client);
          const receivers = await Promise.all(
            failuresPerWebhook.map(async (failures) => {
              let seen = 0;
              return startRecordingServer((_req, res) => {
                res.statusCode = ++seen <= failures ? 503 : 200;
                res.end();
              });
            }),
          );
          try {
            const hooks: { id: string }[] = [];
            for (const receiver of receivers)
              hooks.push(await api.create({ url: receiver.url, events: ['scan.completed'], secret: 'whsec_e' }));
            const finished = hooks.map((h) => new Promise<void>((resolve) => done.set(h.id, resolve)));
            await client.request('POST', '_emulator/events', z.unknown(), await loadFixture('scan.completed'));
            await Promise.all(finished);
            failuresPerWebhook.forEach((failures, i) => {
              const mine = attempts.filter((a) => a.webhook_id === hooks[i]!.id);
              expect(mine.map((a) => a.ok)).toEqual([...Array(failures).fill(false), true]);
              expect(receivers[i]!.requests).toHaveLength(failures + 1);
              expect(new Set(receivers[i]!.requests.map((r) => r.body.toString())).size).toBe(1);
            });
          } finally {
            await client.close();
            await emulator.close();
            await Promise.all(receivers.map((r) => r.close()));
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
