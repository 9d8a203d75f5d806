// The order a scenario's events are sent in, made hard on purpose: reversed, shuffled, some sent
// twice, with pauses between them, as real deliveries arrive (late, out of order, retried). Every
// random choice comes from one seeded generator, so a seed gives the same order again.

/** A pause between sends: a fixed one (min = max) or a range to draw from, in milliseconds. */
export interface DelayRange {
  minMs: number;
  maxMs: number;
}

export interface Ordering {
  shuffle: boolean;
  reverse: boolean;
  /** How many events to send a second time (the same id, the same bytes). */
  duplicates: number;
}

/** One send of a scenario: its step (0-based) and whether it repeats an earlier send of that step. */
export interface ScenarioSend {
  step: number;
  repeat: boolean;
}

/** Shuffles in place (Fisher–Yates) and returns the array. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * The sends of a scenario of `steps` steps: in order, reversed or shuffled; then each duplicate, a
 * step picked at random (each step once before any twice), sent again at a random place after its
 * first send.
 */
export function sendingOrder(steps: number, ordering: Ordering, random: () => number): ScenarioSend[] {
  const order = Array.from({ length: steps }, (_, i) => i);
  if (ordering.reverse) order.reverse();
  if (ordering.shuffle) shuffle(order, random);
  const sends = order.map((step): ScenarioSend => ({ step, repeat: false }));
  if (ordering.duplicates === 0 || steps === 0) return sends;
  const picks = shuffle(
    Array.from({ length: steps }, (_, i) => i),
    random,
  );
  for (let i = 0; i < ordering.duplicates; i++) {
    const step = picks[i % steps]!;
    const first = sends.findIndex((send) => send.step === step);
    const at = first + 1 + Math.floor(random() * (sends.length - first));
    sends.splice(at, 0, { step, repeat: true });
  }
  return sends;
}

/** Whether sending draws random numbers, so that the seed is worth printing. */
export function drawsRandom(ordering: Ordering, delay: DelayRange | undefined): boolean {
  return ordering.shuffle || ordering.duplicates > 0 || (delay !== undefined && delay.maxMs > delay.minMs);
}

/** A pause drawn from a range (whole milliseconds, both ends included). */
export function pickDelay(range: DelayRange, random: () => number): number {
  return range.minMs + Math.floor(random() * (range.maxMs - range.minMs + 1));
}
