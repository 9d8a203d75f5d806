import { cloneJson, stringifyJson } from '../lossless-json.js';
import { applyOverride, deepMerge, type JsonObject, type Override } from './payload.js';

/** How to make a payload: a template (fixture or file), a deep-merged patch, then overrides. */
export interface PayloadRecipe {
  template: JsonObject;
  patch?: JsonObject | undefined;
  overrides: readonly Override[];
}

/** Fresh identity for one event. */
export interface Freshness {
  id: string;
  createdAt: Date;
}

/**
 * Builds one payload: the template with a fresh `id` and `created_at`, then `--data`, then `--set`
 * (so a user can still pin `id` or `created_at`).
 */
export function buildPayload(recipe: PayloadRecipe, fresh: Freshness): JsonObject {
  const payload = cloneJson(recipe.template);
  payload.id = fresh.id;
  // Second precision, as in DataChonk's documented sample ("2024-01-15T10:30:00Z").
  payload.created_at = fresh.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (recipe.patch) deepMerge(payload, cloneJson(recipe.patch));
  for (const override of recipe.overrides) applyOverride(payload, override);
  return payload;
}

const SENTINEL_ID = 'evt_0datachonk0sentinel0id0';
const SENTINEL_DATE = new Date('2999-12-31T23:59:59Z');

/** One event ready to send: its exact bytes and its id. */
export interface SerializedEvent {
  body: string;
  id: string;
  event: string;
}

/**
 * Serializes a recipe once and returns a function that makes each event's bytes by putting a fresh
 * id and created_at into that text: the same bytes as `stringifyJson(buildPayload(...))` (which is
 * `JSON.stringify` with numbers kept as typed), without
 * cloning and serializing the payload for every event of a `--count` run.
 */
export function compileRecipe(recipe: PayloadRecipe): (fresh: Freshness) => SerializedEvent {
  const skeleton = buildPayload(recipe, { id: SENTINEL_ID, createdAt: SENTINEL_DATE });
  const text = stringifyJson(skeleton);
  const event = String(skeleton.event);
  const idAt = skeleton.id === SENTINEL_ID ? text.indexOf(JSON.stringify(SENTINEL_ID)) : -1;
  const dateText = JSON.stringify(SENTINEL_DATE.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const dateAt = text.indexOf(dateText);
  // Cut the text into pieces around the placeholders, in the order they appear.
  const holes = [
    ...(idAt >= 0 ? [{ at: idAt, length: JSON.stringify(SENTINEL_ID).length, kind: 'id' as const }] : []),
    ...(dateAt >= 0 ? [{ at: dateAt, length: dateText.length, kind: 'date' as const }] : []),
  ].sort((a, b) => a.at - b.at);
  const pieces: string[] = [];
  let from = 0;
  for (const hole of holes) {
    pieces.push(text.slice(from, hole.at));
    from = hole.at + hole.length;
  }
  pieces.push(text.slice(from));
  return (fresh) => {
    const values = {
      id: JSON.stringify(fresh.id),
      date: JSON.stringify(fresh.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')),
    };
    let body = pieces[0]!;
    holes.forEach((hole, i) => (body += values[hole.kind] + pieces[i + 1]!));
    return { body, id: idAt >= 0 ? fresh.id : String(skeleton.id), event };
  };
}
