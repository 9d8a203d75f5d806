import { z } from 'zod';
import {
  chonkLabel,
  chonkRef,
  count,
  errorCodeSchema,
  generatedFile,
  list,
  materializationSchema,
  plural,
  prefixed,
  str,
  tableRef,
  warehouseSchema,
} from './fields.js';

// The event registry: every DataChonk event type is defined here, once. Everything else derives from
// it: the EventType union, `trigger --list`/`--all`, `webhooks create --events` checks and
// suggestions, the listener's summaries, the emulator, the README's table (checked by a test).
// Adding a type: one entry below and one fixture file, fixtures/<name>.json (docs/ARCHITECTURE.md).

/** What the tool knows of one event type. */
export interface EventDefinition<D extends z.ZodType = z.ZodType> {
  /** DataChonk's own one-line description (its webhook doc's table). */
  description: string;
  /** True when DataChonk documents the `data` of this type; false when this tool infers it. */
  documented: boolean;
  /** The schema of `data`. */
  data: D;
  /**
   * Parts of the one-line summary the listener prints, e.g. ["dim_customers (entity)", "2 files
   * generated"]. `data` is read defensively: it may come from anyone and need not match the schema.
   */
  summary(data: Record<string, unknown>): (string | undefined)[];
}

const define = <D extends z.ZodType>(definition: EventDefinition<D>) => definition;

export const EVENTS = {
  'chonk.created': define({
    description: 'A new chonk was created',
    documented: false,
    data: z.looseObject({ ...chonkRef, materialization: materializationSchema, description: z.string().nullable() }),
    summary: (d) => [chonkLabel(d)],
  }),
  'chonk.updated': define({
    description: "A chonk's configuration was updated",
    documented: false,
    data: z.looseObject({
      ...chonkRef,
      materialization: materializationSchema,
      changes: z.array(z.looseObject({ field: z.string().min(1), from: z.unknown(), to: z.unknown() })).min(1),
    }),
    summary: (d) => {
      const fields = list(d.changes)
        ?.map((c) => str((c as Record<string, unknown> | null)?.field))
        .filter(Boolean);
      return [chonkLabel(d), fields?.length ? `changed ${fields.join(', ')}` : undefined];
    },
  }),
  'chonk.deleted': define({
    description: 'A chonk was deleted',
    documented: false,
    data: z.looseObject({ ...chonkRef }),
    summary: (d) => [chonkLabel(d)],
  }),
  'generation.started': define({
    description: 'Code generation began',
    documented: false,
    data: z.looseObject({
      ...chonkRef,
      dbt_version: z.string().regex(/^1\.[6-9]$/, 'expected a dbt version from 1.6 to 1.9'),
    }),
    summary: (d) => [chonkLabel(d), str(d.dbt_version) ? `dbt ${String(d.dbt_version)}` : undefined],
  }),
  'generation.completed': define({
    description: 'Code generation finished successfully',
    documented: true,
    data: z.looseObject({ ...chonkRef, files_generated: z.array(generatedFile), duration_ms: count }),
    summary: (d) => {
      const files = list(d.files_generated);
      return [chonkLabel(d), files ? `${plural(files.length, 'file')} generated` : undefined];
    },
  }),
  'generation.failed': define({
    description: 'Code generation encountered an error',
    documented: false,
    data: z.looseObject({
      ...chonkRef,
      error: z.looseObject({ code: errorCodeSchema, message: z.string().min(1), suggestion: z.string().optional() }),
      duration_ms: count,
    }),
    summary: (d) => {
      const error = (d.error ?? {}) as Record<string, unknown>;
      return [chonkLabel(d), [str(error.code), str(error.message)].filter(Boolean).join(': ') || undefined];
    },
  }),
  'scan.completed': define({
    description: 'Schema scan finished',
    documented: false,
    data: z.looseObject({
      warehouse: warehouseSchema,
      database: z.string().min(1),
      tables: z.array(
        z.looseObject({
          schema: z.string(),
          name: z.string().min(1),
          type: z.enum(['table', 'view']),
          row_count: count,
          columns: z.array(
            z.looseObject({
              name: z.string().min(1),
              type: z.string().min(1),
              primary_key: z.boolean(),
              nullable: z.boolean(),
            }),
          ),
        }),
      ),
      foreign_keys: z.array(z.looseObject({ from: tableRef, to: tableRef })),
      relationships: z.array(z.looseObject({ from: tableRef, to: tableRef, confidence: z.number().min(0).max(1) })),
      duration_ms: count,
    }),
    summary: (d) => {
      const tables = list(d.tables);
      const where = [str(d.warehouse), str(d.database)].filter(Boolean).join(' ');
      return [where || undefined, tables ? `${plural(tables.length, 'table')} scanned` : undefined];
    },
  }),
  'push.completed': define({
    description: 'Code was pushed to Git repository',
    documented: false,
    data: z.looseObject({
      chonk_ids: z.array(prefixed('chonk_')),
      repository: z.string().min(1),
      branch: z.string().min(1),
      commit_sha: z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character lowercase hex commit sha'),
      commit_message: z.string(),
      files_pushed: z.array(z.string().min(1)),
      pull_request_url: z.url().nullable(),
    }),
    summary: (d) => {
      const sha = str(d.commit_sha)?.slice(0, 7);
      const where = [str(d.repository), str(d.branch)].filter(Boolean).join('@');
      return [sha || where ? `pushed ${sha ?? ''}${sha && where ? ' to ' : ''}${where}` : undefined];
    },
  }),
} satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENTS;

/** Every event type, in the registry's order. */
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** DataChonk's one-line description of each type (kept for the library's users; derived from EVENTS). */
export const EVENT_DESCRIPTIONS = Object.fromEntries(
  EVENT_TYPES.map((name) => [name, EVENTS[name].description]),
) as Record<EventType, string>;

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(EVENTS, name);
}

/** The closest known name to a mistyped one, or undefined when nothing is close. */
export function suggestEventType(name: string): EventType | undefined {
  return closestName(name, EVENT_TYPES);
}

/** The name among `names` closest to a mistyped one, or undefined when none is a plausible typo of it. */
export function closestName<T extends string>(name: string, names: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = editDistance(name.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Accept a suggestion only when it is a plausible typo, not a different word.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance: the fewest single-character edits that turn a into b. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A short description of an event's data, e.g. "dim_customers (entity), 2 files generated". */
export function summarizeEvent(event: string, data: unknown): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return '';
  const d = data as Record<string, unknown>;
  // A type this tool does not know yet still names its chonk, when it has one.
  const parts = isEventType(event) ? EVENTS[event].summary(d) : [chonkLabel(d)];
  return parts.filter(Boolean).join(', ');
}
