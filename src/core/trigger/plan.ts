import { Failure, type FailureFacts } from '../../failure.js';
import { EVENT_TYPES, type EventType } from '../events/catalogue.js';
import { buildPayload, type PayloadRecipe } from '../events/build.js';
import {
  loadFixture,
  parseJsonObject,
  parseOverride,
  readJsonFile,
  requireEventType,
  type JsonObject,
} from '../events/payload.js';
import { unknownPath, validateEvent } from '../events/schemas.js';
import { toNativeJson } from '../lossless-json.js';

/** What the user asked to send, before any file is read. */
export interface PayloadRequest {
  event?: string | undefined;
  all: boolean;
  /** A whole payload file used instead of the built-in fixture. */
  fixtureFile?: string | undefined;
  /** `--data`: inline JSON, or `@file.json`. */
  data?: string | undefined;
  /** `--set path=value`, in order. */
  sets: readonly string[];
  validate: boolean;
}

/** A `--set` path that the event's schema does not define: sent as an extra field, probably a typo. */
export interface UnknownFieldWarning {
  /** The path as the user wrote it, dot-separated. */
  path: string;
  /** The event types that have no such field. */
  events: string[];
  /** The path the user probably meant, when one is close. */
  suggestion?: string | undefined;
}

export interface PayloadPlan {
  /** One per event type to send. */
  recipes: PayloadRecipe[];
  warnings: UnknownFieldWarning[];
}

/**
 * Reads fixtures and files, applies the overrides once to check them, and returns one recipe per
 * event type, with a warning for each `--set` path the event's schema does not have.
 */
export async function planPayloads(request: PayloadRequest, now: Date): Promise<PayloadPlan> {
  if (request.all && (request.event || request.fixtureFile)) throw new Failure('all-with-event', {});
  const overrides = request.sets.map(parseOverride);
  const patch = request.data === undefined ? undefined : await readPatch(request.data);

  const recipes: PayloadRecipe[] = [];
  if (request.fixtureFile) {
    const template = await readJsonFile(request.fixtureFile, 'fixture-file');
    if (request.event) {
      const event = requireEventType(request.event);
      if (template.event !== undefined && template.event !== event) {
        throw new Failure('fixture-event-mismatch', { fileEvent: String(template.event), event });
      }
      template.event = event;
    }
    recipes.push({ template, patch, overrides });
  } else {
    const events: EventType[] = request.all ? EVENT_TYPES : request.event ? [requireEventType(request.event)] : [];
    if (events.length === 0) throw new Failure('nothing-to-send', {});
    for (const event of events) recipes.push({ template: await loadFixture(event), patch, overrides });
  }

  for (const recipe of recipes) {
    // Built once here so that a bad path or value fails before anything is sent.
    const sample = buildPayload(recipe, { id: 'evt_check', createdAt: now });
    if (request.validate) checkPayload(sample);
  }
  return { recipes, warnings: unknownFields(recipes) };
}

/** The `--set` paths of the recipes that their event's schema does not have, one warning per path. */
export function unknownFields(recipes: readonly PayloadRecipe[]): UnknownFieldWarning[] {
  const byPath = new Map<string, UnknownFieldWarning>();
  for (const recipe of recipes) {
    const event = String(recipe.template.event);
    for (const { path } of recipe.overrides) {
      const unknown = unknownPath(event, path);
      if (!unknown) continue;
      const key = path.join('.');
      const warning = byPath.get(key) ?? {
        path: key,
        events: [],
        suggestion: unknown.suggestion && [...unknown.known, unknown.suggestion].join('.'),
      };
      if (!warning.events.includes(event)) warning.events.push(event);
      byPath.set(key, warning);
    }
  }
  return [...byPath.values()];
}

async function readPatch(data: string): Promise<JsonObject> {
  return data.startsWith('@') ? readJsonFile(data.slice(1), 'data-file') : parseJsonObject(data, 'data');
}

/** Checks a payload against its event's schema; `step` says which step of a scenario it is. */
export function checkPayload(payload: JsonObject, step?: FailureFacts['payload-invalid']['step']): void {
  if (typeof payload.event === 'string') requireEventType(payload.event);
  // Checked as a receiver's JSON.parse reads it: a number kept as typed is checked as the nearest double,
  // so 12345678901234567890 in an integer field is "too big", not "an object".
  const result = validateEvent(toNativeJson(payload));
  if (!result.ok)
    throw new Failure('payload-invalid', {
      event: String(payload.event),
      issues: result.issues,
      ...(step ? { step } : {}),
    });
}
