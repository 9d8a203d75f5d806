import { z } from 'zod';
import { closestName, EVENTS, EVENT_TYPES, isEventType, type EventType } from './catalogue.js';
import { prefixed } from './fields.js';

// The envelope every DataChonk event has (the doc's "consistent structure"), and the full schema of
// each known type, both derived from the registry in catalogue.ts.

const envelopeFields = {
  id: prefixed('evt_'),
  created_at: z.iso.datetime({ offset: true }),
  project_id: prefixed('proj_'),
};

/**
 * The envelope alone, for any event type (known or new): what the listener requires before it
 * forwards. The `data` of each type is not checked there, as DataChonk may change it. The one
 * envelope check of the tool.
 */
export const envelopeSchema = z.looseObject({
  ...envelopeFields,
  event: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** The `data` schema of each event type. */
export const dataSchemas = Object.fromEntries(EVENT_TYPES.map((name) => [name, EVENTS[name].data])) as {
  [K in EventType]: (typeof EVENTS)[K]['data'];
};

export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['data']>;

/** Any DataChonk webhook event of a known type. */
export type WebhookEvent = {
  [K in EventType]: z.infer<typeof envelopeSchema> & { event: K; data: EventData<K> };
}[EventType];
export type WebhookEventOf<T extends EventType> = Extract<WebhookEvent, { event: T }>;

const [first, ...rest] = EVENT_TYPES.map((name) =>
  z.looseObject({ ...envelopeFields, event: z.literal(name), data: EVENTS[name].data }),
);

/** Any known DataChonk webhook event, discriminated by `event`. */
export const webhookEventSchema: z.ZodType<WebhookEvent> = z.discriminatedUnion('event', [
  first!,
  ...rest,
]) as unknown as z.ZodType<WebhookEvent>;

/** One problem with a payload, located by a dot path (`data.files_generated.0.lines`). */
export interface PayloadIssue {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; event: WebhookEvent } | { ok: false; issues: PayloadIssue[] };

/** Validates a parsed payload against the envelope and its event type's data schema. */
export function validateEvent(payload: unknown): ValidationResult {
  const result = webhookEventSchema.safeParse(payload);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, issues: issuesOf(result.error) };
}

export type ReceivedValidation =
  | { ok: true; known: true; event: WebhookEvent }
  | { ok: true; known: false; event: Envelope }
  | { ok: false; issues: PayloadIssue[] };

/**
 * Validates a payload as a receiver should: a known type against its full schema, any other type (one
 * DataChonk added after this version) against the envelope alone, since refusing it would turn
 * DataChonk's next event type into an error. An unknown event comes back as given.
 */
export function validateReceived(payload: unknown): ReceivedValidation {
  const type = (payload as { event?: unknown } | null | undefined)?.event;
  if (typeof type === 'string' && isEventType(type)) {
    const validation = validateEvent(payload);
    return validation.ok ? { ok: true, known: true, event: validation.event } : validation;
  }
  // Any other `event`, a string or not: the envelope says what is wrong, if anything.
  const result = envelopeSchema.safeParse(payload);
  return result.success
    ? { ok: true, known: false, event: payload as Envelope }
    : { ok: false, issues: issuesOf(result.error) };
}

/**
 * Checks the envelope only (any event type); the first problem comes back located. A valid payload
 * comes back as it was given (zod's copy would put the known keys first: not the order received).
 */
export function checkEnvelope(payload: unknown): { ok: true; envelope: Envelope } | { ok: false; issue: PayloadIssue } {
  const result = envelopeSchema.safeParse(payload);
  if (result.success) return { ok: true, envelope: payload as Envelope };
  return { ok: false, issue: issuesOf(result.error)[0]! };
}

function issuesOf(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(payload)',
    message: issue.message,
  }));
}

/** The schema of a whole event of one known type: the envelope and its `data`. */
const EVENT_SCHEMAS = new Map<string, z.ZodType>(EVENT_TYPES.map((name, i) => [name, [first!, ...rest][i]!]));

/** A path that no field of the event's schema has, with the nearest field that exists, if any is close. */
export interface UnknownPath {
  /** The part of the path that does exist, e.g. ['data']. */
  known: string[];
  /** A field at that level with a name close to the one given, e.g. 'chonk_type'. */
  suggestion?: string | undefined;
}

/**
 * Whether `path` names a field the schema of `event` defines (array indexes and record keys count as
 * defined). Undefined when it does, or when the type is not known; otherwise where it leaves the schema.
 */
export function unknownPath(event: string, path: readonly string[]): UnknownPath | undefined {
  const schema = EVENT_SCHEMAS.get(event);
  return schema && pathOutside(schema, path);
}

/** Where `path` leaves `schema`, if it does (see unknownPath). */
export function pathOutside(root: z.ZodType, path: readonly string[]): UnknownPath | undefined {
  let schema: z.ZodType | undefined = root;
  for (let i = 0; schema && i < path.length; i++) {
    const step = childSchema(schema, path[i]!);
    if (step.kind === 'missing') return { known: path.slice(0, i), suggestion: closestName(path[i]!, step.names) };
    schema = step.kind === 'found' ? step.schema : undefined;
  }
  return undefined;
}

type PathStep = { kind: 'found'; schema: z.ZodType } | { kind: 'open' } | { kind: 'missing'; names: string[] };

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

/** One step down a schema: the field's schema, "open" (anything goes there), or missing. */
function childSchema(schema: z.ZodType, key: string): PathStep {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.hasOwn(def.shape!, key)
        ? { kind: 'found', schema: def.shape![key]! }
        : { kind: 'missing', names: Object.keys(def.shape!) };
    case 'array':
      return /^\d+$/.test(key) ? { kind: 'found', schema: def.element! } : { kind: 'missing', names: [] };
    case 'record':
      return { kind: 'found', schema: def.valueType! };
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return childSchema(def.innerType!, key);
    case 'pipe':
      return childSchema(def.in!, key);
    case 'union': {
      const steps = def.options!.map((option) => childSchema(option, key));
      return (
        steps.find((s) => s.kind !== 'missing') ?? {
          kind: 'missing',
          names: steps.flatMap((s) => (s.kind === 'missing' ? s.names : [])),
        }
      );
    }
    default:
      // A scalar has no fields; unknown, any and the rest: nothing to say.
      return ['string', 'number', 'boolean', 'enum', 'literal', 'null', 'bigint'].includes(def.type)
        ? { kind: 'missing', names: [] }
        : { kind: 'open' };
  }
}
