import { usageError } from '../../errors.js';
import { EVENT_TYPES, type EventType } from '../events/catalogue.js';
import { buildPayload, type PayloadRecipe } from '../events/build.js';
import {
  loadFixture, parseJson, parseOverride, readJsonFile, requireEventType, requireObject, type JsonObject,
} from '../events/payload.js';
import { validateEvent } from '../events/schemas.js';

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

/** Reads fixtures and files, applies the overrides once to check them, and returns one recipe per event type. */
export async function planPayloads(request: PayloadRequest, now: Date): Promise<PayloadRecipe[]> {
  if (request.all && (request.event || request.fixtureFile)) {
    throw usageError('--all sends every event type: leave out the event name and --fixture');
  }
  const overrides = request.sets.map(parseOverride);
  const patch = request.data === undefined ? undefined : await readPatch(request.data);

  const recipes: PayloadRecipe[] = [];
  if (request.fixtureFile) {
    const template = requireObject(await readJsonFile(request.fixtureFile, 'fixture file'), `fixture file ${request.fixtureFile}`);
    if (request.event) {
      const event = requireEventType(request.event);
      if (template.event !== undefined && template.event !== event) {
        throw usageError(`the fixture file is a ${String(template.event)} event, not ${event}`, 'leave out the event name to send the file as it is');
      }
      template.event = event;
    }
    recipes.push({ template, patch, overrides });
  } else {
    const events: EventType[] = request.all ? EVENT_TYPES : request.event ? [requireEventType(request.event)] : [];
    if (events.length === 0) {
      throw usageError('name the event type to send', 'for example `datachonk trigger generation.completed`; `--all` sends every type, `--list` lists them');
    }
    for (const event of events) recipes.push({ template: await loadFixture(event), patch, overrides });
  }

  for (const recipe of recipes) {
    // Built once here so that a bad path or value fails before anything is sent.
    const sample = buildPayload(recipe, { id: 'evt_check', createdAt: now });
    if (request.validate) checkPayload(sample);
  }
  return recipes;
}

async function readPatch(data: string): Promise<JsonObject> {
  const json = data.startsWith('@') ? await readJsonFile(data.slice(1), '--data file') : parseJson(data, '--data');
  return requireObject(json, '--data');
}

function checkPayload(payload: JsonObject): void {
  if (typeof payload.event === 'string') requireEventType(payload.event);
  const result = validateEvent(payload);
  if (result.ok) return;
  const lines = result.issues.slice(0, 5).map((issue) => `  ${issue.path}: ${issue.message}`);
  throw usageError(
    `the ${String(payload.event)} payload is not valid:\n${lines.join('\n')}`,
    'fix the --set/--data/--fixture value, or add --no-validate to send it anyway (to test how your app handles bad data)',
  );
}
