import { describe, expect, it } from 'vitest';
import { prettyBody } from '../../src/ui/body.js';

describe('prettyBody', () => {
  it('pretty-prints JSON with its digits as sent, and cuts it with how many bytes were left out', () => {
    expect(prettyBody('{"n":12345678901234567890}')).toBe('{\n  "n": 12345678901234567890\n}');
    expect(prettyBody('{"a":"é"}', 10)).toBe('{\n  "a": "\n… 5 more bytes');
    expect(prettyBody('not json')).toBe('not json');
  });

  it('shows a large body it cuts as it came, not pretty-printed (that would take tens of ms per event)', () => {
    const large = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ i })) });
    expect(large.length).toBeGreaterThan(64 * 1024);
    expect(prettyBody(large, 20)).toBe(`${large.slice(0, 20)}\n… ${large.length - 20} more bytes`);
    // Shown whole (events show), it is still pretty-printed.
    expect(prettyBody(large).startsWith('{\n  "items": [\n')).toBe(true);
  });
});
