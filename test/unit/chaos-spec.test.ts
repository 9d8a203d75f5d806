import { describe, expect, it } from 'vitest';
import { chaosSpec } from '../../src/commands/parsers.js';
import { attemptChaos, chaosSchema, planDispatch } from '../../src/emulator/chaos.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { formatChaos } from '../../src/ui/emulator.js';

describe('the --chaos spec', () => {
  it.each([
    [
      'duplicate=0.2,reorder=0.3,delay=100ms-2s,fail=0.1,timeout=0.05',
      { duplicate: 0.2, reorder: 0.3, delay: { min_ms: 100, max_ms: 2000 }, fail: 0.1, timeout: 0.05 },
    ],
    ['duplicate=20%', { duplicate: 0.2 }],
    [' fail = 1 , delay=500ms ', { fail: 1, delay: { min_ms: 500, max_ms: 500 } }],
    ['delay=0-1', { delay: { min_ms: 0, max_ms: 1000 } }],
    ['reorder=.5', { reorder: 0.5 }],
    ['none', {}],
  ])('%s', (text, spec) => {
    expect(chaosSpec(text)).toEqual(spec);
    // What the emulator's API takes.
    expect(chaosSchema.parse(spec)).toEqual(spec);
  });

  it.each([
    [
      'dupe=0.2',
      'unknown chaos "dupe": expected one of duplicate, reorder, delay, fail, timeout (for example duplicate=0.2,',
    ],
    ['duplicate', 'expected duplicate=0.2, got "duplicate"'],
    ['delay=', 'expected delay=100ms-2s, got "delay="'],
    ['fail=0.1=2', 'expected fail=0.2, got "fail=0.1=2"'],
    ['fail=1.5', 'fail: expected a chance from 0 to 1 (0.2) or a percentage (20%), got "1.5"'],
    ['fail=150%', 'got "150%"'],
    ['fail=-0.1', 'got "-0.1"'],
    ['delay=fast', 'delay: expected a duration (500ms) or a range (100ms-2s), got "fast"'],
    ['delay=1s-2s-3s', 'delay: expected a duration (500ms) or a range (100ms-2s), got "1s-2s-3s"'],
    ['delay=2s-100ms', 'delay: the range 2s-100ms ends before it starts; put the shorter duration first'],
    ['fail=0.1,fail=0.2', 'fail is given twice'],
    [',', 'expected kind=value pairs, for example duplicate=0.2,'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => chaosSpec(text)).toThrow(message);
  });

  it('is shown as it is typed', () => {
    const text = 'duplicate=0.2,reorder=0.3,delay=100ms-2s,fail=0.1,timeout=0.05';
    expect(formatChaos(chaosSpec(text))).toBe(text);
    expect(formatChaos(chaosSpec('delay=1500ms'))).toBe('delay=1500ms');
    expect(formatChaos({})).toBe('none');
    expect(formatChaos(undefined)).toBe('none');
  });
});

describe('chaos decisions', () => {
  it('a seed gives the same numbers every time, another seed others, all in [0, 1)', () => {
    const take = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 100 }, () => random());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(43)).not.toEqual(take(42));
    expect(take(42).every((n) => n >= 0 && n < 1)).toBe(true);
    expect(new Set(take(42)).size).toBe(100);
  });

  it('draws only for the kinds asked for, in a fixed order, and holds back only when nothing is held', () => {
    const draws: number[] = [];
    const random =
      (...values: number[]) =>
      () => {
        draws.push(values[draws.length] ?? 0.99);
        return draws.at(-1)!;
      };
    expect(
      planDispatch({ duplicate: 0.5, reorder: 0.5, delay: { min_ms: 100, max_ms: 300 } }, random(0.4, 0.6, 0.5), true),
    ).toEqual({ duplicate: true, hold: false, delayMs: 200 });
    draws.length = 0;
    expect(planDispatch({ reorder: 1 }, random(0), false)).toEqual({
      duplicate: false,
      hold: false,
      delayMs: undefined,
    });
    expect(draws).toEqual([]);
    expect(attemptChaos({ fail: 0.5, timeout: 0.5 }, random(0.7, 0.1))).toBe('timeout');
    expect(attemptChaos({ duplicate: 1 }, random())).toBeUndefined();
    expect(draws).toEqual([0.7, 0.1]);
  });
});
