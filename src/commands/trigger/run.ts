import type { Context } from '../../context.js';
import { failure, usageError } from '../../errors.js';
import { resolveSecret } from '../../config/secret.js';
import { buildPayload, compileRecipe } from '../../core/events/build.js';
import { newEventId } from '../../core/events/payload.js';
import { planPayloads } from '../../core/trigger/plan.js';
import { buildWebhookRequest, toCurl, type RequestOptions, type WebhookRequest } from '../../core/trigger/request.js';
import { runDeliveries, type TriggerSummary } from '../../core/trigger/run.js';
import { createSender } from '../../core/send.js';
import { printEventTypes } from '../../ui/output.js';
import { printPayload } from '../../ui/payload.js';
import { createTriggerView } from '../../ui/trigger.js';
import { userAgent } from '../api.js';
import type { Action } from '../define.js';
import type { TriggerOptions, TriggerSpecs } from './index.js';

/** `datachonk trigger`: build, sign and send events; exit 1 when an answer is not the expected one. */
const trigger: Action<TriggerSpecs> = async (ctx, { args: [event], options: flags }) => {
  if (flags.list) return printEventTypes(ctx);
  if (flags.all && event) throw usageError('--all sends every event type: leave out the event name');
  const recipes = await planPayloads(
    { event, all: flags.all, fixtureFile: flags.fixture, data: flags.data, sets: flags.set, validate: flags.validate },
    ctx.now(),
  );
  if (flags.printPayload) return printPayload(ctx, buildPayload(recipes[0]!, { id: newEventId(), createdAt: ctx.now() }));
  const { secret } = flags.signature === 'missing' ? { secret: '' } : await resolveSecret(flags.secret, ctx.env, ctx.paths.configFile);
  const requestOptions: RequestOptions = {
    url: flags.url, secret, signature: flags.signature, userAgent: userAgent(ctx), headers: Object.fromEntries(flags.header),
  };
  const requestFor = (next: ReturnType<typeof compileRecipe>): WebhookRequest => {
    const { body, event: name, id } = next({ id: newEventId(), createdAt: ctx.now() });
    return buildWebhookRequest(body, name, id, requestOptions);
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
  const sender = createSender({ connections: flags.concurrency, clock: ctx.monotonic });
  const expectStatus = flags.expectStatus;
  const summary = await runDeliveries(requests(), {
    concurrency: flags.concurrency, timeoutMs: flags.timeout, sender, clock: ctx.monotonic,
    expectStatus: (status) => (expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus),
  }, view).finally(() => sender.close());
  if (total > 1) view.summary(summary);
  view.stop();
  if (summary.failed > 0) throw explainFailures(summary, { total, expectStatus, url: flags.url });
};

export default trigger;

function explainFailures(summary: TriggerSummary, run: { total: number; expectStatus: TriggerOptions['expectStatus']; url: string }) {
  const expected = run.expectStatus === undefined ? 'a 2xx status' : `status ${run.expectStatus}`;
  const message = run.total > 1 ? `${summary.failed} of ${summary.sent} deliveries did not get ${expected}`
    : summary.firstError ? `could not deliver the event: ${summary.firstError}`
      : `your app answered ${summary.firstUnexpectedStatus}, not ${expected}${summary.firstUnexpectedBody ? `: ${summary.firstUnexpectedBody}` : ''}`;
  const hint = summary.errors.refused ? `is your app, or \`datachonk listen\`, running on ${new URL(run.url).host}?`
    : summary.errors.timeout ? 'is your app stuck? raise --timeout if it needs longer'
      : run.expectStatus === undefined && summary.firstUnexpectedStatus ? 'use --expect-status if that status is what you meant to test' : undefined;
  return failure(message, hint);
}
