import { describe, expect, it } from 'vitest';
import { localClock } from '../../src/ui/time.js';

describe('localClock', () => {
  it('writes a date to the second in $TZ, across a change of offset, whatever the order it is asked in', () => {
    const clock = localClock({ TZ: 'Europe/Paris' });
    const beforeDst = new Date('2026-03-29T00:59:59.999Z');
    const afterDst = new Date('2026-03-29T01:00:00.000Z');
    expect(clock.time(beforeDst)).toBe('2026-03-29 01:59:59');
    expect(clock.time(new Date('2026-03-29T00:59:59.000Z'))).toBe('2026-03-29 01:59:59');
    expect(clock.time(afterDst)).toBe('2026-03-29 03:00:00');
    expect(clock.time(beforeDst)).toBe('2026-03-29 01:59:59');
    expect(clock.zone(beforeDst)).toBe('Europe/Paris, UTC+01:00');
    expect(clock.zone(afterDst)).toBe('Europe/Paris, UTC+02:00');
  });

  it('says UTC plainly', () => {
    const clock = localClock({ TZ: 'UTC' });
    expect(clock.time(new Date('2026-12-07T23:54:29.500Z'))).toBe('2026-12-07 23:54:29');
    expect(clock.zone(new Date())).toBe('UTC');
  });
});
