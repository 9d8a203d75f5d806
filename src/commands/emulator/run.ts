import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { failure, usageError } from '../../errors.js';
import { Failure, isFailure } from '../../failure.js';
import { API_KEY_ENV, API_URL_ENV } from '../../config/credentials.js';
import { DEFAULT_EMULATOR_URL, EMULATOR_FILE } from '../../defaults.js';
import { deliverySchema, type Delivery } from '../../core/api/schemas.js';
import { buildPayload } from '../../core/events/build.js';
import { newEventId } from '../../core/events/payload.js';
import { planPayloads } from '../../core/trigger/plan.js';
import { chaosSchema } from '../../emulator/chaos.js';
import { seededRandom } from '../../core/seeded-random.js';
import { chaosPath, startEmulator, EMIT_PATH } from '../../emulator/server.js';
import { createEmulatorView } from '../../ui/emulator.js';
import { warnUnknownFields } from '../../ui/payload-warnings.js';
import { apiClient } from '../api.js';
import { chaosSpec } from '../parsers.js';
import type { Action } from '../define.js';
import type { ChaosSpecs, EmitSpecs, StartSpecs } from './index.js';

// `datachonk emulator start|emit|chaos`: the local DataChonk API, for offline work and CI.

/** The delivery history beside the registrations: emulator.json -> emulator-deliveries.ndjson. */
export const historyFileFor = (dataFile: string) => `${dataFile.replace(/\.json$/i, '')}-deliveries.ndjson`;

export const start: Action<StartSpecs> = async (ctx, { options: flags }) => {
  const retrySchedule = flags.retrySchedule;
  const dataFile = flags.memory ? undefined : (flags.dataFile ?? join(ctx.paths.stateDir, EMULATOR_FILE));
  const historyFile = dataFile === undefined ? undefined : historyFileFor(dataFile);
  // Printed, so that a run whose chaos found a bug can be repeated with --chaos-seed.
  const seed = flags.chaosSeed ?? randomInt(0, 2 ** 32);
  const stopRequested = ctx.waitForShutdown(); // before Ready is printed, see listen.ts
  const view = createEmulatorView(ctx);
  const emulator = await startEmulator(
    {
      host: flags.host,
      port: flags.port,
      dataFile,
      historyFile,
      apiKey: flags.apiKey,
      retrySchedule,
      chaos: flags.chaos,
      random: seededRandom(seed),
      deliveryTimeoutMs: 10_000,
      version: ctx.version,
      now: ctx.now,
      monotonic: ctx.monotonic,
    },
    view,
  );
  view.ready({
    url: emulator.url,
    dataFile,
    historyFile,
    apiKey: flags.apiKey,
    chaos: flags.chaos,
    seed,
    retrySchedule: retrySchedule.map((ms) => `${ms / 1000}s`).join(', '),
  });
  await stopRequested;
  await emulator.close();
};

/** A client of the running emulator, for emit and chaos. */
function emulatorClient(ctx: Context, flags: { apiUrl: string | undefined; apiKey: string | undefined }) {
  return apiClient(
    ctx,
    flags.apiUrl ?? ctx.env[API_URL_ENV] ?? DEFAULT_EMULATOR_URL,
    // The emulator takes any non-empty key unless it was started with --api-key.
    flags.apiKey ?? ctx.env[API_KEY_ENV] ?? 'dck_emulator',
    { maxRetries: 0 },
  );
}

const deferredSchema = z.object({
  webhook_id: z.string(),
  chaos: z.array(z.string()),
  delay_ms: z.number().optional(),
});
const emitResultSchema = z.object({
  event_id: z.string(),
  event: z.string(),
  deliveries: z.array(deliverySchema),
  deferred: z.array(deferredSchema).default([]),
});

export const emit: Action<EmitSpecs> = async (ctx, { args: [event], options: flags }) => {
  const {
    recipes: [recipe],
    warnings,
  } = await planPayloads(
    { event, all: false, fixtureFile: flags.fixture, data: flags.data, sets: flags.set, validate: flags.validate },
    ctx.now(),
  );
  warnUnknownFields(ctx, warnings);
  const payload = buildPayload(recipe!, { id: newEventId(), createdAt: ctx.now() });
  const client = emulatorClient(ctx, flags);
  try {
    const result = await client.request('POST', EMIT_PATH.replace(/^\/v1\//, ''), emitResultSchema, payload);
    createEmulatorView(ctx).emitted(result, { strict: flags.strict });
    if (flags.strict && result.deliveries.length === 0 && result.deferred.length === 0) {
      throw failure(
        `no active webhook is subscribed to ${result.event}, so nothing was delivered`,
        `subscribe one first: datachonk webhooks create --url <your endpoint> --events ${result.event}, or run datachonk listen --register`,
      );
    }
    const failed = result.deliveries.filter((d) => !d.ok && !chaosMade(d));
    if (failed.length > 0) throw deliveriesFailed(result.event, failed, result.deliveries.length);
  } finally {
    await client.close();
  }
};

/** A failure the emulator's chaos made on purpose (`fail`, `timeout`): not the app's doing. */
const chaosMade = (d: Delivery) => Boolean(d.chaos?.some((what) => what === 'fail' || what === 'timeout'));

/** Exit 1 for deliveries the app failed: which webhook, and what it answered (a status, or why there was none). */
function deliveriesFailed(event: string, failed: readonly Delivery[], total: number): Error {
  const said = (d: Delivery) =>
    d.status === null ? `${d.webhook_id}: ${d.error ?? 'no answer'}` : `${d.webhook_id} answered ${d.status}`;
  const shown = failed.slice(0, 3).map(said).join('; ') + (failed.length > 3 ? `; and ${failed.length - 3} more` : '');
  const unauthorized = failed.some((d) => d.status === 401 || d.status === 403);
  return failure(
    `${failed.length} of ${total} deliver${total === 1 ? 'y' : 'ies'} of ${event} failed: ${shown}`,
    (unauthorized
      ? "a 401 or 403 most often means the app verifies with another secret than the webhook's (set it with datachonk webhooks create --secret); "
      : '') +
      `datachonk webhooks deliveries ${failed[0]!.webhook_id} lists every attempt, and the emulator retries on its schedule`,
  );
}

const chaosResultSchema = z.object({
  webhook_id: z.string(),
  chaos: chaosSchema.nullable(),
  emulator_chaos: chaosSchema.nullable(),
});

/** `emulator chaos <id> <spec>`: one webhook's own chaos ("none": none at all), or "default": the emulator's again. */
export const chaos: Action<ChaosSpecs> = async (ctx, { args: [id, text], options: flags }) => {
  let spec = null;
  try {
    if (text !== 'default') spec = chaosSpec(text!);
  } catch (error) {
    throw usageError(
      `<spec> "${text}": ${(error as Error).message}`,
      "give it as emulator start --chaos takes it (duplicate=1,fail=0.5), none for no chaos, or default for the emulator's",
    );
  }
  const client = emulatorClient(ctx, flags);
  try {
    const result = await client
      .request('PUT', chaosPath(id!).replace(/^\/v1\//, ''), chaosResultSchema, { chaos: spec })
      .catch((error: unknown) => {
        // The webhook the failure is about, so that a 404 names it.
        throw isFailure(error, 'api-error') ? new Failure('api-error', { ...error.facts, webhookId: id }) : error;
      });
    createEmulatorView(ctx).chaosSet(result);
  } finally {
    await client.close();
  }
};
