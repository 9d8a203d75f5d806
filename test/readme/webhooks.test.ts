import { afterAll, beforeAll, expect, it } from 'vitest';
import { sign, startListener, type Listener } from 'datachonk';
import { startApp } from './app.js'; // your app, verifying deliveries with the secret it is given

const secret = 'whsec_test_only';
let app: Awaited<ReturnType<typeof startApp>>;
let listener: Listener;

beforeAll(async () => {
  app = await startApp({ webhookSecret: secret });
  // Verifies each delivery, forwards it byte for byte to the app, and keeps it for the test to wait on.
  listener = await startListener({ forward: app.url, secret });
});
afterAll(async () => {
  await listener.close();
  await app.close();
});

it('records the chonk when generation.completed arrives', async () => {
  // Here the test sends; in CI it may be `datachonk trigger generation.completed --url "$URL" --secret "$SECRET"`.
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
  await fetch(listener.url, { method: 'POST', body, headers: { 'x-datachonk-signature': sign(secret, body) } });

  const event = await listener.waitFor(
    { event: 'generation.completed', match: { 'data.chonk_id': 'chonk_42' } },
    { timeout: 5000 },
  );
  expect(event.verified).toBe(true);
  expect(event.forwards[0]?.status).toBe(200); // the app's answer
  expect(app.generated).toEqual(['chonk_42']);
});
