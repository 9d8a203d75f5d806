#!/usr/bin/env node
// Writes docs/commands.md, the command reference, from the built command definitions and help topics
// (src/commands/reference.ts). Run by `npm run docs`, which builds first; the unit test
// test/unit/command-reference.test.ts fails when the file differs from what this writes.
import { writeFile } from 'node:fs/promises';
import { commandReference } from '../dist/commands/reference.js';

await writeFile(new URL('../docs/commands.md', import.meta.url), await commandReference());
console.log('wrote docs/commands.md');
