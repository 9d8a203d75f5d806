import type { Env } from '../config/paths.js';

// Times for people: local time to the second in every view (the listener's lines, `events list`,
// `events show`), the zone said once in a header; --json keeps ISO 8601 in UTC. The zone is $TZ when set
// (and valid), else the system's: taken from the env passed in, so that tests choose it.

export interface LocalClock {
  /** 2026-12-07 20:41:05, in the zone. */
  time(date: Date): string;
  /** The zone for a header: `Europe/Paris, UTC+01:00` (its offset at `date`). */
  zone(date: Date): string;
}

export function localClock(env: Env): LocalClock {
  const format = formatter(env.TZ);
  const parts = (date: Date) =>
    Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value])) as Record<string, string>;
  // The listener prints two times per event; formatting one costs about 5 µs, so a second is formatted once.
  let last = { second: NaN, text: '' };
  return {
    time(date) {
      const second = Math.floor(date.getTime() / 1000);
      if (second !== last.second) {
        const p = parts(date);
        last = { second, text: `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}` };
      }
      return last.text;
    },
    zone(date) {
      const offset = parts(date).timeZoneName!.replace(/^GMT$/, 'GMT+00:00').replace(/^GMT/, 'UTC');
      const name = format.resolvedOptions().timeZone;
      return /^(Etc\/)?(UTC|GMT)$/.test(name) && offset === 'UTC+00:00' ? 'UTC' : `${name}, ${offset}`;
    },
  };
}

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  };
  try {
    return new Intl.DateTimeFormat('en-US', { ...options, timeZone: timeZone || undefined });
  } catch {
    // A TZ that Intl does not know (POSIX forms such as "EST5EDT,M3.2.0,M11.1.0"): the system's zone.
    return new Intl.DateTimeFormat('en-US', options);
  }
}
