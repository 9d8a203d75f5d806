import { z } from 'zod';

// Chaos delivery: what a real sender does to webhooks on a bad day, on purpose, so
// that a receiver can be tested against it: an event delivered twice, events overtaking each other, late
// deliveries, and attempts that fail on the sender's side and are retried. Every delivery is still
// signed, and every attempt recorded with what chaos did to it.

const probability = z.number().min(0).max(1);

/** The chaos of the emulator (`start`) or of one webhook; every part optional. */
export const chaosSchema = z.strictObject({
  /** The chance that an event is delivered twice: the same id and body, each copy signed. */
  duplicate: probability.optional(),
  /** The chance that an event is held back until the next event to the same webhook has gone. */
  reorder: probability.optional(),
  /** A delay before an event's first attempt, drawn evenly from min_ms to max_ms. */
  delay: z
    .strictObject({ min_ms: z.number().int().min(0), max_ms: z.number().int().min(0) })
    .refine((d) => d.min_ms <= d.max_ms, 'min_ms must not be more than max_ms')
    .optional(),
  /** The chance that an attempt fails on the sender's side (a 503 before anything is sent), then retried. */
  fail: probability.optional(),
  /** The chance that an attempt's answer is treated as a timeout (it was sent, and is sent again). */
  timeout: probability.optional(),
});
export type ChaosSpec = z.infer<typeof chaosSchema>;

/** What chaos did to one attempt, as its history records it. */
export type ChaosKind = 'duplicate' | 'reorder' | 'delay' | 'fail' | 'timeout';

/** What chaos does to one event for one webhook, decided when it is emitted. */
export interface DispatchPlan {
  duplicate: boolean;
  hold: boolean;
  delayMs: number | undefined;
}

/** True with probability `p`; no draw when there is no chance at all, so that unused kinds take no numbers. */
function chance(p: number | undefined, random: () => number): boolean {
  return p !== undefined && p > 0 && random() < p;
}

/**
 * The dispatch decisions, in this order of draws: duplicate, reorder (only when nothing is held back
 * for the webhook already: the next event is the one that overtakes), delay. A seeded `random` gives
 * the same decisions for the same sequence of deliveries.
 */
export function planDispatch(chaos: ChaosSpec | undefined, random: () => number, canHold: boolean): DispatchPlan {
  const duplicate = chance(chaos?.duplicate, random);
  const hold = canHold && chance(chaos?.reorder, random);
  const delay = chaos?.delay;
  const delayMs = delay ? Math.round(delay.min_ms + random() * (delay.max_ms - delay.min_ms)) : undefined;
  return { duplicate, hold, delayMs };
}

/** What chaos does to one attempt: a failure on the sender's side, a dropped answer, or nothing. */
export function attemptChaos(chaos: ChaosSpec | undefined, random: () => number): 'fail' | 'timeout' | undefined {
  if (chance(chaos?.fail, random)) return 'fail';
  if (chance(chaos?.timeout, random)) return 'timeout';
  return undefined;
}

/** True when the spec does nothing. */
export function isCalm(chaos: ChaosSpec | undefined): boolean {
  return !chaos || (!chaos.duplicate && !chaos.reorder && !chaos.delay && !chaos.fail && !chaos.timeout);
}
