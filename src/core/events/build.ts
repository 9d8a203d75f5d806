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
  const payload = structuredClone(recipe.template);
  payload.id = fresh.id;
  // Second precision, as in DataChonk's documented sample ("2024-01-15T10:30:00Z").
  payload.created_at = fresh.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (recipe.patch) deepMerge(payload, structuredClone(recipe.patch));
  for (const override of recipe.overrides) applyOverride(payload, override);
  return payload;
}
