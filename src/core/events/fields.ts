import { z } from 'zod';

// Field schemas shared by several event types. Objects are loose: DataChonk may add fields, and a
// receiver must not break when it does. Only generation.completed's data is documented; the rest is
// inferred from DataChonk's domain (README, "Event payloads") and kept to fields that domain clearly has.

/** An id with a known prefix, e.g. `evt_…`, `chonk_…`. */
export const prefixed = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9_-]+$`), `expected an id starting with "${prefix}"`);

export const count = z.number().int().nonnegative();

export const chonkTypeSchema = z.enum(['source', 'staging', 'entity', 'fact', 'metric']);
export const materializationSchema = z.enum(['none', 'view', 'table', 'incremental', 'ephemeral']);
export const warehouseSchema = z.enum([
  'postgresql',
  'mysql',
  'snowflake',
  'bigquery',
  'redshift',
  'databricks',
  'duckdb',
]);
export const errorCodeSchema = z.enum([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'INVALID_REQUEST',
  'INVALID_SOURCE',
  'GENERATION_FAILED',
  'CONNECTION_FAILED',
]);

/** The fields every chonk event names its chonk with. */
export const chonkRef = {
  chonk_id: prefixed('chonk_'),
  chonk_name: z.string().min(1),
  chonk_type: chonkTypeSchema,
};

export const generatedFile = z.looseObject({ path: z.string().min(1), lines: count });

export const tableRef = z.looseObject({ schema: z.string(), table: z.string(), column: z.string() });

// Readers for summaries: the payload may come from anywhere and need not match the schemas.
type Data = Record<string, unknown>;

export const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
export const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "dim_customers (entity)", or the chonk id, or undefined. */
export function chonkLabel(data: Data): string | undefined {
  const name = str(data.chonk_name) ?? str(data.chonk_id);
  if (!name) return undefined;
  const type = str(data.chonk_type);
  return type ? `${name} (${type})` : name;
}
