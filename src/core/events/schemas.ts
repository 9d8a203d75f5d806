import { z } from 'zod';
import type { EventType } from './catalogue.js';

// Objects are loose: DataChonk may add fields, and a receiver must not break when it does.
// Only generation.completed's data is documented; the rest is inferred from DataChonk's domain
// (see README, "Event payloads") and kept to fields that domain clearly has.

const prefixed = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9_-]+$`), `expected an id starting with "${prefix}"`);

const count = z.number().int().nonnegative();

export const chonkTypeSchema = z.enum(['source', 'staging', 'entity', 'fact', 'metric']);
export const materializationSchema = z.enum(['none', 'view', 'table', 'incremental', 'ephemeral']);
export const warehouseSchema = z.enum(['postgresql', 'mysql', 'snowflake', 'bigquery', 'redshift', 'databricks', 'duckdb']);
export const errorCodeSchema = z.enum([
  'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'INVALID_REQUEST',
  'INVALID_SOURCE', 'GENERATION_FAILED', 'CONNECTION_FAILED',
]);

const chonkRef = {
  chonk_id: prefixed('chonk_'),
  chonk_name: z.string().min(1),
  chonk_type: chonkTypeSchema,
};

const generatedFile = z.looseObject({ path: z.string().min(1), lines: count });

const tableRef = z.looseObject({ schema: z.string(), table: z.string(), column: z.string() });

/** The `data` of each event type. */
export const dataSchemas = {
  'chonk.created': z.looseObject({
    ...chonkRef,
    materialization: materializationSchema,
    description: z.string().nullable(),
  }),
  'chonk.updated': z.looseObject({
    ...chonkRef,
    materialization: materializationSchema,
    changes: z.array(z.looseObject({ field: z.string().min(1), from: z.unknown(), to: z.unknown() })).min(1),
  }),
  'chonk.deleted': z.looseObject({ ...chonkRef }),
  'generation.started': z.looseObject({
    ...chonkRef,
    dbt_version: z.string().regex(/^1\.[6-9]$/, 'expected a dbt version from 1.6 to 1.9'),
  }),
  'generation.completed': z.looseObject({
    ...chonkRef,
    files_generated: z.array(generatedFile),
    duration_ms: count,
  }),
  'generation.failed': z.looseObject({
    ...chonkRef,
    error: z.looseObject({
      code: errorCodeSchema,
      message: z.string().min(1),
      suggestion: z.string().optional(),
    }),
    duration_ms: count,
  }),
  'scan.completed': z.looseObject({
    warehouse: warehouseSchema,
    database: z.string().min(1),
    tables: z.array(z.looseObject({
      schema: z.string(),
      name: z.string().min(1),
      type: z.enum(['table', 'view']),
      row_count: count,
      columns: z.array(z.looseObject({
        name: z.string().min(1),
        type: z.string().min(1),
        primary_key: z.boolean(),
        nullable: z.boolean(),
      })),
    })),
    foreign_keys: z.array(z.looseObject({ from: tableRef, to: tableRef })),
    relationships: z.array(z.looseObject({ from: tableRef, to: tableRef, confidence: z.number().min(0).max(1) })),
    duration_ms: count,
  }),
  'push.completed': z.looseObject({
    chonk_ids: z.array(prefixed('chonk_')),
    repository: z.string().min(1),
    branch: z.string().min(1),
    commit_sha: z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character lowercase hex commit sha'),
    commit_message: z.string(),
    files_pushed: z.array(z.string().min(1)),
    pull_request_url: z.url().nullable(),
  }),
} satisfies Record<EventType, z.ZodType>;

const envelopeFields = {
  id: prefixed('evt_'),
  created_at: z.iso.datetime({ offset: true }),
  project_id: prefixed('proj_'),
};

function envelopeOf<T extends EventType>(event: T) {
  return z.looseObject({ ...envelopeFields, event: z.literal(event), data: dataSchemas[event] });
}

/** Any DataChonk webhook event, discriminated by `event`. */
export const webhookEventSchema = z.discriminatedUnion('event', [
  envelopeOf('chonk.created'),
  envelopeOf('chonk.updated'),
  envelopeOf('chonk.deleted'),
  envelopeOf('generation.started'),
  envelopeOf('generation.completed'),
  envelopeOf('generation.failed'),
  envelopeOf('scan.completed'),
  envelopeOf('push.completed'),
]);

export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type EventData<T extends EventType> = z.infer<(typeof dataSchemas)[T]>;
export type WebhookEventOf<T extends EventType> = Extract<WebhookEvent, { event: T }>;

/** One problem with a payload, located by a dot path (`data.files_generated.0.lines`). */
export interface PayloadIssue {
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; event: WebhookEvent }
  | { ok: false; issues: PayloadIssue[] };

/** Validates a parsed payload against the envelope and its event type's data schema. */
export function validateEvent(payload: unknown): ValidationResult {
  const result = webhookEventSchema.safeParse(payload);
  if (result.success) return { ok: true, event: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(payload)',
      message: issue.message,
    })),
  };
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const PREFIXED = (prefix: string) => new RegExp(`^${prefix}[A-Za-z0-9_-]+$`);
const EVT = PREFIXED('evt_');
const PROJ = PREFIXED('proj_');

/**
 * A fast yes for a well-formed envelope, for the listener's per-request path: the same rules as
 * `envelopeSchema`, checked by hand because zod's parse cost a measurable share of each request
 * (BENCHMARKS.md). When it says no, `envelopeSchema` is run to say why.
 */
export function isEnvelope(value: unknown): value is z.infer<typeof envelopeSchema> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const data = v.data;
  return typeof v.id === 'string' && EVT.test(v.id)
    && typeof v.event === 'string' && v.event.length > 0
    && typeof v.created_at === 'string' && ISO_DATETIME.test(v.created_at) && !Number.isNaN(Date.parse(v.created_at))
    && typeof v.project_id === 'string' && PROJ.test(v.project_id)
    && data !== null && typeof data === 'object' && !Array.isArray(data);
}

/**
 * The envelope alone, for any event type (known or new): what the listener requires before it
 * forwards. The `data` of each type is not checked there, as DataChonk may change it.
 */
export const envelopeSchema = z.looseObject({
  ...envelopeFields,
  event: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});
