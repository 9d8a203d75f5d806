import { join } from 'node:path';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { failure } from '../../errors.js';
import { API_KEY_ENV, API_URL_ENV } from '../../config/credentials.js';
import { DEFAULT_EMULATOR_URL, EMULATOR_FILE } from '../../defaults.js';
import { deliverySchema } from '../../core/api/schemas.js';
import { buildPayload } from '../../core/events/build.js';
import { newEventId } from '../../core/events/payload.js';
import { planPayloads } from '../../core/trigger/plan.js';
import { startEmulator, EMIT_PATH } from '../../emulator/server.js';
import { createEmulatorView } from '../../ui/emulator.js';
import { warnUnknownFields } from '../../ui/payload-warnings.js';
import { apiClient } from '../api.js';
import type { Action } from '../define.js';
import type { EmitSpecs, StartSpecs } from './index.js';

// `datachonk emulator start|emit`: the local DataChonk API, for offline work and CI.

export const start: Action<StartSpecs> = async (ctx, { options: flags }) => {
  const retrySchedule = flags.retrySchedule;
  const dataFile = flags.memory ? undefined : flags.dataFile ?? join(ctx.paths.stateDir, EMULATOR_FILE);
  const stopRequested = ctx.waitForShutdown(); // before Ready is printed, see listen.ts
  const view = createEmulatorView(ctx);
  const emulator = await startEmulator({
    host: flags.host, port: flags.port, dataFile, apiKey: flags.apiKey, retrySchedule,
    deliveryTimeoutMs: 10_000, version: ctx.version, now: ctx.now, monotonic: ctx.monotonic,
  }, view);
  view.ready({ url: emulator.url, dataFile, apiKey: flags.apiKey, retrySchedule: retrySchedule.map((ms) => `${ms / 1000}s`).join(', ') });
  await stopRequested;
  await emulator.close();
};

const emitResultSchema = z.object({ event_id: z.string(), event: z.string(), deliveries: z.array(deliverySchema) });

export const emit: Action<EmitSpecs> = async (ctx, { args: [event], options: flags }) => {
  const { recipes: [recipe], warnings } = await planPayloads({ event, all: false, fixtureFile: flags.fixture, data: flags.data, sets: flags.set, validate: flags.validate }, ctx.now());
  warnUnknownFields(ctx, warnings);
  const payload = buildPayload(recipe!, { id: newEventId(), createdAt: ctx.now() });
  const client = apiClient(ctx, flags.apiUrl ?? ctx.env[API_URL_ENV] ?? DEFAULT_EMULATOR_URL,
    // The emulator takes any non-empty key unless it was started with --api-key.
    flags.apiKey ?? ctx.env[API_KEY_ENV] ?? 'dck_emulator', { maxRetries: 0 });
  try {
    const result = await client.request('POST', EMIT_PATH.replace(/^\/v1\//, ''), emitResultSchema, payload);
    createEmulatorView(ctx).emitted(result, { strict: flags.strict });
    if (flags.strict && result.deliveries.length === 0) {
      throw failure(`no active webhook is subscribed to ${result.event}, so nothing was delivered`,
        `subscribe one first: datachonk webhooks create --url <your endpoint> --events ${result.event}, or run datachonk listen --register`);
    }
  } finally {
    await client.close();
  }
};
