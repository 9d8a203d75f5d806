import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

// The README's receiver and its test suite example are real files of this repository: the receiver
// is examples/receiver.mjs (what `datachonk demo` runs), the suite test/readme/webhooks.test.ts, which
// runs it. Each block shown and the file run must be the same text, so the two samples pass together.

const text = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('README.md', () => {
  it.each([
    ['examples/receiver.mjs', 'js'],
    ['test/readme/webhooks.test.ts', 'ts'],
  ])('shows %s as it is', async (file, lang) => {
    const readme = await text('README.md');
    const marker = readme.indexOf(`<!-- ${file}:`);
    expect(marker, 'the marker comment before the block').toBeGreaterThan(0);
    const block = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(marker))![1];
    expect(block).toBe(await text(file));
  });
});
