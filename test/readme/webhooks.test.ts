import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sign, startListener, type Listener } from 'datachonk';
import { createReceiver } from '../../examples/receiver.mjs'; // the receiver above

const secret = 'whsec_test_only';
const handled: string[] = []; // what the receiver logs
const receiver = createReceiver({ secret, log: (line: string) => handled.push(line) });
let listener: Listener;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  // Verifies each delivery, forwards it byte for byte to the receiver, and keeps it for the test to wait on.
  listener = await startListener({ forward: `http://127.0.0.1:${port}`, secret });
});
afterAll(async () => {
  await listener.close();
  receiver.close();
});

const body = JSON.stringify({
  id: 'evt_test_1',
  event: 'generation.completed',
  created_at: new Date().toISOString(),
  project_id: 'proj_1',
  data: {
    chonk_id: 'chonk_42',
    chonk_name: 'dim_customers',
    chonk_type: 'entity',
    files_generated: [],
    duration_ms: 1200,
  },
});
// Here the test sends; in CI it may be `datachonk trigger generation.completed --url "$URL" --secret "$SECRET"`.
const deliver = () =>
  fetch(listener.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-datachonk-signature': sign(secret, body) },
  });

it('handles generation.completed once, however often DataChonk delivers it', async () => {
  expect((await deliver()).status).toBe(200);
  expect((await deliver()).status).toBe(200); // a retry: the same event again

  const event = await listener.waitFor({ event: 'generation.completed', match: { 'data.chonk_id': 'chonk_42' } });
  expect(event.verified).toBe(true);
  expect(event.forwards[0]?.status).toBe(200); // the receiver's answer
  expect(handled).toEqual([
    'generation.completed evt_test_1: verified, handled',
    'generation.completed evt_test_1: a repeat, already handled',
  ]);
});
