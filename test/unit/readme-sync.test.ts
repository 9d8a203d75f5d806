import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

// The README's test suite example is a real test of this repository (test/readme/webhooks.test.ts):
// the block shown and the file run must be the same text.

describe('README.md', () => {
  it('shows test/readme/webhooks.test.ts as it is', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const marker = readme.indexOf('<!-- test/readme/webhooks.test.ts');
    expect(marker, 'the marker comment before the block').toBeGreaterThan(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(marker))![1];
    expect(block).toBe(await readFile(new URL('../readme/webhooks.test.ts', import.meta.url), 'utf8'));
  });
});
