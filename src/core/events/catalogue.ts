// The event catalogue without zod, so that `--help`, `--list` and name checks stay light.

/** Every event type DataChonk documents, with the doc's own one-line description. */
export const EVENT_DESCRIPTIONS = {
  'chonk.created': 'A new chonk was created',
  'chonk.updated': "A chonk's configuration was updated",
  'chonk.deleted': 'A chonk was deleted',
  'generation.started': 'Code generation began',
  'generation.completed': 'Code generation finished successfully',
  'generation.failed': 'Code generation encountered an error',
  'scan.completed': 'Schema scan finished',
  'push.completed': 'Code was pushed to Git repository',
} as const;

export type EventType = keyof typeof EVENT_DESCRIPTIONS;

export const EVENT_TYPES = Object.keys(EVENT_DESCRIPTIONS) as EventType[];

/** Only `generation.completed` has a documented `data`; the others are inferred by this tool. */
export const DOCUMENTED_DATA: ReadonlySet<EventType> = new Set<EventType>(['generation.completed']);

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(EVENT_DESCRIPTIONS, name);
}

/** The closest known name to a mistyped one, or undefined when nothing is close. */
export function suggestEventType(name: string): EventType | undefined {
  let best: EventType | undefined;
  let bestDistance = Infinity;
  for (const candidate of EVENT_TYPES) {
    const d = editDistance(name.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Accept a suggestion only when it is a plausible typo, not a different word.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
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
