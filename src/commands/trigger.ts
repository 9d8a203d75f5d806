import { z } from 'zod';
import type { Context } from '../context.js';
import { failure } from '../errors.js';
import { resolveSecret } from '../config/secret.js';
import { compileRecipe } from '../core/events/build.js';
import { newEventId } from '../core/events/payload.js';
import { planPayloads } from '../core/trigger/plan.js';
import { buildWebhookRequest, toCurl, type RequestOptions, type WebhookRequest } from '../core/trigger/request.js';
import { runDeliveries } from '../core/trigger/run.js';
import { createDispatcher } from '../core/trigger/send.js';
import { printEventTypes } from '../ui/output.js';
import { createTriggerView } from '../ui/trigger.js';
import { userAgent } from './api.js';
import { httpUrl, intFlag, parseDuration, parseFlags, parseHeaders, secretFlag } from './flags.js';

import { DEFAULT_TRIGGER_TIMEOUT, DEFAULT_TRIGGER_URL } from '../defaults.js';

const flagsSchema = z.object({
  url: httpUrl.default(DEFAULT_TRIGGER_URL),
  secret: secretFlag,
  set: z.array(z.string()).default([]),
  data: z.string().optional(),
  fixture: z.string().optional(),
  validate: z.boolean().default(true),
  all: z.boolean().default(false),
  count: intFlag(1, 10_000_000).default(1),
  concurrency: intFlag(1, 1024).default(1),
  header: z.array(z.string()).default([]),
  timeout: z.string().default(DEFAULT_TRIGGER_TIMEOUT),
  signature: z.enum(['valid', 'invalid', 'missing']).default('valid'),
  expectStatus: intFlag(100, 599).optional(),
  dryRun: z.boolean().default(false),
  list: z.boolean().default(false),
});

export default async function trigger(ctx: Context, event: string | undefined, rawFlags: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, rawFlags);
  if (flags.list) return printEventTypes(ctx);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const recipes = await planPayloads(
    { event, all: flags.all, fixtureFile: flags.fixture, data: flags.data, sets: flags.set, validate: flags.validate },
    ctx.now(),
  );
  const { secret } = flags.signature === 'missing' ? { secret: '' } : await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  const requestOptions: RequestOptions = {
    url: flags.url, secret, signature: flags.signature, userAgent: userAgent(ctx), headers: parseHeaders(flags.header),
  };
  const requestFor = (next: ReturnType<typeof compileRecipe>): WebhookRequest => {
    const { body, event, id } = next({ id: newEventId(), createdAt: ctx.now() });
    return buildWebhookRequest(body, event, id, requestOptions);
  };

  const total = recipes.length * (flags.dryRun ? 1 : flags.count);
  const view = await createTriggerView(ctx, { total });
  if (flags.dryRun) {
    for (const recipe of recipes) {
      const request = requestFor(compileRecipe(recipe));
      view.dryRun(request, toCurl(request));
    }
    view.stop();
    return;
  }

  function* requests(): Generator<WebhookRequest> {
    for (const recipe of recipes) {
      const next = compileRecipe(recipe);
      for (let i = 0; i < flags.count; i++) yield requestFor(next);
    }
  }
  const expectStatus = flags.expectStatus;
  const dispatcher = createDispatcher(flags.concurrency);
  const summary = await runDeliveries(requests(), {
    concurrency: flags.concurrency, timeoutMs, dispatcher, clock: ctx.monotonic,
    expectStatus: (status) => (expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus),
  }, view).finally(() => dispatcher.close());
  if (total > 1) view.summary(summary);
  view.stop();
  if (summary.failed === 0) return;

  const expected = expectStatus === undefined ? 'a 2xx status' : `status ${expectStatus}`;
  const message = total > 1 ? `${summary.failed} of ${summary.sent} deliveries did not get ${expected}`
    : summary.firstError ? `could not deliver the event: ${summary.firstError}`
      : `your app answered ${summary.firstUnexpectedStatus}, not ${expected}${summary.firstUnexpectedBody ? `: ${summary.firstUnexpectedBody}` : ''}`;
  const hint = summary.errors.refused ? `is your app, or \`datachonk listen\`, running on ${new URL(flags.url).host}?`
    : summary.errors.timeout ? 'is your app stuck? raise --timeout if it needs longer'
      : expectStatus === undefined && summary.firstUnexpectedStatus ? 'use --expect-status if that status is what you meant to test' : undefined;
  throw failure(message, hint);
}
