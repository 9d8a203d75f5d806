import { afterEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/core/signing/signature.js';
import * as library from '../../src/index.js';
import { testContext, type TestContext } from '../helpers/context.js';
import { exitCode } from '../helpers/program.js';
import { datachonkHeaders, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

// DataChonk's webhook documentation names two headers: content-type and x-datachonk-signature. What
// this tool sends a receiver carries no other x-datachonk-* header, so that a receiver routing on one
// does not work here and break in production. trigger, the emulator, events resend and the inspector
// are checked in their own test files; check's probes here.

const SECRET = 'whsec_sent_headers';

let ctx: TestContext | undefined;
let app: RecordingServer | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  await ctx?.cleanup();
  ctx = undefined;
});

/** An endpoint that verifies: 401 to a signature that does not, 200 otherwise. */
const verifyingApp = () =>
  startRecordingServer((request, res) => {
    const ok = verify(SECRET, request.body, request.headers['x-datachonk-signature']).ok;
    res.statusCode = ok ? 200 : 401;
    res.end();
  });

describe('headers DataChonk does not send', () => {
  it("check's probes carry no x-datachonk-* header but the signature", async () => {
    app = await verifyingApp();
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET }, output: 'quiet' });
    await exitCode(ctx, ['check', app.url]);
    expect(app.requests.length).toBeGreaterThan(10);
    const seen = new Set(app.requests.flatMap(datachonkHeaders));
    expect([...seen]).toEqual(['x-datachonk-signature']);
  });

  it('check sends x-datachonk-event only when --header adds it', async () => {
    app = await verifyingApp();
    ctx = await testContext({ env: { DATACHONK_WEBHOOK_SECRET: SECRET }, output: 'quiet' });
    await exitCode(ctx, ['check', app.url, '--only', 'delivery', '--header', 'X-DataChonk-Event: mine']);
    expect(app.requests.length).toBeGreaterThan(0);
    expect(app.requests.map((r) => r.headers['x-datachonk-event'])).toEqual(app.requests.map(() => 'mine'));
  });

  it('the library exports no EVENT_HEADER: a receiver reads `event` from the verified body', () => {
    expect(library).not.toHaveProperty('EVENT_HEADER');
    expect(library.SIGNATURE_HEADER).toBe('x-datachonk-signature');
  });
});
